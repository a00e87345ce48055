# Wrong: padding='same' pads K−1 in total (as in notebook 03) instead of d·(K−1), so with dilation it comes out shorter than the input.
# Integer padding, 'valid', the taps and the length formula are right: only the 'same' cases fail.
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_dilation_values=2
# %% answer predict_answer
predicted_shape = (1, 4, 8)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 padding_mode='zeros'):
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation, self.padding_mode = stride, padding, dilation, padding_mode
        k = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-k, k, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s, d = self.kernel_size, self.stride, self.dilation
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left, right = (K - 1) // 2, K - 1 - (K - 1) // 2
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        span = d * (K - 1) + 1
        windows = sliding_window_view(x, span, axis=2)[:, :, ::s, ::d]     # (N, C_in, L_out, K)
        return np.einsum('nctk,ock->not', windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
