import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# The course and its tools are installed in the venv (`pip install -e .`, `make venv`), and pytest puts the
# checkout first on sys.path for `tests` (rootdir, tests/__init__.py): no sys.path edit here.
ROOT = Path(__file__).resolve().parents[1]


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


# The longest test files, longest first: pytest-xdist (--dist loadfile) hands out files in collection order, so
# these start at once, side by side, and the short ones fill the gaps (a long file started last ends the run alone).
LONGEST_FIRST = ("test_autograde.py", "test_load.py", "test_browser.py", "test_instructor.py", "test_grade.py",
                 "test_cluster.py", "test_mistakes.py", "test_notebooks.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """The whole corpus graded once with plain `nbgrader autograde` (tests/grading.py)."""
    from tests.grading import grade_corpus
    return grade_corpus(tmp_path_factory)


@pytest.fixture(autouse=True)
def _checks_as_in_a_notebook():
    """The judge puts the check module in grading mode (secret, no skipping) in the process that runs
    it; a test that calls the judge must not leave it so for the next test."""
    from autograder.notebook import secret
    yield
    secret.set_grading_secret("")
    secret._GRADER.clear()


def _postgres_bin():
    for name in ("initdb", "pg_ctl"):
        if not shutil.which(name) and not list(Path("/usr/lib/postgresql").glob(f"*/bin/{name}")):
            return None
    found = shutil.which("pg_ctl") or str(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1])
    return Path(found).resolve().parent


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A real PostgreSQL server on 127.0.0.1 (a free port) for this test module, from the Debian
    package (installed here when missing and we are root)."""
    if _postgres_bin() is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq postgresql", shell=True,
                       capture_output=True, timeout=900)
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed and cannot be installed here (Debian package `postgresql`)")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("the PostgreSQL driver psycopg2 is not installed (requirements.txt pins it)")
    data = Path(tempfile.mkdtemp(prefix="conv1d-pg-"))     # not below pytest's root-only folder
    run_as = []
    if os.geteuid() == 0:            # PostgreSQL refuses to run as root
        shutil.chown(data, "postgres")
        data.chmod(0o700)
        run_as = ["runuser", "-u", "postgres", "--"]
    from tests.grading import free_port
    port = free_port()
    subprocess.run([*run_as, bin_dir / "initdb", "-D", data, "-U", "grader", "--auth=trust"],
                   check=True, capture_output=True)
    subprocess.run([*run_as, bin_dir / "pg_ctl", "-D", data, "-l", data / "log", "-w", "-o",
                    f"-h 127.0.0.1 -p {port} -k {data}", "start"], check=True, capture_output=True)
    try:
        for _ in range(50):
            if subprocess.run([bin_dir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "grader",
                               "gradebook"], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*run_as, bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
