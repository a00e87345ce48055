"""`make book` (tools/book.py): the Jupyter Book 2 site in English and Chinese, read offline in headless Chromium.

The module builds the book once (strict: every Chinese translation current): the theme on a fresh checkout
(npm ci, then the build: about 110 s, cached in tools/book/theme/ after that), then 7 s for the English site
and 40-60 s for the Chinese one (its notebooks are executed); the whole module takes about 90 s on 2 cores with
the theme built. Chromium reads the book from a server on 127.0.0.1 with every other host unresolvable, as on
a machine without network.
"""
import json
import re
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import nbformat
import pytest
from bs4 import BeautifulSoup
from selenium.common.exceptions import WebDriverException

from autograder.build.links import colab_url
from autograder.build.release import ROOT, assignments, notebook_path
from tools.browser import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS, missing_browser, wait_for

LANGS = ("en", "zh")
MARKERS = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")
# a line of the course's check code (the Course checks cell holds it): never in the book
CHECK_LINE = next(line for line in (ROOT / "autograder" / "notebook" / "forward.py").read_text().splitlines()
                  if line.startswith("def "))


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    subprocess.run([sys.executable, str(ROOT / "tools" / "book.py"), "--out", str(out)], check=True)
    return out / "html"


def slug(assignment):
    return assignment[3:].replace("_", "-")      # mystmd's page slug: 01_channels_kernel -> channels-kernel


def pages(book, lang):
    return {a: BeautifulSoup((book / lang / slug(a) / "index.html").read_text(), "html.parser") for a in assignments()}


@pytest.mark.parametrize("lang", LANGS)
def test_each_edition_has_every_notebook_in_series_order_with_its_figures(book, lang):
    config = json.loads((book / lang / "config.json").read_text())
    toc = [p["slug"] for p in config["projects"][0]["pages"] if p.get("slug")]
    assert toc == [slug(a) for a in assignments()] + ["glossary"], "table of contents in series order"
    index = BeautifulSoup((book / lang / "index.html").read_text(), "html.parser")
    listed = [a["href"] for a in index.select("article ol a")]
    assert listed == [f"/{lang}/{slug(a)}" for a in assignments()], "contents on the index in series order"
    for page in [index, *pages(book, lang).values()]:
        for link in page.select("article a[href]"):
            if link.find_parent(attrs={"data-language-switch": True}):
                continue                    # the other edition's page: the browser test follows it
            href = link["href"]
            assert urlparse(href).scheme or href.startswith(("#", f"/{lang}/", f"/{lang}#")) and ".." not in href, \
                f"{lang}: a link within the book leads nowhere: {href}"
    glossary = (book / lang / "glossary" / "index.html").read_text()
    assert "Glossary" in glossary and "术语表" in glossary and "<table" in glossary, "the glossary is a page"
    assert (book / lang / "myst.search.json").stat().st_size > 10_000, "the site search has its index"
    for a, page in pages(book, lang).items():
        text = str(page)
        downloads = re.findall(r'"downloads":\[(.*?)\]', text)
        assert any(downloads) and all(colab_url(a, lang) in d and ".ipynb\"" not in d.replace(colab_url(a, lang), "")
                                 for d in downloads if d), f"{lang}/{a}: Download offers the exercise in Colab only"
        images = [img["src"] for img in page.select("article img")]
        assert images, f"{lang}/{a}: no figure"
        for src in images:
            assert src.startswith(f"/{lang}/build/") and (book / src.lstrip("/")).exists(), f"{lang}/{a}: {src}"


@pytest.mark.parametrize("lang", LANGS)
def test_course_code_and_nbgrader_markers_are_out_and_each_answer_is_explained_first(book, lang):
    for a, page in pages(book, lang).items():
        text = page.get_text()
        assert not MARKERS.search(text), f"{lang}/{a}: an nbgrader marker shows"
        assert CHECK_LINE not in text, f"{lang}/{a}: the Course checks code shows"
        assert "Run the folded" not in text, f"{lang}/{a}: a test cell asks to run the Course checks cell"
        assert page.html.get("lang") == lang, f"{lang}/{a}: the page says it is in {page.html.get('lang')}"
        solution = nbformat.read(notebook_path(a), as_version=4)
        source = "\n".join(c.source for c in solution.cells if c.cell_type == "code")
        hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", source, re.S)
        visible = {ln.strip() for ln in re.sub(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS", "", source,
                                               flags=re.S).splitlines()}
        assert hidden, f"{a}: no hidden test to look for"
        shown = {ln.strip() for ln in text.splitlines()}
        for line in {ln.strip() for block in hidden for ln in block.splitlines()} - visible:
            assert line not in shown, f"{lang}/{a}: a hidden test shows: {line!r}"
        lesson = [c.source for c in solution.cells if c.cell_type == "code"
                  and not c.metadata.get("course", {}).get("generated") and "np.random" in c.source]
        assert lesson, f"{a}: no lesson code with a random draw to look for"
        notes = page.select_one("article").find_all("strong", string=re.compile(r"^(How it works\.|思路)$"))
        assert len(notes) == sum(1 for c in solution.cells if c.get("id", "").endswith("_how")), f"{lang}/{a}: notes"
        code = page.select("article pre")
        assert code and any("class Conv1d" in pre.get_text() for pre in code), f"{lang}/{a}: the answer is not shown"
        first_note = notes[0].find_parent(["p", "div"])
        assert any(pre in first_note.find_all_next("pre") for pre in code), f"{lang}/{a}: a note after its answer"


def test_no_page_loads_anything_from_another_host(book):
    """Stylesheets, scripts, fonts and images of every page, the index included, come from the site itself."""
    htmls = sorted(book.rglob("*.html"))
    assert len(htmls) >= 2 * (len(assignments()) + 2) + 1
    for path in htmls:
        page = BeautifulSoup(path.read_text(), "html.parser")
        for tag in page.find_all(["link", "script", "img", "iframe", "source", "video", "audio"]):
            url = tag.get("src") or (tag.get("href") if tag.name == "link" else None)
            assert not url or urlparse(url).scheme in ("", "data"), f"{path.relative_to(book)} loads {url}"
        for style in page.find_all("style"):
            assert not re.search(r"url\(\s*['\"]?https?:|@import\s+['\"]?https?:", style.get_text()), path
    for css in book.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import\s+url\(['\"]?https?:", css.read_text()), css


@pytest.fixture(scope="module")
def site(book):
    handler = partial(SimpleHTTPRequestHandler, directory=str(book))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if missing_browser():
        pytest.fail(missing_browser())
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS + ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1']:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def read(browser, url):
    """Load url and wait until its fonts are loaded; what the page shows and loaded."""
    browser.get(url)
    wait_for(f"{url} to load", lambda: loaded(browser, url), 30)
    browser.execute_async_script("document.fonts.ready.then(arguments[arguments.length - 1])")
    return browser.execute_script("""
        const fonts = [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/["']/g, ''));
        const katex = [...document.querySelectorAll('.katex')];
        return {
          text: document.body.innerText,
          requests: performance.getEntriesByType('resource').map(e => e.name).concat([location.href]),
          formulas: katex.length,
          rendered: katex.filter(k => k.querySelector('.katex-html') && k.getBoundingClientRect().width > 0).length,
          katexFonts: fonts.filter(f => f.startsWith('KaTeX_')),
          rawTex: /\\$[^$\\n]*\\\\(frac|sum|lfloor)/.test(document.body.innerText),
          switchLinks: [...document.querySelectorAll('[data-language-switch] a')].map(a => a.href),
        };""")


def test_offline_formulas_render_with_katex_fonts_and_the_language_switch_leads_to_the_same_page(book, site, browser):
    root = read(browser, site + "/")
    assert "English" in root["text"] and "中文" in root["text"], "the root index leads to both editions"
    assert all(r.startswith(site) for r in root["requests"])
    for lang, other in (("en", "zh"), ("zh", "en")):
        for path in ("/", "/stride/"):
            url = f"{site}/{lang}{path}"
            seen = read(browser, url)
            outside = [r for r in seen["requests"] if not r.startswith(site + "/")]
            assert not outside, f"{url} asked another host for {outside}"
            assert seen["formulas"] > 0 and seen["rendered"] == seen["formulas"], f"{url}: formulas not rendered"
            assert "KaTeX_Main" in seen["katexFonts"], f"{url}: KaTeX's fonts not loaded: {seen['katexFonts']}"
            assert not seen["rawTex"], f"{url}: raw LaTeX shows"
            assert not MARKERS.search(seen["text"]) and CHECK_LINE not in seen["text"], url
            assert seen["switchLinks"] == [f"{site}/{other}{path}"], f"{url}: language switch {seen['switchLinks']}"
            try:
                browser.execute_script("document.querySelector('[data-language-switch] a').click()")
            except WebDriverException as e:       # chromedriver: "aborted by navigation", the click's own
                assert "navigat" in str(e), e
            target = f"{site}/{other}{path}".rstrip("/")
            wait_for(f"the {other} page", lambda: browser.current_url.rstrip("/") == target, 30)
            wait_for(f"the {other} page to show itself as {other}", lambda: settled(browser, other), 30)


def loaded(browser, url):
    try:
        return browser.execute_script("return document.readyState === 'complete' && location.href") == url
    except WebDriverException:           # the page is still on its way
        return False


def settled(browser, lang):
    """The loaded page's language switch marks `lang` as the current language (False while it loads)."""
    try:
        return browser.execute_script(
            "return document.readyState === 'complete' && "
            "document.querySelector('[data-language-switch] [aria-current]').lang", ) == lang
    except WebDriverException:
        return False
