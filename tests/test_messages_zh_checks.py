"""The checks' messages in Chinese (issue 30): forward, cases, errors, failures, student, answers, initialization,
samples. Wrong answers run through the checks in English and in Chinese: the Chinese message is Chinese (no
sentence of English left outside code, quoted text and parameter names), keeps the English one's numbers, and
what the checks decide from a case's label (hidden or not, whether it shows the call) does not depend on the
language.
"""
import re
from collections import Counter

import numpy as np
import pytest

from autograder import notebook as check
from autograder.catalogues import checks_catalogue
from autograder.notebook.language import use

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)

CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")
# what may stay English in a Chinese message: `code`, quoted text (torch's or the student's own words), a call
# with its arguments (Conv1d(2, 3, kernel_size=3), np.result_type(x, weight))
CODE = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|[\w.]+\([^()]*(?:\([^()]*\)[^()]*)*\)")
ENGLISH_RUN = re.compile(r"\b[A-Za-z]+(?:'[a-z]+)?(?:[ ,;]+[A-Za-z]+(?:'[a-z]+)?){2,}\b")


class Right:
    """A loop answer with stride, integer padding and bias (notebook 06's Conv1d); test students change one thing."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros"):
        self.K, self.s, self.p = kernel_size, stride, padding
        bound = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = np.random.uniform(-bound, bound, out_channels) if bias else None

    def length(self, L):
        return (L + 2 * self.p - self.K) // self.s + 1

    def __call__(self, x):
        xp = np.pad(x, ((0, 0), (0, 0), (self.p, self.p)))
        y = np.stack([np.einsum("nck,ock->no", xp[:, :, t * self.s:t * self.s + self.K], self.weight)
                      for t in range(self.length(x.shape[-1]))], axis=-1)
        return y if self.bias is None else y + self.bias[None, :, None]


class NoStride(Right):          # the stride ignored: too many outputs
    def length(self, L):
        return L + 2 * self.p - self.K + 1

    def __call__(self, x):
        s, self.s = self.s, 1
        try:
            return super().__call__(x)
        finally:
            self.s = s


class RaisesWithNumbers(Right):
    def __call__(self, x):
        raise ValueError(f"cannot use {float(x.ravel()[0]):.6f} here")


class AcceptsGroupsItCannot(Right):     # builds a layer torch refuses
    pass


class InitRand(Right):                  # U(0, 1): the classic mistake of the default initialisation
    def __init__(self, in_channels, out_channels, kernel_size, **kw):
        super().__init__(in_channels, out_channels, kernel_size, **kw)
        self.weight = np.random.rand(out_channels, in_channels, kernel_size)
        self.bias = np.random.rand(out_channels)


class ConstructorBreaks(Right):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        raise TypeError("no layer today")


@pytest.fixture
def both():
    """run(f) -> (English CheckFailed, Chinese CheckFailed) of f(), which must fail in both languages."""
    def run(f):
        found = []
        for lang in ("en", "zh"):
            use(lang, checks_catalogue(lang) if lang != "en" else None)
            np.random.seed(0)
            try:
                with pytest.raises(check.CheckFailed) as e:
                    f()
            finally:
                use("en")
            found.append(e.value)
        return found
    yield run
    use("en")


def english_left(text, theirs=()):
    """Runs of three English words or more in `text` once code, quoted text, calls and `theirs` (what the
    student's code or torch said, quoted as it is) are taken out."""
    for said in theirs:
        text = text.replace(said, " ")
    return ENGLISH_RUN.findall(CODE.sub(" ", text))


def assert_chinese(zh, en, theirs=()):
    assert CJK.search(zh), zh
    assert not english_left(zh, theirs), (english_left(zh, theirs), zh)
    assert Counter(NUMBER.findall(zh)) == Counter(NUMBER.findall(en)), (en, zh)


def test_the_english_word_test_finds_english():
    assert english_left("第 1 个用例：the output is wrong。")
    assert not english_left("第 1 个用例：Conv1d(2, 3, kernel_size=3) 抛出 "
                            "ValueError('in_channels must be divisible')。")


def test_a_wrong_output_shape_in_chinese(both):
    en, zh = both(lambda: check.check_output_shape(NoStride, [check.case(N=2, C_in=2, L=9, C_out=3, K=3, stride=2,
                                                                         bias=True)]))
    assert en.message.startswith("Conv1d(2, 3, kernel_size=3, stride=2, bias=True) on x of shape (2, 2, 9) float64: "
                                 "expected output shape (2, 3, 4), got (2, 3, 7)."), en.message
    assert zh.message == ("Conv1d(2, 3, kernel_size=3, stride=2, bias=True) 作用于形状为 (2, 2, 9) 的 float64 输入 x："
                          "输出形状应为 (2, 3, 4)，实际为 (2, 3, 7)。"), zh.message
    assert_chinese(zh.message, en.message)


def test_a_hidden_case_in_chinese_is_named_as_hidden_and_keeps_its_numbers_private(both):
    """The hidden case's label is Chinese, and it is still a hidden case's: the number the student's error
    quotes (an input's) is masked, as in English; the label says so as data (where.hidden)."""
    cases = [check.case(N=2, C_in=2, L=9, C_out=3, K=3, stride=2, bias=True)]
    en, zh = both(lambda: check.check_values(RaisesWithNumbers, cases, hidden=True))
    assert en.message.startswith("hidden case 1 (uses stride): your forward raised ValueError: cannot use …"), \
        en.message
    assert zh.message.startswith("第 1 个隐藏用例（使用 stride）：你的前向传播抛出了 ValueError: cannot use … here"), \
        zh.message
    assert zh.where.hidden and en.where.hidden and zh.where == zh.message.split("：")[0]
    assert not re.search(r"\d\.\d{6}", zh.message), zh.message
    assert_chinese(zh.message, en.message)
    assert english_left(en.message)


def test_values_that_differ_in_chinese(both):
    class Off(Right):
        def __call__(self, x):
            return super().__call__(x) + 0.5
    cases = [check.case(N=2, C_in=2, L=9, C_out=3, K=3, stride=2, bias=True)]
    en, zh = both(lambda: check.check_values(Off, cases))
    assert "values differ from torch. Largest difference 0.5 at output index" in en.message, en.message
    assert "数值与 torch 不一致。最大差异为 0.5，位于输出索引" in zh.message and "\n  应为[" in zh.message \
        and "\n  实际[" in zh.message, zh.message
    assert_chinese(zh.message, en.message)


def test_an_error_torch_raises_and_the_layer_does_not_in_chinese(both):
    cases = [check.error_case(4, 6, 3, groups=3, says=["in_channels", "groups"])]
    en, zh = both(lambda: check.check_errors(AcceptsGroupsItCannot, cases))
    assert en.message.endswith("when the layer is built; yours raised nothing."), en.message
    assert zh.message.startswith("Conv1d(4, 6, 3, groups=3)：torch 在构造这个层时抛出 ValueError("), zh.message
    assert zh.message.endswith("；你的实现没有抛出任何异常。"), zh.message
    assert_chinese(zh.message, en.message)
    en, zh = both(lambda: check.check_errors(AcceptsGroupsItCannot, cases, hidden=True))
    assert zh.message == ("第 1 个隐藏报错用例（构造阶段）：torch 在构造这个层时抛出 ValueError；"
                          "你的实现没有抛出任何异常。"), zh.message
    assert zh.where.hidden
    assert_chinese(zh.message, en.message)

    class Vague(Right):
        def __init__(self, in_channels, out_channels, kernel_size, groups=1, **kw):
            if in_channels % groups:
                raise ValueError("bad argument")
            super().__init__(in_channels, out_channels, kernel_size, **kw)
    en, zh = both(lambda: check.check_errors(Vague, cases))
    assert "mention in_channels and groups" in en.message, en.message
    assert zh.message.endswith("（torch 的是 'in_channels must be divisible by groups'；"
                               "要提到 in_channels 和 groups）。"), zh.message
    assert_chinese(zh.message, en.message)


def test_a_predicted_answer_in_chinese(both):
    en, zh = both(lambda: check.check_answer("predicted_shape", (4, 8, 7), (4, 8, 6)))
    assert zh.message == ("`predicted_shape` 为 (4, 8, 7)，与 torch 给出的不一致。请根据上面的公式重新推算，"
                          "再运行本单元格下面的那个单元格，与 torch 的结果对照。"), zh.message
    assert_chinese(zh.message, en.message)


def test_the_default_initialisation_and_its_hint_in_chinese(both):
    en, zh = both(lambda: check.check_default_init(InitRand))
    assert "values reach" in en.message and en.hint.startswith("np.random.rand draws from U(0, 1)"), en
    assert zh.message.startswith("默认初始化的 weight：数值的绝对值达到 "), zh.message
    assert "超出了界限 1/sqrt(fan_in) = 0.05" in zh.message, zh.message
    assert zh.hint.startswith("np.random.rand 从 U(0, 1) 中采样"), zh.hint
    assert_chinese(zh.message, en.message)
    assert_chinese(zh.hint, en.hint)
    assert str(zh).endswith("\n  提示：" + zh.hint), str(zh)     # in the language the check failed in


def test_a_constructor_that_raises_in_chinese_names_the_call_once(both):
    """Whether the message repeats the constructor's call is read from the label (where.call), not its words."""
    en, zh = both(lambda: check.check_weight_shape(ConstructorBreaks, [check.case(N=2, C_in=2, L=9, C_out=3, K=3)]))
    assert zh.message.startswith("Conv1d(2, 3, kernel_size=3)：你的构造函数抛出了 TypeError: no layer today"), \
        zh.message
    assert zh.message.count("Conv1d(") == 1 and "你的构造函数（" not in zh.message, zh.message
    en, zh = both(lambda: check.check_default_init(ConstructorBreaks, C_in=8, C_out=4, K=3))
    assert zh.message.startswith("默认初始化：你的构造函数（Conv1d(8, 4, 3)）抛出了 TypeError: no layer today"), \
        zh.message
    assert_chinese(zh.message, en.message, theirs=["no layer today"])


def test_an_output_length_as_a_float_in_chinese(both):
    en, zh = both(lambda: check.check_output_length(lambda L_in, kernel_size, stride=1, padding=0, dilation=1:
                                                    (L_in - kernel_size) / stride + 1,
                                                    [dict(L_in=9, kernel_size=3, stride=2)]))
    assert zh.message == "conv1d_output_length(L_in=9, kernel_size=3, stride=2)：应当返回 int，实际返回了 4.0。", \
        zh.message
    assert zh.hint.endswith("数值本身是对的。"), zh.hint
    assert_chinese(zh.message, en.message)
    assert_chinese(zh.hint, en.hint)


def test_the_pass_lines_in_chinese(capsys):
    use("zh", checks_catalogue("zh"))
    try:
        check.check_output_shape(Right, [check.case(N=2, C_in=2, L=9, C_out=3, K=3, stride=2, bias=True)] * 3)
        check.check_output_length(lambda L_in, kernel_size, stride=1, padding=0, dilation=1:
                                  (L_in - kernel_size) // stride + 1, [dict(L_in=9, kernel_size=3)])
    finally:
        use("en")
    assert capsys.readouterr().out == "✓ 输出形状：3 种配置\n✓ 输出长度：1 个用例\n"


def test_every_message_of_these_modules_has_its_chinese():
    from autograder.build.translations import checks_problems
    mine = ("forward", "cases", "errors", "failures", "student", "answers", "initialization", "samples", "speed")
    wrong = [p for p in checks_problems("zh") if any(f"checks/{m}.po" in p for m in mine)]
    assert not wrong, "\n".join(wrong)
