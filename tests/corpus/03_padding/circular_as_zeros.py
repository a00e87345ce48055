# Wrong: padding_mode='circular' is padded with zeros (only zeros, reflect and replicate are handled; anything else falls back to zeros).
# Only the circular value cell checks circular values; shapes are unaffected.
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_output_shape=1 test_padding_zeros=2 test_padding_valid_same=2 test_same_stride_raises=1 test_padding_reflect=1 test_padding_replicate=1
# %% answer predict_answer
predicted_shape = (4, 8, 17)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + 2 * padding - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode='zeros'):
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.padding_mode = padding_mode
        bound = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s = self.kernel_size, self.stride
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left = (K - 1) // 2
            right = K - 1 - left
        else:
            left = right = self.padding
        width = ((0, 0), (0, 0), (left, right))
        if self.padding_mode == 'reflect':
            x = np.pad(x, width, mode='reflect')
        elif self.padding_mode == 'replicate':
            x = np.pad(x, width, mode='edge')
        else:
            x = np.pad(x, width)            # zeros
        N, _, L = x.shape
        L_out = (L - K) // s + 1
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                for t in range(L_out):
                    y[n, o, t] = np.sum(self.weight[o] * x[n, :, t * s:t * s + K])
        return y

    def __call__(self, x):
        return self.forward(x)
