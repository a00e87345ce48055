# Wrong: for padding='same' with an even kernel the odd extra element goes on the left instead of the right.
# Shapes are right and odd kernels split evenly, so the 'same' value cell (visible K=4 and K=2 cases) fails, and
# the circular cell with its K=2 'same' case (0 left, 1 right); the reflect/replicate cells' 'same' cases have odd K.
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_output_shape=1 test_padding_zeros=2 test_same_stride_raises=1 test_padding_reflect=1 test_padding_replicate=1
# %% answer predict_answer
predicted_shape = (4, 8, 17)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + 2 * padding - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode='zeros'):
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.padding_mode = stride, padding, padding_mode
        bound = (in_channels * kernel_size) ** -0.5
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K = self.kernel_size
        if self.padding == 'same':
            total = K - 1
            right = total // 2
            left = total - right            # rounds up on the left
        elif self.padding == 'valid':
            left = right = 0
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, [(0, 0), (0, 0), (left, right)], mode=mode)
        windows = sliding_window_view(x, K, axis=-1)[:, :, ::self.stride]
        return np.einsum('nctk,ock->not', windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
