# Hostile (issue 25, found by red-teaming): a wrong prediction, and the nbgrader flags of known cells flipped (the
# predict test marked an answer, the answer cell marked graded, a test cell's grade unset, another's solution an
# int): nbgrader would fail on inconsistent checksums and list the submission "not graded" instead of scoring it.
# Each known cell's flags come back from the gradebook (DropForeignMetadata): graded like any other, the
# prediction's 0 included.
# expect: test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 27)
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
# %% flag test_predict solution=True
# %% flag conv1d_answer grade=True
# %% flag test_values grade=False
# %% flag test_output_shape solution=1
