"""nbgrader settings of the course. The course root's nbgrader_config.py loads this file, so the
standard commands (`nbgrader generate_assignment 01_channels_kernel`, `nbgrader autograde …`,
`nbgrader generate_feedback …`, `nbgrader export`) work from the course root as nbgrader's docs
describe. Each notebook is its own assignment: solutions/<id>/<id>.ipynb -> notebooks/<id>/<id>.ipynb.
"""
import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads a config file)

# The course's own preprocessors (autograder/preprocessors.py) must import from any course folder.
_repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _repo not in sys.path:
    sys.path.insert(0, _repo)

c.CourseDirectory.course_id = "conv1d"
c.CourseDirectory.source_directory = "solutions"   # the hand-written instructor notebooks
c.CourseDirectory.release_directory = "notebooks"  # generated student copies, committed for Colab

# A student cell that runs longer than this is interrupted and scores zero; the rest of the
# notebook still runs. A plain-loop answer needs well under 2 s per graded cell.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# A deleted, retyped or edited test cell is put back from the gradebook and graded as released.
c.OverwriteCells.add_missing_cells = True

# Tests report through their one-line error; tracebacks (which quote hidden tests) are dropped.
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.preprocessors.TidyTestOutputs",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows each cell's score and message, never the hidden tests' source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearHiddenTests.enforce_metadata = False
