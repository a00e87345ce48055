# Hostile: forward calls os._exit(0), which ends the judge's answer process in every test cell that calls forward.
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
        os._exit(0)

    def __call__(self, x):
        return self.forward(x)
