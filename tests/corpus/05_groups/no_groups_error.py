# Wrong: never raises ValueError when groups does not divide in_channels or out_channels (it silently floors C_in // groups); otherwise correct.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_groups_values=2 test_depthwise=2
# %% answer predict_answer
predicted_weight_shape = (9, 2, 4)
predicted_weight_count = 9 * 2 * 4
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, padding_mode='zeros'):
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

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        if self.padding == 'same':
            total = d * (K - 1)
            left, right = total // 2, total - total // 2
        elif self.padding == 'valid':
            left = right = 0
        else:
            left = right = self.padding
        modes = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=modes[self.padding_mode])
        N, C_in, _ = x.shape
        win = sliding_window_view(x, d * (K - 1) + 1, axis=2)[:, :, ::s, ::d]     # (N, C_in, L_out, K)
        ci, co = C_in // G, self.out_channels // G
        y = np.empty((N, self.out_channels, win.shape[2]))
        for g in range(G):
            y[:, g * co:(g + 1) * co] = np.einsum("nctk,ock->not", win[:, g * ci:(g + 1) * ci],
                                                  self.weight[g * co:(g + 1) * co])
        return y

    def __call__(self, x):
        return self.forward(x)
