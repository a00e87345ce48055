# Correct, with torch's whole signature: the later parameters at torch's defaults (bias=True makes a bias, as
# torch does; the tests set it to None before notebook 06). Torch's own signature is never wrong: full marks.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode='zeros', device=None, dtype=None):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        bound = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = np.random.uniform(-bound, bound, out_channels) if bias else None

    def forward(self, x):
        windows = sliding_window_view(x, self.kernel_size, axis=2)   # (N, C_in, L_out, K)
        y = np.einsum("nctk,ock->not", windows, self.weight)
        return y if self.bias is None else y + self.bias[:, None]

    def __call__(self, x):
        return self.forward(x)
