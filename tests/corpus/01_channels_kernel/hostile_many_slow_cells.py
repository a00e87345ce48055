# Hostile (found by red-teaming, class 6): nbgrader's limit is per cell, and a student may add any number of cells,
# each sleeping just under it: hours of grading with plain nbgrader autograde. TimeLimits.submission_seconds bounds
# the student's own time (sleep counts) for the whole submission, kernel and judge together (300 s by default, 20 s
# in the tests): the kernel's cells after it are not run, and the judge has no time left, so its test cells say
# "not run: the submission's time is spent".
# expect: test_predict=0
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
