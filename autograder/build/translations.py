"""Runs in `make release`, the grading process (the checks' catalogue) and tests: the Chinese edition's catalogues.

One source, two languages. The English solution notebooks (solutions/) are the only source of everything
graded; the Chinese edition is built from them and gettext catalogues (docs/translation.md says why):

- locale/zh/notebooks/NN_slug.po: one entry per cell that has words to translate. msgctxt is the cell id,
  msgid the English cell as it is in solutions/ (the first cell without its badge line, which the build
  writes), msgstr the Chinese cell. Every markdown cell needs a translation; a lesson or answer code cell may
  have one (its comments, docstrings and printed text in Chinese), whose code must be the English cell's
  (the same syntax tree once string literals are masked: `CodeChanged`). Test cells, the Course checks and
  explorer cells are never translated: they are the English notebook's, byte for byte.
- locale/zh/checks/MODULE.po: the messages of autograder/notebook/MODULE.py, one entry per `tr("...")`
  template (autograder/notebook/language.py); msgstr is the Chinese template, with the same {fields}.

A translation is *stale* when its msgid is no longer the English text (the English changed after it was
translated) or when it is marked fuzzy; it is *missing* when no entry has the English text. `problems()`
lists both, and tests/test_translations.py fails on any. `python -m autograder.build.translations update`
brings the catalogues in step with the English: a changed cell's entry keeps its old Chinese, marked fuzzy,
with the old English as its previous msgid (Poedit and Weblate show the difference), new cells get empty
entries, and entries of cells that are gone become obsolete (#~). A translator then edits the .po file and
removes the fuzzy flag.
"""
import argparse
import ast
import difflib
import re
import string
import sys

import polib

from autograder import notebook
from autograder.build.links import BADGE, colab_links, colab_url
from autograder.catalogues import LANGUAGES, LOCALE, ROOT
from autograder.preprocessors.cells import REGION_MARKER, code_shape, is_test_cell

BADGE_LINE = re.compile(r"\A\[!\[Open In Colab\][^\n]*\n")


class TranslationError(ValueError):
    """A notebook cannot be built in a language: its catalogue is stale, incomplete or changes code."""


def notebook_catalogue_path(lang, assignment):
    return LOCALE / lang / "notebooks" / f"{assignment}.po"


# ---- notebook cells ---------------------------------------------------------------------------------------

def _generated(cell):
    return bool(cell.get("metadata", {}).get("course", {}).get("generated"))


def translatable(nb):
    """[(cell id, English text, required)] of a solution notebook's cells with words to translate: every
    markdown cell (required; the first without its badge line) and every lesson or answer code cell
    (optional), in order. Test cells and generated cells are left out."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            text = BADGE_LINE.sub("", cell.source) if i == 0 else cell.source
            found.append((cell.id, text, True))
        elif cell.cell_type == "code" and not is_test_cell(cell) and not _generated(cell) and _has_words(cell.source):
            found.append((cell.id, cell.source, False))
    return found


def _has_words(source):
    """Whether code has English to translate: a comment, a string of two words or more, or a label."""
    import io
    import tokenize
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    words = re.compile(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}|[A-Za-z]{3,}[ \d]*[:?]")    # two words, or a label ("total:")
    return any(t.type == tokenize.COMMENT and not REGION_MARKER.match(t.string)
               or t.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)) and words.search(t.string)
               for t in tokens)


def _attachments(text):
    return sorted(re.findall(r"attachment:([\w.\-]+)", text))


def _series_links(text):
    return sorted(re.findall(r"\]\((\.\./\d\d_\w+/\d\d_\w+\.ipynb)", text))


def check_cell(cell_type, english, translated):
    """Why a translated cell cannot stand for its English one ("" when it can): a code cell's code must be the
    same (comments and string literals aside); a markdown cell keeps the same pictures and series links."""
    if cell_type == "code":
        if code_shape(translated) is None:
            return "its code does not parse"
        if code_shape(translated) != code_shape(english):
            return "its code differs from the English cell's (only comments and text may be translated)"
        return ""
    if _attachments(translated) != _attachments(english):
        return f"its pictures {_attachments(translated)} are not the English cell's {_attachments(english)}"
    if _series_links(translated) != _series_links(english):
        return "its links to other notebooks are not the English cell's"
    return ""


def _shown(path):
    """A catalogue's path as messages name it: relative to the repository when it is in it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _entries(po):
    return {e.msgctxt: e for e in po if not e.obsolete}


def notebook_problems(nb, lang, assignment):
    """What keeps the notebook `nb` (a solution notebook, English) from being built in `lang`: one line each
    for a missing, stale (fuzzy, or another English text) or invalid translation, and for an entry whose
    cell is gone."""
    path = notebook_catalogue_path(lang, assignment)
    if not path.exists():
        return [f"{_shown(path)}: missing (python -m autograder.build.translations update)"]
    entries = _entries(polib.pofile(str(path)))
    where = _shown(path)
    found, cells = [], {c.id: c for c in nb.cells}
    for cell_id, text, required in translatable(nb):
        e = entries.pop(cell_id, None)
        if e is None:
            if required:
                found.append(f"{where}: cell {cell_id}: no translation")
        elif e.msgid != text:
            found.append(f"{where}: cell {cell_id}: stale, the English changed (update, then translate again)")
        elif e.fuzzy:
            found.append(f"{where}: cell {cell_id}: stale (fuzzy)")
        elif required and not e.msgstr.strip():
            found.append(f"{where}: cell {cell_id}: no translation")
        elif e.msgstr:
            why = check_cell(cells[cell_id].cell_type, text, e.msgstr)
            if why:
                found.append(f"{where}: cell {cell_id}: {why}")
    found += [f"{where}: cell {cell_id}: no such cell in the English notebook" for cell_id in entries]
    return found


def translated(nb, lang, assignment, strict=True):
    """The English solution notebook `nb` in `lang` (a new notebook; `nb` is left as it is): its cells'
    translations from the catalogue, its first line (the badge line, which release.sync rewrites for the
    language) kept, metadata course.lang = lang. TranslationError when the catalogue is not in step; with
    strict=False a cell without a current translation stays English (for drafts, never for a release)."""
    import copy
    wrong = notebook_problems(nb, lang, assignment)
    if wrong and strict:
        raise TranslationError("\n".join(wrong))
    path = notebook_catalogue_path(lang, assignment)
    entries = _entries(polib.pofile(str(path))) if path.exists() else {}
    texts = {cid: text for cid, text, _ in translatable(nb)}
    out = copy.deepcopy(nb)
    for i, cell in enumerate(out.cells):
        e = entries.get(cell.id)
        badge_line = BADGE_LINE.match(cell.source).group(0) if i == 0 and BADGE_LINE.match(cell.source) else ""
        if e is not None and e.msgstr and not e.fuzzy and e.msgid == texts.get(cell.id) and \
                not check_cell(cell.cell_type, e.msgid, e.msgstr):
            cell.source = e.msgstr
            if i == 0:
                cell.source = badge_line + e.msgstr
    out.metadata.setdefault("course", {})["lang"] = lang
    return out


def editions(source, assignment):
    """The source notebook `source` of `assignment` as each other edition's students get it: translated (a cell
    without a current translation stays English), its badge and series links pointing at that edition in Colab.
    For the grader's record of which cells are the course's (autograder/preprocessors/sanitizeoutputs.py)."""
    found = []
    for lang in LANGUAGES:
        nb = translated(source, lang, assignment, strict=False)
        nb.cells[0].source = BADGE.sub(colab_url(assignment, lang), nb.cells[0].source) if nb.cells else None
        found.append(colab_links(nb))
    return found


# ---- the checks' messages ---------------------------------------------------------------------------------

def templates(source):
    """The message templates of a module's source: the first argument of every tr("...") call, in order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr":
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                raise ValueError(f"tr() at line {node.lineno}: the template must be a string literal")
            found.append(first.value)
    return list(dict.fromkeys(found))


def fields(template):
    """The {fields} of a str.format template, as a sorted list (ValueError for a malformed one)."""
    return sorted({f for _, f, _, _ in string.Formatter().parse(template) if f is not None})


# Modules outside the checks whose messages reach a student (the judge's notes and errors, the feedback page),
# with their catalogue's name: locale/LANG/checks/NAME.po
GRADER_MODULES = {"sandbox.judge": "autograder/sandbox/judge.py",
                  "preprocessors.judge": "autograder/preprocessors/judge.py",
                  "preprocessors.feedbackpage": "autograder/preprocessors/feedbackpage.py",
                  "preprocessors.execute": "autograder/preprocessors/execute.py",
                  "gradescope.results": "autograder/gradescope/results.py",
                  "gradescope.run": "autograder/gradescope/run.py"}


def message_sources():
    """{catalogue name: source} of every module with messages: the checks' (autograder/notebook/) and the grader's."""
    return {**notebook.sources(), **{name: (ROOT / path).read_text() for name, path in GRADER_MODULES.items()}}


def checks_problems(lang):
    """One line for every message of the checks without a translation in `lang`, stale, with other {fields}
    than its English, or in a catalogue that is not its module's."""
    found = []
    for module, source in message_sources().items():
        path = LOCALE / lang / "checks" / f"{module}.po"
        wanted = templates(source)
        if not wanted:
            if path.exists():
                found.append(f"{_shown(path)}: {module}.py has no messages")
            continue
        if not path.exists():
            found.append(f"{_shown(path)}: missing (python -m autograder.build.translations update)")
            continue
        entries = {e.msgid: e for e in polib.pofile(str(path)) if not e.obsolete}
        for t in wanted:
            e = entries.pop(t, None)
            if e is None or not e.msgstr:
                found.append(f"{_shown(path)}: no translation of {t[:70]!r}")
            elif e.fuzzy:
                found.append(f"{_shown(path)}: stale (fuzzy): {t[:70]!r}")
            else:
                try:
                    if fields(e.msgstr) != fields(t):
                        found.append(f"{_shown(path)}: {t[:50]!r}: fields {fields(e.msgstr)} in the "
                                     f"translation, {fields(t)} in the English")
                except ValueError as err:
                    found.append(f"{_shown(path)}: {t[:50]!r}: the translation is not a template: {err}")
        found += [f"{_shown(path)}: {t[:70]!r} is no message of {module}.py" for t in entries]
    return found


# ---- update -----------------------------------------------------------------------------------------------

def _new_po(lang, what):
    po = polib.POFile(wrapwidth=0)
    po.metadata = {"Project-Id-Version": f"conv1d-course {what}", "Language": lang,
                   "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit"}
    return po


def _merge(path, lang, what, wanted, cells):
    """Bring the catalogue at `path` in step with `wanted` ([(cell id or None, English, flags)]): see the module's
    docstring. A changed English text keeps its translation as fuzzy, found by its cell id (`cells`) or, for
    messages, as the closest old English text."""
    old = polib.pofile(str(path), wrapwidth=0) if path.exists() else _new_po(lang, what)
    live = [e for e in old if not e.obsolete]
    key = (lambda e: e.msgctxt) if cells else (lambda e: e.msgid)
    by_key = {key(e): e for e in live}
    po = _new_po(lang, what)
    po.metadata = old.metadata or po.metadata
    used = set()
    for cell_id, english, flags in wanted:
        e = by_key.get(cell_id if cells else english)
        if e is not None and e.msgid == english:
            used.add(id(e))
            po.append(e)
            continue
        if e is None and not cells:             # a message whose English changed: the closest old text
            free = [x.msgid for x in live if id(x) not in used and x.msgid not in by_key.keys() & {english}]
            close = difflib.get_close_matches(english, free, 1, 0.75)
            e = by_key.get(close[0]) if close else None
        if e is not None and e.msgstr:
            used.add(id(e))
            po.append(polib.POEntry(msgctxt=cell_id, msgid=english, msgstr=e.msgstr, flags=["fuzzy"] + flags,
                                    previous_msgid=e.msgid))
        else:
            po.append(polib.POEntry(msgctxt=cell_id, msgid=english, msgstr="", flags=list(flags)))
    for e in live:
        if id(e) not in used:
            e.obsolete = True
            po.append(e)
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))


def update(lang, only=None):
    """Bring the catalogues of `lang` in step with the English (solutions/ and autograder/notebook/): all of
    them, or those named in `only` (assignment ids like 02_stride, module names like hints)."""
    import nbformat

    from autograder.build.series import assignments, notebook_path
    for a in assignments():
        if only and a not in only:
            continue
        nb = nbformat.read(notebook_path(a), as_version=4)
        wanted = [(cid, text, [] if required else ["optional"]) for cid, text, required in translatable(nb)]
        _merge(notebook_catalogue_path(lang, a), lang, a, wanted, cells=True)
    for module, source in message_sources().items():
        if only and module not in only:
            continue
        wanted = [(None, t, ["python-brace-format"]) for t in templates(source)]
        path = LOCALE / lang / "checks" / f"{module}.po"
        if wanted or path.exists():
            _merge(path, lang, f"checks/{module}", wanted, cells=False)


def main(argv=None):
    ap = argparse.ArgumentParser(description="The Chinese edition's catalogues: update them, or list what is "
                                             "stale or missing.")
    ap.add_argument("command", choices=["update", "check"])
    ap.add_argument("--lang", default="zh", choices=LANGUAGES)
    ap.add_argument("only", nargs="*", help="update only these catalogues: assignment ids (02_stride) or check "
                                            "modules (hints)")
    args = ap.parse_args(argv)
    if args.command == "update":
        update(args.lang, args.only)
    import nbformat

    from autograder.build.series import assignments, notebook_path
    wrong = checks_problems(args.lang) + [
        p for a in assignments()
        for p in notebook_problems(nbformat.read(notebook_path(a), as_version=4), args.lang, a)]
    print("\n".join(wrong) or f"{args.lang}: every translation is in step with the English")
    sys.exit(1 if wrong and args.command == "check" else 0)


if __name__ == "__main__":
    main()
