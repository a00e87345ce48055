"""Grades that do not depend on how busy the grading machine is (autograder/limits.py, autograder/sandbox/usage.py).

The grader is given one CPU (its affinity, which every process it starts inherits: kernels, answer
processes, the Dask workers), and that CPU is kept busy by spinning processes, two for it (so three want it),
each in a session of its own (with the kernel's autogroup, the processes of one session share one slot and would hide
the load): every core the grader may use is busy several times over (a load of three for one core), as on a
loaded server, while the test suite's other worker keeps the other core. The grader grades correct 07 and 08
submissions, which get every point, the speed bonus included; in the same run an answer whose forward never
returns is still stopped by its own time and loses only the cells that call it. The tests assert grades, never times.
"""
import os
import subprocess
import sys

import nbformat

from autograder.build.release import ROOT
from autograder.classroom.course import BIN, ENV, Course
from tests.grading import CORPUS, SECRET, release

SPINNERS = 2        # for the grader's one CPU: its run queue holds three times what one core runs


def submission(assignment, stem):
    return next(s for s in CORPUS if s.assignment == assignment and s.path.stem == stem)


def busy_cpu(spinners=SPINNERS):
    """(taskset's prefix, spinners): the grader's one CPU, kept busy by `spinners` processes, each in a session
    of its own. Kill the spinners when done."""
    cpu = str(max(os.sched_getaffinity(0)))
    one_cpu = ["taskset", "-c", cpu]
    spinners = [subprocess.Popen([*one_cpu, sys.executable, "-c", "while True: pass"], start_new_session=True)
                for _ in range(spinners)]
    return one_cpu, spinners


def test_a_busy_machine_changes_no_grade_and_a_loop_is_still_stopped_once(tmp_path):
    course = Course(tmp_path, ["07_capstone", "08_backward"])
    release(course)
    graded = [submission("07_capstone", "ada"), submission("08_backward", "ada"),
              submission("07_capstone", "hostile_forward_never_returns")]
    for s in graded:
        course.submit(s)
    one_cpu, spinners = busy_cpu()
    try:
        r = subprocess.run([*one_cpu, sys.executable, "-m", "autograder", "grade", "07_capstone", "08_backward",
                            "--root", str(course.root), "--jobs", "1", "--TimeLimits.cell_seconds=6"],
                           cwd=ROOT, env=dict(ENV, **SECRET), capture_output=True, text=True)
        assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
        busy = all(p.poll() is None for p in spinners)
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    assert busy, "the spinners stopped before the grading was done"
    for s in graded:
        got = {cell: score for cell, (score, _) in course.scores(s.assignment)[s.student].items()}   # extra credit in
        assert got == {cell: s.expect.get(cell, 0.0) for cell in got}, (s.student, got)
    # the loop ran out of time once, in the first cell that called forward; the later ones did not wait again
    looper = graded[2]
    nb = nbformat.read(course.root / "autograded" / looper.student / "07_capstone" / "07_capstone.ipynb", as_version=4)
    errors = {c.metadata["nbgrader"]["grade_id"]: o.evalue for c in nb.cells
              for o in c.get("outputs", [])
              if o.get("output_type") == "error" and c.metadata.get("nbgrader", {}).get("grade_id")}
    assert "did not finish" in errors["test_tuples"], errors["test_tuples"]
    for cell in ("test_unbatched", "test_dtype_and_views", "test_random_layers", "test_speed_bonus"):
        assert "already ran out of time in test_tuples" in errors[cell], (cell, errors[cell])


def test_a_cell_the_load_held_up_is_judged_again_then_the_submission_is_not_graded(tmp_path):
    """Spinners and the grader share one CPU, and the wall-clock backstop is tiny: every cell is stopped by
    the backstop while the student's code waited for that CPU. Judged again, stopped again: nbgrader lists
    the submission as failed with the reason, grades.csv says `not graded` (never a 0)."""
    course = Course(tmp_path, ["01_channels_kernel"])
    release(course)
    grace = submission("01_channels_kernel", "grace")
    course.submit(grace)
    one_cpu, spinners = busy_cpu(3)     # the answer waits for the CPU at least 3/4 of the time: "busy", surely
    try:
        r = subprocess.run([*one_cpu, str(BIN / "nbgrader"),
                            "autograde", "01_channels_kernel", "--force", "--TimeLimits.backstop_seconds=0.05"],
                           cwd=course.root, env=dict(ENV, **SECRET), capture_output=True, text=True)
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    log = r.stdout + r.stderr
    assert r.returncode != 0 and "GraderBusy: not graded" in log and "too busy" in log, log[-3000:]
    assert "judged again" in log or "run again" in log or "starting another kernel" in log, log[-3000:]
    (row,) = [row for row in course.export() if row["student_id"] == grace.student]
    assert row["status"] == "not graded" and row["score"] == "", row


def test_a_kernel_the_load_keeps_from_starting_is_replaced_then_the_submission_is_not_graded(tmp_path):
    """Kernel start-up is the grader's time alone (no student code has run): a kernel still alive but not ready
    by Execute.startup_timeout (here 0 s: too short on any machine) is replaced once, then the submission is
    listed as not graded, never scored."""
    course = Course(tmp_path, ["01_channels_kernel"])
    release(course)
    grace = submission("01_channels_kernel", "grace")
    course.submit(grace)
    r = subprocess.run([str(BIN / "nbgrader"), "autograde", "01_channels_kernel", "--force",
                        "--Execute.startup_timeout=0"],
                       cwd=course.root, env=dict(ENV, **SECRET), capture_output=True, text=True)
    log = r.stdout + r.stderr
    assert r.returncode != 0 and "GraderBusy: not graded: the kernel had not" in log and "too busy" in log, log[-3000:]
    assert log.count("starting another kernel") == 1, log[-3000:]
    (row,) = [row for row in course.export() if row["student_id"] == grace.student]
    assert row["status"] == "not graded" and row["score"] == "", row
