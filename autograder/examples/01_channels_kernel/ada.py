# Correct: plain loops over every index, the way the formula reads.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 32 - 5 + 1)
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.weight = np.random.randn(out_channels, in_channels, kernel_size)
        self.bias = None

    def forward(self, x):
        N, C_in, L_in = x.shape
        L_out = L_in - self.kernel_size + 1
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                for t in range(L_out):
                    total = 0.0
                    for c in range(C_in):
                        for k in range(self.kernel_size):
                            total += self.weight[o, c, k] * x[n, c, t + k]
                    y[n, o, t] = total
        return y

    def __call__(self, x):
        return self.forward(x)
