"""Runs in the grade command's process (the Dask client): a cluster to grade on, tasks out, results back in.

The grading command's side of Dask. `connect` gives a Dask client: by default on a local cluster (one
worker per job, each a thread of this process whose grading runs in processes of its own:
autograder/classroom/worker.py, autograder/classroom/gradingprocess.py), or on an existing
cluster (`--scheduler tcp://host:8786`: `dask scheduler` and `dask worker` on a department's machines,
dask-jobqueue on SLURM, dask-kubernetes). `grade` feeds it one submission per task, a few more than it has
threads at a time (so memory holds a window of submissions, not a class), and hands each result to the
caller exactly once, in the order they finish; `store` writes a result's autograded files at the course
root. The only things that cross between the command and the workers are the tasks and their results:
no shared file system.
"""
import contextlib
import logging
import os
import tempfile
import uuid
from pathlib import Path

from ..limits import MAX_GRADED
from ..sandbox import intake
from ..sandbox.confine import remove_tree
from .digests import DIGEST, record
from .tasks import Graded, Result, Task, write_files
from .worker import GradingPlugin, grade_task


@contextlib.contextmanager
def connect(scheduler=None, jobs=1):
    """A Dask client, and whether its cluster is local: without `scheduler`, a LocalCluster of `jobs`
    workers of one thread each, in this process, listening on 127.0.0.1 only (its dashboard on a free
    port), its scratch space deleted at the end."""
    import dask
    from distributed import Client, LocalCluster
    scratch = tempfile.mkdtemp(prefix="conv1d-dask-")
    cluster = None
    try:
        with dask.config.set({"temporary-directory": scratch}):
            if scheduler:
                try:
                    client = Client(scheduler, timeout="30s")
                except (OSError, TimeoutError) as e:
                    raise SystemExit(f"no Dask scheduler answers at {scheduler}: {e}") from None
                try:
                    check_cluster(client, client.scheduler.address)
                except BaseException:
                    client.close()
                    raise
            else:
                cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=False,
                                       silence_logs=logging.ERROR, dashboard_address="127.0.0.1:0",
                                       worker_dashboard_address="127.0.0.1:0")
                client = Client(cluster)
            try:
                client.register_plugin(GradingPlugin())
                yield client, cluster is not None
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    finally:
        remove_tree(scratch)


def check_cluster(client, address):
    """SystemExit, saying what to do, when the scheduler or a worker cannot import the course's code:
    Dask's scheduler unpickles every task, and a worker runs it (README, "Grading on a cluster")."""
    def course_importable():              # sent by value (a nested function): plain Python on the other side
        import importlib.util
        try:
            return importlib.util.find_spec("autograder.classroom.worker") is not None
        except ImportError:
            return False
    def fix(role):
        return (f"start it from the course's venv with the course on PYTHONPATH, e.g. `PYTHONPATH=/srv/conv1d "
                f".venv/bin/dask {role} ...` (README, 'Grading on a cluster')")
    if not client.run_on_scheduler(course_importable):
        raise SystemExit(f"the Dask scheduler at {address} cannot import this course's code (autograder): "
                         + fix("scheduler"))
    lacking = sorted(w for w, ok in client.run(course_importable).items() if not ok)
    if lacking:
        raise SystemExit(f"Dask worker(s) {', '.join(lacking)} cannot import this course's code (autograder): "
                         + fix("worker"))


def dashboard(client, local):
    """The dashboard's address when one runs (it needs bokeh), else ''. A local cluster's listens on
    127.0.0.1 only."""
    try:
        port = client.scheduler_info().get("services", {}).get("dashboard")
    except Exception:           # a scheduler too busy to say
        return ""
    return "" if not port else f"http://127.0.0.1:{port}/status" if local else client.dashboard_link


def failed(task, future):
    """A Result for a task Dask could not run (an error, or cancelled: the scheduler gone), saying why."""
    try:
        exc = future.exception()
    except Exception as e:             # a cancelled future has no exception to give: that is the reason
        exc = e
    name = type(exc).__name__
    if name == "KilledWorker":
        why = ("the Dask workers grading it died each time it was tried (distributed.scheduler.allowed-failures); "
               "look at the workers' logs")
    else:
        why = f"{name}: {exc}"
    return Result(task.assignment, task.student, ok=False, error=why)


def grade(client, tasks, on_result, window=None):
    """Submit `tasks` (an iterable of tasks.Task, or of Result for a submission refused before it was
    sent) and call on_result(task, Graded) once for each, as they finish. At most `window` tasks are
    out at a time (default: twice the cluster's threads at that moment, at least 4), so memory holds a
    window of the class, never all of it."""
    from distributed import as_completed
    tasks = iter(tasks)
    out = {}          # Dask key -> task; keys unique per task, never made of ids ("hw1" + "x-y" = "hw1-x" + "y")

    def send(n):
        while n > 0:
            task = next(tasks, None)
            if task is None:
                return
            if isinstance(task, Result):
                on_result(task, Graded(task))
                continue
            n -= 1
            future = client.submit(grade_task, task, pure=False, retries=0, key=f"grade-{uuid.uuid4().hex}")
            out[future.key] = task
            pending.add(future)

    def room():      # workers may join while it runs (dask-jobqueue, Kubernetes): counted each time
        return (window or max(4, 2 * sum(client.nthreads().values()))) - len(out)

    pending = as_completed([])
    send(room())
    while out:
        future = next(pending)
        task = out.pop(future.key)
        if future.status == "finished":
            graded = future.result()
        else:
            graded = Graded(failed(task, future))
        future.release()
        on_result(task, graded)
        send(room())


def store(root, task, graded, version):
    """Put a graded submission at the course root: autograded/<student>/<assignment>/ replaced by the
    worker's files and the digest of what was graded (tasks.Task.digest, the assignment's gradebook
    fingerprint: digests.record), so a re-run knows it is up to date. A submission that was not graded loses
    its old autograded folder, as with nbgrader. The reply is data: its paths must be plain
    (tasks.safe_relative), its contents bytes, within intake's file count and limits.MAX_GRADED; one that is
    not is refused and the submission counts as not graded, saying why. Never raises for a bad reply."""
    dest = Path(root) / "autograded" / task.student / task.assignment
    dest.parent.mkdir(parents=True, exist_ok=True)
    new = None
    if graded.result.ok:
        new = Path(os.path.realpath(dest.parent)) / f".{task.assignment}.new-{uuid.uuid4().hex[:8]}"
        new.mkdir()
        try:
            files = list(graded.files)
            if (len(files) > 2 * intake.MAX_FILES or any(not isinstance(f, tuple) or len(f) != 2 or
                                                         not isinstance(f[0], str) or not isinstance(f[1], bytes)
                                                         for f in files)
                    or sum(len(data) for _, data in files) > MAX_GRADED):
                raise ValueError("not a list of at most "
                                 f"{2 * intake.MAX_FILES} (path, bytes) pairs of {MAX_GRADED // 1024 ** 2} MiB in all")
            # the digest is this command's to write: a submission's file or folder of that name is dropped
            write_files(new, [(rel, data) for rel, data in files if rel.split("/")[0] != DIGEST])
            write_files(new, [(DIGEST, record(task.digest, version))])
        except Exception as e:                   # a reply that cannot be written is the submission's failure
            remove_tree(new)
            graded.result.ok, graded.result.error = False, f"the worker's autograded files were refused: {e}"
            new = None
    old = dest.parent / f".{task.assignment}.old-{uuid.uuid4().hex[:8]}"
    if os.path.lexists(dest):
        os.rename(dest, old)
    if new is not None:
        os.rename(new, dest)
    remove_tree(old)


def read_task(root, assignment, student, **fields):
    """The Task for a submission at the course root (its files read within intake's limits), or the
    Result of a submission refused there (a link, a FIFO, too big)."""
    folder = Path(root) / "submitted" / student / assignment
    try:
        files = intake.read_folder(folder)
        return Task(assignment, student, files, digest=intake.digest_files(student, assignment, files), **fields)
    except (intake.Rejected, OSError, ValueError) as e:
        return Result(assignment, student, ok=False, error=f"submission refused: {e}")
