"""Runs in the grade command, its Dask workers and their grading processes: the tasks and results they pass.

A `Task` goes from the grade command to a Dask worker (pickled by Dask) and on to a grading process
(pickled over a socket pair, autograder/classroom/worker.py); a `Graded` (its `Result`, the autograded
folder's files) comes back the same way. Files travel as (relative path, bytes) pairs, written at the
other end by `write_files`, which refuses a path that would leave its folder. `grading_environment()` is
what the command and every worker must agree on for their grades to agree. Nothing here starts a process
or imports more than the standard library and intake.
"""
import hashlib
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox import intake
from .courseroot import CODE


@dataclass
class Result:
    """What grading one submission came to (its scores are in the gradebook)."""
    assignment: str
    student: str
    ok: bool = True
    seconds: float = 0.0
    error: str = ""
    timeouts: int = 0                   # cells stopped by a time limit
    dead_kernel: bool = False           # the student's kernel or answer process died
    skipped: bool = False
    note: str = ""                      # what the grader did (a renamed notebook)
    manual: list[str] = field(default_factory=list)     # manual grades and comments cleared or kept (gradingprocess)
    flags: list[str] = field(default_factory=list)          # for the instructor to look at (judge's flags)
    spent: dict[str, float] = field(default_factory=dict)   # seconds by part (autograder/timing.py)
    host: str = ""                      # the machine that graded it
    sandboxed: bool = True              # bubblewrap confined the student's code there
    log: str = field(default="", repr=False)


@dataclass
class Task:
    """One submission to grade, with all it needs (files as (relative path, bytes))."""
    assignment: str
    student: str
    files: list[tuple[str, bytes]]      # the submission folder's files (intake.read_folder)
    source: list[tuple[str, bytes]]     # solutions/<assignment>/'s files: the release the gradebook holds
    db_url: str
    digest: str                         # intake.digest_files of `files`
    last: str | None = None             # the digest when the grading command last graded it (None: never)
    extra: list[str] = field(default_factory=list)          # nbgrader options (--TimeLimits.cell_seconds=...)
    secret: str = ""                    # the instructor's grading secret (confine.SECRET_VARIABLE)
    timeout: float = 900.0              # seconds for the whole submission
    environment: dict[str, str] = field(default_factory=dict)  # the client's grading_environment()


@dataclass
class Graded:
    """What a grading process sends back for a Task: its Result and, when it was graded, the autograded
    folder's files (at most limits.MAX_GRADED bytes in all)."""
    result: Result
    files: list[tuple[str, bytes]] = field(default_factory=list)    # autograded/<student>/<assignment>/'s files


# ----------------------------------------------------------------------------- what a worker must match
_ENVIRONMENT = {}


def grading_environment():
    """What must be the same on the client and every worker for grades to agree: a hash of the course
    code (autograder/**/*.py), Python's minor version and the releases of torch, NumPy and nbgrader (a
    local build label such as torch's '+cpu' aside: the CPU wheel and PyPI's compute alike on a CPU)."""
    if not _ENVIRONMENT:
        from importlib.metadata import version
        h = hashlib.sha256()
        for path in sorted(CODE.rglob("*.py")):
            h.update(str(path.relative_to(CODE)).encode() + b"\0" + path.read_bytes() + b"\0")
        _ENVIRONMENT.update({"course code": h.hexdigest()[:16], "python": ".".join(platform.python_version_tuple()[:2]),
                             **{name: version(name).split("+")[0] for name in ("torch", "numpy", "nbgrader")}})
    return dict(_ENVIRONMENT)


def differences(command, worker):
    """'torch: the command 2.13.0, the worker 2.12.0; ...' for what differs between two grading_environment()s."""
    return "; ".join(f"{k}: the command {command.get(k)}, the worker {worker.get(k)}"
                     for k in sorted(set(command) | set(worker)) if command.get(k) != worker.get(k))


# ----------------------------------------------------------------------------- files in, files out
def write_files(folder, files):
    """Write (relative path, bytes) pairs below `folder`, refusing a path that would leave it."""
    for rel, data in files:
        path = Path(folder) / safe_relative(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def safe_relative(rel):
    """`rel` if it is a plain relative path (no '..', no absolute path, no empty or hidden-parent part,
    at most intake.MAX_DEPTH deep), else ValueError."""
    parts = str(rel).split("/")
    if (not isinstance(rel, str) or not rel or len(parts) > intake.MAX_DEPTH + 1 or "\0" in rel
            or any(p in ("", ".", "..") for p in parts)):
        raise ValueError(f"not a plain relative path: {rel!r}")
    return rel
