"""Runs in the grade command's process: what it records beside each autograded submission, to grade only what changed.

autograded/<student>/<assignment>/DIGEST holds two lines: the hash of the submission's files when they were
graded (autograder/sandbox/intake.py: links and special files are never followed) and the fingerprint of
the assignment they were graded under (autograder/classroom/gradebook.py). The grade command writes it
when it stores a graded submission (cluster.store) and reads it to decide what a re-run must grade
(grade.todo); no worker and no student ever writes it.
"""
from pathlib import Path

from ..sandbox import intake

DIGEST = ".conv1d-graded-sha256"      # in autograded/<student>/<assignment>/: what was graded


def digest(folder):
    """A hash of a submission's files (autograder/sandbox/intake.py: links and special files are
    never followed); a refused submission hashes to its reason, so it is graded (and refused) again."""
    try:
        return intake.digest(folder)
    except (intake.Rejected, OSError, ValueError) as e:
        return f"refused: {e}"


def record(submission, version):
    """DIGEST's contents: the submission's digest and the assignment's fingerprint, one line each."""
    return f"{submission}\n{version}\n".encode()


def last_graded(root, assignment, student):
    """(submission digest, assignment fingerprint) when this submission was last graded by the grade
    command (DIGEST beside the autograded notebook), or (None, None)."""
    try:
        lines = intake.read_file(Path(root) / "autograded" / student / assignment / DIGEST, 1000).decode().splitlines()
    except (OSError, intake.Rejected, UnicodeDecodeError):
        return None, None
    return (lines + [None, None])[0], (lines + [None, None])[1]
