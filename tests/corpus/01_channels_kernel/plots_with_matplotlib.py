# Correct, with a plot in the answer cell: matplotlib needs a writable config folder and may try a subprocess
# (font cache), both of which the grader's answer process handles. Full marks, nothing flagged.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import matplotlib.pyplot as plt

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

layer = Conv1d(1, 1, 3)
layer.weight = np.ones((1, 1, 3)) / 3
x = np.sin(np.linspace(0, 6, 50))[None, None]
plt.plot(x[0, 0], label="x")
plt.plot(layer(x)[0, 0], label="moving average")
plt.legend()
plt.show()
