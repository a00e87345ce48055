# Hostile but correct: the answer cell prints 2 MB, and ten cells added at the end 0.9 MB each. Output is
# capped per cell (1 MiB) and per notebook (8 MiB); the answer still earns full marks.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
print("x" * 2_000_000)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        return np.einsum("nctk,ock->not", sliding_window_view(x, self.weight.shape[2], axis=2), self.weight)

    def __call__(self, x):
        return self.forward(x)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
# %% append
print("y" * 900_000)
