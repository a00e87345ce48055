"""Runs in the release build, the book and the tests: the series' notebooks, where they are.

The assignment ids in series order and the path of each solution or student notebook. Light: pathlib and re.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS, RELEASE = ROOT / "solutions", ROOT / "notebooks"


def assignments():
    """Assignment ids in series order: solutions/NN_slug/NN_slug.ipynb."""
    return sorted(p.name for p in SOLUTIONS.iterdir()
                  if re.fullmatch(r"\d\d_\w+", p.name) and (p / f"{p.name}.ipynb").exists())


def notebook_path(assignment, root=SOLUTIONS):
    return Path(root) / assignment / f"{assignment}.ipynb"
