"""`make book` (tools/book.py): the solutions as HTML pages in series order, linked to each other."""
import html
import re
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup

from autograder.build.release import ROOT, assignments, notebook_path


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    subprocess.run([sys.executable, str(ROOT / "tools" / "book.py"), "--out", str(out)], check=True)
    return out


def test_the_book_has_every_notebook_in_order_with_its_figures(book):
    ids = assignments()
    index = (book / "index.html").read_text()
    assert re.findall(r'<li><a href="(\w+)\.html">', index) == ids, "contents in series order"
    assert "Glossary · 术语表" in html.unescape(index) and "<table>" in index, "the glossary is in the book"
    for i, a in enumerate(ids):
        page = (book / f"{a}.html").read_text()
        if i:
            assert f'href="{ids[i - 1]}.html">←' in page
        if i + 1 < len(ids):
            assert f'href="{ids[i + 1]}.html">' in page and "→</a>" in page
        assert 'href="index.html"' in page
        assert "attachment:" not in page and "data:image/svg+xml" in page, f"{a}: figures embedded"
        assert not re.search(r'href="\.\./\d\d_', page), f"{a}: a link still points at a notebook file"


@pytest.mark.parametrize("a", assignments())
def test_course_code_is_folded_and_the_lesson_comes_first(book, a):
    """The check and explorer cells' code (hundreds of generated lines) shows only inside a <details> whose
    summary is the cell's #@title; the other code, the explorer's figure and the lesson stay in view, and the
    page opens with the notebook's title and its first paragraph, before any <details>."""
    page = BeautifulSoup((book / f"{a}.html").read_text(), "html.parser")
    cells = [c for c in nbformat.read(notebook_path(a), as_version=4).cells if c.cell_type == "code"]
    inputs = page.select(".jp-CodeCell .jp-InputArea-editor")
    assert [i.get_text().strip("\n") for i in inputs] == [c.source.strip("\n") for c in cells], \
        "one input area per code cell, in order"
    course = 0
    for cell, shown in zip(cells, inputs):
        folded = shown.find_parent("details")
        if cell.metadata.get("course", {}).get("generated") in ("check", "explorer"):
            course += 1
            assert folded, f"{a}: a {cell.metadata.course.generated} cell's code is not in a <details>"
            assert folded.summary.get_text() == cell.source.split("\n", 1)[0].removeprefix("#@title ")
            outputs = folded.find_parent(class_="jp-CodeCell").select(".jp-OutputArea")
            assert all(not o.find_parent("details") for o in outputs), f"{a}: an output is folded away"
        else:
            assert not folded, f"{a}: lesson or exercise code is folded: {cell.source[:60]!r}"
    assert course >= 1, f"{a}: no course code cell found (the check cell at least)"
    check_line = next(line for line in (ROOT / "autograder" / "notebook" / "forward.py").read_text().splitlines()
                      if line.startswith("def "))
    for pre in page.find_all("pre"):
        if check_line in pre.get_text():
            assert pre.find_parent("details"), f"{a}: the check code shows outside a <details>"
    first_details = page.find("details")
    h1 = page.find("h1")
    assert h1 and first_details and h1 in first_details.find_all_previous("h1"), f"{a}: <details> before the title"
    lesson = h1.find_next("p")
    assert lesson in first_details.find_all_previous("p"), f"{a}: the first paragraph comes after a <details>"
