# Hostile (found by red-teaming, class 4): default weight and bias of 64 MiB (32 M float16 values, spread right, so
# every statistic would pass) made the judge convert and sort gigabytes in the grader's process. Shapes are checked
# first now: a weight that is not (C_out, C_in // groups, K) fails there, before anything is converted. The rest of
# this answer does not compute a convolution either.
# expect: 
# %% answer conv1d_answer
import numpy as np

_N = 32 * 1024 ** 2
_CACHE = {}


def _uniform(bound):
    if bound not in _CACHE:
        v = np.random.default_rng(0).uniform(-bound, bound, _N).astype(np.float16)
        over = np.abs(v.astype(np.float64)) > bound
        v[over] = np.nextafter(v[over], np.float16(0))
        _CACHE[bound] = v
    return _CACHE[bound]


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        k = kernel_size[0] if isinstance(kernel_size, tuple) else kernel_size
        bound = 1 / np.sqrt(in_channels // groups * k)
        self.weight = _uniform(bound)
        self.bias = _uniform(bound) if bias else None

    def forward(self, x):
        return x

    def __call__(self, x):
        return self.forward(x)
