"""nbgrader preprocessors of the course, listed in autograder/nbgrader_config.py."""
from nbgrader.preprocessors import NbGraderPreprocessor


def is_test_cell(cell):
    nb = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and nb.get("grade") and not nb.get("solution")


class TidyTestOutputs(NbGraderPreprocessor):
    """Runs after Execute, before SaveAutoGrades, on graded test cells only.

    - An error keeps its one-line verdict (`CheckFailed: ... Hint: ...`) and loses its traceback:
      a traceback quotes the cell's source, hidden tests included, into the feedback.
    - A warning printed to stderr is not a failure: it is kept, as stdout. A test fails by raising.
    """

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {out.evalue}"]
                elif out.output_type == "stream" and out.name == "stderr":
                    out.name = "stdout"
        return cell, resources
