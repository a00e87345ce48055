"""The grading worker: one submission graded by nbgrader's own autograde, wherever a Dask worker runs.

A task (`Task`) carries everything a worker needs but the installed course code: the student's files,
the assignment's source folder (solutions/<assignment>/, the release the gradebook was made from), the
gradebook URL, nbgrader's options and the grading secret. The worker writes them into a scratch course
folder of its own and runs `nbgrader autograde ASSIGNMENT --student=ID --force` there, in a grading
process (`GradingProcess`, one per worker thread, long-lived so Python, nbgrader and torch are imported
once), and sends back a `Graded`: the `Result` (scores are in the gradebook), the autograded folder's
files, where it ran. No file system is shared with the client.

Faults stay with their submission: a grading process that overruns the task's timeout is killed and
replaced; one that dies is replaced; a grading process whose worker died (killed, a machine lost) ends
itself within a fraction of a second, so a task Dask gives to another worker is written once.
"""
import atexit
import contextlib
import hashlib
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import timing
from ..sandbox import intake
from ..sandbox.confine import SECRET_VARIABLE, bwrap, remove_tree, sockets_fit

TIMEOUT_ERRORS = {"CellTimeoutError"}        # a cell stopped by its time limit, in the kernel or the judge
CODE = Path(__file__).resolve().parents[1]          # the installed course code: autograder/
MAX_REPLY = 64 * 1024 ** 2                          # bytes of one submission's autograded files
STARTUP = 300.0                                     # seconds a grading process may take to import


@dataclass
class Result:
    """What grading one submission came to (its scores are in the gradebook)."""
    assignment: str
    student: str
    ok: bool = True
    seconds: float = 0.0
    error: str = ""
    timeouts: int = 0          # cells stopped by a time limit
    dead_kernel: bool = False  # the student's kernel or answer process died
    skipped: bool = False
    note: str = ""                              # what the grader did (a renamed notebook)
    manual: list = field(default_factory=list)  # manual grades cleared or kept (manual_grades())
    flags: list = field(default_factory=list)   # for the instructor to look at (judge's flags)
    spent: dict = field(default_factory=dict)   # seconds by part (autograder/timing.py)
    host: str = ""                              # the machine that graded it
    sandboxed: bool = True                      # bubblewrap confined the student's code there
    log: str = field(default="", repr=False)


@dataclass
class Task:
    """One submission to grade, with all it needs (files as (relative path, bytes))."""
    assignment: str
    student: str
    files: list                 # the submission folder's files (intake.read_folder)
    source: list                # solutions/<assignment>/'s files: the release the gradebook holds
    db_url: str
    digest: str                 # intake.digest_files of `files`
    last: str = None            # the digest when the grading command last graded it (None: never)
    extra: list = field(default_factory=list)     # nbgrader options (--ExecutePreprocessor.timeout=...)
    secret: str = ""            # the instructor's grading secret (confine.SECRET_VARIABLE)
    timeout: float = 900.0      # seconds for the whole submission
    environment: dict = field(default_factory=dict)   # the client's grading_environment()


@dataclass
class Graded:
    result: Result
    files: list = field(default_factory=list)     # autograded/<student>/<assignment>/'s files


# ----------------------------------------------------------------------------- what a worker must match
_ENVIRONMENT = {}


def grading_environment():
    """What must be the same on the client and every worker for grades to agree: a hash of the course
    code (autograder/**/*.py), Python's minor version and the releases of torch, NumPy and nbgrader (a
    local build label such as torch's '+cpu' aside: the CPU wheel and PyPI's compute alike on a CPU)."""
    if not _ENVIRONMENT:
        from importlib.metadata import version
        h = hashlib.sha256()
        for path in sorted(CODE.rglob("*.py")):
            h.update(str(path.relative_to(CODE)).encode() + b"\0" + path.read_bytes() + b"\0")
        _ENVIRONMENT.update({"course code": h.hexdigest()[:16], "python": ".".join(platform.python_version_tuple()[:2]),
                             **{name: version(name).split("+")[0] for name in ("torch", "numpy", "nbgrader")}})
    return dict(_ENVIRONMENT)


def differences(command, worker):
    """'torch: the command 2.13.0, the worker 2.12.0; ...' for what differs between two grading_environment()s."""
    return "; ".join(f"{k}: the command {command.get(k)}, the worker {worker.get(k)}"
                     for k in sorted(set(command) | set(worker)) if command.get(k) != worker.get(k))


# ----------------------------------------------------------------------------- files in, files out
def write_files(folder, files):
    """Write (relative path, bytes) pairs below `folder`, refusing a path that would leave it."""
    for rel, data in files:
        path = Path(folder) / safe_relative(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def safe_relative(rel):
    """`rel` if it is a plain relative path (no '..', no absolute path, no empty or hidden-parent part,
    at most intake.MAX_DEPTH deep), else ValueError."""
    parts = str(rel).split("/")
    if (not isinstance(rel, str) or not rel or len(parts) > intake.MAX_DEPTH + 1 or "\0" in rel
            or any(p in ("", ".", "..") for p in parts)):
        raise ValueError(f"not a plain relative path: {rel!r}")
    return rel


# ----------------------------------------------------------------------------- the grading process
def course_config(folder):
    """A course folder's nbgrader_config.py: the installed course's settings, sources in solutions/."""
    Path(folder, "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(CODE / 'nbgrader_config.py')!r})  # noqa: F821\n")


def outcome(root, assignment, student):
    """Timeouts, a dead kernel and the judge's flags, read from the autograded notebooks (which
    only nbgrader writes: the student's code runs in a scratch folder of its own)."""
    import nbformat
    timeouts, dead, flags = 0, False, []
    for path in (Path(root) / "autograded" / student / assignment).glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        flags += [str(f) for f in nb.metadata.get("conv1d", {}).get("flags", [])]
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    name, value = out.get("ename"), out.get("evalue", "")
                    timeouts += name in TIMEOUT_ERRORS
                    dead |= name == "KernelDied" or (name == "NotRun" and "kernel died" in value) or (
                        name == "AnswerStopped" and "process" in value)
    return timeouts, dead, flags


def manual_grades(db_url, assignment, student):
    """{grade cell: manual score} a grader gave this submission (formgrader), from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return {}
        return {g.name: g.manual_score for nb in sub.notebooks for g in nb.grades if g.manual_score is not None}


def settle_manual_grades(db_url, assignment, student, before, changed):
    """The course's policy for manual grades when a submission is graded again (README, "Manual
    grades"): a manual grade was given to the submission as it was then. When the student's files
    have changed since, it is cleared (the new answer gets the autograder's score) and reported;
    when they have not (--force, or a changed assignment), it is kept and reported. Returns the
    report lines."""
    if not before:
        return []
    if not changed:
        return [f"kept manual grade {cell} = {score:g}" for cell, score in sorted(before.items())]
    from nbgrader.api import Gradebook, MissingEntry
    lines = []
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return []
        for nb in sub.notebooks:
            for g in nb.grades:
                if g.name in before:
                    g.manual_score = None
                    lines.append(f"cleared manual grade {g.name} = {before[g.name]:g} (resubmitted; "
                                 f"autograde now gives {g.auto_score or 0:g})")
        gb.db.commit()
    return sorted(lines)


def failure_reason(result):
    """One line saying why nbgrader could not grade a submission, from capture_log's result: a refused
    submission's reason (autograder/sandbox/intake.py), else the last exception nbgrader logged, else
    how the application ended."""
    lines = [line.strip() for text in (result.get("log"), result.get("error")) for line in (text or "").splitlines()]
    refused = [line.split("Rejected: ", 1)[1] for line in lines if "intake.Rejected: " in line]
    if refused:
        return "submission refused: " + refused[-1]
    raised = [line.split(":", 1)[0].rsplit(".", 1)[-1] + ":" + line.split(":", 1)[1] for line in lines
              if re.match(r"^[\w.]+(Error|Exception)\b[^:]*: ", line) and "Please see the" not in line]
    return raised[-1] if raised else (lines[-1] if lines else "nbgrader autograde failed")


def grade_one(root, assignment, student, extra, db_url, last, before):
    """nbgrader's own autograde for one student of the course at `root`, in this process. `last` and
    `before`: the digests of the files when last graded here and now (a changed submission's manual
    grades are cleared)."""
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.utils import capture_log
    start = time.monotonic()
    manual = manual_grades(db_url, assignment, student)
    app = AutogradeApp()
    try:
        app.initialize([assignment, f"--student={student}", "--force", "--log-level=WARN",
                        f"--CourseDirectory.db_url={db_url}", *extra])
        result = capture_log(app)
    finally:
        app.reset()
    r = Result(assignment, student, ok=bool(result.get("success")), seconds=time.monotonic() - start,
               error="" if result.get("success") else failure_reason(result), log=(result.get("log") or "")[-4000:])
    if r.ok:
        r.timeouts, r.dead_kernel, r.flags = outcome(root, assignment, student)
        # graded by hand, then changed: before it was first graded here (no digest), any manual grade
        # counts as given to an earlier version only if the files differ from what nbgrader last saw
        r.manual = settle_manual_grades(db_url, assignment, student, manual, changed=last is not None and last != before)
    return r


def serialize_sqlite_writers(busy_timeout_s=300):
    """Make nbgrader's SQLite connections in this process start every transaction with BEGIN
    IMMEDIATE and wait up to `busy_timeout_s` for the lock. Two writers can then never deadlock
    upgrading read locks (SQLite's immediate "database is locked"); they take turns."""
    import nbgrader.api
    from sqlalchemy import event

    create = nbgrader.api.create_engine

    def create_engine(url, *args, **kwargs):
        engine = create(url, *args, **kwargs)
        if engine.dialect.name == "sqlite":
            @event.listens_for(engine, "connect")
            def connect(dbapi_connection, record):
                dbapi_connection.isolation_level = None          # SQLAlchemy's begin event opens them
                dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")

            @event.listens_for(engine, "begin")
            def begin(connection):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        return engine

    nbgrader.api.create_engine = create_engine


_ENDING = threading.RLock()      # a signal may arrive in the thread that is ending it


def _end(folder, code):
    """End this grading process: its kernels and judge stopped (the exit handlers: the kernel started
    ahead, the zygote), its folder deleted (it holds the assignment's hidden tests), then os._exit. One
    ending at a time: the loop's and the parent watch's must not cut each other's deletion short.
    (Python's own exit would wait a second for jupyter_client's lingering ZeroMQ sockets.)"""
    with _ENDING:
        with contextlib.suppress(Exception):      # a student's kernel still writing in the folder: stopped
            import psutil
            for child in psutil.Process().children(recursive=True):
                child.kill()
        atexit._run_exitfuncs()
        for _ in range(5):
            if remove_tree(folder):
                break
            time.sleep(0.05)
        os._exit(code)


def _end_with_parent(parent, folder):
    """A thread that ends this process once its parent is gone: a killed worker's grading process must
    not go on writing grades for a task that is given to another, nor leave its folder behind."""
    def watch():
        while os.getppid() == parent:
            time.sleep(0.1)
        _end(folder, 70)
    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()


def grading_process(conn, root, parent):
    """The loop of a grading process: a Task in, a Graded out, until None or EOF."""
    _end_with_parent(parent, root)
    # Ctrl-C or SLURM's signal to the worker's process group reaches this process too: end cleanly
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: _end(root, 70))
    os.chdir(root)
    # The kernels' own chatter ("Kernel is running over TCP ...") is not the grader's news: what
    # nbgrader logs is captured per student (capture_log) and reported in the summary.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    serialize_sqlite_writers()
    import nbgrader.apps.autogradeapp  # noqa: F401  (imported before the first student's clock starts)
    course_config(root)
    conn.send("ready")
    sources = {}                       # assignment -> the source files written for it
    while True:
        try:
            task = conn.recv()
        except EOFError:
            task = None
        if task is None:     # asked to end, or the worker is gone (EOF): nothing of its folder may stay
            _end(root, 0)
        timing.SPENT.clear()
        try:
            with timing.part("submission"):
                if sources.get(task.assignment) != task.source:
                    remove_tree(os.path.join(root, "solutions", task.assignment))
                    write_files(os.path.join(root, "solutions", task.assignment), task.source)
                    sources[task.assignment] = task.source
                folder = os.path.join(root, "submitted", task.student, task.assignment)
                write_files(folder, task.files)
                os.environ[SECRET_VARIABLE] = task.secret
                r = grade_one(root, task.assignment, task.student, task.extra, task.db_url, task.last, task.digest)
                files = autograded_files(root, task) if r.ok else []
        except BaseException as e:        # never lose the process over one student
            r, files = Result(task.assignment, task.student, ok=False, error=f"{type(e).__name__}: {e}"), []
        finally:
            remove_tree(os.path.join(root, "submitted", task.student))
            remove_tree(os.path.join(root, "autograded", task.student))
        r.spent = dict(timing.SPENT)
        conn.send(Graded(r, files))


def autograded_files(root, task):
    """The autograded folder's files as (relative path, bytes), within intake's limits, MAX_REPLY in all
    (the submission's files, the assignment's other files, the notebook with its outputs)."""
    return intake.read_folder(os.path.join(root, "autograded", task.student, task.assignment), MAX_REPLY)


def main():
    """The grading process's entry: python -c '...main()' FD FOLDER PARENT_PID (GradingProcess)."""
    from multiprocessing.connection import Connection
    fd, folder, parent = sys.argv[1:4]
    grading_process(Connection(int(fd)), folder, int(parent))


class GradingProcess:
    """A long-lived grading process (grading_process) with its own course folder; `grade` runs one
    task in it within the task's timeout, killing and replacing the process when it overruns or dies."""

    def __init__(self):
        self.proc = None
        self._start()

    def _start(self):
        """A new Python process running grading_process, spoken to over a socket pair with
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
            [sys.executable, "-c", "from autograder.classroom.worker import main; main()",
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

    def grade(self, task):
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


def grade_task(task):
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
