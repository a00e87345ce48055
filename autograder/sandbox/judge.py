"""The verdict of a graded test cell, reached outside the student's kernel.

For each graded test cell, the judge (this module, in nbgrader's own process) runs the cell's
source as the gradebook holds it, hidden tests included, with the course's check code imported
from autograder/notebook/check.py. The names the test needs from the student (`Conv1d`, `predicted_shape`,
...) are proxies to a fresh sandboxed process that ran only the student's answer cells
(autograder/sandbox/child.py). The student's code produces outputs; the expected values and the comparison
are computed here, where the student's code never runs. See docs/grading-security.md.
"""
import ast
import atexit
import builtins
import contextlib
import functools
import inspect
import io
import math
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing

import numpy as np

from .. import timing
from ..notebook import check
from . import confine, wire

# What the student's process may send in one reply, checked before anything is read: its JSON part
# holds names, numbers and small lists (big numeric lists travel as arrays), arrays travel in the blob;
# then, while decoding, how deep the values nest and how many there are. Reading and decoding count
# against the student's time. One reply at a time: the grader's memory stays far under 1 GiB.
MAX_JSON, MAX_BLOB = 1024 ** 2, 64 * 1024 ** 2
MAX_DEPTH, MAX_ITEMS = 20, 100_000
SECRET_VARIABLE = confine.SECRET_VARIABLE   # an instructor's private seed for the grader's inputs


class Abort(BaseException):
    """The student's process cannot go on (timed out, died). BaseException: checks do not catch it."""


class AnswerError(Exception):
    pass


# ----------------------------------------------------------------------------- the student's process
class Zygote:
    """A sandboxed process (child.py zygote) that loads NumPy and makes the guard's preparations once,
    then forks a fresh answer process for each test cell: the answer cells run in a process that has
    seen no other test cell, without paying a Python start and NumPy import each time.

    One per grading process (shared()), serving every notebook it grades: the zygote never runs
    student code, talks to the judge on a control channel (a Unix socket) that no answer process
    holds, gives each answer process a pipe pair of its own and an empty folder, and empties that
    folder when the process has ended (child.py: zygote). Any trouble with an answer process (a
    timeout, a garbled channel, one that will not exit, a folder it left undeletable) ends the whole
    zygote; the next test cell starts a new one."""

    _shared = None

    def __init__(self):
        self.proc = None

    @classmethod
    def shared(cls):
        """The grading process's zygote, started now if it is not running (the Execute preprocessor
        calls this first, so that it loads while the student's kernel starts)."""
        if cls._shared is None:
            cls._shared = cls()
            atexit.register(cls._shared.close)
        cls._shared.start()
        return cls._shared

    def start(self):
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.control, theirs = socket.socketpair()
            self.dir, self.proc = _sandboxed("zygote", theirs)
            theirs.close()
        return self.proc

    def fork(self, parts):
        """A new answer process for the frame `parts` ({"op": "fork", "cells": ...}): (fd to write its
        requests to, fd to read its replies from)."""
        self.start()
        to_child, from_child = os.pipe(), os.pipe()
        for fd in (to_child[1], from_child[0]):
            big_pipe(fd)
        try:
            socket.send_fds(self.control, [b"F"], [to_child[0], from_child[1]])
            wire.write_frame(self.control.fileno(), parts)
        except OSError:
            for fd in (to_child[1], from_child[0]):
                os.close(fd)
            raise
        finally:
            os.close(to_child[0])
            os.close(from_child[1])
        return to_child[1], from_child[0]

    def exited(self, timeout):
        """The wait status of the answer process that has just ended, as the zygote reports it after
        emptying its folder; None when no such report comes within `timeout` seconds."""
        fd = self.control.fileno()
        deadline = time.monotonic() + timeout

        def read(n):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise EOFError("no report")
            return os.read(fd, n)
        try:
            reply, _ = wire.read_frame(read, 1024, 0)
            return int(reply["exited"])
        except (EOFError, OSError, wire.FrameError, KeyError, TypeError, ValueError):
            return None

    def close(self):
        """End the zygote (its answer process goes with it) and delete its folder, never raising."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _end(proc)
            self.control.close()
            confine.remove_tree(self.dir)


def _sandboxed(mode=None, channel=None):
    """(scratch folder, process): child.py [mode] started in the sandbox in a private scratch folder of
    its own, with the answer process's limits, talking over 1 MiB pipes, or over `channel` (a socket)
    as its fd 0 and 1. A zygote's answer processes get `answer/` in that folder as their home, temp and
    config folder (child.py zygote makes it afresh for each)."""
    folder = tempfile.mkdtemp(prefix="conv1d-judge-")      # deleted with confine.remove_tree
    home = os.path.join(folder, "answer") if channel is not None else folder
    if channel is None:
        os.mkdir(os.path.join(folder, "tmp"))
    stdio = subprocess.PIPE if channel is None else channel
    proc = subprocess.Popen(confine.child_argv(folder, mode, home), cwd=folder, env=confine.child_env(home),
                            stdin=stdio, stdout=stdio, stderr=subprocess.DEVNULL,
                            preexec_fn=confine.limiter(confine.CHILD_LIMITS))
    if channel is None:
        big_pipes(proc)
    return folder, proc


def _end(proc):
    """Kill proc and its process group (it is a session leader: confine.limiter), so that a zygote's
    answer process goes with it even without bwrap, whose PID namespace otherwise ends them all."""
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.kill()
    proc.wait()
    for f in (proc.stdin, proc.stdout):
        if f is not None:
            with contextlib.suppress(OSError):
                f.close()


class Child:
    """The student's process (autograder/sandbox/child.py in the sandbox), spoken to in frames
    (autograder/sandbox/wire.py): a process of its own, or one forked by a Zygote."""

    def __init__(self, cells, budget, zygote=None):
        with timing.part("answers"):
            self._start(cells, budget, zygote)

    def _start(self, cells, budget, zygote):
        # Seconds the student's process may take, counted only while the judge waits for it: the
        # grader's own work (torch's references, imports) never uses up the student's time.
        self.budget = budget
        self.zygote = zygote
        self.ended = False
        if zygote is None:
            self.dir, self.proc = _sandboxed()
            self.to_fd, self.from_fd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
            self._write(self._frame({"cells": cells}))
        else:
            try:
                self.to_fd, self.from_fd = zygote.fork(self._frame({"op": "fork", "cells": cells}))
            except OSError:             # the zygote had died: a new one, once
                zygote.close()
                self.to_fd, self.from_fd = zygote.fork(self._frame({"op": "fork", "cells": cells}))
            self.proc = zygote.proc
        # Answer cells that raised: what they defined before the error stays usable.
        reply, blob = self._receive()
        try:
            self.errors = [(int(c), str(n), str(m)) for c, n, m in self._decode(reply["errors"], blob)]
        except (KeyError, TypeError, ValueError, AnswerError):
            self.close(failed=True)
            raise AnswerError("your code garbled the grader's channel")

    @staticmethod
    def _frame(msg):
        frame = wire.Frame()
        return frame.pack({k: encode(v, frame) if k in ("value", "args", "kwargs", "x") else v
                           for k, v in msg.items()})

    def _write(self, parts):
        """Send a frame, waiting for the student's process to read it no longer than its budget allows
        (a process that stops reading its pipe must not block the grader): the wait counts against it."""
        fd = self.to_fd
        os.set_blocking(fd, False)
        start = time.monotonic()
        deadline = start + self.budget
        try:
            for part in parts:
                view = memoryview(part).cast("B")
                while view:
                    left = deadline - time.monotonic()
                    if left <= 0 or not select.select([], [fd], [], left)[1]:
                        self._out_of_time()
                    try:
                        view = view[os.write(fd, view):]
                    except BlockingIOError:
                        continue
                    except OSError:         # BrokenPipeError: the process is gone
                        self._dead()
        finally:
            self.budget -= time.monotonic() - start

    def _read_some(self, n):
        """At most n bytes from the student's process, waiting no longer than its budget allows."""
        left = self.deadline - time.monotonic()
        if left <= 0 or not select.select([self.from_fd], [], [], left)[0]:
            self._out_of_time()
        return os.read(self.from_fd, n)

    def _out_of_time(self):
        self.close(failed=True)
        raise Abort("your code did not finish within the time limit")

    def _charged(self, f, *args):
        """f(*args), its time counted against the student's budget (waiting, reading, decoding)."""
        start = time.monotonic()
        self.deadline = start + self.budget
        try:
            return f(*args)
        finally:
            self.budget -= time.monotonic() - start

    def _receive(self):
        """(reply, blob) of the next frame from the student's process."""
        try:
            return self._charged(wire.read_frame, self._read_some, MAX_JSON, MAX_BLOB)
        except EOFError:
            self._dead()
        except wire.FrameError:
            self.close(failed=True)
            raise Abort("your code returned more data than the grader accepts, or garbled it")

    def _dead(self):
        """The student's process closed its channel: say how it ended (for a forked one, as its zygote
        reports it once it has ended; one that closed the channel and lives on ends the zygote)."""
        if self.zygote is not None:
            status = self.zygote.exited(5.0) if self.proc.poll() is None else None
            self.ended = status is not None
            self.close(failed=not self.ended)
            if status is None:
                raise Abort("your code closed the grader's channel")
            signum, code = (os.WTERMSIG(status), None) if os.WIFSIGNALED(status) else (None, os.WEXITSTATUS(status))
        else:
            code = self.proc.poll()
            self.close(failed=True)
            signum, code = (-code, None) if code is not None and code < 0 else (None, code)
        if signum:
            raise Abort(f"your code's process was killed (signal {signum}), e.g. for using too much memory")
        raise Abort(f"your code ended its process (exit code {code})")

    def request(self, **msg):
        with timing.part("answers"):
            self._write(self._frame(msg))
            return self._result(*self._receive(), name=msg.get("name"))

    def time_request(self, ref, x):
        """(what came back, seconds) of one request that sends x and has the student's process call
        object `ref` on it. The frame is built before the clock starts, and the reply decoded after it
        stops: the seconds are the round trip only."""
        parts = self._frame({"op": "time", "ref": ref, "x": x})
        with timing.part("answers"):
            start = time.perf_counter()
            self._write(parts)
            reply, blob = self._receive()
            seconds = time.perf_counter() - start
            return self._result(reply, blob), seconds

    def _result(self, reply, blob, name=None):
        if not isinstance(reply, dict):
            raise AnswerError("an unreadable reply came back from your code")
        if "missing" in reply:
            raise self._missing(name)
        if "error" in reply:
            error = self._decode(reply["error"], blob)
            if not (isinstance(error, list) and len(error) == 2):
                raise AnswerError("an unreadable error came back from your code")
            raise rebuild(str(error[0])[:100], str(error[1])[:2000])
        if "ok" not in reply:
            raise AnswerError("an unreadable reply came back from your code")
        return self._decode(reply["ok"], blob)

    def _decode(self, obj, blob):
        value = self._charged(decode, obj, self, blob)
        if self.budget < 0:
            self._out_of_time()
        return value

    def _missing(self, name):
        for cell, ename, message in self.errors:
            if ename == "ForbiddenRoutine":
                return check.ForbiddenRoutine(message)
        why = "".join(
            f"; answer cell {cell} still raises NotImplementedError, the stub's: write your answer there in place of "
            "`raise NotImplementedError()`" if ename == "NotImplementedError" else
            f"; answer cell {cell} raised {ename}{': ' + message if message else ' (with no message)'}"
            for cell, ename, message in self.errors)
        return NameError(f"`{name}` is not defined by your answer cells{why or ': define it in the answer cell'}")

    def close(self, failed=False):
        """End the answer process. A forked one gets the end of its channel (it then exits), and the
        zygote must report that it has; if anything is amiss (or `failed`), the zygote goes with it."""
        if self.zygote is None:
            _end(self.proc)
            confine.remove_tree(self.dir)
            return
        for name in ("to_fd", "from_fd"):
            fd = getattr(self, name, None)
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, name, None)
        if self.ended:
            return              # it has ended, and the zygote said so: ready for the next fork
        self.ended = True
        if failed or self.proc.poll() is not None or self.zygote.exited(5.0) is None:
            self.zygote.close()


def big_pipes(proc):
    """Pipes of 1 MiB to and from proc (big_pipe)."""
    for pipe in (proc.stdin, proc.stdout):
        big_pipe(pipe.fileno())


def big_pipe(fd, size=1 << 20):
    """Make pipe `fd` 1 MiB (Linux's default cap for a process), so that an input of the speed bonus
    crosses in one write, not sixteen: less time, and less noise, in every timed request."""
    import fcntl
    try:
        fcntl.fcntl(fd, 1031, size)      # F_SETPIPE_SZ
    except OSError:
        pass


class Echo:
    """A trusted process that answers timed requests without computing anything (child.py echo): the
    round trip of an input and an output of given sizes, as the judge's pipes and frames cost it.
    One per grading process, started when first needed."""
    _shared = None

    @classmethod
    def shared(cls):
        if cls._shared is None or cls._shared.proc.poll() is not None:
            cls._shared = cls()
        return cls._shared

    def __init__(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
        self.proc = subprocess.Popen([sys.executable, "-I", script, "echo"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=confine.child_env("/nonexistent"))
        big_pipes(self.proc)
        self.best = {}

    def transfer(self, x, shape, dtype, rounds=3):
        """The least of `rounds` round trips for x in and an array of `shape`, `dtype` back (seconds)."""
        frame = wire.Frame()
        parts = frame.pack({"x": encode(x, frame), "shape": list(shape), "dtype": np.dtype(dtype).str})
        key = (np.shape(x), np.asarray(x).dtype.str, tuple(shape), np.dtype(dtype).str)
        for _ in range(rounds):
            start = time.perf_counter()
            wire.write_frame(self.proc.stdin.fileno(), parts)
            wire.read_frame(lambda n: os.read(self.proc.stdout.fileno(), n), MAX_JSON, MAX_BLOB)
            self.best[key] = min(self.best.get(key, math.inf), time.perf_counter() - start)
        return self.best[key]


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

    def timed_call(self, x):
        """(self(x), seconds of the call), timed here with the judge's clock, outside the student's
        process (whose clock could be patched), on an input that arrives with the request (nothing can
        be computed ahead of it). The transfer is taken off as the judge's own process measures it
        (Echo: the same input in, an output of the same shape back), never through the student's
        process, which could slow its answers down on purpose to make its calls look faster."""
        child, ref, _, _ = object.__getattribute__(self, "_c")
        y, seconds = child.time_request(ref, x)
        if isinstance(y, np.ndarray):
            seconds -= Echo.shared().transfer(x, y.shape, y.dtype)
        return y, max(0.0, seconds)

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


def encode(value, frame):
    """A value for the student's process: plain data, arrays in the frame's blob, proxies as their reference."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return frame.array(value)
    if isinstance(value, Remote):
        return {"ref": object.__getattribute__(value, "_c")[1]}
    if isinstance(value, tuple):
        return {"t": [encode(v, frame) for v in value]}
    if isinstance(value, list):
        return {"l": [encode(v, frame) for v in value]}
    if isinstance(value, dict):
        return {"d": {str(k): encode(v, frame) for k, v in value.items()}}
    raise TypeError(f"cannot send {type(value).__name__} to the answer")


def decode(obj, child, blob):
    """Data from the student's process: only plain values and numeric arrays are rebuilt, at most
    MAX_DEPTH deep and MAX_ITEMS in all."""
    budget = [MAX_ITEMS]

    def rebuild_value(obj, depth):
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            raise AnswerError(f"a value nested more than {MAX_DEPTH} deep or with more than {MAX_ITEMS} "
                              "items came back from your code")
        if obj is None or isinstance(obj, (bool, int, float)):
            return obj
        if isinstance(obj, str):
            return obj[:100_000]
        if isinstance(obj, list):
            return [rebuild_value(v, depth + 1) for v in obj]
        if not isinstance(obj, dict):
            raise AnswerError("an unreadable value came back from your code")
        try:
            if "a" in obj:
                return wire.array(obj, blob)
            if "t" in obj:
                return tuple(rebuild_value(v, depth + 1) for v in obj["t"])
            if "l" in obj:
                return [rebuild_value(v, depth + 1) for v in obj["l"]]
            if "ref" in obj:
                return Remote(child, int(obj["ref"]), str(obj["type"])[:100], bool(obj["callable"]))
        except wire.FrameError as e:
            raise AnswerError(f"{e} came back from your code") from None
        except (KeyError, TypeError, ValueError):
            pass
        raise AnswerError("an unreadable value came back from your code")
    return rebuild_value(obj, 0)


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


class Verdict(typing.NamedTuple):
    passed: bool
    text: str                   # what the test cell printed
    error: tuple = None         # (ename, evalue) when it failed
    started: bool = True        # whether the answer cells ran at all
    flags: tuple = ()           # what the answer's process tried and was refused, for the instructor
    notes: tuple = ()           # what the grader did not run (shell lines, installs, magics), for the student


@functools.lru_cache(maxsize=256)     # the same answer cells, once per test cell
def to_python(source):
    """An answer cell as IPython would run it: magics (`%%time`, `%timeit`, `%pip`) and shell lines (`!pip
    install ...`) become calls on get_ipython(), through IPython's own input transformer."""
    if "%" not in source and "!" not in source:
        return source
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(source)
    except Exception:       # what IPython cannot transform, Python reports as it would
        return source


def judge_cell(test_source, answer_cells, timeout, zygote=None):
    """Run one test cell against the answer cells (a Verdict), in a process of its own or forked by
    `zygote`."""
    out = io.StringIO()
    child = None
    try:
        child = Child([to_python(source) for source in answer_cells], timeout, zygote)
    except Abort as e:
        return Verdict(False, "", ("AnswerStopped", str(e)), False)
    except Exception as e:      # the student's side sent nonsense: that answer fails, grading goes on
        return Verdict(False, "", ("AnswerError", str(e)), False)
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
        verdict = Verdict(True, out.getvalue())
    except Abort as e:
        verdict = Verdict(False, out.getvalue(), ("AnswerStopped", str(e)))
    except Exception as e:
        verdict = Verdict(False, out.getvalue(), (type(e).__name__, str(e)))
    flags, notes = (), ()
    try:
        if child.proc.poll() is None and not getattr(child, "ended", False):
            report = child.request(op="report")
            flags, notes = (tuple(str(f)[:300] for f in part[:20]) for part in report)
    except (Abort, Exception):
        pass
    finally:
        with timing.part("answers"):
            child.close()
    return verdict._replace(flags=flags, notes=notes)


# Names whose use in an answer an instructor should look at: ways around the rules, not convolution.
SUSPECT_MODULES = {"importlib", "ctypes", "gc", "_imp", "marshal", "pickle", "subprocess", "socket",
                   "threading", "_thread", "multiprocessing", "builtins", "zipimport"}
SUSPECT_ATTRIBUTES = {"modules", "_multiarray_umath", "multiarray", "find_spec", "module_from_spec", "exec_module",
                      "loader", "_getframe", "f_globals", "f_back", "setprofile", "settrace", "convolve",
                      "correlate", "correlate2", "ctypeslib", "from_address", "from_dlpack", "create_dynamic"}
# Dunder attributes an honest answer uses; any other (__array_interface__ to reach raw memory, __self__,
# __globals__, __code__, __subclasses__, ...) is flagged.
PLAIN_DUNDERS = {"__init__", "__call__", "__name__", "__qualname__", "__doc__", "__class__", "__module__", "__len__",
                 "__getitem__", "__setitem__", "__repr__", "__str__", "__iter__", "__next__", "__enter__", "__exit__",
                 "__eq__", "__hash__", "__contains__", "__post_init__", "__version__", "__dict__"}
SUSPECT_CALLS = {"__import__", "exec", "eval", "compile", "globals", "vars", "breakpoint"}


def answer_flags(answer_cells):
    """Lines of the answer cells an instructor should look at (flagged, not scored): imports of
    modules that reach around the rules (importlib, ctypes, gc, threads, ...), sys.modules, names of NumPy's internals
    and convolution routines, exec/eval/__import__, and getattr with a computed name."""
    flags = []
    for i, source in enumerate(answer_cells):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            what = None
            if id(node) in docstrings:      # the stubs' own docstrings say "cross-correlated"
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                bad = sorted({n for n in names if n.split(".")[0] in SUSPECT_MODULES or "multiarray" in n})
                what = bad and f"imports {', '.join(bad)}"
            elif isinstance(node, ast.Attribute) and (node.attr in SUSPECT_ATTRIBUTES or (
                    node.attr.startswith("__") and node.attr.endswith("__") and node.attr not in PLAIN_DUNDERS)):
                what = f"uses .{node.attr}"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in SUSPECT_CALLS:
                    what = f"calls {node.func.id}()"
                elif node.func.id in ("getattr", "setattr") and len(node.args) > 1 and \
                        not isinstance(node.args[1], ast.Constant):
                    what = f"calls {node.func.id}() with a computed name"
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    any(w in node.value for w in ("correlat", "convolv", "multiarray")):
                what = f"has the string {node.value[:40]!r}"
            elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
                what = f"has the bytes {node.value[:40]!r}"
            if what:
                flags.append(f"answer cell {i + 1}, line {getattr(node, 'lineno', '?')}: {what}")
    return list(dict.fromkeys(flags))[:20]


def defined_names(source):
    """Names a cell defines at its top level (classes, functions, assignments); none if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names
