"""`make book` (tools/book.py): the solutions as HTML pages in series order, linked to each other."""
import html
import re
import subprocess
import sys

from autograder.build.release import ROOT, assignments


def test_the_book_has_every_notebook_in_order_with_its_figures(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "tools" / "book.py"), "--out", str(tmp_path)], check=True)
    ids = assignments()
    index = (tmp_path / "index.html").read_text()
    assert re.findall(r'<li><a href="(\w+)\.html">', index) == ids, "contents in series order"
    assert "Glossary · 术语表" in html.unescape(index) and "<table>" in index, "the glossary is in the book"
    for i, a in enumerate(ids):
        page = (tmp_path / f"{a}.html").read_text()
        if i:
            assert f'href="{ids[i - 1]}.html">←' in page
        if i + 1 < len(ids):
            assert f'href="{ids[i + 1]}.html">' in page and "→</a>" in page
        assert 'href="index.html"' in page
        assert "attachment:" not in page and "data:image/svg+xml" in page, f"{a}: figures embedded"
        assert not re.search(r'href="\.\./\d\d_', page), f"{a}: a link still points at a notebook file"
