"""Runs in the grading process (the Judge preprocessor): the trusted side of each graded test cell.

The verdict of a graded test cell, reached outside the student's kernel.

For each graded test cell, the judge (this module, in nbgrader's own process) runs the cell's
source as the gradebook holds it, hidden tests included; its first line imports the checks it uses from
`conv1d_course`, here the package autograder/notebook/ itself. The names the test needs from the student
(`Conv1d`, `predicted_shape`, ...) are proxies to a fresh sandboxed process that ran only the student's answer cells
(autograder/sandbox/child.py). The student's code produces outputs; the expected values and the comparison
are computed here, where the student's code never runs. See docs/grading-security.md.

What the student reads is said in the language of the submission (tr(), autograder/notebook/language.py: the
Judge preprocessor sets it; the catalogue is locale/LANG/checks/sandbox.judge.po), and so is what the answer's
process says in English in the sandbox, which has no catalogue (sandbox_said). What is for the instructor stays
English: the flags (answer_flags, Verdict.flags) and the grader's own errors.
"""
import ast
import atexit
import builtins
import contextlib
import functools
import inspect
import io
import json
import math
import os
import re
import select
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import typing

import numpy as np

from .. import limits, notebook, timing
from ..limits import Confinement, MemoryLimits
from ..notebook import failures, secret
from ..notebook.language import tr
from . import confine, usage, wire

# What the student's process may send in one reply, checked before anything is read, then while decoding
# (autograder/limits.py). Reading and decoding count against the student's time.
MAX_JSON, MAX_BLOB = limits.REPLY_JSON_BYTES, limits.REPLY_BLOB_BYTES
MAX_DEPTH, MAX_ITEMS = limits.REPLY_DEPTH, limits.REPLY_ITEMS
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

    def __init__(self, confinement: Confinement | None = None):
        self.proc = None
        self.confinement = confinement or MemoryLimits().answer()   # what it and its answer processes may use

    @classmethod
    def shared(cls, confinement: Confinement | None = None):
        """The grading process's zygote, started now if it is not running (the Execute preprocessor
        calls this first, so that it loads while the student's kernel starts). `confinement`: the answer
        processes' limits (MemoryLimits.answer(), from the grading process's config); a zygote started
        under other limits is replaced."""
        if cls._shared is None:
            cls._shared = cls(confinement)
            atexit.register(cls._shared.close)
        elif confinement is not None and confinement != cls._shared.confinement:
            cls._shared.close()
            cls._shared.confinement = confinement
        cls._shared.start()
        return cls._shared

    def start(self):
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.control, theirs = socket.socketpair()
            self.dir, self.proc = _sandboxed(self.confinement, "zygote", theirs)
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
        """(wait status, CPU seconds) of the answer process that has just ended, as the zygote reports it
        after emptying its folder; None when no such report comes within `timeout` seconds."""
        fd = self.control.fileno()
        deadline = time.monotonic() + timeout

        def read(n):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise EOFError("no report")
            return os.read(fd, n)
        try:
            reply, _ = wire.read_frame(read, limits.REPORT_BYTES, 0)
            return int(reply["exited"]), float(reply.get("cpu", 0.0))
        except (EOFError, OSError, wire.FrameError, KeyError, TypeError, ValueError):
            return None

    def close(self):
        """End the zygote (its answer process goes with it) and delete its folder, never raising."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _end(proc)
            self.control.close()
            confine.remove_tree(self.dir)


def _sandboxed(confinement: Confinement, mode="answer", channel=None):
    """(scratch folder, process): child.py `mode` started in the sandbox in a private scratch folder of
    its own, with the answer process's limits (`confinement`), talking over 1 MiB pipes, or over `channel` (a socket)
    as its fd 0 and 1. A zygote's answer processes get `answer/` in that folder as their home, temp and
    config folder (child.py zygote makes it afresh for each)."""
    folder = tempfile.mkdtemp(prefix="conv1d-judge-")      # deleted with confine.remove_tree
    home = os.path.join(folder, "answer") if channel is not None else folder
    if channel is None:
        os.mkdir(os.path.join(folder, "tmp"))
        confine.hand_over(os.path.join(folder, "tmp"))
    confine.hand_over(folder)           # without bubblewrap, as root: the student's process is an unprivileged user's
    stdio = subprocess.PIPE if channel is None else channel
    argv = confine.child_argv(folder, confinement.folder_bytes, limits.ANSWER_CAPS, mode, home)
    passed = confine.inherited_fds(argv)
    try:
        proc = subprocess.Popen(argv, cwd=folder, env=confine.child_env(home), stdin=stdio, stdout=stdio,
                                stderr=subprocess.DEVNULL, pass_fds=passed,
                                preexec_fn=confine.limiter(confinement.rlimits))
    finally:
        for fd in passed:
            os.close(fd)
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


class Ledger:
    """The time one submission's answer processes may still take, over all its test cells
    (autograder/limits.py: submission_seconds, less what the kernel spent), and the calls that ran out
    of time: a later cell that would make the same call is reported at once, not waited for again."""

    def __init__(self, seconds):
        self.seconds = float(seconds)
        self.stopped = {}       # call -> (test cell or None, why: OutOfTime.reason)
        self.cell = None        # the test cell being judged (judge_cell sets it; None: not named)

    def spend(self, seconds):
        self.seconds -= max(0.0, seconds)


class Clock:
    """The time one test cell's answer process may take (autograder/limits.py), counted only while the
    judge waits for it and as the student's own time (autograder/sandbox/usage.py): the grader's own work
    (torch's references, the checks, decoding) and the time other processes kept the answer from a CPU
    are never counted. `seconds`: own time; `backstop`: wall-clock time, however busy the machine."""

    TICK = 0.25

    def __init__(self, seconds, backstop=None, last=False):
        self.seconds = float(seconds)
        self.last = last        # `seconds` is what is left of the submission's time, not a cell's limit
        self.backstop = float(backstop if backstop is not None else max(20 * self.seconds, 60.0))
        self.spent = 0.0        # own seconds
        self.call = 0.0         # own seconds of the current request (begin())
        self.waited = usage.Spent(0.0, 0.0, 0.0)    # the waits so far, summed (the gaps between them left out)
        self.pid = None         # the answer process, once it runs (watch)
        self.probe = usage.Probe(None)

    def begin(self):
        """A new request: its own time starts at 0 (a call that takes most of a cell's time by itself is one
        that does not end; a cell that ran out over many calls is not)."""
        self.call = 0.0

    def watch(self, pid):
        """Count the time of process pid (the answer's) from now on."""
        self.probe.close()
        self.pid, self.probe = pid, usage.Probe(pid)

    def wait(self, fd, write=False):
        """Return when fd is ready; raise OutOfTime when the student's own time for the cell is spent,
        Busy when the backstop ends the cell's waits while the machine's load, not the student, took their
        time (usage.busy over all of them)."""
        ready = select.select([] if write else [fd], [fd] if write else [], [], 0)
        if ready[0] or ready[1]:
            return                  # no wait: nothing to count
        start = self.probe.sample()
        while True:
            left = min(self.TICK, self.backstop - (time.monotonic() - start.wall))
            ready = select.select([] if write else [fd], [fd] if write else [], [], max(0.0, left))
            now = self.probe.sample()
            this = usage.own(start, now)
            own = self.spent + this
            if own > self.seconds:
                self.spent, self.call = own, self.call + this
                whole = self.call >= 0.5 * self.seconds
                if self.last:
                    raise OutOfTime(tr("your code did not finish before the submission's time ran out ({seconds:.3g} s "
                                       "of its own were left)", seconds=self.seconds), whole,
                                    tr("it did not finish before the submission's time ran out ({seconds:.3g} s of "
                                       "its own were left)", seconds=self.seconds))
                raise OutOfTime(tr("your code did not finish within {seconds:g} s of its own time (a test cell's "
                                   "limit)", seconds=self.seconds), whole,
                                tr("it did not finish within {seconds:g} s of its own time (a test cell's limit)",
                                   seconds=self.seconds))
            if ready[0] or ready[1]:
                self.spent, self.call = own, self.call + this
                self.backstop -= now.wall - start.wall
                self.waited = self.waited + usage.between(start, now)
                return
            if now.wall - start.wall >= self.backstop:
                waited = self.waited + usage.between(start, now)
                if usage.busy(waited):
                    raise Busy(f"the grading machine was too busy: {waited.wall:.0f} s of waiting gave the answer "
                               f"{own:.1f} s of its own time")
                self.spent, self.call = own, self.call + this
                raise OutOfTime(tr("your code did not finish: {wall:.0f} s passed (the wall-clock limit of a test "
                                   "cell), of which it spent {own:.1f} s of its own", wall=waited.wall, own=own), True,
                                tr("it did not finish: {wall:.0f} s passed (the wall-clock limit of a test cell), of "
                                   "which it spent {own:.1f} s of its own", wall=waited.wall, own=own))


class OutOfTime(Abort):
    """The student's own time for a cell is spent; `whole`: by the call under way alone; `reason`: what happened
    as a later cell says it of that call ("it did not finish within 30 s ..."), in the language of the messages."""

    def __init__(self, message, whole=True, reason=None):
        super().__init__(message)
        self.whole, self.reason = whole, reason or message


class NotRunAgain(Abort):
    """A call that ran out of time in an earlier test cell, not waited for again."""


class Busy(BaseException):
    """The backstop ended a wait that the machine's load, not the student, made long."""


class Child:
    """The student's process (autograder/sandbox/child.py in the sandbox), spoken to in frames
    (autograder/sandbox/wire.py): a process of its own, or one forked by a Zygote. Its time is a Clock's
    (one test cell), and a Ledger's (the submission): the calls that ran out of time before are refused
    at once."""

    def __init__(self, cells, clock, zygote=None, ledger=None):
        with timing.part("answers"):
            self._start(cells, clock if isinstance(clock, Clock) else Clock(clock), zygote, ledger or Ledger(math.inf))

    def _start(self, cells, clock, zygote, ledger):
        self.clock, self.zygote, self.ledger = clock, zygote, ledger
        self.ended = self.closed = self.hidden = False
        self.call = ("start",), tr("your answer cells")
        self._refuse_again()
        clock.begin()
        cpu = math.ceil(clock.seconds) + 1          # the kernel's own limit of the answer's CPU time (RLIMIT_CPU)
        if zygote is None:
            self.dir, self.proc = _sandboxed(MemoryLimits().answer())
            self.to_fd, self.from_fd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
            clock.watch(_answer_pid(self.proc, clock.backstop, child=False))
            self._write(self._frame({"cells": cells, "cpu": cpu}))
        else:
            request = self._frame({"op": "fork", "cells": cells, "cpu": cpu})
            try:
                self.to_fd, self.from_fd = zygote.fork(request)
            except OSError:             # the zygote had died: a new one, once
                zygote.close()
                self.to_fd, self.from_fd = zygote.fork(request)
            self.proc = zygote.proc
            clock.watch(_answer_pid(self.proc, clock.backstop, child=True))
        # Answer cells that raised: what they defined before the error stays usable.
        reply, blob = self._receive()
        try:
            self.errors = [(int(c), str(n), str(m)) for c, n, m in self._decode(reply["errors"], blob)]
        except (KeyError, TypeError, ValueError, AnswerError):
            self.close(failed=True)
            raise AnswerError(tr("your code garbled the grader's channel"))

    @staticmethod
    def _frame(msg):
        frame = wire.Frame()
        return frame.pack({k: encode(v, frame) if k in ("value", "args", "kwargs", "x") else v
                           for k, v in msg.items()})

    def _refuse_again(self):
        """A call that ran out of time in an earlier test cell of this submission is not waited for again."""
        key, label = self.call
        if key in self.ledger.stopped:
            cell, why = self.ledger.stopped[key]
            if cell is None:
                raise NotRunAgain(tr("not run: {call} already ran out of time in an earlier test cell: {why}",
                                     call=label, why=why))
            raise NotRunAgain(tr("not run: {call} already ran out of time in {cell}: {why}", call=label, cell=cell,
                                 why=why))

    def _write(self, parts):
        """Send a frame; a process that stops reading its pipe is waited for only as its Clock allows."""
        fd = self.to_fd
        os.set_blocking(fd, False)
        for part in parts:
            view = memoryview(part).cast("B")
            while view:
                self._wait(fd, write=True)
                try:
                    view = view[os.write(fd, view):]
                except BlockingIOError:
                    continue
                except OSError:         # BrokenPipeError: the process is gone
                    self._dead()

    def _read_some(self, n):
        """At most n bytes from the student's process, waited for as its Clock allows."""
        self._wait(self.from_fd)
        return os.read(self.from_fd, n)

    def _wait(self, fd, write=False):
        try:
            self.clock.wait(fd, write)
        except OutOfTime as e:
            key, label = self.call
            if e.whole:     # this one call took the cell's time: do not wait for it again
                self.ledger.stopped[key] = (self.ledger.cell, e.reason)
            self.close(failed=True)
            raise OutOfTime(tr("{message}; stopped in {call}", message=str(e), call=label), e.whole, e.reason) from None
        except Busy:
            self.close(failed=True)
            raise

    def _receive(self):
        """(reply, blob) of the next frame from the student's process."""
        try:
            return wire.read_frame(self._read_some, MAX_JSON, MAX_BLOB)
        except EOFError:
            self._dead()
        except wire.FrameError:
            self.close(failed=True)
            raise Abort(tr("your code returned more data than the grader accepts, or garbled it"))

    def _dead(self):
        """The student's process closed its channel: say how it ended (for a forked one, as its zygote
        reports it once it has ended; one that closed the channel and lives on ends the zygote)."""
        cpu = None
        if self.zygote is not None:
            report = self.zygote.exited(5.0) if self.proc.poll() is None else None
            self.ended = report is not None
            self.close(failed=not self.ended)
            if report is None:
                raise Abort(tr("your code closed the grader's channel"))
            status, cpu = report
            signum, code = (os.WTERMSIG(status), None) if os.WIFSIGNALED(status) else (None, os.WEXITSTATUS(status))
        else:
            code = self.proc.poll()
            self.close(failed=True)
            signum, code = (-code, None) if code is not None and code < 0 else (None, code)
        if signum in (signal.SIGXCPU, signal.SIGKILL) and (signum == signal.SIGXCPU
                                                            or (cpu or 0) >= self.clock.seconds):
            key, label = self.call
            why = tr("it used more than {seconds:g} s of CPU time", seconds=self.clock.seconds)
            whole = self.clock.call >= 0.5 * self.clock.seconds
            if whole:
                self.ledger.stopped[key] = (self.ledger.cell, why)
            said = tr("your code did not finish: it used more than {seconds:g} s of CPU time",
                      seconds=self.clock.seconds)
            raise OutOfTime(tr("{message}; stopped in {call}", message=said, call=label), whole, why)
        if signum:
            raise Abort(tr("your code's process was killed (signal {signal}), e.g. for using too much memory",
                           signal=signum))
        raise Abort(tr("your code ended its process (exit code {code})", code=code))

    def request(self, label=None, **msg):
        """Send one request and return what came back. `label`: how the call reads in a message ("your
        Conv1d(...).forward"); the same op on the same label is one call for the Ledger."""
        with timing.part("answers"):
            label = label or msg.get("name")
            self.call = (msg.get("op"), label or "code"), tr("your {label}", label=label) if label else tr("your code")
            self._refuse_again()
            self.clock.begin()
            self._write(self._frame(msg))
            return self._result(*self._receive(), name=msg.get("name"), label=label)

    def time_request(self, ref, x, label=None):
        """(what came back, seconds) of one request that sends x and has the student's process call
        object `ref` on it: the CPU time the answer's process spent meanwhile, all its threads, read by the
        judge from /proc (usage.runtime), never by the answer's own clock, and the same however busy the
        machine is. The frame is built before the reading starts, and the reply decoded after it ends."""
        parts = self._frame({"op": "time", "ref": ref, "x": x})
        with timing.part("answers"):
            label = label or "layer(...)"
            self.call = ("call", label), tr("your {label}", label=label)
            self._refuse_again()
            self.clock.begin()
            before = usage.runtime(self.clock.pid)
            self._write(parts)
            reply, blob = self._receive()
            seconds = usage.cpu_between(before, usage.runtime(self.clock.pid))
            return self._result(reply, blob, label=label), seconds

    def _result(self, reply, blob, name=None, label=None):
        if not isinstance(reply, dict):
            raise AnswerError(tr("an unreadable reply came back from your code"))
        if "missing" in reply:
            raise self._missing(name)
        if "error" in reply:
            hidden, self.hidden = self.hidden, False     # its name and message are withheld by rebuild()
            try:
                error = self._decode(reply["error"], blob)
            finally:
                self.hidden = hidden
            if not (isinstance(error, list) and len(error) in (2, 3)):
                raise AnswerError(tr("an unreadable error came back from your code"))
            err = rebuild(str(error[0])[:100], str(error[1])[:2000], self.hidden)
            line = error[2] if len(error) == 3 else None
            if isinstance(line, list) and len(line) == 2 and type(line[0]) is int:
                err.conv1d_line = AnswerLine(line[0], str(line[1])[:200])   # where it raised (the checks say it)
            raise err
        if "ok" not in reply:
            raise AnswerError(tr("an unreadable reply came back from your code"))
        return self._decode(reply["ok"], blob, label)

    def _decode(self, obj, blob, label=None):
        """What came back, as data (decode); the grader's own work, never counted against the student."""
        return decode(obj, self, blob, label)

    def _missing(self, name):
        for cell, ename, message in self.errors:
            if ename == "ForbiddenRoutine":
                return failures.ForbiddenRoutine(sandbox_said(message))
        if not self.errors:
            return NameError(tr("`{name}` is not defined by your answer cells: define it in the answer cell",
                                name=name))
        why = "".join(
            tr("; answer cell {cell} still raises NotImplementedError, the stub's: write your answer there in place of "
               "`raise NotImplementedError()`", cell=cell) if ename == "NotImplementedError" else
            tr("; answer cell {cell} raised {error}: {message}", cell=cell, error=ename, message=sandbox_said(message))
            if message else tr("; answer cell {cell} raised {error} (with no message)", cell=cell, error=ename)
            for cell, ename, message in self.errors)
        return NameError(tr("`{name}` is not defined by your answer cells", name=name) + why)

    def close(self, failed=False):
        """End the answer process. A forked one gets the end of its channel (it then exits), and the
        zygote must report that it has; if anything is amiss (or `failed`), the zygote goes with it. The
        CPU time the answer spent is charged to the Ledger when it is more than its own time counted."""
        if self.closed:
            return
        self.closed = True
        self.clock.probe.close()
        if self.zygote is None:
            _end(self.proc)
            confine.remove_tree(self.dir)
            self.ledger.spend(self.clock.spent)
            return
        for name in ("to_fd", "from_fd"):
            fd = getattr(self, name, None)
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, name, None)
        if self.ended:
            self.ledger.spend(self.clock.spent)
            return              # it has ended, and the zygote said so: ready for the next fork
        self.ended = True
        cpu = usage.cpu_seconds([self.clock.pid]) if failed and self.clock.pid else 0.0
        report = None if failed or self.proc.poll() is not None else self.zygote.exited(5.0)
        if report is None:
            self.zygote.close()
        else:
            cpu = report[1]
        self.ledger.spend(max(self.clock.spent, cpu))


def _answer_pid(proc, backstop, child):
    """The host's pid of the answer process below `top` (bubblewrap's outer process, or the process itself):
    the first process of the chain that is not bubblewrap, or, for a zygote (`child`), that process's
    child, once the zygote has forked it (waited for, never counted: a zygote may still be starting)."""
    deadline = time.monotonic() + backstop
    while time.monotonic() < deadline and proc.poll() is None:
        pid = proc.pid
        while usage.command(pid) == "bwrap":
            kids = usage.children(pid)
            if not kids:
                break
            pid = kids[0]
        if usage.command(pid) not in ("bwrap", None):
            if not child:
                return pid
            kids = usage.children(pid)
            if kids:
                return kids[0]
        time.sleep(0.002)
    return None


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
        self.proc = subprocess.Popen([sys.executable, "-I", script, "echo", json.dumps(limits.ANSWER_CAPS)],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=confine.child_env("/nonexistent"))
        big_pipes(self.proc)
        self.best = {}

    def transfer(self, x, shape, dtype, rounds=3):
        """The least CPU seconds the echo process spent on `rounds` round trips of x in and an array of
        `shape`, `dtype` back: what an answer's process spends on the transfer of a timed call."""
        frame = wire.Frame()
        parts = frame.pack({"x": encode(x, frame), "shape": list(shape), "dtype": np.dtype(dtype).str})
        key = (np.shape(x), np.asarray(x).dtype.str, tuple(shape), np.dtype(dtype).str)
        for _ in range(rounds):
            before = usage.runtime(self.proc.pid)
            wire.write_frame(self.proc.stdin.fileno(), parts)
            wire.read_frame(lambda n: os.read(self.proc.stdout.fileno(), n), MAX_JSON, MAX_BLOB)
            self.best[key] = min(self.best.get(key, math.inf), usage.cpu_between(before, usage.runtime(self.proc.pid)))
        return self.best[key]


# What the answer's process says in English (confine.SANDBOX_MESSAGES: a refusal, a line not run; the sandbox has
# no catalogue) as the student reads it, in the language of the messages (sandbox_said). One entry per key.
SANDBOX_SAID = {
    "called": lambda **v: tr("your answer called {routine}. The exercise is to compute the convolution yourself with "
                             "NumPy; library routines that do it for you score zero.", **v),
    "imports": lambda **v: tr("your answer imports {module}. The exercise is to compute the convolution yourself "
                              "with NumPy; library routines that do it for you score zero.", **v),
    "second_copy": lambda **v: tr("your answer loads a second copy of {module} (from {file}): a fresh copy of a "
                                  "module would bring back the library routines the exercise forbids; use the one "
                                  "already imported", **v),
    "compiled_again": lambda **v: tr("your answer loads the compiled module {module} again ({file}): a fresh copy "
                                     "of a module would bring back the library routines the exercise forbids; import "
                                     "it once, normally", **v),
    "not_installed": lambda **v: tr("grading sandbox: {module} is loaded from {file}, outside the Python "
                                    "installation: an answer may import installed modules only, not compiled code it "
                                    "copied or wrote", **v),
    "native": lambda **v: tr("grading sandbox: no native libraries ({library})", **v),
    "event": lambda **v: tr("grading sandbox: {event} is not allowed here", **v),
    "write": lambda **v: tr("grading sandbox: no writing outside your own folder ({path})", **v),
    "open_folder": lambda **v: tr("grading sandbox: no opening folders outside your own ({path})", **v),
    "sqlite_uri": lambda **v: tr("grading sandbox: sqlite3 URIs are not allowed here; give a path in your folder",
                                 **v),
    "dir_fd": lambda **v: tr("grading sandbox: {event} with dir_fd is not allowed here", **v),
    "outside": lambda **v: tr("grading sandbox: {event} outside your own folder", **v),
    "signal": lambda **v: tr("grading sandbox: no signals to other processes", **v),
    "not_run": lambda **v: tr("`{what}` does nothing while grading: shell lines, installs and magics are not run",
                              **v),
}


def _pattern(template):
    """A regular expression that matches what str.format makes of `template`, its fields as named groups."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P<{field}>.*?)")
    return re.compile("".join(parts), re.S)


# The English templates, those with the most fixed words first ("{event} with dir_fd is not allowed here" before
# "{event} is not allowed here").
_SANDBOX_PATTERNS = sorted(((key, _pattern(t)) for key, t in confine.SANDBOX_MESSAGES.items()),
                           key=lambda kp: -len(re.sub(r"\{\w+\}", "", confine.SANDBOX_MESSAGES[kp[0]])))


def sandbox_said(message):
    """`message` in the language of the messages when it is one the answer's process says (child.py, confine.py:
    confine.SANDBOX_MESSAGES, in English), any other text as it is: for what the student reads (a refusal in an
    error, a note, a flag shown in a test cell). The instructor's flags stay English."""
    for key, pattern in _SANDBOX_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return SANDBOX_SAID[key](**found.groupdict())
    return message


class AnswerLine(tuple):
    """(line number, its source) of the answer cells' code that raised: the checks say it in their language
    (notebook/student.py); str() says it too ("line 3: y = x @ w")."""

    def __new__(cls, number, source):
        return super().__new__(cls, (number, source))

    def __str__(self):
        number, source = self
        return tr("line {n}: {code}", n=number, code=source) if source else tr("line {n}", n=number)


def rebuild(name, message, hidden=False):
    """The student's exception, as the same built-in type when it is one (hints rely on the type). In a
    hidden case its message is withheld (str() says so), kept only as `conv1d_message` for the checks
    that read what it says, and a type of the student's own is not named. What the sandbox said (a refusal:
    sandbox_said) str() says in the language of the messages; `conv1d_message` keeps it as it came."""
    if name == "ForbiddenRoutine":
        return failures.ForbiddenRoutine(sandbox_said(message))
    cls = getattr(builtins, name, None)
    err = None
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, (failures.CheckFailed,)):
        try:
            err = cls(withheld() if hidden else sandbox_said(message))
        except Exception:
            pass
    if err is None:
        err = AnswerError(withheld() if hidden else f"{name}: {sandbox_said(message)}")
    err.conv1d_message = message
    return err


class Remote:
    """A proxy for an object that lives in the student's process. Its label says how it was reached
    (`Conv1d`, `Conv1d(...)`, `Conv1d(...).backward`): messages name it, and the Ledger knows a call by it."""

    def __init__(self, child, ref, typename, callable_, label="object"):
        object.__setattr__(self, "_c", (child, ref, typename, callable_, label))

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        child, ref, _, _, label = object.__getattribute__(self, "_c")
        return child.request(op="getattr", ref=ref, name=name, label=f"{label}.{name}")

    def __setattr__(self, name, value):
        child, ref, _, _, label = object.__getattribute__(self, "_c")
        child.request(op="setattr", ref=ref, name=name, value=value, label=f"{label}.{name}")

    def __call__(self, *args, **kwargs):
        child, ref, _, callable_, label = object.__getattribute__(self, "_c")
        if not callable_:
            raise TypeError(tr("{object} is not callable", object=repr(self)))
        return child.request(op="call", ref=ref, args=list(args), kwargs=kwargs, label=f"{label}(...)")

    def timed_call(self, x):
        """(self(x), CPU seconds of the call), read by the judge from /proc, outside the student's process
        (whose clock could be patched), on an input that arrives with the request (nothing can be computed
        ahead of it). The transfer is taken off as a process of the judge's own spends it (Echo: the same
        input in, an output of the same shape back), never as the student's process reports it."""
        child, ref, _, _, label = object.__getattribute__(self, "_c")
        y, seconds = child.time_request(ref, x, label=f"{label}(...)")
        if isinstance(y, np.ndarray):
            seconds -= Echo.shared().transfer(x, y.shape, y.dtype)
        return y, max(0.0, seconds)

    @property
    def __signature__(self):
        child, ref, _, _, label = object.__getattribute__(self, "_c")
        params = []
        for name, kind, empty, default in child.request(op="signature", ref=ref,
                                                        label=tr("signature of {label}", label=label)):
            params.append(inspect.Parameter(name, getattr(inspect.Parameter, kind),
                                            default=inspect.Parameter.empty if empty else default))
        return inspect.Signature(params)

    def __repr__(self):
        return tr("<your {type}>", type=object.__getattribute__(self, "_c")[2])


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
    raise TypeError(tr("cannot send {type} to the answer", type=type(value).__name__))


def decode(obj, child, blob, label=None):
    """Data from the student's process: only plain values and numeric arrays are rebuilt, at most
    MAX_DEPTH deep and MAX_ITEMS in all. References become Remote proxies labelled by `label` (how the
    value was reached)."""
    budget = [MAX_ITEMS]

    def rebuild_value(obj, depth):
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            raise AnswerError(tr("a value nested more than {depth} deep or with more than {items} items came back "
                                 "from your code", depth=MAX_DEPTH, items=MAX_ITEMS))
        if obj is None or isinstance(obj, (bool, int, float)):
            return obj
        if isinstance(obj, str):
            return withheld() if child.hidden else obj[:100_000]
        if isinstance(obj, list):
            return [rebuild_value(v, depth + 1) for v in obj]
        if not isinstance(obj, dict):
            raise AnswerError(tr("an unreadable value came back from your code"))
        try:
            if "a" in obj:
                return wire.array(obj, blob)
            if "t" in obj:
                return tuple(rebuild_value(v, depth + 1) for v in obj["t"])
            if "l" in obj:
                return [rebuild_value(v, depth + 1) for v in obj["l"]]
            if "ref" in obj:
                return Remote(child, int(obj["ref"]), "object" if child.hidden else str(obj["type"])[:100],
                              bool(obj["callable"]), label or "object")
        except wire.FrameError as e:      # its words are wire.py's (English: the sandbox shares that module)
            raise AnswerError(tr("{problem} came back from your code", problem=str(e))) from None
        except (KeyError, TypeError, ValueError):
            pass
        raise AnswerError(tr("an unreadable value came back from your code"))
    return rebuild_value(obj, 0)


# ----------------------------------------------------------------------------- one test cell
def names_needed(source):
    """The names a test cell reads but never binds itself (by an import or an assignment): the student's."""
    tree = ast.parse(source)
    bound = {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
             for a in n.names}
    bound |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


def trusted_namespace(salt=b""):
    """The test cell's namespace: the checks' public names, numpy, torch. A test cell of the course imports the
    checks it uses itself (`from conv1d_course import ...`, conv1d_course the alias of autograder/notebook/).
    Every seed is mixed with the grading secret and `salt`, a hash of the submission's answer cells
    (secret.set_grading_secret)."""
    import math

    import torch
    secret.start_grading(os.environ.get(SECRET_VARIABLE, ""), salt)
    sys.modules[notebook.ALIAS] = notebook
    # One thread: with several graders on a busy machine, torch's thread pool makes each small
    # reference call 300× slower (0.08 ms -> 25 ms), enough to time out a cell of 500 cases.
    torch.set_num_threads(1)
    ns = {name: getattr(notebook, name) for name in notebook.exports()}    # test cells written without the line
    ns.update(np=np, torch=torch, nn=torch.nn, F=torch.nn.functional, math=math)
    return ns


class Verdict(typing.NamedTuple):
    """One test cell's verdict (judge_cell), which the Judge preprocessor turns into the cell's outputs."""
    passed: bool
    text: str                   # what the test cell printed
    error: tuple[str, str] | None = None    # (ename, evalue) when it failed: the message, without the hint
    started: bool = True        # whether the answer cells ran at all
    flags: tuple[str, ...] = ()             # what the answer's process tried and was refused, for the instructor
    #                                         (English: the test cell shows them through sandbox_said)
    notes: tuple[str, ...] = ()             # for the student: what the grader did not run (shell lines, magics)
    hint: str | None = None     # the mistake the checks recognised (failures.CheckFailed.hint), as data
    busy: bool = False          # the backstop ended it while the machine's load, not the student, took the time
    hidden_flags: tuple[str, ...] = ()      # flags raised while the hidden tests ran: for the instructor only
    in_hidden: bool = False     # it failed while the cell's hidden tests ran (a grader that shows results before
    #                             they are published withholds it until then: autograder/gradescope/results.py)


def withheld():
    """What the student reads in place of a text their code said in a hidden case."""
    return tr("(not shown: hidden cases keep their inputs private)")


TIME_ERRORS = {OutOfTime: "CellTimeoutError", NotRunAgain: "NotRun"}   # the kernel's names for the same


def phases(test_source):
    """[(source, hidden)]: a test cell's parts in order, its hidden tests (between nbgrader's
    `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`) marked. A cell whose parts do not compile on their
    own is one hidden part (nothing of it is shown)."""
    parts, lines, hidden = [], [], False
    for line in test_source.splitlines(keepends=True):
        mark = line.strip()
        if mark in ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"):
            if lines:
                parts.append(("".join(lines), hidden))
            lines, hidden = [], mark.startswith("### BEGIN")
        else:
            lines.append(line)
    if lines:
        parts.append(("".join(lines), hidden))
    try:
        for source, _ in parts:
            compile(source, "<test cell>", "exec")
    except SyntaxError:
        return [(test_source, True)]
    return parts


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


def judge_cell(test_source, answer_cells, timeout, zygote=None, *, backstop=None, ledger=None, name=None):
    """Run one test cell against the answer cells (a Verdict), in a process of its own or forked by
    `zygote`. `timeout`: seconds of the student's own time the cell may take (autograder/limits.py);
    `backstop`: its wall-clock seconds; `ledger`: the submission's Ledger (its time left, the calls that
    ran out of time before); `name`: the test cell's, for messages (a later cell's "already ran out of time in
    test_values").

    While the cell's hidden tests run, nothing the student's process says reaches the student: exception
    messages, names and strings that come back are withheld (the checks still read an exception's message
    through its `conv1d_message`), an exception that escapes the checks shows only its type, and the flags
    and notes raised then go to the instructor alone (`hidden_flags`)."""
    ledger = ledger if ledger is not None else Ledger(math.inf)
    ledger.cell = name
    seconds = min(float(timeout), ledger.seconds)
    clock = Clock(seconds, backstop, last=ledger.seconds < float(timeout))
    if seconds <= 0:
        return Verdict(False, "", ("NotRun", tr("not run: the submission's time is spent (its cells took all the "
                                                "time a submission may take)")), False)
    out = io.StringIO()
    child = None
    try:
        child = Child([to_python(source) for source in answer_cells], clock, zygote, ledger)
    except Busy as e:
        return Verdict(False, "", ("GraderBusy", str(e)), False, busy=True)
    except (OutOfTime, NotRunAgain) as e:
        return Verdict(False, "", (TIME_ERRORS[type(e)], str(e)), False)
    except Abort as e:
        return Verdict(False, "", ("AnswerStopped", str(e)), False)
    except Exception as e:      # the student's side sent nonsense: that answer fails, grading goes on
        return Verdict(False, "", ("AnswerError", str(e)), False)
    seen = ((), ())
    hidden = False
    try:
        ns = trusted_namespace(salt(answer_cells))
        missing = {}
        for needed in names_needed(test_source) - set(ns) - set(dir(builtins)):
            try:
                ns[needed] = child.request(op="get", name=needed, label=needed)
            except (NameError, failures.ForbiddenRoutine) as e:
                missing[needed] = e     # raised if and when the test uses the name
        with contextlib.redirect_stdout(out):
            for source, hidden in phases(test_source):
                if hidden and not child.hidden:
                    seen = _report(child)
                child.hidden = hidden
                try:
                    exec(compile(source, "<test cell>", "exec"), ns)
                except NameError as e:
                    raise missing.get(e.name, e) from None
        verdict = Verdict(True, out.getvalue())
    except Busy as e:
        verdict = Verdict(False, out.getvalue(), ("GraderBusy", str(e)), busy=True)
    except (OutOfTime, NotRunAgain) as e:
        verdict = Verdict(False, out.getvalue(), (TIME_ERRORS[type(e)], str(e)))
    except Abort as e:
        verdict = Verdict(False, out.getvalue(), ("AnswerStopped", str(e)))
    except failures.CheckFailed as e:
        verdict = Verdict(False, out.getvalue(), (type(e).__name__, hidden_message(e) if hidden else e.message),
                          hint=e.hint)
    except Exception as e:
        said = tr("{error} in a hidden case (not shown: hidden cases keep their inputs private)",
                  error=type(e).__name__) if hidden else str(e)
        verdict = Verdict(False, out.getvalue(), (type(e).__name__, said))
    flags, notes = _report(child) if child.proc.poll() is None and not child.ended else seen
    shown_flags, shown_notes = (seen if child.hidden else (flags, notes))
    with timing.part("answers"):
        child.close()
    return verdict._replace(flags=tuple(shown_flags), notes=tuple(sandbox_said(n) for n in shown_notes),
                            hidden_flags=tuple(f for f in flags if f not in shown_flags),
                            in_hidden=not verdict.passed and hidden)


# What a failed check says in a hidden case, by the check that failed: its message would quote numbers or
# shapes the student's code returned, which can carry anything (a shape of (0, d1, d2) is 62 bits of input).
HIDDEN_FAILURES = {
    "check_weight_shape": lambda: tr("the weight's shape is not torch's"),
    "check_output_shape": lambda: tr("the output's shape is not torch's"),
    "check_values": lambda: tr("the output is not torch's (its shape, type or values)"),
    "check_output_length": lambda: tr("the length is not torch's"),
    "check_errors": lambda: tr("it does not raise what torch raises"),
    "check_raises": lambda: tr("it does not raise what torch raises"),
    "check_default_init": lambda: tr("the default weights do not look like torch's"),
    "check_backward": lambda: tr("the gradients are not torch's"),
    "check_numerical_gradients": lambda: tr("the numerical gradients are not torch's"),
    "check_torch_samples": lambda: tr("the output on torch's own inputs is not torch's"),
}


def hidden_message(e):
    """A failed check's message in a hidden case: which case (its label, as the check names it: the failure's
    `where`, a hidden case's label by its own `hidden`, never by its words) and what failed, never the details:
    only the course's words, whatever the student's code returned. A forbidden routine is named as such."""
    label = getattr(e, "where", None)
    where = str(label) if getattr(label, "hidden", False) and len(str(label)) < 200 else tr("a hidden case")
    if isinstance(e, failures.ForbiddenRoutine):
        return tr("{where}: your answer used a routine that computes the convolution for it. The exercise is to "
                  "compute the convolution (and, in notebook 08, its gradients) yourself with NumPy; library routines "
                  "that do it for you score zero.", where=where)
    failed, tb = None, e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_name
        if failed is None and name in HIDDEN_FAILURES and \
                tb.tb_frame.f_globals.get("__name__", "").startswith(notebook.__name__ + "."):
            failed = name       # the outermost check: the one the test cell called
        tb = tb.tb_next
    return tr("{where}: {failure} (hidden cases keep their details private).", where=where,
              failure=HIDDEN_FAILURES[failed]() if failed else tr("it fails"))


def salt(answer_cells):
    """A hash of the answer cells: the submission's own part of every seed the grader draws."""
    import hashlib
    h = hashlib.sha256()
    for source in answer_cells:
        h.update(source.encode("utf-8", "surrogatepass") + b"\0")
    return h.digest()


def _report(child):
    """(flags, notes) the answer's process has gathered so far (none when it cannot say)."""
    hidden, child.hidden = child.hidden, False
    try:
        report = child.request(op="report", label="report")
        return tuple(tuple(str(f)[:300] for f in part[:20]) for part in report[:2])
    except (Abort, Busy, Exception):
        return (), ()
    finally:
        child.hidden = hidden


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
                names = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
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
