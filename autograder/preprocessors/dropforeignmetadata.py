"""Sanitizing: nbgrader metadata the gradebook does not know goes."""
from nbgrader import preprocessors as nbp
from nbgrader.api import Gradebook


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
