"""Learning-management systems: their submission downloads in, their grade imports out.

In: `nbgrader zip_collect ASSIGNMENT` with the course's config (autograder/nbgrader_config.py) reads
the zip an LMS gives for "download all submissions", put in downloaded/ASSIGNMENT/archive/:

- Canvas: one file per student, `<name>_<user id>_<submission id>_<file>` (`<name>_LATE_<user id>_...`
  when late); Canvas appends `-1`, `-2` to a re-uploaded file's name. The student id is Canvas's
  user id (the `ID` column of Canvas's gradebook).
- Moodle: `<Full Name>_<participant id>_assignsubmission_file_<file>`, or with "download submissions
  in folders" a folder `<Full Name>_<participant id>_assignsubmission_file_/` holding the file. The
  student id is the participant id (the `Identifier` of Moodle's grading worksheet: it is per
  assignment in Moodle, so keep one Moodle assignment per notebook).

The file is collected as submitted/<student id>/<assignment>/<file>, its name without the LMS's
`-N` suffix. Other files are skipped with a warning in nbgrader's log.

Out: `python -m autograder export canvas` (or `moodle`): nbgrader's own export with the plugin
CanvasExport (MoodleExport), from nbgrader's gradebook:

- Canvas gradebook CSV (`canvas-grades.csv`; Canvas: Grades > Import). Columns: `Student` (last,
  first, or the id), `ID` (nbgrader's student id = Canvas user id), `SIS User ID`, `SIS Login ID`,
  `Section` (empty: Canvas matches on ID), then one column per notebook named like the notebook, with
  the score (extra credit included, late penalty taken off); a second row `Points Possible` gives
  each notebook's maximum. A submission that could not be graded has an empty cell (Canvas leaves
  the grade as it was), one never submitted too.
- Moodle grading worksheet, one per notebook (`moodle-<assignment>.csv`; Moodle: the assignment's
  "Upload grading worksheet"). Columns: `Identifier` (`Participant <student id>`), `Full name`,
  `Email address`, `Status`, `Grade`, `Maximum Grade`. Empty `Grade` as for Canvas.
"""
import csv
import os
import re

from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins.export import ExportPlugin
from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

CANVAS = re.compile(r"^(?P<name>[^_/]+)_(?:LATE_)?(?P<student_id>\d+)_(?P<submission>\d+)_(?P<file_id>[^/]+)$")
MOODLE_FILE = re.compile(r"^(?P<name>[^/]+?)_(?P<student_id>\d+)_assign(?:submission|feedback)_\w+?_(?P<file_id>[^/]+)$")
MOODLE_FOLDER = re.compile(r"^(?P<name>[^/]+?)_(?P<student_id>\d+)_assign(?:submission|feedback)_\w+?_$")
LMS_SUFFIX = re.compile(r"-\d+(?=\.ipynb$)")


def parse_download(path):
    """{student_id, file_id} for a file of an LMS download (Canvas or Moodle, see above), or None."""
    name, folder = os.path.basename(path), os.path.basename(os.path.dirname(path))
    for pattern, text, file_id in ((MOODLE_FILE, name, None), (MOODLE_FOLDER, folder, name), (CANVAS, name, None)):
        m = pattern.match(text)
        if m:
            file_id = LMS_SUFFIX.sub("", file_id or m.group("file_id"))
            return {"student_id": m.group("student_id"), "file_id": file_id}
    return None


class LmsCollector(FileNameCollectorPlugin):
    """nbgrader zip_collect's collector for Canvas and Moodle downloads (parse_download)."""

    def collect(self, submitted_file):
        if os.path.splitext(submitted_file)[1] not in self.valid_ext:
            return None
        info = parse_download(submitted_file)
        if info is None:
            self.log.warning("Not a Canvas or Moodle submission file name, skipped: %s", submitted_file)
        return info


def _score(gradebook, coursedir, assignment, student):
    """(score or "" when not graded or not submitted, status) as in autograder/classroom/export.py."""
    from .export import CsvExport
    row = CsvExport.row(gradebook, coursedir, assignment, student)
    return ("" if row["status"] != "graded" else round(float(row["score"]), 4)), row["status"]


class CanvasExport(ExportPlugin):
    """Canvas gradebook CSV (see the module's docstring)."""

    def export(self, gradebook):
        dest = self.to or "canvas-grades.csv"
        coursedir = CourseDirectory(config=self.config)
        wanted = [str(a) for a in self.assignment]
        assignments = [a for a in gradebook.assignments if not wanted or a.name in wanted]
        with open(dest, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(a.name for a in assignments)])
            out.writerow(["    Points Possible", "", "", "", "", *(f"{a.max_score:g}" for a in assignments)])
            for student in gradebook.students:
                if self.student and student.id not in [str(s) for s in self.student]:
                    continue
                name = ", ".join(n for n in (student.last_name, student.first_name) if n) or student.id
                out.writerow([name, student.id, "", "", "",
                              *(_score(gradebook, coursedir, a, student)[0] for a in assignments)])
        self.log.info("Exported Canvas grades to %s", dest)


class MoodleExport(ExportPlugin):
    """Moodle grading worksheets, one per assignment (see the module's docstring)."""

    def export(self, gradebook):
        coursedir = CourseDirectory(config=self.config)
        folder = self.to or "."
        wanted = [str(a) for a in self.assignment]
        for assignment in gradebook.assignments:
            if (wanted and assignment.name not in wanted) or not (wanted or assignment.submissions):
                continue            # by default, the notebooks somebody handed in
            dest = os.path.join(folder, f"moodle-{assignment.name}.csv")
            with open(dest, "w", newline="") as f:
                out = csv.writer(f)
                out.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade"])
                for student in gradebook.students:
                    try:
                        gradebook.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        continue            # not a participant of this Moodle assignment
                    score, status = _score(gradebook, coursedir, assignment, student)
                    name = " ".join(n for n in (student.first_name, student.last_name) if n)
                    out.writerow([f"Participant {student.id}", name, student.email or "", status, score,
                                  f"{assignment.max_score:g}"])
            self.log.info("Exported Moodle grading worksheet to %s", dest)


EXPORTERS = {"csv": "autograder.classroom.export.CsvExport", "canvas": "autograder.classroom.lms.CanvasExport",
             "moodle": "autograder.classroom.lms.MoodleExport"}


def main(argv=None):
    """`python -m autograder export canvas|moodle|csv [nbgrader export options]`: nbgrader's own export
    with one of these plugins. (`nbgrader export --exporter=...` reads its options before the course's
    config puts this repository on Python's path, so it cannot find them.)"""
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in EXPORTERS:
        print(f"usage: python -m autograder export {{{','.join(EXPORTERS)}}} [nbgrader export options]",
              file=sys.stderr)
        return 2
    from nbgrader.apps.exportapp import ExportApp
    app = ExportApp()
    app.initialize([f"--exporter={EXPORTERS[argv[0]]}", *argv[1:]])
    app.start()
    return 0
