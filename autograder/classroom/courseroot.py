"""Runs in the grade, gradebook and report commands and in each grading process: a course folder's nbgrader settings.

A course folder (the instructor's course root, a grading process's scratch course, a throwaway course of
the demo and the tests) holds an nbgrader_config.py that loads the installed course's settings,
autograder/nbgrader_config.py. This module reads such a folder's settings (its gradebook URL, the
sections the grade command carries to its workers) and writes the file for a new folder. It imports
traitlets and nbgrader only when asked, and nothing of the course: the commands share it without
importing each other.
"""
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
