"""`make demo`: grade the bundled example submissions the way an instructor would, then print
the grade table. Everything happens in build/demo/, a course folder of its own.

Steps (each one is nbgrader's own command): generate_assignment for every notebook, copy the
examples into submitted/, autograde, generate_feedback (HTML in build/demo/feedback/), export
(build/demo/grades.csv).
"""
import shutil
import sys
import time

from . import submissions
from .course import Course
from ..build.release import ROOT, assignments
from ..sandbox.confine import sandbox_status

EXAMPLES = ROOT / "autograder" / "examples"
DEMO = ROOT / "build" / "demo"


def main():
    start = time.time()
    subs = [s for s in submissions.load(EXAMPLES) if s.assignment in assignments()]
    wanted = sorted({s.assignment for s in subs})
    if DEMO.exists():
        shutil.rmtree(DEMO)
    course = Course(DEMO, wanted)
    print(f"Course folder: {DEMO.relative_to(ROOT)}/  ({len(subs)} example submissions, "
          f"{len(wanted)} notebooks)")
    print(f"Sandbox: {sandbox_status()}")
    course.release()
    for s in subs:
        course.submit(s)
    rows, failures = [], 0
    for a in wanted:
        print(f"autograding {a} ...", flush=True)
        result = course.autograde(a)
        if result.returncode:
            print(result.stdout[-2000:], result.stderr[-4000:], file=sys.stderr)
            failures += 1
        course.feedback(a)
        scores = course.scores(a)
        for s in (s for s in subs if s.assignment == a):
            cells = scores.get(s.student, {})
            got = sum(v or 0 for v, _ in cells.values())
            best = sum(m for _, m in cells.values())
            want = sum(s.expect.values())
            rows.append((s.student, a, got, best, want, s.description))
    course.export()
    print()
    print(f"{'student':<22}{'notebook':<22}{'score':>12}  {'expected':>8}  about")
    for student, a, got, best, want, about in rows:
        flag = "" if abs(got - want) < 1e-9 else "  <-- differs"
        print(f"{student:<22}{a:<22}{got:>6g} / {best:<4g}  {want:>8g}  {about[:60]}{flag}")
    print(f"\nFeedback: {(DEMO / 'feedback').relative_to(ROOT)}/<student>/<notebook>/*.html   "
          f"CSV: {(DEMO / 'grades.csv').relative_to(ROOT)}   ({time.time() - start:.0f} s)")
    mismatched = sum(1 for r in rows if abs(r[2] - r[4]) > 1e-9)
    if failures or mismatched:
        sys.exit(f"demo: {failures} autograde failures, {mismatched} scores differ from the expected ones")


if __name__ == "__main__":
    main()
