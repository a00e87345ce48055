# Correct: plain loops; the padded input is built one position at a time, tap k of window t reads
# x_pad[t * stride + k * dilation].
# expect: test_predict=1 test_causal=1 test_output_length=1 test_signature_weight=1 test_output_shape=1 test_dilation_values=2 test_dilation_with_padding_stride=2
# %% answer predict_answer
span = 3 * (3 - 1) + 1
predicted_shape = (1, 4, (20 + 2 * 1 - span) // 2 + 1)
# %% answer causal_answer
receptive_field = 1
for dilation in (1, 2, 4, 8):
    receptive_field += dilation * (3 - 1)          # each causal layer reaches d·(K−1) further back
predicted_receptive_field = receptive_field
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    padded_length = L_in + 2 * padding
    last_tap = dilation * (kernel_size - 1)          # offset of the last tap from the window start
    count = 0
    start = 0
    while start + last_tap < padded_length:         # the last tap must land inside the input
        count += 1
        start += stride
    return count
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
        limit = 1.0 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-limit, limit, size=(out_channels, in_channels, kernel_size))
        self.bias = None

    def pad_sizes(self):
        if self.padding == 'valid':
            return 0, 0
        if self.padding == 'same':
            total = self.dilation * (self.kernel_size - 1)
            return total // 2, total - total // 2
        return self.padding, self.padding

    def source(self, i, L):
        """Which input position padded position i (counted from x[0]) copies, or None for a zero."""
        if 0 <= i < L:
            return i
        if self.padding_mode == 'zeros':
            return None
        if self.padding_mode == 'replicate':
            return 0 if i < 0 else L - 1
        if self.padding_mode == 'circular':
            return i % L
        if self.padding_mode == 'reflect':
            return -i if i < 0 else 2 * (L - 1) - i
        raise ValueError(f"unknown padding_mode {self.padding_mode!r}")

    def forward(self, x):
        N, C_in, L_in = x.shape
        left, right = self.pad_sizes()
        L_pad = L_in + left + right
        xp = np.zeros((N, C_in, L_pad))
        for n in range(N):
            for c in range(C_in):
                for j in range(L_pad):
                    src = self.source(j - left, L_in)
                    if src is not None:
                        xp[n, c, j] = x[n, c, src]

        K, s, d = self.kernel_size, self.stride, self.dilation
        L_out = (L_pad - d * (K - 1) - 1) // s + 1
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                for t in range(L_out):
                    total = 0.0
                    for c in range(C_in):
                        for k in range(K):
                            total += self.weight[o, c, k] * xp[n, c, t * s + k * d]
                    y[n, o, t] = total
        return y

    def __call__(self, x):
        return self.forward(x)
