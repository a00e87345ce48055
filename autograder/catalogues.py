"""Runs in the grading process (the judge, the feedback page) and the release build: the Chinese edition's
catalogues as data, and the language of a notebook.

The catalogues are gettext .po files under locale/LANG/ (autograder/build/translations.py builds and checks
them; docs/translation.md says why gettext). Here: the checks' messages {English template: translated
template} that `autograder.notebook.language.use` takes, and which language a notebook speaks. Light:
polib, imported when a catalogue is read.
"""
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
LANGUAGES = ("zh",)             # the editions besides English
CJK = re.compile(r"[\u4e00-\u9fff]")


def language(nb):
    """The language of a notebook (a dict or NotebookNode): its metadata course.lang when it is "en" or one of
    the course's other languages; without it (an editor that drops unknown notebook metadata) or with something
    else there, "zh" when most of its markdown cells hold Chinese; else "en". The submission says it: a student
    who changes it changes only the language of their own feedback."""
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    course = metadata.get("course") if isinstance(metadata, dict) else None
    lang = course.get("lang") if isinstance(course, dict) else None
    if isinstance(lang, str) and lang in LANGUAGES + ("en",):
        return lang
    if isinstance(nb, dict) and isinstance(nb.get("cells"), list):
        texts = [c.get("source") for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "markdown"]
        texts = ["".join(t) if isinstance(t, list) else t for t in texts if isinstance(t, (str, list))]
        chinese = sum(bool(CJK.search(t)) for t in texts if isinstance(t, str))
        if texts and chinese > len(texts) / 2:
            return "zh"
    return "en"


def checks_catalogue_paths(lang):
    return sorted((LOCALE / lang / "checks").glob("*.po"))


@cache
def checks_catalogue(lang):
    """{English template: translated template} of the checks' messages in `lang`, from locale/LANG/checks/*.po
    (translated entries only, fuzzy ones left out: a stale translation is not shown). {} for English."""
    import polib
    found = {}
    for path in checks_catalogue_paths(lang) if lang in LANGUAGES else []:
        for e in polib.pofile(str(path)):
            if e.msgstr and not e.fuzzy and not e.obsolete:
                found[e.msgid] = e.msgstr
    return found
