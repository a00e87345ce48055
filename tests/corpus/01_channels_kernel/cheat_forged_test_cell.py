# Cheat: a flipped-kernel answer plus a cell whose metadata claims to be a graded test cell of 50 points, with code
# that would run in the grader if the grader trusted the submission. Only the gradebook's test cells count.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        w = self.weight[:, :, ::-1]
        K = w.shape[2]
        return np.stack([np.einsum("nck,ock->no", x[:, :, t:t + K], w)
                         for t in range(x.shape[2] - K + 1)], axis=2)

    def __call__(self, x):
        return self.forward(x)
# %% forge test_bonus 50
import os
open(os.path.expanduser("~/pwned-by-a-student"), "w").write("the grader ran my code")
