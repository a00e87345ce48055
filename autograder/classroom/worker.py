"""Runs in each Dask worker (a `dask worker` process, or a thread of the grade command): its grading processes.

A Dask worker (a thread of the grade command's process on a local cluster, a `dask worker` process on a
cluster) runs `grade_task` for each submission and keeps the grading processes that grade them. A task
(autograder/classroom/tasks.py: `Task`) carries everything a worker needs but the installed course code:
the student's files, the assignment's source folder (solutions/<assignment>/, the release the gradebook
was made from), the gradebook URL, nbgrader's options and the grading secret. The worker hands it to a
grading process (`GradingProcess`, one per worker thread, long-lived so Python, nbgrader and torch are
imported once; its code is autograder/classroom/gradingprocess.py) over a socket pair, which grades it
with nbgrader's own autograde in a scratch course folder of its own and sends back a `Graded`: the
`Result` (scores are in the gradebook), the autograded folder's files, where it ran. No file system is
shared with the client.

Faults stay with their submission: a grading process that overruns the task's timeout is killed and
replaced; one that dies is replaced; a grading process whose worker died (killed, a machine lost) ends
itself within a fraction of a second, so a task Dask gives to another worker is written once.
"""
import contextlib
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time

from ..sandbox.confine import bwrap, remove_tree, sockets_fit
from .courseroot import CODE
from .tasks import Graded, Result, Task, differences, grading_environment

STARTUP = 300.0                                     # seconds a grading process may take to import
ENTRY = "from autograder.classroom.gradingprocess import main; main()"    # a grading process's command


class GradingProcess:
    """A long-lived grading process (gradingprocess.grading_process) with its own course folder; `grade`
    runs one task in it within the task's timeout, killing and replacing the process when it overruns or dies.

    The pipe between them (`conn`, multiprocessing's Connection on a socket pair) carries, pickled, only:
    from the process, the str "ready" once it has imported nbgrader; to it, a `Task` per submission, or
    None to end it; from it, one `Graded` per Task (autograder/classroom/tasks.py)."""

    def __init__(self):
        self.proc = None
        self._start()

    def _start(self):
        """A new Python process running gradingprocess.grading_process, spoken to over a socket pair with
        multiprocessing's Connection (a plain subprocess: Dask's worker processes are daemons, which
        multiprocessing does not let have children)."""
        from multiprocessing.connection import Connection
        # Its kernels' sockets go below its folder: in /tmp when TMPDIR is too long for them
        base = tempfile.gettempdir()
        if not sockets_fit(os.path.join(base, "conv1d-grader-12345678", "tmp")):
            base = "/tmp"
        self.folder = tempfile.mkdtemp(prefix="conv1d-grader-", dir=base)
        self.ready = False
        ours, theirs = socket.socketpair()
        # Its kernels' and judge's scratch folders go inside its own (TMPDIR), so deleting that folder
        # after a kill (an overrun) leaves nothing behind.
        os.mkdir(os.path.join(self.folder, "tmp"), 0o700)
        env = dict(os.environ, TMPDIR=os.path.join(self.folder, "tmp"),
                   PYTHONPATH=os.pathsep.join([str(CODE.parent), *filter(None, [os.environ.get("PYTHONPATH")])]))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY,
             str(theirs.fileno()), self.folder, str(os.getpid())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env, cwd=self.folder)
        theirs.close()
        self.conn = Connection(ours.detach())

    def _replace(self):
        self._stop()
        self._start()

    def _stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.conn.close()
            remove_tree(self.folder)
            self.proc = None

    def _wait_ready(self):
        """Wait for the process's imports (up to STARTUP seconds); False when it died or hung."""
        if self.conn.poll(STARTUP):
            return self.conn.recv() == "ready"
        return False

    def grade(self, task: Task) -> Graded:
        """Grade `task` in this process: its Graded, or a failed Result when the process overran the
        task's timeout (counted from when the process is ready), died or could not start."""
        fail = None
        try:
            if not self.ready and not self._wait_ready():
                fail = Result(task.assignment, task.student, ok=False,
                              error=f"the grading process did not start (exit {self.proc.returncode})")
                self._replace()
                return Graded(fail)
            self.ready = True
            start = time.monotonic()
            self.conn.send(task)
            while True:
                if self.conn.poll(0.5):
                    return self.conn.recv()
                if self.proc.poll() is not None:
                    fail = Result(task.assignment, task.student, ok=False,
                                  error=f"the grading process died (exit {self.proc.returncode})")
                    break
                if time.monotonic() - start > task.timeout:
                    fail = Result(task.assignment, task.student, ok=False, timeouts=1,
                                  error=f"grading took more than {task.timeout:g} s; stopped")
                    break
        except (EOFError, OSError) as e:
            fail = Result(task.assignment, task.student, ok=False, error=f"the grading process died ({e})")
        fail.seconds = time.monotonic() - start if self.ready else 0.0
        self._replace()
        return Graded(fail)

    def ask_to_end(self):
        try:
            self.conn.send(None)
        except OSError:
            pass

    def close(self):
        """End the process: asked (ask_to_end), given 10 s to stop its kernels, then killed."""
        self.ask_to_end()
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        self._stop()


# ----------------------------------------------------------------------------- on the Dask worker
_AHEAD = []      # grading processes started before this process's local cluster (start_ahead)
_AHEAD_LOCK = threading.Lock()


def start_ahead(n):
    """Start `n` grading processes now, for the workers of a local cluster in this process to take: they
    import Python's numerics and nbgrader while the command reads the class and starts the cluster."""
    with _AHEAD_LOCK:
        _AHEAD.extend(GradingProcess() for _ in range(n))


def drop_ahead():
    """Kill the grading processes started ahead that no worker took (they have graded nothing)."""
    with _AHEAD_LOCK:
        left = _AHEAD[:]
        del _AHEAD[:]
    for process in left:
        process._stop()


def _take_ahead(n):
    with _AHEAD_LOCK:
        taken = _AHEAD[:n]
        del _AHEAD[:n]
    return taken


class Graders:
    """The grading processes of one Dask worker: one per task running at once (a worker with
    --nthreads 4 grades four submissions side by side), started when it joins (GradingPlugin), or
    taken from those started ahead (start_ahead)."""

    def __init__(self, n=0):
        self.lock = threading.Lock()
        self.idle = _take_ahead(n)
        self.idle += [GradingProcess() for _ in range(n - len(self.idle))]
        self.all = list(self.idle)

    def take(self):
        with self.lock:
            if self.idle:
                return self.idle.pop()
            process = GradingProcess()
            self.all.append(process)
            return process

    def give_back(self, process):
        with self.lock:
            self.idle.append(process)

    def close(self):
        for process in self.all:
            process.ask_to_end()
        for process in self.all:
            process.close()


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:          # the grading process itself needs no Dask
    WorkerPlugin = object


class GradingPlugin(WorkerPlugin):
    """Starts a worker's grading processes when it joins (one per thread) and ends them when it leaves."""
    name = "conv1d-grading"

    def setup(self, worker):
        worker.conv1d_graders = Graders(worker.state.nthreads)

    def teardown(self, worker):
        graders = getattr(worker, "conv1d_graders", None)
        if graders is not None:
            graders.close()


def grade_task(task: Task) -> Graded:
    """The Dask task: grade one submission on this worker. Returns Graded (never raises for a
    submission's fault)."""
    from distributed import get_worker
    start = time.monotonic()
    host = platform.node()
    ours = grading_environment()
    if task.environment != ours:
        return Graded(Result(task.assignment, task.student, ok=False, host=host,
                             error=f"not graded: worker {host} differs from the grading command's machine "
                                   f"({differences(task.environment, ours)}); install the same course and "
                                   f"requirements on every worker"))
    worker = get_worker()
    graders = getattr(worker, "conv1d_graders", None)
    if graders is None:                  # a worker that joined before the plugin was registered
        graders = worker.conv1d_graders = Graders()
    process = graders.take()
    try:
        graded = process.grade(task)
    finally:
        graders.give_back(process)
    graded.result.host, graded.result.sandboxed = host, bwrap() is not None
    graded.result.seconds = graded.result.seconds or time.monotonic() - start
    return graded
