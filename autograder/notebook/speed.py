"""The capstone's speed bonus: the student's forward against torch's F.conv1d, in CPU time.
"""
import inspect
import math
import re

import numpy as np
import torch
import torch.nn.functional as F

from .cases import describe
from .failures import CheckFailed
from .reference import _tolerance, make_data
from .secret import _data_rng
from .student import _build, _Forbidden

# The bonus line sits far from both sides it separates (measured through the grader with AVX2 and
# AVX-512 kernels, quiet and with every core busy: docs/speed-notes.md). On the bonus case, answers
# that hand NumPy all windows at once (one matmul, tensordot or einsum with optimize=True, or a loop
# over the K taps) take 1-7x torch's time; a Python loop over output positions or output channels,
# or einsum without optimize=True (a C loop, not BLAS), takes 40x and more.
SPEED_FACTOR = 16


SPEED_CASE = dict(N=1, C_in=32, L=8192, C_out=32, K=3, dtype="float32", padding=1, bias=True)


def time_call(layer, x):
    """(layer(x), CPU seconds the call took: a busy machine does not make it slower). In a notebook the
    process's CPU clock times it; the grader reads the answer's process from outside
    (autograder/sandbox/judge.py)."""
    timed = getattr(type(layer), "timed_call", None)      # the grader's proxy
    if timed is not None:
        return timed(layer, x)
    import time
    start = time.process_time()
    y = layer(x)
    return y, time.process_time() - start


def check_speed(Conv1d, c, factor=SPEED_FACTOR, rounds=20, budget=3.0):
    """The layer's forward on case `c` (float32) takes at most `factor` times torch's F.conv1d, with
    every output right.

    torch and the layer take turns in the same conditions: each round draws a fresh input (so
    remembering outputs cannot help), times torch's F.conv1d on it (twice: torch cannot remember
    either), then the layer on it. Both are timed in CPU time, which other processes on a busy machine
    do not add to, and each side counts its best call. Both run on one thread (in a notebook: torch,
    and NumPy's BLAS if threadpoolctl is installed). A slow layer stops after three rounds once its
    calls have taken `budget` seconds in all."""
    x, w, b = make_data(c)
    rng = _data_rng(c["seed"] + 1)
    wt, bt = torch.from_numpy(w), None if b is None else torch.from_numpy(b)
    conv = {k: v for k, v in c["conv"].items() if k != "bias"}
    with _Forbidden():
        layer = _build(Conv1d, c, w, b)
    with _one_thread():
        mine, theirs = _race(layer, c, x, wt, bt, conv, rng, rounds, budget)
    line = (f"{describe(c)}: yours {mine * 1e3:.2f} ms, torch {theirs * 1e3:.2f} ms "
            f"({mine / theirs:.1f}×, the bonus needs at most {factor:g}×)")
    if mine > factor * theirs:
        raise CheckFailed(f"{line}.", _hint_speed(Conv1d))
    print(f"✓ speed: {line}")


def _hint_speed(Conv1d):
    """What makes a correct forward slow, named from the class's source when it can be read."""
    source = ""
    try:
        source = inspect.getsource(Conv1d)
    except (TypeError, OSError):        # a class typed in a kernel cell: its methods can still be read
        for f in (vars(Conv1d).values() if isinstance(Conv1d, type) else ()):
            try:
                source += inspect.getsource(f) if inspect.isfunction(f) else ""
            except (TypeError, OSError):
                pass
    einsum = re.search(r"einsum\(", source)
    if einsum and not re.search(r"optimize\s*=\s*(True|['\"])", source):
        return ("np.einsum without optimize=True runs its own C loop, not BLAS: pass optimize=True "
                "(or use np.tensordot / a matmul over all windows at once).")
    matmul = re.search(r"(@|matmul|tensordot|dot)\b", source)
    if source and re.search(r"for .+ in range\(", source) and not einsum and not matmul:
        return ("a Python loop over positions or channels pays NumPy's call overhead at every step: "
                "gather all windows (sliding_window_view) and do one matmul over them.")
    return ("vectorise: gather all windows at once (sliding_window_view) and do one matmul, np.tensordot "
            "or np.einsum with optimize=True over them; a Python loop over positions or channels, or np.einsum "
            "without optimize=True, stays slow.")


class _one_thread:
    """torch, and NumPy's BLAS when threadpoolctl is there to set it, on one thread: on a busy machine
    a multi-threaded BLAS waits for its slowest thread, and the comparison would be the machine's."""

    def __enter__(self):
        self.torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            from threadpoolctl import threadpool_limits
            self.blas = threadpool_limits(limits=1, user_api="blas")
        except Exception:       # not installed (the grader's answer process has one thread anyway)
            self.blas = None
        return self

    def __exit__(self, *exc):
        torch.set_num_threads(self.torch_threads)
        if self.blas is not None:
            self.blas.restore_original_limits()
        return False


def _race(layer, c, x, wt, bt, conv, rng, rounds, budget):
    """(the layer's best seconds, torch's best seconds) over rounds that take turns (check_speed)."""
    import time
    mine = theirs = math.inf
    spent = 0.0
    for i in range(rounds):
        x = rng.standard_normal(x.shape).astype(x.dtype)
        xt = torch.from_numpy(x)
        with torch.no_grad():
            for _ in range(2):      # the repeat finds its memory warm, as the layer's later rounds do
                start = time.process_time()
                want = F.conv1d(xt, wt, bt, **conv)
                theirs = min(theirs, time.process_time() - start)
        with _Forbidden():
            y, seconds = time_call(layer, x)
        mine, spent = min(mine, seconds), spent + seconds
        want = want.numpy().astype(np.float64)
        if np.shape(y) != want.shape or not np.all(np.abs(np.asarray(y, np.float64) - want) <= 2 * _tolerance(c, want)):
            raise CheckFailed(f"{describe(c)}: the output is not torch's; make the values test pass first.")
        if i >= 2 and spent > budget:
            break
    return mine, theirs
