"""The Chinese edition (issue 30): one source for everything graded, and translations in step with the English.

- every English paragraph has its Chinese, not stale (autograder/build/translations.py), and every message of
  the checks and the judge has its Chinese with the same {fields};
- a change to an English cell or message marks its translation stale (the mechanism, on copies);
- the Chinese student notebooks have the English notebooks' graded cells: same ids, points, test code;
- a translated cell may change comments and text only.
"""
import copy
import re

import nbformat
import polib
import pytest

from autograder.build import translations
from autograder.build.embed import edition_free, embedded
from autograder.build.release import RELEASE, assignments, notebook_path, solution_notebook
from autograder.catalogues import checks_catalogue, language
from autograder.notebook import language as messages
from autograder.notebook import sources
from autograder.preprocessors.cells import grade_id, is_answer_cell, is_test_cell

pytestmark = pytest.mark.fast
ALL = assignments()
CJK = re.compile(r"[\u4e00-\u9fff]")


def english(a):
    return nbformat.read(notebook_path(a), as_version=4)


@pytest.mark.parametrize("a", ALL)
def test_every_cell_of_the_notebook_has_a_current_chinese_translation(a):
    assert translations.notebook_problems(english(a), "zh", a) == []


def test_every_message_of_the_checks_and_the_judge_has_a_current_chinese_translation():
    assert translations.checks_problems("zh") == []


def test_a_changed_english_paragraph_makes_its_translation_stale_and_update_keeps_it_as_fuzzy(tmp_path, monkeypatch):
    a = "02_stride"
    nb = english(a)
    cell = next(c for c in nb.cells[1:] if c.cell_type == "markdown")
    assert translations.notebook_problems(nb, "zh", a) == []
    cell.source += "\n\nOne more sentence."
    stale = translations.notebook_problems(nb, "zh", a)
    assert len(stale) == 1 and f"cell {cell.id}: stale" in stale[0], stale
    with pytest.raises(translations.TranslationError, match=cell.id):
        translations.translated(nb, "zh", a)
    # update, on a copy of the catalogue: the old Chinese kept, fuzzy, the old English as the previous msgid
    path = tmp_path / f"{a}.po"
    path.write_bytes(translations.notebook_catalogue_path("zh", a).read_bytes())
    wanted = [(cid, text, [] if required else ["optional"]) for cid, text, required in translations.translatable(nb)]
    translations._merge(path, "zh", a, wanted, cells=True)
    entry = next(e for e in polib.pofile(str(path)) if e.msgctxt == cell.id)
    assert entry.fuzzy and entry.msgid == cell.source and entry.previous_msgid.endswith(cell.source[:-20][-40:])
    assert CJK.search(entry.msgstr), "the old translation is kept for the translator"
    monkeypatch.setattr(translations, "notebook_catalogue_path", lambda lang, a: path)
    assert [p for p in translations.notebook_problems(nb, "zh", a) if "fuzzy" in p]


def test_a_changed_message_makes_its_translation_stale(monkeypatch):
    """A message whose English changed is a new template: it has no translation, and the old entry is no message
    of its module any more."""
    sources = translations.message_sources()
    template = translations.templates(sources["hints"])[0]
    changed = 'tr(' + repr(template + " Now.") + ')\n'
    monkeypatch.setattr(translations, "message_sources", lambda: dict(sources, hints=changed))
    found = translations.checks_problems("zh")
    assert any(f"no translation of {template + ' Now.'!r}"[:60] in p and "hints.po" in p for p in found), found
    assert any(f"{template!r}"[:50] in p and "is no message of hints.py" in p for p in found), found


def test_templates_are_literals_and_translations_keep_their_fields():
    assert translations.templates('tr("a {x}", x=1)\ntr("b")') == ["a {x}", "b"]
    with pytest.raises(ValueError, match="string literal"):
        translations.templates('tr(f"a {x}")')
    assert translations.fields("第 {i} 个用例：{shape!r}，{x:.3g}") == ["i", "shape", "x"]


def test_a_translated_code_cell_may_change_comments_and_text_only():
    english_cell = 'x = f(1)  # the input\nprint("the output", x)\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION'
    assert translations.check_cell("code", english_cell, english_cell.replace("the input", "输入")
                                   .replace("the output", "输出")) == ""
    assert "differs" in translations.check_cell("code", english_cell, english_cell.replace("f(1)", "f(2)"))
    assert "differs" in translations.check_cell("code", english_cell, english_cell.replace("\n### END SOLUTION", ""))
    assert "parse" in translations.check_cell("code", english_cell, "x = (")
    assert "pictures" in translations.check_cell("markdown", "![a](attachment:a.svg)", "![甲](attachment:b.svg)")
    assert "links" in translations.check_cell("markdown", "[01](../01_a/01_a.ipynb)", "第 01 节")


def graded(nb):
    """What the grader reads of a notebook: each nbgrader cell's id, type and nbgrader metadata and, for test
    cells, source; in order. The checksum counts for test cells only: an answer cell's translated comments and a
    read-only course cell's title and language line differ between editions (the grader puts back the English
    course cell, and reads no answer cell's checksum)."""
    def metadata(c):
        m = dict(c.metadata["nbgrader"])
        if not is_test_cell(c):
            m.pop("checksum", None)
        return m
    return [(c.id, c.cell_type, metadata(c), c.source if is_test_cell(c) else None)
            for c in nb.cells if "nbgrader" in c.metadata]


@pytest.mark.parametrize("a", ALL)
def test_the_two_editions_have_the_same_graded_cells(a):
    en = nbformat.read(notebook_path(a, RELEASE), as_version=4)
    zh = nbformat.read(notebook_path(a, RELEASE / "zh"), as_version=4)
    assert language(en) == "en" and language(zh) == "zh"
    assert [c.id for c in en.cells] == [c.id for c in zh.cells]
    assert graded(en) == graded(zh), "graded, answer and read-only cells: same ids, points and test code"
    assert sum(CJK.search(c.source) is not None for c in zh.cells if c.cell_type == "markdown") >= \
        0.9 * sum(c.cell_type == "markdown" for c in zh.cells), "the Chinese notebook's text is Chinese"
    for e, z in zip(en.cells, zh.cells):
        if e.metadata.get("course", {}).get("generated"):       # Course checks, explorer: title and language line
            assert edition_free(e.source) == edition_free(z.source) and e.source != z.source, f"{a} {e.id}"
        elif is_answer_cell(e) or e.cell_type == "code" and not is_test_cell(e):
            assert translations.check_cell("code", e.source, z.source) == "", f"{a} {grade_id(e) or e.id}"


@pytest.mark.parametrize("a", ALL)
def test_the_chinese_notebooks_checks_speak_chinese(a):
    """The Chinese Course checks and explorer cells set the checks' language, with the translation of every
    message of the modules they embed."""
    import sys
    zh = solution_notebook(a, "zh")
    for cell in (c for c in zh.cells if c.metadata.get("course", {}).get("generated")):
        assert 'modules["conv1d_course.language"].use(\'zh\', {' in cell.source, cell.id
        body = cell.source.split("\nimport conv1d_course.explorer")[0]     # load, do not draw
        try:
            exec(compile(body, cell.id, "exec"), {})
            language_module = sys.modules["conv1d_course.language"]
            assert language_module.LANG == "zh"
            wanted = {t for m in embedded(nbformat.v4.new_notebook(cells=[cell]))
                      for t in translations.templates(sources()[m])}
            assert wanted and wanted <= set(language_module._CATALOGUE), wanted - set(language_module._CATALOGUE)
            template = sorted(wanted)[0]
            values = {f: "1" for f in translations.fields(template)}
            assert language_module.tr(template, **values) == checks_catalogue("zh")[template].format(**values)
        finally:
            for name in [n for n in sys.modules if n == "conv1d_course" or n.startswith("conv1d_course.")]:
                del sys.modules[name]


def test_use_speaks_the_catalogue_and_falls_back_to_english():
    catalogue = checks_catalogue("zh")
    template = next(iter(catalogue))
    values = {f: "1" for f in translations.fields(template)}
    try:
        messages.use("zh", catalogue)
        assert messages.tr(template, **values) == catalogue[template].format(**values)
        assert messages.tr("No such message {x}.", x=2) == "No such message 2."
        with pytest.raises(ValueError):
            messages.use("fr")
    finally:
        messages.use("en")
    assert messages.tr(template, **values) == template.format(**values)


def test_the_language_of_a_notebook_comes_from_its_metadata_and_is_checked():
    assert language({"metadata": {"course": {"lang": "zh"}}}) == "zh"
    for odd in ({}, {"metadata": None}, {"metadata": {"course": "zh"}}, {"metadata": {"course": {"lang": "../x"}}},
                {"metadata": {"course": {"lang": ["zh"]}}}):
        assert language(odd) == "en"
    nb = copy.deepcopy(english("01_channels_kernel"))
    assert language(nb) == "en"
    chinese = nbformat.read(notebook_path("01_channels_kernel", RELEASE / "zh"), as_version=4)
    del chinese.metadata["course"]      # an editor that drops unknown notebook metadata: the text tells
    assert language(chinese) == "zh"
    chinese.metadata["course"] = {"lang": "en"}
    assert language(chinese) == "en", "the metadata, when it names a language, decides"
    for forged in ("ZH", "../../etc", {"zh": 1}, ["zh"], 3):
        chinese.metadata["course"] = {"lang": forged}
        assert language(chinese) == "zh", f"{forged!r} names no language: the text tells"


def test_the_readme_opens_every_chinese_notebook_in_colab():
    from autograder.build.links import colab_url
    from autograder.build.series import ROOT
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## 中文版"):]
    assert all(colab_url(a, "zh") in section for a in ALL)
