"""Late work (README, "Late work"): a due date in nbgrader's gradebook, timestamp.txt in each submission, the
course's late-penalty plugin (autograder/classroom/late.py) and a per-student extension. nbgrader's own autograde
takes the penalty off the late notebook's score and leaves the student with an extension alone; the class grader
(`python -m autograder grade`) finds the same penalties; grades.csv shows them."""
import subprocess
import sys

import nbformat
import pytest

from autograder.build.release import ROOT
from autograder.classroom.course import BIN, ENV, Course
from tests.grading import CORPUS, LIMITS, SECRET, release

A = "01_channels_kernel"
DUE = "2026-10-01 12:00:00 UTC"
POLICY = ("--LatePenalty.share_per_day=0.1", "--LatePenalty.max_share=0.5")       # 10% a day started, at most 50%
HANDED_IN = {"ontime": "2026-10-01 11:59:00.000000 UTC",
             "late": "2026-10-02 14:00:00.000000 UTC",        # 26 h late: 2 days started, 20%
             "extended": "2026-10-02 14:00:00.000000 UTC",    # as late, with 2 days' extension: on time
             "very_late": "2026-10-20 12:00:00.000000 UTC"}   # 19 days: capped at 50%
PENALTY_SHARE = {"ontime": 0.0, "late": 0.2, "extended": 0.0, "very_late": 0.5}


def late(course, *args):
    return subprocess.run([sys.executable, "-m", "autograder", "extension", *args, "--root", str(course.root)],
                          cwd=ROOT, env=ENV, capture_output=True, text=True)


def penalties(course):
    """{student: (score before the penalty, late_submission_penalty)} of A, from the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        return {s.student.id: (s.score, s.late_submission_penalty or 0.0) for s in gb.assignment_submissions(A)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Four correct submissions (5 points) handed in around the due date, `extended` granted 2 days before
    anything was graded (the command makes its submission row), then graded by plain `nbgrader autograde`."""
    course = Course(tmp_path_factory.mktemp("late"), [A])
    release(course)
    r = course.nbgrader("db", "assignment", "add", A, f"--duedate={DUE}", check=False)
    assert r.returncode == 0, r.stderr
    grace = next(s for s in CORPUS if s.assignment == A and s.path.stem == "grace")
    for student, stamp in HANDED_IN.items():
        folder = course.root / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(grace.apply(course.released(A)), folder / f"{A}.ipynb")
        (folder / "timestamp.txt").write_text(stamp + "\n")
    r = late(course, A, "extended", "--days", "2")
    assert r.returncode == 0 and "extended: 01_channels_kernel due 2026-10-03 12:00:00" in r.stdout, r.stdout + r.stderr
    assert "an empty submission was made" in r.stdout
    r = course.autograde(A, *LIMITS, *POLICY, env=SECRET)
    assert r.returncode == 0, r.stderr[-3000:]
    return course


def test_a_late_submission_loses_its_share_and_an_extension_protects(course):
    got = penalties(course)
    assert {s: score for s, (score, _) in got.items()} == dict.fromkeys(HANDED_IN, 5.0), got
    assert {s: penalty for s, (_, penalty) in got.items()} == {s: 5.0 * share for s, share in PENALTY_SHARE.items()}
    rows = {r["student_id"]: r for r in course.export()}
    for student, share in PENALTY_SHARE.items():
        row = rows[student]
        assert float(row["raw_score"]) == 5.0 and float(row["late_submission_penalty"]) == 5.0 * share, row
        assert float(row["score"]) == 5.0 * (1 - share), row


def test_the_class_grader_takes_the_same_penalties(course):
    before = penalties(course)
    r = course.grade_parallel([A], *LIMITS, *POLICY, jobs=1, force=True, env=SECRET)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert penalties(course) == before


def test_an_extension_taken_away_counts_when_the_submission_is_graded_again(course):
    r = late(course, A, "extended", "--remove")
    assert r.returncode == 0 and "already handed in: grade it again" in r.stdout, r.stdout + r.stderr
    assert penalties(course)["extended"] == (5.0, 0.0), "the penalty follows only a new grading"
    r = subprocess.run([str(BIN / "nbgrader"), "autograde", A, "--student=extended", "--force", *LIMITS, *POLICY,
                        "--log-level=WARN"], cwd=course.root, env=dict(ENV, **SECRET), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert penalties(course)["extended"] == (5.0, 1.0)
    assert "is 93600.0 seconds late" in r.stderr, r.stderr[-3000:]


@pytest.mark.fast
def test_the_policy_counts_days_started_after_the_grace_period_up_to_the_cap():
    from autograder.classroom.late import DAY, LatePenalty
    plugin = LatePenalty(share_per_day=0.1, max_share=0.5, grace_minutes=15)
    shares = {seconds: plugin.share(seconds) for seconds in
              (0, 60, 15 * 60, 15 * 60 + 1, DAY + 15 * 60, DAY + 15 * 60 + 1, 4 * DAY, 10 * DAY)}
    assert shares == {0: 0.0, 60: 0.0, 900: 0.0, 901: 0.1, DAY + 900: 0.1, DAY + 901: 0.2, 4 * DAY: 0.4,
                      10 * DAY: 0.5}
    assert plugin.late_submission_penalty("ann", 6.0, 2 * DAY) == pytest.approx(1.2)
    assert plugin.late_submission_penalty("ann", 6.0, 60) is None
    assert plugin.late_submission_penalty("ann", 0.0, 2 * DAY) is None
    assert LatePenalty().late_submission_penalty("ann", 6.0, 30 * DAY) is None, "by default nothing is taken off"


def test_the_extension_command_refuses_what_it_cannot_mean(tmp_path, capsys):
    from autograder.classroom.late import main
    for args in ([A, "ann"], [A, "ann", "--days", "1", "--remove"], [A, "ann", "--hours", "-1"]):
        with pytest.raises(SystemExit) as e:
            main([*args, "--root", str(tmp_path)])
        assert e.value.code == 2 and "--days or --hours" in capsys.readouterr().err, args
    course = Course(tmp_path / "c", [A])
    r = late(course, A, "ann", "--days", "1")                    # no gradebook entry for the assignment yet
    assert r.returncode == 1 and "python -m autograder gradebook" in r.stderr, r.stderr
