"""Every notebook runs: solutions pass their tests, unanswered student copies fail only graded
cells (and every one of them), and a student copy works alone (Colab: only numpy, torch and
matplotlib, no repo). These are the checks of `nbgrader validate` and `validate --invert`, made on
one run of each notebook. The 3 x 7 runs happen once, side by side (one per core), in the fixture
`runs`; each test then reads the run it needs."""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograder.build.outputs import differences, shown
from autograder.build.release import ROOT
from tests.notebooks import (assignments, error_cells, grade_id, is_answer_cell, is_test_cell, notebook_path,
                             read, run, another_cpu_env, with_solution_answers, RELEASE)

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


def unanswered(a, tmp):
    return run(read(a, student=True), tmp)


def fresh_solution(a, tmp):
    """The solution run as on another machine: NumPy, OpenBLAS and torch on other SIMD kernels than the
    ones that made the committed outputs (if those came from this CPU), so float noise shows."""
    return run(read(a), notebook_path(a).parent, static=True, env=another_cpu_env())


def alone_with_the_solution(a, tmp):
    """The student notebook alone in a folder, the solution pasted in; also returns the folder's files."""
    shutil.copy(notebook_path(a, RELEASE), tmp)
    nb = with_solution_answers(nbformat.read(tmp / f"{a}.ipynb", as_version=4), a)
    nb.cells.insert(0, nbformat.v4.new_code_cell(COLAB_ONLY))
    return run(nb, tmp), sorted(p.name for p in tmp.iterdir())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{(kind, assignment): result} for every kind of run above and every notebook."""
    jobs = [(kind, a, tmp_path_factory.mktemp(f"{kind.__name__}_{a}")) for kind in
            (unanswered, fresh_solution, alone_with_the_solution) for a in ALL]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda job: job[0](job[1], job[2]), jobs)
        return {(kind.__name__, a): r for (kind, a, _), r in zip(jobs, results)}


@pytest.mark.parametrize("a", ALL)
def test_unanswered_student_notebook_fails_only_in_graded_cells(a, runs):
    nb = runs["unanswered", a]
    failing = error_cells(nb)
    assert all(is_test_cell(c) or is_answer_cell(c) for c in failing), \
        [c.source[:80] for c in failing if not (is_test_cell(c) or is_answer_cell(c))]
    assert {grade_id(c) for c in nb.cells if is_test_cell(c)} <= {grade_id(c) for c in failing}


@pytest.mark.parametrize("a", ALL)
def test_solution_outputs_are_fresh(a, runs):
    """solutions/ keeps its outputs for readers on GitHub; they are what a fresh run shows on any CPU
    (autograder/build/outputs.py: float noise aside), so `make release` elsewhere changes nothing."""
    fresh, committed = runs["fresh_solution", a], read(a)
    assert not error_cells(fresh)
    stale = differences(fresh, committed)
    assert not stale, (f"stale outputs in solutions/{a}, cells {stale}: run `make release`\n" +
                       "\n".join(f"--- committed: {str(shown(committed.cells[i]))[:400]}\n+++ fresh: {str(shown(fresh.cells[i]))[:400]}"
                                  for i in stale[:3]))


@pytest.mark.parametrize("a", ALL)
def test_student_notebook_runs_alone_with_the_solution_pasted_in(a, runs):
    nb, files = runs["alone_with_the_solution", a]
    assert not error_cells(nb), [(grade_id(c), c.outputs[-1].get("evalue")) for c in error_cells(nb)]
    assert files == [f"{a}.ipynb"], "the notebook needs no other file"
