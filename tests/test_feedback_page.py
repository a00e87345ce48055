"""The feedback page a student reads (autograder.preprocessors.FeedbackPage), rendered in headless
Chromium with no network: a table of every test by name on top, the course's code left out, messages
that wrap, formulas drawn; the course's markdown as the course wrote it (also where the release rewrote it),
the student's own as its text. The screenshot is kept beside the test's course folder."""
import re

import nbformat
import pytest

from autograder.build.release import ROOT, colab_links, colab_url
from autograder.classroom import submissions
from autograder.classroom.course import Course
from tests.grading import LIMITS, SECRET, release
from tools import browser

A = "02_stride"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """alan's notebook 02 (a classic mistake, so a hint) graded and its feedback generated."""
    alan = next(s for s in submissions.load(ROOT / "autograder" / "examples")
                if s.assignment == A and s.path.stem == "alan")
    course = Course(tmp_path_factory.mktemp("feedback"), [A])
    release(course)
    course.submit(alan)
    assert course.autograde(A, *LIMITS, env=SECRET).returncode == 0
    assert course.feedback(A).returncode == 0
    (html,) = (course.root / "feedback" / alan.student / A).glob("*.html")
    autograded = nbformat.read(next((course.root / "autograded" / alan.student / A).glob("*.ipynb")), as_version=4)
    return html, autograded, course.scores(A)[alan.student]


def test_the_page_opens_with_every_test_by_name_and_leaves_the_course_code_out(page):
    html, autograded, cells = page
    text = html.read_text()
    first_cell = re.search(r"<table class=.conv1d-summary.>", text).start()
    for name, (score, points) in cells.items():
        row = re.search(rf"<tr><td>{name}</td><td>{score:g} / {points:g}</td><td>(.*?)</td></tr>", text, re.S)
        assert row, f"{name} is in the summary with its points"
        assert row.start() > first_cell
    assert "Hint:" in text[first_cell:text.index("</table>", first_cell)], "alan's mistake has a hint, on top"
    check_source = next(c.source for c in autograded.cells if c.metadata.get("course", {}).get("generated") == "check")
    assert "def check_output_shape" in check_source and "def check_output_shape" not in text
    assert "The course's check code cell is left out of this page" in text


def test_the_page_renders_offline_with_formulas_and_wrapped_messages(page, tmp_path):
    html, _, _ = page
    assert not browser.missing_browser(), browser.missing_browser()
    with browser.chromium(tmp_path) as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                    "downloadThroughput": 0, "uploadThroughput": 0})
        driver.get(html.as_uri())
        facts = driver.execute_script("""
            const maths = [...document.querySelectorAll('math')];
            const table = document.querySelector('table.conv1d-summary');
            const markdown = [...document.querySelectorAll('.text_cell_render')].map(e => e.innerText).join('\\n');
            return {maths: maths.length, drawn: maths.filter(m => m.getBoundingClientRect().height > 0).length,
                    tableTop: table.getBoundingClientRect().top + window.scrollY,
                    pageHeight: document.documentElement.scrollHeight,
                    overflow: document.documentElement.scrollWidth - window.innerWidth,
                    dollars: (markdown.match(/\\$[^$\\n]{1,80}\\$/g) || []).length};""")
        png = html.parent / "feedback.png"
        driver.save_screenshot(str(png))
    assert facts["maths"] > 10 and facts["drawn"] == facts["maths"], facts
    assert facts["dollars"] == 0, f"formulas left as LaTeX source: {facts}"
    assert facts["tableTop"] < 400, f"the summary is the first thing on the page: {facts}"
    assert facts["overflow"] <= 0, f"nothing runs past the page's edge: {facts}"
    assert png.read_bytes().startswith(b"\x89PNG")


STUDENT_NOTE = "My own note: <b>student-note-7</b> and [a link](../03_padding/03_padding.ipynb)"


@pytest.fixture(scope="module")
def released_page(tmp_path_factory):
    """alan's notebook 02 as a student gets it from `make release` (its links to other notebooks of the
    series made Colab URLs, autograder/build/release.py colab_links), with a markdown cell of his own added,
    graded by the grade command (whose grading process has the source notebook only) and its feedback
    generated."""
    alan = next(s for s in submissions.load(ROOT / "autograder" / "examples")
                if s.assignment == A and s.path.stem == "alan")
    course = Course(tmp_path_factory.mktemp("released-feedback"), [A])
    release(course)
    path = course.root / "notebooks" / A / f"{A}.ipynb"
    nbformat.write(colab_links(nbformat.read(path, as_version=4)), path)      # what `make release` writes
    released = course.released(A)
    assert any(c.source != s.source for c, s in zip(released.cells, nbformat.read(
        ROOT / "solutions" / A / f"{A}.ipynb", as_version=4).cells) if c.cell_type == "markdown"), \
        "the release rewrote a markdown cell of the source"
    submitted = course.submit(alan)
    nb = nbformat.read(submitted, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(STUDENT_NOTE))
    nbformat.write(nb, submitted)
    r = course.grade_parallel([A], *LIMITS, "--no-export", jobs=1, env=SECRET)
    assert r.returncode == 0, r.stdout + r.stderr
    assert course.feedback(A).returncode == 0
    (html,) = (course.root / "feedback" / alan.student / A).glob("*.html")
    autograded = nbformat.read(next((course.root / "autograded" / alan.student / A).glob("*.ipynb")), as_version=4)
    return html.read_text(), autograded, released


def test_the_course_cells_the_release_rewrote_are_the_courses_on_the_page_and_in_formgrader(released_page):
    """The last markdown cell ("Check yourself", answers in <details>, the Colab link to the next notebook)
    is rendered as the course wrote it, in the autograded notebook (formgrader shows it) and on the feedback
    page; the markdown the student added is still shown as its text."""
    text, autograded, released = released_page
    last = [c for c in released.cells if c.cell_type == "markdown"][-1]
    assert "Check yourself" in last.source and "<details>" in last.source and "colab.research.google.com" in last.source
    course_markdown = [c.source for c in released.cells if c.cell_type == "markdown"]
    shown = [c.source for c in autograded.cells if c.cell_type == "markdown"]
    assert all(source in shown for source in course_markdown), \
        "every course markdown cell stays as written in the autograded notebook (formgrader)"
    assert "<details><summary>Answer</summary>" in text, "the answers are folded away, as in the notebook"
    assert "&lt;details&gt;" not in text, "no course cell is shown as a student's raw text"
    assert f'<a href="{colab_url("03_padding")}"' in text, "the Next link, as the release wrote it"
    assert "&lt;b&gt;student-note-7&lt;/b&gt;" in text and "<b>student-note-7</b>" not in text, \
        "the student's own markdown is still shown as its text"
    note = next(c for c in autograded.cells if "student-note-7" in c.source)
    assert note.source.startswith("    "), "... in formgrader too (an indented code block)"


def test_every_course_markdown_cell_of_the_release_is_the_courses_with_the_source_notebook_alone():
    """For every notebook: each markdown cell of the committed student notebook (notebooks/, links rewritten
    by the release) is kept as written by the rebuild that knows only the source notebook (the grade
    command's grading process); on the feedback page, a course cell an earlier rebuild escaped is the
    course's again, while a student's markdown stays its text."""
    from autograder.build.release import RELEASE, assignments, notebook_path
    from autograder.preprocessors.sanitizeoutputs import Course as Cells
    from autograder.preprocessors.sanitizeoutputs import as_code_block, clean_cell
    rewritten = 0
    for a in assignments():
        cells = Cells(nbformat.read(notebook_path(a), as_version=4))
        released = nbformat.read(notebook_path(a, RELEASE), as_version=4)
        source = {c.source for c in nbformat.read(notebook_path(a), as_version=4).cells}
        for cell in released.cells:
            if cell.cell_type != "markdown" or cell.metadata.get("nbgrader", {}).get("grade_id"):
                continue
            rewritten += cell.source not in source
            assert clean_cell(cell, cells).source == cell.source, (a, cell.source[:200])
            old = nbformat.v4.new_markdown_cell(as_code_block(cell.source))      # as an earlier rebuild left it
            assert clean_cell(old, cells, feedback=True).source == cell.source, (a, cell.source[:200])
            assert clean_cell(old, cells).source == old.source, "only the feedback page restores it"
        student = nbformat.v4.new_markdown_cell("Mine: <b>x</b> [next](../03_padding/03_padding.ipynb)")
        assert clean_cell(student, cells, feedback=True).source == as_code_block(student.source)
    assert rewritten >= len(assignments()) - 1, "the release rewrote the Next link of every notebook but the last"
