# Mistake from notebook 03, still wrong in 06: padding='same' with an odd total puts the extra element on the left.
# Every random set of 06 holds an uneven 'same' case whatever the seed, so the value cells catch it.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_default_init=2
# %% answer predict_answer
predicted_parameter_count = 40
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        bound = 1 / np.sqrt(in_channels // groups * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size))
        self.bias = np.random.uniform(-bound, bound, out_channels) if bias else None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        span = d * (K - 1) + 1
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left, right = (span - 1) - (span - 1) // 2, (span - 1) // 2   # extra on the left
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        xp = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        win = sliding_window_view(xp, span, axis=2)[:, :, ::s, ::d]          # (N, C_in, L_out, K)
        N, C_in, L_out, _ = win.shape
        win = win.reshape(N, G, C_in // G, L_out, K)
        w = self.weight.reshape(G, self.out_channels // G, C_in // G, K)
        y = np.einsum("ngctk,gock->ngot", win, w).reshape(N, self.out_channels, L_out)
        if self.bias is not None:
            y = y + self.bias[None, :, None]
        return y

    def __call__(self, x):
        return self.forward(x)
