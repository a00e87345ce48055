# Hostile (class 2 of docs/grading-security.md): a correct answer, and a cell added at the end that looks around the
# machine and prints what it finds: the file system's root and the folders up from its own, home folders, system
# files, the environment (the grading secret, tokens), bubblewrap's command line and Python's paths (where the
# course root would show: the venv lives there), the network. The sandbox shows it only Python, its
# packages and an empty scratch folder, with a clean environment and no network; tests/test_autograde.py checks
# that nothing from outside the submission appears in any output.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        windows = sliding_window_view(x, self.kernel_size, axis=2)   # (N, C_in, L_out, K)
        return np.einsum("nctk,ock->not", windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
# %% append
import os
import socket

def show(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, type(e).__name__, e)

show("root:", lambda: sorted(os.listdir("/")))
for up in ("..", "../..", "../../..", "../../../..", "/work", "/root", "/home", "/srv", "/var", "/mnt", "/opt"):
    show(up, lambda: sorted(os.listdir(up))[:50])
for path in ("/etc/passwd", "/etc/shadow", "/etc/hostname", os.path.expanduser("~/.bash_history")):
    show(path, lambda: open(path).read()[:300])
show("environment:", lambda: dict(os.environ))
import sys
import numpy
show("bubblewrap's command line:", lambda: open("/proc/1/cmdline", "rb").read().replace(b"\0", b" ").decode())
show("bubblewrap's environment:", lambda: open("/proc/1/environ", "rb").read().replace(b"\0", b" ").decode())
show("python:", lambda: (sys.executable, sys.prefix, sys.path, numpy.__file__))
show("network:", lambda: socket.create_connection(("127.0.0.1", 5432), timeout=1))
show("internet:", lambda: socket.create_connection(("1.1.1.1", 53), timeout=1))
