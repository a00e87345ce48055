"""Typical wrong answers get a hint that names them, in the student notebooks run as a student runs them
(issue 16).

Each student notebook runs alone: copied into an empty folder, in a plain Jupyter kernel whose working
directory is that folder, without PYTHONPATH, and with `autograder`, `nbgrader` and `tests` unimportable
(COLAB_ONLY, the notebook's first cell), so a hidden dependency on the repository fails here. One kernel
per notebook, one after the other in it:
1. the unanswered notebook, every cell top to bottom: only graded cells fail, and every test cell fails
   (`nbgrader validate --invert`, as a student in Colab meets it);
2. the solution's answers in the answer cells, then every cell after the first answer cell again: nothing
   fails (`nbgrader validate`), and the folder holds only the notebook (it needs no other file);
3. each mistake of tests/mistakes/NN_slug.toml: its wrong answer cell, the test cells that check that
   cell (those up to the next answer cell), then the solution's answer again. Each of those test cells
   passes or fails with a hint ("Hint: ...") that holds the mistake's words, and one at least fails.
For speed, stage 3 leaves out the explorer and the timing cells (metadata course.volatile). The speed
bonus (metadata course.bonus) runs in 3 only for a mistake marked `timed`; it measures wall-clock time, so
it need not fail, but when it fails it must give the hint.
"""
import copy
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from nbclient import NotebookClient

from tests.notebooks import (
    COLAB_ONLY,
    RELEASE,
    SOLUTIONS,
    assignments,
    grade_id,
    is_answer_cell,
    is_test_cell,
    mistakes,
    notebook_path,
    solution_answers,
    wrong_source,
)

ALL = assignments()


def failure(cell):
    """The error a cell's outputs show ('' if none)."""
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    return f"{errors[0].ename}: {errors[0].evalue}" if errors else ""


def is_bonus(cell):
    return "bonus" in cell.metadata.get("course", {})


def is_lesson_extra(cell):
    """The explorer and the timings: course cells no test needs, and the slowest ones."""
    course = cell.metadata.get("course", {})
    return not is_test_cell(cell) and (course.get("generated") == "explorer" or course.get("volatile"))


def run_alone(a, folder, lang="en"):
    """The three stages of the module docstring in one kernel, for the student notebook of edition `lang`.
    Returns {"unanswered": [(cell, error)], "solution": {grade_id: error}, "mistakes": {name: {"answer": error,
    "tests": {grade_id: error}, "restored": error of the solution's answer run again}}}."""
    shutil.copy(notebook_path(a, RELEASE if lang == "en" else RELEASE / lang), folder)
    nb = nbformat.read(folder / f"{a}.ipynb", as_version=4)
    answers = solution_answers(a)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True, shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(folder)}})
    every = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    code = [i for i in every if not is_lesson_extra(nb.cells[i])]
    answer_at = {grade_id(nb.cells[i]): i for i in code if is_answer_cell(nb.cells[i])}

    def run(i, source=None):
        cell = copy.deepcopy(nb.cells[i])
        if source is not None:
            cell.source = source
        client.execute_cell(cell, i)
        return cell

    def checked_by(i):       # the test cells after answer cell i, up to the next answer cell
        after = [j for j in code if j > i]
        stop = next((j for j in after if is_answer_cell(nb.cells[j])), len(nb.cells))
        return [j for j in after if j < stop and is_test_cell(nb.cells[j])]

    result = {"unanswered": [], "solution": {}, "mistakes": {}}
    with client.setup_kernel(env=env):
        client.execute_cell(nbformat.v4.new_code_cell(COLAB_ONLY), 0)
        for i in every:
            cell = run(i)
            result["unanswered"].append((cell, failure(cell)))
        first = min(answer_at.values())
        for i in (i for i in every if i >= first):
            cell = nb.cells[i]
            answer = answers[grade_id(cell)] if is_answer_cell(cell) else None
            result["solution"][grade_id(cell) or f"cell {i}"] = failure(run(i, answer))
        result["files"] = sorted(p.name for p in folder.iterdir())
        for m in mistakes(a) if lang == "en" else mistakes(a)[:ZH_MISTAKES]:
            i = answer_at[m["cell"]]
            result["mistakes"][m["name"]] = {
                "answer": failure(run(i, wrong_source(m, answers))),
                "tests": {grade_id(nb.cells[j]): failure(run(j)) for j in checked_by(i)
                          if m.get("timed") or not is_bonus(nb.cells[j])},
                "restored": failure(run(i, answers[m["cell"]]))}
    return result


LANGS = ["en", "zh"]
ZH_MISTAKES = 3      # the Chinese notebooks run the first three mistakes of each notebook (make test's time): the
                     # other hints are templates too, each with its Chinese (tests/test_translations.py)
CJK = re.compile(r"[\u4e00-\u9fff]")
HINT_ZH = "提示："     # the Chinese of CheckFailed's "Hint:" (locale/zh/checks/failures.po)


@pytest.fixture(scope="module")
def all_runs(tmp_path_factory):
    """{(lang, assignment): run_alone(...)} for both editions, the notebooks side by side (one per core), the
    longest (the last) first."""
    order = [(lang, a) for a in ALL[::-1] for lang in LANGS]
    folders = [tmp_path_factory.mktemp(f"alone_{lang}_{a}") for lang, a in order]   # here: pytest makes its base once
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(zip(order, pool.map(lambda job, folder: run_alone(job[1], folder, job[0]), order, folders)))


@pytest.fixture(scope="module")
def runs(all_runs):
    """{assignment: the English edition's run_alone(...)}."""
    return {a: r for (lang, a), r in all_runs.items() if lang == "en"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("a", ALL)
def test_unanswered_notebook_alone_fails_only_its_graded_cells(a, lang, all_runs):
    run = all_runs[lang, a]
    failing = [(cell, error) for cell, error in run["unanswered"] if error]
    assert all(is_test_cell(c) or is_answer_cell(c) for c, _ in failing), \
        [(c.source[:60], error[:200]) for c, error in failing if not (is_test_cell(c) or is_answer_cell(c))]
    passing = [grade_id(c) for c, error in run["unanswered"] if is_test_cell(c) and not error]
    assert not passing, f"test cells that pass unanswered: {passing}"
    if lang != "en":    # (Python's own NameError for a prediction not made stays English)
        assert any(CJK.search(error) for c, error in failing if is_test_cell(c)), \
            "the unanswered notebook's checks speak its language"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("a", ALL)
def test_solution_alone_runs_without_error_and_needs_no_other_file(a, lang, all_runs):
    run = all_runs[lang, a]
    failing = {gid: error for gid, error in run["solution"].items() if error}
    assert not failing, failing
    assert run["files"] == [f"{a}.ipynb"], "the notebook needs no other file"


def test_every_notebook_has_typical_mistakes():
    for a in ALL:
        entries = mistakes(a)
        assert len(entries) >= 3, f"tests/mistakes/{a}.toml: {len(entries)} mistakes"
        assert len({m["name"] for m in entries}) == len(entries), f"tests/mistakes/{a}.toml: a name twice"
        answers = solution_answers(a)
        assert {m["cell"] for m in entries} <= set(answers), f"tests/mistakes/{a}.toml: no such answer cell"
        for m in entries:
            assert wrong_source(m, answers) != answers[m["cell"]], f"tests/mistakes/{a}.toml: {m['name']}: no change"


@pytest.mark.parametrize("a,name", [(a, m["name"]) for a in ALL for m in mistakes(a)])
def test_mistake_gets_a_hint_that_names_it(a, name, runs):
    m = next(m for m in mistakes(a) if m["name"] == name)
    run = runs[a]["mistakes"][name]
    assert not run["answer"], f"the wrong answer cell itself fails: {run['answer']}"
    assert not run["restored"], f"the solution's {m['cell']} fails when run again after it: {run['restored']}"
    tests = run["tests"]
    failing = {gid: error for gid, error in tests.items() if error}
    unhinted = {gid: error for gid, error in failing.items()
                if not all(w.lower() in error.partition("Hint:")[2].lower() for w in m["hints"])}
    assert not unhinted, f"failing tests whose hint does not say {m['hints']}:\n" + \
        "\n".join(f"{gid}: {error[-1200:]}" for gid, error in unhinted.items())
    assert failing or m.get("timed"), f"no test of {sorted(tests)} catches it"


@pytest.mark.parametrize("a,name", [(a, m["name"]) for a in ALL for m in mistakes(a)[:ZH_MISTAKES]])
def test_a_mistake_in_the_chinese_notebook_fails_the_same_tests_in_chinese(a, name, all_runs):
    """The same wrong answer in the Chinese notebook: the same test cells fail, each with a message (and, where
    the English gives one, a hint) in Chinese."""
    english, chinese = all_runs["en", a]["mistakes"][name]["tests"], all_runs["zh", a]["mistakes"][name]["tests"]
    assert {g for g, e in chinese.items() if e} == {g for g, e in english.items() if e}
    for gid, error in chinese.items():
        if error:
            assert CJK.search(error), f"{gid}: {error[-600:]}"
            assert ("Hint:" in english[gid]) == (HINT_ZH in error), f"{gid}: {error[-600:]}"


def _lesson_text(text):
    """Markdown as words: no emphasis, code marks or backslashes, one space between words, lower case."""
    return " ".join(re.sub(r"[*`\\]", "", text).split()).lower()


@pytest.mark.fast
@pytest.mark.parametrize("a", [a for a in ALL if a < "08"])
def test_every_hint_the_mistakes_get_is_in_the_lessons_common_mistakes(a):
    """A student is never named a mistake the lesson never spoke of: the words of every hint a typical
    mistake gets (tests/mistakes/NN.toml) are in the notebook's Common mistakes cell."""
    nb = nbformat.read(notebook_path(a, SOLUTIONS), as_version=4)
    lesson = [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("### Common mistakes")]
    assert len(lesson) == 1, f"{a}: one Common mistakes cell"
    text = _lesson_text(lesson[0])
    missing = [(m["name"], w) for m in mistakes(a) for w in m["hints"] if _lesson_text(w).rstrip(".") not in text]
    assert not missing, f"{a}: hints its Common mistakes cell does not describe: {missing}"


def test_the_judge_shows_the_line_of_the_answer_that_raised():
    """Graded in the sandbox, the student's class lives in another process: its line comes back with the error."""
    from autograder.sandbox import judge
    from tests.notebooks import read
    answers = solution_answers("02_stride")
    test = next(c.source for c in read("02_stride").cells if c.metadata.get("nbgrader", {}).get("grade_id") ==
                "test_values")
    wrong = answers["conv1d_answer"].replace("window = x[:, :, t * s:t * s + K]",
                                             "window = x[:, :, t * s:t * s + s * (K - 1) + 1:s]")
    verdict = judge.judge_cell(test, [answers["predict_answer"], answers["length_answer"], wrong], 60)
    assert not verdict.passed
    assert 'It raised at line 26: y[:, :, t] = np.einsum("nck,ock->no", window, self.weight)' in verdict.error[1], \
        verdict.error
    assert "right with stride=1" in verdict.hint and "rounds down" not in verdict.hint, verdict.hint
