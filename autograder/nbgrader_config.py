"""Runs in every nbgrader process at a course root (autograde, generate_feedback, export, collect, formgrader).

nbgrader settings of the course. The course root's nbgrader_config.py loads this file, so the
standard commands (`nbgrader generate_assignment 01_channels_kernel`, `nbgrader autograde …`,
`nbgrader generate_feedback …`, `nbgrader export`) work from the course root as nbgrader's docs
describe. Each notebook is its own assignment: solutions/<id>/<id>.ipynb -> notebooks/<id>/<id>.ipynb.
"""
import os
import warnings

# The course is installed in the venv (`pip install -e .`, pyproject.toml), so nbgrader imports the course's
# preprocessors and plugins (`autograder.preprocessors.Execute`, ...) from any course folder.
from autograder.compat import configurable_display_data_priority
from autograder.sandbox.intake import install_nbgrader_guard

c = get_config()  # noqa: F821  (provided by traitlets when it loads a config file)

# Every submission folder is checked before nbgrader reads, copies or times anything in it: only
# plain files (no links, FIFOs, devices, hard links, huge files); see autograder/sandbox/intake.py.
install_nbgrader_guard()

# Quiet where nothing is wrong, so that the warnings left mean something (README, "Noise"):
# - SQLAlchemy 2 warns, on every submission, that nbgrader's Gradebook.add_submission builds the new submission's
#   rows before it adds them to the session ("Object of type <SubmittedAssignment> not in session, add operation
#   along 'Assignment.submissions' will not proceed"); the add that follows stores them all (tests/test_noise.py).
warnings.filterwarnings("ignore", r"Object of type <(SubmittedAssignment|SubmittedNotebook|Grade|Comment)> not in "
                        r"session, add operation along", module=r"nbgrader\.api")
# - generate_feedback's "Config option ... not recognized by `ClearHiddenTests`" (autograder/compat.py).
configurable_display_data_priority()

c.CourseDirectory.course_id = "conv1d"
c.CourseDirectory.source_directory = "solutions"   # the hand-written instructor notebooks
c.CourseDirectory.release_directory = "notebooks"  # generated student copies, committed for Colab
c.GenerateAssignment.preprocessors.append("autograder.preprocessors.colablinks.ColabLinks")  # as `make release`
# The solutions' book-only notes (how each solution works: the book's, tools/book.py) never reach a student.
c.GenerateAssignment.preprocessors.prepend(["autograder.preprocessors.bookonly.DropBookOnly"])

# Time limits (autograder/limits.py), counted as the student's own time (CPU time and sleep, never the time
# other processes kept the student's code from a CPU), so no grade depends on how busy the machine is:
# 30 s a cell (a student's cell in the kernel, a test cell in the judge; a plain-loop answer needs well under
# 2 s), 300 s a submission (kernel and judge together), and a wall-clock backstop of 600 s a cell, past which
# a cell the machine's load held up is run again, then the submission is not graded (never scored).
c.TimeLimits.cell_seconds = 30
c.TimeLimits.submission_seconds = 300
c.TimeLimits.backstop_seconds = 600
# Memory and files of the student's kernel and of the judge's answer processes: autograder/limits.py's
# MemoryLimits (kernel: 8 GiB of address space, 512 MiB of files; answer processes: 3 GiB, 256 MiB), e.g.
# c.MemoryLimits.kernel_memory_bytes = 4 * 1024 ** 3
c.Execute.interrupt_on_timeout = True
# The kernel is killed when the notebook is done, not asked to shut down (0.8 s a submission saved;
# nothing of the kernel's is kept).
c.Execute.shutdown_kernel = "immediate"

# A deleted, retyped or edited test cell is put back from the gradebook and graded as released: edited
# and retyped ones by nbgrader's OverwriteCells, deleted ones (in any combination) by the course's
# AddMissingCells, and cells whose metadata an editor wiped are recognised by their cell id first.
# The course's OverwriteCells is nbgrader's without its "Attribute 'checksum' ... has changed!" for a cell
# handed in as released (nbgrader's gradebook keeps the checksum of the cell with its hidden tests,
# jupyter/nbgrader#1961); an edited cell is still warned about (autograder/preprocessors/overwritecells.py).
c.OverwriteCells.add_missing_cells = False

# Student kernels run in the grading sandbox (autograder/sandbox/confine.py, kernelspec in autograder/sandbox/kernels/):
# read-only file system but for the submission's folder, own PID namespace, memory limit.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    [os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox")]
    + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
c.Execute.kernel_name = "conv1d-sandbox"

c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "autograder.preprocessors.RestoreMetadata",
    "nbgrader.preprocessors.DeduplicateIds",
    "autograder.preprocessors.DropForeignMetadata",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.preprocessors.overwritecells.OverwriteCells",
    "autograder.preprocessors.AddMissingCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The verdict of each test cell comes from the judge, outside the student's kernel
# (autograder/sandbox/judge.py, docs/grading-security.md); a dead kernel costs only the cells it did not run.
c.Autograde.autograde_preprocessors = [
    "autograder.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.preprocessors.Judge",
    "autograder.preprocessors.SanitizeOutputs",
    "nbgrader.preprocessors.SaveAutoGrades",
    "autograder.preprocessors.ExtraCredit",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Late work (README, "Late work"): nbgrader's AssignLatePenalties (above) asks this plugin for each late
# notebook's penalty; lateness is timestamp.txt past the gradebook's due date plus the student's extension
# (`nbgrader db assignment add ID --duedate=...`, `python -m autograder.classroom.late ID STUDENT --days N`).
# The policy lives here, not in the course root's nbgrader_config.py, so that `python -m autograder grade`'s
# workers apply it too. By default nothing is taken off; 10% of the score per day started, at most half:
c.AssignLatePenalties.plugin_class = "autograder.classroom.late.LatePenalty"
# c.LatePenalty.share_per_day = 0.1
# c.LatePenalty.max_share = 0.5
# c.LatePenalty.grace_minutes = 15
# nbgrader's own: a late notebook scores 0:
# c.AssignLatePenalties.plugin_class = "nbgrader.plugins.LateSubmissionPlugin"
# c.LateSubmissionPlugin.penalty_method = "zero"

# Notebook 07's speed bonus (extra credit). It compares the answer's speed with torch's on the grading
# machine, turn by turn, each side's best call, far from both kinds of answer it separates (see README);
# set False to offer no bonus (the cell then fails with a note, and nobody gets the extra point).
c.Judge.bonus = True

# Feedback shows each cell's score and message, never the hidden tests' source; a table of every test on top.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "autograder.preprocessors.FeedbackPage",       # the summary table on top, course code left out, MathML
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearHiddenTests.enforce_metadata = False

# `nbgrader export` writes grades.csv with a `status` column: graded, not graded (a submission that was
# refused or failed: its score cells are left empty, not 0.0), not submitted.
c.ExportApp.plugin_class = "autograder.classroom.export.CsvExport"

# Formgrader's release / collect / "Release feedback" go through nbgrader's exchange: by default a folder
# exchange/ at the course root (one machine: the instructor's and the students' accounts must be able to
# write there); on JupyterHub, set c.Exchange.root to the shared folder (/srv/nbgrader/exchange).
c.Exchange.root = os.path.join(os.getcwd(), "exchange")
# `nbgrader collect` (and formgrader's Collect) through the course's collector: a folder of inbound/ is
# collected only when the account its name gives as the student id owns it and everything in it, its
# name parses and it holds plain files within the intake limits; others are refused one by one, with
# their reason, and the rest collected (autograder/classroom/exchange.py; README, "Collecting").
c.ExchangeFactory.collect = "autograder.classroom.exchange.CheckedCollect"
c.ExchangeFactory.release_feedback = "autograder.classroom.releasefeedback.ReleaseFeedback"  # LMS/hand: skipped, named

# `nbgrader zip_collect ASSIGNMENT` reads Canvas and Moodle "download all submissions" zips out of the box
# (downloaded/ASSIGNMENT/archive/*.zip; autograder/classroom/lms.py), and `python -m autograder export
# canvas` (or moodle) writes what they import.
c.ZipCollectApp.collector_plugin = "autograder.classroom.lms.LmsCollector"
# The course's extractor reads each download as data and decides every file before nbgrader sees it: no
# link, `..` or archive a student uploaded is unpacked, bounds per file, student and download, one student's
# bad file never stops the others, exit code 1 when something needs a look (autograder/classroom/unpack.py).
c.ZipCollectApp.extractor_plugin = "autograder.classroom.unpack.LmsExtractor"
