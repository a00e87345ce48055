"""Runs in the grading process (nbgrader autograde, or a worker's grading process): extra credit.

After SaveAutoGrades: a bonus test cell's extra credit."""
from nbgrader import preprocessors as nbp
from nbgrader.api import Gradebook

from .cells import bonus_cells, grade_id, is_test_cell, source_notebook


class ExtraCredit(nbp.NbGraderPreprocessor):
    """After SaveAutoGrades: a bonus test cell is worth 0 points in nbgrader's metadata, so missing it
    costs nothing; when it passes, the student gets its bonus as nbgrader's extra credit (counted in
    every score nbgrader reports). The bonus is read from the source notebook (metadata
    course.bonus), never from the submission, and is reset on every regrade."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        bonus = bonus_cells(source_notebook(self.config, info))
        if not bonus:
            return nb, resources
        passed = {grade_id(c): not any(o.output_type == "error" for o in c.outputs)
                  for c in nb.cells if is_test_cell(c) and grade_id(c) in bonus}
        with Gradebook(info["db_url"]) as gb:
            for gid, points in bonus.items():
                grade = gb.find_grade(gid, info["notebook"], info["assignment"], info["student"])
                grade.extra_credit = points if passed.get(gid) else 0.0
            gb.db.commit()
        return nb, resources
