# Hostile (found by red-teaming, class 2): the sandbox's PID 1 is bubblewrap's own init process, so /proc/1/environ
# shows bubblewrap's environment: started with the grader's, it held the grading secret. bubblewrap is now started
# with the kernel's clean environment too; tests/test_autograde.py checks that no output shows the secret.
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
import os
for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
    for what in ("cmdline", "environ"):
        try:
            data = open(f"/proc/{pid}/{what}", "rb").read().split(b"\0")
            print(pid, what, [d.decode(errors="replace") for d in data if d][:80])
        except Exception as e:
            print(pid, what, type(e).__name__, e)
