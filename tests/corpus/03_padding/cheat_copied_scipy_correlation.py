# Cheat (hostile): scipy's compiled correlation (_sigtools, refused as `import scipy.signal`) copied into the
# answer's own folder and loaded from there under its own name, past the "load a compiled module once" rule.
# The answer process loads compiled code only from the Python installation: every Conv1d cell scores zero;
# the prediction and the length function keep their points.
# expect: test_predict=1 test_output_length=1
# %% answer predict_answer
predicted_shape = (4, 8, 17)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
# %% answer conv1d_answer
import inspect
import os
import shutil
import sys

import numpy as np

_here = os.path.join(os.path.dirname(os.path.dirname(inspect.getfile(np))), "scipy", "signal")
_so = [f for f in os.listdir(_here) if f.startswith("_sigtools") and f.endswith(".so")][0]
shutil.copyfile(os.path.join(_here, _so), _so)
sys.path.insert(0, os.getcwd())
_correlate = inspect.importlib.import_module(_so.split(".")[0])._correlateND
MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode="zeros"):
        if padding == "same" and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.kernel_size, self.stride, self.padding, self.padding_mode = kernel_size, stride, padding, padding_mode
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K = self.kernel_size
        left, right = {"valid": (0, 0), "same": ((K - 1) // 2, K - 1 - (K - 1) // 2)}.get(
            self.padding, (self.padding, self.padding))
        xp = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=MODES[self.padding_mode])
        L_out = (xp.shape[2] - K) // self.stride + 1
        y = np.zeros((x.shape[0], self.weight.shape[0], L_out))
        for n in range(x.shape[0]):
            for o in range(self.weight.shape[0]):
                for c in range(x.shape[1]):
                    a, w = np.ascontiguousarray(xp[n, c], np.float64), np.ascontiguousarray(self.weight[o, c], np.float64)
                    y[n, o] += _correlate(a, w, np.zeros(len(a) - len(w) + 1), 0)[::self.stride][:L_out]
        return y.astype(np.result_type(x, self.weight))

    def __call__(self, x):
        return self.forward(x)
