"""Build the student notebooks from solutions/ (`make release`, or `python -m autograder.build.release`).

1. Sync the generated parts of each solution notebook from their one source:
   - each test cell starts with the line that imports the checks' names it uses, and the code cell with
     metadata course.generated == "check" gets the check modules those names need (autograder/build/embed.py);
   - a code cell with metadata course.generated == "explorer" gets autograder/notebook/explorer.py (and the
     padding module it imports), loaded as modules (their names stay out of the notebook's), and the call
     explore(course.explore); its code is folded away in JupyterLab and Colab (the output is what matters);
   - a markdown cell with metadata course.attach == [NAME.svg, ...] gets imgs/NAME.svg (and its PNG) as attachments
     (embedded, so the picture shows in Colab and on GitHub without the repo);
   - the Colab badge in the first cell points at the student notebook's path, and the glossary
     link beside it at docs/glossary.md (both on GITHUB_REPO, autograder/build/links.py).
2. Execute each solution notebook and keep its outputs, so readers on GitHub see the worked
   examples run (deterministic: fixed seeds; tests re-run them and compare). A cell whose fresh
   outputs show the same as the committed ones but for float noise (another CPU, another BLAS
   kernel: autograder/build/outputs.py) keeps the committed outputs, so `git status` stays clean;
   `--refresh-outputs` writes every fresh output (after editing a plot, or to renew the timings).
3. Run nbgrader's own `generate_assignment` (solution regions become stubs, hidden tests go,
   outputs are cleared) with notebooks/ as the release directory. In the student notebooks, links to other
   notebooks of the series (../NN_slug/NN_slug.ipynb) become their Colab URLs: a notebook opened alone
   in Colab has no neighbours. The solutions keep the relative links (GitHub and the book resolve them).
   nbgrader does it itself (its last preprocessor, autograder/preprocessors/colablinks.py) and writes the
   JSON layout of solutions/, so formgrader's Generate button writes the same notebooks/ as this build.

`--check DIR` changes nothing: it reports solutions that are out of sync and builds the student
notebooks into DIR, so a test can compare them with the committed notebooks/.
"""
import argparse
import base64
import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.build.embed import check_cell_source, explorer_cell_source, with_import_lines
from autograder.build.links import BADGE, GITHUB_REPO, colab_links, colab_url, glossary_link  # noqa: F401 (re-exported)
from autograder.build.outputs import keep_unchanged
from autograder.build.series import RELEASE, ROOT, SOLUTIONS, assignments, notebook_path  # noqa: F401 (re-exported)
from autograder.build.translations import LANGUAGES, translated
from autograder.preprocessors.cells import grade_id, is_answer_cell, is_test_cell

IMGS = ROOT / "imgs"
# A notebook's kernel draws its figures inline, as in Jupyter and Colab: without the Makefile's MPLBACKEND=Agg
# (meant for scripts), under which plt.show() shows nothing.
KERNEL_ENV = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
# Notebook runs whose outputs are kept (solutions/, the book) show the explorer as a static figure,
# and print sets (in torch's messages) in one order.
STATIC_ENV = {**KERNEL_ENV, "CONV1D_EXPLORER": "static", "PYTHONHASHSEED": "0"}
GLOSSARY = re.compile(r" · \[Glossary · 术语表\]\([^)]*\)")


def attachment(name):
    """imgs/NAME.svg with its PNG twin: JupyterLab shows only the PNG of a markdown attachment
    (it takes the first type listed, and nbformat lists image/png first), GitHub and Colab either."""
    svg = IMGS / name
    return {"image/svg+xml": base64.b64encode(svg.read_bytes()).decode("ascii"),
            "image/png": base64.b64encode(svg.with_suffix(".png").read_bytes()).decode("ascii")}


def sync(nb, assignment, lang="en"):
    """The notebook with its generated parts refreshed (in place; also returned), in `lang`: the checks and the
    explorer speak it, and the badge opens that edition in Colab."""
    tests = [cell for cell in nb.cells if is_test_cell(cell)]
    for cell in tests:
        cell.source = with_import_lines(cell.source)
    for cell in nb.cells:
        course = cell.metadata.get("course", {})
        if course.get("generated") == "check":
            cell.source = check_cell_source([t.source for t in tests], lang)
        if course.get("generated") == "explorer":
            cell.source = explorer_cell_source(course["explore"], lang)
            # read-only, like the Course checks cell: the grader puts back the source's (English) explorer, so
            # that a submission in any language skips the course's explorer in the student's kernel
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": cell.id, "locked": True, "schema_version": 3,
                                         "solution": False, "task": False}
            cell.metadata["cellView"] = "form"                      # Colab: show the title only
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True   # JupyterLab: fold the code
        for name in course.get("attach", []):
            cell.setdefault("attachments", {})[name] = attachment(name)
    first = nb.cells[0]
    badge, _, rest = BADGE.sub(colab_url(assignment, lang), first.source).partition("\n")
    first.source = GLOSSARY.sub("", badge) + glossary_link() + "\n" + rest
    return nb


def solution_notebook(assignment, lang="en", strict=True):
    """The solution notebook of `assignment` in `lang`, its generated parts in sync: the English one as
    committed (with its outputs); another language's built from it and locale/LANG/notebooks/ID.po
    (autograder/build/translations.py), not executed (its outputs are the English ones; `execute` it for
    outputs in its language). strict=False: a cell without a current translation stays English (drafts)."""
    nb = sync(nbformat.read(notebook_path(assignment), as_version=4), assignment)
    if lang == "en":
        return nb
    return sync(translated(nb, lang, assignment, strict=strict), assignment, lang)


def execute(nb, path, timeout=300):
    """Run the notebook top to bottom in its own folder (raises on the first error)."""
    from nbclient import NotebookClient
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute(env=STATIC_ENV)
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


def generate(release_dir, only=None, source_dir=None):
    """Run `nbgrader generate_assignment` for each assignment into release_dir (one nbgrader run for
    all of them: nbgrader reads an assignment id as a glob pattern), from solutions/ or `source_dir`."""
    source = [f"--CourseDirectory.source_directory={Path(source_dir).resolve()}"] if source_dir else []
    for pattern in only or ["[0-9][0-9]_*"]:
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", pattern, "--force", "--no-db",
             f"--CourseDirectory.release_directory={Path(release_dir).resolve()}", *source,
             "--log-level=WARN"],
            cwd=ROOT, check=True)


def generate_editions(release_dir, only=None):
    """The student notebooks of every other language (translations.LANGUAGES) into release_dir/LANG/: each
    solution notebook in that language (solution_notebook), through the same `nbgrader generate_assignment`.
    TranslationError when a catalogue is stale or incomplete."""
    import tempfile
    for lang in LANGUAGES:
        with tempfile.TemporaryDirectory(prefix=f"conv1d-{lang}-") as source:
            for a in only or assignments():
                nb = solution_notebook(a, lang)
                for cell in nb.cells:
                    if cell.cell_type == "code":
                        cell.outputs, cell.execution_count = [], None
                write(nb, notebook_path(a, source))
            generate(Path(release_dir) / lang, only, source_dir=source)
    # The Colab links are nbgrader's own last step (autograder/preprocessors/colablinks.py), and nbgrader writes
    # what write() writes (tests/test_formgrader.py compares the bytes): nothing is left to rewrite here.


# The solution's answers, for tests and tools that run a student notebook as a student who got it right.
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION\n", re.M)


def solution_answers(assignment):
    """{grade_id: source} of the solution notebook's answer cells, region markers removed."""
    nb = nbformat.read(notebook_path(assignment), as_version=4)
    return {grade_id(c): SOLUTION_MARKER.sub("", c.source + "\n") for c in nb.cells if is_answer_cell(c)}


def with_solution_answers(nb, assignment):
    """The student notebook nb with every answer cell replaced by the solution's answer (in place; also returned)."""
    answers = solution_answers(assignment)
    for cell in nb.cells:
        if is_answer_cell(cell):
            cell.source = answers[grade_id(cell)]
    return nb


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", metavar="DIR", help="change nothing; build into DIR for comparison")
    ap.add_argument("--refresh-outputs", action="store_true",
                    help="write every fresh output, even where it shows the same as the committed one")
    ap.add_argument("assignments", nargs="*", help="only these (default: all)")
    args = ap.parse_args(argv)
    if args.check:
        stale = out_of_sync()
        if stale:
            sys.exit("out of sync with their sources (run `make release`): " + ", ".join(stale))
        generate(args.check, args.assignments)
        generate_editions(args.check, args.assignments)
        return
    for a in args.assignments or assignments():
        path = notebook_path(a)
        nb = sync(nbformat.read(path, as_version=4), a)
        committed = copy.deepcopy(nb)
        execute(nb, path)
        changed = keep_unchanged(nb, None if args.refresh_outputs else committed)
        write(nb, path)
        print(f"{a}: {changed} code cells with new outputs")
    generate(RELEASE, args.assignments)
    generate_editions(RELEASE, args.assignments)
    print(f"released {', '.join(args.assignments or assignments())} -> {RELEASE.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
