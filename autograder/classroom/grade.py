"""Grade a whole class in parallel: `python -m autograder grade ASSIGNMENT... --jobs N` (or `make grade`).

Every submission goes through nbgrader's own autograde (the `nbgrader autograde ASSIGNMENT
--student=ID --force` application, run in a long-lived worker process so that Python, nbgrader and
torch are imported once per worker, not once per student). What this adds:

- N worker processes (default: one per core), a progress bar with ETA (tqdm), then a summary per notebook
  (mean, median, full and zero scores, errors and timeouts) and nbgrader's CSV export (grades.csv).
- A failure in one student's grading (timeout, crash, dead kernel, a worker killed) is reported in
  the summary and never stops the others. A submission that runs past --submission-timeout has its
  worker killed and replaced.
- A re-run grades only what is missing or changed (the submission's files hash differently from
  the last grading), unless --force.
- The gradebook stays consistent under parallel writers: with SQLite, each worker's connections
  begin every transaction with BEGIN IMMEDIATE and wait (busy timeout) instead of failing with
  "database is locked"; PostgreSQL (nbgrader's db_url, --db-url) needs nothing.
- Several machines: each runs the same command with --share i/k and takes every k-th student
  (sorted ids), all against one PostgreSQL gradebook and shared submitted/ and autograded/ folders.
"""
import argparse
import collections
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import nbformat

from .. import timing
from ..sandbox import intake
from ..sandbox.confine import NO_SECRET, SECRET_VARIABLE, sandbox_status

DIGEST = ".conv1d-graded-sha256"      # in autograded/<student>/<assignment>/: what was graded
TIMEOUT_ERRORS = {"CellTimeoutError", "AnswerStopped"}


@dataclass
class Result:
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
    log: str = field(default="", repr=False)


# ----------------------------------------------------------------------------- which submissions
def course_db_url(root):
    """The gradebook URL nbgrader uses at this course root (its nbgrader_config.py, else the default)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config() \
        if (Path(root) / "nbgrader_config.py").exists() else None
    return CourseDirectory(config=config, root=str(root)).db_url


def submitted(root, assignment):
    """Student ids with a submission of `assignment` in submitted/, sorted."""
    base = Path(root) / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())


def find_notebook(folder, assignment):
    """(note, refusal) for a submission folder whose notebook may have been renamed. The assignment's
    notebook is <assignment>.ipynb; when it is missing and exactly one notebook's name contains the
    assignment id (`Copy of X.ipynb`, `X-Copy1.ipynb`, `X (1).ipynb`, `X-1.ipynb`, an LMS's
    `name_123_X.ipynb`), that one is renamed to it, and the note says so. Otherwise the refusal says why."""
    want = f"{assignment}.ipynb"
    try:
        intake.check_folder(folder)
    except intake.Rejected:
        return "", ""           # nbgrader's own guard refuses it, with the reason
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".ipynb"))
    if want in names:
        return "", ""
    like = [n for n in names if assignment.lower() in n.lower().replace("-", "_").replace(" ", "_")]
    if len(like) == 1:
        os.rename(os.path.join(folder, like[0]), os.path.join(folder, want))
        return f"graded {like[0]!r} as {want}", ""
    if like:
        return "", f"not graded: several notebooks could be {want}: {', '.join(like)}"
    return "", (f"not graded: no notebook named like {want}" + (f" (found {', '.join(names)})" if names else ""))


def digest(folder):
    """A hash of a submission's files (autograder/sandbox/intake.py: links and special files are
    never followed); a refused submission hashes to its reason, so it is graded (and refused) again."""
    try:
        return intake.digest(folder)
    except (intake.Rejected, OSError) as e:
        return f"refused: {e}"


def last_graded(root, assignment, student):
    """(submission digest, assignment fingerprint) when this submission was last graded by this
    command (DIGEST beside the autograded notebook), or (None, None)."""
    try:
        lines = intake.read_file(Path(root) / "autograded" / student / assignment / DIGEST, 1000).decode().splitlines()
    except (OSError, intake.Rejected, UnicodeDecodeError):
        return None, None
    return (lines + [None, None])[0], (lines + [None, None])[1]


def todo(root, assignment, students, db_url, force):
    """(to grade, up to date): a submission is up to date when the gradebook has it, its files hash
    as they did when it was last graded, and its assignment (points, tests) is the one it was graded
    under (autograder/classroom/gradebook.py: fingerprint)."""
    if force:
        return list(students), []
    from .gradebook import fingerprint
    known = set(scores(db_url, assignment))
    version = fingerprint(db_url, assignment)
    grade, fresh = [], []
    for s in students:
        last, graded_under = last_graded(root, assignment, s)
        now = digest(Path(root) / "submitted" / s / assignment)
        same = last == now and graded_under == version and not now.startswith("refused")
        (fresh if same and s in known else grade).append(s)
    return grade, fresh


# ----------------------------------------------------------------------------- SQLite under parallel writers
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


# ----------------------------------------------------------------------------- one worker
def outcome(root, assignment, student):
    """Timeouts, a dead kernel and the judge's flags, read from the autograded notebooks (which
    only nbgrader writes: the student's code runs in a scratch folder of its own)."""
    timeouts, dead, flags = 0, False, []
    for path in (Path(root) / "autograded" / student / assignment).glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        flags += [str(f) for f in nb.metadata.get("conv1d", {}).get("flags", [])]
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    name, value = out.get("ename"), out.get("evalue", "")
                    timeouts += name in TIMEOUT_ERRORS and "time" in value
                    dead |= name in ("KernelDied", "NotRun") or (name == "AnswerStopped" and "process" in value)
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


def grade_one(root, assignment, student, extra, db_url=None):
    """nbgrader's own autograde for one student, in this process."""
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.utils import capture_log
    from .gradebook import fingerprint
    start = time.monotonic()
    source = Path(root) / "submitted" / student / assignment
    before = digest(source)
    db_url = db_url or course_db_url(root)
    last, _ = last_graded(root, assignment, student)
    manual = manual_grades(db_url, assignment, student)
    app = AutogradeApp()
    try:
        app.initialize([assignment, f"--student={student}", "--force", "--log-level=WARN", *extra])
        result = capture_log(app)
    finally:
        app.reset()
    r = Result(assignment, student, ok=bool(result.get("success")), seconds=time.monotonic() - start,
               error="" if result.get("success") else failure_reason(result), log=(result.get("log") or "")[-4000:])
    if r.ok:
        r.timeouts, r.dead_kernel, r.flags = outcome(root, assignment, student)
        # graded by hand, then changed: before it was first graded here (no DIGEST), any manual grade
        # counts as given to an earlier version only if the files differ from what nbgrader last saw
        r.manual = settle_manual_grades(db_url, assignment, student, manual, changed=last is not None and last != before)
        (Path(root) / "autograded" / student / assignment / DIGEST).write_text(
            f"{before}\n{fingerprint(db_url, assignment)}\n")
    return r


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


def worker(conn, root, extra, db_url=None):
    os.chdir(root)
    # The kernels' own chatter ("Kernel is running over TCP ...") is not the grader's news: what
    # nbgrader logs is captured per student (capture_log) and reported in the summary.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    serialize_sqlite_writers()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        assignment, student = task
        timing.SPENT.clear()
        try:
            with timing.part("submission"):
                r = grade_one(root, assignment, student, extra, db_url)
        except BaseException as e:        # never lose the worker over one student
            r = Result(assignment, student, ok=False, error=f"{type(e).__name__}: {e}")
        r.spent = dict(timing.SPENT)
        conn.send(r)


class Pool:
    """N worker processes fed one (assignment, student) at a time; a worker that overruns is killed
    and replaced."""

    def __init__(self, jobs, root, extra, timeout, db_url=None):
        self.ctx = multiprocessing.get_context("spawn")
        self.args = (str(root), list(extra), db_url)
        self.timeout = timeout
        self.workers = [self._start() for _ in range(jobs)]

    def _start(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=worker, args=(child, *self.args), daemon=True)
        proc.start()
        child.close()
        return {"proc": proc, "conn": parent, "task": None, "since": 0.0}

    def run(self, tasks, on_result):
        queue = list(tasks)
        busy = lambda: [w for w in self.workers if w["task"] is not None]   # noqa: E731
        while queue or busy():
            for w in self.workers:
                if w["task"] is None and queue:
                    w["task"], w["since"] = queue.pop(0), time.monotonic()
                    w["conn"].send(w["task"])
            ready = wait([w["conn"] for w in busy()], timeout=1.0)
            for w in busy():
                task, took = w["task"], time.monotonic() - w["since"]
                if w["conn"] in ready:
                    try:
                        r = w["conn"].recv()
                    except (EOFError, OSError):
                        r = Result(*task, ok=False, error="the grading worker died")
                        self._replace(w)
                elif not w["proc"].is_alive():
                    r = Result(*task, ok=False, error=f"the grading worker died (exit {w['proc'].exitcode})")
                    self._replace(w)
                elif took > self.timeout:
                    r = Result(*task, ok=False, timeouts=1,
                               error=f"grading took more than {self.timeout:g} s; stopped")
                    self._replace(w)
                else:
                    continue
                r.seconds = r.seconds or took      # measured before a replaced worker resets `since`
                w["task"] = None
                on_result(r)

    def _replace(self, w):
        w["proc"].kill()
        w["proc"].join()
        w.update(self._start())

    def close(self):
        for w in self.workers:
            try:
                w["conn"].send(None)
            except OSError:
                pass
        for w in self.workers:
            w["proc"].join(timeout=10)
            if w["proc"].is_alive():
                w["proc"].kill()


# ----------------------------------------------------------------------------- progress and summary
def progress_bar(total, stream=sys.stderr):
    """tqdm's bar over `total` submissions, with the elapsed time and the ETA; see on_result."""
    from tqdm import tqdm
    return tqdm(total=total, file=stream, dynamic_ncols=True, mininterval=0.5,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} submissions [{elapsed}, ETA {remaining}]{postfix}")


def on_result(bar, r):
    """Move the bar on by one graded submission; a problem (not graded, a timeout, a dead kernel) also
    gets a line of its own above the bar."""
    if not (r.ok and not r.timeouts and not r.dead_kernel):
        bar.write(f"PROBLEM {r.assignment}/{r.student}: {r.error or 'a time limit or a dead kernel'} "
                  f"({r.seconds:.1f} s)", file=bar.fp)
    bar.set_postfix_str(f"{r.assignment}/{r.student}", refresh=False)
    bar.update(1)


def scores(db_url, assignment):
    """{student: (score including extra credit, max score)} from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry
    out = {}
    with Gradebook(db_url) as gb:
        try:
            subs = gb.assignment_submissions(assignment)
        except MissingEntry:
            return out
        for sub in subs:
            out[sub.student.id] = (sub.score, sub.max_score)
    return out


def summary(assignment, results, table):
    """Printable lines: per notebook (one per assignment here) score statistics and problems."""
    values = [s for s, _ in table.values()]
    best = max((m for _, m in table.values()), default=0)
    errors = [r for r in results if not r.ok or r.dead_kernel]
    timeouts = [r for r in results if r.timeouts]
    failed = [r for r in results if not r.ok]
    lines = [f"{assignment}: {len(table)} graded"
             + (f" ({sum(r.ok and not r.skipped for r in results)} in this run, {sum(r.skipped for r in results)} "
                "unchanged since an earlier run)" if any(r.skipped for r in results) else "")
             + (f", {len(failed)} NOT graded (left out of the statistics, listed below)" if failed else "")]
    if values:
        lines.append(f"  score out of {best:g}: mean {statistics.mean(values):.2f}, median {statistics.median(values):g}, "
                     f"full {sum(v >= best for v in values)}, zero {sum(v == 0 for v in values)}")
    lines.append(f"  errors {len(errors)}, timeouts {len(timeouts)}")
    for r in errors + [r for r in timeouts if r not in errors]:
        why = r.error or ("the student's code ended its process (crash, exit or memory)" if r.dead_kernel
                          else f"{r.timeouts} cell(s) hit a time limit")
        lines.append(f"    {r.student}: {why}")
    renamed = [r for r in results if r.note]
    if renamed:
        lines.append(f"  renamed {len(renamed)}")
        lines += [f"    {r.student}: {r.note}" for r in renamed]
    manual = [r for r in results if r.manual]
    if manual:
        cleared = sum(any(m.startswith("cleared") for m in r.manual) for r in manual)
        lines.append(f"  manual grades: cleared for {cleared} resubmitted, kept for {len(manual) - cleared}")
        lines += [f"    {r.student}: {m}" for r in manual for m in r.manual]
    flagged = [r for r in results if r.flags]
    if flagged:
        lines.append(f"  flagged for review {len(flagged)} (see flags.csv)")
        lines += [f"    {r.student}: {r.flags[0]}" + (f" (+{len(r.flags) - 1} more)" if len(r.flags) > 1 else "")
                  for r in flagged]
    return lines


def write_flags(root, results):
    """flags.csv at the course root: assignment, student, flag (one row per flag), sorted. The rows of
    the submissions graded in this run are replaced; every other row (other notebooks, submissions
    that did not change) stays as an earlier run wrote it."""
    import csv
    path = Path(root) / "flags.csv"
    graded = {(r.assignment, r.student) for r in results if not r.skipped}
    rows = []
    if path.exists():
        with open(path, newline="") as f:
            rows = [row for row in list(csv.reader(f))[1:] if len(row) == 3 and tuple(row[:2]) not in graded]
    rows += [[r.assignment, r.student, flag] for r in results if not r.skipped for flag in r.flags]
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["assignment", "student", "flag"])
        out.writerows(sorted(rows))


# ----------------------------------------------------------------------------- the command
def run(assignments, root=".", jobs=None, force=False, share=None, db_url=None, timeout=900.0, extra=(),
        export=True, progress=True, feedback_hint=True):
    """Grade `assignments` (ids); returns (results, wall seconds). One pool serves every assignment.
    feedback_hint: end by saying that nbgrader generate_feedback writes the students' feedback."""
    root = Path(root).resolve()
    extra = list(extra) + ([f"--CourseDirectory.db_url={db_url}"] if db_url else [])
    db = db_url or course_db_url(root)
    tasks, results, wanted = [], [], {}
    notes = {}
    for a in assignments:
        students = submitted(root, a)
        if share:
            students = students[share[0]::share[1]]
        wanted[a] = set(students)
        for s in list(students):
            note, refusal = find_notebook(root / "submitted" / s / a, a)
            if refusal:
                students.remove(s)
                results.append(Result(a, s, ok=False, error=refusal))
            elif note:
                notes[a, s] = note
        grade, fresh = todo(root, a, students, db, force)
        tasks += [(a, s) for s in grade]
        results += [Result(a, s, skipped=True) for s in fresh]
        print(f"{a}: {len(students)} submissions, {len(grade)} to grade, {len(fresh)} unchanged", file=sys.stderr)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    print(f"Sandbox: {sandbox_status()}", file=sys.stderr)
    if tasks and not os.environ.get(SECRET_VARIABLE):
        print(f"WARNING: {NO_SECRET}", file=sys.stderr)
    start = time.monotonic()
    if tasks:
        print(f"grading {len(tasks)} submissions with {jobs} worker(s)", file=sys.stderr)
        bar = progress_bar(len(tasks)) if progress else None
        pool = Pool(jobs, root, extra, timeout, db)

        def done(r):
            r.note = notes.get((r.assignment, r.student), "")
            results.append(r)
            if bar:
                on_result(bar, r)
        try:
            pool.run(tasks, done)
        finally:
            pool.close()
            if bar:
                bar.close()
    wall = time.monotonic() - start
    for a in assignments:
        mine = [r for r in results if r.assignment == a]
        graded = {r.student for r in mine if r.ok}
        table = {s: v for s, v in scores(db, a).items() if s in graded}
        for line in summary(a, mine, table):
            print(line)
    if tasks:
        print(f"wall time {wall:.1f} s for {len(tasks)} submissions ({jobs} worker(s))")
    spent = sum((collections.Counter(r.spent) for r in results), collections.Counter())
    if spent:
        print("where the workers' time went: " + ", ".join(
            f"{what} {share:.0%}" for what, share in timing.shares(spent).items()))
    write_flags(root, results)
    print("writing flags.csv" + (", grades.csv" if export else "") + " and the class report ...", file=sys.stderr,
          flush=True)
    if export:
        from .course import ENV
        subprocess.run([sys.executable, "-m", "nbgrader", "export", "--log-level=WARN",
                        *([f"--CourseDirectory.db_url={db_url}"] if db_url else [])],
                       cwd=root, env=ENV, check=True)
        print(f"CSV: {root / 'grades.csv'}")
    from .report import report
    try:
        print(f"class report: {report(root, assignments, db)}")
    except Exception as e:          # the grades are in; a report that fails must not hide them
        print(f"class report NOT written: {type(e).__name__}: {e} (python -m autograder report retries)")
    if tasks and feedback_hint:
        which = assignments[0] if len(assignments) == 1 else '"*"'
        print(f"feedback for students is not written by this command: nbgrader generate_feedback {which} "
              f"(in {root})")
    return results, wall


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m autograder grade", description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    ap.add_argument("--jobs", "-j", type=int, default=None, help="parallel workers (default: one per core)")
    ap.add_argument("--force", action="store_true", help="regrade every submission, changed or not")
    ap.add_argument("--root", default=".", help="the course root (default: here)")
    ap.add_argument("--db-url", default=None, help="nbgrader's gradebook URL, e.g. postgresql://user@host/db")
    ap.add_argument("--share", default=None, metavar="I/K", help="grade only students I, I+K, ... (0-based), "
                                                                 "for several machines")
    ap.add_argument("--submission-timeout", type=float, default=900.0, help="seconds for one submission")
    ap.add_argument("--no-export", action="store_true", help="skip writing grades.csv")
    args, extra = ap.parse_known_args(argv)
    share = None
    if args.share:
        i, k = (int(v) for v in args.share.split("/"))
        if not 0 <= i < k:
            ap.error("--share I/K needs 0 <= I < K")
        share = (i, k)
    results, _ = run(args.assignments, args.root, args.jobs, args.force, share, args.db_url,
                     args.submission_timeout, extra, export=not args.no_export)
    return 1 if any(not r.ok for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
