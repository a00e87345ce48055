"""Runs in the grading process (nbgrader autograde, or a worker's grading process): nbgrader's Execute, sandboxed.

nbgrader's Execute, sandboxed and bounded: it starts the student's kernel through the kernelspec
conv1d-sandbox (autograder/sandbox/confine.py: `python confine.py kernel`, then bubblewrap) in a scratch
folder of its own, talks to it over ZeroMQ IPC sockets, and starts the judge's zygote
(autograder/sandbox/judge.py) while the kernel boots."""
import asyncio
import atexit
import json
import os
import stat
import sys
import tempfile
import time
from queue import Empty

import zmq
from jupyter_core.utils import ensure_async
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_hook, run_sync
from nbformat.v4 import new_output
from nbgrader import preprocessors as nbp
from traitlets import Bool, Integer

from .. import compat, timing
from ..catalogues import checks_catalogue, language
from ..limits import GraderBusy, MemoryLimits, TimeLimits
from ..notebook.language import tr, use
from ..sandbox import usage
from ..sandbox.confine import KERNEL_OPTION, hand_over, kernel_option, remove_tree, sockets_fit
from .cells import (
    course_code,
    error_output,
    is_answer_cell,
    is_course_code,
    is_test_cell,
    source_notebook,
)


def _wrote_outside():
    """What a cell that wrote into the socket folder gets (its kernel is killed), in the submission's language."""
    return tr("the kernel was stopped: this cell wrote files outside its own folder (into the folder of the kernel's "
              "sockets)")


def _is_socket(path):
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


class SlowStart(DeadKernelError):
    """The kernel is alive but has not started by the startup deadline: the machine's load, never the student."""


class Execute(compat.NotebookClientHooks, nbp.Execute):
    """nbgrader's Execute, with three changes:
    - Time is the student's own (autograder/limits.py, autograder/sandbox/usage.py): a student's cell may
      take TimeLimits.cell_seconds of the kernel's own time (CPU time plus sleep, never the time other
      processes kept it from a CPU) and is interrupted past it; the cells of one submission together
      TimeLimits.submission_seconds (the judge gets what is left). nbclient's own `timeout` is the
      wall-clock backstop, TimeLimits.backstop_seconds: a cell it stops while the kernel had little time
      of its own (the machine was busy) is run again, and stopped so twice, the submission is not graded.
    - A dead kernel ends the run of this notebook only: the cell that killed it and every later cell
      get an error output (and so no points), and grading goes on.
    - Only the student's code runs in the student's kernel: answer cells, and cells the student added
      or edited. Graded test cells are not run there: their verdict comes from the Judge, which runs
      each of them again outside the kernel (their outputs stay empty until the Judge fills them). The
      course's own cells, unchanged (worked examples, the check code, the explorer panel, notebook 07's
      timings), are not run either: nothing graded reads them (answers must stand alone, and the judge
      runs them on their own), and they cost two thirds of a submission's grading time (import torch,
      the examples).
    """

    max_output = Integer(1024 ** 2, help="Bytes of output a cell may show; more is cut with a note.").tag(config=True)
    max_total_output = Integer(8 * 1024 ** 2, help="Bytes of output all the student's cells of one notebook may "
                                                   "show; the cells after that show none (a note says so)."
                               ).tag(config=True)
    max_message = Integer(16 * 1024 ** 2, help="Bytes of one message from the kernel; a larger one "
                                               "disconnects it (the kernel then counts as dead).").tag(config=True)

    prestart = Bool(True, help="Start the next notebook's kernel as soon as this one's is done, so that it "
                               "boots while this submission is judged and saved. It runs nothing until the "
                               "next notebook takes it.").tag(config=True)

    _next = None        # (scratch folder, kernel manager) of a kernel started ahead, not yet taken

    def preprocess(self, nb, resources=None, km=None):
        """Run the notebook (_preprocess_once). A kernel that is alive but has not started by startup_timeout
        (wall-clock: no student code has run yet, so only the machine's load can hold it up) is replaced once;
        slow twice, the submission is not graded (GraderBusy), never scored. What the student reads in their
        cells' outputs is in the submission's language (its metadata course.lang, autograder/catalogues.py);
        what the instructor reads (the log, GraderBusy) stays English."""
        lang = language(nb)
        use(lang, checks_catalogue(lang))
        try:
            try:
                return self._preprocess_once(nb, resources, km)
            except SlowStart as first:
                self.log.warning("%s; starting another kernel", first)
            try:
                return self._preprocess_once(nb, resources, None)
            except SlowStart as again:
                raise GraderBusy(f"not graded: {again}, twice: the grading machine was too busy") from None
        finally:
            use("en")

    def _preprocess_once(self, nb, resources=None, km=None):
        """Run the notebook with the kernel in a private scratch folder (never the submission's folder
        in autograded/, which nbgrader writes after the kernel is gone), talking over ZeroMQ IPC
        sockets in a folder of their own; both are deleted afterwards, links and all, unfollowed.
        The kernel is the one started ahead for this notebook (prestart), when it is still alive."""
        from ..sandbox.judge import Zygote
        self.memory = MemoryLimits(parent=self)
        # the judge's zygote (one per grading process) gets ready while the kernel starts
        Zygote.shared(self.memory.answer())
        self._dead = False
        self._spent = 0.0           # the kernel's own seconds, all cells so far
        self.limits = TimeLimits(parent=self)
        self.extra_arguments = self.kernel_arguments()
        self._shown_in_all = 0
        self._course_code = course_code(source_notebook(self.config, resources["nbgrader"]))
        ahead = self._take_ahead() if km is None else None
        scratch, km = ahead or (self._scratch(), km)
        metadata = resources.setdefault("metadata", {})
        path = metadata.get("path")
        metadata["path"] = self._work
        try:
            with timing.part("kernel"):
                try:
                    return super().preprocess(nb, resources, km)
                except Exception:
                    if self.km is not None and not ahead and self.kc is None:   # it never started
                        _discard(self.km)
                    raise
                finally:
                    if ahead:       # nbclient shuts down only the kernels it started itself
                        self.cleanup_kernel()
        finally:
            resources["conv1d_kernel_seconds"] = self._spent       # the judge has what is left
            metadata["path"] = path
            remove_tree(scratch)
            if self.prestart and not isinstance(sys.exc_info()[1], (KeyboardInterrupt, SystemExit)):
                self._start_ahead(resources)

    def kernel_arguments(self):
        """nbclient's extra_arguments for the kernel (appended to the kernelspec's command line): with the
        kernel's MemoryLimits, which confine.py's kernel_main applies (kernel_option)."""
        return [*(a for a in self.extra_arguments if not a.startswith(KERNEL_OPTION)),
                kernel_option(*MemoryLimits(parent=self).kernel())]

    def _scratch(self):
        """A new private scratch folder: work/ (the kernel's working folder), ipc/ (its sockets), conn/
        (its connection file), each 0700; sets self._work, _sockets, _private. It is made in the temp
        folder (TMPDIR) when the sockets' paths fit the 107 bytes Linux allows, else in /tmp."""
        base = tempfile.gettempdir()
        if not sockets_fit(base):
            base = "/tmp"
        scratch = tempfile.mkdtemp(prefix="conv1d-kernel-", dir=base)
        self._work, self._sockets, self._private = (os.path.join(scratch, d) for d in ("work", "ipc", "conn"))
        for folder in (self._work, self._sockets, self._private):
            os.mkdir(folder, 0o700)
        # without bubblewrap, as root: the kernel runs as an unprivileged user, whose folders these are
        hand_over(self._work, self._sockets, traverse=(scratch, self._private))
        return scratch

    def _start_ahead(self, resources):
        """Start the next notebook's kernel now, the way nbclient starts one (start_new_kernel), in a
        scratch folder of its own; a kernel that fails to start is simply not kept."""
        scratch = self._scratch()
        metadata = resources.setdefault("metadata", {})
        path = metadata.get("path")
        metadata["path"] = self._work
        self.km = self.create_kernel_manager()
        try:
            self.start_new_kernel()
            if Execute._next is None:
                atexit.register(_drop_ahead)
            Execute._next = (scratch, self.km, (self._work, self._sockets, self._private))
        except Exception:
            _abandon(scratch, self.km)
        finally:
            self.km = None
            metadata["path"] = path

    def _take_ahead(self):
        """(scratch folder, kernel manager) of the kernel started ahead when it is still alive, else None."""
        ahead, Execute._next = Execute._next, None
        if ahead is None:
            return None
        scratch, km, folders = ahead
        if run_sync(km.is_alive)():
            self._work, self._sockets, self._private = folders
            return scratch, km
        _abandon(scratch, km)
        return None

    def create_kernel_manager(self):
        """The kernel manager, on IPC transport: the sandboxed kernel has no network."""
        km = super().create_kernel_manager()
        km.transport = "ipc"
        km.ip = os.path.join(self._sockets, "kernel")
        km.connection_file = os.path.join(self._private, "kernel.json")
        return km

    async def async_start_new_kernel_client(self):
        """Connect only once the kernel has made its sockets (before any student code can run: the
        first cell is sent after this), only to sockets (never through a link), and for good: ZeroMQ
        must not reconnect later to a socket path the student's code could have replaced. A message
        over max_message disconnects the kernel rather than fill the grader's memory."""
        deadline = time.monotonic() + self.startup_timeout
        paths = [f"{self.km.ip}-{port}" for port in self.km.ports]
        while not all(_is_socket(p) for p in paths):
            if not await self.km.is_alive():
                raise DeadKernelError("the kernel did not start")
            if time.monotonic() > deadline:
                raise SlowStart(f"the kernel had not started after {self.startup_timeout:g} s")
            await asyncio.sleep(0.02)
        # The client (shell, iopub, stdin, heartbeat) gets a context of its own: both get the options.
        self.kc = self.km.client()
        for context in {self.km.context, self.kc.context}:
            context.setsockopt(zmq.RECONNECT_IVL, -1)
            context.setsockopt(zmq.MAXMSGSIZE, self.max_message)
        # The manager's control socket was made before the kernel's existed: make it again, connected once.
        compat.reconnect_control_socket(self.km)
        try:
            await ensure_async(self.kc.start_channels(hb=False))    # the heartbeat would make new sockets
            await self._kernel_ready(deadline)
        except Exception:
            await self.async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        # the Python that runs the student's cells, found now, before any of them runs (a cell could rename
        # its process to look like bubblewrap's)
        self.km.conv1d_pid = _kernel_pid(self.km)
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)     # nbclient binds its own at class level

    async def _kernel_ready(self, deadline):
        """Return once the kernel has answered a kernel_info request on its shell channel and IOPub has
        delivered that request's status "idle": IOPub is then subscribed (ZeroMQ drops what a kernel
        publishes before the subscription is made, so the request is sent again until it is) and nothing
        older is pending. jupyter_client's wait_for_ready instead waits for 0.2 s of IOPub silence, after
        0.2 s for one IOPub message: 0.2-0.4 s of every submission's grading spent waiting. Raises
        DeadKernelError when the kernel dies or has not answered by `deadline` (time.monotonic())."""
        while True:
            if not await self.km.is_alive():
                raise DeadKernelError("the kernel did not answer kernel_info")
            if time.monotonic() > deadline:
                raise SlowStart(f"the kernel had not answered kernel_info after {self.startup_timeout:g} s")
            msg_id = self.kc.kernel_info()
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
            except Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue            # the reply to an earlier try; its IOPub messages are skipped below
            until = time.monotonic() + 0.5
            while (left := until - time.monotonic()) > 0:
                try:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=left))
                except Empty:
                    break
                if msg["msg_type"] == "status" and msg.get("parent_header", {}).get("msg_id") == msg_id \
                        and msg["content"].get("execution_state") == "idle":
                    compat.record_kernel_info(self.kc, reply)
                    return

    async def before_kernel_cleanup(self):
        """Before nbclient's cleanup: no ZeroMQ one-second linger on sockets whose kernel is gone (0.9 s a
        submission)."""
        for sock in compat.kernel_sockets(getattr(self, "kc", None), self.km):
            sock.linger = 0

    def output(self, outs, msg, display_id, cell_index):
        """nbclient's output handling, with at most max_output bytes shown per cell and max_total_output
        bytes in the whole notebook (a grading process holds the notebook in memory: many cells of output
        must not fill it)."""
        size = len(json.dumps(msg.get("content", {}), default=str))
        over = (self.max_output if self._shown + size > self.max_output else
                self.max_total_output if self._shown_in_all + size > self.max_total_output else None)
        if over is not None:
            if not self._cut:
                self._cut = True
                text = (tr("[output cut: this cell showed more than {over} bytes]", over=over)
                        if over == self.max_output else
                        tr("[output cut: the notebook's cells showed more than {over} bytes]", over=over))
                outs.append(new_output("stream", name="stderr", text=text + "\n"))
            return None
        self._shown += size
        self._shown_in_all += size
        return super().output(outs, msg, display_id, cell_index)

    def is_students(self, cell):
        return not is_test_cell(cell) and (
            is_answer_cell(cell) or not is_course_code(cell, self._course_code))

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if not self.is_students(cell) and not self._dead:
            cell.outputs = []
            return cell, resources
        if self._dead:
            # cells.KERNEL_DIED_EARLIER: the class report and the worker recognize it in every language
            cell.outputs = [error_output("NotRun", tr("not run: the kernel died in an earlier cell"))]
            return cell, resources
        if self._spent >= self.limits.submission_seconds:
            cell.outputs = [error_output("NotRun", tr("not run: the submission's time is spent (its cells took "
                                                      "{seconds:g} s of their own in all)",
                                                      seconds=self.limits.submission_seconds))]
            return cell, resources
        for attempt in (1, 2):
            cell, resources, busy = self._run_cell(cell, resources, index)
            if not busy:
                return cell, resources
            self.log.warning("cell %d: the wall-clock backstop stopped it while the machine was busy; run again", index)
        raise GraderBusy(f"not graded: cell {index} was stopped twice by the wall-clock backstop "
                         f"({self.limits.backstop_seconds:g} s) while the kernel had little time of its own: the "
                         "grading machine was too busy")

    def _run_cell(self, cell, resources, index):
        """(cell, resources, busy): the cell run once, its own time counted; busy when the backstop stopped
        it while the machine's load, not the student, took the time."""
        self._shown, self._cut = 0, False
        self._stopped = None                # set by the watch when it interrupts the cell
        limit = min(self.limits.cell_seconds, self.limits.submission_seconds - self._spent)
        root = self.km.provisioner.process.pid
        main = getattr(self.km, "conv1d_pid", None) or root     # not found: bubblewrap's (its wall time is counted)
        start = usage.sample(main, root)
        self._watching = (main, start, limit)
        busy = False
        try:
            with timing.part("cells"):
                cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead = True
            cell.outputs.append(error_output("KernelDied", self._stopped or tr(
                "the kernel died in this cell (sys.exit/os._exit, a crash, or too much memory)")))
            return cell, resources, False
        except CellTimeoutError as e:
            if "IOPub" not in str(e):
                raise
            self._dead = True       # its output channel is gone: a message over max_message, or worse
            cell.outputs.append(error_output(
                "KernelDied", tr("the kernel's output was cut off in this cell (a message over {most} bytes, or the "
                                 "kernel stopped answering)", most=self.max_message)))
            return cell, resources, False
        finally:
            end = usage.sample(main, root)
            self._spent += usage.own(start, end)
        if _written(self._sockets) > self.memory.socket_folder_bytes:       # written faster than the watch looks
            self._dead = True
            self.km.provisioner.process.kill()
            cell.outputs.append(error_output("KernelDied", _wrote_outside()))
            return cell, resources, False
        timed_out = any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in cell.outputs)
        if self._stopped:
            cell.outputs = [o for o in cell.outputs if o.output_type != "error"] + \
                           [error_output("CellTimeoutError", self._stopped)]
        elif timed_out:         # nbclient's backstop
            busy = usage.busy(usage.between(start, end))
            if busy:
                cell.outputs = []
            else:
                cell.outputs = [o for o in cell.outputs if o.output_type != "error"] + [error_output(
                    "CellTimeoutError", tr("this cell did not finish within {seconds:g} s",
                                           seconds=self.limits.backstop_seconds))]
        return cell, resources, busy

    def cell_timeout(self, cell):
        """nbclient's per-cell timeout: the wall-clock backstop (the student's own time is watched apart)."""
        return self.limits.backstop_seconds

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        """nbclient's, with the cell's own time watched while it runs (_watch)."""
        watch = asyncio.ensure_future(self._watch())
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            watch.cancel()

    execute_cell = run_sync(async_execute_cell)     # nbclient binds its own at class level

    async def _watch(self):
        """Interrupt the running cell once the kernel's own time in it passes its limit; a kernel that
        goes on for 5 s more (it caught the interrupt) is killed (the cell's and later cells' points go).
        Also kill the kernel when it writes files into its socket folder (the one folder of the host it
        may write: its own is a tmpfs of its own) past MemoryLimits.socket_folder_bytes."""
        main, start, limit = self._watching
        root = self.km.provisioner.process.pid
        while True:
            await asyncio.sleep(0.25)
            if _written(self._sockets) > self.memory.socket_folder_bytes:
                self._stopped = _wrote_outside()
                self.km.provisioner.process.kill()
                return
            own = usage.own(start, usage.sample(main, root))
            if own > limit:
                break
        if limit < self.limits.cell_seconds:
            self._stopped = tr("this cell was stopped: the submission's time ran out in it ({seconds:.3g} s of its "
                               "own were left)", seconds=limit)
        else:
            self._stopped = tr("this cell was stopped: it took more than {seconds:g} s of its own time (CPU time and "
                               "sleep; the time other processes took is not counted)", seconds=limit)
        await ensure_async(self.km.interrupt_kernel())
        await asyncio.sleep(5)
        self._stopped = tr("{why}, and went on after the interrupt, so the kernel was stopped", why=self._stopped)
        self.km.provisioner.process.kill()      # bubblewrap's children die with it (--die-with-parent)


def _written(folder, most=1000):
    """Bytes of the regular files in `folder` and one level below (at most `most` entries looked at)."""
    total, seen = 0, 0
    for top in (folder,):
        try:
            entries = list(os.scandir(top))
        except OSError:
            return 0
        for entry in entries:
            seen += 1
            if seen > most:
                return total
            try:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
                elif entry.is_dir(follow_symlinks=False):
                    with os.scandir(entry.path) as inner:
                        for sub in inner:
                            seen += 1
                            if sub.is_file(follow_symlinks=False):
                                total += sub.stat(follow_symlinks=False).st_size
            except OSError:
                pass
    return total


def _kernel_pid(km):
    """The host's pid of the Python that runs the kernel (inside bubblewrap's processes), or None."""
    try:
        pid = km.provisioner.process.pid
    except AttributeError:
        return None
    while usage.command(pid) == "bwrap":
        kids = usage.children(pid)
        if not kids:
            return None
        pid = kids[0]
    return pid


def _discard(km):
    """A kernel manager whose kernel failed to start: its process killed, its ZeroMQ sockets and context
    closed without lingering (a context left to the garbage collector with a socket open blocks it
    forever)."""
    try:
        if km.provisioner is not None and km.provisioner.process is not None:
            km.provisioner.process.kill()
    except Exception:
        pass
    try:
        compat.close_control_socket(km)
        km.context.destroy(linger=0)
    except Exception:
        pass


def _abandon(scratch, km):
    """A kernel nobody will use (it failed to start, died while waiting, or is left at exit): killed,
    its ZeroMQ sockets closed (_discard), its scratch folder deleted."""
    _discard(km)
    remove_tree(scratch)


def _drop_ahead():
    """At exit: the kernel started ahead that no notebook took is abandoned."""
    ahead, Execute._next = Execute._next, None
    if ahead:
        _abandon(*ahead[:2])
