# Mistake of form: the answer cell is left as released (it still raises NotImplementedError) and a correct class is
# written in a new cell below it. The grader runs only the answer cells: the predict answer counts, the Conv1d
# tests fail, and their message says the answer cell still raises and that the class in the other cell is not graded.
# expect: test_predict=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% insert-after conv1d_answer
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
