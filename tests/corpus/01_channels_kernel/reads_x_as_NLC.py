# Mistake: reads x as (N, L, C_in), the layout of many other libraries, so the windows slide along the channel
# axis: the output has C_in - K + 1 positions (often none at all). The message names the layout (N, C_in, L_in).
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
        N, L, C = x.shape                      # the layout is (N, C_in, L_in), not (N, L, C_in)
        O, _, K = self.weight.shape
        y = np.zeros((N, O, max(L - K + 1, 0)))
        for n in range(N):
            for o in range(O):
                for t in range(L - K + 1):
                    y[n, o, t] = np.sum(x[n, t:t + K, :].T * self.weight[o])
        return y

    def __call__(self, x):
        return self.forward(x)
