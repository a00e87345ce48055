"""The capstone's speed bonus: the student's forward against torch's F.conv1d, in CPU time.
"""
import inspect
import math

import numpy as np
import torch
import torch.nn.functional as F

from .cases import case, describe
from .failures import CheckFailed
from .language import tr
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
    do not add to, and each side counts its best call. Both run on one thread. A slow layer stops after
    three rounds once its calls have taken `budget` seconds in all.

    In a notebook, NumPy's BLAS is set to one thread with threadpoolctl. Without threadpoolctl (and no
    OPENBLAS_NUM_THREADS=1 or OMP_NUM_THREADS=1 before NumPy loaded, on a machine of several cores) BLAS
    keeps one thread per core, and CPU time adds up all of them, the waiting ones spinning: a layer that
    multiplies with BLAS measures slower than it is (a vectorised answer measured 33.5x torch so, 1.9x
    on one thread). Then a layer within `factor` still passes (its true time is lower still), and one
    over it fails with that reason, not with a verdict on the layer. The grader's answer process always
    has one BLAS thread (OPENBLAS_NUM_THREADS=1, autograder/sandbox/confine.py), so grading never meets
    this case.

    A slow layer's hint names a cause only when it is seen: its own code running more lines for an input
    4 times as long with 4 times the channels (a Python loop over positions or channels), or np.einsum
    without optimize=True called on all windows. An answer whose own lines do not grow is told that it
    is vectorised, with what was measured; it is never told to vectorise."""
    x, w, b = make_data(c)
    rng = _data_rng(c["seed"] + 1)
    wt, bt = torch.from_numpy(w), None if b is None else torch.from_numpy(b)
    conv = {k: v for k, v in c["conv"].items() if k != "bias"}
    with _Forbidden():
        layer = _build(Conv1d, c, w, b)
    with _one_thread() as threads:
        mine, theirs = _race(layer, c, x, wt, bt, conv, rng, rounds, budget)
    inflated = not threads.blas_pinned and getattr(type(layer), "timed_call", None) is None
    where = describe(c)
    line = tr("{where}: yours {mine:.2f} ms, torch {theirs:.2f} ms ({ratio:.1f}×, the bonus needs at most {factor:g}×)",
              where=where, mine=mine * 1e3, theirs=theirs * 1e3, ratio=mine / theirs, factor=factor)
    if mine > factor * theirs:
        raise CheckFailed(tr("{line}.", line=line), _hint_speed(Conv1d, inflated, mine, theirs), where=where)
    print(tr("✓ speed: {line}", line=line)
          + (tr(" ({note} Your layer passes even so.)", note=_threads_note()) if inflated else ""))


def _threads_note():
    return tr("threadpoolctl is not installed, so NumPy's BLAS kept one thread per core: CPU time adds up all of them, "
              "and those that wait spin, so a layer that multiplies with BLAS measures slower here than it is. `pip "
              "install threadpoolctl` (Colab has it), then run this cell again; the grader runs your answer with one "
              "BLAS thread.")

# Two small layers for telling a Python loop from a vectorised forward: the second has an input 4 times
# as long and 4 times the channels. A loop over positions or channels runs more of its lines on it.
_PROBES = (dict(N=1, C_in=4, L=24, C_out=4, K=3, dtype="float32", padding=1, bias=True),
           dict(N=1, C_in=16, L=96, C_out=16, K=3, dtype="float32", padding=1, bias=True))


def _hint_speed(Conv1d, inflated=False, mine=None, theirs=None):
    """What makes a correct forward slow, named only when it is seen (check_speed)."""
    probes = _probe(Conv1d)
    measured = "" if mine is None else tr(" (yours {mine:.2f} ms, torch {theirs:.2f} ms)", mine=mine * 1e3,
                                          theirs=theirs * 1e3)
    besides = tr(" Besides: {note}", note=_threads_note()) if inflated else ""
    if probes is not None and probes[1][0] - probes[0][0] >= 8:
        return tr("a Python loop over positions or channels: your class's own code ran {lines} lines for an input of "
                  "length {L} with {C} channels and {more_lines} for length {more_L} with {more_C}, and each step "
                  "pays NumPy's call overhead: gather all windows (sliding_window_view) and do one matmul over them.",
                  lines=probes[0][0], L=_PROBES[0]["L"], C=_PROBES[0]["C_in"], more_lines=probes[1][0],
                  more_L=_PROBES[1]["L"], more_C=_PROBES[1]["C_in"]) + besides
    if probes is not None and probes[1][1]:
        return tr("np.einsum without optimize=True runs its own C loop, not BLAS: your forward called it on all "
                  "windows without optimize=True; pass optimize=True (or use np.tensordot / a matmul).") + besides
    if inflated:
        return _threads_note()
    if probes is not None:
        return tr("your forward is vectorised: its own code ran the same {lines} lines for an input 4 times as long "
                  "with 4 times the channels, so there is no Python loop over positions or channels, and it called "
                  "no np.einsum without optimize=True on all windows. Measured on one thread{measured}, what is "
                  "left is NumPy's own work, the copy of the windows and the product: see \"im2col → torch\" above "
                  "(a chunk at a time, contiguous operands, one product over all groups).", lines=probes[0][0],
                  measured=measured)
    return tr("your class could not be looked into here, so no cause is named. Through the grader, answers that hand "
              "NumPy all windows at once (one matmul, np.tensordot or np.einsum with optimize=True) took 1-7× torch's "
              "time; a Python loop over positions or channels, or np.einsum without optimize=True, 40× and more. Run "
              "this cell in your notebook: it names the cause it sees.")


def _probe(Conv1d):
    """For each of _PROBES, (lines of the class's own code one forward runs, whether it called np.einsum
    without optimize=True on an operand as large as the input), or None when the class cannot be run and
    traced here (the grader's proxy of a class in another process, a class that raises)."""
    import sys
    if not isinstance(Conv1d, type):
        return None
    files = {f.__code__.co_filename for f in vars(Conv1d).values() if inspect.isfunction(f)}
    einsum = getattr(getattr(np.einsum, "__wrapped__", np.einsum), "__code__", None)
    out = []
    for p in _PROBES:
        c = case(**p)
        x, w, b = make_data(c)
        seen = {"lines": 0, "einsum": False}

        def lines(frame, event, arg):
            if event == "line":
                seen["lines"] += 1
            return lines

        def calls(frame, event, arg):
            if frame.f_code is einsum:
                ops = frame.f_locals.get("operands", ())
                if not frame.f_locals.get("optimize") and any(np.size(o) >= x.size for o in ops[1:]):
                    seen["einsum"] = True
                return None
            return lines if frame.f_code.co_filename in files else None

        before = sys.gettrace()
        try:
            with _Forbidden():
                layer = _build(Conv1d, c, w, b)
                sys.settrace(calls)
                try:
                    layer(x)
                finally:
                    sys.settrace(before)
        except Exception:
            return None
        out.append((seen["lines"], seen["einsum"]))
    return out


class _one_thread:
    """torch, and NumPy's BLAS when threadpoolctl is there to set it, on one thread: on a busy machine
    a multi-threaded BLAS waits for its slowest thread, and the comparison would be the machine's.
    `blas_pinned`: whether NumPy's BLAS runs on one thread (set here, by the environment NumPy loaded
    in, or on a machine of one core)."""

    def __enter__(self):
        import os
        self.torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            from threadpoolctl import threadpool_limits
            self.blas = threadpool_limits(limits=1, user_api="blas")
        except Exception:       # not installed (the grader's answer process has one thread anyway)
            self.blas = None
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        self.blas_pinned = (self.blas is not None or (cores or 1) == 1
                            or any(os.environ.get(v) == "1"
                                   for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")))
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
            raise CheckFailed(tr("{where}: the output is not torch's; make the values test pass first.",
                                 where=describe(c)), where=describe(c))
        if i >= 2 and spent > budget:
            break
    return mine, theirs
