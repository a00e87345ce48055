"""Runs in the `nbgrader export` process (its plugin): grades.csv with a column that tells graded from not graded.

`nbgrader export` with a column that tells graded from not graded (set in autograder/nbgrader_config.py);
the LMS exports (autograder/classroom/lms.py, `python -m autograder export`) build on it, and the class
report (the report or grade command) uses is_graded() and reason().

nbgrader's CSV export writes a score for every student and assignment, 0.0 when a submission could
not be graded at all, which an LMS then takes for a real zero. This plugin writes the same columns
plus `status`:
- `graded`: every notebook of the assignment has an autograded copy (nbgrader wrote it);
- `not graded`: a submission exists but was refused or failed (see the grader's summary for why);
  its score cells are left empty;
- `not submitted`: no submission; the score cells are empty (nbgrader writes 0.0, which an LMS takes for a
  real zero; the status says why there is none).

grades.csv goes through autograder/classroom/spreadsheet.py: a text cell that starts like a formula (a
student id or name `=HYPERLINK(...)`) is written as text.

One bad row never stops the export: a student or submission whose row raises (a gradebook row
SQLAlchemy cannot load, an odd value) is left out of the file and named in nbgrader's log in one line
with its reason (student-made text made printable); the other rows are written, and the command
(`nbgrader export`, `python -m autograder export csv`) then exits with code 1 (0 when every row was
written).
"""
import contextlib
import os
import sys

from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins.export import CsvExportPlugin

from ..text import printable
from . import spreadsheet

KEYS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "raw_score",
        "late_submission_penalty", "score", "max_score", "status"]


class CsvExport(CsvExportPlugin):
    def export(self, gradebook):
        dest = self.to or "grades.csv"
        coursedir = CourseDirectory(config=self.config)
        students, assignments = [str(s) for s in self.student], [str(a) for a in self.assignment]
        left_out = LeftOut(self.log, dest, gradebook)
        with open(dest, "w", newline="") as f:
            out = spreadsheet.DictWriter(f, KEYS)
            out.writeheader()
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    with left_out.row(f"{assignment.name}/{student.id}"):
                        out.writerow(self.row(gradebook, coursedir, assignment, student))
        self.log.info("Exported grades to %s", dest)
        left_out.finish()

    @staticmethod
    def row(gradebook, coursedir, assignment, student):
        row = {"assignment": assignment.name, "duedate": assignment.duedate or "", "student_id": student.id,
               "last_name": student.last_name or "", "first_name": student.first_name or "",
               "email": student.email or "", "max_score": assignment.max_score}
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:
            return dict(row, timestamp="", raw_score="", late_submission_penalty="", score="",
                        status="not submitted")
        folder = coursedir.format_path(coursedir.autograded_directory, student.id, assignment.name)
        if not is_graded(folder, assignment.notebooks):
            return dict(row, timestamp=submission.timestamp or "", raw_score="", late_submission_penalty="",
                        score="", status="not graded")
        penalty = submission.late_submission_penalty or 0.0
        return dict(row, timestamp=submission.timestamp or "", raw_score=submission.score,
                    late_submission_penalty=penalty, score=max(0.0, submission.score - penalty), status="graded")


def is_graded(folder, notebooks):
    """Whether nbgrader wrote an autograded copy of every notebook (gradebook Notebook rows) in the
    submission's autograded folder: the one rule for `graded` (grades.csv, LMS exports, class report)."""
    return bool(notebooks) and all(os.path.isfile(os.path.join(folder, f"{nb.name}.ipynb")) for nb in notebooks)


class LeftOut:
    """The rows an export could not write (grades.csv, the LMS exports): each named in one line of the log,
    with its reason, while the other rows are written; finish() then exits with code 1."""

    def __init__(self, log, dest, gradebook):
        self.log, self.dest, self.gradebook, self.lines = log, dest, gradebook, []

    @contextlib.contextmanager
    def row(self, what):
        try:
            yield
        except Exception as e:      # a row that cannot be read: the others still go out
            self.gradebook.db.rollback()
            self.lines.append(one_line(f"{self.dest}: left out {what}: {reason(e)}"))
            self.log.error("%s", self.lines[-1])

    def finish(self):
        if self.lines:
            self.log.error("%s: %d row(s) left out (listed above); every other row is written", self.dest,
                           len(self.lines))
            sys.exit(1)


def reason(e):
    """An exception as one line: its type and the first line of its message."""
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0][:300]}" if lines else type(e).__name__


def one_line(text):
    """Student-made text as one printable line (the class grader's rule, autograder/text.py)."""
    return printable(text)
