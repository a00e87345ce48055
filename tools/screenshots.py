"""`make screenshots`: one PNG per student notebook, as a student sees it in JupyterLab.

    python tools/screenshots.py [ASSIGNMENT ...] [--out imgs/screenshots]

Each notebook runs in JupyterLab in headless Chromium with the solution's answers filled in
(tools/browser.py); the PNG is the 1280-wide viewport with the explorer panel, or else the first figure, at
the top. What the browser check finds wrong is printed, and makes the exit code 1 (the PNGs are still saved).
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.build.release import assignments  # noqa: E402
from tools.browser import notebook_browser, student_notebook  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="*", help="only these (default: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "imgs" / "screenshots")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    problems = []
    with notebook_browser() as browser:
        for a in args.assignments or assignments():
            problems += [f"{a}: {p}" for p in browser.run(student_notebook(a), f"{a}.ipynb")]
            browser.screenshot(args.out / f"{a}.png")
            print(args.out / f"{a}.png")
    if problems:
        sys.exit("what a student would see go wrong in JupyterLab:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
