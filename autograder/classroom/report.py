"""Runs in the report command's process (`python -m autograder report`), or the grade command's: the class report.

`python -m autograder report [ASSIGNMENT ...]`: the class report, after grading. Written to class-report/
at the course root, beside grades.csv (`python -m autograder grade` writes it after every run):

- index.html: per notebook the score distribution (a PNG histogram), a table per test cell (mean,
  full and zero counts), and the misconceptions table: each hint the checks gave (the judge records it
  in the failed test cell's metadata, `conv1d.hint`; never read out of a message, which the student's
  code can write), how many students got it and who. That table is what to reteach: a hint names a
  classic mistake (a forgotten padding side, a batch axis, floor vs ceil).
- scores.csv: assignment, student, score, max_score, status (graded / not graded).
- cells.csv: assignment, cell, max_score, graded, mean, full, zero.
- misconceptions.csv: assignment, cell, hint, students (count), who (space-separated ids).
Every CSV goes through autograder/classroom/spreadsheet.py: a text cell that starts like a formula
(a student id, a hint) is written as text.

Scores come from nbgrader's gradebook (manual grades and extra credit included); hints from the
autograded notebooks (written by nbgrader only; read as JSON, at most MAX_NOTEBOOK bytes, every value
type-checked). Submissions that could not be graded are counted apart, never as zeros.

One bad item never stops the report: a gradebook row that cannot be read or holds odd values (a
score that is not a number) leaves that student out of that notebook's numbers; an autograded
notebook that cannot be read, is over the size limit or is not a notebook's JSON leaves that
student's hints out. Each is named on stderr in one line with its reason (student-made text made
printable), the report is written with everything else, and the exit code is 1 (0 when nothing was
left out; 2 for a usage error).
"""
import argparse
import html
import json
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from ..limits import MAX_NOTEBOOK
from ..sandbox import intake
from ..text import printable
from . import spreadsheet
from .courseroot import course_db_url
from .export import is_graded, reason

MAX_HINT = 500                  # characters of a hint (a longer one is cut, not refused)


def hints_of(path, test_cells=None):
    """{test cell grade_id: hint} from one autograded notebook: the judge's hint of each graded test
    cell (metadata conv1d.hint, a str; one line, at most MAX_HINT characters). `test_cells`: the grade
    ids to look at (default: any graded cell that is not an answer). Raises intake.Rejected (not a
    regular file, over MAX_NOTEBOOK), OSError, or ValueError (not UTF-8, not JSON, not a notebook)."""
    nb = json.loads(intake.read_file(path, MAX_NOTEBOOK).decode("utf-8"))
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook (no list of cells)")
    found = {}
    for cell in cells:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        grading = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        ours = meta.get("conv1d") if isinstance(meta.get("conv1d"), dict) else {}
        gid, hint = grading.get("grade_id"), ours.get("hint")
        if not (isinstance(gid, str) and isinstance(hint, str) and grading.get("grade") is True
                and not grading.get("solution")):
            continue
        if test_cells is not None and gid not in test_cells:
            continue
        hint = " ".join(hint.split())
        if hint:
            found.setdefault(gid, hint if len(hint) <= MAX_HINT else hint[:MAX_HINT - 1] + "…")
    return found


def number(value, what):
    """`value` as a float when it is a finite number (not a bool); ValueError naming `what` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} is {value!r}, not a number")
    return float(value)


def collect(root, assignments, db_url, problems=None):
    """The report's numbers: {assignment: {"students": {id: (score, max, status)}, "cells": {cell:
    {"max": m, "scores": {id: score}}}, "hints": {(cell, hint): [ids]}}}. What is left out (a gradebook
    row that cannot be read or is odd, an autograded notebook that cannot be read) is appended to
    `problems` as one printable line each, and printed on stderr."""
    from nbgrader.api import Gradebook, MissingEntry
    root = Path(root)
    problems = [] if problems is None else problems

    def problem(line):
        problems.append(printable(line))
        print(f"report: {problems[-1]}", file=sys.stderr)
    data = {}
    with Gradebook(db_url) as gb:
        students = [s.id for s in gb.students]
        for a in assignments:
            entry = data[a] = {"students": {}, "cells": {}, "hints": defaultdict(list)}
            for student in students:
                try:
                    sub = gb.find_submission(a, student)
                except MissingEntry:
                    continue
                except Exception as e:      # a row SQLAlchemy cannot load (a date that is not one, ...)
                    gb.db.rollback()
                    problem(f"left out {a}/{student}: its gradebook row cannot be read: {reason(e)}")
                    continue
                try:
                    row, cells, names = read_submission(root, a, student, sub)
                except Exception as e:
                    gb.db.rollback()
                    problem(f"left out {a}/{student}: {reason(e)}")
                    continue
                entry["students"][student] = row
                for cell, (best, score) in cells.items():
                    entry["cells"].setdefault(cell, {"max": best, "scores": {}})["scores"][student] = score
                for name, test_cells in names:
                    path = root / "autograded" / student / a / f"{name}.ipynb"
                    try:
                        found = hints_of(path, test_cells)
                    except (OSError, intake.Rejected, ValueError, RecursionError) as e:
                        problem(f"hints of {a}/{student}/{name}.ipynb left out: {reason(e)}")
                        continue
                    for cell, hint in found.items():
                        entry["hints"][cell, hint].append(student)
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


def number_cell(x):
    """A number as the CSV writes it: an int when it is one (5, not 5.0), else the float."""
    return int(x) if float(x).is_integer() else x


def write(data, out, problems=()):
    """The CSV files, PNG plots and index.html into folder `out`; returns the index path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "scores.csv", "w", newline="") as f:
        w = spreadsheet.writer(f)
        w.writerow(["assignment", "student", "score", "max_score", "status"])
        for a, d in data.items():
            for s, (score, best, status) in sorted(d["students"].items()):
                w.writerow([a, s, number_cell(score) if status == "graded" else "", number_cell(best), status])
    with open(out / "cells.csv", "w", newline="") as f:
        w = spreadsheet.writer(f)
        w.writerow(["assignment", "cell", "max_score", "graded", "mean", "full", "zero"])
        for a, d in data.items():
            for cell, row in cell_rows(d):
                w.writerow([a, cell, *row])
    with open(out / "misconceptions.csv", "w", newline="") as f:
        w = spreadsheet.writer(f)
        w.writerow(["assignment", "cell", "hint", "students", "who"])
        for a, d in data.items():
            for (cell, hint), who in misconceptions(d):
                w.writerow([a, cell, hint, len(who), " ".join(sorted(who))])
    parts = ["<!doctype html><meta charset='utf-8'><title>Class report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top}td.n{text-align:right}"
             "td{overflow-wrap:anywhere}</style><h1>Class report</h1>"]
    if problems:
        parts.append("<h2>Left out of this report</h2><ul>"
                     + "".join(f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>")
    for a, d in data.items():
        graded = {s: v for s, v in d["students"].items() if v[2] == "graded"}
        values = [v[0] for v in graded.values()]
        best = max((v[1] for v in graded.values()), default=0)
        parts.append(f"<h2>{html.escape(a)}</h2><p>{len(graded)} graded"
                     + (f", {len(d['students']) - len(graded)} not graded (left out)"
                        if len(graded) < len(d["students"]) else "")
                     + (f"; score out of {best:g}: mean {statistics.mean(values):.2f}, median "
                        f"{statistics.median(values):g}" if values else "") + "</p>")
        if values:
            png = f"scores-{a}.png"
            histogram(values, best, out / png, a)
            parts.append(f"<img src='{html.escape(png)}' alt='score distribution of {html.escape(a)}' width='480'>")
        parts.append("<h3>Test cells</h3><table><tr><th>cell</th><th>points</th><th>graded</th><th>mean</th>"
                     "<th>full</th><th>zero</th></tr>")
        for cell, (best_cell, n, mean, full, zero) in cell_rows(d):
            parts.append(f"<tr><td>{html.escape(cell)}</td><td class=n>{best_cell:g}</td><td class=n>{n}</td>"
                         f"<td class=n>{'' if mean == '' else f'{mean:.2f}'}</td><td class=n>{full}</td>"
                         f"<td class=n>{zero}</td></tr>")
        parts.append("</table><h3>Misconceptions: the hints the class got</h3>")
        rows = misconceptions(d)
        if not rows:
            parts.append("<p>No hint was given.</p>")
        else:
            parts.append("<table><tr><th>students</th><th>cell</th><th>hint</th><th>who</th></tr>")
            for (cell, hint), who in rows:
                parts.append(f"<tr><td class=n>{len(who)}</td><td>{html.escape(cell)}</td><td>{html.escape(hint)}</td>"
                             f"<td>{html.escape(' '.join(sorted(who)))}</td></tr>")
            parts.append("</table>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index


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
    """[((cell, hint), students)], most common first."""
    return sorted(d["hints"].items(), key=lambda kv: (-len(kv[1]), kv[0]))


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


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m autograder report", description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                    help="default: every one in the gradebook with submissions")
    ap.add_argument("--root", default=".", help="the course root (default: here)")
    ap.add_argument("--db-url", default=None, help="nbgrader's gradebook URL (default: the course's)")
    ap.add_argument("--out", default=None, help="folder (default: class-report/ at the course root)")
    args = ap.parse_args(argv)
    problems = []
    index = report(args.root, args.assignments, args.db_url, args.out, problems)
    print(f"class report: {index}" + (f" ({len(problems)} item(s) left out, listed above)" if problems else ""))
    return 1 if problems else 0


def report(root=".", assignments=None, db_url=None, out=None, problems=None):
    """Collect and write the report; returns the index.html path. `problems`: a list that gets one line
    per item left out (each also printed on stderr)."""
    from nbgrader.api import Gradebook
    root = Path(root).resolve()
    db_url = db_url or course_db_url(root)
    problems = [] if problems is None else problems
    if not assignments:         # every assignment that has submissions
        with Gradebook(db_url) as gb:
            assignments = sorted(a.name for a in gb.assignments if a.num_submissions)
    data = collect(root, assignments, db_url, problems)
    return write(data, out or root / "class-report", problems)


if __name__ == "__main__":
    sys.exit(main())
