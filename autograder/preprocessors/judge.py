"""Runs in the grading process (nbgrader autograde, or a worker's grading process): the Judge preprocessor.

The Judge preprocessor: every graded test cell's verdict, reached outside the student's kernel (by
autograder/sandbox/judge.py, in this process, with the answers run in forks of the judge's zygote)."""
import os

from nbformat.v4 import new_output
from nbgrader import preprocessors as nbp
from nbgrader.api import Gradebook
from traitlets import Bool

from .. import timing
from ..catalogues import checks_catalogue, language
from ..limits import GraderBusy, MemoryLimits, TimeLimits
from ..notebook import language as messages
from ..notebook.failures import _with_hint
from ..notebook.language import tr
from .cells import (
    NOT_RUN,
    bonus_cells,
    course_code,
    error_output,
    grade_id,
    is_course_code,
    is_test_cell,
    source_notebook,
)

_warned_no_secret = []
_warned_backstop = []


class Judge(nbp.NbGraderPreprocessor):
    """The verdict of every graded test cell, reached outside the student's kernel (autograder/sandbox/judge.py).

    Runs after Execute, before SaveAutoGrades. A test cell's outputs are replaced by the judge's: its
    printed checks and, on failure, one error line (message and hint; no traceback, which would quote
    hidden tests). A test cell that did not run in the kernel (dead kernel, timeout) keeps its error.

    Flags for the instructor (never points): what the answer's process tried and was refused (loading
    a compiled module, gc, files, processes, ...), shown in the test cell's output, and lines of the
    answer that reach for NumPy's internals or around the rules (judge.answer_flags). All of them go
    to the autograded notebook's metadata conv1d.flags, which `python -m autograder grade` lists.
    """

    bonus = Bool(True, help="Judge the bonus test cells (metadata course.bonus in the source notebook: "
                            "notebook 07's speed bonus). False: they are not run, fail with a note, and "
                            "nobody gets their extra credit.").tag(config=True)

    def preprocess(self, nb, resources):
        """Judge in the language of the submission (its metadata course.lang, autograder/catalogues.py): the
        checks' messages and hints, and the judge's own, speak it; English again afterwards."""
        lang = language(nb)
        messages.use(lang, checks_catalogue(lang))
        try:
            return self._judge(nb, resources)
        finally:
            messages.use("en")

    def _judge(self, nb, resources):
        from ..sandbox import confine, judge
        (self.log.info if confine.bwrap() else self.log.warning)("Sandbox: %s", confine.sandbox_status())
        if not os.environ.get(confine.SECRET_VARIABLE) and not _warned_no_secret:
            _warned_no_secret.append(True)          # once per run (one nbgrader process)
            self.log.warning(confine.NO_SECRET)
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
        # every test cell forks a fresh answer process from it, under the course's MemoryLimits
        zygote = judge.Zygote.shared(MemoryLimits(parent=self).answer())
        limits = TimeLimits(parent=self)
        if limits.backstop_seconds < limits.cell_seconds and not _warned_backstop:
            _warned_backstop.append(True)
            self.log.warning("TimeLimits.backstop_seconds (%g) is below TimeLimits.cell_seconds (%g): the wall-clock "
                             "backstop, not the student's own time, will stop cells", limits.backstop_seconds,
                             limits.cell_seconds)
        ledger = judge.Ledger(limits.submission_seconds - resources.get("conv1d_kernel_seconds", 0.0))
        flags = judge.answer_flags([judge.to_python(a) for a in answers])
        noted = set()
        course = course_code(source_notebook(self.config, info))
        elsewhere = {}      # names the student defined in cells the grader does not run: {name: cell number}
        for number, cell in enumerate(nb.cells, 1):
            if cell.cell_type == "code" and not is_test_cell(cell) and grade_id(cell) not in answer_ids \
                    and not is_course_code(cell, course):
                for name in judge.defined_names(judge.to_python(cell.source)):
                    elsewhere.setdefault(name, number)
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            record_verdict(cell)
            stopped = [o for o in cell.outputs if o.output_type == "error" and o.ename in NOT_RUN]
            if stopped:   # one clean line: the kernel's traceback would quote the hidden tests
                cell.outputs = [error_output(stopped[-1].ename,
                                             stopped[-1].evalue or tr("the cell did not finish within the time limit"))]
                continue
            gid = grade_id(cell)
            if gid not in sources:
                # Not a test cell of this assignment (forged metadata): never run its source here.
                del cell.metadata["nbgrader"]
                continue
            hint, in_hidden = None, False
            if broken:
                text, err = "", broken
            elif gid in bonus_ids and not self.bonus:
                text, err = "", ("BonusOff", tr("this course does not offer this bonus (c.Judge.bonus = False)"))
            else:
                for attempt in (1, 2):      # a cell the machine's load stopped is judged once more
                    with timing.part("judge"):
                        verdict = judge.judge_cell(sources[gid], answers, limits.cell_seconds, zygote,
                                                   backstop=limits.backstop_seconds, ledger=ledger, name=gid)
                    if not verdict.busy:
                        break
                    self.log.warning("%s: %s; judged again", gid, verdict.error[1])
                if verdict.busy:
                    raise GraderBusy(f"not graded: {gid} was stopped twice by the wall-clock backstop "
                                     f"({limits.backstop_seconds:g} s) while the student's code had little of its "
                                     f"own time: {verdict.error[1]}")
                text, err, hint = verdict.text, verdict.error, verdict.hint
                in_hidden = verdict.in_hidden
                if not verdict.started:
                    broken = err
                text = "".join(tr("note: {note}", note=n) + "\n" for n in verdict.notes if n not in noted) + text
                noted.update(verdict.notes)
                flags += [f"{gid}: {f}" for f in verdict.flags + verdict.hidden_flags]
                text += "".join(tr("⚑ flagged for your instructor: {flag}", flag=judge.sandbox_said(f)) + "\n"
                                for f in verdict.flags)     # the metadata's flags stay English (the instructor's)
                if err:
                    err = (err[0], explain(err, judge.names_needed(sources[gid]), elsewhere))
                    if err[0] == "CellTimeoutError":
                        self.log.warning("%r %s: %s", info["student"], gid, err[1][:300])
            record_verdict(cell, hint if err else None, in_hidden=bool(err) and in_hidden)
            cell.outputs = ([new_output("stream", name="stdout", text=text)] if text else []) + \
                           ([error_output(err[0], _with_hint(err[1], hint))] if err else [])
        if flags:
            self.log.warning("Flagged for the instructor: %s", "; ".join(flags))
        nb.metadata.setdefault("conv1d", {})["flags"] = flags
        return nb, resources


def record_verdict(cell, hint=None, in_hidden=False):
    """The judge's verdict for a test cell, as data in cell.metadata["conv1d"] (whatever the submission put
    there is dropped): "hint", the mistake the checks recognised, when there is one; "in_hidden": true when
    the cell failed while its hidden tests ran. The feedback page and the class report read the hint from
    here, never out of a message; the Gradescope results (autograder/gradescope/results.py) read both."""
    meta = cell.metadata.get("conv1d")
    meta = dict(meta) if isinstance(meta, dict) else {}
    meta.pop("hint", None)
    meta.pop("in_hidden", None)
    if hint:
        meta["hint"] = str(hint)
    if in_hidden:
        meta["in_hidden"] = True
    if meta:
        cell.metadata["conv1d"] = meta
    else:
        cell.metadata.pop("conv1d", None)


def explain(err, needed, elsewhere):
    """A failed test cell's one-line message, never empty; when the answer cells lack a name (or still
    raise the stub's NotImplementedError) that another cell defines, it says that cell is not graded."""
    ename, evalue = err
    message = evalue.strip() or tr("your code raised {ename} with no message", ename=ename)
    stuck = ename in ("NameError", "NotImplementedError") or "NotImplementedError" in message
    moved = sorted(n for n in needed if n in elsewhere) if stuck else []
    for name in moved:
        message += " " + tr("`{name}` is defined in cell {cell}, which is not an answer cell: the grader runs only "
                            "the answer cells, so move it into its answer cell.", name=name, cell=elsewhere[name])
    return message
