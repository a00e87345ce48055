"""Runs in the `nbgrader generate_feedback` process (or formgrader's, in its Jupyter server): feedback.

generate_feedback: the page a student reads."""
import html

from nbgrader import preprocessors as nbp
from traitlets import Integer

from ..catalogues import checks_catalogue, language
from ..notebook.language import tr, use
from ..text import printable
from .cells import is_answer_cell, is_test_cell, source_notebook
from .sanitizeoutputs import Course, clean_cell, clean_notebook_metadata, is_str, left_out, unique_ids

MAX_MESSAGE = 300       # characters of a test's message in the summary table
MAX_HINT = 500          # ... and of its hint


class FeedbackPage(nbp.NbGraderPreprocessor):
    """generate_feedback (after GetGrades): the page a student reads.

    - At the top, a table of every graded test cell by name: its points and its message (the first
      line of the error's text) and hint (the judge's, from the cell's metadata `conv1d.hint`, never
      parsed out of a message), or "passed", escaped; messages wrap instead of running past the box.
    - Every cell is rebuilt again as SanitizeOutputs does (notebooks autograded before that rule).
    - The course's generated code cells (check code, explorer panel), the same for everyone and
      hundreds of lines long, are left out, with a one-line note where they were.
    - What it costs is bounded: at most `max_own_cells` cells the student added or changed are shown
      (a note says how many more the notebook has), a cell of the student's shows at most
      `max_cell_chars` characters of source and of each output's text.
    - The course's formulas ($...$, $$...$$) become MathML, which browsers draw without MathJax's CDN,
      so the page reads right offline (a formula latex2mathml cannot read stays as written)."""

    max_own_cells = Integer(200, help="Cells the student added or changed that the page shows (the others "
                                      "are left out with a note).").tag(config=True)
    max_cell_chars = Integer(20_000, help="Characters of one student cell's source, and of each of its "
                                          "outputs' text, that the page shows.").tag(config=True)

    STYLE = ("<style>.conv1d-summary{border-collapse:collapse;margin:0 0 1em}.conv1d-summary td,"
             ".conv1d-summary th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
             ".conv1d-summary td{white-space:pre-wrap;overflow-wrap:anywhere}.conv1d-summary td:nth-child(-n+2)"
             "{white-space:nowrap;overflow-wrap:normal}"
             "div.output_area pre,div.output_subarea pre{white-space:pre-wrap;overflow-wrap:anywhere}</style>")

    def preprocess(self, nb, resources):
        """The page in the language of the notebook (autograder/catalogues.py language), English again after."""
        lang = language(nb)
        use(lang, checks_catalogue(lang))
        try:
            return self._page(nb, resources)
        finally:
            use("en")

    def _page(self, nb, resources):
        from nbformat.v4 import new_markdown_cell
        source = source_notebook(self.config, resources["nbgrader"])
        course = Course.of(self.config, resources["nbgrader"])
        generated = {c.source: c.metadata["course"]["generated"] for c in source.cells
                     if c.metadata.get("course", {}).get("generated")}
        ours = set(course.markdown)
        theirs = course.sources
        kept, dropped = left_out(nb.cells if isinstance(nb.get("cells"), list) else [], course, self.max_own_cells)
        cells, rows = [], []
        for raw in kept:
            if raw is None:
                cells.append(new_markdown_cell(tr("*{dropped} more cells that you added or changed are left out of "
                                                  "this page (it shows the first {shown}); your notebook has them "
                                                  "all.*", dropped=dropped, shown=self.max_own_cells)))
                self.log.warning("%s: %d cells of the student's own left out of the feedback page (it shows at most "
                                 "%d)", safe(resources["nbgrader"].get("student")), dropped, self.max_own_cells)
                continue
            cell = clean_cell(raw, course, feedback=True)
            kind = cell.metadata.get("course", {}).get("generated") or generated.get(cell.source)
            if kind and cell.cell_type == "code" and not is_answer_cell(cell) and not is_test_cell(cell):
                cells.append(new_markdown_cell(
                    tr("*The course's check code cell is left out of this page: it is the same for everyone, and "
                       "the notebook itself has it.*") if kind == "check" else
                    tr("*The course's explorer panel cell is left out of this page: it is the same for everyone, "
                       "and the notebook itself has it.*")))
                continue
            meta = cell.metadata.get("nbgrader", {})
            if is_test_cell(cell) and meta.get("points") is not None:
                rows.append((meta.get("grade_id", ""), meta.get("score"), meta.get("points"),
                             self.message(cell), self.hint(cell)))
            if cell.cell_type == "markdown" and cell.source in ours:
                cell.source = math_to_mathml(cell.source)
            elif cell.source not in theirs:
                self.shorten(cell)
            cells.append(cell)
        # tex2jax_ignore: MathJax (the template loads it) typesets no formula a message holds
        table = ["<div class='tex2jax_ignore'><table class='conv1d-summary'><tr>"
                 f"<th>{tr('test')}</th><th>{tr('points')}</th><th>{tr('result')}</th></tr>"]
        for name, score, points, message, hint in rows:
            got = "–" if score is None else f"{float(score):g}"
            result = html.escape(message) + (f"\n<b>{tr('Hint:')}</b> {html.escape(hint)}" if hint else "")
            table.append(f"<tr><td>{html.escape(name)}</td><td>{got} / {float(points):g}</td><td>{result}</td></tr>")
        table.append("</table></div>")
        nb.cells = [new_markdown_cell(self.STYLE + "\n\n" + "".join(table))] + cells
        unique_ids(nb.cells)
        nb.metadata = clean_notebook_metadata(nb.get("metadata"))
        return nb, resources

    @staticmethod
    def message(cell):
        """The first line of the cell's error text (its evalue; the error's name when that is empty),
        at most MAX_MESSAGE characters, or "passed" when the cell has no error."""
        for out in reversed(cell.get("outputs", [])):
            if out.get("output_type") == "error":
                lines = [line.strip() for line in out.get("evalue", "").splitlines() if line.strip()]
                return cap(lines[0] if lines else out.get("ename", "") or tr("failed"), MAX_MESSAGE)
        return tr("passed")

    @staticmethod
    def hint(cell):
        """The judge's hint for this test cell (its metadata conv1d.hint, on one line), or ""."""
        hint = cell.metadata.get("conv1d", {}).get("hint")
        return cap(" ".join(hint.split()), MAX_HINT) if is_str(hint) else ""

    def shorten(self, cell):
        """A student's cell with at most max_cell_chars of source and of each output's text."""
        limit = self.max_cell_chars
        if len(cell.source) > limit:
            more = len(cell.source) - limit
            cut = cell.source[:limit]
            note = tr("... {more} more characters are left out of this page", more=more)
            cell.source = cut + (f"\n# {note}" if cell.cell_type == "code" else f"\n    {note}")
        for out in cell.get("outputs", []):
            for key, holder in (("text", out), ("evalue", out), ("text/plain", out.get("data", {}))):
                if is_str(holder.get(key)) and len(holder[key]) > limit:
                    holder[key] = holder[key][:limit] + "\n" + tr("... {more} more characters are left out",
                                                                   more=len(holder[key]) - limit)
            if isinstance(out.get("traceback"), list) and sum(map(len, out["traceback"])) > limit:
                out["traceback"] = [cap("\n".join(out["traceback"]), limit)]


def cap(s, n):
    return s if len(s) <= n else s[:n - 1] + "…"


def safe(name):
    """A student-made name as one printable line (the class grader's rule, autograder/text.py)."""
    return printable(name)


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
