"""Runs as `make demo`'s process (`python -m autograder.classroom.demo`), which starts the grade command.

`make demo`: grade the bundled example submissions the way an instructor would, then print
the grade table. Everything happens in build/demo/, a course folder of its own.

The steps are nbgrader's own commands, and the demo prints them: generate_assignment for every
notebook, the examples copied into submitted/, autograde (run by the class grader,
autograder/classroom/grade.py: nbgrader's own autograde for each student on a local Dask cluster, one
worker per core, with a progress bar), generate_feedback (HTML in build/demo/feedback/), export
(build/demo/grades.csv).
"""
import shutil
import sys
import time

from ..build.release import ROOT, assignments
from . import grade, submissions
from .course import Course

EXAMPLES = ROOT / "autograder" / "examples"
DEMO = ROOT / "build" / "demo"
COMMANDS = """The standard nbgrader commands this stands for, run in {root}/:
  nbgrader generate_assignment "*" --force     # solutions/ -> notebooks/ (student copies) and the gradebook
  nbgrader autograde "*" --force               # here: python -m autograder grade <each notebook> --force:
                                               #   the same autograde for each student, one worker per core
  nbgrader generate_feedback "*" --force       # feedback/<student>/<notebook>/*.html
  nbgrader export                              # grades.csv"""


def main():
    start = time.time()
    subs = [s for s in submissions.load(EXAMPLES) if s.assignment in assignments()]
    wanted = sorted({s.assignment for s in subs})
    if DEMO.exists():
        shutil.rmtree(DEMO)
    course = Course(DEMO, wanted)
    print(f"Course folder: {DEMO.relative_to(ROOT)}/  ({len(subs)} example submissions, "
          f"{len(wanted)} notebooks)")
    print(COMMANDS.format(root=DEMO.relative_to(ROOT)), flush=True)
    course.release()
    for s in subs:
        course.submit(s)
    results, _ = grade.run(wanted, root=DEMO, force=True, feedback_hint=False)
    failures = sum(not r.ok for r in results)
    course.feedback("*")
    rows = []
    for a in wanted:
        scores = course.scores(a)
        for s in (s for s in subs if s.assignment == a):
            cells = scores.get(s.student, {})
            got = sum(v or 0 for v, _ in cells.values())
            best = sum(m for _, m in cells.values())
            want = sum(s.expect.values())
            rows.append((s.student, a, got, best, want, s.description))
    print()
    print(f"{'student':<22}{'notebook':<22}{'score':>12}  {'expected':>8}  about")
    for student, a, got, best, want, about in rows:
        flag = "" if abs(got - want) < 1e-9 else "  <-- differs"
        print(f"{student:<22}{a:<22}{got:>6g} / {best:<4g}  {want:>8g}  {about[:60]}{flag}")
    print(f"\nFeedback: {(DEMO / 'feedback').relative_to(ROOT)}/<student>/<notebook>/*.html   "
          f"({time.time() - start:.0f} s)")
    mismatched = sum(1 for r in rows if abs(r[2] - r[4]) > 1e-9)
    if failures or mismatched:
        sys.exit(f"demo: {failures} submissions not graded, {mismatched} scores differ from the expected ones")


if __name__ == "__main__":
    main()
