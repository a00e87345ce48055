"""Runs in the grading process (nbgrader autograde, or a worker's grading process): metadata dropped.

Sanitizing: a cell's nbgrader metadata is the gradebook's, never the submission's."""
from nbgrader import preprocessors as nbp
from nbgrader.api import Gradebook


class DropForeignMetadata(nbp.NbGraderPreprocessor):
    """Sanitizing, right after DeduplicateIds: nbgrader metadata the gradebook does not know goes, with a
    warning, and the cell becomes a plain one. Two cases would otherwise leave the submission ungraded
    (OverwriteCells fails with KeyError 'grade_id'): DeduplicateIds empties a duplicate's metadata to
    `{}`, and a student can forge metadata for a graded cell that the assignment does not have.

    A cell the gradebook knows gets its flags back from it (grade, solution, locked, points): a student who
    flips them (a test cell marked as an answer, an answer as graded) would otherwise make nbgrader fail on
    inconsistent checksums or a missing entry, and the submission be listed "not graded" rather than scored."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            graded = {c.name: c.max_score for c in notebook.grade_cells}
            answers = {c.name for c in notebook.solution_cells}
            self.known = {c.name: {"grade": c.name in graded, "solution": c.name in answers, "locked": bool(c.locked),
                                   "grade_id": c.name, "schema_version": 3,
                                   **({"points": graded[c.name]} if c.name in graded else {})}
                          for c in notebook.source_cells}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            return cell, resources
        known = self.known.get(meta.get("grade_id")) if isinstance(meta, dict) else None
        if known is None:
            if meta:
                self.log.warning("Cell %r is not a cell of this assignment: graded as a plain cell",
                                 meta.get("grade_id") if isinstance(meta, dict) else meta)
            del cell.metadata["nbgrader"]
        elif any(meta.get(k) != v for k, v in known.items()):
            self.log.warning("Cell %s: its nbgrader metadata restored from the gradebook", known["grade_id"])
            cell.metadata["nbgrader"] = dict(meta, **known)
        return cell, resources
