# Structure: the predict answer cell and its test cell both deleted (and the rest answered correctly). nbgrader puts
# the test cell back; the missing answer scores 0 and everything else is graded.
# expect: test_signature_weight=1 test_output_shape=1 test_values=2
# %% delete predict_answer
# %% delete test_predict
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
