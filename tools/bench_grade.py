"""`make bench-grade`: a synthetic class graded serially with plain `nbgrader autograde`, then by
`python -m autograder grade --jobs N` (a local Dask cluster of N workers), with both wall times, the speed-up,
submissions per minute, where the workers' time went (kernel start, the student's cells, the judge's answer
processes, torch references and checks, nbgrader itself) and a check that both gave every cell the same score.

The class: the example submissions and the test corpus of notebooks 02, 03, 05 and 06 (correct,
wrong, cheating and broken answers; the corpus's endless loops are left out, they would only
measure the time limit): 51 submissions; --copies hands each in under several student ids.

    python tools/bench_grade.py [--jobs 2] [--copies 1] [--out build/bench-grade] [--readme]
"""
import argparse
import dataclasses
import datetime
import os
import shutil
import sys
import time
from pathlib import Path

from autograder.classroom import submissions
from autograder.classroom.course import Course

ROOT = Path(__file__).resolve().parents[1]


NOTEBOOKS = ["02_stride", "03_padding", "05_groups", "06_bias"]


def synthetic_class(copies):
    subs = [s for folder in (ROOT / "autograder" / "examples", ROOT / "tests" / "corpus")
            for s in submissions.load(folder)
            if s.assignment in NOTEBOOKS and "infinite" not in s.path.stem]
    return [dataclasses.replace(s, student=f"{s.path.parent.parent.name}_{s.path.stem}_{i}")
            for s in subs for i in range(copies)]


def course(root, subs):
    if root.exists():
        shutil.rmtree(root)
    c = Course(root, NOTEBOOKS)
    c.release()
    for s in subs:
        c.submit(s)
    return c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--copies", type=int, default=1, help="student ids per submission file")
    ap.add_argument("--out", default=str(ROOT / "build" / "bench-grade"))
    ap.add_argument("--readme", action="store_true", help="write the result into README.md")
    args = ap.parse_args(argv)
    subs = synthetic_class(args.copies)
    out = Path(args.out)
    print(f"synthetic class: {len(subs)} submissions over {', '.join(NOTEBOOKS)}", flush=True)
    serial, parallel = course(out / "serial", subs), course(out / "parallel", subs)

    start = time.monotonic()
    for a in NOTEBOOKS:
        r = serial.autograde(a)
        if r.returncode:
            sys.exit(f"nbgrader autograde {a} failed:\n{r.stderr[-3000:]}")
    t_serial = time.monotonic() - start
    print(f"serial   (nbgrader autograde, one notebook after another): {t_serial:6.1f} s", flush=True)

    start = time.monotonic()
    r = parallel.grade_parallel(NOTEBOOKS, "--no-export", jobs=args.jobs)
    t_parallel = time.monotonic() - start
    if r.returncode:
        sys.exit(f"python -m autograder grade failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    print(f"local Dask cluster (python -m autograder grade --jobs {args.jobs}): {t_parallel:6.1f} s", flush=True)

    same = all(serial.scores(a) == parallel.scores(a) for a in NOTEBOOKS)
    print(f"speed-up {t_serial / t_parallel:.2f}x with {args.jobs} workers on {os.cpu_count()} cores; "
          f"{len(subs) / t_parallel * 60:.0f} submissions per minute (the whole command, start-up included); "
          f"grades {'identical' if same else 'DIFFERENT'} cell by cell")
    shares = next((line.split(": ", 1)[1] for line in r.stdout.splitlines()    # the grade command's own
                   if line.startswith("where the workers' time went")), "")       # account (autograder/timing.py)
    print(f"where the workers' time went: {shares}")
    if args.readme:
        from tools.readme import replace_block
        replace_block("bench-grade", f"{t_serial:.1f} s serially, {t_parallel:.1f} s on a local Dask cluster of "
                      f"{args.jobs} workers: "
                      f"**{t_serial / t_parallel:.2f}×** on this {os.cpu_count()}-core machine\n  "
                      f"({datetime.date.today().isoformat()}, {len(subs)} submissions, "
                      f"**{len(subs) / t_parallel * 60:.0f} submissions per minute**, grades identical cell by cell; "
                      f"the workers' time: {shares}).")
    if not same:
        sys.exit("bench-grade: the parallel grades differ from nbgrader's")


if __name__ == "__main__":
    main()
