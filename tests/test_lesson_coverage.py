"""Hidden tests vary the values, never the rules (issue 29): every condition a hidden case of a notebook
checks is taught in that notebook.

- An error case (check_errors, check_raises) is taught when a visible error case of the notebook makes
  torch raise the same type at the same stage with the same message once numbers, quoted values and
  shapes are masked, or when a row of the notebook's error table names that stage, that type and a
  fragment of torch's message (computed here, never typed in this test).
- A forward case (case, random_cases; in check_values, check_backward and the others) is taught when
  each kind of parameter it uses (KINDS: a padding mode, 'same', 'valid', 1-tuples, an unbatched input,
  a dtype, a layout, dilation and groups together, circular padding as long as the input...) is used by
  a visible case of the notebook.

The hidden blocks are read from the solutions (### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS) and run
with recorders in place of the checks, so the cases are the ones the grader draws."""
import builtins
import re
import sys
import types

import nbformat
import numpy as np
import pytest
import torch

from autograder.notebook import case, error_case, random_cases
from autograder.notebook.errors import _torch_error
from autograder.notebook.padding import _one, _pad_amounts
from tests.notebooks import SOLUTIONS, assignments, is_test_cell, notebook_path

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS\n(.*?)^[ \t]*### END HIDDEN TESTS\n?", re.M | re.S)
# The checks whose arguments are layer cases, and where the list of cases sits in their arguments.
CASE_CHECKS = ("check_values", "check_output_shape", "check_weight_shape", "check_backward")


def _geometry(c):
    left, right = _pad_amounts(c)
    s, d = _one(c["conv"].get("stride", 1)), _one(c["conv"].get("dilation", 1))
    return left, right, s, d


# Each kind of parameter a case can use: a name, and whether case `c` uses it.
KINDS = {
    "stride of 2 or more": lambda c: _geometry(c)[2] >= 2,
    "integer padding": lambda c: not isinstance(_one(c["conv"].get("padding", 0)), str)
                                 and _one(c["conv"].get("padding", 0)) > 0,
    "padding='same'": lambda c: c["conv"].get("padding") == "same",
    "padding='same' split unevenly": lambda c: c["conv"].get("padding") == "same"
                                               and _geometry(c)[0] != _geometry(c)[1],
    "padding='valid'": lambda c: c["conv"].get("padding") == "valid",
    **{f"padding_mode='{m}'": (lambda c, m=m: c["conv"].get("padding_mode") == m and max(_geometry(c)[:2]) > 0)
       for m in ("reflect", "replicate", "circular")},
    "reflect padding of L_in - 1": lambda c: c["conv"].get("padding_mode") == "reflect"
                                             and max(_geometry(c)[:2]) == c["L"] - 1 >= 1,
    "circular padding of L_in (wraps the whole input)": lambda c: c["conv"].get("padding_mode") == "circular"
                                                                  and max(_geometry(c)[:2]) == c["L"],
    "dilation of 2 or more": lambda c: _geometry(c)[3] >= 2,
    "groups of 2 or more": lambda c: _one(c["conv"].get("groups", 1)) >= 2,
    "dilation and groups together": lambda c: _geometry(c)[3] >= 2 and _one(c["conv"].get("groups", 1)) >= 2,
    "depthwise groups (groups = C_in)": lambda c: c["conv"].get("groups", 1) == c["C_in"] >= 2,
    "bias=False": lambda c: c["conv"].get("bias") is False,
    "float32 input": lambda c: c.get("dtype") == "float32",
    "1-tuples": lambda c: bool(c.get("tuples")),
    "unbatched input": lambda c: bool(c.get("unbatched")),
    "the output keeps the input's dtype": lambda c: bool(c.get("same_dtype")),
    **{f"input layout '{lay}'": (lambda c, lay=lay: c.get("layout") == lay)
       for lay in ("transposed", "strided", "reversed")},
}


def kinds(c):
    return {name for name, uses in KINDS.items() if uses(c)}


class Recorder:
    """Stands for conv1d_course while a test cell runs: the checks record their cases, the rest is real."""

    def __init__(self):
        self.calls = []         # (check, hidden, layer cases, error cases)
        self.module = types.ModuleType("conv1d_course")
        for name in ("check_values", "check_output_shape", "check_weight_shape", "check_backward",
                     "check_errors", "check_raises", "check_output_length", "check_default_init",
                     "check_numerical_gradients", "check_signature", "check_answer", "check_torch_samples",
                     "output_shape", "check_speed"):
            setattr(self.module, name, self._recorder(name))
        self.module.case, self.module.random_cases, self.module.error_case = case, random_cases, error_case
        self.module.SPEED_CASE = {}

    def _recorder(self, name):
        def record(*args, hidden=False, **kwargs):
            cases, errors = [], []
            if name in CASE_CHECKS:
                cases = list(args[1])
            elif name == "check_numerical_gradients":
                cases = list(args[2])
            elif name == "check_output_length":
                cases = [case(N=1, C_in=1, L=d["L_in"], C_out=1, K=d["kernel_size"],
                              **{k: v for k, v in d.items() if k not in ("L_in", "kernel_size")}) for d in args[1]]
            elif name == "check_default_init":
                cases = [case(N=1, C_in=kwargs.pop("C_in"), C_out=kwargs.pop("C_out"), K=kwargs.pop("K"),
                              **{k: v for k, v in kwargs.items() if k != "dtype"})]
            elif name == "check_errors":
                errors = list(args[1])
            elif name == "check_raises":
                conv = dict(args[1])
                errors = [error_case(conv.pop("in_channels"), conv.pop("out_channels"), conv.pop("kernel_size"),
                                     **conv)]
            self.calls.append((name, hidden, cases, errors))
        return record


class Answers(dict):
    """A test cell's names: the lesson's modules, what the cell defines, and None for every answer it reads
    (Conv1d...)."""

    def __missing__(self, name):
        if hasattr(builtins, name):
            raise KeyError(name)
        return None


def recorded(assignment):
    """(the notebook, a Recorder of every test cell's checks, visible and hidden, run as the grader runs them)."""
    nb = nbformat.read(notebook_path(assignment, SOLUTIONS), as_version=4)
    rec = Recorder()
    saved = sys.modules.get("conv1d_course")
    sys.modules["conv1d_course"] = rec.module
    try:
        for cell in nb.cells:
            if cell.cell_type == "code" and is_test_cell(cell):
                exec(compile(cell.source, "<test cell>", "exec"),
                     Answers(np=np, torch=torch, nn=torch.nn, F=torch.nn.functional))
    finally:
        if saved is None:
            del sys.modules["conv1d_course"]
        else:
            sys.modules["conv1d_course"] = saved
    return nb, rec


@pytest.fixture(scope="module")
def course():
    """{assignment: (notebook, Recorder)} for every notebook."""
    return {a: recorded(a) for a in assignments()}


# ---- error cases ----------------------------------------------------------------------------------------

STAGE_WORDS = {"construction": "constructor", "forward": "forward"}


def masked(text):
    """A message with what varies from case to case masked: quoted values, sets, lists, numbers; `…` (in a
    table's fragment) stands for anything."""
    text = text.replace("…", "\0")
    text = re.sub(r"'[^']*'", "Q", text)
    text = re.sub(r"\{[^{}]*\}", "S", text)
    text = re.sub(r"\[[^\[\]]*\]", "B", text)
    return re.sub(r"\d+", "#", text)


def fragment_matches(fragment, message):
    """Whether a table's fragment of a message (`…` for what varies) is part of torch's `message`."""
    pattern = ".*?".join(re.escape(part) for part in masked(fragment).split("\0"))
    return re.search(pattern, masked(message)) is not None


def error_table(nb):
    """The rows of the notebook's error tables (a markdown table with a 'raised by' column): (the row's
    text, its fragments of torch's messages: the code spans of its last column)."""
    rows = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        header = None
        for line in cell.source.splitlines():
            if not line.startswith("|"):
                header = None
                continue
            cols = [col.strip() for col in line.strip().strip("|").split("|")]
            if header is None:
                header = [col.lower() for col in cols]
            elif "raised by" in header and not set(line) <= set("|-: "):
                rows.append((line, re.findall(r"`([^`]+)`", cols[-1])))
    return rows


def teaching_row(rows, stage, etype, message):
    """The table row that names torch's stage, type and (a fragment of) its message, or None."""
    for line, fragments in rows:
        if (STAGE_WORDS[stage] in line and f"`{etype.__name__}`" in line
                and any(len(f.split()) >= 3 and fragment_matches(f, message) for f in fragments)):
            return line
    return None


def error_cases(rec, hidden):
    return [e for _, h, _, errors in rec.calls if h == hidden for e in errors]


def test_the_matching_reads_a_row_as_its_words_not_its_numbers():
    message = ("Given groups=1, weight of size [2, 2, 3], expected input[1, 3, 5] to have 2 channels, "
               "but got 3 channels instead")
    assert fragment_matches("expected input[…] to have 4 channels, but got 6 channels instead", message)
    assert not fragment_matches("expected input[…] to have 4 groups", message)
    assert fragment_matches("Invalid padding string 'full', should be one of …",
                            "Invalid padding string 'SAME', should be one of {'valid', 'same'}")
    rows = [("| `groups` ≤ 0 | constructor | `ValueError` | `groups must be a positive integer` |",
             ["groups must be a positive integer"])]
    assert teaching_row(rows, "construction", ValueError, "groups must be a positive integer")
    assert not teaching_row(rows, "forward", ValueError, "groups must be a positive integer")
    assert not teaching_row(rows, "construction", RuntimeError, "groups must be a positive integer")
    assert not teaching_row(rows, "construction", ValueError, "in_channels must be divisible by groups")


@pytest.mark.parametrize("assignment", assignments())
def test_every_hidden_error_case_is_taught(course, assignment):
    """Each hidden error case makes torch raise what a visible error case of the notebook makes it raise
    (the same stage, type and message, numbers and quoted values aside), or what a row of the notebook's
    error table names (stage, type and torch's words)."""
    nb, rec = course[assignment]
    visible = {(stage, etype, masked(message)) for stage, etype, message in map(_torch_error, error_cases(rec, False))}
    rows = error_table(nb)
    untaught = []
    for e in error_cases(rec, True):
        stage, etype, message = _torch_error(e)
        if (stage, etype, masked(message)) not in visible and not teaching_row(rows, stage, etype, message):
            untaught.append(f"{e}: torch's {stage} raises {etype.__name__}({message!r})")
    assert not untaught, f"{assignment}: hidden error cases that no visible case or error-table row teaches:\n" + \
        "\n".join(untaught)


@pytest.mark.parametrize("assignment", assignments())
def test_every_row_of_an_error_table_is_what_torch_raises(course, assignment):
    """Each fragment of torch's message in a row of the error table is what torch says, at the row's stage
    with the row's type, for an error case of the notebook's tests (visible or hidden)."""
    nb, rec = course[assignment]
    raised = [_torch_error(e) for e in error_cases(rec, False) + error_cases(rec, True)]
    for line, fragments in error_table(nb):
        assert fragments, f"{assignment}: a row of the error table quotes no message of torch's: {line}"
        for fragment in fragments:
            assert any(STAGE_WORDS[stage] in line and f"`{etype.__name__}`" in line and fragment_matches(fragment, m)
                       for stage, etype, m in raised), f"{assignment}: torch raises no {fragment!r} as {line}"


# ---- forward cases --------------------------------------------------------------------------------------

def extended(nb):
    """The notebooks whose Conv1d this notebook's exercise extends ("Extend your `Conv1d` from notebook 04")."""
    return {m for cell in nb.cells if cell.cell_type == "markdown"
            for m in re.findall(r"Extend your `Conv1d` from notebook (\d\d)", cell.source)}


def taught_kinds(course, assignment):
    """The kinds of parameters a visible case of the notebook uses, and those of the notebooks whose
    Conv1d its exercise extends (their rules carry over, as its lesson says)."""
    nb, rec = course[assignment]
    kinds_ = set().union(*[kinds(c) for _, hidden, cases, _ in rec.calls if not hidden for c in cases])
    for number in extended(nb):
        kinds_ |= taught_kinds(course, next(a for a in course if a.startswith(number)))
    return kinds_


@pytest.mark.parametrize("assignment", assignments())
def test_every_kind_of_parameter_a_hidden_case_uses_is_taught(course, assignment):
    nb, rec = course[assignment]
    taught = taught_kinds(course, assignment)
    untaught = {}
    for check, hidden, cases, _ in rec.calls:
        for c in cases if hidden else ():
            for kind in kinds(c) - taught:
                untaught.setdefault(kind, f"{check}: {c}")
    assert not untaught, f"{assignment}: hidden cases use kinds of parameters no visible case uses:\n" + \
        "\n".join(f"{kind} (e.g. {example})" for kind, example in untaught.items())


def test_the_kinds_are_told_apart():
    """Each kind is seen where it is used and not elsewhere (the test above is only as fine as KINDS)."""
    wraps = case(N=1, C_in=2, L=4, C_out=2, K=3, padding=4, padding_mode="circular")
    assert "circular padding of L_in (wraps the whole input)" in kinds(wraps)
    once = "circular padding of L_in (wraps the whole input)"
    assert once not in kinds(dict(wraps, conv=dict(wraps["conv"], padding=3)))
    assert kinds(case(N=1, C_in=2, L=7, C_out=2, K=3)) == set()
    assert kinds(case(N=1, C_in=2, L=7, C_out=2, K=4, padding="same", tuples=True)) == {
        "padding='same'", "padding='same' split unevenly", "1-tuples"}
    assert {"groups of 2 or more", "dilation and groups together", "depthwise groups (groups = C_in)"} <= \
        kinds(case(N=1, C_in=2, L=9, C_out=4, K=3, dilation=2, groups=2))


def test_the_exercises_extend_the_notebook_before(course):
    """The chain that carries rules over: 04 extends 03, 05 extends 04, 06 extends 05."""
    assert {a[:2]: extended(course[a][0]) for a in course if extended(course[a][0])}.items() >= \
        {"04": {"03"}, "05": {"04"}, "06": {"05"}}.items()
