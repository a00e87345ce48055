"""The feedback page a student reads (autograder.preprocessors.FeedbackPage), rendered in headless
Chromium with no network: a table of every test by name on top, the course's code left out, messages
that wrap, formulas drawn. The screenshot is kept beside the test's course folder."""
import re

import nbformat
import pytest

from autograder.build.release import ROOT
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
