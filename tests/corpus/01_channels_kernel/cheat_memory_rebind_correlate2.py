# Cheat (found by red-teaming, class 3): np.correlate's C routine reached with pure NumPy: an object whose
# __array_interface__ points at any address gives read/write access to the process's own memory, and the answer
# points a rarely used builtin (from_dlpack) at correlate2's C function. Nothing in a process can stop code that
# rewrites that process's memory (docs/grading-security.md, Limits): the answer gets its points, and is flagged for
# the instructor (it uses __array_interface__, __self__, from_dlpack and bytes literals).
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np


class _At:
    def __init__(self, addr, n):
        self.__array_interface__ = {"data": (addr, False), "shape": (n,), "typestr": "|u1", "version": 3}


def _mem(addr, n):
    return np.asarray(_At(addr, n))


def _u64(addr):
    return int(_mem(addr, 8).view(np.uint64)[0])


def _name(addr):
    return bytes(_mem(addr, 32)).split(b"\0")[0]


def _routine():
    module = np.empty.__self__
    donor = module.from_dlpack                 # METH_FASTCALL | METH_KEYWORDS, like the one we want
    want = b"corr" + b"elate2"
    start = _u64(id(np.empty) + 16)            # PyCFunctionObject.m_ml -> the module's PyMethodDef table
    for step in (32, -32):
        p = start
        for _ in range(200):
            if _u64(p) == 0:
                break
            if _name(_u64(p)) == want:
                _mem(id(donor) + 16, 8).view(np.uint64)[0] = p     # m_ml := that entry
                return donor
            p += step
    raise LookupError


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        corr = _routine()
        N, C, L = x.shape
        O = self.weight.shape[0]
        return np.array([[sum(corr(np.ascontiguousarray(x[n, c], np.float64),
                                   np.ascontiguousarray(self.weight[o, c], np.float64), 0) for c in range(C))
                          for o in range(O)] for n in range(N)])

    def __call__(self, x):
        return self.forward(x)
