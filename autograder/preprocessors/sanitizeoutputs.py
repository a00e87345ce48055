"""After the Judge: nothing a student's code or notebook wrote can run in a browser."""
from nbgrader import preprocessors as nbp

from .cells import source_notebook

SAFE_OUTPUT = {"text/plain", "image/png", "image/jpeg", "image/gif"}


class SanitizeOutputs(nbp.NbGraderPreprocessor):
    """After Judge: nothing the student's code or notebook wrote can run in a browser that opens the
    feedback or formgrader (whose session can set grades). Outputs keep only plain text and bitmap
    images (HTML, JavaScript, SVG, widgets go; a text/plain twin stays when there is one); a markdown
    cell that is not one of the course's own is shown as its source text (an indented code block)."""

    def preprocess(self, nb, resources):
        source = source_notebook(self.config, resources["nbgrader"])
        self.course_markdown = {c.source for c in source.cells if c.cell_type == "markdown"}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and cell.source not in self.course_markdown:
            # shown as its source, in an indented code block: no HTML, no link, nothing to escape from
            cell.source = "\n".join("    " + line for line in cell.source.splitlines())
            cell.pop("attachments", None)
        for out in cell.get("outputs", []):
            if "data" in out:
                out["data"] = {k: v for k, v in out["data"].items() if k in SAFE_OUTPUT} or {"text/plain": ""}
        return cell, resources
