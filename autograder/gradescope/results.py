"""Runs in run_autograder's process (autograder/gradescope/run.py), in Gradescope's container: results.json.

Gradescope's results (gradescope-autograders.readthedocs.io, "Autograder Specifications": a `tests` list of
`name`, `score`, `max_score`, `status`, `visibility`, `output`; a top-level `score`, `output`,
`execution_time`, `stdout_visibility`) from what nbgrader's autograde left: the autograded notebook (each
test cell's outputs are the judge's, and its metadata conv1d holds the judge's verdict as data:
autograder/preprocessors/judge.py, record_verdict) and the gradebook's points. Pure: no file, no process.

Who sees what, and when (README, "Gradescope"):
- one test per graded cell, named by its grade id, in the notebook's order, with the points nbgrader gave it.
  A cell without hidden tests is `visible`: the student sees its points and the judge's message and hint at
  once. A cell with hidden tests is `after_published`: its points depend on cases the student must not probe
  by resubmitting, so its entry waits for the instructor's "Publish Grades" (and, as Gradescope's
  specification says, the student's total waits with it).
- what a student may know at once of such a cell, its visible checks, goes in the top-level `output`, a line
  a cell: the judge's message (its first line) and hint when they fail, else that they pass; a failure in
  its hidden cases looks the same as a pass until grades are published.
- a bonus cell (notebook 07's speed bonus) is worth 0 points in nbgrader and gives extra credit: its test has
  `max_score` 0 and `score` the bonus, which Gradescope adds on top of the total.
- a notebook that cannot be graded gets one visible test, worth the assignment's points, that says why in
  one line.
"""
import json
import os
import typing

from ..notebook.language import tr
from ..preprocessors.cells import grade_id, is_test_cell
from ..text import printable

VISIBLE, AFTER_PUBLISHED, HIDDEN = "visible", "after_published", "hidden"
VISIBILITIES = (VISIBLE, AFTER_PUBLISHED, "after_due_date", HIDDEN)      # Gradescope's, for the checks
MAX_OUTPUT = 8_000          # characters of one test's output (what the judge printed can be long)
MAX_NAME = 200              # characters of a handed-in file's name in a message
MAX_LINE = 400              # characters of a cell's line in the top-level output


class Graded(typing.NamedTuple):
    """A graded test cell of the assignment, as the gradebook has it."""
    name: str                   # its grade id
    score: float                # nbgrader's points for it, extra credit included
    max_score: float            # its points (0 for a bonus cell: its points are extra credit)
    hidden: bool                # its source (the gradebook's) has hidden tests


def verdict(cell):
    """(failed, message, printed, in_hidden) of an autograded test cell: whether it failed, the judge's
    one-line message with its hint (its last error output's), what the cell printed, and whether it failed
    while its hidden tests ran. A missing cell failed."""
    if cell is None:
        return True, tr("this test cell is missing from the graded notebook"), "", False
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    printed = "".join(str(o.get("text", "")) for o in cell.get("outputs", [])
                      if o.get("output_type") == "stream")
    meta = cell.get("metadata", {}).get("conv1d")
    in_hidden = isinstance(meta, dict) and meta.get("in_hidden") is True
    message = str(errors[-1].get("evalue") or errors[-1].get("ename") or "") if errors else ""
    return bool(errors), message, printed, in_hidden


def one_line(cell, message):
    """A failed test cell's message in one line: its first line (what failed, where), then the judge's hint,
    which the cell's metadata holds as data (the message's other lines show numbers: the test's output has them)."""
    meta = cell.get("metadata", {}).get("conv1d") if cell is not None else None
    hint = meta.get("hint") if isinstance(meta, dict) and isinstance(meta.get("hint"), str) else ""
    first = message.strip().splitlines()[0] if message.strip() else ""
    line = " ".join(filter(None, [first, tr("Hint:") + " " + " ".join(hint.split()) if hint else ""]))
    return line if len(line) <= MAX_LINE else line[:MAX_LINE - 1] + "…"


def _bounded(text):
    text = text.strip("\n")
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + "\n" + tr("[cut: {n} more characters]",
                                                                              n=len(text) - MAX_OUTPUT)


def build(nb, graded, *, handed_in, seconds):
    """results.json's object for an autograded notebook `nb` (a NotebookNode or dict); `graded`: the Graded
    cells of the assignment in the gradebook, in order; `handed_in`: the name of the student's file;
    `seconds`: how long grading took."""
    by_id = {grade_id(c): c for c in nb.get("cells", []) if is_test_cell(c)}
    tests, said = [], [tr("Graded {file}.", file=printable(handed_in)[:MAX_NAME])]
    for cell in graded:
        failed, message, printed, in_hidden = verdict(by_id.get(cell.name))
        line = one_line(by_id.get(cell.name), message)
        output = "\n\n".join(filter(None, [message if failed else tr("passed"), printed.strip("\n")]))
        tests.append({"name": cell.name, "score": float(cell.score), "max_score": float(cell.max_score),
                      "status": "failed" if failed else "passed",
                      "visibility": AFTER_PUBLISHED if cell.hidden else VISIBLE, "output": _bounded(output)})
        if cell.hidden:
            said.append(tr("{test}: {message}", test=cell.name, message=line) if failed and not in_hidden else
                        tr("{test}: its visible checks pass. Its hidden cases count too: their result is shown "
                           "when grades are published.", test=cell.name))
    return {"score": float(sum(t["score"] for t in tests)), "execution_time": int(seconds),
            "output": _bounded("\n".join(said)), "stdout_visibility": HIDDEN, "tests": tests}


def ungradeable(reason, points, *, seconds=0):
    """results.json's object for a submission that could not be graded: one visible test, worth the
    assignment's `points`, that says `reason` (one line)."""
    reason = printable(reason)[:MAX_OUTPUT]
    return {"score": 0.0, "execution_time": int(seconds), "output": reason, "stdout_visibility": HIDDEN,
            "tests": [{"name": tr("Submission"), "score": 0.0, "max_score": float(points), "status": "failed",
                       "visibility": VISIBLE, "output": reason}]}


def write(path, results):
    """Write results.json whole, or not at all: strict JSON (no NaN) to a file beside it, then renamed over it,
    so Gradescope never reads half a file or one interleaved with what anything printed."""
    text = json.dumps(results, ensure_ascii=False, allow_nan=False, indent=1)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
