# Wrong: reads `padding` as the total added, all of it on the left: predicts L_in + p, and the
# length formula and the forward pass both pad p once ('same' and 'valid', spelled out in the task, are right).
# expect: test_signature_weight=1 test_padding_valid_same=2 test_same_stride_raises=1
# %% answer predict_answer
predicted_shape = (4, 8, 16)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + padding - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode='zeros'):
        if padding == 'same' and stride > 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.padding_mode = stride, padding, padding_mode
        self.weight = np.random.randn(out_channels, in_channels, kernel_size) * 0.1
        self.bias = None

    def forward(self, x):
        K, s = self.kernel_size, self.stride
        if self.padding == 'valid':
            left, right = 0, 0
        elif self.padding == 'same':
            left, right = (K - 1) // 2, K - 1 - (K - 1) // 2
        else:
            left, right = self.padding, 0
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        L_out = (x.shape[2] - K) // s + 1
        return np.stack([np.einsum('nck,ock->no', x[:, :, t * s:t * s + K], self.weight)
                         for t in range(L_out)], axis=2)

    def __call__(self, x):
        return self.forward(x)
