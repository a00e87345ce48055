"""`make screenshots`: one PNG per student notebook, as a student first meets it in JupyterLab.

    python tools/screenshots.py [ASSIGNMENT ...] [--out imgs/screenshots]

Each student notebook, as released (no answers), opens in JupyterLab in headless Chromium (tools/browser.py)
and runs its lesson: the cells above the first answer cell, explorer included. The PNG is the 1280-wide
viewport with the explorer panel (under its heading), or else the first figure, at the top. The lab runs
without nbgrader's labextension (its menu, toolbar button and sidebar), which a student in Colab does not
have. What the browser check finds wrong is printed, and makes the exit code 1 (the PNGs are still saved).
"""
import argparse
import sys
from pathlib import Path

from autograder.build.release import assignments
from tools.browser import notebook_browser, student_notebook

ROOT = Path(__file__).resolve().parents[1]


NBGRADER_LABEXTENSIONS = ["@jupyter/nbgrader"]     # the name `jupyter labextension list` shows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="*", help="only these (default: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "imgs" / "screenshots")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    problems = []
    with notebook_browser(disabled_extensions=NBGRADER_LABEXTENSIONS) as browser:
        for a in args.assignments or assignments():
            nb = student_notebook(a, answered=False)
            problems += [f"{a}: {p}" for p in browser.run(nb, f"{a}.ipynb", lesson_only=True)]
            browser.screenshot(args.out / f"{a}.png")
            print(args.out / f"{a}.png")
    if problems:
        sys.exit("what a student would see go wrong in JupyterLab:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
