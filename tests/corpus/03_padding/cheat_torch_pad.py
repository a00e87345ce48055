# Cheat (a mild one): torch.nn.functional.pad does the padding, NumPy the rest. The answer must be NumPy only:
# importing torch costs every Conv1d cell; the prediction and the length function keep their points.
# expect: test_predict=1 test_output_length=1
# %% answer predict_answer
predicted_shape = (4, 8, 17)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return int((L_in + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1)
# %% answer conv1d_answer
import numpy as np
import torch
import torch.nn.functional as F
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode="zeros"):
        if padding == "same" and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.k, self.s, self.p, self.mode = kernel_size, stride, padding, padding_mode
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        total = 0 if self.p == "valid" else (self.k - 1 if self.p == "same" else 2 * self.p)
        left = total // 2
        mode = "constant" if self.mode == "zeros" else self.mode
        xp = F.pad(torch.from_numpy(x), (left, total - left), mode=mode).numpy()
        windows = sliding_window_view(xp, self.k, axis=2)[:, :, ::self.s]
        return np.einsum("nctk,ock->not", windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
