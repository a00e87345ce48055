"""Runs in the class report's process (python -m autograder report / grade): near-identical answers, for a human.

Pairs of answer cells that are near-identical once names, comments and layout are set aside, for the class
report's "Similar answers" view. It flags for a human to read both answers; it never changes a grade: it
reads notebooks only (no gradebook, no nbgrader), writes nothing but what it is asked to render, and runs
none of the code it reads (it is tokenised, never executed).

The report calls, per assignment:

- `find(root, assignment)`: a `Findings` (its pairs, how many students each cell compared, notes on what was
  cut or left out), from the autograded notebooks (`autograded/<student>/<id>/<id>.ipynb`; `source=
  "submitted"` reads submitted/ instead);
- `html_section(findings)`: an HTML fragment (an h3 and a table), every student-made string escaped;
- `write_csv(findings_list, path)`: similar-answers.csv through autograder/classroom/spreadsheet.py's writer
  (a cell that starts like a formula is written as text).
`similar_pairs(answers, stub, examples, threshold)` compares one answer cell's texts, for other callers.

How (copydetect, the MOSS method): each answer is tokenised with pygments' Python lexer and normalised (every
name becomes V, a function's name F, a class's O, a string's text S; comments and whitespace dropped), then
fingerprinted by hashing every run of NOISE normalised characters. The released stub's answer cell
(notebooks/<id>/<id>.ipynb) and the course's example answers of that cell (autograder/examples/<id>/*.py) are
boilerplate: their fingerprints are removed from every answer before comparing, so the stub alone, or code
shared with the course's examples, makes no pair. For a pair, each answer's share is the part of its
remaining normalised code also found in the other; the pair is flagged when the larger share reaches the
threshold (THRESHOLD). An answer with fewer than MIN_TOKENS normalised characters of its own (a one-line
prediction, a length formula that everyone writes alike) is not compared: it cannot tell copying from the
one right way to write it.

Why copydetect (0.5.0, MIT): a maintained Python library (on pygments and numpy) with an in-memory API
(CodeFingerprint reads a text stream; compare_files gives both shares and the shared spans), so no student
code is written to a file. Dolos, the other well-kept tool, is a Node.js program with native tree-sitter
parsers: a second runtime on every machine that writes the report, for one section of it. Three choices
depart from copydetect's defaults, each for the report's sake:
- window size 1 (copydetect's "guarantee threshold" equal to its noise threshold, which its docs advise when
  time allows): every fingerprint is kept, not a winnowed sample. Winnowing keeps the smallest of Python's
  `hash()` values, which change with every process (PYTHONHASHSEED), so its shares would move a little from
  one report to the next; with every fingerprint kept the report is the same every time;
- the boilerplate is taken out of the fingerprints here, not by CodeFingerprint's `boilerplate` argument,
  which goes through numpy's intersect1d with assume_unique=True on fingerprints that repeat in a document
  and so also drops positions of repeated code the boilerplate does not hold;
- the shares of every pair are counted by _overlaps, one student against the whole class in numpy, with
  compare_files' own definition (the union of the k-grams of one answer whose hash the other has, over its
  coverage; a test checks both agree on every pair of the course's examples). compare_files loops in Python
  over the shared fingerprints: 4 ms a pair of alike answers at the cap, over a minute for 200 students who
  all copied (7 times what _overlaps takes). compare_files itself marks the shared parts of the pairs shown
  (MAX_PAIRS_SHOWN).

Bounds (student text is hostile): a notebook is read as JSON through autograder/sandbox/intake.py (no link
followed, at most MAX_NOTEBOOK bytes, every value type-checked); an answer is cut at MAX_ANSWER_CHARS
characters (the course's longest answer has about 5,000) and a note says so; at most MAX_STUDENTS students
are compared per cell (the first by id; the others are named in a note). Time is mostly pygments' lexer
(about 0.1 s for an answer at the cap); memory is about 0.1 MB an answer plus the comparison of one answer
with the class (some 50 MB at the caps).
"""
import html
import io
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from ..limits import MAX_NOTEBOOK
from ..sandbox import intake
from ..text import printable
from . import spreadsheet

COURSE = Path(__file__).resolve().parents[2]     # the checkout: notebooks/ (the release), autograder/examples/
EXAMPLES = COURSE / "autograder" / "examples"

NOISE = 25                  # normalised characters of one fingerprint (copydetect's default noise threshold)
THRESHOLD = 0.8             # a pair is flagged when one answer has this share of its own code in the other
MIN_TOKENS = 100            # normalised characters an answer must have beyond the stub and the examples
MAX_ANSWER_CHARS = 8_000    # characters of one answer compared (and shown); the rest is cut
MAX_STUDENTS = 200          # students compared per answer cell (n * (n - 1) / 2 pairs)
MAX_PAIRS_SHOWN = 100       # pairs of one assignment shown in the HTML (the CSV has them all)


@dataclass(frozen=True)
class Pair:
    """Two students' answers to one cell, a before b by id. share_a: the part of a's normalised code (beyond
    the stub and the examples) also in b's; score: the larger share; tokens: normalised characters shared.
    text_a, text_b: the answers as compared (cut at MAX_ANSWER_CHARS); spans_a, spans_b: (start, end) of the
    shared parts in them."""
    cell: str
    a: str
    b: str
    score: float
    share_a: float
    share_b: float
    tokens: int
    text_a: str = ""
    text_b: str = ""
    spans_a: tuple = ()
    spans_b: tuple = ()


@dataclass
class Findings:
    """One assignment's similar answers: pairs (most similar first), compared ({cell: answers read, at most
    MAX_STUDENTS}), notes (printable lines: an answer cut, students over the cap, a notebook not read)."""
    assignment: str
    threshold: float = THRESHOLD
    pairs: list = field(default_factory=list)
    compared: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def _fingerprint(text, boilerplate=frozenset(), k=NOISE):
    """copydetect's CodeFingerprint of `text` (Python, normalised), every fingerprint kept (window 1), with the
    `boilerplate` hashes taken out and its token coverage counted again over what is left."""
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage
    fp = CodeFingerprint("answer.py", k, 1, None, True, "python", fp=io.StringIO(text))
    if boilerplate:
        fp.hashes = fp.hashes - boilerplate
        fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in boilerplate}
        fp.token_coverage = get_token_coverage(fp.hash_idx, k, len(fp.filtered_code))
    return fp


def _spans(slices, size):
    """copydetect's 2 x N slice array as ((start, end), ...) within [0, size]."""
    if len(slices) != 2 or not len(slices[0]):
        return ()
    return tuple((max(0, min(int(s), size)), max(0, min(int(e), size))) for s, e in zip(slices[0], slices[1]))


def _positions(fp):
    """What is kept of a fingerprint: its k-grams' positions and hashes by position (numpy arrays), its coverage,
    its normalised code and copydetect's offsets (normalised to original positions). A tenth of the memory of
    copydetect's CodeFingerprint, whose sets and dicts hold one Python object per k-gram."""
    pos = np.fromiter((p for ps in fp.hash_idx.values() for p in ps), dtype=np.int64)
    hashes = np.fromiter((h for h, ps in fp.hash_idx.items() for _ in ps), dtype=np.int64)
    order = np.argsort(pos, kind="stable")
    return SimpleNamespace(pos=pos[order], hashes=hashes[order], coverage=float(fp.token_coverage), k=fp.k,
                           filtered_code=fp.filtered_code, offsets=fp.offsets)


def _fingerprint_again(kept):
    """A stand-in for the CodeFingerprint `kept` was made from, with what copydetect's compare_files reads."""
    hash_idx = {}
    for p, h in zip(kept.pos.tolist(), kept.hashes.tolist()):
        hash_idx.setdefault(h, []).append(p)
    return SimpleNamespace(k=kept.k, hashes=set(hash_idx), hash_idx=hash_idx, filtered_code=kept.filtered_code,
                           token_coverage=kept.coverage, offsets=kept.offsets)


def _overlaps(prints, k):
    """{(a, b): normalised characters of a's code that b's holds}, for every ordered pair of `prints`
    ({student: _positions(...)}): what copydetect's compare_files counts (the union of the k-grams at a's
    positions whose hash b has), computed for one student against the whole class at once. compare_files
    does it pair by pair with a Python loop over the shared fingerprints; this is about 7 times faster on
    alike answers (80 answers at the cap: 2 s against 14 s on a busy 2-core machine)."""
    names = sorted(prints)
    n = len(names)
    uniques = [np.unique(prints[s].hashes) for s in names]
    if not n:
        return {}
    every = np.concatenate(uniques)
    owner = np.repeat(np.arange(n), [len(u) for u in uniques])
    order = np.argsort(every, kind="stable")
    every, owner = every[order], owner[order]
    out = {}
    for i, a in enumerate(names):
        pos, hashes = prints[a].pos, prints[a].hashes
        length = len(pos)
        if not length:
            continue
        mine, inverse = np.unique(hashes, return_inverse=True)
        lo, hi = np.searchsorted(every, mine, "left"), np.searchsorted(every, mine, "right")
        counts = hi - lo
        flat = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
        holds = np.zeros((n, len(mine)), dtype=bool)           # holds[b, j]: student b has a's j-th hash
        holds[owner[flat], np.repeat(np.arange(len(mine)), counts)] = True
        shared = holds[:, inverse]                              # shared[b, p]: a's p-th k-gram is in b's code
        # the union of [pos, pos + k) over the shared positions: each adds up to the next shared one, at most k
        index = np.where(shared, np.arange(length, dtype=np.int32), np.int32(length))
        after = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1]
        after = np.concatenate([after[:, 1:], np.full((n, 1), length, dtype=np.int32)], axis=1)
        ends = np.append(pos, pos[-1] + k)
        union = (np.minimum(ends[after] - pos, k) * shared).sum(axis=1)
        for j in np.flatnonzero(union):
            if j != i:
                out[a, names[j]] = int(union[j])
    return out


def similar_pairs(answers, stub="", examples=(), threshold=THRESHOLD, cell="answer", *, notes=None,
                  k=NOISE, min_tokens=MIN_TOKENS, max_chars=MAX_ANSWER_CHARS, max_students=MAX_STUDENTS,
                  max_spans=MAX_PAIRS_SHOWN):
    """[Pair] of one answer cell, most similar first: the pairs of `answers` ({student: source}) whose score
    reaches `threshold`, with the fingerprints of `stub` (the released cell) and of `examples` (the course's
    own answers) left out. An answer longer than `max_chars` is cut there, and only the first `max_students`
    students by id are compared; each cut or left-out student gets a line in `notes` (a list) when given.
    The first `max_spans` pairs get the shared parts of their texts (spans_a, spans_b), from copydetect's
    compare_files; the others have their scores only."""
    from copydetect import compare_files
    notes = [] if notes is None else notes
    students = sorted(s for s, t in answers.items() if isinstance(s, str) and isinstance(t, str))
    if len(students) > max_students:
        over = students[max_students:]
        notes.append(printable(f"{cell}: {len(over)} student(s) over the cap of {max_students} not compared: "
                               + " ".join(over)))
        students = students[:max_students]
    boilerplate = set()
    for text in [stub, *examples]:
        if isinstance(text, str) and text.strip():
            boilerplate |= _fingerprint(text[:max_chars], k=k).hashes
    boilerplate = frozenset(boilerplate)
    texts, prints = {}, {}
    for s in students:
        text = answers[s]
        if len(text) > max_chars:
            notes.append(printable(f"{cell}: {s}'s answer cut at {max_chars} characters (it has more)"))
            text = text[:max_chars]
        fp = _fingerprint(text, boilerplate, k)
        if fp.token_coverage >= min_tokens:
            texts[s], prints[s] = text, _positions(fp)
    overlap = _overlaps(prints, k)
    pairs = []
    for (a, b), tokens_a in overlap.items():
        if a > b:
            continue
        tokens_b = overlap.get((b, a), 0)
        share_a, share_b = min(tokens_a / prints[a].coverage, 1.0), min(tokens_b / prints[b].coverage, 1.0)
        if max(share_a, share_b) >= threshold:
            pairs.append(Pair(cell, a, b, round(max(share_a, share_b), 3), round(share_a, 3), round(share_b, 3),
                              max(tokens_a, tokens_b), texts[a], texts[b]))
    pairs.sort(key=lambda p: (-p.score, -p.tokens, p.a, p.b))
    for i, p in enumerate(pairs[:max_spans]):
        _, _, (slices_a, slices_b) = compare_files(_fingerprint_again(prints[p.a]), _fingerprint_again(prints[p.b]))
        pairs[i] = replace(p, spans_a=_spans(slices_a, len(p.text_a)), spans_b=_spans(slices_b, len(p.text_b)))
    return pairs


def answer_cells(nb, max_chars=MAX_ANSWER_CHARS):
    """{grade_id: source} of a notebook's answer cells (nbgrader metadata `solution` true, a code cell, a
    grade_id; as autograder/preprocessors/cells.py is_answer_cell), from its raw JSON, every value
    type-checked; the first cell of a grade_id wins. A source is kept to `max_chars` + 1 characters (one more
    than is compared, so that similar_pairs sees it was longer). ValueError when `nb` is not a notebook."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook (no list of cells)")
    found = {}
    for c in cells:
        if not isinstance(c, dict) or c.get("cell_type") != "code":
            continue
        meta = c.get("metadata") if isinstance(c.get("metadata"), dict) else {}
        grading = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        gid, source = grading.get("grade_id"), c.get("source")
        if not (grading.get("solution") and isinstance(gid, str)) or gid in found:
            continue
        if isinstance(source, list):
            parts, size = [], 0
            for line in source:
                if not isinstance(line, str):
                    parts = None
                    break
                parts.append(line[:max_chars + 1 - size])
                size += len(parts[-1])
                if size > max_chars:
                    break
            source = "".join(parts) if parts is not None else None
        if isinstance(source, str):
            found[gid] = source[:max_chars + 1]
    return found


def read_answers(root, assignment, source="autograded", problems=None, max_chars=MAX_ANSWER_CHARS):
    """{grade_id: {student: source}} of the answer cells of `assignment`'s notebooks in `source`/ (autograded/
    or submitted/) at the course root: `<source>/<student>/<assignment>/<assignment>.ipynb`. A student
    without that notebook is skipped; one that cannot be read (a link, over MAX_NOTEBOOK, not JSON, not a
    notebook) gets a printable line in `problems` and is left out."""
    problems = [] if problems is None else problems
    base = Path(root) / source
    out = {}
    try:
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except FileNotFoundError:
        return out
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if not entry.name.isprintable():          # a control character, or bytes that are not UTF-8
            problems.append(printable(f"{assignment}/{entry.name}: answers not compared: the folder's name is not "
                                      "printable text"))
            continue
        path = Path(entry.path) / assignment / f"{assignment}.ipynb"
        if not os.path.lexists(path):
            continue
        try:
            nb = intake.read_notebook(path, MAX_NOTEBOOK)
            cells = answer_cells(nb, max_chars)
        except (OSError, intake.Rejected, ValueError, RecursionError) as e:
            problems.append(printable(f"{assignment}/{entry.name}: answers not compared: {type(e).__name__}: {e}"))
            continue
        del nb          # before the next notebook is parsed
        for gid, text in cells.items():
            out.setdefault(gid, {})[entry.name] = text
    return out


def released_stubs(root, assignment):
    """{grade_id: source} of the released notebook's answer cells: the course root's release
    (notebooks/<id>/<id>.ipynb), else the installed course's; {} when neither has it."""
    for folder in (Path(root) / "notebooks", COURSE / "notebooks"):
        path = folder / assignment / f"{assignment}.ipynb"
        if path.is_file():
            return answer_cells(json.loads(path.read_text(encoding="utf-8")))
    return {}


def example_answers(assignment, folder=EXAMPLES):
    """{grade_id: [source, ...]} of the course's own example answers (autograder/examples/<id>/*.py, the
    submission format of autograder/classroom/submissions.py: `# %% answer ID` / `# %% replace ID`)."""
    from .submissions import parse
    out = {}
    for path in sorted((Path(folder) / assignment).glob("*.py")):
        for op, gid, _arg, body in parse(path, assignment, path.stem).edits:
            if op in ("answer", "replace") and body.strip():
                out.setdefault(gid, []).append(body)
    return out


def find(root, assignment, threshold=THRESHOLD, source="autograded", **caps):
    """The Findings of one assignment at the course root: every answer cell of its notebooks in `source`/,
    compared with similar_pairs, the released stub and the course's examples as boilerplate. `caps`:
    similar_pairs' min_tokens, max_chars, max_students."""
    found = Findings(assignment, threshold)
    max_chars = caps.get("max_chars", MAX_ANSWER_CHARS)
    answers = read_answers(root, assignment, source, found.notes, max_chars)
    stubs, examples = released_stubs(root, assignment), example_answers(assignment)
    for cell in sorted(answers):
        found.pairs += similar_pairs(answers[cell], stubs.get(cell, ""), examples.get(cell, ()), threshold, cell,
                                     notes=found.notes, **caps)
        found.compared[cell] = min(len(answers[cell]), caps.get("max_students", MAX_STUDENTS))
    found.pairs.sort(key=lambda p: (-p.score, -p.tokens, p.cell, p.a, p.b))
    return found


def _highlight(text, spans):
    """`text` escaped for HTML, its shared `spans` in <mark>."""
    out, at = [], 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        out += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def html_section(findings, max_pairs=MAX_PAIRS_SHOWN):
    """One assignment's "Similar answers" as an HTML fragment (an h3, a paragraph, a table); every
    student-made string (ids, answers, notes) escaped. Each pair's two answers are in a <details>, the code
    both share marked."""
    f = findings
    pre = "<pre style='white-space:pre-wrap;overflow-wrap:anywhere;max-height:30em;overflow:auto'>"
    parts = ["<h3>Similar answers</h3>",
             f"<p>Pairs of answer cells at least {f.threshold:.0%} alike once names, comments and layout are set "
             "aside (the released stub and the course's examples left out; copydetect). A pair is a reason to "
             "read both answers, not a finding of copying; no grade depends on it.</p>"]
    if f.notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in f.notes) + "</ul>")
    if not f.pairs:
        counts = ", ".join(f"{html.escape(c)}: {n}" for c, n in sorted(f.compared.items()))
        parts.append(f"<p>No pair found (answers read per cell: {counts or 'none'}).</p>")
        return "\n".join(parts)
    parts.append("<table><tr><th>cell</th><th>students</th><th>alike</th><th>shared</th><th>answers</th></tr>")
    for p in f.pairs[:max_pairs]:
        a, b = html.escape(p.a), html.escape(p.b)
        parts.append(f"<tr><td>{html.escape(p.cell)}</td><td>{a}<br>{b}</td>"
                     f"<td class=n>{p.share_a:.0%} of {a}'s<br>{p.share_b:.0%} of {b}'s</td>"
                     f"<td class=n>{p.tokens}</td><td><details><summary>both answers</summary>"
                     f"<p>{a}</p>{pre}{_highlight(p.text_a, p.spans_a)}</pre>"
                     f"<p>{b}</p>{pre}{_highlight(p.text_b, p.spans_b)}</pre></details></td></tr>")
    parts.append("</table>")
    if len(f.pairs) > max_pairs:
        parts.append(f"<p>{len(f.pairs) - max_pairs} more pair(s) in similar-answers.csv.</p>")
    return "\n".join(parts)


CSV_HEADER = ["assignment", "cell", "student_a", "student_b", "score", "share_a", "share_b", "shared_tokens"]


def write_csv(findings_list, path):
    """similar-answers.csv: one row per pair of every Findings in `findings_list`, through spreadsheet.writer
    (a student id that starts like a formula is written as text)."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        w = spreadsheet.writer(out)
        w.writerow(CSV_HEADER)
        for f in findings_list:
            for p in f.pairs:
                w.writerow([f.assignment, p.cell, p.a, p.b, p.score, p.share_a, p.share_b, p.tokens])
    return Path(path)
