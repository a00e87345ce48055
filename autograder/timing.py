"""Runs in the grading process, whose time it counts by part; the grade command adds the parts up.

Where a grading process's time goes: wall-clock seconds by part, added up as the parts run, for the
summary of `python -m autograder grade` and `make bench-grade`.

Parts (they nest; `shares()` turns them into exclusive shares of a submission's time):
- "submission": one whole `nbgrader autograde` of one student's notebook (classroom/gradingprocess.py);
- "kernel": the Execute preprocessor: the sandboxed kernel's start and stop plus the student's cells;
- "cells": of which the student's cells running in the kernel;
- "judge": the Judge preprocessor's test cells (autograder/sandbox/judge.py, judge_cell);
- "answers": of which waiting for, and reading from, the answer processes (forks of the zygote).
"""
import collections
import contextlib
import time

SPENT = collections.Counter()


@contextlib.contextmanager
def part(name):
    """Add the seconds the block takes to SPENT[name]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        SPENT[name] += time.perf_counter() - start


def shares(spent):
    """{what: share of the submissions' time} from summed parts: kernel start and stop, student's cells
    in the kernel, answer processes, torch references and checks, nbgrader itself (the rest)."""
    total = spent.get("submission", 0.0)
    if total <= 0:
        return {}
    kernel, cells = spent.get("kernel", 0.0), spent.get("cells", 0.0)
    judge, answers = spent.get("judge", 0.0), spent.get("answers", 0.0)
    parts = {"kernel start and stop": kernel - cells, "student's cells in the kernel": cells,
             "answer processes (judge)": answers, "torch references and checks": judge - answers,
             "nbgrader itself": total - kernel - judge}
    return {k: max(0.0, v) / total for k, v in parts.items()}
