"""The verdict of a graded test cell, reached outside the student's kernel.

For each graded test cell, the judge (this module, in nbgrader's own process) runs the cell's
source as the gradebook holds it, hidden tests included, with the course's check code imported
from autograder/notebook/check.py. The names the test needs from the student (`Conv1d`, `predicted_shape`,
...) are proxies to a fresh sandboxed process that ran only the student's answer cells
(autograder/sandbox/child.py). The student's code produces outputs; the expected values and the comparison
are computed here, where the student's code never runs. See docs/grading-security.md.
"""
import ast
import base64
import builtins
import contextlib
import inspect
import io
import json
import os
import select
import struct
import subprocess
import tempfile
import time

import numpy as np

from ..notebook import check
from . import confine

MAX_MESSAGE = 256 * 1024 ** 2
SECRET_VARIABLE = confine.SECRET_VARIABLE   # an instructor's private seed for the grader's inputs


class Abort(BaseException):
    """The student's process cannot go on (timed out, died). BaseException: checks do not catch it."""


class AnswerError(Exception):
    pass


# ----------------------------------------------------------------------------- the student's process
class Child:
    def __init__(self, cells, budget):
        # Seconds the student's process may take, counted only while the judge waits for it: the
        # grader's own work (torch's references, imports) never uses up the student's time.
        self.budget = budget
        self.dir = tempfile.TemporaryDirectory(prefix="conv1d-judge-")
        self.proc = subprocess.Popen(confine.child_argv(self.dir.name), cwd=self.dir.name,
                                     env=confine.child_env(self.dir.name), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     preexec_fn=confine.limiter(confine.CHILD_LIMITS))
        self._send({"cells": cells})
        # Answer cells that raised: what they defined before the error stays usable.
        try:
            self.errors = [(int(c), str(n), str(m)) for c, n, m in self._receive()["errors"]]
        except (KeyError, TypeError, ValueError):
            self.close()
            raise AnswerError("your code garbled the grader's channel")

    def _send(self, msg):
        data = json.dumps(msg).encode()
        try:
            self.proc.stdin.write(struct.pack(">I", len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._dead()

    def _read(self, n):
        buf = b""
        fd = self.proc.stdout.fileno()
        while len(buf) < n:
            start = time.monotonic()
            ready = self.budget > 0 and select.select([fd], [], [], self.budget)[0]
            self.budget -= time.monotonic() - start
            if not ready:
                self.close()
                raise Abort("your code did not finish within the time limit")
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                self._dead()
            buf += chunk
        return buf

    def _receive(self):
        (n,) = struct.unpack(">I", self._read(4))
        if n > MAX_MESSAGE:
            self.close()
            raise Abort("your code returned more data than the grader accepts")
        return json.loads(self._read(n))

    def _dead(self):
        code = self.proc.poll()
        self.close()
        if code is not None and code < 0:
            raise Abort(f"your code's process was killed (signal {-code}), e.g. for using too much memory")
        raise Abort(f"your code ended the process (exit code {code})")

    def request(self, **msg):
        self._send({k: encode(v) if k in ("value", "args", "kwargs", "inputs") else v for k, v in msg.items()})
        reply = self._receive()
        if "missing" in reply:
            raise self._missing(msg["name"])
        if "error" in reply:
            raise rebuild(*reply["error"])
        return decode(reply["ok"], self)

    def _missing(self, name):
        for cell, ename, message in self.errors:
            if ename == "ForbiddenRoutine":
                return check.ForbiddenRoutine(message)
        why = "".join(f"; answer cell {cell} raised {ename}: {message}" for cell, ename, message in self.errors)
        return NameError(f"name {name!r} is not defined by your answer cells{why}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                f.close()
        self.dir.cleanup()


def rebuild(name, message):
    """The student's exception, as the same built-in type when it is one (hints rely on the type)."""
    if name == "ForbiddenRoutine":
        return check.ForbiddenRoutine(message)
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, (check.CheckFailed,)):
        try:
            return cls(message)
        except Exception:
            pass
    return AnswerError(f"{name}: {message}")


class Remote:
    """A proxy for an object that lives in the student's process."""

    def __init__(self, child, ref, typename, callable_):
        object.__setattr__(self, "_c", (child, ref, typename, callable_))

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        child, ref, _, _ = object.__getattribute__(self, "_c")
        return child.request(op="getattr", ref=ref, name=name)

    def __setattr__(self, name, value):
        child, ref, _, _ = object.__getattribute__(self, "_c")
        child.request(op="setattr", ref=ref, name=name, value=value)

    def __call__(self, *args, **kwargs):
        child, ref, _, callable_ = object.__getattribute__(self, "_c")
        if not callable_:
            raise TypeError(f"{self!r} is not callable")
        return child.request(op="call", ref=ref, args=list(args), kwargs=kwargs)

    def timed_calls(self, inputs, batch=10):
        """(output of the last call, seconds per call) of self(x) for each x of `inputs`, timed here,
        outside the student's process (its own clock could be patched). The inputs are sent first,
        untimed; the first two warm up. Then, per batch of `batch` inputs, one request makes the
        calls and returns the last output; the same request without calls (returning data of the
        same size; the least of three) is taken off, and the batch's calls all get the batch's mean."""
        child, ref, _, _ = object.__getattribute__(self, "_c")
        parts = [inputs[:2]] + [inputs[i:i + batch] for i in range(2, len(inputs), batch)]
        stashes = [child.request(op="stash", inputs=list(p)) for p in parts]
        child.request(op="time", ref=ref, stash=stashes[0], calls=True)     # warm-up, on inputs never timed
        seconds, y = [0.0] * len(parts[0]), None
        for part, stash in zip(parts[1:], stashes[1:]):
            transfer = []
            for _ in range(3):          # the least of three: a pause while measuring cannot inflate it
                t0 = time.perf_counter()
                child.request(op="time", ref=ref, stash=stash, calls=False)
                transfer.append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            y = child.request(op="time", ref=ref, stash=stash, calls=True)
            t2 = time.perf_counter()
            seconds += [max(0.0, (t2 - t1) - min(transfer)) / len(part)] * len(part)
        return y, seconds

    @property
    def __signature__(self):
        child, ref, _, _ = object.__getattribute__(self, "_c")
        params = []
        for name, kind, empty, default in child.request(op="signature", ref=ref):
            params.append(inspect.Parameter(name, getattr(inspect.Parameter, kind),
                                            default=inspect.Parameter.empty if empty else default))
        return inspect.Signature(params)

    def __repr__(self):
        return f"<your {object.__getattribute__(self, '_c')[2]}>"


def encode(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        return {"a": base64.b64encode(arr.tobytes()).decode(), "dtype": arr.dtype.str, "shape": list(arr.shape)}
    if isinstance(value, Remote):
        return {"ref": object.__getattribute__(value, "_c")[1]}
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, list):
        return {"l": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"d": {str(k): encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot send {type(value).__name__} to the answer")


def decode(obj, child):
    """Data from the student's process: only plain values and numeric arrays are rebuilt."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, list):
        return [decode(v, child) for v in obj]
    if "a" in obj:
        dtype = np.dtype(obj["dtype"])
        shape = tuple(int(n) for n in obj["shape"])
        if dtype.kind not in "biuf" or dtype.hasobject:
            raise AnswerError(f"an array of {dtype} is not a numeric answer")
        raw = base64.b64decode(obj["a"])
        if len(raw) != dtype.itemsize * int(np.prod(shape)):
            raise AnswerError("a malformed array came back from your code")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "t" in obj:
        return tuple(decode(v, child) for v in obj["t"])
    if "l" in obj:
        return [decode(v, child) for v in obj["l"]]
    if "ref" in obj:
        return Remote(child, int(obj["ref"]), str(obj["type"]), bool(obj["callable"]))
    raise AnswerError("an unreadable value came back from your code")


# ----------------------------------------------------------------------------- one test cell
def names_needed(source):
    tree = ast.parse(source)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def trusted_namespace():
    import math

    import torch
    check.start_grading(os.environ.get(SECRET_VARIABLE, ""))
    # One thread: with several graders on a busy machine, torch's thread pool makes each small
    # reference call 300× slower (0.08 ms -> 25 ms), enough to time out a cell of 500 cases.
    torch.set_num_threads(1)
    ns = {name: getattr(check, name) for name in dir(check) if not name.startswith("_")}
    ns.update(np=np, torch=torch, nn=torch.nn, F=torch.nn.functional, math=math)
    return ns


def judge_cell(test_source, answer_cells, timeout):
    """Run one test cell against the answer cells.

    Returns (passed, printed text, (ename, evalue) or None, whether the answer cells ran at all)."""
    out = io.StringIO()
    child = None
    try:
        child = Child(answer_cells, timeout)
    except Abort as e:
        return False, "", ("AnswerStopped", str(e)), False
    except Exception as e:      # the student's side sent nonsense: that answer fails, grading goes on
        return False, "", ("AnswerError", str(e)), False
    try:
        ns = trusted_namespace()
        missing = {}
        for name in names_needed(test_source) - set(ns) - set(dir(builtins)):
            try:
                ns[name] = child.request(op="get", name=name)
            except (NameError, check.ForbiddenRoutine) as e:
                missing[name] = e     # raised if and when the test uses the name
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(test_source, "<test cell>", "exec"), ns)
            except NameError as e:
                raise missing.get(e.name, e) from None
        return True, out.getvalue(), None, True
    except Abort as e:
        return False, out.getvalue(), ("AnswerStopped", str(e)), True
    except Exception as e:
        return False, out.getvalue(), (type(e).__name__, str(e)), True
    finally:
        child.close()
