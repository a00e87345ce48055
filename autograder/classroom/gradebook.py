"""Runs in the gradebook command's process (`python -m autograder gradebook`): puts the notebooks into the gradebook.

`python -m autograder gradebook [ASSIGNMENT ...]` puts the course's notebooks into nbgrader's gradebook
(`make release` runs it; `fingerprint()` also runs in the grade command's process).

nbgrader learns an assignment's graded cells, points and test sources (hidden tests included) when
`nbgrader generate_assignment` runs. This course commits its release (notebooks/, for Colab), and
`nbgrader generate_assignment X` skips an assignment whose release folder exists ("Skipping existing
assignment"), so the gradebook would stay empty or stale. This command runs nbgrader's own
`generate_assignment --force` at the course root with a throwaway release folder: the gradebook
gets the solutions' current cells, points and tests, and the committed notebooks/ is left alone.

Run it once before the first grading, and after every change to a notebook (`make release` runs
it). The first run also creates the course's nbgrader exchange (exchange/ at the course root, rwx for every
account as nbgrader makes it; courseroot.ensure_exchange), which formgrader needs for Release and Collect.
nbgrader keeps the grades it has, and refuses to add or remove graded cells of an assignment
that has submissions (say so in the course, or start a new assignment id). The next
`python -m autograder grade` regrades every submission graded under another version of its
assignment (fingerprint(), kept beside each autograded submission).
"""
import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from .courseroot import course_db_url, ensure_exchange


def update(root=".", assignments=None, db_url=None):
    """Register or update `assignments` (default: every one in solutions/) in the gradebook of the
    course at `root`. Raises subprocess.CalledProcessError with nbgrader's message on failure."""
    from ..build.release import assignments as all_assignments
    from .course import ENV
    root = Path(root).resolve()
    names = list(assignments or ([p.name for p in sorted((root / "solutions").iterdir()) if p.is_dir()]
                                 if (root / "solutions").is_dir() else all_assignments()))
    # nbgrader reads an assignment id as a glob pattern: one run for all of them when none is named
    patterns = list(assignments) if assignments else ["[0-9][0-9]_*"]
    with tempfile.TemporaryDirectory(prefix="conv1d-release-") as release:
        for pattern in patterns:
            r = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", pattern, "--force",
                                f"--CourseDirectory.release_directory={release}", "--log-level=WARN",
                                *([f"--CourseDirectory.db_url={db_url}"] if db_url else [])],
                               cwd=root, env=ENV, capture_output=True, text=True)
            if r.returncode:
                raise subprocess.CalledProcessError(r.returncode, r.args, r.stdout, r.stderr)
    for a in names:
        print(f"{a}: in the gradebook (version {fingerprint(db_url or course_db_url(root), a)[:12]})")
    exchange = ensure_exchange(root)
    if exchange:
        print(exchange)
    return names


def fingerprint(db_url, assignment):
    """A hash of what grades `assignment` in the gradebook: each notebook's graded cells with their
    points, and the source of every cell nbgrader keeps (tests, hidden tests included). "" when the
    gradebook does not have the assignment."""
    from nbgrader.api import Gradebook, MissingEntry
    h = hashlib.sha256()
    with Gradebook(db_url) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            return ""
        for nb in sorted(a.notebooks, key=lambda n: n.name):
            h.update(f"notebook {nb.name}\n".encode())
            for cell in sorted(nb.grade_cells, key=lambda c: c.name):
                h.update(f"grade {cell.name} {cell.max_score!r}\n".encode())
            for cell in sorted(nb.source_cells, key=lambda c: c.name):
                source = hashlib.sha256(cell.source.encode()).hexdigest()
                h.update(f"source {cell.name} {cell.checksum or ''} {source}\n"
                         .encode())
    return h.hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m autograder gradebook", description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every notebook")
    ap.add_argument("--root", default=".", help="the course root (default: here)")
    ap.add_argument("--db-url", default=None, help="nbgrader's gradebook URL (default: the course's)")
    args = ap.parse_args(argv)
    try:
        update(args.root, args.assignments, args.db_url)
    except subprocess.CalledProcessError as e:
        print(e.stderr or e.stdout, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
