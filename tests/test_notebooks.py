"""Every notebook runs: solutions pass their tests, unanswered student copies fail only graded
cells (and every one of them), and a student copy works alone (Colab: only numpy, torch and
matplotlib, no repo). These are the checks of `nbgrader validate` and `validate --invert`, made on
one run of each notebook."""
import shutil

import nbformat
import pytest

from autograder.release import ROOT
from tests.notebooks import (assignments, error_cells, grade_id, is_answer_cell, is_test_cell, notebook_path,
                             read, run, solution_answers, text_outputs, RELEASE)

ALL = assignments()

# Run first in a standalone notebook: what is not there in Colab cannot be imported.
COLAB_ONLY = """\
import sys, importlib.abc
class _NotInColab(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"nbgrader", "autograder", "tests", "tools", "scipy", "expecttest"}:
            raise ImportError(f"{name} is not available in a standalone notebook")
sys.meta_path.insert(0, _NotInColab())
sys.path[:] = [p for p in sys.path if p not in ("", %r)]
""" % str(ROOT)


@pytest.mark.parametrize("a", ALL)
def test_unanswered_student_notebook_fails_only_in_graded_cells(a, tmp_path):
    nb = run(read(a, student=True), tmp_path)
    failing = error_cells(nb)
    assert all(is_test_cell(c) or is_answer_cell(c) for c in failing), \
        [c.source[:80] for c in failing if not (is_test_cell(c) or is_answer_cell(c))]
    assert {grade_id(c) for c in nb.cells if is_test_cell(c)} <= {grade_id(c) for c in failing}


@pytest.mark.parametrize("a", ALL)
def test_solution_outputs_are_fresh(a, tmp_path):
    """solutions/ keeps its outputs for readers on GitHub; they are what a fresh run prints."""
    committed = read(a)
    fresh = run(nbformat.from_dict(committed), notebook_path(a).parent)
    assert not error_cells(fresh)
    assert text_outputs(fresh) == text_outputs(read(a)), f"stale outputs in solutions/{a}: run `make release`"


@pytest.mark.parametrize("a", ALL)
def test_student_notebook_runs_alone_with_the_solution_pasted_in(a, tmp_path):
    alone = tmp_path / "colab"
    alone.mkdir()
    shutil.copy(notebook_path(a, RELEASE), alone)
    nb = nbformat.read(alone / f"{a}.ipynb", as_version=4)
    answers = solution_answers(a)
    for cell in nb.cells:
        if is_answer_cell(cell):
            cell.source = answers[grade_id(cell)]
    nb.cells.insert(0, nbformat.v4.new_code_cell(COLAB_ONLY))
    nb = run(nb, alone)
    assert not error_cells(nb), [(grade_id(c), c.outputs[-1].get("evalue")) for c in error_cells(nb)]
    assert sorted(p.name for p in alone.iterdir()) == [f"{a}.ipynb"], "the notebook needs no other file"
