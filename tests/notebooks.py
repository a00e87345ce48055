"""Reading and running the course notebooks in tests."""
import re

import nbformat
from nbclient import NotebookClient

from autograder.preprocessors import grade_id, is_answer_cell, is_test_cell  # noqa: F401
from autograder.build.release import (SOLUTIONS, RELEASE, STATIC_ENV, assignments, notebook_path,  # noqa: F401
                                solution_answers, with_solution_answers)

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?", re.M | re.S)


def read(assignment, student=False):
    return nbformat.read(notebook_path(assignment, RELEASE if student else SOLUTIONS), as_version=4)


def run(nb, cwd, timeout=120, static=False):
    """Execute with errors allowed; return the notebook with outputs. static: the explorer panels draw
    the static figure kept in solutions/ (else they build their live widgets, with no one to show them to)."""
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute(**({"env": STATIC_ENV} if static else {}))
    return nb


def error_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.get("outputs", []))]


def text_outputs(nb):
    """What a reader sees as text, per code cell (images are compared by presence only; cells marked
    course.volatile, the timings of notebook 07, by the kinds of output they show)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("course", {}).get("volatile"):    # timings: only what kind of output it is
            out.append("volatile:" + ",".join(sorted({o.output_type for o in cell.get("outputs", [])})))
            continue
        parts = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream":       # how a stream is split into outputs is timing
                if parts and parts[-1].startswith(o.name + ":"):
                    parts[-1] += o.text
                else:
                    parts.append(o.name + ":" + o.text)
            elif o.output_type in ("execute_result", "display_data"):
                parts.append(o.data.get("text/plain", "") + "|" + ",".join(sorted(o.data)))
            elif o.output_type == "error":
                parts.append("error:" + o.ename)
        out.append("".join(parts))
    return out


__all__ = ["SOLUTION_REGION", "grade_id", "is_answer_cell", "is_test_cell", "read", "solution_answers",
           "with_solution_answers", "run", "error_cells", "text_outputs", "assignments", "notebook_path",
           "SOLUTIONS", "RELEASE"]
