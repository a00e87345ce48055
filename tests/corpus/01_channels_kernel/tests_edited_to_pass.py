# Wrong answer (output one too short) with every test cell replaced by `pass`: restored and graded.
# expect: test_signature_weight=1
# %% answer predict_answer
predicted_shape = (4, 8, 27)
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K = self.weight.shape[2]
        return np.stack([np.einsum("nck,ock->no", x[:, :, t:t + K], self.weight)
                         for t in range(x.shape[2] - K)], axis=2)

    def __call__(self, x):
        return self.forward(x)
# %% replace test_predict
pass
# %% replace test_signature_weight
pass
# %% replace test_output_shape
pass
# %% replace test_values
pass
