import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pytest_configure(config):
    """Test folders (course roots included) outside /tmp: the grading sandbox puts a private /tmp over
    the host's, which would hide from student code, and so from the tests, both what a course under
    /tmp leaks and what it lets be damaged. build/pytest/ in the checkout, or, for a checkout under
    /tmp (CI clones there), a folder of its own in /var/tmp."""
    if config.option.basetemp:
        return
    if str(ROOT).startswith("/tmp/") or ROOT == Path("/tmp"):
        import hashlib
        base = Path("/var/tmp") / f"conv1d-pytest-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"
    else:
        base = ROOT / "build" / "pytest"
    base.parent.mkdir(parents=True, exist_ok=True)   # pytest makes basetemp itself, not its parents
    config.option.basetemp = str(base)


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
