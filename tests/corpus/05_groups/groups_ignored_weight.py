# Wrong: __init__ still creates the weight as (C_out, C_in, K), ignoring groups; forward groups correctly with the weight it is given.
# expect: test_predict=1 test_output_shape=1 test_groups_values=2 test_invalid_groups=1
# %% answer predict_answer
predicted_weight_shape = (9, 2, 4)
predicted_weight_count = 72
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, padding_mode='zeros'):
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        bound = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        if self.padding == 'valid':
            pad = (0, 0)
        elif self.padding == 'same':
            pad = (d * (K - 1) // 2, d * (K - 1) - d * (K - 1) // 2)
        else:
            pad = (self.padding, self.padding)
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), pad), mode=mode)
        win = sliding_window_view(x, d * (K - 1) + 1, axis=2)[:, :, ::s, ::d]    # (N, C_in, L_out, K)
        ci, co = self.in_channels // G, self.out_channels // G
        parts = [np.einsum("nctk,ock->not", win[:, g * ci:(g + 1) * ci], self.weight[g * co:(g + 1) * co])
                 for g in range(G)]
        return np.concatenate(parts, axis=1)

    def __call__(self, x):
        return self.forward(x)
