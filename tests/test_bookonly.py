"""The solutions' book-only notes (how each solution works) are in the book and never in a student notebook."""
import nbformat
import pytest

from autograder.build.release import RELEASE, assignments, generate, notebook_path
from autograder.preprocessors.bookonly import DropBookOnly, is_book_only
from autograder.preprocessors.cells import grade_id, is_answer_cell


@pytest.mark.fast
def test_drop_book_only_removes_those_cells_and_keeps_the_rest_in_order():
    keep = [nbformat.v4.new_markdown_cell("lesson"), nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_markdown_cell("other", metadata={"course": {"book_only": False}})]
    note = nbformat.v4.new_markdown_cell("how it works", metadata={"course": {"book_only": True}})
    nb = nbformat.v4.new_notebook(cells=[keep[0], note, keep[1], keep[2]])
    out, _ = DropBookOnly().preprocess(nb, {})
    assert [c.source for c in out.cells] == ["lesson", "x = 1", "other"]


def test_nbgraders_generate_assignment_drops_them(tmp_path):
    """nbgrader's own generate_assignment at the course root, with the course's config (as `make release`,
    formgrader's Generate and `python -m autograder gradebook` run it): the notes are gone, the rest is there."""
    a = "01_channels_kernel"
    generate(tmp_path, only=[a])
    solution = nbformat.read(notebook_path(a), as_version=4).cells
    student = nbformat.read(tmp_path / a / f"{a}.ipynb", as_version=4).cells
    assert [c.id for c in student] == [c.id for c in solution if not is_book_only(c)]
    assert len(student) < len(solution)


@pytest.mark.fast
@pytest.mark.parametrize("a", assignments())
def test_each_answer_has_its_note_in_the_solution_and_no_student_notebook_has_one(a):
    solution = nbformat.read(notebook_path(a), as_version=4)
    for before, cell in zip(solution.cells, solution.cells[1:]):
        if is_answer_cell(cell):
            assert is_book_only(before) and before.id == f"{grade_id(cell)}_how", \
                f"{a}: no note before {grade_id(cell)}"
            assert before.cell_type == "markdown" and before.source.startswith("**How it works.** ")
    notes = {c.id for c in solution.cells if is_book_only(c)}
    assert notes
    for student in RELEASE.glob(f"**/{a}*.ipynb"):
        cells = nbformat.read(student, as_version=4).cells
        assert not [c for c in cells if is_book_only(c) or c.get("id") in notes], f"{student}: a book-only note"
