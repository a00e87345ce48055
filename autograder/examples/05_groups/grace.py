# Correct: pad, strided sliding windows, split channels into groups, one einsum over all groups.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_groups_values=2 test_depthwise=2 test_invalid_groups=1
# %% answer predict_answer
predicted_weight_shape = [9, 2, 4]
predicted_weight_count = 72
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    MODES = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, padding_mode='zeros'):
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        bound = 1 / np.sqrt(in_channels // groups * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        if self.padding == 'same':
            total = d * (K - 1)
            pads = (total // 2, total - total // 2)
        else:
            p = 0 if self.padding == 'valid' else self.padding
            pads = (p, p)
        x = np.pad(x, ((0, 0), (0, 0), pads), mode=self.MODES[self.padding_mode])
        N, C_in, _ = x.shape
        span = d * (K - 1) + 1
        win = sliding_window_view(x, span, axis=2)[:, :, ::s, ::d]          # (N, C_in, L_out, K)
        L_out = win.shape[2]
        win = win.reshape(N, G, C_in // G, L_out, K)                       # channels split by group
        w = self.weight.reshape(G, self.out_channels // G, C_in // G, K)   # filters split by group
        y = np.einsum("ngctk,gock->ngot", win, w)
        return y.reshape(N, self.out_channels, L_out)

    def __call__(self, x):
        return self.forward(x)
