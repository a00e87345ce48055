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
