# Wrong: L_out uses the span K instead of d·(K−1)+1 (forward and conv1d_output_length); the taps are spaced d, and taps past the end are skipped, so windows that do not fit give partial sums instead of an IndexError.
# Too many outputs whenever dilation > 1; the first ones are right. The prediction was checked against torch and is right.
# expect: test_predict=1 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (1, 4, 8)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + 2 * padding - kernel_size) // stride + 1
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
        self.weight = np.random.uniform(-1, 1, (out_channels, in_channels, kernel_size)) / np.sqrt(in_channels * kernel_size)
        self.bias = None

    def forward(self, x):
        K, s, d = self.kernel_size, self.stride, self.dilation
        if self.padding == 'valid':
            left, right = 0, 0
        elif self.padding == 'same':
            left = d * (K - 1) // 2
            right = d * (K - 1) - left
        else:
            left, right = self.padding, self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        xp = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        N, C_in, L_pad = xp.shape
        L_out = (L_pad - K) // s + 1
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                for t in range(L_out):
                    total = 0.0
                    for c in range(C_in):
                        for k in range(K):
                            pos = t * s + k * d
                            if pos < L_pad:           # was an IndexError at the end
                                total += self.weight[o, c, k] * xp[n, c, pos]
                    y[n, o, t] = total
        return y

    def __call__(self, x):
        return self.forward(x)
