# Wrong: L_out rounds (L_in - K) / stride up instead of down, in conv1d_output_length and in Conv1d, so a last window that does not fit is kept.
# Only the prediction (worked by hand, rounded down) and the signature survive: the extra window
# is a short slice, einsum raises on it, and every check with (L_in - K) % stride != 0 fails.
# expect: test_predict=1 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (4, 8, 6)
# %% answer length_answer
import math


def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return math.ceil((L_in - kernel_size) / stride) + 1
# %% answer conv1d_answer
import math

import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.weight = np.random.randn(out_channels, in_channels, kernel_size)
        self.bias = None

    def forward(self, x):
        N, C_in, L_in = x.shape
        K, s = self.kernel_size, self.stride
        L_out = math.ceil((L_in - K) / s) + 1
        y = np.zeros((N, self.out_channels, L_out))
        for t in range(L_out):
            window = x[:, :, t * s:t * s + K]
            y[:, :, t] = np.einsum("nck,ock->no", window, self.weight)
        return y

    def __call__(self, x):
        return self.forward(x)
