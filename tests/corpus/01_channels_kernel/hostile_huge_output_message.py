# Hostile (found by red-teaming, class 4): one output message of 100 MB, far over the 16 MiB a kernel message may
# have: the grader's ZeroMQ sockets (the manager's and the client's) refuse it and disconnect, so the grader never
# holds it. The kernel counts as dead from that cell on; the answers, judged apart, keep their full marks.
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
from IPython.display import display
display({"text/plain": "x" * 100_000_000}, raw=True)
print("still here")
