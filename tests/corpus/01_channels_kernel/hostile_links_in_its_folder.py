# Hostile (class 1 of docs/grading-security.md): a correct answer whose cell turns its working folder into a trap
# for the grader: every notebook there becomes a symbolic link to the gradebook (nbgrader writes the autograded
# notebook to the kernel's folder after the kernel ends), plus links to the course config, a FIFO, a hard link, a
# 10 MB file. The kernel works in a private scratch folder, deleted unfollowed: the gradebook and every other grade
# stay intact, and no link or special file is left in the course tree.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import glob
import os

for up in ("", "../", "../../", "../../../", "../../../../"):
    for target in ("gradebook.db", "nbgrader_config.py", "solutions", "submitted"):
        for name in glob.glob("*.ipynb") + ["01_channels_kernel.ipynb", "timestamp.txt", ".conv1d-graded-sha256"]:
            try:
                if os.path.lexists(name):
                    os.remove(name)
                os.symlink(os.path.abspath(up + target), name)
            except Exception:
                pass
for attempt in (lambda: os.mkfifo("fifo.ipynb"), lambda: os.link("/etc/hostname", "hard.ipynb"),
                lambda: open("big.bin", "wb").write(b"0" * 10_000_000), lambda: os.symlink("/", "root-link")):
    try:
        attempt()
    except Exception:
        pass
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
