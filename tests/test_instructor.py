"""An instructor's term, from the README: the walkthrough verbatim, a notebook changed mid-term, manual
grades and resubmissions, the secret's warning, nbgrader's exchange, LMS downloads in and grade
imports out, the class report."""
import copy
import csv
import dataclasses
import io
import re
import shutil
import subprocess
import zipfile

import nbformat
import pytest

from autograder.build.release import ROOT
from autograder.classroom import submissions
from autograder.classroom.course import BIN, ENV, Course
from tests.grading import LIMITS, SECRET, release

A = "01_channels_kernel"
NO_SECRET = "CONV1D_GRADING_SECRET is not set"


def examples(assignment=A):
    return [s for s in submissions.load(ROOT / "autograder" / "examples") if s.assignment == assignment]


def total(cells):
    return sum(v or 0 for v, _ in cells.values())


def walkthrough():
    """The README's instructor commands, exactly as written there."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- walkthrough:start -->\n```\n(.*?)```\n<!-- walkthrough:end -->", text, re.S)
    assert block, "README.md has the instructor walkthrough between its markers"
    return block.group(1)


def test_the_readme_walkthrough_runs_verbatim_in_a_copy_of_the_repository(tmp_path):
    clone = tmp_path / "conv1d"
    for folder in ("autograder", "solutions", "notebooks"):
        shutil.copytree(ROOT / folder, clone / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("nbgrader_config.py", "Makefile", "requirements.txt", "requirements-dev.txt", "constraints.txt"):
        shutil.copy2(ROOT / name, clone / name)      # mtimes kept: `make venv` finds the venv up to date
    # the repository's venv, entry by entry, with a stamp of its own: `make venv` finds it up to date and
    # changes nothing in the shared venv (it would re-install its kernelspec with this clone's path)
    (clone / ".venv").mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if entry.name != ".installed":
            (clone / ".venv" / entry.name).symlink_to(entry)
    (clone / ".venv" / ".installed").touch()
    kernelspec = (ROOT / ".venv" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_bytes()
    subs = examples()
    released = nbformat.read(clone / "notebooks" / A / f"{A}.ipynb", as_version=4)
    for s in subs:                                  # "collect submissions as submitted/<student_id>/..."
        path = clone / "submitted" / s.student / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(s.apply(copy.deepcopy(released)), path)
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", walkthrough()], cwd=clone, capture_output=True,
                       text=True, env={k: v for k, v in ENV.items() if k != "CONV1D_GRADING_SECRET"}, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (ROOT / ".venv" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_bytes() == kernelspec
    assert NO_SECRET not in r.stderr, "the walkthrough sets the secret"
    rows = [row for row in csv.DictReader(open(clone / "grades.csv")) if row["assignment"] == A]
    assert {row["student_id"]: float(row["score"]) for row in rows} == {s.student: sum(s.expect.values()) for s in subs}
    assert all(row["status"] == "graded" for row in rows)
    assert len(list((clone / "feedback").rglob("*.html"))) == len(subs)
    assert (clone / "class-report" / "index.html").is_file()
    assert (clone / "notebooks").is_dir() and not list((clone / "notebooks").rglob("*.ipynb.bak"))
    assert (clone / "exchange").stat().st_mode & 0o777 == 0o777, "formgrader's exchange, made as nbgrader makes it"


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """Notebook 01's example class graded with `python -m autograder grade`, without a secret."""
    course = Course(tmp_path_factory.mktemp("term"), [A])
    release(course)
    for s in examples():
        course.submit(s)
    r = course.grade_parallel([A], *LIMITS, jobs=2, env={"CONV1D_GRADING_SECRET": ""})
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    return course, r


def test_grading_without_a_secret_warns_once_and_says_how_to_set_one(term, tmp_path):
    _, r = term
    assert r.stderr.count(NO_SECRET) == 1 and "export CONV1D_GRADING_SECRET=" in r.stderr, r.stderr[-2000:]
    course = Course(tmp_path, [A])
    release(course)
    for s in examples()[:2]:        # plain nbgrader, two notebooks in one run: one warning
        course.submit(s)
    plain = course.autograde(A, *LIMITS, env={"CONV1D_GRADING_SECRET": ""})
    assert plain.returncode == 0 and plain.stderr.count(NO_SECRET) == 1, plain.stderr[-2000:]
    # with the secret set (the walkthrough's run), no warning: test_the_readme_walkthrough_...


def test_the_class_report_has_distributions_cells_and_misconceptions(term):
    course, r = term
    report = course.root / "class-report"
    assert "class report:" in r.stdout and (report / "index.html").is_file()
    assert (report / f"scores-{A}.png").read_bytes().startswith(b"\x89PNG")
    scores = {s: total(c) for s, c in course.scores(A).items()}
    rows = list(csv.DictReader(open(report / "scores.csv")))
    assert {row["student"]: float(row["score"]) for row in rows} == scores
    cells = {row["cell"]: row for row in csv.DictReader(open(report / "cells.csv"))}
    per_cell = course.scores(A)
    for cell, row in cells.items():
        got = [per_cell[s][cell][0] for s in per_cell]
        assert int(row["zero"]) == sum(v == 0 for v in got) and int(row["graded"]) == len(got)
    hints = list(csv.DictReader(open(report / "misconceptions.csv")))
    assert hints, "the example class makes mistakes the checks have hints for"
    assert len({(row["assignment"], row["hint"]) for row in hints}) == len(hints), "one row per misconception"
    for row in hints:        # whoever got a hint lost points in one of its cells
        for student in row["who"].split():
            assert any(per_cell[student][cell][0] < per_cell[student][cell][1] for cell in row["cells"].split()), row
        assert int(row["graded"]) == len(scores) and float(row["share"]) == round(int(row["students"]) / len(scores), 3)
        assert row["hint"] in (report / "index.html").read_text()


def test_grades_leave_in_canvas_and_moodle_formats(term):
    course, _ = term
    scores = {s: total(c) for s, c in course.scores(A).items()}
    export(course, "canvas")
    rows = list(csv.reader(open(course.root / "canvas-grades.csv")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A]
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == 5
    assert {row[1]: float(row[5]) for row in rows[2:]} == scores
    export(course, "moodle")
    rows = list(csv.DictReader(open(course.root / f"moodle-{A}.csv")))
    assert {row["Identifier"]: float(row["Grade"]) for row in rows} == \
        {f"Participant {s}": v for s, v in scores.items()}
    assert {row["Maximum Grade"] for row in rows} == {"5"}


def export(course, lms):
    """`python -m autograder export LMS`, run from the course root as the README says (here the course
    root is a folder of its own, so the repository goes on PYTHONPATH, as it is at a real course root)."""
    r = subprocess.run([str(BIN / "python"), "-m", "autograder", "export", lms], cwd=course.root,
                       env=dict(ENV, PYTHONPATH=str(ROOT)), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def set_manual(course, student, cell, score):
    """What formgrader does when a grader types a score."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        gb.find_grade(cell, A, A, student).manual_score = score
        gb.db.commit()


def test_a_changed_notebook_regrades_and_manual_grades_follow_the_policy(term):
    """Points of test_values 2 -> 3 and a hidden test edited, then `python -m autograder gradebook`
    (what `make release` runs): every submission is regraded under the new version. A manual grade on a
    resubmitted notebook is cleared and listed; on an unchanged one it is kept and listed."""
    course, _ = term
    by_name = {s.path.stem: s for s in examples()}
    ada, alan = by_name["ada"].student, by_name["alan"].student
    set_manual(course, ada, "test_predict", 0.5)
    set_manual(course, alan, "test_predict", 0.5)
    course.submit(dataclasses.replace(by_name["grace"], student=alan))        # alan resubmits a correct notebook
    again = course.grade_parallel([A], *LIMITS, "--no-export", jobs=2, env=SECRET)
    assert "1 to grade" in again.stderr, again.stderr
    assert f"{alan}: cleared manual grade test_predict = 0.5" in again.stdout, again.stdout
    assert graded_score(course, alan) == 5
    ada_expect = by_name["ada"].expect
    assert graded_score(course, ada) == sum(ada_expect.values()) - ada_expect.get("test_predict", 0) + 0.5, \
        "ada's manual grade stands: her submission did not change"

    path = course.root / "solutions" / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_values")
    cell.metadata.nbgrader["points"] = 3
    cell.source = cell.source.replace("### BEGIN HIDDEN TESTS\n",
                                      "### BEGIN HIDDEN TESTS\nassert False, 'the instructor changed this test'\n")
    assert "changed this test" in cell.source
    nbformat.write(nb, path)
    r = subprocess.run([str(BIN / "python"), "-m", "autograder", "gradebook", A,
                        "--root", str(course.root)], cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    third = course.grade_parallel([A], *LIMITS, "--no-export", jobs=2, env=SECRET)
    n = len(examples())
    assert f"{n} to grade, 0 unchanged" in third.stderr, third.stderr
    assert f"{ada}: kept manual grade test_predict = 0.5" in third.stdout, third.stdout
    for student, cells in course.scores(A).items():
        assert cells["test_values"] == (0.0, 3.0), (student, cells)
    assert graded_score(course, ada) == \
        sum(ada_expect.values()) - ada_expect["test_values"] - ada_expect["test_predict"] + 0.5
    fourth = course.grade_parallel([A], *LIMITS, "--no-export", jobs=2, env=SECRET)
    assert f"0 to grade, {n} unchanged" in fourth.stderr


def graded_score(course, student):
    """The submission's score as nbgrader counts it: a manual grade where there is one."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        return gb.find_submission(A, student).score


def test_formgraders_exchange_releases_collects_and_returns_feedback(tmp_path):
    course = Course(tmp_path / "course", [A])
    release(course)
    assert course.nbgrader("release_assignment", A).returncode == 0
    student = tmp_path / "student"
    student.mkdir()
    as_student = ["--course", "conv1d", f"--Exchange.root={course.root / 'exchange'}", "--log-level=WARN"]

    def student_runs(*args):
        return subprocess.run([str(BIN / "nbgrader"), *args, *as_student],
                              cwd=student, env=ENV, capture_output=True, text=True, check=True)
    student_runs("fetch_assignment", A)
    fetched = student / A / f"{A}.ipynb"
    grace = next(s for s in examples() if s.path.stem == "grace")
    nbformat.write(grace.apply(nbformat.read(fetched, as_version=4)), fetched)
    student_runs("submit", A)
    course.nbgrader("collect", A)
    (who,) = [p.name for p in (course.root / "submitted").iterdir()]
    assert course.autograde(A, *LIMITS, env=SECRET).returncode == 0
    assert total(course.scores(A)[who]) == 5
    assert course.feedback(A).returncode == 0
    assert course.nbgrader("release_feedback", A).returncode == 0
    student_runs("fetch_feedback", A)
    assert list((student / A / "feedback").rglob(f"{A}.html"))


LAYOUTS = ["canvas", "canvas_resubmitted", "moodle", "moodle_folders"]


def lms_zip(layout, notebook_json, first=1001):
    """A "download all submissions" zip as Canvas or Moodle makes it, for students `first` and `first` + 1."""
    one, two = first, first + 1
    names = {"canvas": [f"smithjane_{one}_55501_{{f}}", f"doejohn_LATE_{two}_55502_{{f}}"],
             "canvas_resubmitted": [f"smithjane_{one}_55501_01_channels_kernel-1.ipynb",
                                    f"doejohn_{two}_55502_01_channels_kernel-2.ipynb"],
             "moodle": [f"Jane Smith_{one}_assignsubmission_file_{{f}}", f"John Doe_{two}_assignsubmission_file_{{f}}"],
             "moodle_folders": [f"Jane Smith_{one}_assignsubmission_file_/{{f}}",
                                f"John Doe_{two}_assignsubmission_file_/{{f}}"]}[layout]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name.format(f=f"{A}.ipynb"), notebook_json)
        z.writestr("readme.txt" if layout.startswith("canvas") else f"Jane Smith_{one}_onlinetext_/notes.txt", "x")
    return buf.getvalue()


def test_zip_collect_reads_canvas_and_moodle_downloads(tmp_path):
    """One download of each form (Canvas, Canvas with re-upload suffixes, Moodle's files, Moodle's folders) in
    the archive folder, collected by one `nbgrader zip_collect`: every student filed under the LMS's id."""
    course = Course(tmp_path / "course", [A])
    release(course)
    archive = course.root / "downloaded" / A / "archive"
    archive.mkdir(parents=True)
    released = (course.root / "notebooks" / A / f"{A}.ipynb").read_bytes()
    for i, layout in enumerate(LAYOUTS):
        (archive / f"{layout}.zip").write_bytes(lms_zip(layout, released, 1001 + 10 * i))
    r = course.nbgrader("zip_collect", A, check=False)
    assert r.returncode == 0, r.stderr
    got = sorted(str(p.relative_to(course.root / "submitted")) for p in (course.root / "submitted").rglob("*.ipynb"))
    assert got == [f"{s}/{A}/{A}.ipynb" for i in range(len(LAYOUTS)) for s in (1001 + 10 * i, 1002 + 10 * i)], \
        (got, r.stderr[-2000:])
    assert (course.root / "submitted" / "1001" / A / f"{A}.ipynb").read_bytes() == released


def test_student_work_folders_are_git_ignored():
    for path in ("submitted/x/a.ipynb", "autograded/x/a.ipynb", "feedback/x/a.html", "downloaded/a/archive/s.zip",
                 "exchange/conv1d/inbound/x", "gradebook.db", "grades.csv", "canvas-grades.csv",
                 "moodle-01_channels_kernel.csv", "class-report/index.html", "flags.csv"):
        r = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
        assert r.returncode == 0, f"{path} would be committed"
