"""Runs in the report command's process (`python -m autograder report`), or the grade command's: the class report.

`python -m autograder report [ASSIGNMENT ...]`: the class report, after grading. Written to class-report/
at the course root, beside grades.csv (`python -m autograder grade` writes it after every run):

- index.html: first the term, a table of every student and every notebook in the gradebook (the score
  after nbgrader's late penalty, `late` when handed in after the due date, `not graded`, `—` not
  submitted) with each notebook's class mean, so the class's progress reads across a row; then per
  notebook: the score distribution (a PNG histogram), a table per test cell (mean, full and zero counts),
  the misconceptions (one row per hint the checks gave: the cells it showed in, how many students got it,
  their share of the graded class, and who; the judge records a hint in the failed test cell's metadata,
  `conv1d.hint`, never read out of a message, which the student's code can write), who did not submit,
  who could not be graded and why, what the judge flagged (one row per student and rule, with its
  cells), the submissions a time limit or a crash stopped, and late work. The misconceptions are what to
  reteach: a hint names a classic mistake (a forgotten padding side, a batch axis, floor vs ceil).
- scores.csv: assignment, student, score (after the late penalty), max_score, status (graded / not
  graded / not submitted), seconds_late, late_submission_penalty, stopped (cells), flags (rules),
  reason (why not graded), for every student and notebook in the gradebook.
- term.csv: student and one score column per notebook (empty when not graded or not submitted).
- cells.csv: assignment, cell, max_score, graded, mean, full, zero.
- misconceptions.csv: assignment, cells (space-separated), hint, students (count), graded (the
  notebook's graded students), share (students / graded), who (space-separated ids).
Every CSV goes through autograder/classroom/spreadsheet.py: a text cell that starts like a formula
(a student id, a hint) is written as text. In index.html every text is escaped.

Scores, due dates, extensions and late penalties come from nbgrader's gradebook (manual grades and extra
credit included); hints, flags (metadata conv1d.flags) and stopped cells from the autograded notebooks
(written by nbgrader only; read as JSON, at most MAX_NOTEBOOK bytes, every value type-checked). Why a
submission could not be graded: the grade command's reason (its `not graded` row in flags.csv), else what
the submitted folder shows (refused by the intake check, no notebook named like the assignment's).
Submissions that could not be graded are counted apart, never as zeros.

One bad item never stops the report: a gradebook row that cannot be read or holds odd values (a
score that is not a number) leaves that student out of that notebook's numbers; an autograded
notebook that cannot be read, is over the size limit or is not a notebook's JSON leaves that
student's hints, flags and stopped cells out. Each is named on stderr in one line with its reason
(student-made text made printable), the report is written with everything else, and the exit code is 1
(0 when nothing was left out; 2 for a usage error).
"""
import argparse
import csv
import html
import math
import os
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from ..limits import MAX_NOTEBOOK
from ..preprocessors.cells import answer_process_ended, kernel_died_earlier
from ..sandbox import intake
from ..text import printable
from . import similarity, spreadsheet
from .courseroot import course_db_url
from .export import is_graded, reason

MAX_HINT = 500                  # characters of a hint (a longer one is cut, not refused)
MAX_FLAG = 500                  # characters of a flag, and at most MAX_FLAGS of them per notebook
MAX_FLAGS = 200
SHORT_ID = 16                   # an id up to this long never breaks in index.html; a longer one after its _ . - @ +
LONG_ID = 24                    # an id part longer than this may break anywhere in index.html
# What stopped a cell: an error output's name (and, for some, a word of its message), as the grade command
# counts them (gradingprocess.outcome)
STOPPED = {"CellTimeoutError": "time limit", "KernelDied": "the process ended"}
# A judge's flag says where: "answer cell 2, line 7: imports ctypes" (judge.answer_flags) or
# "test_values: grading sandbox: ..." (what the answer's process tried while that test cell ran)
ANSWER_PLACE = re.compile(r"(answer cell \d+, line (?:\d+|\?)): (.+)", re.S)
CELL_PLACE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]{0,99}): (.+)", re.S)


# ----------------------------------------------------------------------------- an autograded notebook
class Findings:
    """What the judge left in one autograded notebook: hints {test cell: hint}, flags [str] (as the
    judge wrote them), stopped [(cell, what)] (a time limit, the process ended)."""

    def __init__(self):
        self.hints, self.flags, self.stopped = {}, [], []


def findings(path, test_cells=None):
    """The Findings of one autograded notebook. `test_cells`: the grade ids to take hints from (default:
    any graded cell that is not an answer). Raises intake.Rejected (not a regular file, over
    MAX_NOTEBOOK), OSError, or ValueError (not UTF-8, not JSON, not a notebook)."""
    nb = intake.read_notebook(path, MAX_NOTEBOOK)
    cells = nb["cells"]
    found = Findings()
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    ours = meta.get("conv1d") if isinstance(meta.get("conv1d"), dict) else {}
    flags = ours.get("flags") if isinstance(ours.get("flags"), list) else []
    found.flags = [cut(" ".join(f.split()), MAX_FLAG) for f in flags[:MAX_FLAGS] if isinstance(f, str) and f.strip()]
    for number, cell in enumerate(cells, 1):
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        grading = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        ours = meta.get("conv1d") if isinstance(meta.get("conv1d"), dict) else {}
        gid, hint = grading.get("grade_id"), ours.get("hint")
        what = stopped_by(cell.get("outputs") if isinstance(cell, dict) else None)
        if what:
            found.stopped.append((gid if isinstance(gid, str) and gid else f"cell {number}", what))
        if not (isinstance(gid, str) and isinstance(hint, str) and grading.get("grade") is True
                and not grading.get("solution")):
            continue
        if test_cells is not None and gid not in test_cells:
            continue
        hint = " ".join(hint.split())
        if hint:
            found.hints.setdefault(gid, cut(hint, MAX_HINT))
    return found


def hints_of(path, test_cells=None):
    """{test cell grade_id: hint} from one autograded notebook: the judge's hint of each graded test
    cell (metadata conv1d.hint, a str; one line, at most MAX_HINT characters). `test_cells`: the grade
    ids to look at (default: any graded cell that is not an answer). Raises as findings() does."""
    return findings(path, test_cells).hints


def cut(text, most):
    return text if len(text) <= most else text[:most - 1] + "…"


def stopped_by(outputs):
    """What stopped a cell, read from its error outputs ("time limit", "the process ended"), or ""."""
    for out in outputs if isinstance(outputs, list) else []:
        if not isinstance(out, dict) or out.get("output_type") != "error":
            continue
        name, value = out.get("ename"), out.get("evalue") if isinstance(out.get("evalue"), str) else ""
        if name in STOPPED:
            return STOPPED[name]
        if kernel_died_earlier(name, value) or answer_process_ended(name, value):
            return "the process ended"
    return ""


def flag_rules(flags):
    """[(rule, [places])]: the judge's flags of one notebook, one entry per rule in the order first seen,
    with the cells it was raised in (test cells by grade id, `answer cell N, line L`); a rule raised while
    every test cell ran is one entry naming them all."""
    rules = {}
    for flag in flags:
        m = ANSWER_PLACE.fullmatch(flag) or CELL_PLACE.fullmatch(flag)
        place, rule = (m.group(1), m.group(2)) if m else ("", flag)
        places = rules.setdefault(rule, [])
        if place and place not in places:
            places.append(place)
    return list(rules.items())


def number(value, what):
    """`value` as a float when it is a finite number (not a bool); ValueError naming `what` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} is {value!r}, not a number")
    return float(value)


# ----------------------------------------------------------------------------- the numbers
def collect(root, assignments, db_url, problems=None, detailed=None):
    """The report's numbers: {assignment: entry} for every assignment of `assignments` the gradebook has,
    each entry {"max": its max score, "students": {id: (score or None, max, status)}, "cells": {cell:
    {"max": m, "scores": {id: score}}}, "hints": {(cell, hint): [ids]}, "reasons": {id: why not graded},
    "late": {id: (seconds late, penalty)}, "flags": {id: [(rule, [cells])]}, "stopped": {id: [(cell,
    what)]}}. Every student of the gradebook (and anyone with a folder in submitted/) has a status:
    graded, not graded, not submitted; a score is nbgrader's minus its late penalty, as grades.csv has it.
    Hints, flags and stopped cells are read for the assignments in `detailed` (default: all). What is left
    out (a gradebook row that cannot be read or is odd, an autograded notebook that cannot be read) is
    appended to `problems` as one printable line each, and printed on stderr."""
    from nbgrader.api import Gradebook, MissingEntry
    root = Path(root)
    problems = [] if problems is None else problems
    detailed = set(assignments if detailed is None else detailed)
    recorded = recorded_reasons(root)

    def problem(line):
        problems.append(printable(line))
        print(f"report: {problems[-1]}", file=sys.stderr)
    data = {}
    with Gradebook(db_url) as gb:
        roster = sorted({s.id for s in gb.students} | handed_in(root))
        for a in assignments:
            try:
                best = number(gb.find_assignment(a).max_score or 0.0, f"{a}'s max_score")
            except MissingEntry:
                problem(f"left out {a}: it is not in the gradebook (python -m autograder gradebook {a})")
                continue
            except Exception as e:
                gb.db.rollback()
                problem(f"left out {a}: its gradebook row cannot be read: {reason(e)}")
                continue
            entry = data[a] = {"max": best, "students": {}, "cells": {}, "hints": defaultdict(list), "reasons": {},
                               "late": {}, "flags": {}, "stopped": {}}
            for student in roster:
                try:
                    sub = gb.find_submission(a, student)
                except MissingEntry:
                    folder = root / "submitted" / student / a
                    if folder.is_dir():
                        entry["students"][student] = (None, best, "not graded")
                        entry["reasons"][student] = why_not_graded(root, a, student, recorded, in_gradebook=False)
                    else:
                        entry["students"][student] = (None, best, "not submitted")
                    continue
                except Exception as e:      # a row SQLAlchemy cannot load (a date that is not one, ...)
                    gb.db.rollback()
                    problem(f"left out {a}/{student}: its gradebook row cannot be read: {reason(e)}")
                    continue
                try:
                    row, cells, names = read_submission(root, a, student, sub)
                    seconds = number(sub.total_seconds_late or 0, "seconds late")
                    penalty = number(sub.late_submission_penalty or 0.0, "late_submission_penalty")
                except Exception as e:
                    gb.db.rollback()
                    problem(f"left out {a}/{student}: {reason(e)}")
                    continue
                if row[2] == "graded":
                    row = (max(0.0, row[0] - penalty), row[1], row[2])
                    entry["late"][student] = (seconds, penalty)
                else:
                    entry["reasons"][student] = why_not_graded(root, a, student, recorded, in_gradebook=True)
                entry["students"][student] = row
                for cell, (top, score) in cells.items():
                    entry["cells"].setdefault(cell, {"max": top, "scores": {}})["scores"][student] = score
                if a not in detailed:
                    continue
                for name, test_cells in names:
                    path = root / "autograded" / student / a / f"{name}.ipynb"
                    try:
                        found = findings(path, test_cells)
                    except (OSError, intake.Rejected, ValueError, RecursionError) as e:
                        problem(f"hints of {a}/{student}/{name}.ipynb left out: {reason(e)}")
                        continue
                    for cell, hint in found.hints.items():
                        entry["hints"][cell, hint].append(student)
                    if found.flags:
                        entry["flags"].setdefault(student, []).extend(flag_rules(found.flags))
                    if found.stopped:
                        entry["stopped"].setdefault(student, []).extend(found.stopped)
    return data


def read_submission(root, assignment, student, sub):
    """((score, max, status), {cell: (max, score)}, [(notebook name, its test cell names)]) of one
    submission, every number checked (ValueError names the odd one)."""
    folder = Path(root) / "autograded" / student / assignment
    graded = is_graded(folder, sub.notebooks)
    best = number(sub.max_score, "max_score")
    row = (number(sub.score, "score") if graded else None, best, "graded" if graded else "not graded")
    cells, names = {}, []
    if not graded:
        return row, cells, names
    for nb in sub.notebooks:
        tests = set()
        for g in nb.grades:
            top = number(g.max_score or 0.0, f"{g.name}'s max_score")
            # a cell worth points, or a bonus cell (ExtraCredit records its extra credit, 0 when not earned, for
            # every student); nbgrader's score already holds the extra credit
            if top or g.extra_credit is not None:
                cells[g.name] = (top, number(g.score or 0.0, f"{g.name}'s score"))
                tests.add(g.name)
        names.append((nb.name, tests))
    return row, cells, names


def handed_in(root):
    """Student ids with a folder in submitted/ (a submission nbgrader may not know yet)."""
    base = Path(root) / "submitted"
    try:
        return {p.name for p in base.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")}
    except OSError:
        return set()


def recorded_reasons(root):
    """{(assignment, student): why not graded} from the grade command's `not graded` rows in flags.csv
    (grade.write_flags; the ids as that file holds them, spreadsheet.cell())."""
    try:
        with open(Path(root) / "flags.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))[1:]
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return {(row[0], row[1]): as_text(row[2]) for row in rows if len(row) == 4 and as_text(row[2]).startswith(
        "not graded")}


def as_text(cell):
    """A CSV cell as spreadsheet.cell() wrote it, back to its text (the leading `'` of a formula-like one
    dropped)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(spreadsheet.FORMULA_START) else cell


def written(value):
    """A value as flags.csv holds it (printable, then spreadsheet.cell())."""
    return spreadsheet.cell(printable(value))


def why_not_graded(root, assignment, student, recorded, in_gradebook):
    """Why a submission has no grade, in one line: the grade command's reason when it recorded one, else
    what its folder in submitted/ shows."""
    said = recorded.get((written(assignment), written(student)))
    if said:
        return said
    folder = Path(root) / "submitted" / student / assignment
    if not folder.is_dir():
        return "in the gradebook, but nothing of it is in submitted/ or autograded/"
    try:
        intake.check_folder(folder)
        names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".ipynb"))
    except (intake.Rejected, OSError) as e:
        return f"not graded: submission refused: {e}"
    want = f"{assignment}.ipynb"
    if want not in names:
        like = [n for n in names if intake.named_like(n, assignment)]
        if len(like) > 1:
            return f"not graded: several notebooks could be {want}: {', '.join(like)}"
        if like:
            return f"not graded: its notebook is {like[0]} (python -m autograder grade grades it as {want})"
        return f"not graded: no notebook named like {want}" + (f" (found {', '.join(names)})" if names else "")
    if in_gradebook:
        return ("not graded: nbgrader has no autograded notebook of it (its grading failed: the grade command's "
                "summary or nbgrader autograde's log says why)")
    return "not graded yet: handed in, not in the gradebook (python -m autograder grade grades it)"


# ----------------------------------------------------------------------------- the files
def number_cell(x):
    """A number as the CSV writes it: an int when it is one (5, not 5.0), else the float."""
    return int(x) if float(x).is_integer() else x


def write(data, out, problems=(), detailed=None, similar=None):
    """The CSV files, PNG plots and index.html into folder `out`; returns the index path. `detailed`: the
    assignments of `data` that get a section of their own (default: all); the term table has them all.
    `similar`: {assignment: similarity.Findings}, shown at the end of each section and in similar-answers.csv."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    detailed = [a for a in data if detailed is None or a in detailed]
    with open(out / "scores.csv", "w", newline="") as f:
        w = spreadsheet.writer(f)
        w.writerow(["assignment", "student", "score", "max_score", "status", "seconds_late", "late_submission_penalty",
                    "stopped", "flags", "reason"])
        for a, d in data.items():
            for s, (score, best, status) in sorted(d["students"].items()):
                seconds, penalty = d.get("late", {}).get(s, ("", ""))
                graded = status == "graded"
                w.writerow([a, s, number_cell(score) if graded else "", number_cell(best), status,
                            round(seconds) if graded and seconds != "" else (0 if graded else ""),
                            number_cell(penalty) if graded and penalty != "" else (0 if graded else ""),
                            " ".join(dict.fromkeys(c for c, _ in d.get("stopped", {}).get(s, []))),
                            len(d.get("flags", {}).get(s, [])) if graded else "",
                            d.get("reasons", {}).get(s, "")])
    students = sorted({s for d in data.values() for s in d["students"]})
    with open(out / "term.csv", "w", newline="") as f:
        w = spreadsheet.writer(f)
        w.writerow(["student", *data])
        for s in students:
            w.writerow([s, *(number_cell(d["students"][s][0]) if d["students"].get(s, (0, 0, ""))[2] == "graded"
                             else "" for d in data.values())])
    with open(out / "cells.csv", "w", newline="") as f:
        w = spreadsheet.writer(f)
        w.writerow(["assignment", "cell", "max_score", "graded", "mean", "full", "zero"])
        for a in detailed:
            for cell, row in cell_rows(data[a]):
                w.writerow([a, cell, *row])
    with open(out / "misconceptions.csv", "w", newline="") as f:
        w = spreadsheet.writer(f)
        w.writerow(["assignment", "cells", "hint", "students", "graded", "share", "who"])
        for a in detailed:
            graded = count(data[a], "graded")
            for hint, cells, who in misconceptions(data[a]):
                share = number_cell(round(len(who) / graded, 3)) if graded else ""
                w.writerow([a, " ".join(cells), hint, len(who), graded, share, " ".join(who)])
    parts = ["<!doctype html><html lang=en><meta charset='utf-8'><title>Class report</title>",
             f"<style>{STYLE}</style><h1>Class report</h1>"]
    if problems:
        parts.append("<h2>Left out of this report</h2><ul>"
                     + "".join(f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>")
    parts += term_table(data, students)
    similar = similar or {}
    for a in detailed:
        parts += section(a, data[a], out)
        if a in similar:
            parts.append(similarity.html_section(similar[a]))
    similarity.write_csv([similar[a] for a in detailed if a in similar], out / "similar-answers.csv")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index


# Columns wide enough for their longest word: words never break (a long id breaks after its _ . - @ + only,
# and anywhere only when a part of it is longer than LONG_ID characters: ident()); a table wider than the
# page scrolls sideways instead of squeezing its columns.
STYLE = ("body{font-family:sans-serif;max-width:72em;margin:auto;padding:0 1em}"
         ".wide{overflow-x:auto;margin:.5em 0}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;text-align:left;"
         "word-break:normal;overflow-wrap:normal;hyphens:manual}"
         "th{background:#f4f4f4}.n{text-align:right;white-space:nowrap}.long{overflow-wrap:anywhere;min-width:8em}"
         "td.text{min-width:16em}td.who{min-width:10em}tr.sum td,tr.sum th{border-top:2px solid #888}"
         ".late{color:#a33;font-size:.85em}.none{color:#777}")


def ident(text):
    """An id (student, notebook, cell) as HTML: escaped; one longer than SHORT_ID characters breakable after
    each _ . - @ + only, and a part of it longer than LONG_ID characters anywhere (class long)."""
    text = str(text)
    parts = [p for p in re.split(r"(?<=[_.\-@+/])", text) if p] if len(text) > SHORT_ID else [text]
    inner = "<wbr>".join(html.escape(p) for p in parts)
    longest = max((len(w) for p in parts for w in p.split()), default=0)
    return f"<span class=long>{inner}</span>" if longest > LONG_ID else inner


def ids(names):
    return ", ".join(ident(n) for n in names)


def count(d, status):
    return sum(v[2] == status for v in d["students"].values())


def table(head, rows):
    """An HTML table in a sideways-scrolling box: `head` [(title, class)], rows of (html, class) cells."""
    th = "".join(f"<th class={cls}>{title}</th>" if cls else f"<th>{title}</th>" for title, cls in head)
    body = "".join("<tr>" + "".join(f"<td class={cls}>{x}</td>" if cls else f"<td>{x}</td>" for x, cls in row)
                   + "</tr>" for row in rows)
    return f"<div class=wide><table><tr>{th}</tr>{body}</table></div>"


def late_by(seconds):
    """Seconds as the largest two units: '2 d 3 h', '3 h 5 min', '12 min', '40 s'."""
    seconds = int(round(seconds))
    units = [("d", 86400), ("h", 3600), ("min", 60), ("s", 1)]
    said = []
    for name, size in units:
        if seconds >= size or (not said and size == 1):
            said.append(f"{seconds // size} {name}")
            seconds %= size
        if len(said) == 2 or (said and not seconds):
            break
    return " ".join(said)


def score_text(score, best):
    return f"{score:g} of {best:g}"


def term_table(data, students):
    """The term: a row per student, a column per notebook (every one in the gradebook), each notebook's
    class mean below."""
    if not data:
        return ["<h2 id=term>The term</h2><p>The gradebook has no notebook.</p>"]
    parts = ["<h2 id=term>The term: score per student and notebook</h2>",
             "<p>The score after nbgrader's late penalty; <span class=late>late</span>: handed in after the due "
             "date (and any extension); <i>not graded</i>: handed in, no grade (below, why); —: not submitted. "
             "The class mean counts the graded submissions only.</p>",
             "<div class=wide><table class=term><tr><th>student</th>"
             + "".join(f"<th class=n>{ident(a)}<br>of {d['max']:g}</th>" if "max" in d else f"<th>{ident(a)}</th>"
                       for a, d in data.items()) + "</tr>"]
    for s in students:
        cells = []
        for d in data.values():
            score, _, status = d["students"].get(s, (None, 0, "not submitted"))
            if status == "graded":
                late = d.get("late", {}).get(s, (0, 0))[0]
                cells.append(f"<td class=n>{score:g}" + (" <span class=late>late</span>" if late else "") + "</td>")
            elif status == "not graded":
                cells.append("<td class=n><i>not graded</i></td>")
            else:
                cells.append("<td class='n none'>—</td>")
        parts.append(f"<tr><td>{ident(s)}</td>{''.join(cells)}</tr>")
    means, counts = [], []
    for d in data.values():
        values = [v[0] for v in d["students"].values() if v[2] == "graded"]
        best = d.get("max") or max((v[1] for v in d["students"].values()), default=0)
        means.append(f"<td class=n>{statistics.mean(values):.2f}" + (f" ({statistics.mean(values) / best:.0%})"
                                                                      if best else "") + "</td>"
                     if values else "<td class='n none'>—</td>")
        counts.append(f"<td class=n>{len(values)} / {len(values) + count(d, 'not graded')}</td>")
    parts.append(f"<tr class=sum><th>class mean</th>{''.join(means)}</tr>"
                 f"<tr><th>graded / handed in</th>{''.join(counts)}</tr></table></div>")
    return parts


def section(a, d, out):
    """One notebook's part of index.html."""
    graded = {s: v for s, v in d["students"].items() if v[2] == "graded"}
    values = [v[0] for v in graded.values()]
    best = max((v[1] for v in graded.values()), default=d.get("max", 0))
    absent = sorted(s for s, v in d["students"].items() if v[2] == "not submitted")
    failed = sorted(s for s, v in d["students"].items() if v[2] == "not graded")
    parts = [f"<h2 id='{html.escape(a, quote=True)}'>{ident(a)}</h2><p>{len(graded)} graded"
             + (f", {len(failed)} could not be graded (left out of the numbers)" if failed else "")
             + (f", {len(absent)} did not submit" if absent else "")
             + (f"; score out of {best:g}: mean {statistics.mean(values):.2f}, median "
                f"{statistics.median(values):g}" if values else "") + "</p>"]
    if values:
        png = f"scores-{a}.png"
        histogram(values, best, out / png, a)
        parts.append(f"<img src='{html.escape(png, quote=True)}' alt='score distribution of "
                     f"{html.escape(a, quote=True)}' width='480'>")
    parts.append("<h3>Test cells</h3>" + table(
        [("cell", ""), ("points", "n"), ("graded", "n"), ("mean", "n"), ("full", "n"), ("zero", "n")],
        [[(ident(cell), ""), (f"{top:g}", "n"), (n, "n"), ("" if mean == "" else f"{mean:.2f}", "n"), (full, "n"),
          (zero, "n")] for cell, (top, n, mean, full, zero) in cell_rows(d)]))
    parts.append("<h3>Misconceptions: the hints the class got</h3>")
    rows = misconceptions(d)
    if not rows:
        parts.append("<p class=none>No hint was given.</p>")
    else:
        parts.append(table(
            [("hint", ""), ("cells", ""), ("students", "n"), ("share of the graded", "n"), ("who", "")],
            [[(html.escape(hint), "text"), (ids(cells), ""), (len(who), "n"),
              (f"{len(who) / len(graded):.0%} ({len(who)} of {len(graded)})" if graded else "", "n"),
              (ids(who), "who")] for hint, cells, who in rows]))
    parts.append(f"<h3>Did not submit ({len(absent)})</h3>"
                 + (f"<p>{ids(absent)}</p>" if absent else "<p class=none>Everyone submitted.</p>"))
    parts.append(f"<h3>Could not be graded ({len(failed)})</h3>")
    parts.append(table([("student", ""), ("why", "")],
                       [[(ident(s), ""), (html.escape(d.get("reasons", {}).get(s, "not graded")), "text")]
                        for s in failed]) if failed else "<p class=none>None.</p>")
    flagged = sorted(d.get("flags", {}).items())
    parts.append(f"<h3>Flagged for review ({len(flagged)})</h3>")
    parts.append(table([("student", ""), ("score", "n"), ("what the judge flagged", ""), ("cells", "")],
                       [[(ident(s), ""), (score_text(*d["students"][s][:2]), "n"), (html.escape(rule), "text"),
                         (html.escape("; ".join(cells)), "")] for s, rules in flagged for rule, cells in rules])
                 if flagged else "<p class=none>Nothing was flagged.</p>")
    stopped = sorted(d.get("stopped", {}).items())
    parts.append(f"<h3>Stopped by a time limit or a crash ({len(stopped)})</h3>")
    parts.append(table([("student", ""), ("score", "n"), ("cells", ""), ("what", "")],
                       [[(ident(s), ""), (score_text(*d["students"][s][:2]), "n"), (ids(c for c, _ in cells), ""),
                         (html.escape(", ".join(dict.fromkeys(w for _, w in cells))), "")] for s, cells in stopped])
                 if stopped else "<p class=none>None.</p>")
    late = sorted((s, v) for s, v in d.get("late", {}).items() if v[0] > 0)
    parts.append(f"<h3>Late ({len(late)})</h3>")
    parts.append(table([("student", ""), ("score", "n"), ("late by", "n"), ("penalty", "n")],
                       [[(ident(s), ""), (score_text(*d["students"][s][:2]), "n"), (late_by(seconds), "n"),
                         (f"{penalty:g}", "n")] for s, (seconds, penalty) in late])
                 if late else "<p class=none>None.</p>")
    return parts


def cell_rows(d):
    """[(cell, (max, graded, mean, full, zero))] for one assignment, in the gradebook's cell order; the
    numbers as numbers (mean rounded to 2 places, "" when nobody was graded)."""
    rows = []
    for cell, info in d["cells"].items():
        scores = list(info["scores"].values())
        best = info["max"]
        rows.append((cell, (number_cell(best), len(scores), round(statistics.mean(scores), 2) if scores else "",
                            sum(s >= best for s in scores) if best else sum(s > 0 for s in scores),
                            sum(s == 0 for s in scores))))
    return rows


def misconceptions(d):
    """[(hint, cells, students)]: one row per hint, the cells it showed in (the gradebook's order) and
    everyone who got it in any of them (sorted); most students first."""
    order = {cell: i for i, cell in enumerate(d["cells"])}
    by_hint = {}
    for (cell, hint), who in d["hints"].items():
        cells, students = by_hint.setdefault(hint, (set(), set()))
        cells.add(cell)
        students.update(who)
    rows = [(hint, sorted(cells, key=lambda c: (order.get(c, len(order)), c)), sorted(students))
            for hint, (cells, students) in by_hint.items()]
    return sorted(rows, key=lambda r: (-len(r[2]), r[0]))


def histogram(values, best, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3), dpi=80)
    bins = [x - 0.5 for x in range(int(best) + 2)] if best and float(best).is_integer() and best <= 200 else 10
    ax.hist(values, bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


# ----------------------------------------------------------------------------- the command
def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m autograder report", description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                    help="the notebooks that get a section (default: every one in the gradebook with submissions); "
                         "the term table has every notebook of the gradebook")
    ap.add_argument("--root", default=".", help="the course root (default: here)")
    ap.add_argument("--db-url", default=None, help="nbgrader's gradebook URL (default: the course's)")
    ap.add_argument("--out", default=None, help="folder (default: class-report/ at the course root)")
    args = ap.parse_args(argv)
    problems = []
    index = report(args.root, args.assignments, args.db_url, args.out, problems)
    print(f"class report: {index}" + (f" ({len(problems)} item(s) left out, listed above)" if problems else ""))
    return 1 if problems else 0


def report(root=".", assignments=None, db_url=None, out=None, problems=None):
    """Collect and write the report; returns the index.html path. `assignments`: the notebooks that get a
    section (default: every one with submissions); the term table has every notebook of the gradebook.
    `problems`: a list that gets one line per item left out (each also printed on stderr)."""
    from nbgrader.api import Gradebook
    root = Path(root).resolve()
    db_url = db_url or course_db_url(root)
    problems = [] if problems is None else problems
    with Gradebook(db_url) as gb:
        term = [a.name for a in gb.assignments]         # by due date, then name
        if not assignments:         # every assignment that has submissions
            assignments = [a.name for a in gb.assignments if a.num_submissions]
    data = collect(root, term + [a for a in assignments if a not in term], db_url, problems, detailed=assignments)
    similar = {}
    for a in assignments or data:
        try:
            similar[a] = similarity.find(root, a)
        except Exception as e:        # one notebook's similarity view never stops the report
            problems.append(f"{a}: similar answers not computed ({type(e).__name__}: {e})")
    return write(data, out or root / "class-report", problems, detailed=assignments, similar=similar)


if __name__ == "__main__":
    sys.exit(main())
