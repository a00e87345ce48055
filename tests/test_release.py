"""notebooks/ is exactly what `make release` builds from solutions/, and holds nothing it should not."""
import base64
import filecmp
import re
import subprocess
import sys

import pytest

from autograder.build.release import CHECK_SOURCE, check_cell_source, colab_url, glossary_link, IMGS, ROOT
from tests.notebooks import SOLUTION_REGION, assignments, grade_id, is_answer_cell, is_test_cell, read

ALL = assignments()


def test_series_is_numbered_and_complete():
    assert ALL[0] == "01_channels_kernel"
    assert [a[:2] for a in ALL] == [f"{i:02d}" for i in range(1, len(ALL) + 1)]
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir()) == ALL


def test_committed_student_notebooks_are_what_the_build_makes(tmp_path):
    subprocess.run([sys.executable, "-m", "autograder.build.release", "--check", str(tmp_path)], cwd=ROOT, check=True)
    for a in ALL:
        built, committed = tmp_path / a / f"{a}.ipynb", ROOT / "notebooks" / a / f"{a}.ipynb"
        assert built.read_text() == committed.read_text(), f"notebooks/{a} drifted from solutions/: run `make release`"


@pytest.mark.parametrize("a", ALL)
def test_student_notebook_has_no_solutions_hidden_tests_or_outputs(a):
    student, solution = read(a, student=True), read(a)
    text = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"outputs left in {grade_id(cell)}"
    hidden_and_solution = [m.group(1) for c in solution.cells for m in SOLUTION_REGION.finditer(c.source)]
    hidden_and_solution += [re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", c.source, re.S).group(1)
                            for c in solution.cells if "BEGIN HIDDEN TESTS" in c.source]
    assert hidden_and_solution, "the solution notebook has solution regions"
    public = "\n".join(c.source for c in solution.cells)
    for block in hidden_and_solution:
        public = public.replace(block, "")
    public_lines = set(public.splitlines())
    student_lines = set(text.splitlines())
    for block in hidden_and_solution:
        for line in block.splitlines():
            # distinctive lines only (not `return y`), and not lines the public part also has
            if len(line.strip()) > 25 and line not in public_lines:
                assert line not in student_lines, f"solution or hidden-test line in the student notebook: {line!r}"


@pytest.mark.parametrize("a", ALL)
def test_generated_parts_match_their_sources(a):
    for nb in (read(a), read(a, student=True)):
        checks = [c for c in nb.cells if c.metadata.get("course", {}).get("generated") == "check"]
        assert len(checks) == 1 and checks[0].source == check_cell_source(), \
            f"{a}: the check cell differs from {CHECK_SOURCE.name}; run `make release`"
        first = nb.cells[0].source
        assert colab_url(a) in first and "colab-badge.svg" in first
        assert first.splitlines()[0].endswith(glossary_link())
        for cell in nb.cells:
            for name in re.findall(r"attachment:([\w.-]+)", cell.source):
                data = cell.get("attachments", {}).get(name, {})
                assert set(data) == {"image/svg+xml", "image/png"}, f"{a}: attachment {name} is missing"
                for mime, file in (("image/svg+xml", IMGS / name), ("image/png", (IMGS / name).with_suffix(".png"))):
                    assert base64.b64decode(data[mime]) == file.read_bytes(), f"{a}: {file.name} differs from imgs/"


@pytest.mark.parametrize("a", ALL)
def test_notebook_structure(a):
    nb = read(a)
    ids = [grade_id(c) for c in nb.cells if grade_id(c)]
    assert len(ids) == len(set(ids)), "grade ids are unique"
    answers = [c for c in nb.cells if is_answer_cell(c) and "class Conv1d" in c.source]
    assert len(answers) == 1, "one answer cell defines the whole class Conv1d"
    assert grade_id(answers[0]) == "conv1d_answer"
    assert any(is_test_cell(c) and "BEGIN HIDDEN TESTS" in c.source for c in nb.cells)
    assert "manual_seed(666)" in "".join(c.source for c in nb.cells), "the seed's worked example"


def test_diagrams_are_what_the_script_draws(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "tools" / "diagrams.py"), "--out", str(tmp_path)], check=True)
    drawn = sorted(p.name for p in tmp_path.glob("*.*g"))
    assert drawn == sorted(p.name for p in IMGS.glob("*.*g")) and len(drawn) == 2 * len(list(IMGS.glob("*.svg")))
    match, mismatch, errors = filecmp.cmpfiles(tmp_path, IMGS, drawn, shallow=False)
    assert not mismatch and not errors, f"imgs/ is stale, run `make imgs`: {mismatch}"


def test_the_glossary_has_every_parameter_in_both_languages():
    glossary = (ROOT / "docs" / "glossary.md").read_text()
    rows = [line.split("|")[1:-1] for line in glossary.splitlines() if line.startswith("| `")]
    terms = {r[0].strip().strip("`"): r for r in rows}
    for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "padding_mode", "dilation",
                 "groups", "bias", "'same'", "'valid'"):
        assert name in terms, name
        assert re.search(r"[\u4e00-\u9fff]", terms[name][1]), f"{name} has no Chinese term"


@pytest.mark.parametrize("assignment", assignments())
def test_every_predict_prompt_names_the_variables_its_check_reads(assignment):
    """A student who writes the prediction under another name gets a NameError from the locked check:
    the prompt above the answer cell names each variable the test cell reads."""
    from autograder.sandbox.judge import names_needed
    nb = read(assignment, student=True)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    prompt = nb.cells[ids.index("predict_answer") - 1].source
    needed = {n for n in names_needed(nb.cells[ids.index("test_predict")].source) if n.startswith("predicted_")}
    assert needed, "the predict check reads the student's prediction"
    for name in needed:
        assert f"`{name} = ...`" in prompt, f"{assignment}: the prompt does not name {name}"
