"""`python -m autograder report [ASSIGNMENT ...]`: the class report, after grading.

Written to class-report/ at the course root, beside grades.csv (`python -m autograder grade` writes
it after every run):

- index.html: per notebook the score distribution (a PNG histogram), a table per test cell (mean,
  full and zero counts), and the misconceptions table: each hint the checks gave (the "Hint: ..."
  line of a failed test cell's message), how many students got it and who. That table is what to
  reteach: a hint names a classic mistake (a forgotten padding side, a batch axis, floor vs ceil).
- scores.csv: assignment, student, score, max_score, status (graded / not graded).
- cells.csv: assignment, cell, max_score, graded, mean, full, zero.
- misconceptions.csv: assignment, cell, hint, students (count), who (space-separated ids).

Scores come from nbgrader's gradebook (manual grades and extra credit included); hints from the
autograded notebooks (written by nbgrader only; read with size limits). Submissions that could not
be graded are counted apart, never as zeros.
"""
import argparse
import csv
import html
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import nbformat

from ..sandbox import intake
from .export import is_graded

HINT = re.compile(r"^\s*Hint: (.+)$", re.M)
MAX_NOTEBOOK = 20 * 1024 ** 2


def hints_of(path):
    """{test cell grade_id: [hint, ...]} from one autograded notebook's error outputs."""
    nb = nbformat.reads(intake.read_file(path, MAX_NOTEBOOK).decode("utf-8", "replace"), as_version=4)
    found = {}
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for out in cell.get("outputs", []):
            if gid and out.get("output_type") == "error":
                found.setdefault(gid, []).extend(h.strip() for h in HINT.findall(str(out.get("evalue", ""))))
    return found


def collect(root, assignments, db_url):
    """The report's numbers: {assignment: {"students": {id: (score, max, status)}, "cells": {cell:
    {"max": m, "scores": {id: score}}}, "hints": {(cell, hint): [ids]}}}."""
    from nbgrader.api import Gradebook, MissingEntry
    root = Path(root)
    data = {}
    with Gradebook(db_url) as gb:
        for a in assignments:
            entry = data[a] = {"students": {}, "cells": {}, "hints": defaultdict(list)}
            try:
                subs = gb.assignment_submissions(a)
            except MissingEntry:
                continue
            for sub in subs:
                student = sub.student.id
                folder = root / "autograded" / student / a
                graded = is_graded(folder, sub.notebooks)
                entry["students"][student] = (sub.score, sub.max_score, "graded" if graded else "not graded")
                if not graded:
                    continue
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.max_score or g.extra_credit:
                            cell = entry["cells"].setdefault(g.name, {"max": g.max_score, "scores": {}})
                            cell["scores"][student] = (g.score or 0.0) + (g.extra_credit or 0.0)
                    try:
                        found = hints_of(folder / f"{nb.name}.ipynb")
                    except (OSError, intake.Rejected, ValueError):
                        found = {}
                    for cell, hints in found.items():
                        for hint in dict.fromkeys(hints):
                            entry["hints"][cell, hint].append(student)
    return data


def write(data, out):
    """The CSV files, PNG plots and index.html into folder `out`; returns the index path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "scores.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "student", "score", "max_score", "status"])
        for a, d in data.items():
            for s, (score, best, status) in sorted(d["students"].items()):
                w.writerow([a, s, f"{score:g}" if status == "graded" else "", f"{best:g}", status])
    with open(out / "cells.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "cell", "max_score", "graded", "mean", "full", "zero"])
        for a, d in data.items():
            for cell, row in cell_rows(d):
                w.writerow([a, cell, *row])
    with open(out / "misconceptions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "cell", "hint", "students", "who"])
        for a, d in data.items():
            for (cell, hint), who in misconceptions(d):
                w.writerow([a, cell, hint, len(who), " ".join(sorted(who))])
    parts = ["<!doctype html><meta charset='utf-8'><title>Class report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top}td.n{text-align:right}"
             "td{overflow-wrap:anywhere}</style><h1>Class report</h1>"]
    for a, d in data.items():
        graded = {s: v for s, v in d["students"].items() if v[2] == "graded"}
        values = [v[0] for v in graded.values()]
        best = max((v[1] for v in graded.values()), default=0)
        parts.append(f"<h2>{html.escape(a)}</h2><p>{len(graded)} graded"
                     + (f", {len(d['students']) - len(graded)} not graded (left out)" if len(graded) < len(d["students"]) else "")
                     + (f"; score out of {best:g}: mean {statistics.mean(values):.2f}, median "
                        f"{statistics.median(values):g}" if values else "") + "</p>")
        if values:
            png = f"scores-{a}.png"
            histogram(values, best, out / png, a)
            parts.append(f"<img src='{html.escape(png)}' alt='score distribution of {html.escape(a)}' width='480'>")
        parts.append("<h3>Test cells</h3><table><tr><th>cell</th><th>points</th><th>graded</th><th>mean</th>"
                     "<th>full</th><th>zero</th></tr>")
        for cell, (best_cell, n, mean, full, zero) in cell_rows(d):
            parts.append(f"<tr><td>{html.escape(cell)}</td><td class=n>{best_cell}</td><td class=n>{n}</td>"
                         f"<td class=n>{mean}</td><td class=n>{full}</td><td class=n>{zero}</td></tr>")
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
    """[(cell, (max, graded, mean, full, zero))] for one assignment, in the gradebook's cell order."""
    rows = []
    for cell, info in d["cells"].items():
        scores = list(info["scores"].values())
        best = info["max"]
        rows.append((cell, (f"{best:g}", len(scores), f"{statistics.mean(scores):.2f}" if scores else "",
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
    bins = [x - 0.5 for x in range(int(best) + 2)] if best and float(best).is_integer() else 10
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
    print(f"class report: {report(args.root, args.assignments, args.db_url, args.out)}")
    return 0


def report(root=".", assignments=None, db_url=None, out=None):
    """Collect and write the report; returns the index.html path."""
    from nbgrader.api import Gradebook
    from .grade import course_db_url
    root = Path(root).resolve()
    db_url = db_url or course_db_url(root)
    if not assignments:         # every assignment that has submissions
        with Gradebook(db_url) as gb:
            assignments = sorted(a.name for a in gb.assignments if gb.assignment_submissions(a.name))
    return write(collect(root, assignments, db_url), out or root / "class-report")


if __name__ == "__main__":
    sys.exit(main())
