"""Manual comments follow the manual grades (README, "Manual grades"): a grader's score and comment
(formgrader) belong to the submission they were given to. `python -m autograder grade` on a resubmitted
notebook clears both, says so in its summary, and the new feedback page no longer shows the old remark; a
submission regraded unchanged (--force) keeps both, listed."""
import dataclasses

import pytest

from autograder.build.release import ROOT
from autograder.classroom import submissions
from autograder.classroom.course import Course
from tests.grading import LIMITS, SECRET, release

A = "02_stride"
REMARK = "Half credit: you subtracted K but forgot the +1"
KEPT = "Well reasoned: the windows jump by the stride"


def example(name):
    return next(s for s in submissions.load(ROOT / "autograder" / "examples")
                if s.assignment == A and s.path.stem == name)


def set_by_hand(course, student, test_cell, score, answer_cell, comment):
    """What formgrader does when a grader types a score and a comment."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        gb.find_grade(test_cell, A, A, student).manual_score = score
        gb.find_comment(answer_cell, A, A, student).manual_comment = comment
        gb.db.commit()


def by_hand(course, student, test_cell, answer_cell):
    """(manual score, manual comment) of a student's cells in the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        return (gb.find_grade(test_cell, A, A, student).manual_score,
                gb.find_comment(answer_cell, A, A, student).manual_comment)


def page(course, student):
    assert course.feedback(A).returncode == 0
    (html,) = (course.root / "feedback" / student / A).glob("*.html")
    return html.read_text()


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """alan (a mistake) and ada graded by the grade command, a score and a comment given to each by hand,
    the feedback generated; then alan resubmits a correct notebook (grace's answers) and the grade command
    runs again."""
    alan, ada = example("alan"), example("ada")
    course = Course(tmp_path_factory.mktemp("manual-comments"), [A])
    release(course)
    course.submit(alan)
    course.submit(ada)
    first = course.grade_parallel([A], *LIMITS, "--no-export", jobs=1, env=SECRET)
    assert first.returncode == 0, first.stdout + first.stderr
    set_by_hand(course, alan.student, "test_output_length", 1, "length_answer", REMARK)
    set_by_hand(course, ada.student, "test_predict", 0.5, "predict_answer", KEPT)
    before = page(course, alan.student)
    course.submit(dataclasses.replace(example("grace"), student=alan.student))
    again = course.grade_parallel([A], *LIMITS, "--no-export", jobs=1, env=SECRET)
    assert again.returncode == 0, again.stdout + again.stderr
    return course, alan.student, ada.student, before, again


def test_a_resubmission_clears_the_manual_comment_with_the_manual_grade(term):
    course, alan, _, before, again = term
    assert REMARK in before, "the grader's comment was on alan's first feedback page"
    assert by_hand(course, alan, "test_output_length", "length_answer") == (None, None)
    assert "2 manual grades and comments cleared: resubmitted" in again.stdout, again.stdout
    assert f"{alan}: cleared manual grade test_output_length = 1" in again.stdout, again.stdout
    assert f"{alan}: cleared manual comment on length_answer (resubmitted)" in again.stdout, again.stdout
    after = page(course, alan)
    assert REMARK not in after, "the new feedback shows no comment given to the old submission"
    assert "Half credit" not in after


def test_an_unchanged_submission_keeps_its_manual_grade_and_comment(term):
    """ada's notebook did not change: the grade command leaves it out, and regrades it with --force (after
    changing a limit or the secret) keeping the grader's score and comment, and listing them."""
    course, alan, ada, _, again = term
    assert f"{ada}:" not in again.stdout, "an unchanged submission is not regraded"
    forced = course.grade_parallel([A], *LIMITS, "--no-export", jobs=1, force=True, env=SECRET)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert by_hand(course, ada, "test_predict", "predict_answer") == (0.5, KEPT)
    assert "0 manual grades and comments cleared: resubmitted; kept on 1 unchanged submission(s)" in forced.stdout, \
        forced.stdout
    assert f"{ada}: kept manual grade test_predict = 0.5" in forced.stdout, forced.stdout
    assert f"{ada}: kept manual comment on predict_answer" in forced.stdout, forced.stdout
    assert f"{alan}:" not in forced.stdout, "alan's cleared grade and comment stay cleared"
    assert KEPT in page(course, ada)
