"""The forward's hints (autograder/notebook/hints.py, lengths.py) in Chinese (issue 30): a wrong answer checked
with the Chinese catalogue gets its hint in Chinese, with the numbers of the English hint.

Each student below makes one mistake; its check runs twice, in English (the hint must be the one that names the
mistake) and in Chinese (the hint must be Chinese: CJK characters and no English phrase left, only code, shapes
and parameter names in Latin letters)."""
import re
from collections import Counter

import polib
import pytest

from autograder import notebook as check
from autograder.catalogues import LOCALE, checks_catalogue
from autograder.notebook.language import use
from tests.test_hints import Float32, LengthBeforePadding, Loop

pytestmark = pytest.mark.fast

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three or more English words in a row (a comma may follow a word), outside `code`: a sentence left in English.
# A word touching code punctuation (range(N), np.pad, x[n]) is code, not a word.
ENGLISH_RUN = re.compile(r"(?<![^\s])[A-Za-z]+(?:,? [A-Za-z]+){2,}(?=[,.;:]?(?:\s|$))")


def english_runs(text):
    text = re.sub(r"`[^`]*`", " ", text)                               # code spans
    text = re.sub(r"[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]", "\n", text)  # Chinese text and punctuation
    return ENGLISH_RUN.findall(text)


def numbers(text):
    return Counter(re.findall(r"\d+", text))


class IgnoresGroups(Loop):              # a weight of (C_out, C_in, K) whatever the groups
    def weight_shape(self, C_in, C_out, K, g):
        return (C_out, C_in, K)


class Squeezed(Loop):                   # an unbatched output squeezed: axes of length 1 lost
    def forward(self, x):
        y = super().forward(x if x.ndim == 3 else x[None])
        return y.squeeze() if x.ndim == 2 else y


def one_short(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in - kernel_size) // stride


STUDENTS = {   # name: (the check run on the wrong answer, words of its English hint)
    "L_out before padding": (lambda: check.check_values(
        LengthBeforePadding, [check.case(N=2, C_in=2, L=9, C_out=3, K=3, padding=2)]), "the first 7 positions"),
    "weight without groups": (lambda: check.check_weight_shape(
        IgnoresGroups, [check.case(N=2, C_in=4, L=9, C_out=6, K=3, groups=2)]), "C_in // groups = 2 channels"),
    "squeezed output": (lambda: check.check_values(
        Squeezed, [check.case(N=1, C_in=2, L=9, C_out=1, K=3, unbatched=True)]), "(here C_out = 1)"),
    "float32": (lambda: check.check_values(
        Float32, [check.case(N=2, C_in=4, L=20, C_out=3, K=5, bias=True)]), "your output is float32"),
    "length one short": (lambda: check.check_output_length(
        one_short, [dict(L_in=10, kernel_size=3, stride=2)]), "one output too short"),
}


def hint_in(lang, run):
    use(lang, checks_catalogue(lang) if lang != "en" else None)
    try:
        with pytest.raises(check.CheckFailed) as e:
            run()
    finally:
        use("en")
    return e.value.hint or ""


@pytest.mark.parametrize("name", STUDENTS)
def test_a_wrong_answer_gets_its_hint_in_chinese_with_the_numbers_of_the_english(name):
    run, says = STUDENTS[name]
    english, chinese = hint_in("en", run), hint_in("zh", run)
    assert says in english, english
    assert english_runs(english), f"the detector of English finds none in the English hint: {english}"
    assert CJK.search(chinese), chinese
    assert not english_runs(chinese), (english_runs(chinese), chinese)
    assert numbers(chinese) == numbers(english), (chinese, english)
    assert hint_in("en", run) == english, "use('en') after: English again"


@pytest.mark.parametrize("module", ["hints", "lengths"])
def test_every_chinese_hint_template_is_chinese(module):
    """Every translated template of the module: CJK characters and no English phrase (a template of fields and
    punctuation only, "{first} and {second}", needs no CJK)."""
    entries = [e for e in polib.pofile(str(LOCALE / "zh" / "checks" / f"{module}.po")) if not e.obsolete]
    assert entries
    for e in entries:
        words = re.sub(r"\{[^}]*\}|\band\b", "", e.msgid)
        assert e.msgstr and (CJK.search(e.msgstr) or not re.search(r"[A-Za-z]", words)), e.msgid
        assert not english_runs(e.msgstr), (english_runs(e.msgstr), e.msgstr)


def test_the_detector_of_english_runs():
    assert english_runs("the bias is missing: add bias[o]") == ["the bias is missing"]
    assert not english_runs("批量轴不对：即 n in range(N) 的每个 x[n]。")
    assert not english_runs("先取出整数，例如 `stride = stride[0] if isinstance(stride, tuple) else stride`。")
    assert english_runs("偏置 was added twice，应当只加一次。") == ["was added twice"]
