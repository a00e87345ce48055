"""The course's own code as a package (autograder/notebook/), each notebook embedding only what its tests use
(autograder/build/embed.py): small modules without cycles, test cells that import their own names, an answer
that redefines every name of the checks still graded right, and an edit to one module that regrades only the
notebooks that embed it."""
import ast
import re
import sys

import nbformat
import pytest

from autograder import notebook
from autograder.build import embed, release
from autograder.classroom.course import Course
from autograder.classroom.gradebook import fingerprint
from autograder.notebook import ALIAS
from autograder.sandbox import judge
from tests.notebooks import assignments, grade_id, is_answer_cell, is_test_cell, read

ALL = assignments()


@pytest.mark.fast
def test_each_module_is_small_and_the_package_has_no_cycle():
    for module, source in notebook.sources().items():
        assert len(source.splitlines()) <= 500, f"autograder/notebook/{module}.py has grown past 500 lines"
        assert ast.get_docstring(ast.parse(source)), f"{module}.py: a first docstring says its concern"
    assert set(embed.in_import_order(notebook.sources())) == set(notebook.sources())     # raises on a cycle
    assert len(set(notebook.exports().values())) >= 10, "one concern a module"


@pytest.mark.fast
def test_the_padding_arithmetic_has_one_home():
    """The explorer and the checks compute the padding with the same functions (padding.py)."""
    for module in ("explorer", "cases", "hints", "backward_hints"):
        assert "padding" in embed.imported(notebook.sources()[module]), module
    for module, source in notebook.sources().items():
        if module != "padding":
            assert "total // 2" not in source and "def pad_index" not in source, f"{module}.py pads on its own"


@pytest.mark.fast
def test_an_import_cycle_is_refused(monkeypatch):
    sources = dict(notebook.sources(), cases=notebook.sources()["cases"] + "\nfrom .forward import check_values\n")
    monkeypatch.setattr(notebook, "sources", lambda: sources)
    with pytest.raises(ValueError, match="import cycle"):
        embed.in_import_order({"forward"})


@pytest.mark.fast
@pytest.mark.parametrize("a", ALL)
def test_a_notebook_embeds_what_its_tests_use_and_each_test_imports_its_names(a):
    """The check cell holds the modules that define the names the test cells use and the modules they
    import, nothing else, and binds none of them in the notebook's globals; each test cell starts with the guard
    line, then the line that imports exactly the checks' names its visible part uses, and its hidden block
    imports the names only the hidden tests use."""
    nb, solution = read(a, student=True), read(a)
    tests = {grade_id(c): c for c in nb.cells if is_test_cell(c)}
    used = set()
    for cell in solution.cells:
        if not is_test_cell(cell):
            continue
        used |= set(embed.check_names(cell.source))
        visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
        names = sorted(set(embed.check_names(visible)))
        if names:
            assert visible.startswith(f"{embed.GUARD}\nfrom {ALIAS} import {', '.join(names)}\n"), grade_id(cell)
        else:
            assert ALIAS not in visible.split("\n", 1)[0]
        assert tests[grade_id(cell)].source.split("\n", 2)[:2] == visible.split("\n", 2)[:2], grade_id(cell)
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)[:1]:
            only_hidden = sorted(set(embed.check_names(cell.source)) - set(names))
            assert block.startswith(f"from {ALIAS} import {', '.join(only_hidden)}\n") if only_hidden else \
                not block.startswith(f"from {ALIAS}")
    check = next(c for c in nb.cells if c.metadata.get("course", {}).get("generated") == "check")
    modules = re.findall(r"^    \('(\w+)', r\'\'\'", check.source, re.M)
    assert modules == embed.in_import_order({notebook.exports()[n] for n in used})
    assert "explorer" not in modules and len(modules) < len(notebook.sources()) - 1
    assert not re.search(rf"^from {ALIAS} import", check.source, re.M), "nothing bound in the notebook's globals"


@pytest.mark.fast
def test_an_edit_to_one_module_changes_only_the_notebooks_that_embed_it(monkeypatch):
    """Edit each module in turn (in memory): the build's generated cells change in exactly the notebooks that
    embed it (release.sync writes these cells, test_release.py checks it did)."""
    solutions = {a: nbformat.read(release.notebook_path(a), as_version=4) for a in ALL}
    embedding = {a: set(embed.embedded(nb)) for a, nb in solutions.items()}

    def generated(nb):
        tests = [c.source for c in nb.cells if is_test_cell(c)]
        panels = [c.metadata["course"]["explore"] for c in nb.cells
                  if c.metadata.get("course", {}).get("generated") == "explorer"]
        return [embed.check_cell_source(tests), *map(embed.explorer_cell_source, panels)]

    before = {a: generated(nb) for a, nb in solutions.items()}
    original = dict(notebook.sources())
    for module in original:
        edited = dict(original, **{module: original[module] + "\n# a one-word hint fix\n"})
        monkeypatch.setattr(notebook, "sources", lambda edited=edited: edited)
        changed = {a for a, nb in solutions.items() if generated(nb) != before[a]}
        assert changed == {a for a in ALL if module in embedding[a]}, module
    assert {a for a in ALL if "backward_hints" in embedding[a]} == {"08_backward"}
    assert {a for a in ALL if "speed" in embedding[a]} == {"07_capstone"}


def test_the_next_grade_run_regrades_only_the_assignments_whose_checks_changed(tmp_path, monkeypatch):
    """The grade command regrades an assignment when its gradebook fingerprint changes: an edit to the
    backward's hints changes 08's fingerprint only."""
    course = Course(tmp_path / "course", ["01_channels_kernel", "08_backward"])
    course.release()
    before = {a: fingerprint(course.db_url, a) for a in course.assignments}
    sources = dict(notebook.sources())
    sources["backward_hints"] += "\n# a one-word hint fix\n"
    monkeypatch.setattr(notebook, "sources", lambda: sources)
    for a in course.assignments:
        path = course.root / "solutions" / a / f"{a}.ipynb"
        nbformat.write(release.sync(nbformat.read(path, as_version=4), a), path)
    course.release()
    after = {a: fingerprint(course.db_url, a) for a in course.assignments}
    assert after["01_channels_kernel"] == before["01_channels_kernel"]
    assert after["08_backward"] != before["08_backward"]


def redefining_everything(answer):
    """The answer with every name the checks define (public and private, every module) bound to a trap."""
    names = sorted({n for s in notebook.sources().values() for n in notebook.defined(s)} | {ALIAS})
    trap = "\n".join(f"{n} = _trap" for n in names)
    return (f"{answer}\n\ndef _trap(*args, **kwargs):\n    raise RuntimeError('a name of the student was used')\n"
            f"{trap}\n")


def visible(source):
    return re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", "", source, flags=re.S)


@pytest.mark.parametrize("a", ["06_bias", "07_capstone"])
def test_an_answer_that_defines_every_name_of_the_checks_is_still_graded_right(a, monkeypatch):
    """A student's names are the student's: nothing of the checks reads them. In the notebook (its cells run
    in one namespace, as a kernel runs them: check cell, answers with the traps, visible tests) and through
    the judge (every graded test cell, hidden tests included), an answer that binds every name the checks
    define, public and private, passes."""
    answers = release.solution_answers(a)
    answers["conv1d_answer"] = redefining_everything(answers["conv1d_answer"])
    nb = read(a, student=True)
    for name in [m for m in sys.modules if m.split(".")[0] == ALIAS]:    # the notebook's conv1d_course goes after
        monkeypatch.delitem(sys.modules, name)
    ns = {"__name__": "__main__"}
    for cell in nb.cells:
        course = cell.metadata.get("course", {})
        if cell.cell_type != "code" or "bonus" in course or course.get("generated") == "explorer" or (
                not grade_id(cell) and re.search(r"timeit|plt\.|randn\(8, 64, 4096\)", cell.source)):  # timings, plots
            continue
        source = answers[grade_id(cell)] if is_answer_cell(cell) else visible(cell.source)
        source = re.sub(r"^[%!].*$", "", source, flags=re.M)       # IPython's magics and shell lines
        exec(compile(source, grade_id(cell) or "lesson", "exec"), ns)    # raises if a test fails
        if grade_id(cell) == "conv1d_answer":
            assert ns["check_values"] is ns["_trap"] and ns["_one"] is ns["_trap"]     # the traps are set
    monkeypatch.undo()
    for cell in read(a).cells:
        if is_test_cell(cell) and "bonus" not in cell.metadata.get("course", {}):
            verdict = judge.judge_cell(cell.source, list(answers.values()), timeout=60)
            assert verdict.passed, (grade_id(cell), verdict.error)


def without_course_package(monkeypatch):
    """sys.modules without conv1d_course, as in a fresh kernel (the notebook's own one goes after the test)."""
    for name in [m for m in sys.modules if m.split(".")[0] == ALIAS]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.fast
@pytest.mark.parametrize("a", ALL)
def test_a_test_cell_run_before_the_checks_cell_says_to_run_it_first(a, monkeypatch):
    """Run before the folded Course checks cell, a released test cell stops at its guard line with one line
    naming that cell (not ModuleNotFoundError, which Colab answers with advice to pip install conv1d_course);
    after it, the same cell passes. The guard binds no name, here and in the grader, where conv1d_course is
    autograder.notebook itself."""
    nb = read(a, student=True)
    test = next(c for c in nb.cells if is_test_cell(c))
    check = next(c for c in nb.cells if c.metadata.get("course", {}).get("generated") == "check")
    assert test.source.startswith(embed.GUARD + "\n")
    import numpy as np
    import torch
    base = {"__name__": "__main__", "np": np, "torch": torch, "nn": torch.nn, "F": torch.nn.functional}
    answers = release.solution_answers(a)
    before = [answers[grade_id(c)] for c in nb.cells[:nb.cells.index(test)] if is_answer_cell(c)]

    without_course_package(monkeypatch)
    ns = dict(base)
    for answer in before:
        exec(answer, ns)
    with pytest.raises(RuntimeError) as e:
        exec(compile(test.source, "test cell", "exec"), ns)
    said = str(e.value)
    assert "\n" not in said and "'Course checks'" in said and "first" in said, said
    assert not any(m.split(".")[0] == ALIAS for m in sys.modules)

    ns = dict(base)
    exec(compile(check.source, "check cell", "exec"), ns)
    for answer in before:
        exec(answer, ns)
    exec(compile(visible(test.source), "test cell", "exec"), ns)        # passes

    for bound in (notebook, None):      # the grader binds autograder.notebook as conv1d_course; the notebook its own
        if bound is not None:
            monkeypatch.setitem(sys.modules, ALIAS, bound)
        ns = {}
        exec(compile(embed.GUARD, "guard", "exec"), ns)
        assert set(ns) == {"__builtins__"}, "the guard binds no name"
