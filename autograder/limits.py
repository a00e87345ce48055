"""Runs in every nbgrader process, the class grader's commands and their grading processes: the limits of grading.

The limits of grading, in one home: the time a submission may take (TimeLimits), the memory and files of
the processes that run student code (MemoryLimits), what a submission may hold (intake), what may cross
the judge's wire, and what the class grader (autograder/classroom/) takes from its grading processes, from
inbound folders and LMS downloads (DownloadLimits) and from autograded notebooks. Light: traitlets only (it
is imported by the grading process, nbgrader's config, the class grader; never inside the sandbox, whose
processes get their values on their command line).

Time. A student is charged only for what the student's code spent (autograder/sandbox/usage.py: the
student's own time, CPU time plus the time it chose to sleep, never the time other processes kept it from
a CPU):

- `cell_seconds` of own time for each cell: a student's cell in the kernel, or a graded test cell in the
  judge's answer process. Past it the cell is stopped and scores zero; in the judge, every later test
  cell that would make the same call (the same method of the same object) is reported at once instead of
  waiting again, so a loop that never ends is charged once.
- `submission_seconds` of own time for the whole submission, kernel and judge together; the cells after
  it are reported "not run: the submission's time is spent".
- `backstop_seconds` of wall-clock time for one cell, far above what `cell_seconds` of own time takes on
  a busy machine. A cell stopped by it while its own time was small (the machine's load, not the
  student, took the time) is retried once; stopped that way again, the submission is **not graded**,
  with that reason, never scored (it is listed apart and left out of the class statistics).

Memory (MemoryLimits): the student's kernel and the judge's answer processes each get an address space
(RLIMIT_AS), a largest file (RLIMIT_FSIZE) and, under bubblewrap, one writable folder that is a tmpfs of
a given size, so files cost at most that much of the host's memory (autograder/sandbox/confine.py). The
grading process (autograder/preprocessors/execute.py, judge.py) reads them and hands them to the
processes that apply them: the kernel on its command line, the judge's sandbox when it starts.

Set them in nbgrader_config.py: `c.TimeLimits.cell_seconds = 60`, `c.MemoryLimits.kernel_memory_bytes =
4 * 1024 ** 3`, or on the command line (`nbgrader autograde 07_capstone --TimeLimits.cell_seconds=60`,
`python -m autograder grade ... --TimeLimits.submission_seconds=600`). The course root's TimeLimits and
MemoryLimits settings travel to the class grader's workers (autograder/classroom/grade.py, CARRIED).
"""
import typing

from traitlets import Float, Integer
from traitlets.config import Configurable

KiB, MiB, GiB = 1024, 1024 ** 2, 1024 ** 3


class TimeLimits(Configurable):
    """Time limits of one submission's grading (see the module's docstring)."""

    cell_seconds = Float(30.0, help="Seconds of the student's own time (CPU time plus sleep, never time other "
                                    "processes took) one cell may take: a student's cell in the kernel, or "
                                    "a graded test cell in the judge.").tag(config=True)
    submission_seconds = Float(300.0, help="Seconds of the student's own time the whole submission may take, "
                                           "kernel and judge together; later cells are not run.").tag(config=True)
    backstop_seconds = Float(600.0, help="Wall-clock seconds one cell may take, however busy the machine: a "
                                         "cell stopped by this while the student's own time was small is "
                                         "retried once, then the submission is not graded.").tag(config=True)


class GraderBusy(Exception):
    """The grading machine was too busy to grade a submission fairly: it is not graded (never scored)."""


class Confinement(typing.NamedTuple):
    """What one sandboxed process may use, as plain data: it crosses to the process that applies it (the
    kernel's command line: confine.kernel_option; the judge's sandbox: confine.child_argv, confine.limiter)."""
    rlimits: dict[str, int]     # resource.RLIMIT_* name -> its soft and hard limit
    folder_bytes: int           # its one writable folder: a tmpfs of this size (bubblewrap)


ANSWER_OPEN_FILES = 256     # RLIMIT_NOFILE of a judge's answer process


class MemoryLimits(Configurable):
    """Memory and files of the processes that run student code (see the module's docstring)."""

    kernel_memory_bytes = Integer(8 * GiB, help="Address space (RLIMIT_AS) of the student's kernel; past it an "
                                                "allocation fails (MemoryError) or the kernel dies, costing only "
                                                "the cells it did not run.").tag(config=True)
    kernel_file_bytes = Integer(256 * MiB, help="Bytes of the largest file the kernel may write "
                                                "(RLIMIT_FSIZE).").tag(config=True)
    kernel_folder_bytes = Integer(512 * MiB, help="Bytes of files the kernel may write in all: with bubblewrap "
                                                  "its one writable folder is a tmpfs of this size, so files "
                                                  "cost at most this much memory.").tag(config=True)
    socket_folder_bytes = Integer(16 * MiB, help="Bytes of files in the kernel's socket folder (the one folder "
                                                 "of the host it may write: ZeroMQ makes its sockets there) "
                                                 "past which the grader stops the kernel.").tag(config=True)
    answer_memory_bytes = Integer(3 * GiB, help="Address space (RLIMIT_AS) of the judge's answer processes "
                                                "(and their zygote).").tag(config=True)
    answer_file_bytes = Integer(64 * MiB, help="Bytes of the largest file an answer process may write "
                                               "(RLIMIT_FSIZE).").tag(config=True)
    answer_folder_bytes = Integer(256 * MiB, help="Bytes of files an answer process may write in all (its "
                                                  "tmpfs, with bubblewrap).").tag(config=True)

    def kernel(self) -> Confinement:
        return Confinement({"RLIMIT_AS": self.kernel_memory_bytes, "RLIMIT_FSIZE": self.kernel_file_bytes,
                            "RLIMIT_CORE": 0}, self.kernel_folder_bytes)

    def answer(self) -> Confinement:
        return Confinement({"RLIMIT_AS": self.answer_memory_bytes, "RLIMIT_FSIZE": self.answer_file_bytes,
                            "RLIMIT_CORE": 0, "RLIMIT_NOFILE": ANSWER_OPEN_FILES}, self.answer_folder_bytes)


# What a submission may hold (autograder/sandbox/intake.py), checked before nbgrader reads, copies or hashes it.
MAX_FILE = 20 * MiB         # bytes of one file (a notebook with its outputs is well under)
MAX_TOTAL = 50 * MiB        # bytes of all of them (the grader holds a submission in memory)
MAX_FILES = 200
MAX_DEPTH = 8
# Cells and outputs of one notebook: reading a notebook costs nbformat time and memory by the number of its
# JSON objects, not its bytes (200,000 tiny cells in 20 MiB: ~6 s and ~800 MiB). The course's notebooks have
# under 60 cells; a student may add many more, never thousands.
MAX_CELLS = 2000
MAX_OUTPUTS = 20000
# JSON containers ({ and [) of a notebook the class report or the similarity view reads (intake.read_notebook):
# an empty one costs ~60 bytes parsed, so 64 MiB of `{},` would cost ~1.6 GiB; counted in the bytes before
# parsing (brackets inside strings count too: a bound, never an undercount), ~60 MiB at most.
MAX_JSON_CONTAINERS = 1_000_000

# The judge's wire (autograder/sandbox/wire.py frames). What an answer process may send in one reply, checked
# before anything is read: its JSON part holds names, numbers and small lists (big numeric lists travel as
# arrays), arrays travel in the blob; then, while decoding, how deep the values nest and how many there are.
# One reply at a time: the grader's memory stays far under 1 GiB.
REPLY_JSON_BYTES = 1 * MiB
REPLY_BLOB_BYTES = 64 * MiB
REPLY_DEPTH = 20
REPLY_ITEMS = 100_000
REPORT_BYTES = 1 * KiB      # a zygote's report that an answer process ended
# What the judge may send an answer process (the judge is trusted: sanity caps), and how much of the answer's
# own prints it keeps for the feedback. They reach child.py on its command line (confine.child_argv).
REQUEST_JSON_BYTES = 64 * MiB
REQUEST_BLOB_BYTES = 1 * GiB
ANSWER_LOG_BYTES = 64 * KiB
ANSWER_CAPS = {"request_json": REQUEST_JSON_BYTES, "request_blob": REQUEST_BLOB_BYTES, "log": ANSWER_LOG_BYTES}


# The class grader (autograder/classroom/): what it takes from its grading processes, from students' inbound
# folders and LMS downloads, and from autograded notebooks, each checked before it is read.
MAX_GRADED = 64 * MiB       # bytes of one submission's autograded files a grading process sends back
                            # (tasks.Graded: the submission's files, the assignment's, the notebook with outputs)
MAX_NOTEBOOK = 64 * MiB     # bytes of an autograded notebook the class report reads (a 20 MiB submission,
                            # pretty-printed)
MAX_STUDENT_ID = 64         # characters of a student id (exchange.py: an inbound folder's name)
MAX_TIMESTAMP = 64          # characters of an inbound folder's timestamp (nbgrader's own are 30)
MAX_NAME_BYTES = 255        # bytes of a file name read from an LMS download (lms.py; a file system's own limit)
MAX_MEMBER_PATH = 1024      # characters of a path in an LMS download (unpack.py): far over any LMS's, and it
                            # bounds reading a name
MAX_DOWNLOAD_DEPTH = 8      # folder levels of an LMS download unzipped into archive/ (unpack.py)


class DownloadLimits(Configurable):
    """What `nbgrader zip_collect` takes from an LMS download: autograder/classroom/unpack.py's LmsExtractor
    is one, so they are set as `c.LmsExtractor.max_file_bytes = ...` (or `--LmsExtractor.max_file_bytes=`)."""

    max_file_bytes = Integer(MAX_FILE, help="Bytes of one notebook.").tag(config=True)
    max_student_files = Integer(MAX_FILES, help="Notebooks of one student.").tag(config=True)
    max_student_bytes = Integer(MAX_TOTAL, help="Bytes of one student's notebooks in all.").tag(config=True)
    max_download_files = Integer(100_000, help="Entries of one download.").tag(config=True)
    max_download_bytes = Integer(2 * GiB, help="Bytes written from one download.").tag(config=True)
