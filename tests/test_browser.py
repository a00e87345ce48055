"""Every student notebook, with the solution's answers filled in, runs in JupyterLab in headless Chromium
with no error output, no missing image and no broken widget, and its explorer panel redraws when a slider
moves (tools/browser.py). One JupyterLab and one Chromium serve the whole module."""
import time

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.build.release import assignments
from tools import browser

PNG_1X1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def lab():
    """The browser, or None when Chromium is not installed (the tests then fail saying how to install it)."""
    if browser.missing_browser():
        yield None
        return
    with browser.notebook_browser() as b:
        yield b


def test_every_student_notebook_runs_in_the_browser(lab):
    assert lab, browser.missing_browser()
    problems, seconds = [], {}
    for a in assignments():
        start = time.monotonic()
        problems += [f"{a}: {p}" for p in lab.run(browser.student_notebook(a), f"{a}.ipynb")]
        seconds[a] = round(time.monotonic() - start, 1)
    print("seconds per notebook:", seconds)
    assert not problems, "what a student would see go wrong in JupyterLab:\n" + "\n".join(problems)


def test_the_browser_reports_errors_missing_images_and_broken_widgets(lab, monkeypatch):
    assert lab, browser.missing_browser()
    monkeypatch.setattr(browser, "RENDER_TIMEOUT", 3)    # how long the frozen explorer below is given to redraw
    explorer = {"course": {"generated": "explorer"}}
    panel = f"import base64, ipywidgets as w\npng = base64.b64decode({PNG_1X1!r})\n"
    nb = new_notebook(cells=[
        new_markdown_cell(f"![a picture that is not one](data:image/png;base64,bm90IGEgcG5n) "
                          f"![a picture](data:image/png;base64,{PNG_1X1})"),
        new_code_cell("display({'application/vnd.jupyter.widget-view+json':"
                      " {'model_id': 'no-such-model', 'version_major': 2, 'version_minor': 0}}, raw=True)"),
        new_code_cell(panel + "w.VBox([w.IntSlider(1, 0, 5), w.Image(value=png)])", metadata=explorer),
        new_code_cell(panel + "w.VBox([w.IntSlider(1, 0, 5), w.Image(value=png), w.HTMLMath('$x$')])",
                      metadata=explorer),
        new_code_cell("raise ValueError('raised on purpose')"),
    ])
    problems = lab.run(nb, "broken.ipynb")
    expected = ['cell 1: image did not load: src="data:image/png;base64,bm90IGEgcG5n"',
                "cell 2: widget: Error displaying widget",
                "cell 3: explorer lacks text",
                "cell 4: explorer: moving a slider did not change",
                "cell 5: error ValueError: raised on purpose"]
    missing = [e for e in expected if not any(p.startswith(e) for p in problems)]
    assert not missing and len(problems) == len(expected), f"expected {expected}, reported {problems}"
