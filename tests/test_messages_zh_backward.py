"""Notebook 08's checks (backward.py, backward_hints.py, numerical.py) speak Chinese once a Chinese notebook sets the
language: the message and the hint of a wrong answer are Chinese sentences, with the numbers, shapes and code of
the English one. Only the text of these modules is looked at: the case's description that every message here
starts with (`{where}:`, from cases.py) is cut off."""
import collections
import contextlib
import io
import re

import numpy as np
import pytest

from autograder import notebook as check
from autograder.catalogues import checks_catalogue
from autograder.notebook.cases import _where
from autograder.notebook.language import use
from tests.notebooks import mistakes, solution_answers, wrong_source

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row, separated by spaces only: a sentence left untranslated (code, shapes and
# parameter names are joined by dots, brackets, commas or operators, and a code span is cut out first).
ENGLISH_RUN = re.compile(r"(?<![\w.'])[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}(?![\w(])")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


@pytest.fixture
def zh():
    use("zh", checks_catalogue("zh"))
    yield
    use("en")


def answer(source, name="Conv1d"):
    namespace = {"np": np}
    exec(source, namespace)
    return namespace[name]


def wrong(name):
    answers = solution_answers("08_backward")
    m = next(m for m in mistakes("08_backward") if m["name"] == name)
    return answer(wrong_source(m, answers), "numerical_gradients" if m["cell"] == "numgrad_answer" else "Conv1d")


def failure(run, c, hidden=False):
    """(message after the description of case `c`, hint) of the CheckFailed that run() raises."""
    with pytest.raises(check.CheckFailed) as e:
        run()
    message, where = e.value.message, _where(c, 0, hidden)
    assert message.startswith(where) and message[len(where)] in ":：", (where, message)
    return message[len(where) + 1:], e.value.hint or ""


def english_left(text):
    return ENGLISH_RUN.findall(re.sub(r"`[^`]*`", "", text))


def assert_chinese_like(zh_text, en_text):
    assert CJK.search(zh_text), zh_text
    assert not english_left(zh_text), (english_left(zh_text), zh_text)
    assert english_left(en_text), f"the English is a sentence: {en_text}"     # the test can fail
    assert collections.Counter(NUMBER.findall(zh_text)) == collections.Counter(NUMBER.findall(en_text)), \
        (zh_text, en_text)


SOLUTION = solution_answers("08_backward")["conv1d_answer"]
CASE = check.case(N=2, C_in=2, L=7, C_out=2, K=3, seed=7, stride=2, bias=True)
FLOOR = check.case(N=2, C_in=2, L=10, C_out=3, K=3, seed=66, stride=2, padding=1, padding_mode="reflect")
RUNS = {      # name: (the case, a check on a wrong answer, run on the case)
    "values (kernel flipped in dx)": (CASE, lambda c, hidden: check.check_backward(
        wrong("kernel flipped in dx"), [c], hidden=hidden)),
    "shape (bias gradient per sample)": (check.case(N=3, C_in=2, L=7, C_out=2, K=3, seed=70, bias=True),
                                         lambda c, hidden: check.check_backward(
        wrong("bias gradient per sample"), [c], hidden=hidden, grads=["db"])),
    "no bias (bias gradient without a bias)": (check.case(N=2, C_in=2, L=7, C_out=2, K=3, seed=68, bias=False),
                                               lambda c, hidden: check.check_backward(
        wrong("bias gradient without a bias"), [c], hidden=hidden)),
    "dx_pad too short (a hint from the error)": (FLOOR, lambda c, hidden: check.check_backward(
        wrong("dx as long as conv_transpose1d without output_padding"), [c], hidden=hidden, grads=["db"])),
    "returns two things": (CASE, lambda c, hidden: check.check_backward(answer(SOLUTION.replace(
        "    def backward(self, dy):\n", "    def backward(self, dy):\n        return 1, 2\n")), [c], hidden=hidden)),
    "numerical gradients over eps": (dict(CASE, dtype="float64"), lambda c, hidden: check.check_numerical_gradients(
        wrong("central difference divided by eps"), answer(SOLUTION), [c], hidden=hidden)),
}


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
@pytest.mark.parametrize("name", RUNS)
def test_a_wrong_answer_gets_its_message_and_hint_in_chinese(name, hidden, zh):
    c, run = RUNS[name]
    message, hint = failure(lambda: run(c, hidden), c, hidden)
    use("en")
    en_message, en_hint = failure(lambda: run(c, hidden), c, hidden)
    if "raised" in en_message:      # the exception's text and the line it raised at are the student's: the
        # first line up to the exception's name, and the last
        en_message = en_message[:en_message.index(": ")] + "\n" + en_message.splitlines()[-1]
        message = message[:message.index("：")] + "\n" + message.splitlines()[-1]
    assert_chinese_like(message, en_message)
    assert bool(hint) == bool(en_hint)
    if hint:
        assert_chinese_like(hint, en_hint)


def test_two_hints_are_joined_as_chinese_sentences(zh):
    """Where two mistakes give the student's numbers, both hints are named: in Chinese, one sentence after the
    other, with no space between."""
    c = check.case(N=1, C_in=1, L=3, C_out=1, K=1, seed=1215464414, stride=3, dilation=3, padding=3,
                   padding_mode="circular", bias=True)
    Conv1d = wrong("padding folded back with a fancy-index += (a repeated index adds once)")
    _, hint = failure(lambda: check.check_backward(Conv1d, [c]), c)
    assert hint.startswith("索引有重复") and "dx 的裁剪偏移量错了" in hint and "。dx" in hint, hint
    use("en")
    _, en_hint = failure(lambda: check.check_backward(Conv1d, [c]), c)
    assert "one element at a time. dx is cropped at the wrong offset" in en_hint, en_hint
    assert_chinese_like(hint, en_hint)


def test_the_check_mark_line_in_chinese(zh):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check.check_backward(answer(SOLUTION), [CASE, check.case(seed=3)])
    assert out.getvalue() == "✓ dx, dw, db 与 torch.autograd 一致：2 种配置\n"


# ---- the explorer (explorer.py): its words in Chinese under the picture, none in the picture --------------------

def explorer_settings():
    from autograder.notebook import explorer
    from tests.test_explorer import panel_settings
    for name in explorer.PANELS:
        yield from panel_settings(name, n=6, seed=5)
    yield dict(L_in=3, kernel_size=3, padding=3, padding_mode="reflect")          # torch refuses it
    yield dict(L_in=6, kernel_size=3, in_channels=3, out_channels=4, groups=2)       # groups divide neither


def test_the_explorers_text_is_chinese_and_its_picture_has_no_words(zh):
    """The lines under the picture (but the formula) are Chinese with the English's numbers; the picture holds
    only symbols, parameter names and numbers, all in matplotlib's own font (DejaVu Sans: no CJK, on Colab
    neither), so that it renders everywhere."""
    import warnings

    import matplotlib.text

    from autograder.notebook import explorer
    for p in explorer_settings():
        lines = explorer.describe(p)[1:]
        use("en")
        english = explorer.describe(p)[1:]
        use("zh", checks_catalogue("zh"))
        assert len(lines) == len(english) >= 1
        for zh_line, en_line in zip(lines, english):
            words = re.sub(r"<code>.*?</code>|\$[^$]*\$", "", zh_line)       # torch's message, the maths
            assert CJK.search(words) and not english_left(words), zh_line
            assert collections.Counter(NUMBER.findall(zh_line)) == collections.Counter(NUMBER.findall(en_line))
        with warnings.catch_warnings():
            warnings.simplefilter("error")            # matplotlib warns of a glyph missing from the font
            fig = explorer.figure(p, focus=1)
            fig.savefig(io.BytesIO(), format="png")
        texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
        assert not [t for t in texts if CJK.search(t) or english_left(t)], texts


def test_the_live_explorer_speaks_chinese(zh, monkeypatch):
    from autograder.notebook import explorer
    from tests.test_explorer import live_panel
    image, text, controls = live_panel("stride", monkeypatch)
    assert "输出位置 t" in controls and "torch 给出的输出形状" in text.value and "从未被读取" in text.value
    assert set(controls) - {"输出位置 t"} == set(explorer.PANELS["stride"])     # the parameters keep their names
