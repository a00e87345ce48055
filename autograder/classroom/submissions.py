"""Runs in the demo's and the tests' own processes (and tools/bench_grade.py): the submission format.

Submissions as small text files: what a student changed in a released notebook, and the points
each graded cell should get. The demo's examples (autograder/examples/) and the test corpus
(tests/corpus/) use this one format.

    # A plain-loop answer that flips the kernel.
    # expect: test_predict=1 test_values=0
    # %% answer conv1d_answer
    import numpy as np
    class Conv1d: ...

Directives (`# %% OP [GRADE_ID] [ARG]`), applied in order to the student notebook:
    answer ID / replace ID    set the source of the cell whose nbgrader grade_id is ID
    delete ID                 remove that cell
    retype ID                 turn that code cell into markdown (or back)
    duplicate ID              insert a copy of that cell right after it
    move ID                   move that cell to the end of the notebook
    insert-after ID           a new code cell after cell ID, with this body
    append                    a new code cell at the end
    append-markdown           a new markdown cell at the end
    forge ID POINTS           a new code cell at the end whose metadata claims to be graded test ID
    flag ID KEY=VALUE         set that cell's nbgrader metadata KEY to VALUE (a Python literal: solution=True)
`expect:` names grade ids and their expected points; a cell not named is expected to score 0.
The file's path below its corpus folder, minus `.py`, is the student id (`/` becomes `__`), and the
assignment is given by the folder the file lives in.
"""
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

OPS = {"answer", "replace", "delete", "retype", "duplicate", "move", "insert-after", "append", "append-markdown",
       "forge", "flag"}


@dataclass
class Submission:
    assignment: str
    student: str
    description: str
    expect: dict
    edits: list = field(default_factory=list)   # (op, grade_id or None, argument or None, body)
    path: Path = None

    def apply(self, nb):
        """A new notebook: the released student notebook `nb` with this submission's edits."""
        nb = copy.deepcopy(nb)
        for op, gid, arg, body in self.edits:
            if op == "append":
                nb.cells.append(nbformat.v4.new_code_cell(body))
                continue
            if op == "append-markdown":
                nb.cells.append(nbformat.v4.new_markdown_cell(body))
                continue
            if op == "forge":
                cell = nbformat.v4.new_code_cell(body)
                cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": gid,
                                             "points": float(arg), "schema_version": 3}
                nb.cells.append(cell)
                continue
            idx = _find(nb, gid, self)
            cell = nb.cells[idx]
            if op in ("answer", "replace"):
                cell.source = body
            elif op == "delete":
                del nb.cells[idx]
            elif op == "retype":
                new_cell = nbformat.v4.new_markdown_cell if cell.cell_type == "code" else nbformat.v4.new_code_cell
                new = new_cell(cell.source)
                new.metadata = cell.metadata
                nb.cells[idx] = new
            elif op == "duplicate":
                twin = copy.deepcopy(cell)
                twin.id = cell.id + "-copy"
                nb.cells.insert(idx + 1, twin)
            elif op == "move":
                nb.cells.append(nb.cells.pop(idx))
            elif op == "insert-after":
                nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(body))
            elif op == "flag":
                import ast
                key, value = arg.split("=", 1)
                cell.metadata.setdefault("nbgrader", {})[key] = ast.literal_eval(value)
        return nb


def _find(nb, gid, sub):
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == gid:
            return i
    raise ValueError(f"{sub.path}: no cell with grade_id {gid!r} in {sub.assignment}")


def parse(path, assignment, student):
    text = Path(path).read_text()
    head, *blocks = re.split(r"^# %% ?", text, flags=re.M)
    expect, description = {}, []
    for line in head.splitlines():
        m = re.match(r"#\s*expect:\s*(.*)", line)
        if m:
            for item in m.group(1).split():
                gid, _, pts = item.partition("=")
                expect[gid] = float(pts)
        elif line.startswith("#"):
            description.append(line.lstrip("# ").rstrip())
    edits = []
    for block in blocks:
        header, _, body = block.partition("\n")
        words = header.split()
        if not words or words[0] not in OPS:
            raise ValueError(f"{path}: unknown directive '# %% {header}' (known: {', '.join(sorted(OPS))})")
        op = words[0]
        gid = words[1] if len(words) > 1 else None
        arg = words[2] if len(words) > 2 else None
        if op not in ("append", "append-markdown") and gid is None:
            raise ValueError(f"{path}: '# %% {op}' needs a grade_id")
        if op == "forge" and arg is None:
            raise ValueError(f"{path}: '# %% forge {gid}' needs the points it claims")
        edits.append((op, gid, arg, body.rstrip("\n") + "\n" if body.strip() else ""))
    return Submission(assignment, student, " ".join(description).strip(), expect, edits, Path(path))


def load(folder):
    """Every submission below `folder`, whose subfolders are assignment ids."""
    folder = Path(folder)
    subs = []
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder)
        assignment = rel.parts[0]
        student = "__".join(rel.with_suffix("").parts[1:])
        subs.append(parse(path, assignment, student))
    return subs
