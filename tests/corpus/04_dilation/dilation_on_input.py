# Wrong: dilation applied to the input (pad, keep every d-th position x[..., ::d], then an ordinary convolution), in conv1d_output_length too.
# Too few outputs, and the wrong ones, whenever dilation > 1; the prediction was checked against torch and is right.
# expect: test_predict=1 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (1, 4, 8)
# %% answer length_answer
import math


def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    kept = math.ceil((L_in + 2 * padding) / dilation)     # positions left after taking every d-th
    return (kept - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 padding_mode='zeros'):
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.padding_mode = padding_mode
        bound = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s, d = self.kernel_size, self.stride, self.dilation
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            total = d * (K - 1)
            left, right = total // 2, total - total // 2
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        x = x[:, :, ::d]                      # dilation: the taps are d apart
        N, C_in, L = x.shape
        L_out = (L - K) // s + 1
        y = np.zeros((N, self.out_channels, L_out))
        for t in range(L_out):
            y[:, :, t] = np.einsum('nck,ock->no', x[:, :, t * s:t * s + K], self.weight)
        return y

    def __call__(self, x):
        return self.forward(x)
