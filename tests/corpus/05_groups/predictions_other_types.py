# Right predictions in other numeric types (issue 16): the weight count from `/` as 72.0, the shape from np.array:
# the value counts, and the check says which type torch gives. Otherwise ada's correct answer.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_groups_values=2 test_depthwise=2 test_invalid_groups=1
# %% answer predict_answer
import numpy as np
predicted_weight_shape = np.array([9, 6 / 3, 4]).astype(int)
predicted_weight_count = 9 * (6 / 3) * 4
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, padding_mode='zeros'):
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = np.random.randn(out_channels, in_channels // groups, kernel_size)
        self.bias = None

    def _pads(self):
        if self.padding == 'valid':
            return 0, 0
        if self.padding == 'same':
            total = self.dilation * (self.kernel_size - 1)
            return total // 2, total - total // 2
        return self.padding, self.padding

    def _read(self, x, n, c, i, L):
        """x_padded[n, c, i + left], read straight from x (i may fall outside 0 .. L-1)."""
        if 0 <= i < L:
            return x[n, c, i]
        mode = self.padding_mode
        if mode == 'zeros':
            return 0.0
        if mode == 'replicate':
            return x[n, c, 0] if i < 0 else x[n, c, L - 1]
        if mode == 'reflect':
            return x[n, c, -i] if i < 0 else x[n, c, 2 * (L - 1) - i]
        return x[n, c, i % L]            # circular

    def forward(self, x):
        N, C_in, L = x.shape
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        left, right = self._pads()
        L_out = (L + left + right - d * (K - 1) - 1) // s + 1
        in_per_group = C_in // G
        out_per_group = self.out_channels // G
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                g = o // out_per_group
                for t in range(L_out):
                    total = 0.0
                    for c in range(in_per_group):
                        for k in range(K):
                            i = t * s + k * d - left
                            total += self.weight[o, c, k] * self._read(x, n, g * in_per_group + c, i, L)
                    y[n, o, t] = total
        return y

    def __call__(self, x):
        return self.forward(x)
