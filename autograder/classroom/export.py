"""`nbgrader export` with a column that tells graded from not graded (set in autograder/nbgrader_config.py).

nbgrader's CSV export writes a score for every student and assignment, 0.0 when a submission could
not be graded at all, which an LMS then takes for a real zero. This plugin writes the same columns
plus `status`:
- `graded`: every notebook of the assignment has an autograded copy (nbgrader wrote it);
- `not graded`: a submission exists but was refused or failed (see the grader's summary for why);
  its score cells are left empty;
- `not submitted`: no submission; score 0, as nbgrader writes it.
"""
import csv
import os

from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins.export import CsvExportPlugin

KEYS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "raw_score",
        "late_submission_penalty", "score", "max_score", "status"]


class CsvExport(CsvExportPlugin):
    def export(self, gradebook):
        dest = self.to or "grades.csv"
        coursedir = CourseDirectory(config=self.config)
        students, assignments = [str(s) for s in self.student], [str(a) for a in self.assignment]
        with open(dest, "w", newline="") as f:
            out = csv.DictWriter(f, KEYS)
            out.writeheader()
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    out.writerow(self.row(gradebook, coursedir, assignment, student))
        self.log.info("Exported grades to %s", dest)

    @staticmethod
    def row(gradebook, coursedir, assignment, student):
        row = {"assignment": assignment.name, "duedate": assignment.duedate or "", "student_id": student.id,
               "last_name": student.last_name or "", "first_name": student.first_name or "",
               "email": student.email or "", "max_score": assignment.max_score}
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:
            return dict(row, timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0,
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
