# Wrong: windows stop one position early (L_in - K instead of L_in - K + 1).
# expect: test_predict=1 test_signature_weight=1
# %% answer predict_answer
predicted_shape = [4, 8, 28]
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.ones((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        windows = sliding_window_view(x, self.weight.shape[2], axis=2)[:, :, :-1]
        return np.einsum("nctk,ock->not", windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
