"""What a student made never runs in a browser, and hints are data (docs/grading-security.md, class 7).

- Every output, cell and the notebook's metadata are rebuilt from typed values (SanitizeOutputs, and
  FeedbackPage again): unit tests with hostile notebooks.
- The feedback table and the class report take a hint only from the judge's metadata `conv1d.hint`,
  never from a message: unit tests whose messages hold fake `Hint:` lines.
- A hostile submission (outputs, their metadata, markdown, cell and notebook metadata, in an answer cell
  and in cells it added) autograded with real nbgrader, its feedback made by `nbgrader generate_feedback`,
  its submission opened in formgrader (a Jupyter server on 127.0.0.1 with a token): in headless Chromium
  with JavaScript on, no injected attribute, script or javascript: URL exists, the payloads' window
  flags stay unset, and the honest text and bitmaps are shown.
"""
import base64
import copy
import csv
import html
import os
import re
import secrets
import signal
import struct
import subprocess
import sys
import urllib.request
import zlib
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output, new_raw_cell
from traitlets.config import Config

from autograder.build.release import ROOT
from autograder.classroom.spreadsheet import FORMULA_START
from autograder.preprocessors.feedbackpage import FeedbackPage
from autograder.preprocessors.sanitizeoutputs import (
    LEFT_OUT,
    MAX_SIDE,
    Course,
    clean_notebook,
    clean_output,
)
from tests.grading import LIMITS, SECRET, free_port, release

A = "01_channels_kernel"


def png(width=3, height=2):
    """A real PNG of width x height red pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = base64.b64encode(png()).decode()


def source(assignment=A):
    return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def released(assignment=A):
    return nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", as_version=4)


# ----------------------------------------------------------------------------- outputs and cells, rebuilt
def test_every_output_is_rebuilt_from_typed_values():
    image = {"output_type": "display_data", "transient": {"display_id": "<script>"}, "extra": "<b>",
             "data": {"image/png": PNG[:20] + "\n" + PNG[20:], "text/html": "<img src=x onerror=alert(1)>",
                      "image/svg+xml": "<svg onload=alert(1)/>", "application/javascript": "alert(1)",
                      "text/plain": ["honest ", "twin"]},
             "metadata": {"image/png": {"width": "1 onerror=alert(1)", "height": 40, "unconfined": True,
                                        "alt": "\" onerror=\"alert(1)"},
                          "filenames": {"image/png": "javascript:alert(1)"}, "isolated": True}}
    got = clean_output(image)
    assert got == {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "honest twin"},
                   "metadata": {"image/png": {"height": 40}}}
    sizes = [-1, 0, True, float("nan"), float("inf"), MAX_SIDE + 1, 10 ** 9, "12", [3], 2.5, 12]
    kept = [clean_output({**image, "metadata": {"image/png": {"width": w}}})["metadata"] for w in sizes]
    assert kept == [{}] * 9 + [{"image/png": {"width": 2.5}}, {"image/png": {"width": 12}}]
    # base64 that is not strict, or not the type it claims, is dropped; so is every other type
    for bad in ("x\" onerror=\"alert(1)", base64.b64encode(b"<svg onload=alert(1)>").decode(), 7, ["iVBO", 1]):
        assert clean_output({"output_type": "display_data", "data": {"image/png": bad}, "metadata": {}})["data"] \
            == {"text/plain": ""}
    assert clean_output({"output_type": "execute_result", "execution_count": "<b>1</b>", "data": {"text/plain": "4"},
                         "metadata": {"text/plain": {"x": "<b>"}}}) \
        == {"output_type": "execute_result", "execution_count": None, "data": {"text/plain": "4"}, "metadata": {}}
    assert clean_output({"output_type": "stream", "name": "stdout", "text": ["a", "b"], "metadata": {"x": 1}}) \
        == {"output_type": "stream", "name": "stdout", "text": "ab"}
    assert clean_output({"output_type": "error", "ename": "E", "evalue": 3, "traceback": ["line", {"x": 1}]}) \
        == {"output_type": "error", "ename": "E", "evalue": "", "traceback": ["line"]}
    for weird in ({"output_type": "stream", "name": "<script>", "text": "x"},
                  {"output_type": "stream", "name": "stdout"},
                  {"output_type": "update_display_data", "data": {"text/plain": "x"}}, {"output_type": "<img>"},
                  {"data": {"text/plain": "x"}}, "<script>", None, ["stream"]):
        assert clean_output(weird) is None, weird


def hostile_cell_metadata():
    return {"tags": ["<img src=x onerror=window.pwned_tag=1>", "a\" onmouseover=\"window.pwned_tagq=1"],
            "name": "<script>window.pwned_name=1</script>", "alt": "\" onerror=\"window.pwned_alt=1",
            "magics_language": "<script>", "jupyter": {"source_hidden": False, "outputs_hidden": "<b>",
                                                       "x": "<script>window.pwned_jupyter=1</script>"},
            "collapsed": False, "scrolled": "auto", "colab": {"base_uri": "javascript:alert(1)"},
            "conv1d": {"hint": "=HYPERLINK(\"http://evil\",\"a fake hint\")"},
            "course": {"generated": "check"}}


def hostile_notebook_metadata():
    return {"title": "</title><script>window.pwned_title=1</script>",
            "widgets": {"application/vnd.jupyter.widget-state+json": {
                "state": {"m": {"model_name": "HTMLModel",
                                "state": {"value": "<img src=x onerror=window.pwned_widget=1>"}}},
                "version_major": 2, "version_minor": 0}},
            "language": {"x": 1}, "authors": [{"name": "<script>window.pwned_author=1</script>"}],
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python", "env": {"X": "1"}},
            "language_info": {"name": "python", "pygments_lexer": "<script>", "codemirror_mode": {"name": "<b>"}},
            "conv1d": {"flags": ["uses gc", {"x": 1}], "hint": "<b>"}}


def test_cells_and_the_notebooks_metadata_keep_only_typed_fields():
    course = Course(source(), released())
    nb = released()
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "conv1d_answer")
    answer.metadata.update(hostile_cell_metadata())
    answer.metadata["nbgrader"]["comment"] = "<script>"       # not a key of nbgrader's schema
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_values")
    test.metadata["conv1d"] = {"hint": "the judge's hint", "other": "<b>"}
    nb.cells.append(nbformat.from_dict({"cell_type": "code", "id": "x\" onmouseover=\"y", "source": "print(1)",
                                        "metadata": hostile_cell_metadata(), "execution_count": "<b>3</b>",
                                        "outputs": []}))
    nb.cells.append(new_markdown_cell("<script>window.pwned_md=1</script>\n[a](javascript:alert(1))",
                                      attachments={"x.svg": {"image/svg+xml": "PHN2Zz4="}}))
    nb.cells[-1]["outputs"] = [new_output("display_data", {"text/html": "<script>"})]
    nb.cells.append(new_raw_cell("<script>window.pwned_raw=1</script>", metadata={"raw_mimetype": "text/html"}))
    nb.cells.append(nbformat.from_dict({"cell_type": "<b>", "id": "z", "metadata": {}, "source": ["a", "<b>"]}))
    course_md = next(c for c in nb.cells if c.cell_type == "markdown" and c.get("attachments"))
    course_md.attachments = {"evil.svg": {"image/svg+xml": "<svg onload=alert(1)>", "text/html": "PGI+"}}
    nb.metadata = hostile_notebook_metadata()
    before = copy.deepcopy(nb)
    clean_notebook(nb, course, 1000)
    nbformat.validate(nb)
    cleaned = {c.id: c for c in nb.cells}
    answer = cleaned[answer.id]
    assert set(answer.metadata) == {"nbgrader", "jupyter", "collapsed", "scrolled", "deletable"}
    assert answer.metadata.jupyter == {"source_hidden": False} and "comment" not in answer.metadata.nbgrader
    assert cleaned[test.id].metadata.conv1d == {"hint": "the judge's hint"}
    added = nb.cells[len(before.cells) - 4]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", added.id) and added.execution_count is None
    assert set(added.metadata) == {"jupyter", "collapsed", "scrolled"}, "no tags, name, alt, hint, course"
    md, raw, unknown = nb.cells[-3:]
    assert md.cell_type == raw.cell_type == unknown.cell_type == "markdown" and not md.get("attachments")
    assert all(line.startswith("    ") for c in (md, raw, unknown) for line in c.source.splitlines())
    assert "outputs" not in md and unknown.source == "    a<b>"
    shown = next(c for c in nb.cells if c.id == course_md.id)
    original = next(c for c in source().cells if c.cell_type == "markdown" and c.source == course_md.source)
    assert shown.attachments == original.attachments, "a course cell's pictures are the course's own"
    check = next(c for c in nb.cells if c.source.startswith("#@title Course checks"))
    assert check.metadata.course == {"generated": "check"}, "course metadata comes from the course"
    assert nb.metadata == {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                           "language_info": {"name": "python"}, "conv1d": {"flags": ["uses gc"]},
                           "course": {"lang": "en"}}


def test_the_autograded_copy_keeps_at_most_so_many_cells_of_the_students_own():
    course = Course(source(), released())
    nb = released()
    n = len(nb.cells)
    nb.cells += [new_markdown_cell(f"note {i}") for i in range(2500)]
    nb.cells.insert(3, new_code_cell("x = 1"))
    clean_notebook(nb, course, 1000)
    assert len(nb.cells) == n + 1000 + 1
    note = [c for c in nb.cells if LEFT_OUT.fullmatch(c.source)]
    assert len(note) == 1 and note[0].source.startswith("*1501 more cells")
    # the rebuild keeps its own note as markdown, and feedback shows it as it is
    again = clean_notebook(copy.deepcopy(nb), course, 1000)
    assert [c.source for c in again.cells] == [c.source for c in nb.cells]


# ----------------------------------------------------------------------------- hints are data
FAKE = "=HYPERLINK(\"http://evil.example\",\"click\")"


def graded_notebook(assignment="02_stride"):
    """The released notebook as GetGrades leaves it, its test cells failing with messages that hold
    fake Hint: lines; test_values has the judge's hint in its metadata."""
    nb = released(assignment)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            meta["score"] = 0.0
            cell.outputs = [new_output("error", ename="CheckFailed", evalue=(
                f"values differ <b>bold</b>\nHint: {FAKE}\n  Hint: a fake hint of {meta['grade_id']}"),
                traceback=[])]
            if meta["grade_id"] == "test_values":
                cell.metadata["conv1d"] = {"hint": "check the\nstride"}
    return nb


def feedback_page(nb, assignment="02_stride", **settings):
    c = Config()
    c.CourseDirectory.root = str(ROOT)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "notebooks"
    for k, v in settings.items():
        setattr(c.FeedbackPage, k, v)
    resources = {"nbgrader": {"assignment": assignment, "notebook": assignment, "student": "s\x1b[2J"}}
    return FeedbackPage(config=c).preprocess(nb, resources)[0]


def test_the_feedback_table_takes_hints_from_the_judges_metadata_only():
    nb = feedback_page(graded_notebook())
    table = nb.cells[0].source
    rows = dict(re.findall(r"<tr><td>(\w+)</td><td>[^<]*</td><td>(.*?)</td></tr>", table, re.S))
    assert rows["test_values"] == "values differ &lt;b&gt;bold&lt;/b&gt;\n<b>Hint:</b> check the stride"
    others = {k: v for k, v in rows.items() if k != "test_values"}
    assert others and all(v == "values differ &lt;b&gt;bold&lt;/b&gt;" for v in others.values()), others
    assert "HYPERLINK" not in table and "fake hint" not in table
    assert "tex2jax_ignore" in table, "no formula of a message is typeset"


def test_the_feedback_page_bounds_what_a_student_added():
    nb = graded_notebook()
    n = len(nb.cells)
    nb.cells += [new_markdown_cell(f"scratch {i} <script>") for i in range(300)]
    big_cell = new_code_cell("y" * 50_000, outputs=[new_output("stream", name="stdout", text="z" * 50_000)])
    nb.cells.append(copy.deepcopy(big_cell))
    page = feedback_page(nb, max_own_cells=250, max_cell_chars=1000)
    notes = [c.source for c in page.cells if "left out of this page (it shows the first 250)" in c.source]
    assert notes == ["*51 more cells that you added or changed are left out of this page (it shows the first 250); "
                     "your notebook has them all.*"]
    own = [c for c in page.cells if "scratch" in c.source]
    assert len(own) == 250 and all(c.source.startswith("    ") for c in own)
    assert len(page.cells) < n + 260
    small = graded_notebook()
    small.cells.append(big_cell)
    big = feedback_page(small, max_cell_chars=1000)
    code = big.cells[-1]
    assert len(code.source) < 1100 and code.source.endswith("49000 more characters are left out of this page")
    assert len(code.outputs[0].text) < 1100


def report_notebook(tmp_path):
    nb = graded_notebook()
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.metadata["conv1d"] = {"hint": "an answer cell's hint is none"}
    path = tmp_path / "02_stride.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_class_report_takes_hints_from_the_judges_metadata_only(tmp_path):
    from autograder.classroom import report
    path = report_notebook(tmp_path)
    assert report.hints_of(path) == {"test_values": "check the stride"}
    assert report.hints_of(path, {"test_predict"}) == {}
    data = {"02_stride": {"students": {"=cmd|' /C calc'!A0": (0.0, 9.0, "graded"), "bob": (-1.5, 9.0, "graded")},
                          "cells": {"test_values": {"max": 2.0, "scores": {"=cmd|' /C calc'!A0": 0.0, "bob": 0.0}}},
                          "hints": {("test_values", "check the stride"): ["=cmd|' /C calc'!A0", "bob"],
                                    ("test_values", FAKE): ["bob"], ("test_values", "@SUM(1)"): ["-2+3"]}}}
    index = report.write(data, tmp_path / "out")
    rows = list(csv.reader(open(tmp_path / "out" / "misconceptions.csv")))
    assert ["02_stride", "test_values", "'" + FAKE, "1", "2", "0.5", "bob"] in rows
    assert ["02_stride", "test_values", "'@SUM(1)", "1", "2", "0.5", "'-2+3"] in rows
    assert ["02_stride", "test_values", "check the stride", "2", "2", "1", "'=cmd|' /C calc'!A0 bob"] in rows
    scores = list(csv.reader(open(tmp_path / "out" / "scores.csv")))
    assert ["02_stride", "'=cmd|' /C calc'!A0", "0", "9", "graded", "0", "0", "", "0", ""] in scores
    assert ["02_stride", "bob", "-1.5", "9", "graded", "0", "0", "", "0", ""] in scores, \
        "a negative score stays a number"
    assert html.escape(FAKE) in index.read_text()
    for name in ("scores.csv", "cells.csv", "misconceptions.csv"):
        for row in csv.reader(open(tmp_path / "out" / name)):
            assert all(not cell.startswith(FORMULA_START) or is_number(cell) for cell in row), (name, row)


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


# ----------------------------------------------------------------------------- the browser
SUBMITTED_CODE = '''
import sys
from IPython.display import display
PNG = "{png}"
display({{"image/png": PNG, "text/plain": "honest image"}}, raw=True,
        metadata={{"image/png": {{"width": "1 onerror=window.pwned_width=1", "height": "1 onload=window.pwned_height=1"}}}})
display({{"image/png": PNG}}, raw=True, metadata={{"image/png": {{"width": 10 ** 9, "height": 5}},
        "filenames": {{"image/png": "javascript:window.pwned_filename=1"}}}})
display({{"text/plain": "honest twin", "text/html": "<img src=x onerror='window.pwned_html=1'>"}}, raw=True)
display({{"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload='window.pwned_svg=1'/>"}}, raw=True)
display({{"application/javascript": "window.pwned_js=1"}}, raw=True)
display({{"text/markdown": "<img src=x onerror='window.pwned_mdout=1'> [a](javascript:window.pwned_mdlink=1)"}}, raw=True)
display({{"text/latex": "$\\\\href{{javascript:window.pwned_latex=1}}{{x}}$"}}, raw=True)
display({{"text/html": "<script>window.pwned_isolated=1</script>"}}, raw=True, metadata={{"text/html": {{"isolated": True}}}})
display({{"application/vnd.jupyter.widget-view+json": {{"model_id": "m", "version_major": 2, "version_minor": 0}}}}, raw=True)
display({{"image/png": "x\\" onerror=\\"window.pwned_src=1"}}, raw=True)
display({{"text/plain": "t", "text/html": "<b>"}}, raw=True, transient={{"display_id": "<script>window.pwned_t=1</script>"}})
h = display({{"text/plain": "before update"}}, raw=True, display_id=True)
h.update({{"text/html": "<script>window.pwned_update=1</script>", "text/plain": "honest update"}}, raw=True)
print("honest stdout <script>window.pwned_stdout=1</script>")
sys.stderr.write("honest stderr \\x1b[31mred\\x1b[0m <img src=x onerror=window.pwned_stderr=1>\\n")


class Hostile:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return ({{"text/plain": "honest result", "text/html": "<img src=x onerror=window.pwned_result=1>",
                 "image/png": PNG}}, {{"image/png": {{"width": "2 onerror=window.pwned_rwidth=1"}}}})


Hostile()
'''  # noqa: E501 (a long line of the text inside)

ANSWER = '''from IPython.display import display
display({{"image/png": "{png}", "text/plain": "honest answer image"}}, raw=True,
        metadata={{"image/png": {{"width": "7 onerror=window.pwned_answer=1", "height": 7}}}})
display({{"text/html": "<script>window.pwned_answer_html=1</script>", "text/plain": "honest answer twin"}}, raw=True)
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        return np.einsum("nctk,ock->not", sliding_window_view(x, self.kernel_size, axis=2), self.weight)

    def __call__(self, x):
        return self.forward(x)
'''

MARKDOWN = ("Look: <script>window.pwned_md=1</script> <img src=x onerror=window.pwned_mdimg=1> "
            "[a link](javascript:window.pwned_mdlink2=1) ![pic](attachment:x.svg)\n\n"
            "$$\\href{javascript:window.pwned_math=1}{click}$$\n\n"
            "<iframe src=\"javascript:window.pwned_iframe=1\"></iframe>")


def hostile_submission(nb):
    """The released notebook 01 made hostile: outputs the kernel will produce (an answer cell and an
    added cell), markup in markdown, raw cells, cell and notebook metadata."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "predict_answer":
            cell.source = "predicted_shape = (4, 8, 28)"
        if gid == "conv1d_answer":
            cell.source = ANSWER.format(png=PNG)
            cell.metadata.update({k: v for k, v in hostile_cell_metadata().items() if k != "course"})
    added = new_code_cell(SUBMITTED_CODE.format(png=PNG), metadata=hostile_cell_metadata())
    added.outputs = [new_output("display_data", {"text/html": "<script>window.pwned_old=1</script>"})]
    md = new_markdown_cell(MARKDOWN, metadata=hostile_cell_metadata(), attachments={
        "x.svg": {"image/svg+xml": base64.b64encode(
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='window.pwned_att=1'/>").decode()}})
    md["outputs"] = [{"output_type": "display_data", "data": {"text/html": "<script>window.pwned_mdo=1</script>"},
                      "metadata": {}}]
    raw = new_raw_cell("<script>window.pwned_raw=1</script><a href='javascript:window.pwned_rawlink=1'>x</a>",
                       metadata={"raw_mimetype": "text/html"})
    nb.cells += [added, md, raw]
    nb.metadata.update({k: v for k, v in hostile_notebook_metadata().items() if k not in ("language",)})
    return nb


# What the page finds: every on* attribute, any attribute that names a payload, javascript: URLs, the
# scripts (src or text, ids masked), the payloads' window flags, the text, the images.
INSPECT = r"""
const out = {on: [], marked: [], jsurls: [], scripts: [], flags: [], images: []};
for (const e of document.querySelectorAll('*')) {
  for (const a of e.attributes) {
    const name = a.name.toLowerCase(), value = a.value;
    if (name.startsWith('on')) out.on.push([e.tagName, name, value]);
    if (/pwned/.test(name + value)) out.marked.push([e.tagName, name, value.slice(0, 80)]);
    if (/^\s*javascript:/i.test(value)) out.jsurls.push([e.tagName, name, value.slice(0, 80)]);
  }
}
out.scripts = [...document.scripts].map(s => (s.type || '') + ' ' + (s.src || s.textContent.replace(/[0-9a-f-]{8,}/g, '#').trim()));
out.flags = Object.keys(window).filter(k => k.startsWith('pwned'));
out.title = document.title;
out.text = document.body ? document.body.innerText : '';
out.images = [...document.images].map(i => [i.getAttribute('src').slice(0, 40), i.naturalWidth, i.getAttribute('width'), i.getAttribute('height')]);
return out;
"""  # noqa: E501 (a long line of the text inside)
FORMGRADER_ON = {("SPAN", "onclick", "toggle_name(true);"), ("SPAN", "onclick", "toggle_name(false);")}


def inspect(driver, url):
    import time
    driver.get(url)
    time.sleep(2)               # an image that fails to load fires onerror; a widget manager would render
    return driver.execute_script(INSPECT)


def assert_nothing_injected(page, honest, allowed_on=frozenset()):
    assert {tuple(x) for x in page["on"]} <= allowed_on, page["on"]
    assert not page["marked"], page["marked"]
    assert not page["jsurls"], page["jsurls"]
    assert not page["flags"], page["flags"]
    assert "pwned" not in page["title"]
    assert not [s for s in page["scripts"] if "pwned" in s], [s for s in page["scripts"] if "pwned" in s]
    assert set(page["scripts"]) <= set(honest["scripts"]), set(page["scripts"]) - set(honest["scripts"])


def assert_honest_content_shown(page):
    for text in ("honest stdout", "honest stderr", "honest image", "honest twin", "honest update", "honest result",
                 "honest answer twin", "window.pwned_md=1"):   # the student's markdown, as its text
        assert text in page["text"], text
    pngs = [i for i in page["images"] if i[0].startswith("data:image/png;base64,iVBOR")]
    assert len(pngs) >= 4 and all(i[1] == 3 for i in pngs), pngs     # loaded: 3 px wide
    sizes = [i[2:] for i in pngs]
    assert [None, "5"] in sizes and [None, "7"] in sizes, sizes       # a sane height kept, a hostile width not


@contextmanager
def formgrader(root, tmp):
    """nbgrader's formgrader in a Jupyter server at the course root, on 127.0.0.1 with a token; yields
    (base url, token). Always stopped."""
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), IPYTHONDIR=str(tmp / "ipython"))
    log = open(tmp / "server.log", "wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--port-retries=0", "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        from tools.browser import OPEN_TIMEOUT, wait_for

        def answers():
            if server.poll() is not None:
                raise RuntimeError(f"jupyter server exited:\n{(tmp / 'server.log').read_text()[-2000:]}")
            try:
                return urllib.request.urlopen(f"{url}/formgrader?token={token}", timeout=2).status == 200
            except OSError:
                return False
        wait_for(f"formgrader to answer on {url}", answers, OPEN_TIMEOUT)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_nothing_a_student_made_runs_in_the_feedback_page_or_formgrader(tmp_path_factory):
    from autograder.classroom import submissions
    from autograder.classroom.course import Course as CourseFolder
    from tools import browser
    assert not browser.missing_browser(), browser.missing_browser()
    course = CourseFolder(tmp_path_factory.mktemp("hostile-pages"), [A])
    release(course)
    grace = next(s for s in submissions.load(ROOT / "autograder" / "examples")
                 if s.assignment == A and s.student == "grace")
    course.submit(grace)
    path = course.root / "submitted" / "hostile" / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(hostile_submission(course.released(A)), path)
    r = course.autograde(A, *LIMITS, env=SECRET)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sum(v for v, _ in course.scores(A)["hostile"].values()) == 5, "the hostile answer is right: full marks"
    autograded = nbformat.read(course.root / "autograded" / "hostile" / A / f"{A}.ipynb", as_version=4)
    kept = [str(autograded.metadata)] + [str(c.metadata) + str(c.get("attachments", "")) for c in autograded.cells] + [
        str(o.get("metadata")) + str({k: v for k, v in o.get("data", {}).items() if k != "text/plain"})
        for c in autograded.cells for o in c.get("outputs", [])]       # the student's text may say anything
    assert not [k for k in kept if "pwned" in k], [k[:300] for k in kept if "pwned" in k]
    r = course.feedback(A)
    assert r.returncode == 0, r.stderr[-3000:]
    pages = {s: next((course.root / "feedback" / s / A).glob("*.html")) for s in ("grace", "hostile")}
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        ids = {s: gb.find_submission_notebook(A, A, s).id for s in ("grace", "hostile")}
    tmp = tmp_path_factory.mktemp("hostile-browser")
    with browser.chromium(tmp) as driver, formgrader(course.root, tmp) as (url, token):
        honest = inspect(driver, pages["grace"].as_uri())
        page = inspect(driver, pages["hostile"].as_uri())
        assert_nothing_injected(page, honest)
        assert_honest_content_shown(page)
        honest = inspect(driver, f"{url}/formgrader/submissions/{ids['grace']}/?token={token}")
        assert "Submission" in honest["text"] and honest["scripts"], honest["text"][:500]
        page = inspect(driver, f"{url}/formgrader/submissions/{ids['hostile']}/?token={token}")
        assert_nothing_injected(page, honest, FORMGRADER_ON)
        assert_honest_content_shown(page)
