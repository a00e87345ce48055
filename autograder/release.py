"""Build the student notebooks from solutions/ (`make release`, or `python -m autograder.release`).

1. Sync the generated parts of each solution notebook from their one source:
   - a code cell with metadata course.generated == "check" gets autograder/check.py;
   - a markdown cell with metadata course.attach == [NAME.svg, ...] gets imgs/NAME.svg as attachments
     (embedded, so the picture shows in Colab and on GitHub without the repo);
   - the Colab badge in the first cell points at the student notebook's path, and the glossary
     link beside it at docs/glossary.md (both on GITHUB_REPO).
2. Execute each solution notebook and keep its outputs, so readers on GitHub see the worked
   examples run (deterministic: fixed seeds; tests re-run them and compare).
3. Run nbgrader's own `generate_assignment` (solution regions become stubs, hidden tests go,
   outputs are cleared) with notebooks/ as the release directory.

`--check DIR` changes nothing: it reports solutions that are out of sync and builds the student
notebooks into DIR, so a test can compare them with the committed notebooks/.
"""
import argparse
import base64
import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, RELEASE, IMGS = ROOT / "solutions", ROOT / "notebooks", ROOT / "imgs"
CHECK_SOURCE = ROOT / "autograder" / "check.py"
GITHUB_REPO = "conv1d-course/conv1d"   # forks: change this, then `make release`
CHECK_HEADER = ("#@title Course checks (generated from autograder/check.py by `make release`; "
                "run this cell, no need to read it)\n")
BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]*")
GLOSSARY = re.compile(r" · \[Glossary · 术语表\]\([^)]*\)")


def assignments():
    """Assignment ids in series order: solutions/NN_slug/NN_slug.ipynb."""
    return sorted(p.name for p in SOLUTIONS.iterdir()
                  if re.fullmatch(r"\d\d_\w+", p.name) and (p / f"{p.name}.ipynb").exists())


def notebook_path(assignment, root=SOLUTIONS):
    return Path(root) / assignment / f"{assignment}.ipynb"


def colab_url(assignment):
    return (f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/"
            f"notebooks/{assignment}/{assignment}.ipynb")


def glossary_link():
    """The link to docs/glossary.md on GitHub (absolute: a notebook opened alone in Colab has no repo)."""
    return f" · [Glossary · 术语表](https://github.com/{GITHUB_REPO}/blob/main/docs/glossary.md)"


def check_cell_source():
    return CHECK_HEADER + CHECK_SOURCE.read_text()


def sync(nb, assignment):
    """The notebook with its generated parts refreshed (in place; also returned)."""
    for cell in nb.cells:
        course = cell.metadata.get("course", {})
        if course.get("generated") == "check":
            cell.source = check_cell_source()
        for name in course.get("attach", []):
            svg = (IMGS / name).read_bytes()
            cell.setdefault("attachments", {})[name] = {
                "image/svg+xml": base64.b64encode(svg).decode("ascii")}
    first = nb.cells[0]
    badge, _, rest = BADGE.sub(colab_url(assignment), first.source).partition("\n")
    first.source = GLOSSARY.sub("", badge) + glossary_link() + "\n" + rest
    return nb


def execute(nb, path, timeout=300):
    """Run the notebook top to bottom in its own folder (raises on the first error)."""
    from nbclient import NotebookClient
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def out_of_sync():
    """Solution notebooks whose generated parts differ from their sources."""
    stale = []
    for a in assignments():
        path = notebook_path(a)
        text = path.read_text()
        if nbformat.writes(sync(nbformat.reads(text, as_version=4), a)) + "\n" != text:
            stale.append(str(path.relative_to(ROOT)))
    return stale


def generate(release_dir, only=None):
    """Run `nbgrader generate_assignment` for each assignment into release_dir."""
    for a in only or assignments():
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", a, "--force", "--no-db",
             f"--CourseDirectory.release_directory={Path(release_dir).resolve()}",
             "--log-level=WARN"],
            cwd=ROOT, check=True)
        for path in (Path(release_dir) / a).glob("*.ipynb"):
            write(nbformat.read(path, as_version=4), path)   # the same JSON layout as solutions/


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", metavar="DIR", help="change nothing; build into DIR for comparison")
    ap.add_argument("assignments", nargs="*", help="only these (default: all)")
    args = ap.parse_args(argv)
    if args.check:
        stale = out_of_sync()
        if stale:
            sys.exit("out of sync with their sources (run `make release`): " + ", ".join(stale))
        generate(args.check, args.assignments)
        return
    for a in args.assignments or assignments():
        path = notebook_path(a)
        write(execute(sync(nbformat.read(path, as_version=4), a), path), path)
    generate(RELEASE, args.assignments)
    print(f"released {', '.join(args.assignments or assignments())} -> {RELEASE.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
