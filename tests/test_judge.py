"""The judge on its own: every solution passes every test cell through it, and what comes back
from a student's process is data, never code."""
import numpy as np
import pytest

from autograder.notebook import check
from autograder.sandbox import judge
from tests.notebooks import assignments, grade_id, is_test_cell, read, solution_answers


@pytest.mark.parametrize("a", assignments())
def test_every_solution_passes_every_test_cell_through_the_judge(a):
    answers = list(solution_answers(a).values())
    for cell in read(a).cells:
        if is_test_cell(cell):
            passed, text, err, started = judge.judge_cell(cell.source, answers, timeout=60)
            assert passed and started, (grade_id(cell), err)
            assert "✓" in text


def test_student_values_cross_as_data_only():
    answer = ["import numpy as np\n"
              "class Weird:\n    pass\n"
              "def objects():\n    return np.array([Weird()], dtype=object)\n"
              "def complex_():\n    return np.ones(3, complex)\n"
              "def numbers():\n    return (1, 2.5, [np.float32(3)], np.arange(4.0).reshape(2, 2))\n"]
    child = judge.Child(answer, budget=30)
    try:
        got = child.request(op="get", name="numbers")()
        assert got[:2] == (1, 2.5) and got[2] == [3.0]
        assert isinstance(got[3], np.ndarray) and got[3].dtype == np.float64 and got[3].shape == (2, 2)
        for name in ("objects", "complex_"):
            proxy = child.request(op="get", name=name)()
            assert isinstance(proxy, judge.Remote), "non-numeric arrays stay in the student's process"
    finally:
        child.close()


def test_a_student_exception_keeps_its_builtin_type_but_never_a_checks_type():
    assert isinstance(judge.rebuild("ValueError", "m"), ValueError)
    assert isinstance(judge.rebuild("ForbiddenRoutine", "np.convolve"), check.ForbiddenRoutine)
    forged = judge.rebuild("CheckFailed", "looks like a pass")
    assert not isinstance(forged, check.CheckFailed) and isinstance(forged, judge.AnswerError)
    assert isinstance(judge.rebuild("SystemExit", "3"), judge.AnswerError)


@pytest.mark.parametrize("attack, expect", [
    ("import torch", "ForbiddenRoutine"),
    ("import scipy.signal", "ForbiddenRoutine"),
    ("import ctypes; ctypes.CDLL(None).getpid()", "Refused"),
    ("import subprocess; subprocess.run(['true'])", "Refused"),
    ("open('/tmp/x', 'w')", "Refused"),
    ("import os; os.kill(os.getppid(), 9)", "Refused"),
    ("import numpy as np; np.convolve([1], [1])", "ForbiddenRoutine"),
])
def test_the_answer_process_refuses_what_an_answer_never_needs(attack, expect):
    child = judge.Child([attack + "\n"], budget=30)
    try:
        assert [e[1] for e in child.errors] == [expect], child.errors
    finally:
        child.close()


def test_a_grading_secret_changes_every_input_and_solutions_still_pass(monkeypatch):
    public = check.random_cases(["stride", "padding"], 5, seed=1)
    x_public = check.make_data(check.case(seed=3))[0]
    monkeypatch.setenv(judge.SECRET_VARIABLE, "instructor's secret")
    try:
        judge.trusted_namespace()
        assert check.random_cases(["stride", "padding"], 5, seed=1) != public
        assert not np.array_equal(check.make_data(check.case(seed=3))[0], x_public)
        test_every_solution_passes_every_test_cell_through_the_judge("03_padding")
    finally:
        check.set_grading_secret("")
        check._GRADER.clear()
    assert check.random_cases(["stride", "padding"], 5, seed=1) == public


@pytest.mark.parametrize("frame", [
    "b'\\x00\\x00\\x00\\x05hello'",                               # a blob length far over the cap
    "struct.pack('>II', 5, 0) + b'[[[[['",                           # JSON that does not parse
    "struct.pack('>II', 40, 3) + b'{\"ok\": {\"a\": [0, 400], \"dtype\": \"<f8\", \"shape\": [50]}}'[:40] + b'abc'",
])
def test_an_answer_that_writes_on_the_graders_channel_only_fails_itself(frame):
    forge = f"import __main__, os, struct\nos.write(__main__.PROTO_OUT, {frame})\nx = 1\n"
    passed, _, err, started = judge.judge_cell("check_answer('x', x, 1)", [forge], timeout=30)
    assert not passed and err[0] in ("AnswerError", "AnswerStopped"), err
    assert "garbled" in err[1] or "more data" in err[1] or "unreadable" in err[1], err


@pytest.mark.parametrize("ref", [
    {"a": [0, 80], "dtype": "<f8", "shape": [20]},          # runs past the blob
    {"a": [-8, 8], "dtype": "<f8", "shape": [1]},           # before it
    {"a": [0, 8], "dtype": "<f8", "shape": [2]},            # a size that does not match the shape
    {"a": [0, 8], "dtype": "|O", "shape": [1]},             # objects are not data
    {"a": [0, 8], "dtype": "<f8", "shape": [-1, -1]},
    {"a": [0, 8], "dtype": "<f8"},
])
def test_an_array_from_the_wire_is_checked_against_its_frame(ref):
    from autograder.sandbox import wire
    with pytest.raises(wire.FrameError):
        wire.array(ref, bytearray(40))


def test_arrays_cross_the_wire_raw():
    from autograder.sandbox import wire
    frame = wire.Frame()
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    msg = {"ok": {"t": [frame.array(x), 2]}}
    data = b"".join(bytes(p) for p in frame.pack(msg))
    assert len(data) < 100 + x.nbytes          # no base64: the array's bytes plus a short header
    stream = iter([data])
    buf = bytearray()

    def read(n):
        nonlocal buf
        if not buf:
            buf = bytearray(next(stream, b""))
        out, buf = bytes(buf[:n]), buf[n:]
        return out
    obj, blob = wire.read_frame(read, 1000, 1000)
    y = judge.decode(obj["ok"], None, blob)
    assert isinstance(y, tuple) and y[1] == 2 and np.array_equal(y[0], x) and y[0].dtype == np.float32
