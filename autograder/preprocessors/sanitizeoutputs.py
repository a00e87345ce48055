"""Runs in the grading process (after the Judge) and in `nbgrader generate_feedback` (FeedbackPage): safe cells.

After the Judge: nothing a student's code or notebook wrote can run in a browser.

Every cell of the autograded notebook is rebuilt from scratch out of typed values (an allow-list,
field by field), and so is the notebook's metadata: nbconvert's templates (the feedback page) and
formgrader (whose session can set grades) write some values into HTML unquoted (an image's
`width=...`), others into attributes, classes or script blocks. Nothing of the student's dicts is
kept, only values of the expected type copied into new ones. FeedbackPage runs the same rebuild again
on the notebook it renders (for notebooks autograded before this rule).
"""
import base64
import binascii
import copy
import math
import os
import re

import nbformat
from nbgrader import preprocessors as nbp
from traitlets import Integer

from ..catalogues import LANGUAGES, language
from .cells import source_notebook

TEXT = "text/plain"
IMAGES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",), "image/gif": (b"GIF87a", b"GIF89a")}
SAFE_OUTPUT = {TEXT, *IMAGES}
MAX_SIDE = 10_000           # px: the largest width or height an image's metadata may ask for
MAX_HINT = 2_000            # characters of a judge's hint kept in a test cell's metadata
CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")          # nbformat 4.5's cell id
GRADE_ID = re.compile(r"^[A-Za-z0-9_-]*$")              # nbgrader's schema v3
WORD = re.compile(r"^[A-Za-z0-9_.+/-]{1,64}$")          # kernel and language names
ATTACHMENT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
ATTACHMENT_TYPES = {*IMAGES, "image/svg+xml"}           # the course's own pictures (shown through <img>)


# ----------------------------------------------------------------------------- typed values
def is_str(v):
    return isinstance(v, str)


def is_bool(v):
    return isinstance(v, bool)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return (is_int(v) or isinstance(v, float)) and math.isfinite(v)


def text(v):
    """A str from a str or a list of str (nbformat's multi-line form); None otherwise."""
    if is_str(v):
        return v
    if isinstance(v, list) and all(is_str(x) for x in v):
        return "".join(v)
    return None


def image_side(v):
    """A positive pixel size within MAX_SIDE as an int (or a float with 2 decimals), or None."""
    if not is_number(v) or not 0 < v <= MAX_SIDE:
        return None
    return int(v) if float(v).is_integer() else round(float(v), 2)


def image_data(mime, v):
    """Base64 of a bitmap, whitespace removed, when it decodes strictly and starts with its type's
    signature; None otherwise."""
    v = text(v)
    if v is None:
        return None
    v = "".join(v.split())
    try:
        raw = base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        return None
    return v if raw.startswith(IMAGES.get(mime, (b"",))) else None


# ----------------------------------------------------------------------------- outputs
def clean_output(out):
    """A new output built from the typed fields of `out`, or None when nothing of it may be shown:
    streams (stdout, stderr) with their text; display_data and execute_result with text/plain and
    bitmaps (width and height metadata per image only); errors with ename, evalue and traceback."""
    if not isinstance(out, dict):
        return None
    kind = out.get("output_type")
    if kind == "stream":
        body = text(out.get("text"))
        if out.get("name") not in ("stdout", "stderr") or body is None:
            return None
        return nbformat.from_dict({"output_type": "stream", "name": out["name"], "text": body})
    if kind in ("display_data", "execute_result"):
        data, meta = out.get("data"), out.get("metadata")
        data = data if isinstance(data, dict) else {}
        meta = meta if isinstance(meta, dict) else {}
        new_data, new_meta = {}, {}
        plain = text(data.get(TEXT))
        if plain is not None:
            new_data[TEXT] = plain
        for mime in IMAGES:
            image = image_data(mime, data.get(mime))
            if image is None:
                continue
            new_data[mime] = image
            sizes = meta.get(mime) if isinstance(meta.get(mime), dict) else {}
            sides = {k: image_side(sizes.get(k)) for k in ("width", "height")}
            sides = {k: v for k, v in sides.items() if v is not None}
            if sides:
                new_meta[mime] = sides
        new = {"output_type": kind, "data": new_data or {TEXT: ""}, "metadata": new_meta}
        if kind == "execute_result":
            count = out.get("execution_count")
            new["execution_count"] = count if is_int(count) and count >= 0 else None
        return nbformat.from_dict(new)
    if kind == "error":
        trace = out.get("traceback")
        return nbformat.from_dict({
            "output_type": "error", "ename": out.get("ename") if is_str(out.get("ename")) else "",
            "evalue": out.get("evalue") if is_str(out.get("evalue")) else "",
            "traceback": [line for line in trace if is_str(line)] if isinstance(trace, list) else []})
    return None


def clean_outputs(outputs):
    return [new for new in map(clean_output, outputs if isinstance(outputs, list) else []) if new is not None]


# ----------------------------------------------------------------------------- cells
NBGRADER = {"schema_version": is_int, "grade": is_bool, "locked": is_bool, "solution": is_bool, "task": is_bool,
            "grade_id": lambda v: is_str(v) and bool(GRADE_ID.match(v)), "points": is_number,
            "checksum": is_str, "cell_type": lambda v: v in ("code", "markdown", "raw")}
# generate_feedback's GetGrades adds these from the gradebook
NBGRADER_FEEDBACK = {**NBGRADER, "score": lambda v: v is None or is_number(v),
                     "comment": lambda v: v is None or is_str(v)}
VIEW = {"collapsed": is_bool, "scrolled": lambda v: is_bool(v) or v == "auto", "editable": is_bool,
        "deletable": is_bool}


def typed(d, fields):
    """The keys of dict `d` that `fields` names, whose values pass their check (copied)."""
    if not isinstance(d, dict):
        return {}
    return {k: copy.deepcopy(d[k]) for k, ok in fields.items() if k in d and ok(d[k])}


def is_escaped(source):
    """Markdown whose every line is indented by four spaces (or blank): only indented code blocks."""
    return all(line.startswith("    ") or not line.strip() for line in source.splitlines())


def as_code_block(source):
    """Markdown that shows `source` as its text: an indented code block (no HTML, no link, no math)."""
    if is_escaped(source):
        return source
    return "\n".join("    " + line for line in source.splitlines())


class Course:
    """What the course's notebooks say about cells, for the rebuild: the sources of the source
    notebook's markdown and code cells, their `course` metadata and markdown attachments. A markdown
    cell of the source counts under its source and under its source as the release writes it
    (release_markdown: the student notebooks' links to other notebooks of the series are Colab URLs),
    so the course's cells a student got are known where the released notebook is not (the grade
    command's grading process has the source notebook only); the released notebook's markdown, when
    there is one, counts too, and so do the cells of its other editions (the Chinese notebook). `escaped`: the
    course's markdown as clean_cell shows a student's
    (notebooks autograded before a course cell was known, restored on the feedback page)."""

    def __init__(self, source, released=None, editions=()):
        self.markdown, self.code, self.by_grade_id = {}, {}, {}
        for c in source.cells:
            (self.markdown if c.cell_type == "markdown" else self.code).setdefault(c.source, c)
            gid = c.metadata.get("nbgrader", {}).get("grade_id")
            if gid:
                self.by_grade_id.setdefault(gid, c)
        for c, as_released in release_markdown(source):
            self.markdown.setdefault(as_released, c)
        for c in released.cells if released is not None else ():
            if c.cell_type == "markdown":
                self.markdown.setdefault(c.source, c)
        for edition in editions:            # the Chinese edition's cells are the course's too
            for c in edition.cells:
                (self.markdown if c.cell_type == "markdown" else self.code).setdefault(c.source, c)
        self.sources = set(self.markdown) | set(self.code)
        self.escaped = {as_code_block(s): s for s in self.markdown if not is_escaped(s)}

    @classmethod
    def of(cls, config, info):
        """The Course of an assignment's notebook (resources["nbgrader"]): its source notebook, the released
        one when the release folder has it, and the source's other editions (autograder/build/translations.py)."""
        from ..build.translations import editions
        source = source_notebook(config, info)
        return cls(source, released_notebook(config, info), editions(source, info["assignment"]))

    def is_own(self, cell, seen):
        """Whether a cell (as read, untyped) is the student's own: added or changed. Not the course's
        are: the first answer or test cell of each of the course's grade ids (`seen` holds those met),
        a cell with the exact source of one of the course's cells, the note of left_out()."""
        gid = graded_id(cell)
        if gid in self.by_grade_id and gid not in seen:
            seen.add(gid)
            return False
        source = text(cell.get("source")) if isinstance(cell, dict) else None
        return (source not in self.sources and source not in self.escaped
                and not (source and LEFT_OUT.fullmatch(source)))

    def cell_of(self, cell_type, source, grade_id):
        """The course's cell this one stands for (by grade id, else by its exact source), or None."""
        if grade_id in self.by_grade_id:
            return self.by_grade_id[grade_id]
        return (self.markdown if cell_type == "markdown" else self.code if cell_type == "code" else {}).get(source)


def release_markdown(source):
    """[(cell, its source as released)] of the source notebook's markdown cells that the release rewrites:
    the same rewriting (autograder/build/links.py colab_links), run on copies of their sources."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    from ..build.links import colab_links
    markdown = [c for c in source.cells if c.cell_type == "markdown"]
    released = colab_links(new_notebook(cells=[new_markdown_cell(c.source) for c in markdown]))
    return [(c, r.source) for c, r in zip(markdown, released.cells) if r.source != c.source]


def released_notebook(config, info):
    """The assignment's released notebook (the release folder, notebooks/), or None; read once while
    the file stays the same."""
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=config)
    folder = coursedir.format_path(coursedir.release_directory, ".", info["assignment"])
    path = os.path.realpath(os.path.join(folder, info["notebook"] + ".ipynb"))
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _RELEASED:
        _RELEASED.clear()
        _RELEASED[key] = nbformat.read(path, as_version=4)
    return _RELEASED[key]


_RELEASED = {}


def graded_id(cell):
    """The grade id of a cell (as read, untyped) with nbgrader's answer or test metadata, or None."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    if isinstance(nbgrader, dict) and (nbgrader.get("grade") or nbgrader.get("solution")):
        gid = nbgrader.get("grade_id")
        return gid if is_str(gid) else None
    return None


# The one markdown cell left_out() puts where the cells it leaves out were: digits and fixed words
# only, so a rebuild keeps it as markdown (any other markdown of the student's is shown as its text).
LEFT_OUT_NOTE = ("*{} more cells that are not the course's (added or changed by the student) are left out of the "
                 "graded copy, which keeps the first {}; the notebook handed in has them all.*")
LEFT_OUT = re.compile(re.escape(LEFT_OUT_NOTE).replace(r"\{\}", "[0-9]+"))


def left_out(cells, course, limit):
    """(cells, how many left out): the cells as read, but of the student's own (Course.is_own) only the
    first `limit`; None stands where the first one left out was."""
    kept, own, dropped, seen = [], 0, 0, set()
    for cell in cells:
        if course.is_own(cell, seen):
            own += 1
            if own > limit:
                if not dropped:
                    kept.append(None)
                dropped += 1
                continue
        kept.append(cell)
    return kept, dropped


def clean_cell(cell, course, feedback=False):
    """A new cell built from the typed fields of `cell` (see the module's docstring):

    - type code or markdown; any other (raw, unknown) becomes markdown shown as its text;
    - id kept when it is nbformat's [A-Za-z0-9_-]{1,64}, else a new one;
    - source a str; a markdown cell that is not one of the course's own is shown as its text (an
      indented code block), its attachments dropped; a course markdown cell (its source as in the source
      notebook or as released, see Course; with `feedback`, also as an earlier rebuild escaped it) is
      shown as the course wrote it and gets the course's attachments;
    - metadata: `nbgrader` with its schema's keys and types (plus GetGrades' score and comment when
      `feedback`); `conv1d.hint` (a str, the judge's) on test cells only; `course` copied from the
      course's own cell; `jupyter.source_hidden`/`outputs_hidden`, `collapsed`, `scrolled`, `editable`,
      `deletable` when of their type; nothing else (no tags, name, alt, widgets, Colab's keys);
    - code: execution_count an int or None, outputs rebuilt by clean_output."""
    cell = cell if isinstance(cell, dict) else {}
    meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    kind = cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown") else "other"
    source = text(cell.get("source"))
    source = "" if source is None else source
    nbgrader = typed(meta.get("nbgrader"), NBGRADER_FEEDBACK if feedback else NBGRADER)
    ours = course.cell_of(kind, source, nbgrader.get("grade_id"))
    if feedback and kind == "markdown" and ours is None and source in course.escaped:
        source = course.escaped[source]         # a course cell an earlier rebuild took for a student's
        ours = course.markdown[source]
    new_meta = {}
    if nbgrader:
        new_meta["nbgrader"] = nbgrader
    verdict = meta.get("conv1d") if isinstance(meta.get("conv1d"), dict) else {}
    if kind == "code" and nbgrader.get("grade") and not nbgrader.get("solution"):   # a test cell: the judge's data
        kept = {**({"hint": verdict["hint"][:MAX_HINT]} if is_str(verdict.get("hint")) else {}),
                **({"in_hidden": True} if verdict.get("in_hidden") is True else {})}
        if kept:
            new_meta["conv1d"] = kept
    if ours is not None and ours.metadata.get("course"):
        new_meta["course"] = copy.deepcopy(ours.metadata["course"])
    jupyter = typed(meta.get("jupyter"), {"source_hidden": is_bool, "outputs_hidden": is_bool})
    if jupyter:
        new_meta["jupyter"] = jupyter
    new_meta.update(typed(meta, VIEW))
    cell_id = cell.get("id")
    if not (is_str(cell_id) and CELL_ID.match(cell_id)):
        from nbformat.corpus.words import generate_corpus_id
        cell_id = generate_corpus_id()
    new = {"id": cell_id, "cell_type": "code" if kind == "code" else "markdown", "metadata": new_meta, "source": source}
    if kind == "code":
        count = cell.get("execution_count")
        new["execution_count"] = count if is_int(count) and count >= 0 else None
        new["outputs"] = clean_outputs(cell.get("outputs"))
    elif kind == "markdown" and ours is not None and ours.cell_type == "markdown" and (
            source == ours.source or course.markdown.get(source) is ours):     # as in the source, or as released
        attachments = clean_attachments(ours.get("attachments"))
        if attachments:
            new["attachments"] = attachments
    elif kind == "markdown" and LEFT_OUT.fullmatch(source):
        pass                    # left_out()'s note, as it wrote it
    else:                       # the student's own markdown, or a raw or unknown cell
        new["source"] = as_code_block(source)
    return nbformat.from_dict(new)


def clean_attachments(attachments):
    """{name: {image type: base64}} of a markdown cell, only names and image types that are plain, and
    base64 that decodes."""
    out = {}
    for name, bundle in (attachments or {}).items() if isinstance(attachments, dict) else ():
        if not (is_str(name) and ATTACHMENT_NAME.match(name) and isinstance(bundle, dict)):
            continue
        kept = {}
        for mime, data in bundle.items():
            data = text(data)
            if mime in ATTACHMENT_TYPES and data is not None:
                data = "".join(data.split())
                try:
                    base64.b64decode(data, validate=True)
                except (binascii.Error, ValueError):
                    continue
                kept[mime] = data
        if kept:
            out[name] = kept
    return out


def clean_notebook_metadata(meta, lang=None):
    """The notebook's metadata rebuilt: kernelspec and language_info names (plain words), the judge's
    conv1d.flags (a list of str), and course.lang = `lang` when given (one of the course's languages: the
    language the submission was run and judged in); nothing else (no title, no widget state, no Colab keys)."""
    meta = meta if isinstance(meta, dict) else {}
    new = {}
    if lang == "en" or lang in LANGUAGES:
        new["course"] = {"lang": lang}
    word = {k: (lambda v: is_str(v) and bool(WORD.match(v))) for k in ("name", "language")}
    kernelspec = typed(meta.get("kernelspec"), {**word, "display_name": lambda v: is_str(v) and len(v) <= 200})
    if {"name", "display_name"} <= set(kernelspec):      # what nbformat requires of one
        new["kernelspec"] = kernelspec
    language = typed(meta.get("language_info"), {k: lambda v: is_str(v) and bool(WORD.match(v)) for k in (
        "name", "version", "pygments_lexer", "file_extension", "mimetype", "nbconvert_exporter")})
    if "name" in language:
        new["language_info"] = language
    conv1d = meta.get("conv1d") if isinstance(meta.get("conv1d"), dict) else {}
    if isinstance(conv1d.get("flags"), list):
        new["conv1d"] = {"flags": [f for f in conv1d["flags"] if is_str(f)]}
    return nbformat.from_dict(new)


def clean_notebook(nb, course, max_own_cells, log=None):
    """Every cell and the notebook's metadata rebuilt (in place on `nb`, which is returned); of the
    student's own cells only the first `max_own_cells` are kept, a note stands for the others."""
    from nbformat.v4 import new_markdown_cell
    lang = language(nb)     # what the runner and the judge spoke: the feedback page speaks it too, whatever is left
    cells = nb.get("cells")
    cells, dropped = left_out(cells if isinstance(cells, list) else [], course, max_own_cells)
    nb.cells = [new_markdown_cell(LEFT_OUT_NOTE.format(dropped, max_own_cells)) if c is None else clean_cell(c, course)
                for c in cells]
    if dropped and log:
        log.warning("%d cells that are not the course's are left out of the autograded notebook (it keeps the "
                    "first %d)", dropped, max_own_cells)
    unique_ids(nb.cells)
    nb.metadata = clean_notebook_metadata(nb.get("metadata"), lang)
    return nb


def unique_ids(cells):
    """A new id for every cell whose id an earlier cell has (the page's anchors are by id)."""
    from nbformat.corpus.words import generate_corpus_id
    seen = set()
    for cell in cells:
        while cell.id in seen:
            cell.id = generate_corpus_id()
        seen.add(cell.id)


class SanitizeOutputs(nbp.NbGraderPreprocessor):
    """After Judge: nothing the student's code or notebook wrote can run in a browser that opens the
    feedback or formgrader (whose session can set grades). Every cell and output is rebuilt from
    typed values (clean_cell, clean_output): outputs keep only plain text and bitmap images with a
    sane width and height (HTML, JavaScript, SVG, widgets go; a text/plain twin stays when there is
    one); a markdown cell that is not one of the course's own is shown as its source text (an indented
    code block); cell and notebook metadata keep only what nbgrader and the course need, type-checked."""

    max_own_cells = Integer(1000, help="Cells of the student's own (added, or changed from the course's) that "
                                       "the autograded notebook keeps; a note stands for the others (the "
                                       "submitted notebook has them all).").tag(config=True)

    def preprocess(self, nb, resources):
        course = Course.of(self.config, resources["nbgrader"])
        return clean_notebook(nb, course, self.max_own_cells, self.log), resources
