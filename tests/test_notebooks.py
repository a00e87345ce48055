"""The solutions run top to bottom on another CPU's code paths and show the committed outputs. (The student
notebooks, unanswered and with the solution pasted in, each alone as in Colab: tests/test_mistakes.py, in
the same kernel as the typical mistakes.) The runs happen once, side by side (one per core), in the
fixture `runs`; each test then reads the run it needs."""
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder.build.outputs import differences, shown
from tests.notebooks import another_cpu_env, assignments, error_cells, notebook_path, read, run

ALL = assignments()

def fresh_solution(a, tmp):
    """The solution run as on another machine: NumPy, OpenBLAS and torch on other SIMD kernels than the
    ones that made the committed outputs (if those came from this CPU), so float noise shows."""
    return run(read(a), notebook_path(a).parent, static=True, env=another_cpu_env())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{(kind, assignment): result} for every kind of run above and every notebook."""
    jobs = [(kind, a, tmp_path_factory.mktemp(f"{kind.__name__}_{a}")) for kind in
            (fresh_solution,) for a in ALL]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda job: job[0](job[1], job[2]), jobs)
        return {(kind.__name__, a): r for (kind, a, _), r in zip(jobs, results)}


@pytest.mark.parametrize("a", ALL)
def test_solution_outputs_are_fresh(a, runs):
    """solutions/ keeps its outputs for readers on GitHub; they are what a fresh run shows on any CPU
    (autograder/build/outputs.py: float noise aside), so `make release` elsewhere changes nothing."""
    fresh, committed = runs["fresh_solution", a], read(a)
    assert not error_cells(fresh)
    stale = differences(fresh, committed)
    assert not stale, (f"stale outputs in solutions/{a}, cells {stale}: run `make release`\n" +
                       "\n".join(f"--- committed: {str(shown(committed.cells[i]))[:400]}\n"
                                  f"+++ fresh: {str(shown(fresh.cells[i]))[:400]}" for i in stale[:3]))
