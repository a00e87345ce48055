"""The time a submission may take: one home for the limits the kernel (autograder/preprocessors/execute.py)
and the judge (autograder/sandbox/judge.py, autograder/preprocessors/judge.py) share. Light: traitlets only.

A student is charged only for what the student's code spent (autograder/sandbox/usage.py: the student's
own time, CPU time plus the time it chose to sleep, never the time other processes kept it from a CPU):

- `cell_seconds` of own time for each cell: a student's cell in the kernel, or a graded test cell in the
  judge's answer process. Past it the cell is stopped and scores zero; in the judge, every later test
  cell that would make the same call (the same method of the same object) is reported at once instead of
  waiting again, so a loop that never ends is charged once.
- `submission_seconds` of own time for the whole submission, kernel and judge together; the cells after
  it are reported "not run: the submission's time is spent".
- `backstop_seconds` of wall-clock time for one cell, far above what `cell_seconds` of own time takes on
  a busy machine. A cell stopped by it while its own time was small (the machine's load, not the
  student, took the time) is retried once; stopped that way again, the submission is **not graded**,
  with that reason, never scored (it is listed apart and left out of the class statistics).

Set them in nbgrader_config.py: `c.TimeLimits.cell_seconds = 60`, or on the command line
(`nbgrader autograde 07_capstone --TimeLimits.cell_seconds=60`, `python -m autograder grade ...
--TimeLimits.submission_seconds=600`).
"""
from traitlets import Float
from traitlets.config import Configurable


class TimeLimits(Configurable):
    """Time limits of one submission's grading (see the module's docstring)."""

    cell_seconds = Float(30.0, help="Seconds of the student's own time (CPU time plus sleep, never time other "
                                    "processes took) one cell may take: a student's cell in the kernel, or "
                                    "a graded test cell in the judge.").tag(config=True)
    submission_seconds = Float(300.0, help="Seconds of the student's own time the whole submission may take, "
                                           "kernel and judge together; later cells are not run.").tag(config=True)
    backstop_seconds = Float(600.0, help="Wall-clock seconds one cell may take, however busy the machine: a "
                                         "cell stopped by this while the student's own time was small is "
                                         "retried once, then the submission is not graded.").tag(config=True)


class GraderBusy(Exception):
    """The grading machine was too busy to grade a submission fairly: it is not graded (never scored)."""
