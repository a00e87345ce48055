# Cheat: a flipped-kernel answer plus an extra cell that replaces the course's check helpers, numpy's comparisons,
# IPython's showtraceback, a custom exception handler and sys.excepthook, so no test cell shows an error in the kernel.
# Scores as the flipped kernel does unpatched.
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
# %% insert-after conv1d_answer
import sys
import numpy as np
from IPython import get_ipython

check_values = check_output_shape = check_signature = check_weight_shape = check_answer = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip.set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
sys.excepthook = lambda *a: None
