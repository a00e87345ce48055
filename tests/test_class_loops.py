"""Every loop over a class goes on past one bad item, names it in one line with its reason, and says so
in its exit code; every CSV the course writes holds formulas as text; feedback and the class report
cost a bounded time and memory however many cells a notebook has.

    nbgrader generate_feedback      nbgrader's loop: a notebook it cannot read costs that student's page,
                                    logged with its traceback and named in nbgrader's summary line;
                                    exit code 1 (0 when every page was written)
    nbgrader export                 a row that raises is left out, named in one line; exit code 1
    python -m autograder export csv the same plugin, the same exit code
    python -m autograder report     a gradebook row that cannot be read or is odd, an autograded notebook
                                    that is unreadable, over the size limit or not JSON: named in one line
                                    each on stderr (and in index.html); exit code 1
"""
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.build.release import ROOT
from autograder.classroom import submissions
from autograder.classroom.course import BIN, ENV, Course
from autograder.classroom.spreadsheet import FORMULA_START
from tests.grading import LIMITS, SECRET, release

A = "01_channels_kernel"
ODD = "odd\x1b[2J\nFAKE LINE"            # a student id with a terminal control and a newline
FORMULA = "=1+2"                        # a student id that starts like a formula


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The four examples of notebook 01 autograded with real nbgrader, once; tests work on copies."""
    course = Course(tmp_path_factory.mktemp("loops"), [A])
    release(course)
    for s in submissions.load(ROOT / "autograder" / "examples"):
        if s.assignment == A:
            course.submit(s)
    r = course.autograde(A, *LIMITS, env=SECRET)
    assert r.returncode == 0, r.stderr[-3000:]
    return course


@pytest.fixture
def course(graded, tmp_path):
    shutil.copytree(graded.root, tmp_path / "course", symlinks=True)
    return Course(tmp_path / "course", [A])


def autograded(course, student):
    return course.root / "autograded" / student / A / f"{A}.ipynb"


def add_submission(course, student, like="grace", **names):
    """A gradebook submission for `student` (scores 0) and, from `like`'s, an autograded notebook."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        gb.add_student(student, **names)
        gb.add_submission(A, student)
    if like:
        autograded(course, student).parent.mkdir(parents=True)
        shutil.copy(autograded(course, like), autograded(course, student))


def break_row(course, student):
    """Make the student's submission row one SQLAlchemy cannot load (a timestamp that is not a date)."""
    with sqlite3.connect(course.db_url.removeprefix("sqlite:///")) as db:
        db.execute("update submitted_assignment set timestamp = 'not a date' where student_id = ?", (student,))


def no_formula(path):
    """Every cell of a CSV file that starts like a formula is a number."""
    for row in csv.reader(open(path, newline="")):
        for cell in row:
            if cell.startswith(FORMULA_START):
                float(cell)


def python(course, *args):
    return subprocess.run([str(BIN / "python"), "-m", "autograder", *args], cwd=course.root,
                          env=dict(ENV, PYTHONPATH=str(ROOT)), capture_output=True, text=True)


def lines_naming(text, name):
    return [line for line in text.splitlines() if name in line]


# ----------------------------------------------------------------------------- nbgrader generate_feedback
def test_generate_feedback_writes_every_other_page_past_a_notebook_it_cannot_read(course):
    autograded(course, "alan").write_text("{not json")
    r = course.feedback(A)
    students = sorted(p.name for p in (course.root / "autograded").iterdir())
    written = sorted(p.parent.parent.name for p in (course.root / "feedback").rglob("*.html"))
    assert written == [s for s in students if s != "alan"], (written, r.stderr[-2000:])
    assert r.returncode == 1, "nbgrader's exit code: some page was not written"
    named = lines_naming(r.stderr, "for student 'alan'")
    assert named == [f"[GenerateFeedbackApp | ERROR] There was an error processing assignment '{A}' for student 'alan'"]
    assert "NotJSONError: Notebook does not appear to be JSON: '{not json'" in r.stderr   # the traceback's last line


# ----------------------------------------------------------------------------- nbgrader export
def test_export_writes_every_other_row_past_one_that_raises_and_formulas_as_text(course):
    totals = {s: sum(v for v, _ in cells.values()) for s, cells in course.scores(A).items()}
    add_submission(course, ODD, like=None)
    break_row(course, ODD)
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        gb.add_student(FORMULA, first_name="+cmd|' /C calc'!A0", last_name="-2+3", email="@x")
    for command in (lambda: course.nbgrader("export", check=False), lambda: python(course, "export", "csv")):
        (course.root / "grades.csv").unlink(missing_ok=True)
        r = command()
        assert r.returncode == 1, r.stderr[-2000:]
        named = lines_naming(r.stderr + r.stdout, "left out")
        assert named[0].endswith(f"grades.csv: left out {A}/odd\\x1b[2J\\nFAKE LINE: "
                                 "ValueError: Invalid isoformat string: 'not a date'"), named
        assert "\x1b" not in r.stderr + r.stdout
        assert "FAKE LINE" not in (r.stderr + r.stdout).replace("\\nFAKE LINE", "")
        rows = list(csv.DictReader(open(course.root / "grades.csv", newline="")))
        assert {row["student_id"] for row in rows} == {"ada", "alan", "blank", "grace", "'=1+2"}
        assert {row["student_id"]: float(row["score"]) for row in rows if row["status"] == "graded"} == totals
        formula = next(row for row in rows if row["student_id"] == "'=1+2")
        assert (formula["first_name"], formula["last_name"], formula["email"]) == \
            ("'+cmd|' /C calc'!A0", "'-2+3", "'@x")
        no_formula(course.root / "grades.csv")
    for lms, dest in (("canvas", "canvas-grades.csv"), ("moodle", f"moodle-{A}.csv")):   # the LMS exports too
        r = python(course, "export", lms)
        assert r.returncode == 1 and lines_naming(r.stderr + r.stdout, "left out"), (lms, r.stderr[-2000:])
        text = (course.root / dest).read_text()
        assert "grace" in text and ",odd" not in text and "\x1b" not in r.stderr + r.stdout, (lms, text)
        no_formula(course.root / dest)


# ----------------------------------------------------------------------------- python -m autograder report
def test_the_report_leaves_out_each_bad_item_in_one_line_and_writes_the_rest(course):
    r = python(course, "report")
    assert r.returncode == 0 and "left out" not in r.stdout + r.stderr, r.stderr[-2000:]
    before = list(csv.DictReader(open(course.root / "class-report" / "scores.csv")))
    # a formula-like student graded like grace, whose failed test holds a judge's hint that starts like one
    add_submission(course, FORMULA, like="ada")
    nb = nbformat.read(autograded(course, FORMULA), as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_values")
    test.metadata["conv1d"] = {"hint": "=HYPERLINK(\"http://evil.example\",\"x\")"}
    test.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue="wrong\n  Hint: =cmd|' /C calc'!A0",
                                           traceback=[])]
    nbformat.write(nb, autograded(course, FORMULA))
    autograded(course, "alan").write_text("{not json")                                   # unreadable
    os.truncate(autograded(course, "blank"), 65 * 1024 ** 2)                              # over the size limit
    add_submission(course, ODD)                                                           # a row that cannot be read
    break_row(course, ODD)
    r = python(course, "report")
    assert r.returncode == 1, r.stdout + r.stderr[-2000:]
    said = r.stderr.splitlines()
    assert f"report: left out {A}/odd\\x1b[2J\\nFAKE LINE: its gradebook row cannot be read: ValueError: Invalid " \
           "isoformat string: 'not a date'" in said, said
    assert f"report: hints of {A}/alan/{A}.ipynb left out: JSONDecodeError: Expecting property name enclosed " \
           "in double quotes: line 1 column 2 (char 1)" in said, said
    assert any(line.startswith(f"report: hints of {A}/blank/{A}.ipynb left out: Rejected: ") and "is not a regular "
               "file of at most 67108864 bytes" in line for line in said), said
    assert "\x1b" not in r.stdout + r.stderr and "(3 item(s) left out, listed above)" in r.stdout
    report = course.root / "class-report"
    after = {row["student"]: row for row in csv.DictReader(open(report / "scores.csv"))}
    assert {row["student"]: row for row in before} == {s: row for s, row in after.items() if s != "'=1+2"}
    assert after["'=1+2"]["status"] == "graded"
    hints = list(csv.DictReader(open(report / "misconceptions.csv")))
    assert {"assignment": A, "cells": "test_values", "hint": "'=HYPERLINK(\"http://evil.example\",\"x\")",
            "students": "1", "graded": "5", "share": "0.2", "who": "'=1+2"} in hints
    assert not [h for h in hints if "cmd" in h["hint"]], "a Hint: line of a message is never a hint"
    for name in ("scores.csv", "term.csv", "cells.csv", "misconceptions.csv"):
        no_formula(report / name)
    assert "Left out of this report" in (report / "index.html").read_text()


# ----------------------------------------------------------------------------- flags.csv
def test_flags_csv_writes_formulas_as_text_and_finds_its_rows_again(tmp_path):
    from autograder.classroom.grade import Result, write_flags

    def rows():
        with open(tmp_path / "flags.csv", newline="") as f:
            return list(csv.reader(f))[1:]
    write_flags(tmp_path, [Result(A, "=1+2", flags=["=HYPERLINK(\"http://evil\")", "uses gc"]),
                           Result(A, "-bob", flags=["@SUM(1)"]), Result(A, ODD, flags=["\tx"])])
    assert rows() == [[A, "'-bob", "'@SUM(1)", ""], [A, "'=1+2", "'=HYPERLINK(\"http://evil\")", ""],
                      [A, "'=1+2", "uses gc", ""], [A, "odd\\x1b[2J\\nFAKE LINE", "\\tx", ""]]
    write_flags(tmp_path, [Result(A, "=1+2", flags=["calls eval()"]), Result(A, "-bob"), Result(A, ODD, skipped=True)])
    assert rows() == [[A, "'=1+2", "calls eval()", ""], [A, "odd\\x1b[2J\\nFAKE LINE", "\\tx", ""]], \
        "replaced, not duplicated"
    write_flags(tmp_path, [Result(A, ODD)])
    assert rows() == [[A, "'=1+2", "calls eval()", ""]]
    # a rule raised in several cells, and a formula-like test cell place: one row, its cells named
    write_flags(tmp_path, [Result(A, "-bob", flags=["test_a: =cmd|x", "test_b: =cmd|x", "-x: y"])])
    assert rows() == [[A, "'-bob", "'-x: y", ""], [A, "'-bob", "'=cmd|x", "test_a; test_b"],
                      [A, "'=1+2", "calls eval()", ""]]
    no_formula(tmp_path / "flags.csv")


# ----------------------------------------------------------------------------- what a notebook of many cells costs
MEASURE = ("import resource, subprocess, sys, time; t = time.monotonic(); r = subprocess.run(sys.argv[1:]); "
           "print(f'MEASURED {time.monotonic() - t:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', "
           "file=sys.stderr); sys.exit(r.returncode)")


def measured(course, *command, env=None):
    """(completed process, wall seconds, peak resident MiB) of a command run at the course root."""
    r = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=course.root, env=env or ENV,
                       capture_output=True, text=True)
    seconds, kib = r.stderr.rsplit("MEASURED ", 1)[1].split()
    return r, float(seconds), int(kib) / 1024


def many_cells(course, student, n=200_000):
    """grace's autograded notebook with n tiny cells of the student's own, as compact JSON (~20 MiB)."""
    nb = json.loads(autograded(course, "grace").read_text())
    nb["cells"] += [{"cell_type": "markdown", "id": f"m{i}", "metadata": {},
                     "source": f"note {i:06d}: a tiny cell of mine, *x*"} for i in range(n)]
    return json.dumps(nb, separators=(",", ":"))


def test_feedback_and_the_report_of_a_20_mib_notebook_of_200000_cells_are_bounded(course, capsys):
    """A 20 MiB submission of 200,000 tiny cells: its autograded copy keeps 1,000 of the student's own
    cells (SanitizeOutputs; 0.4 s), its feedback page shows 200 (FeedbackPage), and the report reads
    even an unbounded autograded notebook as plain JSON. Measured on a busy 2-core machine: the page 4-7 s
    and ~150 MiB, the report 4-10 s and ~250 MiB; the page of an unbounded 250,000-cell notebook (one graded
    before the autograded copy was bounded) took 3 min 26 s and 3.4 GiB before FeedbackPage's bound and
    ~35 s of CPU and 1.3 GiB after it (nbconvert copies and validates the notebook before FeedbackPage
    runs): regrade such a submission (`--force`)."""
    from autograder.preprocessors.sanitizeoutputs import Course as Cells
    from autograder.preprocessors.sanitizeoutputs import clean_notebook
    data = many_cells(course, "many")
    assert 19 * 1024 ** 2 < len(data) <= 20 * 1024 ** 2, len(data) / 1024 ** 2
    nb = nbformat.reads(data, as_version=4)
    solutions = nbformat.read(course.root / "solutions" / A / f"{A}.ipynb", as_version=4)
    start = time.monotonic()
    clean_notebook(nb, Cells(solutions, course.released(A)), 1000)
    rebuilt = time.monotonic() - start
    assert len(nb.cells) == len(course.released(A).cells) + 1000 + 1 and rebuilt < 30, (len(nb.cells), rebuilt)
    add_submission(course, "many", like=None)
    autograded(course, "many").parent.mkdir(parents=True)
    nbformat.write(nb, autograded(course, "many"))
    r, seconds, mib = measured(course, str(BIN / "nbgrader"), "generate_feedback", A, "--student=many", "--force")
    assert r.returncode == 0, r.stderr[-2000:]
    page = next((course.root / "feedback" / "many").rglob("*.html")).read_text()
    assert "800 more cells that you added or changed are left out of this page (it shows the first 200)" in page
    assert "199000 more cells that are not the course" in page, "the autograded copy's note"
    assert seconds < 60 and mib < 800, (seconds, mib)
    autograded(course, "many").write_text(data)            # unbounded, as a tampered or old copy would be
    r, report_seconds, report_mib = measured(course, sys.executable, "-m", "autograder", "report",
                                             env=dict(ENV, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr[-2000:]
    assert report_seconds < 60 and report_mib < 1024, (report_seconds, report_mib)
    with capsys.disabled():
        print(f"\n  200,000 cells, {len(data) / 1024 ** 2:.1f} MiB: autograded copy rebuilt in {rebuilt:.1f} s; "
              f"feedback {seconds:.1f} s, {mib:.0f} MiB; report (unbounded notebook) {report_seconds:.1f} s, "
              f"{report_mib:.0f} MiB")


def test_a_bonus_cell_is_counted_once_for_every_graded_student(tmp_path):
    """A bonus cell (0 points, extra credit when passed) is in the report for every graded student, with its
    extra credit counted once: nbgrader's score already holds it (it was added twice, mean 2.00 for a 1-point
    bonus, and only its earners were counted)."""
    from types import SimpleNamespace as NS

    from autograder.classroom.report import read_submission
    for student in ("fast", "slow"):
        folder = tmp_path / "autograded" / student / "07"
        folder.mkdir(parents=True)
        (folder / "07.ipynb").write_text("{}")
    grade = lambda name, top, score, extra: NS(name=name, max_score=top, score=score, extra_credit=extra)
    subs = {"fast": [grade("test_values", 2.0, 2.0, None), grade("test_speed_bonus", 0.0, 1.0, 1.0)],
            "slow": [grade("test_values", 2.0, 2.0, None), grade("test_speed_bonus", 0.0, 0.0, 0.0)]}
    cells = {s: read_submission(tmp_path, "07", s, NS(max_score=2.0, score=sum(g.score for g in grades),
                                                       notebooks=[NS(name="07", grades=grades)]))[1]
             for s, grades in subs.items()}
    assert cells == {"fast": {"test_values": (2.0, 2.0), "test_speed_bonus": (0.0, 1.0)},
                     "slow": {"test_values": (2.0, 2.0), "test_speed_bonus": (0.0, 0.0)}}
