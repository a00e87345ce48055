"""Runs in the `nbgrader generate_assignment` process (make release, formgrader's Generate button): book-only cells out.

A solution notebook holds, just before each answer cell, a markdown cell on how the solution works (cell id
`<answer grade_id>_how`, metadata course.book_only = true): the book shows it (tools/book.py), and a student
must never get it. nbgrader's own generate_assignment runs this preprocessor first (autograder/nbgrader_config.py),
so `make release`, `python -m autograder gradebook` and formgrader's Generate all write student notebooks
without them, in both languages.
"""
from nbgrader import preprocessors as nbp


def is_book_only(cell):
    course = cell.get("metadata", {}).get("course", {})
    return isinstance(course, dict) and course.get("book_only") is True


class DropBookOnly(nbp.NbGraderPreprocessor):
    """First of GenerateAssignment's preprocessors: cells with metadata course.book_only are removed."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if not is_book_only(cell)]
        return nb, resources
