# Correct (grace's answer), graded after the cheats of this notebook: it keeps its full marks.
# expect: test_predict=1 test_output_length=2 test_signature_weight=1 test_output_shape=1 test_values=2 test_stride_jumps=1 test_stride_floor=1
# %% answer predict_answer
predicted_shape = (4, 8, 6)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    """L_out of Conv1d(..., kernel_size, stride) on an input of length L_in (padding, dilation: later)."""
    return len(range(0, L_in - kernel_size + 1, stride))   # the window starts
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride = stride
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        windows = sliding_window_view(x, self.kernel_size, axis=2)[:, :, ::self.stride]   # (N, C_in, L_out, K)
        return np.einsum("nctk,ock->not", windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
