# Cheat (found by red-teaming, class 3): _posixsubprocess.fork_exec raises no audit event, so an answer could start a
# fresh Python, with no guard, and have it call np.correlate. A seccomp filter in the answer's process refuses every
# new process or program (EPERM): forward fails, and the answer scores like the plain np.correlate cheat.
# expect: test_predict=1 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import _posixsubprocess   # refused as a fresh import, but already loaded: no audit event fires for it
import io
import os
import sys

import numpy as np

HELPER = b"""
import io, sys
import numpy as np
buf = io.BytesIO(sys.stdin.buffer.read())
x, w = np.load(buf), np.load(buf)
y = np.array([[sum(np.correlate(x[n, c], w[o, c], 'valid') for c in range(x.shape[1]))
               for o in range(w.shape[0])] for n in range(x.shape[0])])
out = io.BytesIO()
np.save(out, y)
sys.stdout.buffer.write(out.getvalue())
"""


def _helper(x, w):
    spawn = _posixsubprocess.fork_exec
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    exe = sys.executable.encode()
    pid = spawn([exe, b"-c", HELPER], [exe], True, (), None, None, in_r, in_w, out_r, out_w, -1, -1,
                err_r, err_w, True, False, -1, None, None, None, -1, None, False)
    for fd in (in_r, out_w, err_r, err_w):
        os.close(fd)
    data = io.BytesIO()
    np.save(data, np.ascontiguousarray(x, np.float64))
    np.save(data, np.ascontiguousarray(w, np.float64))
    os.write(in_w, data.getvalue())
    os.close(in_w)
    chunks = []
    while True:
        chunk = os.read(out_r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(out_r)
    os.waitpid(pid, 0)
    return np.load(io.BytesIO(b"".join(chunks)))


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        return _helper(x, self.weight)

    def __call__(self, x):
        return self.forward(x)
