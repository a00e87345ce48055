"""`make book`: the solutions as a static HTML book, in series order, for self-study readers.

    python tools/book.py [--out build/book]

One page per solution notebook (with its outputs and embedded figures), each with previous/next
links and a link to the contents; index.html holds the contents and the EN/中文 glossary.

Why nbconvert and not jupyter-book: nbconvert is already in the pinned environment (nbgrader
needs it), renders the notebooks exactly as they are, attachments included, and needs no build
configuration; jupyter-book would add Sphinx and dozens of packages to the lock for the same pages.

The course code cells (metadata course.generated == "check" or "explorer": hundreds of generated lines
each) show their code folded in a <details> whose summary is the cell's #@title, so a page reads as
the lesson; the explorer's figure stays in view.
"""
import argparse
import html
import re
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html

from autograder.build.release import assignments, notebook_path

ROOT = Path(__file__).resolve().parents[1]


STYLE = ("<style>.book-nav{font:15px sans-serif;display:flex;justify-content:space-between;"
         "max-width:1100px;margin:12px auto;padding:8px 16px;background:#f4f6f8;border-radius:6px}"
         ".book-nav a{text-decoration:none}"
         "details.course-code>summary{cursor:pointer;padding:4px 8px;color:#555;font:14px sans-serif}</style>")
# The lab template, with the input of each course code cell (course.generated "check" or "explorer") inside
# <details><summary>its #@title</summary>; its outputs stay in view.
TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block input_group -%}
{%- set generated = cell.metadata.get('course', {}).get('generated') -%}
{%- if generated in ('check', 'explorer') -%}
<details class="course-code course-{{ generated }}"><summary>{{ cell.source.split('\\n', 1)[0].removeprefix('#@title ') | escape }}</summary>
{{ super() }}
</details>
{%- else -%}
{{ super() }}
{%- endif -%}
{%- endblock input_group %}
"""  # noqa: E501 (a long line of the text inside)


def title(nb):
    """The notebook's H1, without its markdown."""
    for cell in nb.cells:
        m = re.search(r"^# (.+)$", cell.source, re.M) if cell.cell_type == "markdown" else None
        if m:
            return m.group(1).replace("`", "")
    return "untitled"


def nav(prev, nxt):
    left = f'<a href="{prev[0]}.html">← {html.escape(prev[1])}</a>' if prev else "<span></span>"
    right = f'<a href="{nxt[0]}.html">{html.escape(nxt[1])} →</a>' if nxt else "<span></span>"
    return f'<nav class="book-nav">{left}<a href="index.html">Contents · 目录</a>{right}</nav>'


def build(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ids = assignments()
    notebooks = {a: nbformat.read(notebook_path(a), as_version=4) for a in ids}
    titles = {a: title(nb) for a, nb in notebooks.items()}
    exporter = HTMLExporter(template_name="lab", template_file="book.html.j2",
                            extra_loaders=[DictLoader({"book.html.j2": TEMPLATE})])
    for i, a in enumerate(ids):
        prev = (ids[i - 1], titles[ids[i - 1]]) if i else None
        nxt = (ids[i + 1], titles[ids[i + 1]]) if i + 1 < len(ids) else None
        body, _ = exporter.from_notebook_node(notebooks[a])
        bar = nav(prev, nxt)
        body = body.replace("<body", STYLE + "<body", 1)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, body, count=1)
        body = body.replace("</body>", bar + "</body>", 1)
        # links between notebooks (../NN_slug/NN_slug.ipynb) become links between pages
        body = re.sub(r'href="\.\./(\d\d_\w+)/\1\.ipynb"', r'href="\1.html"', body)
        (out / f"{a}.html").write_text(body)
    items = "".join(f'<li><a href="{a}.html">{html.escape(titles[a])}</a></li>' for a in ids)
    glossary = markdown2html((ROOT / "docs" / "glossary.md").read_text())
    (out / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Conv1d, parameter by parameter</title>"
        "<style>body{font:16px/1.5 sans-serif;max-width:1000px;margin:24px auto;padding:0 16px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style></head><body>"
        "<h1>Conv1d, parameter by parameter</h1><p>The solution notebooks with their outputs, in series "
        f"order.</p><h2>Contents · 目录</h2><ol>{items}</ol>{glossary}</body></html>")
    return [out / f"{a}.html" for a in ids] + [out / "index.html"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "build" / "book"))
    args = ap.parse_args(argv)
    pages = build(args.out)
    print(f"book: {len(pages)} pages in {Path(args.out)}; open {Path(args.out) / 'index.html'}")


if __name__ == "__main__":
    main()
