"""Reading and running the course notebooks in tests."""
import os
import re
import tomllib
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.build.release import (  # noqa: F401
    KERNEL_ENV,
    RELEASE,
    SOLUTIONS,
    STATIC_ENV,
    assignments,
    notebook_path,
    solution_answers,
    with_solution_answers,
)
from autograder.preprocessors.cells import grade_id, is_answer_cell, is_test_cell  # noqa: F401

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?", re.M | re.S)


def read(assignment, student=False, lang="en"):
    """A solution notebook, or a student notebook of either edition (lang "zh": notebooks/zh/)."""
    if lang != "en":
        assert student, "the solutions of another edition are built, not committed: release.solution_notebook"
        return nbformat.read(notebook_path(assignment, RELEASE / lang), as_version=4)
    return nbformat.read(notebook_path(assignment, RELEASE if student else SOLUTIONS), as_version=4)


def run(nb, cwd, timeout=120, static=False, env=None):
    """Execute with errors allowed; return the notebook with outputs. static: the explorer panels draw
    the static figure kept in solutions/ (else they build their live widgets, with no one to show them to).
    env: the kernel's environment (default: this process's)."""
    env = dict(STATIC_ENV if static else KERNEL_ENV, **(env or {}))
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute(env=env)
    return nb


def error_cells(nb):
    return [c for c in nb.cells
            if c.cell_type == "code" and any(o.output_type == "error" for o in c.get("outputs", []))]


def another_cpu_env(base=None):
    """Variables that make NumPy, its OpenBLAS and torch take other code paths than they would in
    environment `base` (default: this process's) on this CPU: a run with them rounds floats as another
    machine would. OpenBLAS gets another kernel than the one `base` forces (OPENBLAS_CORETYPE) or it
    picks itself; NumPy, torch and oneDNN their widest SIMD level one step down."""
    base = os.environ if base is None else base
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if "avx512f" in flags:
        kernels, env = ["SkylakeX", "Haswell"], dict(
            NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR", ATEN_CPU_CAPABILITY="avx2",
            ONEDNN_MAX_CPU_ISA="AVX2")
    elif "avx2" in flags:
        kernels, env = ["Haswell", "Sandybridge"], dict(
            NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR", ATEN_CPU_CAPABILITY="default",
            ONEDNN_MAX_CPU_ISA="AVX")
    else:
        return {}
    current = base.get("OPENBLAS_CORETYPE", "").lower() or kernels[0].lower()   # else: OpenBLAS's own pick
    env["OPENBLAS_CORETYPE"] = next(k for k in kernels if k.lower() != current)
    return env


__all__ = ["SOLUTION_REGION", "grade_id", "is_answer_cell", "is_test_cell", "read", "solution_answers",
           "with_solution_answers", "run", "error_cells", "another_cpu_env", "assignments", "notebook_path",
           "SOLUTIONS", "RELEASE", "COLAB_ONLY", "mistakes", "wrong_source"]


# Run first in a standalone notebook: what is not there in Colab cannot be imported.
COLAB_ONLY = """\
import sys, importlib.abc
class _NotInColab(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"nbgrader", "autograder", "tests", "tools", "scipy", "expecttest"}:
            raise ImportError(f"{name} is not available in a standalone notebook")
sys.meta_path.insert(0, _NotInColab())
sys.path[:] = [p for p in sys.path if p not in ("", %r)]
""" % str(SOLUTIONS.parent)


# Typical wrong answers, per notebook (tests/test_mistakes.py runs them; tests/test_check_backward.py too)
MISTAKES = Path(__file__).parent / "mistakes"


def mistakes(a):
    """The mistakes of tests/mistakes/{a}.toml, each as a dict: name, cell (the answer cell's grade_id),
    hint (words, or a list of words, the hint must hold), timed, and either source (the whole wrong cell)
    or replace ([old, new] pairs applied, in order, to the solution's answer)."""
    path = MISTAKES / f"{a}.toml"
    entries = tomllib.loads(path.read_text())["mistake"]
    for m in entries:
        unknown = set(m) - {"name", "cell", "hint", "source", "replace", "timed"}
        assert not unknown and ("source" in m) != ("replace" in m), f"{path}: {m.get('name')}: {sorted(unknown)}"
        m["hints"] = [m["hint"]] if isinstance(m["hint"], str) else m["hint"]
    return entries


def wrong_source(m, answers):
    """The mistake's answer cell: its own source, or the solution's answer with its replacements made."""
    if "source" in m:
        return m["source"]
    source = answers[m["cell"]]
    for old, new in m["replace"]:
        assert source.count(old) == 1, \
            f"{m['name']}: {old!r} occurs {source.count(old)} times in the solution's {m['cell']}"
        source = source.replace(old, new)
    return source
