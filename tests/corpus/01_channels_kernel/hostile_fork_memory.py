# Hostile (found by red-teaming, class 6): the kernel's memory limit (RLIMIT_AS) is per process, so a cell that
# starts processes would get that limit once per process. seccomp stops the kernel from starting any process or
# program: the cell fails at once, and the answers keep their full marks.
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
import subprocess, sys
hog = "import time; b = b'x' * 200_000_000; time.sleep(5)"
kids = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(5)]
print("started", len(kids), "processes")
