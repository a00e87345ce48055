"""What the reading of the Chinese notebooks 03 and 05 found in their tests' messages (issue 30): the hints a
predict cell names in its `mistakes=` are written in the test cell, which is English in both editions, so
check_answer shows them through answers.py's catalogue; and a Conv1d that still raises the stub's
NotImplementedError is told so by check_raises too, not "raised NotImplementedError: ; torch raises ...".
"""
import ast

import nbformat
import pytest

from autograder import notebook as check
from autograder.build.series import assignments
from autograder.build.translations import templates
from autograder.catalogues import checks_catalogue
from autograder.notebook.language import use
from tests.test_messages_zh_hints import CJK, english_runs, numbers

pytestmark = pytest.mark.fast


def predict_hints():
    """{hint: assignment} of every `mistakes=` of a check_answer call in the solutions' test cells: the string
    constants of its value, and those of the names it uses that the cell assigns (groups_ignored = "...")."""
    from autograder.build.series import notebook_path
    found = {}
    for a in assignments():
        for cell in nbformat.read(notebook_path(a), as_version=4).cells:
            if cell.cell_type != "code" or "check_answer(" not in cell.source or "def check_answer" in cell.source:
                continue
            tree = ast.parse(cell.source)
            assigned = {t.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                        for t in node.targets if isinstance(t, ast.Name)}
            for call in ast.walk(tree):
                if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "check_answer"):
                    continue
                for kw in call.keywords:
                    if kw.arg != "mistakes":
                        continue
                    for node in ast.walk(kw.value):
                        if isinstance(node, ast.Name) and node.id in assigned:
                            node = assigned[node.id]
                        if isinstance(node, ast.Constant) and isinstance(node.value, str):
                            found[node.value] = a
    return found


def test_every_hint_of_a_predict_cell_is_a_message_of_answers_with_its_chinese():
    hints = predict_hints()
    assert len(hints) >= 10, hints                    # 01, 03, 04, 05, 06 and 08 name mistakes
    listed = set(templates(check.sources()["answers"]))
    catalogue = checks_catalogue("zh")
    for hint, assignment in hints.items():
        assert hint in listed, f"{assignment}: add this hint to answers._predict_hints: {hint!r}"
        assert "{" not in hint and "}" not in hint, hint           # shown as it is, not formatted
        assert CJK.search(catalogue.get(hint, "")), f"{assignment}: no Chinese for {hint!r}"
        assert not english_runs(catalogue[hint]), catalogue[hint]
        assert numbers(catalogue[hint]) == numbers(hint), (hint, catalogue[hint])


def hint_of_answer(lang, got, want, mistakes):
    use(lang, checks_catalogue(lang) if lang != "en" else None)
    try:
        with pytest.raises(check.CheckFailed) as e:
            check.check_answer("predicted_shape", got, want, mistakes=mistakes)
    finally:
        use("en")
    return e.value.hint or ""


@pytest.mark.parametrize("assignment, got", [("03_padding", (4, 8, 14)), ("05_groups", (9, 3, 4))])
def test_a_predicted_mistake_gets_its_hint_in_the_notebooks_language(assignment, got):
    hint = next(h for h, a in predict_hints().items() if a == assignment and ("padding" in h or "number of" in h))
    english = hint_of_answer("en", got, (4, 8, 17), {got: hint})
    chinese = hint_of_answer("zh", got, (4, 8, 17), {got: hint})
    assert english == hint
    assert CJK.search(chinese) and not english_runs(chinese), chinese
    assert hint_of_answer("zh", (1, 2, 3), (4, 8, 17), {got: hint}) == ""      # another wrong value: no hint


class Stub:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode="zeros"):
        raise NotImplementedError()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_check_raises_tells_a_stub_it_is_not_written_yet(lang):
    use(lang, checks_catalogue(lang) if lang != "en" else None)
    try:
        with pytest.raises(check.CheckFailed) as e:
            check.check_raises(Stub, dict(in_channels=1, out_channels=1, kernel_size=3, stride=2, padding="same"),
                               "padding='same' is not supported for strided convolutions")
    finally:
        use("en")
    said = str(e.value)
    assert "raise NotImplementedError()" in said and "NotImplementedError: ;" not in said, said
    assert said.startswith("Conv1d(in_channels=1, out_channels=1, kernel_size=3, stride=2, padding='same')"), said
    assert bool(CJK.search(said)) == (lang == "zh"), said
