# Cheat: right only on the visible tests' shapes (as if their answers were pasted in), zeros elsewhere.
# The hidden cases in the same cells take the points.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

VISIBLE = {(2, 2, 5), (1, 1, 8), (2, 3, 9), (3, 2, 12), (1, 1, 6), (3, 4, 10)}


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K = self.weight.shape[2]
        if x.shape in VISIBLE:
            return np.einsum("nctk,ock->not", sliding_window_view(x, K, axis=2), self.weight)
        return np.zeros((x.shape[0], self.weight.shape[0], x.shape[2] - K + 1))

    def __call__(self, x):
        return self.forward(x)
