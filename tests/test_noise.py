"""Grading says nothing alarming about an honest class: nbgrader's checksum warning for every cell with hidden
tests (jupyter/nbgrader#1961), SQLAlchemy's warnings about nbgrader's add_submission and generate_feedback's
"display_data_priority not recognized" are gone, while a test cell a student edited is still warned about (and
graded as released)."""
import re
import subprocess

import nbformat
import pytest

from autograder.classroom.course import BIN, ENV, Course
from tests.grading import CORPUS, LIMITS, SECRET, release

A = "01_channels_kernel"
NOISE = ("SAWarning", "not in session", "display_data_priority", "Warning:",
         "Ctrl-C will not work")     # ipykernel's note for a kernel started without a parent


def checksum_warnings(log):
    """{grade_id} of the cells nbgrader's OverwriteCells says were changed."""
    return set(re.findall(r"Attribute 'checksum' for cell (\S+) has changed!", log))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A fresh course (its gradebook has no submission yet) with two correct submissions: `honest` as released,
    `edited` with one test cell with hidden tests and one without edited to pass. Autograded and its feedback
    made with nbgrader's own commands."""
    course = Course(tmp_path_factory.mktemp("noise"), [A])
    release(course)
    grace = next(s for s in CORPUS if s.assignment == A and s.path.stem == "grace")
    for student, edits in (("honest", {}), ("edited", {"test_values": "pass", "test_signature_weight": "pass"})):
        nb = grace.apply(course.released(A))
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in edits:
                cell.source = edits[gid]
        path = course.root / "submitted" / student / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    graded = nbgrader(course, "autograde", A, *LIMITS)
    assert graded.returncode == 0, graded.stderr[-3000:]
    feedback = nbgrader(course, "generate_feedback", A)
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    return course, graded.stdout + graded.stderr, feedback.stdout + feedback.stderr


def nbgrader(course, *args):
    """nbgrader's command at its default log level (INFO), as an instructor runs it."""
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=course.root, env=dict(ENV, **SECRET),
                          capture_output=True, text=True)


def per_student(log):
    """The autograde log split by submission: {student: its lines}."""
    parts, student = {}, None
    for line in log.splitlines():
        m = re.search(r"Autograding submission .*?/submitted/([^/]+)/", line) or \
            re.search(r"Creating/updating student with ID '([^']+)'", line)
        if m:
            student = m.group(1)
        parts.setdefault(student, []).append(line)
    return {s: "\n".join(lines) for s, lines in parts.items()}


def test_an_honest_submission_is_graded_without_alarms(course):
    course, graded, feedback = course
    honest = per_student(graded)["honest"]
    assert not checksum_warnings(honest), honest
    assert not [w for w in NOISE if w in graded], graded[-3000:]
    assert not [w for w in NOISE if w in feedback], feedback[-3000:]
    assert "Config option" not in feedback, feedback[-3000:]
    assert all(score == top for score, top in course.scores(A)["honest"].values()), course.scores(A)


def test_a_test_cell_a_student_edited_still_warns_and_is_graded_as_released(course):
    course, graded, _ = course
    edited = per_student(graded)["edited"]
    assert checksum_warnings(edited) == {"test_values", "test_signature_weight"}, edited
    assert course.scores(A)["edited"] == course.scores(A)["honest"], "the released tests graded the answers"
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        want = {name: gb.find_source_cell(name, A, A).source for name in ("test_values", "test_signature_weight")}
    autograded = nbformat.read(course.root / "autograded" / "edited" / A / f"{A}.ipynb", as_version=4)
    got = {c.metadata["nbgrader"]["grade_id"]: c.source for c in autograded.cells
           if c.metadata.get("nbgrader", {}).get("grade_id") in want}
    assert got == want and "### BEGIN HIDDEN TESTS" in got["test_values"], "put back, hidden tests included"


@pytest.mark.fast
def test_the_released_checksum_is_the_gradebook_cell_without_its_hidden_tests():
    """The course's OverwriteCells recognises the released cell (hidden tests stripped) and nothing else: a
    cell holding a hidden-tests block of the student's own is not the released cell."""
    from nbgrader import utils

    from autograder.preprocessors.overwritecells import OverwriteCells

    source = "check(1)\n### BEGIN HIDDEN TESTS\ncheck(2)\n### END HIDDEN TESTS"
    meta = {"grade": True, "solution": False, "locked": True, "grade_id": "test_x", "points": 2.0,
            "schema_version": 3}

    class Gradebook:
        def find_source_cell(self, name, notebook, assignment):
            assert (name, notebook, assignment) == ("test_x", "nb", "a")
            return type("SourceCell", (), {"source": source})

    pre = OverwriteCells()
    pre.gradebook, pre.notebook_id, pre.assignment_id = Gradebook(), "nb", "a"
    warned = []
    pre.log.warning = lambda *args: warned.append(args)
    for submitted, warns in (("check(1)", False), ("check(1)\n", True), ("pass", True),
                             ("check(1)\n### BEGIN HIDDEN TESTS\nanything\n### END HIDDEN TESTS", True)):
        pre._cell = nbformat.v4.new_code_cell(submitted, metadata={"nbgrader": dict(meta)})
        warned.clear()
        pre.report_change("test_x", "checksum", "gradebook's", utils.compute_checksum(pre._cell))
        assert bool(warned) == warns, submitted
    pre.report_change("test_x", "points", 2.0, 50.0)
    assert warned, "other changes are reported as nbgrader reports them"
