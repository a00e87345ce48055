"""Notebook 07's speed bonus is a fair verdict on a busy grading machine: through the real judge,
with every core kept busy by another process, answers that hand NumPy all windows at once get it,
and Python loops over positions or channels (or einsum without optimize) do not, with the answer's
own clock patched or not."""
import subprocess
import sys

import pytest

from autograder import notebook as check
from autograder.build.release import solution_answers
from autograder.notebook import speed
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


# The verdicts below never hinge on speed: `factor` is set far from any answer's time (a layer fails at
# 0.001× torch and passes at 10⁶×), and what is tested is what the message says and why.
EXTRA_MATMUL = TEMPLATE.replace("        return y + self.bias[:, None]",
                                "        self.big @ self.big          # CPU time a vectorised answer wastes\n"
                                "        return y + self.bias[:, None]").replace(
    "        self.padding = padding\n", "        self.padding = padding\n        self.big = np.ones((512, 512))\n")
VECTORISED = {"one matmul (im2col)": TEMPLATE.replace("CORE", FAST["one matmul (im2col)"]),
              "einsum, optimize=True": TEMPLATE.replace("CORE", FAST["einsum, optimize=True"]),
              "tensordot and an extra matmul": EXTRA_MATMUL.replace("CORE", FAST["tensordot"])}
LOOPS = {name: TEMPLATE.replace("CORE", SLOW[name]) for name in ("a loop over output channels",
                                                                 "a loop over output positions")}
ALWAYS_FAILS, ALWAYS_PASSES = 1e-3, 1e6


def layer_class(source):
    ns = {}
    exec(compile(source, "<answer cell>", "exec"), ns)
    return ns["Conv1d"]


def speed_message(source, factor, capsys):
    """(passed, what the check printed or raised, with its hint) for the layer of `source` in this process."""
    try:
        check.check_speed(layer_class(source), check.case(seed=7110, **check.SPEED_CASE), factor=factor, rounds=3)
    except check.CheckFailed as e:
        return False, str(e)
    return True, capsys.readouterr().out


@pytest.fixture
def no_threadpoolctl(monkeypatch):
    """A notebook on a machine of two cores without threadpoolctl: the import fails, nothing in the
    environment set NumPy's BLAS to one thread."""
    import os
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


@pytest.mark.parametrize("name", VECTORISED)
def test_without_threadpoolctl_a_slow_vectorised_answer_is_told_why_and_never_to_vectorise(no_threadpoolctl, name,
                                                                                          capsys):
    passed, message = speed_message(VECTORISED[name], ALWAYS_FAILS, capsys)
    assert not passed
    hint = message.split("Hint: ", 1)[1]
    assert hint.startswith("threadpoolctl is not installed") and "CPU time adds up all of them" in hint, message
    assert "pip install threadpoolctl" in hint and "the grader runs your answer with one BLAS thread" in hint
    assert not any(w in hint.lower() for w in ("vectoris", "gather all windows", "python loop")), hint


def test_without_threadpoolctl_a_layer_within_the_line_passes_and_is_told_its_time_is_overstated(
        no_threadpoolctl, capsys):
    passed, printed = speed_message(VECTORISED["one matmul (im2col)"], ALWAYS_PASSES, capsys)
    assert passed and printed.startswith("✓ speed:") and "threadpoolctl is not installed" in printed, printed


@pytest.mark.parametrize("name", VECTORISED)
def test_with_threadpoolctl_a_slow_vectorised_answer_is_told_it_is_vectorised(name, capsys):
    pytest.importorskip("threadpoolctl")
    passed, message = speed_message(VECTORISED[name], ALWAYS_FAILS, capsys)
    hint = message.split("Hint: ", 1)[1]
    assert not passed and hint.startswith("your forward is vectorised: its own code ran the same"), message
    assert "yours " in hint and "torch " in hint and "threadpoolctl" not in hint, hint
    assert not any(w in hint for w in ("gather all windows", "do one matmul", "pass optimize=True")), hint


def test_with_threadpoolctl_passing_prints_no_thread_note(capsys):
    pytest.importorskip("threadpoolctl")
    passed, printed = speed_message(VECTORISED["one matmul (im2col)"], ALWAYS_PASSES, capsys)
    assert passed and "threadpoolctl" not in printed, printed


@pytest.mark.parametrize("threads", ["threadpoolctl", "none"])
@pytest.mark.parametrize("name", LOOPS)
def test_a_python_loop_is_named_with_or_without_threadpoolctl(request, name, threads, capsys):
    if threads == "none":
        request.getfixturevalue("no_threadpoolctl")
    passed, message = speed_message(LOOPS[name], ALWAYS_FAILS, capsys)
    hint = message.split("Hint: ", 1)[1]
    assert not passed and hint.startswith("a Python loop over positions or channels"), message
    assert "gather all windows (sliding_window_view) and do one matmul" in hint
    assert ("threadpoolctl is not installed" in hint) == (threads == "none"), hint


def test_einsum_without_optimize_is_named_only_when_called_on_all_windows():
    slow = layer_class(TEMPLATE.replace("CORE", SLOW["einsum without optimize"]))
    assert speed._hint_speed(slow).startswith("np.einsum without optimize=True runs its own C loop")
    # a small einsum without optimize (on the bias) next to a fast product is not the cause
    small = layer_class(TEMPLATE.replace("CORE", FAST["tensordot"]).replace(
        "y + self.bias[:, None]", "y + np.einsum('o,l->ol', self.bias, np.ones(1, np.float32))"))
    assert speed._hint_speed(small).startswith("your forward is vectorised")


def test_a_class_that_cannot_be_looked_into_gets_no_named_cause():
    """The grader's proxy of a class in another process is no class here: no cause is named, no advice to
    vectorise is given, the facts measured through the grader are."""
    class Proxy:
        def __call__(self, *args, **kwargs):
            raise AssertionError("not called")
    hint = speed._hint_speed(Proxy())
    assert hint.startswith("your class could not be looked into here, so no cause is named"), hint
    assert "vectorise" not in hint and "gather all windows" not in hint


def test_the_graders_answer_process_has_one_blas_thread():
    """Grading never meets the missing-threadpoolctl case: the answer's process starts with one BLAS thread."""
    from autograder.sandbox import confine
    env = confine.child_env("/tmp/x")
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"
