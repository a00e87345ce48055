import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """The whole corpus graded once with plain `nbgrader autograde` (tests/grading.py)."""
    from tests.grading import grade_corpus
    return grade_corpus(tmp_path_factory)


@pytest.fixture(autouse=True)
def _checks_as_in_a_notebook():
    """The judge puts the check module in grading mode (secret, no skipping) in the process that runs
    it; a test that calls the judge must not leave it so for the next test."""
    from autograder.notebook import check
    yield
    check.set_grading_secret("")
    check._GRADER.clear()
