"""Real `nbgrader autograde` on the example submissions and the test corpus: every graded cell gets
the points its submission file expects (see autograder/classroom/submissions.py for the format)."""
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder.preprocessors import course_code, is_answer_cell, is_test_cell
from tests.grading import CORPUS, LIMITS, WORKERS, fingerprint
from tests.notebooks import read

@pytest.mark.parametrize("sub", CORPUS, ids=lambda s: f"{s.assignment}/{s.path.stem}")
def test_submission_gets_expected_points(graded, sub):
    scores = graded[1]
    cells = scores[(sub.assignment, sub.student)]
    unknown = set(sub.expect) - set(cells)
    assert not unknown, f"{sub.path.name} expects points for cells that do not exist: {unknown}"
    got = {gid: score for gid, (score, _) in cells.items()}
    want = {gid: sub.expect.get(gid, 0.0) for gid in cells}
    if all(v == cells[g][1] for g, v in want.items()):
        assert sub.expect, "a full-marks submission names its cells"
    assert got == want, f"{sub.path.name}: {sub.description}"


def test_course_folder_survives_every_submission(graded):
    """Hostile notebooks (deleting the gradebook, other submissions, the config; killing the grader)
    change nothing outside their own folder, and the gradebook holds every student."""
    courses, scores, before = graded
    for a, course in courses.items():
        assert fingerprint(course.root) == before[a], f"{a}: a submission changed course files"
        graded_students = {s for b, s in scores if b == a}
        assert graded_students == {s.student for s in CORPUS if s.assignment == a}
    assert not (Path.home() / "pwned-by-a-student").exists(), "a forged test cell's code ran outside the sandbox"


def test_force_regrade_gives_the_same_grades(graded):
    courses, scores, _ = graded
    a = "01_channels_kernel"
    # The submissions most likely to grade differently twice (not the endless loop: it costs time only).
    again = "corpus__hostile_[dkmops]*"
    assert courses[a].autograde(a, *LIMITS, f"--student={again}").returncode == 0
    regraded = {s: v for s, v in courses[a].scores(a).items() if s.startswith("corpus__hostile_")}
    assert len(regraded) == 7 and regraded == {s: v for (b, s), v in scores.items() if b == a and s in regraded}


def test_regrade_replaces_the_old_score(graded):
    """A resubmission graded with --force never keeps a stale score."""
    courses, scores, _ = graded
    course = courses["01_channels_kernel"]
    correct = next(s for s in CORPUS if s.path.stem == "ada" and s.assignment == "01_channels_kernel")
    blank = next(s for s in CORPUS if s.path.stem == "blank" and s.assignment == "01_channels_kernel")
    assert sum(v for v, _ in scores[("01_channels_kernel", correct.student)].values()) == 5
    course.submit(dataclasses.replace(blank, student=correct.student))
    assert course.autograde("01_channels_kernel", *LIMITS, f"--student={correct.student}").returncode == 0
    regraded = course.scores("01_channels_kernel")[correct.student]
    assert sum(v for v, _ in regraded.values()) == 0


def test_feedback_has_scores_and_hints_but_no_hidden_tests(graded):
    course = graded[0]["01_channels_kernel"]
    # the examples (a correct, a wrong and a blank answer) and the cheats: what their feedback shows
    assert course.feedback("01_channels_kernel", "--student=examples__*").returncode == 0
    assert course.feedback("01_channels_kernel", "--student=corpus__cheat_*").returncode == 0
    pages = list((course.root / "feedback").rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        html = page.read_text()
        assert "HIDDEN TESTS" not in html and "random_cases([], n=" not in html, page
        assert not any(f"seed={n}" in html for n in (1101, 1102, 1103, 1104)), page   # hidden cases of 01
    alan = next(p for p in pages if "examples__alan" in str(p)).read_text()
    assert "Hint: the kernel looks flipped" in alan
    assert "Score: 0.0 / 2.0" in alan
    cheat = next(p for p in pages if "cheat_np_convolve" in str(p)).read_text()
    assert "your answer called np.convolve" in cheat
    for nb_path in (course.root / "autograded").rglob("*.ipynb"):    # graded cells: one line, no traceback
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if is_test_cell(cell):
                assert all(len(o.traceback) == 1 for o in cell.outputs if o.output_type == "error"), nb_path


def test_export_writes_one_row_per_student_and_assignment(graded):
    courses, scores, _ = graded
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:      # one course folder each: side by side
        exported = dict(zip(courses, pool.map(lambda course: course.export(), courses.values())))
    for a, rows in exported.items():
        assert len(rows) == len({s for b, s in scores if b == a})
        assert {r["assignment"] for r in rows} == {a}


def test_only_the_students_code_runs_in_the_kernel(graded):
    """Autograde runs the answers and any cell a student added or edited; the course's own cells
    (examples, check code, explorer panel, timings) are not run (no execution count, no output)."""
    for a, course in graded[0].items():
        ours = course_code(read(a))
        for nb_path in (course.root / "autograded").rglob("*.ipynb"):
            cells = [c for c in nbformat.read(nb_path, as_version=4).cells if c.cell_type == "code"]
            for cell in cells:
                if cell.source in ours and not is_answer_cell(cell) and not is_test_cell(cell):
                    assert cell.execution_count is None, (nb_path, cell.source[:60])
                    assert all(o.get("ename") == "NotRun" for o in cell.outputs), (nb_path, cell.source[:60])
            if "examples__ada" in str(nb_path):
                assert all(c.execution_count for c in cells if is_answer_cell(c)), nb_path


def test_the_instructor_can_switch_the_speed_bonus_off(tmp_path):
    """`c.Judge.bonus = False`: the bonus cell is not timed, says why, and gives no extra credit."""
    from autograder.classroom.course import Course
    ada = next(s for s in CORPUS if s.assignment == "07_capstone" and s.path.stem == "ada")
    assert ada.expect["test_speed_bonus"] == 1
    course = Course(tmp_path, ["07_capstone"])
    course.release()
    course.submit(ada)
    assert course.autograde("07_capstone", *LIMITS, "--Judge.bonus=False").returncode == 0
    cells = course.scores("07_capstone")[ada.student]
    assert cells["test_speed_bonus"] == (0.0, 0.0)
    assert sum(score for score, _ in cells.values()) == sum(ada.expect.values()) - 1
    nb = nbformat.read(next((course.root / "autograded").rglob("07_capstone.ipynb")), as_version=4)
    bonus = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_speed_bonus")
    assert [o.evalue for o in bonus.outputs] == ["this course does not offer this bonus (c.Judge.bonus = False)"]
