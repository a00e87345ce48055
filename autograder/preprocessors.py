"""nbgrader preprocessors of the course, listed in autograder/nbgrader_config.py."""
import os

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader import preprocessors as nbp
from nbgrader.api import Gradebook
from traitlets import Bool, Integer

NOT_RUN = ("KernelDied", "NotRun", "CellTimeoutError")


def is_test_cell(cell):
    nb = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and nb.get("grade") and not nb.get("solution")


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_answer_cell(cell):
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def source_notebook(config, info):
    """The assignment's source notebook (solutions/), for the facts a submission must not decide."""
    import nbformat
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=config)
    folder = coursedir.format_path(coursedir.source_directory, ".", info["assignment"])
    return nbformat.read(os.path.join(folder, info["notebook"] + ".ipynb"), as_version=4)


def course_code(source):
    """The sources of the course's own code cells (not answers, not tests) in a source notebook."""
    return {c.source for c in source.cells if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)}


def bonus_cells(source):
    """{grade_id: extra points} of the bonus test cells of a source notebook (metadata course.bonus)."""
    return {grade_id(c): float(c.metadata["course"]["bonus"]) for c in source.cells
            if is_test_cell(c) and "bonus" in c.metadata.get("course", {})}


def error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class Execute(nbp.Execute):
    """nbgrader's Execute, with two changes:
    - A dead kernel ends the run of this notebook only: the cell that killed it and every later cell
      get an error output (and so no points), and grading goes on.
    - Only the student's code runs in the student's kernel: answer cells, and cells the student added
      or edited. Graded test cells are not run there: their verdict comes from the Judge, which runs
      each of them again outside the kernel (their outputs stay empty until the Judge fills them). The
      course's own cells, unchanged (worked examples, the check code, the explorer panel, notebook 07's
      timings), are not run either: nothing graded reads them (answers must stand alone, and the judge
      runs them on their own), and they cost two thirds of a submission's grading time (import torch,
      the examples).
    """

    def preprocess(self, nb, resources=None, km=None):
        self._dead = False
        self._course_code = course_code(source_notebook(self.config, resources["nbgrader"]))
        return super().preprocess(nb, resources, km)

    def is_students(self, cell):
        return not is_test_cell(cell) and (
            is_answer_cell(cell) or cell.source not in self._course_code)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if not self.is_students(cell) and not self._dead:
            cell.outputs = []
            return cell, resources
        if self._dead:
            cell.outputs = [error_output("NotRun", "not run: the kernel died in an earlier cell")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead = True
            cell.outputs.append(error_output(
                "KernelDied", "the kernel died in this cell (sys.exit/os._exit, a crash, or too much memory)"))
            return cell, resources


class Judge(nbp.NbGraderPreprocessor):
    """The verdict of every graded test cell, reached outside the student's kernel (autograder/sandbox/judge.py).

    Runs after Execute, before SaveAutoGrades. A test cell's outputs are replaced by the judge's: its
    printed checks and, on failure, one error line (message and hint; no traceback, which would quote
    hidden tests). A test cell that did not run in the kernel (dead kernel, timeout) keeps its error.
    """

    timeout = Integer(30, help="Seconds the student's code may take for one test cell.").tag(config=True)
    bonus = Bool(True, help="Judge the bonus test cells (metadata course.bonus in the source notebook: "
                            "notebook 07's speed bonus). False: they are not run, fail with a note, and "
                            "nobody gets their extra credit.").tag(config=True)

    def preprocess(self, nb, resources):
        from .sandbox import confine, judge
        (self.log.info if confine.bwrap() else self.log.warning)("Sandbox: %s", confine.sandbox_status())
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            answer_ids = {c.name for c in notebook.solution_cells}
            test_ids = {c.name for c in notebook.grade_cells} - answer_ids
            sources = {c.name: c.source for c in notebook.source_cells if c.name in test_ids}
        bonus_ids = bonus_cells(source_notebook(self.config, info))
        answers, seen = [], set()
        for cell in nb.cells:
            gid = grade_id(cell)
            if cell.cell_type == "code" and gid in answer_ids and gid not in seen:
                seen.add(gid)
                answers.append(cell.source)
        broken = None
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            stopped = [o for o in cell.outputs if o.output_type == "error" and o.ename in NOT_RUN]
            if stopped:   # one clean line: the kernel's traceback would quote the hidden tests
                cell.outputs = [error_output(stopped[-1].ename,
                                             stopped[-1].evalue or "the cell did not finish within the time limit")]
                continue
            gid = grade_id(cell)
            if gid not in sources:
                # Not a test cell of this assignment (forged metadata): never run its source here.
                del cell.metadata["nbgrader"]
                continue
            if broken:
                text, err = "", broken
            elif gid in bonus_ids and not self.bonus:
                text, err = "", ("BonusOff", "this course does not offer this bonus (c.Judge.bonus = False)")
            else:
                passed, text, err, started = judge.judge_cell(sources[gid], answers, self.timeout)
                if not started:
                    broken = err
            cell.outputs = ([new_output("stream", name="stdout", text=text)] if text else []) + \
                           ([error_output(*err)] if err else [])
        return nb, resources


class DropForeignMetadata(nbp.NbGraderPreprocessor):
    """Sanitizing, right after DeduplicateIds: nbgrader metadata the gradebook does not know goes, with a
    warning, and the cell becomes a plain one. Two cases would otherwise leave the submission ungraded
    (OverwriteCells fails with KeyError 'grade_id'): DeduplicateIds empties a duplicate's metadata to
    `{}`, and a student can forge metadata for a graded cell that the assignment does not have."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            self.known = {c.name for c in notebook.source_cells}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader")
        if meta is not None and meta.get("grade_id") not in self.known:
            if meta:
                self.log.warning("Cell %r is not a cell of this assignment: graded as a plain cell", meta.get("grade_id"))
            del cell.metadata["nbgrader"]
        return cell, resources


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
