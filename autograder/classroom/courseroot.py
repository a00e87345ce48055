"""Runs in the grade, gradebook and report commands and in each grading process: a course folder's nbgrader settings.

A course folder (the instructor's course root, a grading process's scratch course, a throwaway course of
the demo and the tests) holds an nbgrader_config.py that loads the installed course's settings,
autograder/nbgrader_config.py. This module reads such a folder's settings (its gradebook URL, the
sections the grade command carries to its workers) and writes the file for a new folder. It imports
traitlets and nbgrader only when asked, and nothing of the course: the commands share it without
importing each other. It also makes the course root's nbgrader exchange (`ensure_exchange`, run by the
gradebook command), so formgrader's Release and Collect work on a fresh clone.
"""
import contextlib
import os
import stat
from pathlib import Path

CODE = Path(__file__).resolve().parents[1]          # the installed course code: autograder/


def write_config(folder, db_url=None):
    """A course folder's nbgrader_config.py: the installed course's settings (sources in solutions/), and
    `db_url` as its gradebook when given."""
    Path(folder, "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(CODE / 'nbgrader_config.py')!r})  # noqa: F821\n"
        + (f"c.CourseDirectory.db_url = {db_url!r}\n" if db_url else ""))


def course_config(root):
    """The nbgrader configuration at this course root (its nbgrader_config.py, which loads the course's), or
    None when there is none."""
    from traitlets.config.loader import PyFileConfigLoader
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config() \
        if (Path(root) / "nbgrader_config.py").exists() else None


def course_db_url(root):
    """The gradebook URL nbgrader uses at this course root (its nbgrader_config.py, else the default)."""
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=course_config(root), root=str(root)).db_url


def exchange_root(root):
    """The folder nbgrader's file-system exchange uses at this course root (c.Exchange.root, read as nbgrader
    reads it when started there: autograder/nbgrader_config.py names exchange/ in the working directory), or
    None when the course uses another exchange (c.ExchangeFactory.exchange: nbexchange, ngshare)."""
    from nbgrader.exchange import ExchangeFactory
    from nbgrader.exchange.default import Exchange
    with contextlib.chdir(root):
        config = course_config(root)
        if not issubclass(ExchangeFactory(config=config).exchange, Exchange):
            return None
        return Path(os.path.abspath(Exchange(config=config).root))


def ensure_exchange(root):
    """Create the course's exchange folder when it is missing, as nbgrader's own `release_assignment` would
    (ExchangeReleaseAssignment.ensure_root): rwx for every account (0o777; with c.CourseDirectory.groupshared,
    also setgid), which nbgrader's list, fetch and submit check for, and without which formgrader says "The
    exchange directory ... does not exist and could not be created" and hides Release and Collect.
    An existing folder is left as it is (on JupyterHub the shared one is root's). Returns a line for the log:
    what was done, or why it could not be (then as root: mkdir -p FOLDER && chmod 777 FOLDER), or None."""
    folder = exchange_root(root)
    if folder is None or folder.is_dir():
        return None
    from nbgrader.coursedir import CourseDirectory
    with contextlib.chdir(root):
        groupshared = CourseDirectory(config=course_config(root), root=str(root)).groupshared
    perms = stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO | (stat.S_ISGID if groupshared else 0)
    try:
        folder.mkdir(parents=True)
        folder.chmod(perms)          # not the umask's: nbgrader's students write here under their own accounts
    except OSError as e:
        return (f"could not create nbgrader's exchange {folder} ({e.strerror}): create it as nbgrader's docs say "
                f"(as root: mkdir -p {folder} && chmod {oct(perms)[2:]} {folder}), or set c.Exchange.root")
    return f"created nbgrader's exchange {folder} (mode {oct(perms)[2:]}, as nbgrader's release_assignment makes it)"
