"""Runs in the grading process (nbgrader autograde, or a worker's grading process): locked cells put back.

Sanitizing: nbgrader's OverwriteCells, without its false alarm on every cell with hidden tests."""
import copy

from nbgrader import preprocessors as nbp
from nbgrader import utils

from ..build.embed import edition_free


class OverwriteCells(nbp.OverwriteCells):
    """nbgrader's OverwriteCells (each graded or locked cell's type, lock, points and source put back from the
    gradebook, with a warning for each that changed), quiet about the one change every submission makes.

    nbgrader's generate_assignment saves each cell in the gradebook before ClearHiddenTests strips the hidden
    tests, and writes the released cell's checksum after it (jupyter/nbgrader#1961). So a test cell with
    hidden tests, handed in exactly as released, never matches the gradebook's checksum: nbgrader put its
    source back (hidden tests included, as it should) and logged "Attribute 'checksum' for cell test_values
    has changed!" for every submission, which drowned the real ones. Here the checksum warning is left out
    when the cell is the released one, i.e. the gradebook's source with its hidden tests stripped as
    ClearHiddenTests strips them (and the type, lock and points nbgrader restored first); a cell edited in any
    other way is put back and warned about as before. Likewise a Course checks or explorer cell as the Chinese
    edition released it (another title, and a line that sets the language) is put back without a warning."""

    def preprocess_cell(self, cell, resources, cell_index):
        self._cell = cell
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and new == self.released_checksum(name):
            self.log.debug("Cell %s as released: its hidden tests put back", name)
            return
        if attr == "checksum" and self.another_edition(name):
            self.log.debug("Cell %s as released in another language: the English put back", name)
            return
        super().report_change(name, attr, old, new)

    def another_edition(self, name):
        """Whether the cell being sanitized is a generated course cell (Course checks, explorer) as another
        edition of the course released it (autograder/build/embed.py edition_free)."""
        source = self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id).source
        return source.startswith("#@title ") and edition_free(self._cell.source) == edition_free(source)

    def released_checksum(self, name):
        """The checksum of the cell being sanitized with its gradebook source as released (hidden tests out)."""
        source = self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id)
        released = copy.deepcopy(self._cell)
        released.source = source.source
        strip = nbp.ClearHiddenTests(parent=self, enforce_metadata=False)
        released, _ = strip.preprocess_cell(released, {}, 0)
        return utils.compute_checksum(released)
