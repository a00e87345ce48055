"""Grades out (autograder/classroom/lms.py, CanvasExport and MoodleExport): every file the exports write is
read back as the LMS's own importer reads it, and must give each student the grade nbgrader has.

The importers' rules, from their code:
- Moodle, the assignment's "Upload grading worksheet" (mod/assign/feedback/offline/importgradeslib.php, init()
  and next(); locallib.php, process_import_grades()): the columns `Identifier`, `Grade` and `Last modified
  (grade)`, found by exact name, or the whole file is refused; the participant id is what follows
  `Participant ` in `Identifier`; a row is skipped, without a word, when its id is no participant's, its grade
  is empty, negative or above the assignment's maximum grade, or its Moodle grade was modified more than 60 s
  after `Last modified (grade)` (read with PHP's strtotime).
- Canvas, Grades > Import (lib/gradebook_importer.rb): a header row whose first cells hold `Student` and `ID`,
  its student columns ending with one that holds `Section` (after `SIS User ID`, `SIS Login ID`); headers of
  the non-assignment columns (`Current Score`, `Final Grade`, ...) dropped; each other header the title of an
  assignment (`Title (123)` names assignment 123; a title no assignment has makes a new assignment); a row
  whose first cell holds `Points Possible`; a student found by `ID` (Ruby's to_i of it: Canvas's user id),
  else by name. It takes a score above the points possible (no range check): extra credit.
"""
import csv
import logging
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from nbgrader.api import Gradebook
from traitlets.config import Config

from autograder.classroom import lms
from autograder.classroom.course import BIN, ENV
from autograder.classroom.courseroot import write_config

# nbgrader's own add_submission makes SQLAlchemy warn (its session's autoflush); not this module's to fix
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

A7, A1 = "07_capstone", "01_channels_kernel"      # 07: 12 points and a 1-point bonus (extra credit)
MAX = {A7: 12.0, A1: 5.0}
# student: (first, last, {assignment: (auto scores, extra credit, late penalty, graded)})
CLASS = {
    "1001": ("Ada", "Lovelace", {A7: ([6, 6], 1.0, 0.0, True), A1: ([5], 0.0, 0.0, True)}),     # 13 of 12
    "1002": ("Pat", "O'Brien", {A7: ([6, 5.5], 0.0, 0.5, True)}),                                 # 11.5 - 0.5
    "1003": ("Eve", "=cmd", {A7: ([None, None], 0.0, 0.0, False), A1: ([2], 0.0, 0.0, True)}),  # not graded
    "1004": ("Ned", "Nobody", {}),                                                                # no submission
}
EXPECTED = {A7: {"1001": 13.0, "1002": 11.0}, A1: {"1001": 5.0, "1003": 2.0}}


def make_gradebook(root, url, students=CLASS):
    """A course root (its nbgrader_config.py, autograded/) and a gradebook at `url` holding `students`."""
    root.mkdir(parents=True, exist_ok=True)
    write_config(root)
    with Gradebook(url) as gb:
        for a, cells in ((A7, [6, 6, 0]), (A1, [5])):
            gb.add_assignment(a)
            gb.add_notebook(a, a)
            for i, points in enumerate(cells):
                gb.add_grade_cell(f"test_{i}", a, a, max_score=points, cell_type="code")
        for sid, (first, last, subs) in students.items():
            gb.add_student(sid, first_name=first, last_name=last)
            for a, (scores, extra, penalty, graded) in subs.items():
                gb.add_submission(a, sid)
                for i, score in enumerate(scores):
                    gb.find_grade(f"test_{i}", a, a, sid).auto_score = score
                if extra:                   # the 0-point bonus cell passed
                    bonus = gb.find_grade(f"test_{len(scores)}", a, a, sid)
                    bonus.auto_score, bonus.extra_credit = 0.0, extra
                gb.find_submission_notebook(a, a, sid).late_submission_penalty = penalty
                if graded:
                    folder = root / "autograded" / sid / a
                    folder.mkdir(parents=True)
                    (folder / f"{a}.ipynb").write_text("{}")
        gb.db.commit()


@pytest.fixture(autouse=True)
def _alembic_on_path(monkeypatch):
    """nbgrader stamps a new gradebook by running `alembic`, from the venv's bin/."""
    monkeypatch.setenv("PATH", ENV["PATH"])


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    make_gradebook(root, f"sqlite:///{root / 'gradebook.db'}")
    return root


def run_plugin(plugin, root, **kw):
    """An export plugin as nbgrader export runs it (config: the course root), its log's lines returned."""
    lines = []
    log = logging.getLogger(f"test_lms_export.{id(lines)}")
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    log.addHandler(handler)
    try:
        config = Config({"CourseDirectory": {"root": str(root)}})
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            plugin(config=config, log=log, **kw).export(gb)
    finally:
        log.removeHandler(handler)
    return lines


# -- Moodle: importgradeslib.php and locallib.php, as code --------------------------------------------------

def strtotime(text):
    """The timestamps PHP's strtotime reads that an export may write: ISO 8601 with an offset."""
    return datetime.fromisoformat(text) if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", text) else None


def moodle_import(path, participants, maximum, graded_at=None):
    """What Moodle's "Upload grading worksheet" does with the file: ({participant id: grade} imported,
    [(identifier, why skipped)]). `graded_at`: when each Moodle grade was last modified (default: now)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    missing = [c for c in ("Identifier", "Grade", "Last modified (grade)") if c not in header]
    assert not missing, f"Moodle refuses the worksheet (invalidgradeimport): no column {missing}"
    ident, grade_at, modified_at = (header.index(c) for c in ("Identifier", "Grade", "Last modified (grade)"))
    imported, skipped = {}, []
    for row in rows[1:]:
        uid = row[ident][len("Participant "):]          # substr($idstr, strlen(get_string('hiddenuser', 'assign')))
        if uid not in participants:
            skipped.append((row[ident], "no such participant"))
            continue
        grade, modified = row[grade_at].strip(), strtotime(row[modified_at])
        if grade == "":
            skipped.append((row[ident], "no grade"))
            continue
        value = float(grade)                            # unformat_float
        last_change = graded_at or datetime.now(timezone.utc)
        if modified is None or last_change > modified + timedelta(seconds=60):
            skipped.append((row[ident], "modified in Moodle since"))
        elif value < 0 or value > maximum:
            skipped.append((row[ident], "out of range"))
        else:
            imported[uid] = value
    return imported, skipped


@pytest.mark.fast
def test_the_moodle_worksheet_is_what_moodles_importer_takes(course, tmp_path):
    lines = run_plugin(lms.MoodleExport, course, to=str(tmp_path))
    for a, maximum in MAX.items():
        path = tmp_path / f"moodle-{a}.csv"
        rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
        submitted = {sid for sid, (_, _, subs) in CLASS.items() if a in subs}
        assert {r["Identifier"] for r in rows} == {f"Participant {s}" for s in submitted}
        assert all(re.fullmatch(r"Participant [1-9][0-9]*", r["Identifier"]) for r in rows)
        assert {r["Maximum Grade"] for r in rows} == {f"{maximum:g}"}
        assert all(r["Grade"] == "" or float(r["Grade"]) <= maximum for r in rows), "Moodle skips those"
        imported, skipped = moodle_import(path, submitted, maximum)
        assert imported == {s: min(v, maximum) for s, v in EXPECTED[a].items()}
        assert [why for _, why in skipped] == ["no grade"] * len(submitted - set(EXPECTED[a]))
    rows = {r["Identifier"]: r for r in csv.DictReader(open(tmp_path / f"moodle-{A7}.csv", newline=""))}
    assert (rows["Participant 1001"]["Grade"], rows["Participant 1001"][lms.MOODLE_ABOVE_MAXIMUM]) == ("12", "1")
    assert (rows["Participant 1002"]["Grade"], rows["Participant 1002"][lms.MOODLE_ABOVE_MAXIMUM]) == ("11", "")
    assert rows["Participant 1003"]["Status"] == "not graded" and rows["Participant 1003"]["Grade"] == ""
    clamped = [line for line in lines if "above the maximum" in line]
    assert len(clamped) == 1 and f"moodle-{A7}.csv: 1 grade(s)" in clamped[0], lines
    assert not [line for line in lines if "not Moodle participant ids" in line]


@pytest.mark.fast
def test_a_moodle_grade_changed_after_the_export_is_left_alone(course, tmp_path):
    """`Last modified (grade)` is the export's time: a grade a teacher changed in Moodle later is not
    overwritten by an older worksheet (Moodle's own stale-row rule), an earlier one is."""
    run_plugin(lms.MoodleExport, course, to=str(tmp_path), assignment=[A1])
    path = tmp_path / f"moodle-{A1}.csv"
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    imported, skipped = moodle_import(path, {"1001", "1003"}, MAX[A1], graded_at=later)
    assert imported == {} and {why for _, why in skipped} == {"modified in Moodle since"}
    earlier = datetime.now(timezone.utc) - timedelta(days=1)
    assert moodle_import(path, {"1001", "1003"}, MAX[A1], graded_at=earlier)[0] == EXPECTED[A1]


@pytest.mark.fast
def test_moodle_strings_in_another_language_and_ids_moodle_cannot_match(tmp_path):
    root = tmp_path / "course"
    make_gradebook(root, f"sqlite:///{root / 'gradebook.db'}",
                   {"1001": CLASS["1001"], "ada": ("Ada", "L", {A1: ([4], 0.0, 0.0, True)})})
    french = {"recordid": "Identifiant", "grade": "Note", "lastmodifiedgrade": "Dernière modification (note)",
              "hiddenuser": "Participant "}
    lines = run_plugin(lms.MoodleExport, root, to=str(tmp_path), assignment=[A1], strings=french)
    header = next(csv.reader(open(tmp_path / f"moodle-{A1}.csv", newline="", encoding="utf-8")))
    assert header[:7] == ["Identifiant", "Full name", "Email address", "Status", "Note", "Maximum Grade",
                          "Dernière modification (note)"]
    odd = [line for line in lines if "not Moodle participant ids" in line]
    assert len(odd) == 1 and "(ada)" in odd[0] and "Moodle skips those rows" in odd[0]


# -- Canvas: lib/gradebook_importer.rb, as code -------------------------------------------------------------

NON_ASSIGNMENT = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                            "Override Score|Override Grade|Override Status")


def canvas_import(path, assignments, users):
    """What Canvas's gradebook import does with the file: ({(user id, assignment title): grade text},
    {title: points possible}); fails where Canvas would refuse it or create assignments or students."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "InvalidHeaderRow"
    student_columns = 3                                                       # update_column_count
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns += 2 + (1 if re.search(r"Integration\s+ID", header[4]) else 0)
    assert "Section" in header[student_columns - 1], "InvalidHeaderRow"
    titles = [h for h in header[student_columns:] if not NON_ASSIGNMENT.search(h)]
    for title in titles:                                                      # parse_assignments
        assert not re.fullmatch(r"(.*)\s\((\d+)\)", title), f"{title!r} names an assignment by Canvas id"
        assert title in assignments, f"Canvas would create a new assignment {title!r}"
    points, grades = {}, {}
    for row in rows[1:]:
        if "Points Possible" in row[0]:                                       # process_pp
            points = {t: row[header.index(t)] for t in titles}
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.I) for c in row):
            continue
        m = re.match(r"\d+", row[1])                                          # process_student: row[1].to_i
        assert m and int(m.group()) in users, f"Canvas matches no student by ID {row[1]!r}"
        for t in titles:
            grades[(int(m.group()), t)] = row[header.index(t)].strip()
    return grades, points


@pytest.mark.fast
def test_the_canvas_gradebook_csv_is_what_canvas_imports(course, tmp_path):
    dest = tmp_path / "canvas-grades.csv"
    lines = run_plugin(lms.CanvasExport, course, to=str(dest))
    grades, points = canvas_import(dest, assignments={A1, A7}, users={1001, 1002, 1003, 1004})
    assert points == {a: f"{m:g}" for a, m in MAX.items()}
    got = {(u, a): float(g) for (u, a), g in grades.items() if g != ""}
    assert got == {(int(s), a): v for a, by in EXPECTED.items() for s, v in by.items()}
    assert got[(1001, A7)] == 13 > MAX[A7]        # Canvas takes extra credit above the points possible
    assert grades[(1003, A7)] == "" and grades[(1004, A1)] == ""      # not graded, not submitted: left as it was
    rows = list(csv.reader(open(dest, newline="")))
    assert rows[0] == [*lms.CANVAS_STUDENT_COLUMNS, A7, A1] or rows[0] == [*lms.CANVAS_STUDENT_COLUMNS, A1, A7]
    assert rows[1][0] == "    Points Possible"                 # as Canvas's own export writes it
    assert "'=cmd, Eve" in [r[0] for r in rows]                 # a formula-like name is text
    assert not [line for line in lines if "not Canvas user ids" in line]


@pytest.mark.fast
def test_ids_canvas_cannot_match_are_named_in_one_line(tmp_path):
    root = tmp_path / "course"
    students = {sid: ("A", sid, {A1: ([5], 0.0, 0.0, True)}) for sid in ("1001", "anon_2gP8M", "ada", "0123")}
    make_gradebook(root, f"sqlite:///{root / 'gradebook.db'}", students)
    lines = run_plugin(lms.CanvasExport, root, to=str(tmp_path / "c.csv"))
    odd = [line for line in lines if "not Canvas user ids" in line]
    assert len(odd) == 1 and "3 student id(s)" in odd[0] and "(0123, ada, anon_2gP8M)" in odd[0], lines


# -- the commands: one gradebook, the one --db-url names -----------------------------------------------------

@pytest.mark.fast
def test_db_url_is_given_as_the_other_commands_give_it():
    url = "postgresql+psycopg2://grader:secret@db-host/conv1d"
    for given in (["--db-url", url], [f"--db-url={url}"]):
        argv, got = lms._db_url_option(["--to", "x.csv", *given, "--assignment", "['a']"])
        assert got == url and argv == ["--to", "x.csv", "--assignment", "['a']", f"--CourseDirectory.db_url={url}"]
    assert lms._db_url_option(["--to", "x.csv"]) == (["--to", "x.csv"], None)
    assert "secret" not in lms._hidden_password(url) and "db-host/conv1d" in lms._hidden_password(url)


def command(root, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=root, env=ENV, capture_output=True,
                          text=True)


def test_export_reads_the_db_url_gradebook_and_nbgrader_export_takes_the_plugins(tmp_path):
    root = tmp_path / "course"
    other = tmp_path / "elsewhere" / "term.db"
    other.parent.mkdir()
    make_gradebook(root, f"sqlite:///{other}")                            # the class is only in term.db
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:            # the course root's: someone else
        gb.add_assignment(A1)
        gb.add_student("9999")
        gb.add_submission(A1, "9999")
    r = command(root, "export", "canvas", "--db-url", f"sqlite:///{other}")
    assert r.returncode == 0, r.stderr
    grades, _ = canvas_import(root / "canvas-grades.csv", {A1, A7}, {1001, 1002, 1003, 1004})
    assert float(grades[(1001, A7)]) == 13
    warned = [line for line in r.stderr.splitlines() if "c.CourseDirectory.db_url" in line]
    assert len(warned) == 1 and str(root / "gradebook.db") in warned[0], r.stderr
    r = command(root, "export", "moodle", "--db-url", f"sqlite:///{other}", "--assignment", f"['{A7}']")
    assert r.returncode == 0, r.stderr
    assert moodle_import(root / f"moodle-{A7}.csv", {"1001", "1002", "1003"}, MAX[A7])[0] == \
        {"1001": 12.0, "1002": 11.0}
    # nbgrader's own command, the plugin named on the command line: the same file
    (root / "canvas-grades.csv").unlink()
    r = subprocess.run([str(BIN / "nbgrader"), "export",
                        "--exporter=autograder.classroom.lms.CanvasExport", f"--db=sqlite:///{other}"],
                       cwd=root, env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert float(canvas_import(root / "canvas-grades.csv", {A1, A7}, {1001, 1002, 1003, 1004})[0][(1001, A7)]) == 13
    # without --db-url: the course root's gradebook, and no warning
    r = command(root, "export", "canvas")
    assert r.returncode == 0 and "c.CourseDirectory.db_url" not in r.stderr, r.stderr
    rows = list(csv.reader(open(root / "canvas-grades.csv", newline="")))
    assert [row[1] for row in rows[2:]] == ["9999"]
