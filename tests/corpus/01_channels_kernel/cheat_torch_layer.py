# Cheat: forward hands the work to torch.nn.functional.conv1d; importing torch in the answer scores zero.
# expect: test_predict=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np
import torch
import torch.nn.functional as F


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        return F.conv1d(torch.from_numpy(x), torch.from_numpy(self.weight.astype(x.dtype))).numpy()

    def __call__(self, x):
        return self.forward(x)
