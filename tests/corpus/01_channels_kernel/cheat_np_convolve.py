# Cheat: np.convolve on the reversed kernel computes each channel's correlation; the forbidden routine costs the value cells.
# expect: test_predict=1 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        N, C, L = x.shape
        O, _, K = self.weight.shape
        y = np.zeros((N, O, L - K + 1))
        for n in range(N):
            for o in range(O):
                for c in range(C):
                    y[n, o] += np.convolve(x[n, c], self.weight[o, c, ::-1], mode="valid")
        return y

    def __call__(self, x):
        return self.forward(x)
