# Cheat: the answer cell itself patches numpy's comparisons and builtins, then answers with the flipped kernel.
# The judge compares in its own process: the patches reach only the student's.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import builtins
import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
builtins.abs = lambda v: v * 0
builtins.AssertionError = type("Never", (Exception,), {})
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
