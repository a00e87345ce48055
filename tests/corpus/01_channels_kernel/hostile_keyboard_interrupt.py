# Hostile: forward raises KeyboardInterrupt: the cells that call it score zero, the rest count.
# expect: test_predict=1 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np
import os
import sys


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        raise KeyboardInterrupt

    def __call__(self, x):
        return self.forward(x)
