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


def test_an_answer_that_writes_on_the_graders_channel_only_fails_itself():
    forge = ("import __main__\n"
             "__main__.PROTO_OUT.write(b'\\x00\\x00\\x00\\x05hello')\n")
    passed, _, err, started = judge.judge_cell("check_answer('x', x, 1)", [forge], timeout=30)
    assert not passed and not started and err[0] == "AnswerError"
