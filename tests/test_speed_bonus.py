"""Notebook 07's speed bonus is a fair verdict on a busy grading machine: through the real judge,
with every core kept busy by another process, answers that hand NumPy all windows at once get it,
and Python loops over positions or channels (or einsum without optimize) do not, with the answer's
own clock patched or not."""
import subprocess
import sys

import pytest

from autograder import notebook as check
from autograder.build.release import solution_answers
from autograder.sandbox import judge
from tests.notebooks import another_cpu_env, grade_id, read

# A minimal layer for the bonus case (zero padding, bias) around one expression for the core y.
TEMPLATE = '''
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros"):
        self.padding = padding
        self.weight = np.zeros((out_channels, in_channels, kernel_size), np.float32)
        self.bias = np.zeros(out_channels, np.float32) if bias else None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        x = np.pad(x, ((0, 0), (0, 0), (self.padding, self.padding)))
        w, K = self.weight, self.weight.shape[2]
        L_out = x.shape[2] - K + 1
        y = CORE
        return y + self.bias[:, None]
'''
FAST = {
    "one matmul (im2col)": "(np.ascontiguousarray(windows(x, K, axis=2).transpose(0, 2, 1, 3))"
                           ".reshape(x.shape[0], L_out, -1) @ w.reshape(w.shape[0], -1).T).transpose(0, 2, 1)",
    "tensordot": "np.tensordot(windows(x, K, axis=2), w, axes=([1, 3], [1, 2])).transpose(0, 2, 1)",
    "einsum, optimize=True": "np.einsum('nclk,ock->nol', windows(x, K, axis=2), w, optimize=True)",
    "a loop over the K taps": "sum(np.einsum('oc,ncl->nol', w[:, :, k], x[:, :, k:k + L_out], optimize=True) "
                              "for k in range(K))",
}
SLOW = {
    "einsum without optimize": "np.einsum('nclk,ock->nol', windows(x, K, axis=2), w)",
    "a loop over output channels": "np.stack([np.tensordot(windows(x, K, axis=2), w[o], axes=([1, 3], [0, 1])) "
                                   "for o in range(w.shape[0])], axis=1)",
    "a loop over output positions": "np.stack([x[:, :, t:t + K].reshape(x.shape[0], -1) @ w.reshape(w.shape[0], -1).T "
                                    "for t in range(L_out)], axis=2)",
}
PATCHED_CLOCK = "\nimport time\ntime.perf_counter = lambda: 0.0\n"


def bonus_source():
    return next(c.source for c in read("07_capstone").cells if grade_id(c) == "test_speed_bonus")


@pytest.fixture(scope="module")
def busy_machine():
    """One CPU-bound process per core for the module's duration (as a second `make test` would be)."""
    import os
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    yield
    for hog in hogs:
        hog.kill()
        hog.wait()


def verdict(answer):
    passed, text, err, started, *_ = judge.judge_cell(bonus_source(), [answer], timeout=120)
    assert started, err
    return passed, text.strip() if passed else err[1]


@pytest.mark.parametrize("name", FAST)
def test_answers_that_hand_numpy_all_windows_get_the_bonus_on_a_busy_machine(busy_machine, name):
    passed, message = verdict(TEMPLATE.replace("CORE", FAST[name]))
    assert passed, f"{name}: {message}"


def test_the_solution_gets_the_bonus_on_a_busy_machine(busy_machine):
    passed, message = verdict(solution_answers("07_capstone")["conv1d_answer"])
    assert passed, message


@pytest.mark.parametrize("name", SLOW)
def test_python_loops_never_get_it(busy_machine, name):
    for answer in (TEMPLATE.replace("CORE", SLOW[name]), TEMPLATE.replace("CORE", SLOW[name]) + PATCHED_CLOCK):
        passed, message = verdict(answer)
        assert not passed and f"the bonus needs at most {check.SPEED_FACTOR}×" in message, f"{name}: {message}"


def test_notebook_06s_loops_with_a_patched_clock_never_get_it(busy_machine):
    loops = solution_answers("06_bias")["conv1d_answer"]
    for answer in (loops, loops + PATCHED_CLOCK):
        passed, message = verdict(answer)
        assert not passed and f"the bonus needs at most {check.SPEED_FACTOR}×" in message, message


def test_a_wrong_fast_answer_gets_no_bonus():
    passed, message = verdict(TEMPLATE.replace("CORE", FAST["tensordot"]).replace("y + self.bias", "y - self.bias"))
    assert not passed and "make the values test pass first" in message


def test_the_verdict_holds_on_another_cpus_kernels(monkeypatch):
    """The answer's process on NumPy's and OpenBLAS's other SIMD kernels (as on another CPU)."""
    from autograder.sandbox import confine
    original = confine.child_env
    monkeypatch.setattr(confine, "child_env", lambda d: {**original(d), **another_cpu_env(original(d))})
    assert verdict(TEMPLATE.replace("CORE", FAST["a loop over the K taps"]))[0]
    assert not verdict(TEMPLATE.replace("CORE", SLOW["einsum without optimize"]))[0]
