"""Runs in the grading process (nbgrader autograde, or a worker's grading process): metadata restored.

Sanitizing: nbgrader metadata an editor wiped, restored from the cell id."""
from nbgrader import preprocessors as nbp

from .cells import grade_id, source_notebook


class RestoreMetadata(nbp.NbGraderPreprocessor):
    """Sanitizing, first after ClearOutput: a cell whose nbgrader metadata an editor wiped (or never had:
    an editor that drops unknown metadata) gets it back when its cell id is still the id of a graded
    or answer cell of the released notebook. Cells without ids (nbformat < 4.5) cannot be recognised
    this way (AddMissingCells then puts the released cell back); they get fresh ids, which nbgrader's
    cell-type restore needs."""

    def preprocess(self, nb, resources):
        source = source_notebook(self.config, resources["nbgrader"])
        self.by_id = {c.get("id"): c.metadata["nbgrader"] for c in source.cells
                      if c.get("id") and c.metadata.get("nbgrader", {}).get("grade_id")}
        if any("id" not in c for c in nb.cells):     # nbformat < 4.5: cells get ids, as nbformat 4.5 wants
            from nbformat.corpus.words import generate_corpus_id
            for cell in nb.cells:
                cell.setdefault("id", generate_corpus_id())
            nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)
        self.present = {grade_id(c) for c in nb.cells if grade_id(c)}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = self.by_id.get(cell.get("id"))
        if meta and not cell.metadata.get("nbgrader") and meta["grade_id"] not in self.present:
            self.log.warning("Cell %s had lost its nbgrader metadata: restored from its cell id", cell.get("id"))
            cell.metadata["nbgrader"] = dict(meta)
            self.present.add(meta["grade_id"])
        return cell, resources
