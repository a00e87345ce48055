"""Runs in the grading process (nbgrader autograde, or a worker's grading process): cells put back.

Sanitizing: graded and answer cells a submission lacks, put back as released."""
import nbformat
from nbgrader import preprocessors as nbp
from nbgrader.api import Gradebook

from .cells import grade_id


class AddMissingCells(nbp.NbGraderPreprocessor):
    """Sanitizing, after OverwriteCells (whose own add_missing_cells raises KeyError when an answer cell
    and the test after it are both deleted): every graded or answer cell of the gradebook that the
    submission lacks is put back as released (an answer cell as its stub, so it scores nothing),
    after the nearest cell that precedes it in the released notebook, in any combination of deletions."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            order = [c.name for c in notebook.source_cells]
            graded = {c.name: c.max_score for c in notebook.grade_cells}
            answers = {c.name for c in notebook.solution_cells}
            sources = {c.name: (c.source, c.cell_type, c.locked) for c in notebook.source_cells}
        present = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
        for name in order:
            if name in present or (name not in graded and name not in answers):
                continue
            source, cell_type, locked = sources[name]
            cell = (nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell)(source)
            cell.metadata["nbgrader"] = {"grade": name in graded, "solution": name in answers, "locked": bool(locked),
                                         "grade_id": name, "schema_version": 3,
                                         **({"points": graded[name]} if name in graded else {})}
            before = [present[n] for n in order[:order.index(name)] if n in present]
            at = max(before) + 1 if before else 0
            nb.cells.insert(at, cell)
            present = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
            self.log.warning("Missing cell %s: put back as released", name)
        return nb, resources
