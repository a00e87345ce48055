# Cheat: scipy.signal.correlate imported inside forward (not at the top); still found and scored zero.
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
        from scipy import signal
        return np.stack([np.stack([signal.correlate(x[n], self.weight[o], mode="valid")[0]
                                   for o in range(self.weight.shape[0])]) for n in range(x.shape[0])])

    def __call__(self, x):
        return self.forward(x)
