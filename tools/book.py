"""`make book`: the solutions as a Jupyter Book 2 site, in English and Chinese, that works offline.

    python tools/book.py [--out build/book] [--no-strict]

Writes OUT/html/: index.html (a page that leads to both editions), en/ and zh/ (one site per language:
the eight solution notebooks in series order, the glossary, a contents page with the course's formulas,
site search, a language switch on every page that leads to the same page in the other language).
Serve OUT/html with `python -m http.server -d OUT/html` (the sites use absolute links, /en/..., so
file:// shows unstyled pages).

How: Jupyter Book 2 (the PyPI package `jupyter-book`, pinned in requirements-dev.txt: the MyST engine, a
Node.js program) builds each language from a MyST project written into OUT/src/LANG/ (myst.yml, index.md,
glossary.md and the notebooks), with BASE_URL=/LANG. Each notebook is the solution of that language
(`autograder.build.release.solution_notebook`; the Chinese one executed here, the English one has its
committed outputs), with:
- the course code cells hidden by MyST's cell tags: the Course checks cell `remove-cell`, the explorer
  `remove-input` (its static figure stays); their source is emptied too, since mystmd keeps a hidden cell's
  source in the data of the page (hundreds of lines of check code in every page otherwise);
- nbgrader's markers gone: `### BEGIN/END SOLUTION` lines removed, `### BEGIN HIDDEN TESTS` blocks removed
  whole (hidden tests are the grader's); the Colab badge line gone (the book is read offline); a test cell's
  first line ("run the folded Course checks cell first", a cell the book leaves out) gone;
- links between notebooks as links between pages; the book-only notes (cells with course.book_only, before
  each answer cell: how the solution works) kept, as everywhere in solutions/ they are dropped from the
  student notebooks (autograder/preprocessors/bookonly.py).

The theme, offline. `jupyter-book build --html` downloads its site template (the book theme, a built Remix
app) from api.mystmd.org unless `site.template` names a folder. We build that folder here from source, with
npm only: tools/book/theme/ is myst-theme's book theme (jupyter-book/myst-theme, themes/book at tag
@myst-theme/site@1.3.1, MIT) with its npm packages pinned by package.json and package-lock.json (`npm ci`),
built by `npm run build` (Tailwind, then Remix). No npm package carries the built theme (it is a zip on
mystmd.org's template API, or a git repository), and building it lets us change what must not come from
the network: KaTeX's CSS and fonts (mystmd renders formulas with KaTeX 0.15.6 at build time; the theme
linked KaTeX's CSS from a CDN, so offline every formula lost its fonts) now come from the site, copied from
the pinned `katex` package; two CDN stylesheets the course does not use (ipympl, Font Awesome) are gone; and
the language switch is a component of ours (tools/book/theme/app/components/LanguageSwitch.tsx). Versions
this npm registry lacks are pinned by `overrides` in package.json (myst-to-react 1.3.0, myst-common 1.10.0,
myst-spec 0.0.5), and npm installs with legacy-peer-deps (.npmrc) as upstream's bun does. The theme is
built once (npm ci, then the build: 105-120 s on 2 cores) and rebuilt when a file of tools/book/theme/ changes
(a digest in node_modules/.conv1d-theme). Node.js is Debian's (`make book` installs it as root). After that a
build takes about 45-70 s on 2 cores: English 7 s, Chinese 40-60 s (most of it running its notebooks).
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.build import release  # noqa: E402
from autograder.build.embed import GUARD_LINE  # noqa: E402
from autograder.build.links import colab_url  # noqa: E402

THEME = ROOT / "tools" / "book" / "theme"
LANGUAGES = ("en", "zh")
TITLE = {"en": "Conv1d, parameter by parameter", "zh": "逐个参数理解 Conv1d"}
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n", re.M | re.S)
SOLUTION_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)
BADGE_LINE = re.compile(r"\A\[!\[Open In Colab\][^\n]*\n")
# a test cell's first line: "run the folded Course checks cell first", a cell the book leaves out
TEST_GUARD = re.compile(r"\A" + GUARD_LINE)
NOTEBOOK_LINK = re.compile(r"\]\(\.\./(\d\d_\w+)/\1\.ipynb(#[^)]*)?\)")
GLOSSARY_LINK = re.compile(r"\]\((?:https?://[^)\s]*|(?:\.\./)+docs/)glossary\.md\)")

INDEX = {
    "en": """# Conv1d, parameter by parameter

The course's solution notebooks, in series order, each solution opened by a few sentences on how it works.
Every notebook takes one parameter of

```python
torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                groups=1, bias=True, padding_mode='zeros')
```

apart: a picture, a real torch layer with a fixed seed, one output recomputed by hand, then a NumPy
`Conv1d` that grows by that parameter. An input $x$ of shape $(N, C_{in}, L_{in})$ gives

$$y[n, o, t] = b[o] + \\sum_{c=0}^{C_{in}/G-1} \\sum_{k=0}^{K-1} w[o, c, k]\\;
x_{\\text{pad}}[n,\\ g\\,C_{in}/G + c,\\ t\\,s + k\\,d],$$

$$L_{out} = \\left\\lfloor \\frac{L_{in} + 2p - d\\,(K-1) - 1}{s} \\right\\rfloor + 1.$$

Every term, in English and Chinese: the [glossary](glossary.md). The language switch at the top of
each page leads to the same page in Chinese.

## Contents

{contents}
""",
    "zh": """# 逐个参数理解 Conv1d

本课程的参考答案笔记本，按顺序排列；每个答案前有几句话，说明它为什么这样写。每个笔记本拆解

```python
torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                groups=1, bias=True, padding_mode='zeros')
```

的一个参数：先看图，再用固定随机种子运行真实的 torch 层，手算一个输出，
最后给 NumPy 版的`Conv1d`加上这个参数。形状为$(N, C_{in}, L_{in})$的输入$x$给出

$$y[n, o, t] = b[o] + \\sum_{c=0}^{C_{in}/G-1} \\sum_{k=0}^{K-1} w[o, c, k]\\;
x_{\\text{pad}}[n,\\ g\\,C_{in}/G + c,\\ t\\,s + k\\,d],$$

$$L_{out} = \\left\\lfloor \\frac{L_{in} + 2p - d\\,(K-1) - 1}{s} \\right\\rfloor + 1.$$

每个参数和术语的中英对照见[术语表](glossary.md)。每页顶部的语言切换可转到同一页的英文版。

## 目录

{contents}
""",
}


def notebook_title(nb):
    for cell in nb.cells:
        m = re.search(r"^# (.+)$", cell.source, re.M) if cell.cell_type == "markdown" else None
        if m:
            return m.group(1).strip()
    return "untitled"


def book_notebook(nb):
    """The solution notebook as a book page (in place; also returned): course code hidden by MyST's tags,
    no nbgrader marker, no Colab badge, links to notebooks and to the glossary as links between pages."""
    for i, cell in enumerate(nb.cells):
        generated = cell.metadata.get("course", {}).get("generated")
        tags = [t for t in cell.metadata.get("tags", []) if t not in ("remove-cell", "remove-input")]
        if generated == "check":
            tags.append("remove-cell")
        elif generated == "explorer":
            tags.append("remove-input")
        if generated in ("check", "explorer"):
            cell.source = ""       # mystmd keeps a hidden cell's source in the page's data: leave it out of the book
        if tags:
            cell.metadata["tags"] = tags
        if cell.cell_type == "code":
            code = TEST_GUARD.sub("", cell.source + "\n")
            cell.source = SOLUTION_LINE.sub("", HIDDEN_TESTS.sub("", code)).rstrip("\n")
            cell.metadata.pop("jupyter", None)          # source_hidden: the book decides by the tags above
        else:
            if i == 0:
                cell.source = BADGE_LINE.sub("", cell.source)
            cell.source = NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.ipynb{m.group(2) or ''})", cell.source)
            cell.source = GLOSSARY_LINK.sub("](glossary.md)", cell.source)
            cell.source = re.sub(r"^ · ", "", cell.source)
    nb.cells = [part for cell in nb.cells for part in markdown_outputs_as_cells(cell)]
    return nb


def markdown_outputs_as_cells(cell):
    """[cell, then a markdown cell for each of its markdown outputs] (the cell keeps its other outputs): the
    theme would render an output's formulas with MathJax from a CDN, the book's own markdown has them rendered
    by KaTeX at build time (the explorer's static panel writes its formula as markdown)."""
    if cell.cell_type != "code":
        return [cell]
    markdown = [o for o in cell.get("outputs", []) if "text/markdown" in o.get("data", {})]
    cell.outputs = [o for o in cell.get("outputs", []) if o not in markdown]
    return [cell] + [nbformat.v4.new_markdown_cell(o["data"]["text/markdown"]) for o in markdown]


EXERCISE = {"en": "The exercise in Colab", "zh": "在 Colab 中打开练习"}


def with_exercise_link(nb, assignment, lang):
    """The page's Download menu offers the student notebook in Colab (in place; also returned): MyST's default
    offered the page's own notebook, the solution without its course code, whose tests fail when run. Page
    frontmatter, in a first markdown cell, is how mystmd takes a notebook's `downloads`."""
    frontmatter = (f"---\ndownloads:\n  - url: {colab_url(assignment, lang)}\n"
                   f"    title: {json.dumps(EXERCISE[lang], ensure_ascii=False)}\n---")
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(frontmatter))
    return nb


def language_notebook(assignment, lang, strict=True):
    """The solution notebook of `assignment` in `lang` with outputs: English as committed, another
    language executed here (its outputs print its language)."""
    nb = release.solution_notebook(assignment, lang, strict=strict)
    if lang != "en":
        release.execute(nb, release.notebook_path(assignment))
    return nb


GLOSSARY_INTRO_ZH = (
    "# 术语表 · Glossary\n\n"
    "本系列的每个参数和术语，中英对照，并注明引入它的那一节。形状：输入$x$为$(N, C_{in}, L_{in})$，"
    "权重为$(C_{out}, C_{in}/G, K)$，输出为$(N, C_{out}, L_{out})$。\n\n"
    "“中文”一列是各节使用的术语，与《动手学深度学习》一致：以它的"
    "[TERMINOLOGY.md](https://github.com/d2l-ai/d2l-zh/blob/master/TERMINOLOGY.md)为准，那里没有的，"
    "以它卷积各章的写法为准。“也作”一列是读者在其他书、论文和框架文档里会遇到的同义说法。“meaning”一列是英文释义。\n\n")


def glossary_page(lang):
    """docs/glossary.md as a page of the book (for the Chinese edition, its introduction in Chinese; the tables
    are bilingual already), links to notebooks as links between pages."""
    text = (ROOT / "docs" / "glossary.md").read_text()
    if lang == "zh":
        text = GLOSSARY_INTRO_ZH + text[text.index("\n## ") + 1:]
    text = re.sub(r"\]\(\.\./solutions/(\d\d_\w+)/\1\.ipynb(#[^)]*)?\)", lambda m: f"]({m.group(1)}.ipynb)", text)
    text = re.sub(r"\]\((\.\./)?(solutions|notebooks)/(\d\d_\w+)/\3\.ipynb\)", lambda m: f"]({m.group(3)}.ipynb)", text)
    return text


def write_project(src, lang, notebooks):
    """OUT/src/LANG/: myst.yml, index.md, glossary.md and the notebooks."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    ids = list(notebooks)
    for a, nb in notebooks.items():
        nbformat.write(nb, src / f"{a}.ipynb")
    contents = "\n".join(f"{i + 1}. [{notebook_title(nb)}]({a}.ipynb)" for i, (a, nb) in enumerate(notebooks.items()))
    (src / "index.md").write_text(INDEX[lang].replace("{contents}", contents))
    (src / "glossary.md").write_text(glossary_page(lang))
    toc = "\n".join(f"    - file: {a}.ipynb" for a in ids)
    (src / "myst.yml").write_text(f"""version: 1
project:
  title: {json.dumps(TITLE[lang], ensure_ascii=False)}
  language: {lang}
  numbering: false
  toc:
    - file: index.md
{toc}
    - file: glossary.md
site:
  template: {json.dumps(str(THEME))}
  title: {json.dumps(TITLE[lang], ensure_ascii=False)}
  options:
    hide_authors: true
    logo_text: {json.dumps(TITLE[lang], ensure_ascii=False)}
""")


def theme_digest():
    h = hashlib.sha256()
    for p in sorted(THEME.rglob("*")):
        rel = p.relative_to(THEME)
        if p.is_file() and rel.parts[0] not in ("node_modules", "build", "public", ".cache") \
                and rel.as_posix() != "app/styles/app.css":
            h.update(rel.as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def build_theme(log=print):
    """tools/book/theme/ built (npm ci, npm run build) unless it is already built from these files."""
    stamp = THEME / "node_modules" / ".conv1d-theme"
    digest = theme_digest()
    if stamp.exists() and stamp.read_text() == digest and (THEME / "build" / "index.js").exists():
        return
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("book: npm is missing (Debian: apt-get install nodejs npm; `make book` does it as root)")
    started = time.monotonic()
    log("book: building the theme (npm ci, npm run build; about 2 minutes, once)")
    subprocess.run([npm, "ci", "--ignore-scripts", "--loglevel=error"], cwd=THEME, check=True)
    subprocess.run([npm, "run", "build", "--silent"], cwd=THEME, check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(digest)
    log(f"book: theme built in {time.monotonic() - started:.0f} s")


def run_jupyter_book(src, lang):
    env = {**os.environ, "BASE_URL": f"/{lang}", "HOST": "127.0.0.1"}
    env.pop("READTHEDOCS_CANONICAL_URL", None)
    proc = subprocess.run([sys.executable, "-m", "jupyter_book", "build", "--html", "--ci"], cwd=src, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode or not (src / "_build" / "html" / "index.html").exists():
        raise SystemExit(f"book: jupyter-book build failed for {lang}:\n{proc.stdout[-4000:]}")
    return proc.stdout


ROOT_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conv1d, parameter by parameter · 逐个参数理解 Conv1d</title><link rel="icon" href="data:,">
<style>body{{font:18px/1.6 system-ui,sans-serif;max-width:44rem;margin:4rem auto;padding:0 1rem;color:#222}}
a{{color:#1d4ed8}} li{{margin:.5rem 0}}</style></head>
<body><h1>Conv1d, parameter by parameter</h1>
<p>The solution notebooks of the course as a book. 本课程参考答案的网页版。</p>
<ul>
<li><a href="en/" hreflang="en">English</a>: {en}</li>
<li><a href="zh/" hreflang="zh" lang="zh">中文</a>：<span lang="zh">{zh}</span></li>
</ul></body></html>
"""


def build(out, strict=True, log=print):
    """Build both editions into OUT/html/; returns OUT/html."""
    out = Path(out)
    html = out / "html"
    build_theme(log)
    if html.exists():
        shutil.rmtree(html)
    html.mkdir(parents=True)
    for lang in LANGUAGES:
        started = time.monotonic()
        notebooks = {a: with_exercise_link(book_notebook(language_notebook(a, lang, strict)), a, lang)
                     for a in release.assignments()}
        src = out / "src" / lang
        write_project(src, lang, notebooks)
        run_jupyter_book(src, lang)
        shutil.copytree(src / "_build" / "html", html / lang)
        if lang != "en":       # the theme writes <html lang="en"> on every page (myst-theme's Root.tsx)
            for page in (html / lang).rglob("*.html"):
                page.write_text(page.read_text().replace('<html lang="en"', f'<html lang="{lang}"', 1))
        log(f"book: {lang} in {time.monotonic() - started:.0f} s")
    (html / "index.html").write_text(ROOT_INDEX.format(en=TITLE["en"], zh=TITLE["zh"]))
    return html


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "build" / "book"))
    ap.add_argument("--no-strict", action="store_true", help="a missing Chinese translation falls back to English")
    args = ap.parse_args(argv)
    started = time.monotonic()
    html = build(args.out, strict=not args.no_strict)
    print(f"book: built in {time.monotonic() - started:.0f} s: {html}/ (English en/, 中文 zh/)\n"
          f"  open it: python3 -m http.server -b 127.0.0.1 -d {html} 8000, then http://127.0.0.1:8000/")


if __name__ == "__main__":
    main()
