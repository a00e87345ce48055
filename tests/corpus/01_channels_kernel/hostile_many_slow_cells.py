# Hostile (found by red-teaming, class 6): nbgrader's limit is per cell, and a student may add any number of cells,
# each sleeping just under it: hours of grading with plain nbgrader autograde. Execute.total_timeout bounds the
# student's cells of one notebook together (300 s by default, 10 s in the tests); the cells after it are not run.
# The answers keep their full marks.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        windows = sliding_window_view(x, self.kernel_size, axis=2)   # (N, C_in, L_out, K)
        return np.einsum("nctk,ock->not", windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
# %% append
import time
time.sleep(5.5)
# %% append
import time
time.sleep(5.5)
# %% append
import time
time.sleep(5.5)
# %% append
import time
time.sleep(5.5)
# %% append
import time
time.sleep(5.5)
# %% append
import time
time.sleep(5.5)
# %% append
import time
time.sleep(5.5)
# %% append
import time
time.sleep(5.5)
