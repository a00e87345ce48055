"""Runs in the grading process (one per Dask worker thread, started by worker.GradingProcess): nbgrader autograde.

One submission at a time through nbgrader's own autograde.

The grading process is a plain Python started as `python -c 'from autograder.classroom.gradingprocess
import main; main()' FD FOLDER PARENT_PID`. It speaks with its worker (worker.GradingProcess) over a
socket pair with multiprocessing's Connection (FD), which carries, pickled, only these: out, the str
`"ready"` once nbgrader is imported; then in, a `Task` (or None: end), and out, its `Graded`
(autograder/classroom/tasks.py), until None or EOF. Its scratch course folder (FOLDER, its working
folder; TMPDIR is FOLDER/tmp) gets the installed course's settings, the assignment's source files and
the student's files; it runs `nbgrader autograde ASSIGNMENT --student=ID --force` there, in this process
(AutogradeApp), which starts the student's sandboxed kernel and the judge (the preprocessors of
autograder/nbgrader_config.py), and sends back the autograded folder's files. Nothing of the submission
stays in the folder between tasks.

It ends itself, its kernels and judge stopped and its folder deleted, when asked (None), when its worker
is gone (EOF, or its parent pid changes: a killed worker's grading process must not go on writing grades
for a task Dask gives to another worker) and on SIGTERM, SIGINT or SIGHUP.
"""
import contextlib
import os
import re
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from .. import compat, timing
from ..limits import MAX_GRADED
from ..preprocessors.cells import answer_process_ended, kernel_died_earlier
from ..sandbox import intake
from ..sandbox.confine import SECRET_VARIABLE, remove_tree
from .courseroot import write_config
from .tasks import Graded, Result, Task, write_files

TIMEOUT_ERRORS = {"CellTimeoutError"}        # a cell stopped by its time limit, in the kernel or the judge


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
                    dead |= (name == "KernelDied" or kernel_died_earlier(name, value)
                             or answer_process_ended(name, value))
    return timeouts, dead, flags


def manual_grades(db_url, assignment, student):
    """What graders gave this submission by hand (formgrader), from the gradebook: ({grade cell: manual
    score}, {answer or task cell: manual comment}) (a blank comment too: it hides the autograder's)."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return {}, {}
        return ({g.name: g.manual_score for nb in sub.notebooks for g in nb.grades if g.manual_score is not None},
                {c.name: c.manual_comment for nb in sub.notebooks for c in nb.comments if c.manual_comment is not None})


def settle_manual_grades(db_url, assignment, student, before, changed):
    """The course's policy for manual grades and comments when a submission is graded again (README,
    "Manual grades"): a grader's score or comment was given to the submission as it was then. When the
    student's files have changed since, every manual grade and comment is cleared (the new answer gets
    the autograder's score, the new feedback no old remark) and reported; when they have not (--force,
    or a changed assignment), they are kept and reported. `before`: manual_grades() from before this
    grading. Returns the report lines, one per grade or comment (blank comments are cleared unsaid):
    "cleared ..." or "kept ..."."""
    grades, comments = before
    if not grades and not comments:
        return []
    if not changed:
        return sorted([f"kept manual grade {cell} = {score:g}" for cell, score in grades.items()]
                      + [f"kept manual comment on {cell}" for cell, text in comments.items() if text.strip()])
    from nbgrader.api import Gradebook, MissingEntry
    lines = []
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return []
        for nb in sub.notebooks:
            for g in nb.grades:
                if g.name in grades:
                    g.manual_score = None
                    lines.append(f"cleared manual grade {g.name} = {grades[g.name]:g} (resubmitted; "
                                 f"autograde now gives {g.auto_score or 0:g})")
            for c in nb.comments:
                if c.name in comments:
                    c.manual_comment = None
                    if comments[c.name].strip():
                        lines.append(f"cleared manual comment on {c.name} (resubmitted)")
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
    grades and comments are cleared)."""
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
        changed = last is not None and last != before
        r.manual = settle_manual_grades(db_url, assignment, student, manual, changed=changed)
    return r


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
        compat.run_exit_handlers()
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


def grading_process(conn: Connection, root: str, parent: int):
    """The loop of a grading process: "ready", then a Task in, a Graded out, until None or EOF."""
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
    compat.serialize_sqlite_writers()      # the grading processes of a machine share a SQLite gradebook
    import nbgrader.apps.autogradeapp  # noqa: F401  (imported before the first student's clock starts)
    write_config(root)
    conn.send("ready")
    sources = {}                       # assignment -> the source files written for it
    while True:
        try:
            task: Task | None = conn.recv()
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


def autograded_files(root, task) -> list[tuple[str, bytes]]:
    """The autograded folder's files as (relative path, bytes), within intake's limits, MAX_GRADED in all
    (the submission's files, the assignment's other files, the notebook with its outputs)."""
    return intake.read_folder(os.path.join(root, "autograded", task.student, task.assignment), MAX_GRADED)


def main():
    """The grading process's entry: python -c '...main()' FD FOLDER PARENT_PID (worker.GradingProcess)."""
    fd, folder, parent = sys.argv[1:4]
    grading_process(Connection(int(fd)), folder, int(parent))
