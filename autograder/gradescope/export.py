"""Runs in the export command's process (`python -m autograder export gradescope ASSIGNMENT ...`): autograder zips.

`python -m autograder export gradescope ASSIGNMENT ... [--out build/gradescope]` writes one Gradescope
autograder zip per notebook, OUT/ASSIGNMENT-gradescope.zip (gradescope-autograders.readthedocs.io,
"Autograder Specifications"). At the zip's root:

- setup.sh (autograder/gradescope/setup.sh): run once, as root, when Gradescope builds the image: bubblewrap,
  a Python 3.11 venv in /opt/conv1d/venv with the course's pinned requirements (torch's CPU build);
- run_autograder (autograder/gradescope/run_autograder): run for every submission; it writes a fallback
  results.json, then runs autograder/gradescope/run.py;
- course/: what grading reads, laid out as in this repository: the course's code (autograder/, without the
  bundled example submissions), its requirements, the Chinese catalogues of the grader's messages
  (locale/zh/checks/), the assignment's source notebook (solutions/ASSIGNMENT/, hidden tests included), a
  gradebook that knows it (gradebook.db, made here by nbgrader's generate_assignment, as
  `python -m autograder gradebook` makes the course's), gradescope.json (the assignment) and grading-secret.

The grading secret is CONV1D_GRADING_SECRET when it is set (then Gradescope draws the same hidden inputs
as the instructor's nbgrader does), else a new random one, printed. The zip holds the hidden tests and the
secret: it is the instructor's, like solutions/. Its entries have fixed dates, so the same course and secret
give the same files (the gradebook records when it was made).
"""
import argparse
import io
import json
import os
import secrets
import sys
import tempfile
import zipfile
from pathlib import Path

from ..build.series import ROOT
from ..sandbox.confine import SECRET_VARIABLE

HERE = Path(__file__).resolve().parent
CODE = ROOT / "autograder"
LEFT_OUT = {"examples", "__pycache__"}          # folders of autograder/ that grading does not read
DATE = (2026, 1, 1, 0, 0, 0)                     # every entry's date: the same inputs give the same zip


def course_files(assignment):
    """[(name in the zip, path)] of course/: the code, requirements, catalogues and the assignment's sources."""
    files = []
    for path in sorted(CODE.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and not LEFT_OUT & set(rel.parts) and path.suffix != ".pyc":
            files.append((rel.as_posix(), path))
    for path in sorted((ROOT / "locale").glob("*/checks/*.po")):
        files.append((path.relative_to(ROOT).as_posix(), path))
    for path in sorted((ROOT / "solutions" / assignment).rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            files.append((path.relative_to(ROOT).as_posix(), path))
    for name in ("requirements.txt", "constraints.txt"):
        files.append((name, ROOT / name))
    return [(f"course/{rel}", path) for rel, path in files]


def gradebook(assignment):
    """The bytes of a SQLite gradebook that knows `assignment` (its cells, points and tests), made by
    nbgrader's generate_assignment in a throwaway course folder."""
    import contextlib
    import shutil

    from ..classroom.courseroot import write_config
    from ..classroom.gradebook import update
    with tempfile.TemporaryDirectory(prefix="conv1d-export-") as tmp:
        db = Path(tmp) / "gradebook.db"
        write_config(tmp, f"sqlite:///{db}")
        shutil.copytree(ROOT / "solutions" / assignment, Path(tmp) / "solutions" / assignment)
        with contextlib.redirect_stdout(io.StringIO()):       # its lines are about the throwaway folder
            update(tmp, [assignment], db_url=f"sqlite:///{db}")
        return db.read_bytes()


def _add(zf, name, data, mode=0o644):
    info = zipfile.ZipInfo(name, DATE)
    info.external_attr = (0o100000 | mode) << 16         # a regular file with these permissions (unzip, Gradescope)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(assignment, out, secret):
    """Write the autograder zip of `assignment` to the path `out`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        _add(zf, "setup.sh", (HERE / "setup.sh").read_bytes(), 0o755)
        _add(zf, "run_autograder", (HERE / "run_autograder").read_bytes(), 0o755)
        for name, path in course_files(assignment):
            _add(zf, name, path.read_bytes())
        _add(zf, "course/gradebook.db", gradebook(assignment))
        _add(zf, "course/gradescope.json", json.dumps({"assignment": assignment}, indent=1) + "\n")
        _add(zf, "course/grading-secret", secret + "\n", 0o600)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(buf.getvalue())


def main(argv=None):
    from ..build.series import assignments
    parser = argparse.ArgumentParser(prog="python -m autograder export gradescope",
                                     description="One Gradescope autograder zip per notebook (README, \"Gradescope\").")
    parser.add_argument("assignments", nargs="+", metavar="ASSIGNMENT", choices=assignments(),
                        help="the notebooks: " + ", ".join(assignments()))
    parser.add_argument("--out", default=str(ROOT / "build" / "gradescope"), help="folder of the zips "
                        "(default: build/gradescope)")
    args = parser.parse_args(argv)
    secret = os.environ.get(SECRET_VARIABLE, "")
    if not secret:
        secret = secrets.token_urlsafe(32)
        print(f"{SECRET_VARIABLE} is not set: the zips grade under a new secret of their own (in each zip, "
              f"course/grading-secret). To grade as your nbgrader does, export {SECRET_VARIABLE} first.",
              file=sys.stderr)
    for a in args.assignments:
        out = Path(args.out) / f"{a}-gradescope.zip"
        build(a, out, secret)
        print(f"{a}: {out} ({out.stat().st_size // 1024} KiB): upload it in Gradescope's Configure Autograder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
