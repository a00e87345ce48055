"""notebooks/ is exactly what `make release` builds from solutions/, and holds nothing it should not."""
import base64
import filecmp
import re
import subprocess
import sys

import pytest

from autograder.build.embed import check_cell_source, explorer_cell_source, with_import_lines
from autograder.build.release import IMGS, ROOT, colab_url, glossary_link
from tests.notebooks import SOLUTION_REGION, assignments, grade_id, is_answer_cell, is_test_cell, read

ALL = assignments()


@pytest.mark.fast
def test_series_is_numbered_and_complete():
    assert ALL[0] == "01_channels_kernel"
    assert [a[:2] for a in ALL] == [f"{i:02d}" for i in range(1, len(ALL) + 1)]
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir()) == ALL + ["zh"]
    assert sorted(p.name for p in (ROOT / "notebooks" / "zh").iterdir()) == ALL, "the Chinese edition, complete"


def test_committed_student_notebooks_are_what_the_build_makes(tmp_path):
    subprocess.run([sys.executable, "-m", "autograder.build.release", "--check", str(tmp_path)], cwd=ROOT, check=True)
    for a in ALL:
        for edition in (a, f"zh/{a}"):
            built, committed = tmp_path / edition / f"{a}.ipynb", ROOT / "notebooks" / edition / f"{a}.ipynb"
            assert built.read_text() == committed.read_text(), \
                f"notebooks/{edition} drifted from solutions/ and locale/: run `make release`"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("a", ALL)
@pytest.mark.fast
def test_student_notebook_has_no_solutions_hidden_tests_or_outputs(a, lang):
    student, solution = read(a, student=True, lang=lang), read(a)
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
@pytest.mark.fast
def test_generated_parts_match_their_sources(a):
    tests = [c for c in read(a).cells if is_test_cell(c)]      # hidden tests included: the judge runs them
    for cell in tests:
        assert cell.source == with_import_lines(cell.source), f"{a}: {grade_id(cell)}'s import line is stale"
    for lang, nb in (("en", read(a)), ("en", read(a, student=True)), ("zh", read(a, student=True, lang="zh"))):
        checks = [c for c in nb.cells if c.metadata.get("course", {}).get("generated") == "check"]
        assert len(checks) == 1 and checks[0].source == check_cell_source([c.source for c in tests], lang), \
            f"{a}: the check cell differs from autograder/notebook/; run `make release`"
        for cell in nb.cells:
            if cell.metadata.get("course", {}).get("generated") == "explorer":
                assert cell.source == explorer_cell_source(cell.metadata["course"]["explore"], lang)
        first = nb.cells[0].source
        assert colab_url(a, lang) in first and "colab-badge.svg" in first
        assert first.splitlines()[0].endswith(glossary_link())
        for cell in nb.cells:
            for name in re.findall(r"attachment:([\w.-]+)", cell.source):
                data = cell.get("attachments", {}).get(name, {})
                assert set(data) == {"image/svg+xml", "image/png"}, f"{a}: attachment {name} is missing"
                for mime, file in (("image/svg+xml", IMGS / name), ("image/png", (IMGS / name).with_suffix(".png"))):
                    assert base64.b64decode(data[mime]) == file.read_bytes(), f"{a}: {file.name} differs from imgs/"


@pytest.mark.parametrize("a", ALL)
@pytest.mark.fast
def test_notebook_structure(a):
    nb = read(a)
    ids = [grade_id(c) for c in nb.cells if grade_id(c)]
    assert len(ids) == len(set(ids)), "grade ids are unique"
    answers = [c for c in nb.cells if is_answer_cell(c) and "class Conv1d" in c.source]
    assert len(answers) == 1, "one answer cell defines the whole class Conv1d"
    assert grade_id(answers[0]) == "conv1d_answer"
    assert any(is_test_cell(c) and "BEGIN HIDDEN TESTS" in c.source for c in nb.cells)
    assert "manual_seed(666)" in "".join(c.source for c in nb.cells), "the seed's worked example"


@pytest.mark.parametrize("a", ALL)
@pytest.mark.fast
def test_the_lesson_comes_first_and_the_exercises_end_with_common_mistakes(a):
    """The check cell comes after the lesson (no course code above the first worked example), and a
    "Common mistakes" list follows the exercises' graded tests, before "Check yourself"."""
    nb = read(a)
    is_check = [c.metadata.get("course", {}).get("generated") == "check" for c in nb.cells]
    seed = next(i for i, c in enumerate(nb.cells) if "manual_seed(666)" in c.source)
    assert is_check.index(True) > seed, "the course checks come after the worked example"
    mistakes = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                and re.match(r"#+ Common mistakes", c.source)]
    assert len(mistakes) == 1, "one Common mistakes list"
    bullets = re.findall(r"^- ", nb.cells[mistakes[0]].source, re.M)
    assert 3 <= len(bullets) <= 8, f"a short list: {len(bullets)} bullets"
    graded = [i for i, c in enumerate(nb.cells) if is_test_cell(c) and c.metadata["nbgrader"].get("points", 0) > 0]
    closing = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "markdown" and c.source.startswith("## Check yourself")]
    assert mistakes[0] > max(graded), "after every graded test (a bonus may follow)"
    assert closing and mistakes[0] < closing[0], "before Check yourself"


def test_diagrams_are_what_the_script_draws(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "tools" / "diagrams.py"), "--out", str(tmp_path)], check=True)
    drawn = sorted(p.name for p in tmp_path.glob("*.*g"))
    assert drawn == sorted(p.name for p in IMGS.glob("*.*g")) and len(drawn) == 2 * len(list(IMGS.glob("*.svg")))
    match, mismatch, errors = filecmp.cmpfiles(tmp_path, IMGS, drawn, shallow=False)
    assert not mismatch and not errors, f"imgs/ is stale, run `make imgs`: {mismatch}"


@pytest.mark.fast
def test_the_glossary_has_every_parameter_in_both_languages():
    glossary = (ROOT / "docs" / "glossary.md").read_text()
    rows = [line.split("|")[1:-1] for line in glossary.splitlines() if line.startswith("| `")]
    terms = {r[0].strip().strip("`"): r for r in rows}
    for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "padding_mode", "dilation",
                 "groups", "bias", "'same'", "'valid'"):
        assert name in terms, name
        assert re.search(r"[\u4e00-\u9fff]", terms[name][1]), f"{name} has no Chinese term"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("assignment", assignments())
@pytest.mark.fast
def test_every_predict_prompt_names_the_variables_its_check_reads(assignment, lang):
    """A student who writes the prediction under another name gets a NameError from the locked check:
    the prompt above the answer cell names each variable the test cell reads."""
    from autograder.sandbox.judge import names_needed
    nb = read(assignment, student=True, lang=lang)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") or "" for c in nb.cells]
    checked = 0
    for i, gid in enumerate(ids):
        needed = {n for n in names_needed(nb.cells[i].source) if n.startswith("predicted_")} \
            if gid.startswith("test_") else set()
        if not needed:
            continue
        answer = max(j for j in range(i) if ids[j].endswith("_answer"))   # the answer cell it checks
        prompt = nb.cells[answer - 1].source
        for name in needed:
            assert f"`{name} = ...`" in prompt, f"{assignment}: the prompt above {ids[answer]} does not name {name}"
        checked += 1
    assert checked, "the predict check reads the student's prediction"


@pytest.mark.fast
def test_student_notebooks_link_to_the_series_in_colab():
    """A student notebook opened alone in Colab has no neighbours: it links to the other notebooks by their
    Colab URLs, never by a relative path, and its "Next:" link opens the next notebook; the solutions keep
    the relative links (GitHub and the book resolve them)."""
    for i, a in enumerate(ALL):
        student = "\n".join(c.source for c in read(a, student=True).cells if c.cell_type == "markdown")
        targets = re.findall(r"\]\(([^)\s]+)", student)
        relative = [t for t in targets if ".ipynb" in t and not re.match(r"https?://", t)]
        assert not relative, f"{a}: relative links to notebooks, dead in Colab: {relative}"
        following = re.findall(r"^Next: \[[^\]]*\]\(([^)\s]+)\)", student, re.M)
        if i + 1 < len(ALL):
            assert following == [colab_url(ALL[i + 1])], f"{a}: the Next link is {following}"
        else:
            assert not following and colab_url(ALL[0]) in targets, f"{a}: the last notebook links back to the first"
        solution = "\n".join(c.source for c in read(a).cells if c.cell_type == "markdown")
        assert f"](../{ALL[(i + 1) % len(ALL)]}/{ALL[(i + 1) % len(ALL)]}.ipynb)" in solution, \
            f"{a}: the solution links to the next notebook relatively"
        chinese = "\n".join(c.source for c in read(a, student=True, lang="zh").cells if c.cell_type == "markdown")
        series = [t for t in re.findall(r"\]\(([^)\s]+)", chinese) if ".ipynb" in t]
        assert series and all(t.startswith(colab_url(ALL[0], "zh").rsplit("/", 2)[0] + "/") for t in series), \
            f"{a}: the Chinese notebook links to the Chinese notebooks in Colab: {series}"
        assert colab_url(ALL[(i + 1) % len(ALL)], "zh") in series, f"{a}: the Chinese notebook links to the next"


# A test line that says it is the worked example: "# the worked example", alone or followed by ":" and a note
# (not "# the worked example without its bias", a variant that says how it differs).
WORKED = re.compile(r"# the worked example\s*(:|$)")


def worked_example(nb, monkeypatch):
    """The worked example of notebook nb, as it runs: the first code cell that seeds torch with 666 and builds
    an nn.Conv1d, run after the notebook's plain code cells above it. Returns (the shape of the input the
    first layer it builds is called on, that layer's arguments with torch's defaults filled in, its weight
    and bias as built, that input)."""
    import contextlib
    import inspect
    import io
    import warnings

    import torch

    code = [c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("course", {}).get("generated")]
    at = next(i for i, c in enumerate(code) if "manual_seed(666)" in c.source and "nn.Conv1d(" in c.source)
    conv1d, built = torch.nn.Conv1d, []

    class Recorded(conv1d):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bound = inspect.signature(conv1d).bind(*args, **kwargs)
            bound.apply_defaults()
            built.append({"layer": self, "args": dict(bound.arguments), "weight": self.weight.detach().clone(),
                          "bias": None if self.bias is None else self.bias.detach().clone()})

        def forward(self, x):
            if self is built[0]["layer"] and "input" not in built[0]:
                built[0]["input"] = x.detach().clone()
            return super().forward(x)

    monkeypatch.setattr(torch.nn, "Conv1d", Recorded)
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, cell in enumerate(code[:at + 1]):
            if i == at:
                built.clear()
            exec(compile(cell.source, f"code cell {i}", "exec"), namespace)
    assert built and "input" in built[0], "the worked example builds an nn.Conv1d and runs it on its input"
    first = built[0]
    return tuple(first["input"].shape), first["args"], first["weight"], first["bias"], first["input"]


def worked_example_calls(nb):
    """Every `case(...)` or `dict(...)` call on a test-cell line commented "# the worked example": (cell id, line,
    call name, its keyword arguments)."""
    import ast
    found = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        calls = [n for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id in ("case", "dict")]
        for number, line in enumerate(cell.source.splitlines(), 1):
            if not WORKED.search(line):
                continue
            around = [n for n in calls if n.lineno <= number <= n.end_lineno]
            assert around, f"{grade_id(cell)}: {line.strip()!r} is no case(...) or dict(...)"
            call = min(around, key=lambda n: n.end_lineno - n.lineno)
            assert not call.args, f"{grade_id(cell)}: {line.strip()!r}: keyword arguments only"
            found.append((grade_id(cell), line.strip(), call.func.id,
                          {k.arg: ast.literal_eval(k.value) for k in call.keywords}))
    return found


@pytest.mark.parametrize("a", ALL)
@pytest.mark.fast
def test_worked_example_tests_use_the_worked_examples_numbers(a, monkeypatch):
    """A test case commented "# the worked example" is that example: worked_example=True (the check draws its
    numbers as the example does), the same N, C_in, L, C_out, K and layer arguments as the example's
    nn.Conv1d(...), and so the very input, weight and bias the student saw printed. A conv1d_output_length
    case, dict(L_in=..., ...), has the example's length, kernel size, stride, padding and dilation."""
    import numpy as np

    from autograder import notebook as check
    from autograder.notebook import padding
    nb = read(a)
    calls = worked_example_calls(nb)
    assert calls, "the tests run the worked example too (a case commented '# the worked example')"
    shape, args, weight, bias, x_seen = worked_example(nb, monkeypatch)
    one = padding._one
    layer = {k: one(v) for k, v in args.items() if k not in ("in_channels", "out_channels", "kernel_size",
                                                              "device", "dtype")}
    (N, C_in, L), C_out, K = shape, args["out_channels"], one(args["kernel_size"])
    assert C_in == args["in_channels"]
    defaults = {k: v for k, v in check.TORCH_PARAMS if k in layer}
    for test, line, name, kw in calls:
        where = f"{a}, {test}: {line}"
        if name == "dict":
            want = dict(L_in=L, kernel_size=K, stride=layer["stride"], padding=layer["padding"],
                        dilation=layer["dilation"])
            assert {k: one(kw.get(k, defaults.get(k))) for k in want} == want, where
            continue
        assert kw.get("worked_example") is True, f"{where}: add worked_example=True"
        assert "seed" not in kw, f"{where}: seed is unused with worked_example=True"
        c = check.case(**kw)
        assert (c["N"], c["C_in"], c["L"], c["C_out"], c["K"]) == (N, C_in, L, C_out, K), where
        assert {**defaults, "bias": False, **padding._plain(c["conv"])} == layer, where
        x, w, b = check.make_data(c)
        assert np.array_equal(x, x_seen.numpy().astype(x.dtype)), f"{where}: not the input the example printed"
        assert np.array_equal(w, weight.numpy().astype(w.dtype)), f"{where}: not the example's weight"
        assert (b is None) == (bias is None) and (b is None or np.array_equal(b, bias.numpy().astype(b.dtype))), where
