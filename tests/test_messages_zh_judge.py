"""The judge's messages (autograder/sandbox/judge.py) speak Chinese when the submission does: what the student
reads of a time limit, a name the answer cells do not define, a hidden case that fails, and what the answer's
process refused or did not run (said in English in the sandbox, confine.SANDBOX_MESSAGES, and said again by the
judge). Each is a Chinese sentence with the English one's numbers, names and code. No sandbox here: the judge's
pieces are run on their own (the sandboxed runs are tests/test_judge.py's, in English)."""
import os
import re
import string
import threading
import time

import numpy as np
import pytest

from autograder import notebook as check
from autograder.catalogues import checks_catalogue
from autograder.notebook.language import tr, use
from autograder.sandbox import confine, judge

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row, separated by spaces only: a sentence left untranslated (code spans cut out first).
ENGLISH_RUN = re.compile(r"(?<![\w.'])[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}(?![\w(])")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
# What the sandbox's messages are filled with, as the answer's process fills them.
FIELDS = {"routine": "np.convolve", "module": "scipy.signal", "file": "_sigtools.cpython-311-x86_64-linux-gnu.so",
          "library": "libc.so.6", "event": "gc.get_objects", "path": "/course/gradebook.db",
          "what": "!pip install -q torch"}


def in_language(lang, make):
    """make() with the messages in `lang` (English again afterwards)."""
    use(lang, checks_catalogue(lang))
    try:
        return make()
    finally:
        use("en")


def assert_chinese(zh, en, keep=(), theirs=()):
    """zh is a Chinese sentence with en's numbers and the values `keep`, and no English sentence left but
    `theirs` (what the student's code said, quoted as it is)."""
    assert CJK.search(zh), zh
    ours = re.sub(r"`[^`]*`", "", zh)
    for text in theirs:
        ours = ours.replace(text, "")
    assert not ENGLISH_RUN.findall(ours), (zh, ENGLISH_RUN.findall(ours))
    assert sorted(NUMBER.findall(zh)) == sorted(NUMBER.findall(en)), (zh, en)
    for value in keep:
        assert value in zh and value in en, (value, zh, en)


@pytest.mark.parametrize("key", sorted(confine.SANDBOX_MESSAGES))
def test_what_the_sandbox_says_reaches_the_student_in_chinese(key):
    """Every message of the answer's process (a refusal, a shell line not run) is said again by the judge: the
    same text in English (the judge's template is the sandbox's), a Chinese sentence with its values in Chinese."""
    template = confine.SANDBOX_MESSAGES[key]
    values = {f: FIELDS[f] for _, f, _, _ in string.Formatter().parse(template) if f}
    english = template.format(**values)
    assert set(judge.SANDBOX_SAID) == set(confine.SANDBOX_MESSAGES)
    assert judge.sandbox_said(english) == english
    chinese = in_language("zh", lambda: judge.sandbox_said(english))
    assert_chinese(chinese, english, keep=values.values())
    assert judge.sandbox_said("grading sandbox: something of the student's own") == \
        "grading sandbox: something of the student's own"


def missing(errors):
    """The NameError the judge gives when the answer cells, which raised `errors`, do not define Conv1d."""
    child = judge.Child.__new__(judge.Child)
    child.errors = errors
    return str(child._missing("Conv1d"))


@pytest.mark.parametrize("errors", [
    [],
    [(1, "ValueError", "kernel_size must be positive"), (2, "NotImplementedError", "")],
    [(3, "PermissionError", confine.SANDBOX_MESSAGES["event"].format(event="os.system")), (4, "KeyError", "")],
])
def test_a_name_the_answer_cells_do_not_define(errors):
    """`Conv1d` is not defined: why, answer cell by answer cell (the stub still raising, an exception, the
    sandbox's refusal in it), in Chinese."""
    english, chinese = missing(errors), in_language("zh", lambda: missing(errors))
    theirs = [message for _, name, message in errors if name != "PermissionError"]     # the refusal is ours
    assert_chinese(chinese, english, keep=["`Conv1d`", *(e[1] for e in errors)], theirs=theirs)
    if errors and errors[-1][1] == "NotImplementedError":
        assert "`raise NotImplementedError()`" in chinese
    if errors and errors[0][1] == "PermissionError":
        assert "评分沙箱" in chinese and "os.system" in chinese, chinese


class ZeroConv1d:
    """An answer whose output has torch's shape and the wrong values."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, **kw):
        self.k, self.s, self.p, self.d = kernel_size, stride, padding, dilation
        self.weight, self.bias = np.zeros((out_channels, in_channels, kernel_size)), np.zeros(out_channels)

    def __call__(self, x):
        L = (x.shape[-1] + 2 * self.p - self.d * (self.k - 1) - 1) // self.s + 1
        return np.ones(x.shape[:-1][:-1] + (self.weight.shape[0], L))


def hidden_failure():
    with pytest.raises(check.CheckFailed) as e:
        check.check_values(ZeroConv1d, check.random_cases(["stride"], n=2, seed=5), hidden=True)
    return judge.hidden_message(e.value)


def test_a_hidden_case_that_fails_says_so_in_chinese():
    """A failed check in a hidden case: which case and what failed, in the course's words, in Chinese."""
    english, chinese = hidden_failure(), in_language("zh", hidden_failure)
    assert "the output is not torch's" in english and "hidden cases keep their details private" in english
    assert_chinese(chinese, english, keep=["torch"])
    assert "隐藏用例" in chinese


def out_of_time():
    """The messages of an answer that takes a test cell's whole time (its own, spinning), then of the same call
    in the next cell: (what the cell says, what the next one says)."""
    clock = judge.Clock(0.1, backstop=30)
    clock.watch(os.getpid())
    child = judge.Child.__new__(judge.Child)
    child.clock, child.ledger, child.closed = clock, judge.Ledger(60), True
    child.ledger.cell, child.call = "test_values", (("call", "Conv1d(...)"), tr("your {label}", label="Conv1d(...)"))
    read, write = os.pipe()
    done = threading.Event()

    def spin():
        while not done.is_set():
            sum(range(1000))
    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        with pytest.raises(judge.OutOfTime) as first:
            child._wait(read)
    finally:
        done.set()
        spinner.join()
        clock.probe.close()
        os.close(read)
        os.close(write)
    with pytest.raises(judge.NotRunAgain) as again:
        child._refuse_again()
    return str(first.value), str(again.value)


def test_a_call_out_of_time_and_not_run_again_in_chinese():
    """A call that took a cell's whole time is stopped, and not run again in a later cell: both said in Chinese,
    with the seconds, the call and the cell of the English."""
    start = time.monotonic()
    english, chinese = out_of_time(), in_language("zh", out_of_time)
    assert english[0] == "your code did not finish within 0.1 s of its own time (a test cell's limit); stopped in " \
                         "your Conv1d(...)", english
    assert english[1] == "not run: your Conv1d(...) already ran out of time in test_values: it did not finish " \
                         "within 0.1 s of its own time (a test cell's limit)", english
    for zh, en in zip(chinese, english):
        assert_chinese(zh, en, keep=["Conv1d(...)"])
    assert "test_values" in chinese[1]
    assert time.monotonic() - start < 10
