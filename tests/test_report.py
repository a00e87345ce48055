"""flags.csv and the class report (autograder/classroom/grade.py: write_flags; autograder/classroom/report.py).

- flags.csv: one row per student, notebook and rule, naming the cells (a refusal raised while each of ten
  test cells ran is one row, not ten); a submission that could not be graded has a `not graded: <why>` row.
- The class report, from a gradebook built with nbgrader's API and autograded notebooks written as the judge
  writes them: one row per misconception with its cells and the share of the graded class; everyone who did
  not submit or could not be graded, named with the reason; flagged, stopped and late submissions listed; a
  student x notebook table of every notebook in the gradebook; everything a student made escaped.
- In headless Chromium (tools/browser.py): no word in a table cell is broken across lines (an id breaks after
  its _ . - only; a part longer than LONG_ID characters may break anywhere), no cell's content is wider than
  the cell, at a wide and a narrow window; the check catches the old stylesheet's broken words.
"""
import csv
import datetime
import html
import json
import os
import sys
from pathlib import Path

import pytest

from autograder.classroom import report
from autograder.classroom.grade import Result, write_flags
from autograder.classroom.spreadsheet import FORMULA_START
from tests.test_hostile_pages import is_number

A1, A2, A3, A4 = "01_channels_kernel", "02_stride", "03_padding", "04_dilation"
CELLS = {A1: {"test_shape": 2.0, "test_values": 3.0}, A2: {"test_values": 4.0, "test_predict": 1.0},
         A3: {"test_values": 5.0}, A4: {"test_values": 5.0}}
DUE = {a: datetime.datetime(2024, 1, 8) + datetime.timedelta(weeks=i) for i, a in enumerate(CELLS)}
PLUS_ONE = "the output length is L - K + 1: the +1 is missing"
BATCH = "=HYPERLINK(\"http://evil.example\",\"the batch axis comes first\")"
FORMULA = "=cmd|' /C calc'!A0"                          # a student id that starts like a formula
HOSTILE = "<img src=x onerror=window.pwned_id=1>"       # a student id that is markup
LONG = "averyveryverylongstudentidentifierwithoutanybreaks"
GC = "grading sandbox: gc.get_objects is not allowed here"
SEVERAL = f"several notebooks could be {A1}.ipynb"
BROKEN = "the worker's autograded files were refused: not a list of (path, bytes) pairs"


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def no_formula(path):
    for row in rows_of(path):
        for cell in row:
            assert not cell.startswith(FORMULA_START) or is_number(cell), (path.name, row)


# ----------------------------------------------------------------------------- flags.csv
@pytest.mark.fast
def test_flags_csv_has_one_row_per_student_notebook_and_rule_naming_the_cells(tmp_path):
    """A refusal raised while each of ten test cells ran (what the answer's process tried is reported by
    every test cell that runs the answer) is one row naming the ten cells; answer lines are named by cell
    and line; a submission that could not be graded gets its reason; the rows of an earlier version (one
    per flag) are merged into this form."""
    (tmp_path / "flags.csv").write_text("assignment,student,flag\n"
                                        + "".join(f"{A1},eve,test_{i}: {GC}\n" for i in range(3)))
    tests = [f"test_{i}" for i in range(10)]
    write_flags(tmp_path, [Result(A2, "eve", flags=[f"{t}: {GC}" for t in tests]
                                  + ["answer cell 1, line 3: imports gc", "answer cell 1, line 9: imports gc"]),
                           Result(A2, "bob", ok=False, error=BROKEN),
                           Result(A2, "ann", ok=False, error=f"not graded: {SEVERAL}"),
                           Result(A2, "ada", flags=[]), Result(A2, FORMULA, flags=[f"test_0: {BATCH}"])])
    rows = rows_of(tmp_path / "flags.csv")
    assert rows == [["notebook", "student", "rule", "cells"],
                    [A1, "eve", GC, "test_0; test_1; test_2"],
                    [A2, "'" + FORMULA, "'" + BATCH, "test_0"],
                    [A2, "ann", f"not graded: {SEVERAL}", ""],
                    [A2, "bob", f"not graded: {BROKEN}", ""],
                    [A2, "eve", GC, "; ".join(tests)],
                    [A2, "eve", "imports gc", "answer cell 1, line 3; answer cell 1, line 9"]]
    no_formula(tmp_path / "flags.csv")
    write_flags(tmp_path, [Result(A2, "eve", flags=[f"test_3: {GC}"]), Result(A2, "bob")])    # regraded
    rows = rows_of(tmp_path / "flags.csv")
    assert [A2, "eve", GC, "test_3"] in rows and not [r for r in rows if r[1] == "bob"], rows
    assert not [r for r in rows if r[2] == "imports gc"], "the regraded submission's rows are replaced"
    assert report.recorded_reasons(tmp_path) == {(A2, "ann"): f"not graded: {SEVERAL}"}


@pytest.mark.fast
def test_flag_rules_split_the_place_from_the_rule():
    assert report.flag_rules(["test_a: x: y", "test_b: x: y", "answer cell 2, line ?: calls eval()", "uses gc",
                              "-x: y", "test_a: x: y"]) == \
        [("x: y", ["test_a", "test_b"]), ("calls eval()", ["answer cell 2, line ?"]), ("uses gc", []), ("-x: y", [])]


# ----------------------------------------------------------------------------- the class report
def notebook(assignment, hints=(), flags=(), stopped=()):
    """An autograded notebook as nbgrader and the judge leave it: an answer cell, the test cells (a hint in
    metadata conv1d.hint, an error output), the judge's flags in the notebook's metadata."""
    cells = [{"cell_type": "code", "id": "answer", "execution_count": 1, "source": "def f(): pass", "outputs": [],
              "metadata": {"nbgrader": {"grade": False, "solution": True, "grade_id": "answer", "locked": False}}}]
    for cell in CELLS[assignment]:
        outputs = []
        if cell in stopped:
            outputs = [{"output_type": "error", "ename": "CellTimeoutError", "evalue": "did not finish",
                        "traceback": []}]
        elif cell in dict(hints):
            outputs = [{"output_type": "error", "ename": "CheckFailed", "evalue": "wrong\n  Hint: =cmd|x",
                        "traceback": []}]
        meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": cell, "points": CELLS[assignment][cell],
                             "locked": True}}
        if cell in dict(hints):
            meta["conv1d"] = {"hint": dict(hints)[cell]}
        cells.append({"cell_type": "code", "id": cell, "execution_count": 2, "source": "check()", "outputs": outputs,
                      "metadata": meta})
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "conv1d": {"flags": list(flags)}}}


# (assignment, student): (points per cell, hints, flags, stopped cells, hours late, penalty); None: in the
# gradebook, not graded (no autograded notebook)
CLASS = {
    (A1, "ada"): ({"test_shape": 2, "test_values": 3}, (), (), (), 0, 0),
    (A1, "grace"): ({"test_shape": 0, "test_values": 0}, (("test_shape", PLUS_ONE), ("test_values", PLUS_ONE)),
                    (), (), 0, 0),
    (A1, "alan"): ({"test_shape": 2, "test_values": 0}, (("test_values", PLUS_ONE),),
                   [f"test_shape: {GC}", f"test_values: {GC}", "answer cell 1, line 4: imports gc"], (), 0, 0),
    (A1, FORMULA): ({"test_shape": 0, "test_values": 3}, (("test_shape", BATCH),), (), (), 0, 0),
    (A1, HOSTILE): ({"test_shape": 2, "test_values": 3}, (), [f"test_values: has the string '{HOSTILE}'"], (), 0, 0),
    (A1, LONG): ({"test_shape": 2, "test_values": 3}, (), (), (), 0, 0),
    (A2, "ada"): ({"test_values": 4, "test_predict": 1}, (), (), (), 0, 0),
    (A2, "grace"): ({"test_values": 4, "test_predict": 1}, (), (), (), 2 + 5 / 60, 1.0),
    (A2, "alan"): ({"test_values": 0, "test_predict": 1}, (), (), ("test_values",), 0, 0),
    (A2, "bob"): None,
    (A3, "ada"): ({"test_values": 5}, (), (), (), 0, 0),
}
STUDENTS = ["ada", "alan", "bob", "carol", "grace", FORMULA, HOSTILE, LONG]


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course root: a gradebook of four notebooks (the fourth without submissions) and eight students,
    autograded notebooks, flags.csv from a grade run (bob's 02 could not be graded), and bob's 01 handed
    in with two notebooks that could each be the assignment's."""
    from nbgrader.api import Gradebook
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent), prepend=os.pathsep)   # nbgrader runs `alembic`
    root = tmp_path / "course"
    root.mkdir()
    db = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(db) as gb:
        for a, cells in CELLS.items():
            gb.add_assignment(a, duedate=DUE[a])
            gb.add_notebook(a, a)
            for cell, points in cells.items():
                gb.add_grade_cell(cell, a, a, max_score=points, cell_type="code")
        for s in STUDENTS:
            gb.add_student(s)
        for (a, s), spec in CLASS.items():
            hours = spec[4] if spec else 0
            gb.add_submission(a, s, timestamp=(DUE[a] + datetime.timedelta(hours=hours or -1)).isoformat())
            if spec is None:
                continue
            points, hints, flags, stopped, _, penalty = spec
            for cell, score in points.items():
                gb.find_grade(cell, a, a, s).auto_score = score
            gb.find_submission_notebook(a, a, s).late_submission_penalty = penalty
            gb.db.commit()
            path = root / "autograded" / s / a / f"{a}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(notebook(a, hints, flags, stopped)))
    write_flags(root, [Result(A2, "bob", ok=False, error=BROKEN),
                       Result(A1, "alan", flags=CLASS[A1, "alan"][2])])
    for name in (f"Copy of {A1}.ipynb", f"{A1} (1).ipynb"):
        (root / "submitted" / "bob" / A1).mkdir(parents=True, exist_ok=True)
        (root / "submitted" / "bob" / A1 / name).write_text("{}")
    return root, db


def test_the_report_names_everyone_groups_misconceptions_and_compares_the_notebooks(course, capsys):
    root, db = course
    problems = []
    index = report.report(root, None, db, None, problems)
    assert not problems, problems
    out = root / "class-report"
    for name in ("scores.csv", "term.csv", "cells.csv", "misconceptions.csv"):
        no_formula(out / name)
    # one row per misconception, with its cells and the share of the graded class (6 graded in 01)
    hints = {row["hint"]: row for row in csv.DictReader(open(out / "misconceptions.csv"))}
    assert hints[PLUS_ONE] == {"assignment": A1, "cells": "test_shape test_values", "hint": PLUS_ONE, "students": "2",
                               "graded": "6", "share": "0.333", "who": "alan grace"}
    assert hints["'" + BATCH]["who"] == "'" + FORMULA and hints["'" + BATCH]["share"] == "0.167"
    assert len(hints) == 2, "not once per test cell"
    # every student of the gradebook, every notebook, a status; the reasons named
    scores = {(row["assignment"], row["student"]): row for row in csv.DictReader(open(out / "scores.csv"))}
    assert len(scores) == len(STUDENTS) * len(CELLS)
    assert {k[1] for k, v in scores.items() if k[0] == A1 and v["status"] == "graded"} == \
        {"ada", "grace", "alan", "'" + FORMULA, HOSTILE, LONG}
    assert scores[A1, "bob"]["status"] == "not graded" and SEVERAL in scores[A1, "bob"]["reason"]
    assert scores[A2, "bob"]["status"] == "not graded" and scores[A2, "bob"]["reason"] == f"not graded: {BROKEN}"
    assert scores[A1, "carol"]["status"] == "not submitted" and scores[A4, "ada"]["status"] == "not submitted"
    late = scores[A2, "grace"]
    assert (late["score"], late["seconds_late"], late["late_submission_penalty"]) == ("4", "7500", "1"), late
    assert scores[A2, "ada"]["seconds_late"] == "0"
    assert scores[A2, "alan"]["stopped"] == "test_values" and scores[A1, "alan"]["flags"] == "2"
    # the term: a column per notebook of the gradebook, the fourth with nobody graded
    term = rows_of(out / "term.csv")
    assert term[0] == ["student", A1, A2, A3, A4]
    assert ["ada", "5", "5", "5", ""] in term and ["grace", "0", "4", "", ""] in term
    assert ["bob", "", "", "", ""] in term and ["carol", "", "", "", ""] in term
    page = index.read_text()
    assert "<img src=x" not in page and html.escape(HOSTILE) in page.replace("<wbr>", ""), "the id as text"
    assert html.escape(BATCH) in page and "33% (2 of 6)" in page
    assert "2 h 5 min" in page and html.escape(f"not graded: {BROKEN}") in page and html.escape(SEVERAL) in page
    assert html.escape(f"{GC}") in page and "test_shape; test_values" in page and "answer cell 1, line 4" in page
    assert page.count(f"<h2 id='{A1}'>") == 1 and f"<h2 id='{A4}'>" not in page, "a section per notebook submitted"
    assert f"<span class=long>{LONG}</span>" in page
    # the command: every item read, exit code 0
    assert report.main(["--root", str(root), "--db-url", db, A2]) == 0
    assert f"<h2 id='{A1}'>" not in (out / "index.html").read_text() and A1 in rows_of(out / "term.csv")[0]


# ----------------------------------------------------------------------------- in a real browser
# Every th/td: its content no wider than the cell, and no word of it broken across lines (a text node's word
# on more than one line box), except in an id marked long.
READABLE = r"""
const bad = [];
for (const cell of document.querySelectorAll('th, td')) {
  if (cell.scrollWidth > cell.clientWidth) bad.push(['overflows', cell.textContent.slice(0, 60)]);
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    if (node.parentElement.closest('.long')) continue;
    for (const m of node.data.matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) bad.push(['broken', m[0]]);
    }
  }
}
return bad;
"""
# The term table as text, and the misconception tables' rows.
TABLES = r"""
const term = document.querySelector('table.term');
const rows = t => [...t.rows].map(r => [...r.cells].map(c => c.innerText.replace(/\s+/g, ' ').trim()));
const mis = [...document.querySelectorAll('h3')].filter(h => h.textContent.startsWith('Misconceptions'))
  .map(h => h.nextElementSibling.querySelector('table')).filter(t => t).map(rows);
return {term: term ? rows(term) : null, misconceptions: mis, pwned: Object.keys(window).filter(k => k.startsWith('pwned')),
        onerror: document.querySelectorAll('[onerror]').length, width: document.documentElement.clientWidth};
"""  # noqa: E501 (a long line of the text inside)
OLD_STYLE = "td,th{overflow-wrap:anywhere !important}.wide{overflow:visible !important}"


def test_the_report_reads_well_in_a_browser(course, tmp_path):
    from tools import browser
    assert not browser.missing_browser(), browser.missing_browser()
    root, db = course
    index = report.report(root, None, db)
    with browser.chromium(tmp_path) as driver:
        for width in (1280, 560):
            driver.set_window_size(width, 900)
            driver.get(index.as_uri())
            assert driver.execute_script(READABLE) == [], width
            page = driver.execute_script(TABLES)
            assert page["width"] < 600 or width > 600, page["width"]
            assert not page["pwned"] and not page["onerror"], page
            term = page["term"]
            assert [c.replace(" ", "") for c in term[0]] == ["student"] + [f"{a}of{sum(CELLS[a].values()):g}"
                                                                             for a in CELLS], term[0]
            by_student = {row[0]: row[1:] for row in term[1:]}
            assert by_student["ada"] == ["5", "5", "5", "—"], by_student
            assert by_student["grace"] == ["0", "4 late", "—", "—"] and by_student["bob"][:2] == ["not graded"] * 2
            assert by_student[HOSTILE][0] == "5", "the id shown as text"
            assert by_student["class mean"][0] == "3.33 (67%)" and by_student["class mean"][3] == "—", by_student
            first = page["misconceptions"][0]
            assert first[0] == ["hint", "cells", "students", "share of the graded", "who"], first
            assert first[1][0] == PLUS_ONE and first[1][2:4] == ["2", "33% (2 of 6)"], first
            assert first[2][0] == BATCH and first[2][3] == "17% (1 of 6)", first
        # the check sees what the old stylesheet did: columns squeezed until words broke
        driver.execute_script(f"const s = document.createElement('style'); s.textContent = {OLD_STYLE!r};"
                              "document.head.appendChild(s);")
        broken = driver.execute_script(READABLE)
        assert [b for b in broken if b[0] == "broken"], broken


def test_the_report_shows_near_identical_answers_for_a_human(course):
    """The similarity view (autograder/classroom/similarity.py) in the report: a copied answer, renamed and
    recommented, is listed with both students in index.html and similar-answers.csv; no score changes."""
    root, db = course
    answer = ("import numpy as np\n\n\nclass Conv1d:\n    def __init__(self, in_channels, out_channels, kernel_size):\n"
              "        self.weight = np.random.randn(out_channels, in_channels, kernel_size)\n"
              "        self.bias = None\n\n    def forward(self, x):\n        N, C, L = x.shape\n"
              "        O, _, K = self.weight.shape\n        out = np.zeros((N, O, L - K + 1))\n"
              "        for n in range(N):\n            for o in range(O):\n                for t in range(L - K + 1):\n"
              "                    out[n, o, t] = np.sum(x[n, :, t:t + K] * self.weight[o])\n        return out\n\n"
              "    def __call__(self, x):\n        return self.forward(x)\n")
    copy = "# my own work\n" + answer.replace("out", "result").replace("weight", "kernel").replace("    ", "  ")
    for student, source in (("ada", answer), ("grace", copy)):
        path = root / "autograded" / student / A1 / f"{A1}.ipynb"
        nb = json.loads(path.read_text())
        nb["cells"][0]["source"] = source
        path.write_text(json.dumps(nb))
    before = (root / "gradebook.db").read_bytes()
    index = report.report(root, None, db)
    page = index.read_text()
    assert "<h3>Similar answers</h3>" in page and page.count("<h3>Similar answers</h3>") == 3
    rows = list(csv.reader(open(index.parent / "similar-answers.csv")))
    assert any(r[0] == A1 and {r[2], r[3]} == {"ada", "grace"} for r in rows[1:]), rows
    assert (root / "gradebook.db").read_bytes() == before, "the view flags for a human; it never grades"
