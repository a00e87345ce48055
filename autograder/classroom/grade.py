"""Runs in the grade command's process (`python -m autograder grade`): grades a whole class on Dask.

`python -m autograder grade ASSIGNMENT... [--jobs N | --scheduler ADDRESS]`. Every submission goes
through nbgrader's own autograde (the `nbgrader autograde ASSIGNMENT --student=ID --force` application,
run in a long-lived grading process so that Python, nbgrader and torch are imported once per worker, not
once per student: autograder/classroom/worker.py starts it, autograder/classroom/gradingprocess.py runs
in it; docs/architecture.md draws every process). One Dask task grades one submission
(autograder/classroom/cluster.py): this command reads the student's files and sends them with the task,
the worker grades them in a course folder of its own against the gradebook and sends back the
autograded notebook, which this command writes into autograded/. What this adds:

- A local Dask cluster of N workers (default: one per core), or an existing cluster (--scheduler: `dask
  scheduler` + `dask worker`, SLURM through dask-jobqueue, Kubernetes), which then needs a gradebook
  every worker reaches (PostgreSQL: nbgrader's db_url, --db-url). No shared file system.
- A progress bar with ETA (tqdm) and the dashboard's address, then one summary per notebook for the
  whole class (mean, median, full and zero scores, errors and timeouts), nbgrader's CSV export
  (grades.csv), flags.csv and the class report.
- A failure in one student's grading (timeout, crash, dead kernel, a grading process or a whole worker
  killed) is reported in the summary and never stops the others: a submission that runs past
  --submission-timeout has its grading process killed and replaced; the tasks of a worker that dies are
  graded by another (Dask), and each result is written once.
- A re-run grades only what is missing or changed (the submission's files hash differently from
  the last grading, or the assignment changed), unless --force.
- The gradebook stays consistent under parallel writers: with SQLite, each grading process's
  connections begin every transaction with BEGIN IMMEDIATE and wait (busy timeout) instead of failing
  with "database is locked"; PostgreSQL needs nothing.
"""
import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .. import timing
from ..sandbox import intake
from ..sandbox.confine import NO_SECRET, SECRET_VARIABLE, sandbox_status
from ..text import printable
from .courseroot import course_config, course_db_url
from .digests import digest, last_graded
from .tasks import Result, grading_environment

# the course root's settings a worker grades with (README)
CARRIED = ("TimeLimits", "MemoryLimits", "Judge", "AssignLatePenalties", "LatePenalty", "LateSubmissionPlugin")


# ----------------------------------------------------------------------------- which submissions
def carried_options(root):
    """The course root's CARRIED settings (single values) as nbgrader options (`--TimeLimits.cell_seconds=60`),
    for the workers, which read only the installed course's autograder/nbgrader_config.py: the same class
    is graded under the same limits by `nbgrader autograde` and by this command. Options given to the
    command win (_run leaves out what they set)."""
    config = course_config(root) or {}
    return [f"--{section}.{key}={value}" for section in CARRIED
            for key, value in sorted(config.get(section, {}).items())
            if isinstance(value, (bool, int, float, str))]


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
    like = [n for n in names if intake.named_like(n, assignment)]
    if len(like) == 1:
        os.rename(os.path.join(folder, like[0]), os.path.join(folder, want))
        return f"graded {like[0]!r} as {want}", ""
    if like:
        return "", f"not graded: several notebooks could be {want}: {', '.join(like)}"
    return "", (f"not graded: no notebook named like {want}" + (f" (found {', '.join(names)})" if names else ""))


def forget(root, assignment, student):
    """The autograded folder of a submission that could not be graded now (refused, or no notebook to grade)
    goes, as nbgrader's own autograde removes a failed one: grades.csv and the LMS exports then say `not
    graded`, never the grade of what the student handed in before."""
    from ..sandbox.confine import remove_tree
    dest = Path(root) / "autograded" / student / assignment
    if os.path.lexists(dest):
        remove_tree(dest)


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
        same = unchanged(root, assignment, s) and last_graded(root, assignment, s)[1] == version
        (fresh if same and s in known else grade).append(s)
    return grade, fresh


def unchanged(root, assignment, student):
    """Whether a submission's files hash as they did when this command last graded them."""
    now = digest(Path(root) / "submitted" / student / assignment)
    return last_graded(root, assignment, student)[0] == now and not now.startswith("refused")


# ----------------------------------------------------------------------------- progress and summary
def progress_bar(total, stream=sys.stderr):
    """tqdm's bar over `total` submissions, with the elapsed time and the ETA; see on_result."""
    from tqdm import tqdm
    return tqdm(total=total, file=stream, dynamic_ncols=True, mininterval=0.5,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} submissions [{elapsed}, ETA {remaining}]{postfix}")


def problem(r):
    """What went wrong with a submission's grading, in one line (the summary's and the bar's)."""
    return r.error or ("the student's code ended its process (crash, exit or memory)" if r.dead_kernel
                       else f"{r.timeouts} cell(s) hit a time limit")


def on_result(bar, r):
    """Move the bar on by one graded submission; a problem (not graded, a timeout, a dead kernel) also
    gets a line of its own above the bar."""
    if not (r.ok and not r.timeouts and not r.dead_kernel):
        bar.write(printable(f"PROBLEM {r.assignment}/{r.student}: {problem(r)} ({r.seconds:.1f} s)"), file=bar.fp)
    bar.set_postfix_str(printable(f"{r.assignment}/{r.student}"), refresh=False)
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
    """Lines to print: per notebook (one per assignment here) score statistics and problems, each made
    printable()."""
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
        lines.append(f"  score out of {best:g}: mean {statistics.mean(values):.2f}, "
                     f"median {statistics.median(values):g}, "
                     f"full {sum(v >= best for v in values)}, zero {sum(v == 0 for v in values)}")
    lines.append(f"  errors {len(errors)}, timeouts {len(timeouts)}")
    for r in errors + [r for r in timeouts if r not in errors]:
        lines.append(f"    {r.student}: {problem(r)}")
    renamed = [r for r in results if r.note]
    if renamed:
        lines.append(f"  renamed {len(renamed)}")
        lines += [f"    {r.student}: {r.note}" for r in renamed]
    manual = [r for r in results if r.manual]
    if manual:
        cleared = sum(any(m.startswith("cleared") for m in r.manual) for r in manual)
        lines.append(f"  {sum(m.startswith('cleared') for r in manual for m in r.manual)} manual grades and comments "
                     "cleared: resubmitted" + (f"; kept on {len(manual) - cleared} unchanged submission(s)"
                                               if len(manual) > cleared else ""))
        lines += [f"    {r.student}: {m}" for r in manual for m in r.manual]
    flagged = [r for r in results if r.flags]
    if flagged:
        lines.append(f"  flagged for review {len(flagged)} (see flags.csv)")
        from .report import flag_rules
        for r in flagged:            # a rule raised in every test cell is one rule, naming its cells
            rules = flag_rules(r.flags)
            rule, cells = rules[0]
            lines.append(f"    {r.student}: {rule}" + (f" ({'; '.join(cells)})" if cells else "")
                         + (f" (+{len(rules) - 1} more)" if len(rules) > 1 else ""))
    return [printable(line) for line in lines]


def write_flags(root, results):
    """flags.csv at the course root, what to look at: notebook, student, rule, cells; one row per student,
    notebook and rule, sorted. A rule is what the judge flagged (what the answer's process tried and was
    refused, an answer line that reaches around the rules), with the cells it was raised in (test cells by
    grade id, `answer cell N, line L`; report.flag_rules): a refusal raised while each of ten test cells ran
    is one row naming the ten. A submission that could not be graded has a row `not graded: <why>` (the
    class report names the reason from it). The rows of the submissions graded in this run are replaced;
    every other row (other notebooks, submissions that did not change) stays as an earlier run wrote it
    (an earlier version's rows, one per flag, are merged into this form). Written through spreadsheet.py (a
    student id or rule that starts like a formula is a text cell, `'=...`); the rows read back are compared
    and kept in that written form, so a re-run finds and replaces them."""
    import csv

    from . import spreadsheet
    from .report import as_text, flag_rules

    def written(values):            # a row as the file holds it
        return tuple(spreadsheet.cell(printable(v)) for v in values)
    path = Path(root) / "flags.csv"
    graded = {written([r.assignment, r.student]) for r in results if not r.skipped}
    rows = []
    if path.exists():
        with open(path, newline="") as f:
            for row in list(csv.reader(f))[1:]:
                row = [spreadsheet.cell(v) for v in row]
                if len(row) == 3:           # notebook, student, one flag
                    rows += [(*row[:2], *written([rule, "; ".join(cells)])) for rule, cells in flag_rules(
                        [as_text(row[2])])]
                elif len(row) == 4:
                    rows.append(tuple(row))
        rows = [row for row in rows if row[:2] not in graded]
    for r in results:
        if r.skipped:
            continue
        rows += [written([r.assignment, r.student, rule, "; ".join(cells)]) for rule, cells in flag_rules(r.flags)]
        if not r.ok:
            why = r.error or "its grading failed"
            rows.append(written([r.assignment, r.student, why if why.startswith("not graded") else f"not graded: {why}",
                                 ""]))
    merged = {}                     # (notebook, student, rule): the cells of every row of it
    for notebook, student, rule, cells in rows:
        places = merged.setdefault((notebook, student, rule), [])
        places += [c for c in as_text(cells).split("; ") if c and c not in places]
    with open(path, "w", newline="") as f:
        out = spreadsheet.writer(f)
        out.writerow(["notebook", "student", "rule", "cells"])
        out.writerows([*key, spreadsheet.cell("; ".join(places))] for key, places in sorted(merged.items()))


# ----------------------------------------------------------------------------- the command
def run(assignments, root=".", jobs=None, force=False, db_url=None, timeout=900.0, extra=(), export=True,
        progress=True, feedback_hint=True, scheduler=None):
    """Grade `assignments` (ids) on a local Dask cluster of `jobs` workers, or on the cluster whose
    scheduler is at `scheduler` (an address, or a Dask cluster object); returns (results, wall seconds).
    feedback_hint: end by saying that nbgrader generate_feedback writes the students' feedback."""
    from . import worker
    root = Path(root).resolve()
    if not scheduler and any(force or not unchanged(root, a, s) for a in assignments for s in submitted(root, a)):
        # there is work: the local workers' grading processes import while nbgrader's settings and the
        # class are read and the cluster starts
        worker.start_ahead(max(1, jobs or os.cpu_count() or 1))
    try:
        return _run(assignments, root, jobs, force, db_url, timeout, extra, export, progress, feedback_hint, scheduler)
    finally:
        worker.drop_ahead()


def _run(assignments, root, jobs, force, db_url, timeout, extra, export, progress, feedback_hint, scheduler):
    from . import cluster, worker
    db = db_url or course_db_url(root)
    if scheduler and db.startswith("sqlite"):
        raise SystemExit(f"--scheduler: the workers need a gradebook they all reach, not SQLite ({db}); "
                         "give nbgrader's db_url a PostgreSQL server: --db-url postgresql://user@host/db")
    todo_list, results, notes = [], [], {}
    for a in assignments:
        students = submitted(root, a)
        for s in list(students):
            note, refusal = find_notebook(root / "submitted" / s / a, a)
            if refusal:
                students.remove(s)
                results.append(Result(a, s, ok=False, error=refusal))
                forget(root, a, s)
            elif note:
                notes[a, s] = note
        grade, fresh = todo(root, a, students, db, force)
        todo_list += [(a, s) for s in grade]
        results += [Result(a, s, skipped=True) for s in fresh]
        print(f"{a}: {len(students)} submissions, {len(grade)} to grade, {len(fresh)} unchanged", file=sys.stderr)
    if not todo_list:
        worker.drop_ahead()
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo_list) or 1))
    print(f"Sandbox: {sandbox_status()}", file=sys.stderr)
    if todo_list and not os.environ.get(SECRET_VARIABLE):
        print(f"WARNING: {NO_SECRET}", file=sys.stderr)
    start = time.monotonic()
    if todo_list:
        from .gradebook import fingerprint
        versions = {a: fingerprint(db, a) for a in assignments}
        missing = sorted({a for a, _ in todo_list if not versions[a]})
        if missing:
            from sqlalchemy.engine import make_url
            raise SystemExit(f"the gradebook ({make_url(db).render_as_string(hide_password=True)}) has no "
                             f"{', '.join(missing)}: put the notebooks in it first, in the course root: python -m "
                             f"autograder gradebook {' '.join(missing)}" + (f" --db-url {db_url}" if db_url else ""))
        given = {o.split("=", 1)[0] for o in extra}        # an option given twice is refused by traitlets
        carried = [o for o in carried_options(root) if o.split("=", 1)[0] not in given]
        common = dict(db_url=db, extra=[*carried, *extra], secret=os.environ.get(SECRET_VARIABLE, ""),
                      timeout=timeout,
                      environment=grading_environment())
        sources = {a: intake.read_folder(root / "solutions" / a) for a in {a for a, _ in todo_list}}
        tasks = (cluster.read_task(root, a, s, source=sources[a], last=last_graded(root, a, s)[0], **common)
                 for a, s in todo_list)
        bar = progress_bar(len(todo_list)) if progress else None

        def done(task, graded):
            r = graded.result
            if not isinstance(task, Result):
                cluster.store(root, task, graded, versions[task.assignment])
            else:           # refused as it was read: no earlier grade stands for it
                forget(root, r.assignment, r.student)
            r.note = notes.get((r.assignment, r.student), "")
            results.append(r)
            if bar:
                on_result(bar, r)
        try:
            with cluster.connect(scheduler, jobs) as (client, local):
                where = f"{jobs} local worker(s)" if local else f"the Dask cluster at {client.scheduler.address}"
                link = cluster.dashboard(client, local)
                message = f"grading {len(todo_list)} submissions on {where}" + (f"; dashboard: {link}" if link else "")
                if not local and not client.nthreads():
                    message += ("\nno worker has joined this cluster yet: the submissions wait for one "
                                "(Ctrl-C stops; a worker that cannot start is named in its own log)")
                (bar.write(message, file=bar.fp) if bar else print(message, file=sys.stderr))
                cluster.grade(client, tasks, done)
        finally:
            if bar:
                bar.close()
    wall = time.monotonic() - start
    for a in assignments:
        mine = [r for r in results if r.assignment == a]
        graded = {r.student for r in mine if r.ok}
        table = {s: v for s, v in scores(db, a).items() if s in graded}
        for line in summary(a, mine, table):
            print(line)
    if todo_list:
        print(f"wall time {wall:.1f} s for {len(todo_list)} submission(s) ("
              + (f"{jobs} worker(s))" if not scheduler else "a Dask cluster)"))
    unconfined = sorted({r.host for r in results if r.host and not r.sandboxed})
    if unconfined:
        print(f"WARNING: student code was NOT confined on {', '.join(unconfined)}: bubblewrap is missing there "
              "(see README, 'Grading on a cluster')")
    spent = sum((collections.Counter(r.spent) for r in results), collections.Counter())
    if spent:
        print("where the workers' time went: " + ", ".join(
            f"{what} {share:.0%}" for what, share in timing.shares(spent).items()))
    write_flags(root, results)
    print("writing flags.csv" + (", grades.csv" if export else "") + " and the class report ...", file=sys.stderr,
          flush=True)
    if export:
        from .course import ENV
        exported = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--log-level=WARN",
                                   *([f"--CourseDirectory.db_url={db_url}"] if db_url else [])], cwd=root, env=ENV)
        print(f"CSV: {root / 'grades.csv'}" + ("" if exported.returncode == 0 else
                                                " (rows left out: nbgrader export named each above)"))
    from .report import report
    try:
        print(f"class report: {report(root, None, db)}")       # every notebook with submissions
    except Exception as e:          # the grades are in; a report that fails must not hide them
        print(f"class report NOT written: {type(e).__name__}: {e} (python -m autograder report retries)")
    if todo_list and feedback_hint:
        which = assignments[0] if len(assignments) == 1 else '"*"'
        print(f"feedback for students is not written by this command: nbgrader generate_feedback {which} "
              f"(in {root})")
    return results, wall


def main(argv=None, scheduler=None):
    """The command line; `scheduler`: a Dask cluster object to grade on (docs/cluster/slurm.py) instead
    of --scheduler's address."""
    ap = argparse.ArgumentParser(prog="python -m autograder grade", description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    ap.add_argument("--jobs", "-j", type=int, default=None,
                    help="workers of the local Dask cluster (default: one per core)")
    ap.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="grade on this Dask cluster instead (e.g. tls://10.0.0.5:8786, README); "
                         "needs --db-url postgresql://...")
    ap.add_argument("--force", action="store_true", help="regrade every submission, changed or not")
    ap.add_argument("--root", default=".", help="the course root (default: here)")
    ap.add_argument("--db-url", default=None, help="nbgrader's gradebook URL, e.g. postgresql://user@host/db")
    ap.add_argument("--submission-timeout", type=float, default=900.0, help="seconds for one submission")
    ap.add_argument("--no-export", action="store_true", help="skip writing grades.csv")
    args, extra = ap.parse_known_args(argv)
    unknown = [o for o in extra if not re.fullmatch(r"--[A-Za-z_]\w*\.[A-Za-z_]\w*=.*", o, re.S)]
    if unknown:          # only nbgrader's --Class.trait=value settings go through to nbgrader
        ap.error(f"unrecognized arguments: {' '.join(unknown)} (nbgrader settings are passed as --Class.trait=value)")
    results, _ = run(args.assignments, args.root, args.jobs, args.force, args.db_url, args.submission_timeout,
                     extra, export=not args.no_export, scheduler=scheduler or args.scheduler)
    return 1 if any(not r.ok for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
