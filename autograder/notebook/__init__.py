"""The code that ships inside the notebooks: the checks, one concern a module, and the explorer (numpy, torch
and matplotlib only, ipywidgets when there; relative imports only, so that it runs the same under either name).

In the repository this is the package `autograder.notebook`. `make release` (autograder/build/embed.py)
copies into each notebook only the modules its test cells need, loaded as the package `conv1d_course`, and
starts each test cell with the line that imports the names it uses: `from conv1d_course import case,
check_values`. The judge runs those test cells with `conv1d_course` bound to this package, whose
attributes are then the public names of its check modules (found by reading the modules' source, imported
on first use). This file itself is never embedded.
"""
import ast
import importlib
from functools import cache
from pathlib import Path

ALIAS = "conv1d_course"     # the package's name inside a notebook, and the judge's alias for it
NOT_CHECKS = ("explorer",)  # modules of this package whose names the test cells never import
FOLDER = Path(__file__).resolve().parent


@cache
def sources():
    """{module: source} of every module of this package but this file."""
    return {p.stem: p.read_text() for p in sorted(FOLDER.glob("*.py")) if p.stem != "__init__"}


def defined(source):
    """The names a module's top level defines (functions, classes, assignments), in order."""
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


@cache
def exports():
    """{public name: the check module that defines it}. A public name is defined by one module only."""
    home = {}
    for module, source in sources().items():
        if module in NOT_CHECKS:
            continue
        for name in defined(source):
            if not name.startswith("_"):
                if home.setdefault(name, module) != module:
                    raise ValueError(f"autograder/notebook: {name} is defined in {home[name]}.py and {module}.py")
    return home


def __getattr__(name):
    """A public name of a check module, as `from conv1d_course import check_values` reads it."""
    module = exports().get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
