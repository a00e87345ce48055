"""generate_feedback: the page a student reads."""
from nbgrader import preprocessors as nbp

from .cells import is_answer_cell, is_test_cell, source_notebook


class FeedbackPage(nbp.NbGraderPreprocessor):
    """generate_feedback (after GetGrades): the page a student reads.

    - At the top, a table of every graded test cell by name: its points and its one-line message
      and hint (or "passed"), escaped; messages wrap instead of running past the box.
    - The course's generated code cells (check code, explorer panel), the same for everyone and
      hundreds of lines long, are left out, with a one-line note where they were.
    - The course's formulas ($...$, $$...$$) become MathML, which browsers draw without MathJax's CDN,
      so the page reads right offline (a formula latex2mathml cannot read stays as written)."""

    STYLE = ("<style>.conv1d-summary{border-collapse:collapse;margin:0 0 1em}.conv1d-summary td,"
             ".conv1d-summary th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
             ".conv1d-summary td{white-space:pre-wrap;overflow-wrap:anywhere}.conv1d-summary td:nth-child(-n+2)"
             "{white-space:nowrap;overflow-wrap:normal}"
             "div.output_area pre,div.output_subarea pre{white-space:pre-wrap;overflow-wrap:anywhere}</style>")

    def preprocess(self, nb, resources):
        import html

        from nbformat.v4 import new_markdown_cell
        source = source_notebook(self.config, resources["nbgrader"])
        generated = {c.source: c.metadata["course"]["generated"] for c in source.cells
                     if c.metadata.get("course", {}).get("generated")}
        ours = {c.source for c in source.cells if c.cell_type == "markdown"}
        cells, rows = [], []
        for cell in nb.cells:
            kind = cell.metadata.get("course", {}).get("generated") or generated.get(cell.source)
            if kind and cell.cell_type == "code" and not is_answer_cell(cell) and not is_test_cell(cell):
                what = "check code" if kind == "check" else "explorer panel"
                cells.append(new_markdown_cell(f"*The course's {what} cell is left out of this page: it is the "
                                               "same for everyone, and the notebook itself has it.*"))
                continue
            meta = cell.metadata.get("nbgrader", {})
            if is_test_cell(cell) and meta.get("points") is not None:
                rows.append((meta.get("grade_id", ""), meta.get("score"), meta.get("points"), self.message(cell)))
            if cell.cell_type == "markdown" and cell.source in ours:
                cell.source = math_to_mathml(cell.source)
            cells.append(cell)
        table = ["<table class='conv1d-summary'><tr><th>test</th><th>points</th><th>result</th></tr>"]
        for name, score, points, message in rows:
            got = "–" if score is None else f"{float(score):g}"
            table.append(f"<tr><td>{html.escape(name)}</td><td>{got} / {float(points):g}</td>"
                         f"<td>{html.escape(message)}</td></tr>")
        table.append("</table>")
        nb.cells = [new_markdown_cell(self.STYLE + "\n\n" + "".join(table))] + cells
        return nb, resources

    @staticmethod
    def message(cell):
        """The cell's one-line message and hint from its error output, or "passed"."""
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                text = f"{out.get('ename', '')}: {out.get('evalue', '')}".strip(": ")
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                return "\n".join(lines[:1] + [line for line in lines[1:] if line.startswith("Hint:")][:1])[:600]
        return "passed"


def math_to_mathml(text):
    """Markdown with $...$ and $$...$$ turned into MathML (inline code spans left alone)."""
    import re

    from latex2mathml.converter import convert

    def render(latex, display):
        try:
            return convert(latex.strip(), display="block" if display else "inline")
        except Exception:           # a formula it cannot read stays as the author wrote it
            return None

    def block(m):
        return render(m.group(1), True) or m.group(0)

    def inline(m):
        return render(m.group(1), False) or m.group(0)
    parts = re.split(r"(`+[^`]*`+)", text)
    for i in range(0, len(parts), 2):
        part = re.sub(r"\$\$(.+?)\$\$", block, parts[i], flags=re.S)
        parts[i] = re.sub(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\d)", inline, part)
    return "".join(parts)
