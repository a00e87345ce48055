"""Runs in the `nbgrader generate_assignment` process (make release, formgrader's Generate button): Colab links.

The student notebooks are opened alone in Colab, where a link to a neighbour of the series
(`../02_stride/02_stride.ipynb`) leads nowhere; in them each such link becomes the neighbour's Colab URL
(autograder/build/links.py colab_links). The solutions keep the relative links (GitHub and the book resolve
them). nbgrader's own generate_assignment runs it as its last preprocessor (autograder/nbgrader_config.py),
so `make release`, `python -m autograder gradebook` and formgrader's Generate write the same student
notebook, byte for byte (nbgrader writes the JSON layout of solutions/, one-space indent and a final newline,
as release.write does)."""
from nbgrader import preprocessors as nbp

from ..build.links import colab_links


class ColabLinks(nbp.NbGraderPreprocessor):
    """Last of GenerateAssignment's preprocessors, after nbgrader's checksums and SaveCells: the gradebook and
    the cells' checksums keep the source as written (what `make release` always recorded), and only the file
    students get has the Colab URLs."""

    def preprocess(self, nb, resources):
        return colab_links(nb), resources
