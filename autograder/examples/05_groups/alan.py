# Wrong: output channels are dealt to the groups round-robin (group o % groups instead of o // (C_out/groups)),
# and the predicted weight ignores groups: (9, 6, 4), 216 numbers.
# expect: test_signature_weight=1 test_output_shape=1 test_invalid_groups=1
# %% answer predict_answer
predicted_weight_shape = (9, 6, 4)
predicted_weight_count = 216
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
        self.out_channels, self.kernel_size = out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = np.zeros((out_channels, in_channels // groups, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left, right = d * (K - 1) // 2, d * (K - 1) - d * (K - 1) // 2
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode[self.padding_mode])
        win = sliding_window_view(x, d * (K - 1) + 1, axis=2)[:, :, ::s, ::d]   # (N, C_in, L_out, K)
        cin_g = x.shape[1] // G
        y = np.zeros((x.shape[0], self.out_channels, win.shape[2]))
        for g in range(G):
            # output channels g, g + G, g + 2G, ... for group g
            y[:, g::G] = np.einsum("nctk,ock->not", win[:, g * cin_g:(g + 1) * cin_g], self.weight[g::G])
        return y

    def __call__(self, x):
        return self.forward(x)
