"""docs/glossary.md and the notebooks speak the same words: the parameter tables use the glossary's 中文 terms
and give each default, Chinese sentences use full-width punctuation, and no notebook uses a term before the
notebook that the glossary says introduces it."""
import itertools
import re

import pytest

from autograder.build.release import ROOT
from tests.notebooks import assignments, read

ALL = assignments()
GLOSSARY = (ROOT / "docs" / "glossary.md").read_text()

CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"       # ideographs and full-width punctuation
HALF_WIDTH_IN_CHINESE = re.compile(rf"{CJK} ?[:,()]|[:,()] ?{CJK}")
FENCED = re.compile(r"```.*?```", re.S)
CODE = re.compile(r"`[^`\n]*`")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$", re.S)
URL = re.compile(r"\]\([^)\s]*\)")
TAG = re.compile(r"</?\w+[^>]*>")
# The closing cell's links to other notebooks ("Next: [02 · stride](…)", "Back to: …") name the notebook they
# open, and "Further reading" cites works by their titles ("Padding and Stride", 填充和步幅): both are titles,
# not the lesson's words, so the check stops where they begin.
CLOSING = re.compile(r"^(## Further reading|Next:|This is the last notebook|Back to:"
                     r"|## 延伸阅读|下一节：|这是本系列的最后一节)", re.M)
LANGS = ["en", "zh"]


def lesson(a, lang="en"):
    """The notebook a of edition `lang`: the solution (English), or the Chinese student notebook."""
    return read(a) if lang == "en" else read(a, student=True, lang=lang)


def glossary_rows():
    """[(English names, 中文, notebook, is_code)] from the glossary's tables (term | 中文 | 也作 | meaning | notebook),
    a None where the parameters end."""
    rows = []
    for line in GLOSSARY.splitlines():
        if line.startswith("## Terms"):
            rows.append(None)                      # the parameters end here
        if not line.startswith("|"):
            continue
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols[0] == "term" or set(cols[0]) <= set("-"):
            continue
        assert len(cols) == 5, f"a glossary row has 5 columns: {line}"
        en, zh, _, _, notebook = cols
        names = [MATH.sub("", n).strip() for n in re.split(r",| / ", en)]
        rows.append(([n.strip("`") for n in names if n], zh, notebook, en.startswith("`")))
    return rows


def zh_term(cell):
    """The term a 中文 cell gives: the text before its first explanation (：), sentence end (。), comma (，),
    note (（) or symbol ($K$)."""
    return re.split(r"[：。（，$]", cell, maxsplit=1)[0].strip()


ROWS = glossary_rows()
PARAMETERS = [names[0] for names, _, _, _ in ROWS[:ROWS.index(None)]]
ROWS.remove(None)
GLOSSARY_ZH = {name: zh for names, zh, _, _ in ROWS for name in names}


def markdown(a, code=False, lang="en"):
    """The lesson's words in notebook a: its markdown without fenced code, math, link targets, HTML tags, emphasis
    marks and its closing links and reading list; without inline code too, unless code=True."""
    parts = []
    for cell in lesson(a, lang).cells:
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        closing = CLOSING.search(text)
        text = text[:closing.start()] if closing else text
        text = MATH.sub(" ", FENCED.sub(" ", text))
        text = TAG.sub(" ", URL.sub("]", text if code else CODE.sub(" ", text)))
        parts.append(text.replace("*", ""))
    return "\n".join(parts)


def uses(text, name):
    """Whether text uses the English name as a word (a plural too), or the Chinese term anywhere."""
    if re.search(CJK, name):
        return name in text
    return re.search(r"(?<![\w-])" + re.escape(name) + r"(?:s|es)?(?![\w-])", text, re.I) is not None


def parameter_tables(a, lang="en"):
    """{key: (torch docs, 中文)} from the tables of notebook a whose header has a 中文 column (the Chinese
    edition's: 说明; its table of terms: 术语 and 英文)."""
    found = {}
    column = "中文" if lang == "en" else "说明"
    for cell in lesson(a, lang).cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            header = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
            if lang != "en" and header[:2] == ["术语", "英文"]:         # the Chinese edition's table of terms
                table = itertools.takewhile(lambda r: r.startswith("|"), lines[i + 2:])
                rows = [[c.strip() for c in r.strip().strip("|").split("|")] for r in table]
                found.update({cols[1].strip("`"): ("", cols[0]) for cols in rows})
                continue
            if column not in header:
                continue
            zh_at = header.index(column)
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cols = [c.strip() for c in row.strip().strip("|").split("|")]
                key = re.match(r"`?([^`(]+?)`?(?: \(.*\))?$", cols[0]).group(1).strip()
                found[key] = (" ".join(cols[1:zh_at]), cols[zh_at])
    return found


@pytest.mark.fast
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("a", ALL)
def test_parameter_tables_use_the_glossarys_terms_and_give_each_default(a, lang):
    """Each notebook's first cell gives, for the parameters in its title, torch's English doc, the glossary's
    中文 term and, where torch has one, the default (the Chinese edition: in its 说明 column)."""
    tables = parameter_tables(a, lang)
    assert tables, f"{a}: no table with a 中文 column"
    title = next(line for line in lesson(a, lang).cells[0].source.splitlines() if line.startswith("# "))
    for name in re.findall(r"`(\w+)`", title):
        if name in PARAMETERS:
            assert name in tables, f"{a}: the title's parameter {name} has no row in the parameter table"
    for key, (docs, zh) in tables.items():
        assert key in GLOSSARY_ZH, f"{a}: {key} is not in docs/glossary.md"
        assert zh_term(zh) == GLOSSARY_ZH[key], f"{a}: {key} is {zh_term(zh)!r}, the glossary says {GLOSSARY_ZH[key]!r}"
        default = re.search(r"Default: (\S+)", docs)
        if default:
            assert f"默认值：{default.group(1)}" in zh, f"{a}: {key}'s 中文 lacks 默认值：{default.group(1)}"


@pytest.mark.fast
@pytest.mark.parametrize("a", ALL + ["glossary"] + [f"zh/{a}" for a in ALL])
def test_chinese_sentences_use_full_width_punctuation(a):
    """In Chinese text (a line or table cell with more ideographs than Latin letters), a half-width : , ( or )
    next to a Chinese character should be ：，（）. Code, math and link targets are left out. The Chinese
    edition's notebooks too."""
    if a == "glossary":
        sources = [GLOSSARY]
    else:
        lang, _, a = a.rpartition("/")
        sources = [c.source for c in lesson(a, lang or "en").cells if c.cell_type == "markdown"]
    bad = []
    for source in sources:
        text = URL.sub("]", CODE.sub(" ", MATH.sub(" ", FENCED.sub(" ", source))))
        for segment in (s for line in text.splitlines() for s in line.split("|")):
            chinese = len(re.findall(r"[\u4e00-\u9fff]", segment)) > len(re.findall(r"[A-Za-z]", segment))
            if chinese and HALF_WIDTH_IN_CHINESE.search(segment):
                bad.append(segment.strip())
    assert not bad, f"{a}: half-width punctuation in Chinese text: {bad}"


@pytest.mark.fast
def test_the_punctuation_check_catches_what_it_should():
    """The pattern flags the issue's cases and leaves English text with a Chinese word alone."""
    for chinese in ("偏置。默认值:True", "填充 (输入两边添加的尺寸)", "数值梯度, 中心差分"):
        assert HALF_WIDTH_IN_CHINESE.search(chinese), chinese
    assert not HALF_WIDTH_IN_CHINESE.search("偏置。默认值：True，填充（输入两端）")


@pytest.mark.fast
def test_every_glossary_term_first_appears_in_its_notebook():
    """A term's notebook is the one that introduces it: a parameter is in that notebook's title; any other term
    is first used there (in the lesson's words; a term in backticks, such as `'same'`, also in inline code)."""
    titles = {a[:2]: next(line for line in read(a).cells[0].source.splitlines() if line.startswith("# "))
              for a in ALL}
    texts = {a[:2]: (markdown(a), markdown(a, code=True)) for a in ALL}
    for names, _, notebook, is_code in ROWS:
        assert notebook in titles, f"{names}: no notebook {notebook}"
        for name in names:
            if name in PARAMETERS:
                assert f"`{name}`" in titles[notebook], f"{name}: notebook {notebook}'s title does not name it"
                continue
            first = next((n for n, (prose, with_code) in texts.items()
                          if uses(with_code if is_code else prose, name)), None)
            assert first == notebook, f"{name!r}: the glossary says notebook {notebook}, first used in {first}"


@pytest.mark.fast
@pytest.mark.parametrize("lang", LANGS)
def test_no_notebook_uses_a_term_before_the_notebook_that_introduces_it(lang):
    """The English term (a word, so "span" but not "spanned") and the 中文 term are absent from the lesson's words
    in every notebook before the term's own, in both editions. A parameter's name in inline code is not a use:
    every notebook shows torch's whole signature, and the exercises name the arguments they leave for later."""
    texts = {a[:2]: (markdown(a, lang=lang), markdown(a, code=True, lang=lang)) for a in ALL}
    early = []
    for names, zh, notebook, is_code in ROWS:
        for n, (prose, with_code) in texts.items():
            if n >= notebook:
                break
            text = with_code if is_code and names[0] not in PARAMETERS else prose
            for name in names + [t.strip() for t in zh.split(" / ")]:
                if uses(text, name):
                    early.append(f"{name!r} (notebook {notebook}) in notebook {n}")
    assert not early, "terms before their notebook:\n" + "\n".join(early)


@pytest.mark.fast
def test_the_word_check_sees_a_term_and_not_a_longer_word():
    assert uses("the span grows", "span") and uses("two spans", "span") and not uses("spanned", "span")
    assert uses("**fan_in** is", "fan_in") and not uses("fan_in_total", "fan_in")
    assert uses("填充：补零", "填充") and not uses("步幅", "填充")
