"""Runs in the grading process, in `nbgrader generate_feedback` and in the release build: cell facts.

Facts about cells and source notebooks that several preprocessors, the release build and the tests
share. Light: nbformat only (nbgrader's CourseDirectory is imported when a source notebook is read), so the
build imports it without a kernel client."""
import ast
import os
import re

import nbformat
from nbformat.v4 import new_output

NOT_RUN = ("KernelDied", "NotRun", "CellTimeoutError")
# Messages that code reading an autograded notebook recognizes (English templates; tr() gives them in the
# submission's language): Execute's for the cells after the kernel died, the judge's when the answer's process
# ended (autograder/sandbox/judge.py, Abort)
KERNEL_DIED_EARLIER = "not run: the kernel died in an earlier cell"
PROCESS_ENDED = ("your code's process was killed (signal {signal}), e.g. for using too much memory",
                 "your code ended its process (exit code {code})")


def says(value, template):
    """Whether `value` begins with the message `template` (an English tr() template) in any of the course's
    languages, whatever its {fields} hold: the readers of autograded notebooks must not look for English words."""
    import string

    from ..catalogues import LANGUAGES, checks_catalogue
    if not isinstance(value, str):
        return False
    for said in {template, *(checks_catalogue(lang).get(template, template) for lang in LANGUAGES)}:
        pattern = "".join(re.escape(text) + (".*?" if field is not None else "")
                          for text, field, _, _ in string.Formatter().parse(said))
        if re.match(pattern, value.strip(), re.S):
            return True
    return False


def kernel_died_earlier(ename, evalue):
    """Whether an error output (ename, evalue) is Execute's "not run: the kernel died in an earlier cell"."""
    return ename == "NotRun" and isinstance(evalue, str) and ("kernel died" in evalue or
                                                              says(evalue, KERNEL_DIED_EARLIER))


def answer_process_ended(ename, evalue):
    """Whether an error output (ename, evalue) is the judge's: the answer's process was killed or ended."""
    return ename == "AnswerStopped" and isinstance(evalue, str) and ("process" in evalue or
                                                                     any(says(evalue, t) for t in PROCESS_ENDED))


def is_test_cell(cell):
    nb = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and nb.get("grade") and not nb.get("solution")


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_answer_cell(cell):
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def source_notebook(config, info):
    """The assignment's source notebook (solutions/), for the facts a submission must not decide. Read
    once per grading process while the file stays the same (several preprocessors ask for it, for
    every submission); the callers only read it."""
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=config)
    folder = coursedir.format_path(coursedir.source_directory, ".", info["assignment"])
    path = os.path.realpath(os.path.join(folder, info["notebook"] + ".ipynb"))
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _SOURCES:
        _SOURCES[key] = nbformat.read(path, as_version=4)
    return _SOURCES[key]


_SOURCES = {}   # source_notebook's notebooks, by (path, mtime, size)


REGION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*$", re.M)
MAGIC = re.compile(r"^([ \t]*)([%!][^\n]*)$", re.M)      # IPython's line magics and shell lines


def code_shape(source):
    """A cell's code with its comments and string literals (docstrings, printed text) masked: what a translated
    cell keeps of the English one (the Chinese edition translates only those, autograder/build/translations.py).
    nbgrader's region markers and IPython's magic lines (%matplotlib inline) count, as lines. None for code that
    does not parse."""
    try:
        tree = ast.parse(MAGIC.sub(r"\1pass", REGION_MARKER.sub("", source)))
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = "…"
        elif isinstance(node, ast.JoinedStr):
            node.values = [v for v in node.values if not isinstance(v, ast.Constant)]
    return str(REGION_MARKER.findall(source)) + str(MAGIC.findall(source)) + ast.dump(tree)


def course_code(source):
    """The code shapes (code_shape) of the course's own code cells (not answers, not tests) in a source
    notebook: a cell of a submission in any language of the course is the course's when its shape is one."""
    return {code_shape(c.source) for c in source.cells
            if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)} - {None}


def is_course_code(cell, course):
    """Whether a submission's code cell is one of the course's own (`course`: course_code of its source)."""
    return code_shape(cell.source) in course


def bonus_cells(source):
    """{grade_id: extra points} of the bonus test cells of a source notebook (metadata course.bonus)."""
    return {grade_id(c): float(c.metadata["course"]["bonus"]) for c in source.cells
            if is_test_cell(c) and "bonus" in c.metadata.get("course", {})}


def error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
