"""Notebook 08's checks (check_backward, check_numerical_gradients in autograder/notebook/) on their own:
the reference is torch's autograd, right answers of every style pass, each classic mistake fails with the hint
that names it, the guard stops torch's gradients inside an answer, and hidden cases show no input values."""
import re

import numpy as np
import pytest
import torch

from autograder import notebook as check
from tests.notebooks import mistakes, solution_answers, wrong_source

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)

EVERY = ["stride", "padding", "same", "dilation", "groups", "bias", "padding_mode"]
MISTAKES = mistakes("08_backward")


def answer(source, name="Conv1d"):
    namespace = {"np": np}                  # as in the notebook, and in the grader's answer process
    exec(source, namespace)
    return namespace[name]


def solution():
    return solution_answers("08_backward")["conv1d_answer"]


def wrong(m):
    """The answer cell of mistake m (tests/mistakes/08_backward.toml)."""
    return wrong_source(m, solution_answers("08_backward"))


def test_the_reference_is_torchs_autograd_on_the_cases_numbers():
    c = check.case(N=2, C_in=4, L=11, C_out=6, K=3, seed=3, stride=2, padding=2, dilation=2, groups=2,
                   padding_mode="reflect", bias=True)
    x, w, b = check.make_data(c)
    dy = check.make_dy(c)
    assert np.array_equal(dy, check.make_dy(c)), "dy is drawn the same way every time"
    xt = torch.tensor(x, requires_grad=True)
    layer = torch.nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2, padding_mode="reflect",
                            dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        layer.bias.copy_(torch.from_numpy(b))
    layer(xt).backward(torch.from_numpy(dy))
    dx, dw, db = check.torch_conv1d_grads(x, w, b, dy, **c["conv"])
    assert np.allclose(dx, xt.grad.numpy()) and np.allclose(dw, layer.weight.grad.numpy())
    assert np.allclose(db, layer.bias.grad.numpy())


def test_the_worked_example_draws_the_notebooks_dy():
    torch.manual_seed(666)
    x = torch.randn(2, 2, 5)
    m = torch.nn.Conv1d(2, 2, kernel_size=3, bias=True)
    dy = torch.randn(m(x).shape)
    c = check.case(N=2, C_in=2, L=5, C_out=2, K=3, bias=True, worked_example=True)
    assert np.array_equal(check.make_dy(c), dy.numpy().astype(np.float64))


def test_the_grading_secret_changes_dy():
    c = check.case(seed=5, stride=2)
    plain = check.make_dy(c)
    check.set_grading_secret("some secret")
    try:
        assert not np.array_equal(plain, check.make_dy(c))
    finally:
        check.set_grading_secret("")


def test_backward_loops_is_torchs_backward():
    """The hints' own NumPy backward (no mistake made) is right: the mistakes are made on a sound base."""
    for c in check.random_cases(EVERY, n=60, seed=1):
        x, w, b = check.make_data(c)
        dy = check.make_dy(c)
        dx, dw, _ = check.torch_conv1d_grads(x, w, b, dy, **c["conv"])
        mine_dx, mine_dw = check.backward_loops(x, w, dy, c)
        assert np.allclose(mine_dx, dx, atol=1e-4) and np.allclose(mine_dw, dw, atol=1e-4), check.describe(c)


def test_right_answers_pass():
    cases = check.random_cases(EVERY, n=60, seed=2)
    Conv1d = answer(solution())
    check.check_backward(Conv1d, cases)
    numerical_gradients = answer(solution_answers("08_backward")["numgrad_answer"], "numerical_gradients")
    check.check_numerical_gradients(numerical_gradients, Conv1d, [dict(c, dtype="float64") for c in cases[:4]])


@pytest.mark.parametrize("m", [m for m in MISTAKES if m["cell"] == "conv1d_answer"], ids=lambda m: m["name"])
def test_each_mistake_fails_with_its_hint_on_any_layer_where_it_shows(m):
    """Every random layer on which the mistake gives another answer than torch fails with the hint that
    names it (a few degenerate layers aside, as for dx_pad too short on a kernel of one tap)."""
    Conv1d = answer(wrong(m))
    failed = unnamed = 0
    for c in check.random_cases(EVERY, n=150, seed=3):
        try:
            check.check_backward(Conv1d, [c])
        except check.CheckFailed as e:
            failed += 1
            unnamed += m["hint"].lower() not in str(e).partition("Hint:")[2].lower()
    assert failed >= 20, f"only {failed} layers show it"
    assert unnamed <= failed // 20, f"{unnamed} of {failed} failures without the hint"


def test_a_backward_that_only_returns_db_so_far_passes_the_db_check():
    class OnlyDb(answer(solution())):
        def backward(self, dy):
            return None, None, None if self.bias is None else dy.sum(axis=(0, 2))
    check.check_backward(OnlyDb, check.random_cases(EVERY, n=10, seed=4), grads=["db"])
    with pytest.raises(check.CheckFailed, match="dw is None"):
        check.check_backward(OnlyDb, [check.case(seed=4)], grads=["dw"])


@pytest.mark.parametrize("call, says", [
    ("torch.nn.functional.conv_transpose1d(torch.from_numpy(dy), torch.from_numpy(self.weight))",
     "conv_transpose1d"),
    ("torch.autograd.grad(torch.ones(1, requires_grad=True).sum(), [])", "torch.autograd.grad"),
    ("torch.ones(1, requires_grad=True).sum().backward()", "backward"),
    ("torch.nn.grad.conv1d_weight(torch.zeros(1, 1, 3), (1, 1, 1), torch.zeros(1, 1, 3))", "conv1d_weight"),
])
def test_torchs_gradients_inside_an_answer_are_forbidden(call, says):
    source = solution().replace("    def backward(self, dy):\n",
                                f"    def backward(self, dy):\n        import torch\n        {call}\n")
    with pytest.raises(check.ForbiddenRoutine, match=says):
        check.check_backward(answer(source), [check.case(seed=6)])
    torch.ones(1, requires_grad=True).sum().backward()      # and outside the answer, all is back


def test_hidden_cases_show_no_input_values():
    m = next(m for m in MISTAKES if m["name"] == "kernel flipped in dx")
    c = check.case(N=2, C_in=2, L=7, C_out=2, K=3, seed=7, stride=2, bias=True)
    with pytest.raises(check.CheckFailed) as e:
        check.check_backward(answer(wrong(m)), [c], hidden=True)
    message = str(e.value)
    assert message.startswith("hidden case 1") and "expected" not in message and "got[" not in message
    x, w, b = check.make_data(c)
    for v in [*x.ravel(), *w.ravel(), *b.ravel(), *check.make_dy(c).ravel()]:
        assert f"{v:.4f}" not in message


def test_an_error_in_backward_names_the_layer_and_hides_numbers_when_hidden():
    class Raises(answer(solution())):
        def backward(self, dy):
            raise ValueError(f"bad value {dy.ravel()[0]:.6f}")
    with pytest.raises(check.CheckFailed, match=r"your backward raised ValueError: bad value …") as e:
        check.check_backward(Raises, [check.case(seed=8)], hidden=True)
    assert re.search(r"\d\.\d{6}", str(e.value)) is None


def test_numerical_gradients_may_not_call_backward_and_must_restore_the_weights():
    """Central differences check a backward, so they use the forward alone; and they put every weight back."""
    Good = answer(solution())
    numerical = answer(solution_answers("08_backward")["numgrad_answer"], "numerical_gradients")
    c = check.case(N=1, C_in=2, L=6, C_out=2, K=3, seed=3, bias=True)
    check.check_numerical_gradients(numerical, Good, [c])

    def calls_backward(layer, x, dy):
        layer(x)
        return layer.backward(dy)
    with pytest.raises(check.CheckFailed, match="must not call it"):
        check.check_numerical_gradients(calls_backward, Good, [c])

    def never_restores(layer, x, dy, eps=1e-6):
        grads = numerical(layer, x, dy)
        layer.weight[0, 0, 0] += eps            # a nudge left in place
        return grads
    with pytest.raises(check.CheckFailed, match="put each element back"):
        check.check_numerical_gradients(never_restores, Good, [c])


def test_a_scatter_that_loses_repeated_indices_is_named():
    """dx[:, :, index] += dx_pad (NumPy buffers it: a repeated index adds once), in the fold of the padding
    and, written over the (t, k) grid, in the scatter over overlapping windows."""
    fold = answer(solution().replace("np.add.at(dx, (slice(None), slice(None), index), dx_pad)",
                                     "dx[:, :, index] += dx_pad"))
    c = check.case(N=2, C_in=2, L=7, C_out=2, K=3, seed=5, padding=2, padding_mode="reflect", bias=True)
    with pytest.raises(check.CheckFailed, match="only its last write survived"):
        check.check_backward(fold, [c])
    x, w, b = check.make_data(dict(c, conv=dict(bias=True)))
    dy = check.make_dy(dict(c, conv=dict(bias=True)))
    c0 = dict(c, conv=dict(bias=True))
    want = check.torch_conv1d_grads(x, w, b, dy, bias=True)[0]
    lost = check.backward_loops(x, w, dy, c0, last_write=("scatter",))[0]
    assert not np.allclose(lost, want), "overlapping windows lose contributions when only the last write survives"
    assert np.allclose(check.backward_loops(x, w, dy, c0)[0], want)


CROP = "return dx_pad[:, :, left:left + L_in], dw, db"


def hint_of(Conv1d, c, grads=("dx",)):
    """The hint of the first failing check of case c ("" when there is none), and the message."""
    with pytest.raises(check.CheckFailed) as e:
        check.check_backward(Conv1d, [c], grads=list(grads))
    return e.value.hint or "", e.value.message


@pytest.mark.parametrize("crop, c", [
    ("dx_pad[:, :, right:right + L_in]", check.case(N=2, C_in=2, L=7, C_out=2, K=4, seed=61, padding="same")),
    ("dx_pad[:, :, :L_in]", check.case(N=2, C_in=2, L=7, C_out=3, K=3, seed=62, padding=2)),
    ("dx_pad[:, :, left:]", check.case(N=2, C_in=2, L=7, C_out=3, K=3, seed=63, padding=1, stride=2)),
    ("dx_pad[:, :, 1:1 + L_in]", check.case(N=1, C_in=2, L=6, C_out=2, K=3, seed=64, padding=3, dilation=2)),
])
def test_dx_cropped_at_the_wrong_offset_is_named_with_its_offset(crop, c):
    """dx_pad cut at another offset than left, or without its end: right values, wrong place (or length)."""
    hint, message = hint_of(answer(solution().replace(CROP, f"return {crop}, dw, db")), c)
    assert "cropped at the wrong offset" in hint, (hint, message)
    assert re.search(r"dx_pad\[\.\.\., \d+:", hint), hint


@pytest.mark.parametrize("wrong_dx", [
    "np.flip(dx_pad, -1)[:, :, left:left + L_in]",        # right shape, other values: no slice of dx_pad
    "dx_pad[:, :, left:] + 1",                            # dx_pad[left:]'s length, other values
    "np.zeros((N, C_in, L_pad - left))",
])
def test_a_dx_with_the_crops_symptom_but_not_its_values_is_not_called_cropped(wrong_dx):
    c = check.case(N=2, C_in=2, L=7, C_out=3, K=3, seed=65, padding=2)
    hint, message = hint_of(answer(solution().replace(CROP, f"return {wrong_dx}, dw, db")), c)
    assert "cropped" not in hint, (hint, message)


FLOOR = check.case(N=2, C_in=2, L=10, C_out=3, K=3, seed=66, stride=2, padding=1, padding_mode="reflect")  # drops 1


def test_an_error_is_named_only_when_the_mistake_reproduces_it():
    """dx_pad as long as the windows reach (no output_padding) makes np.add.at raise with a reflect padding
    whose tail the floor left unread: named, since the same backward runs where the floor drops nothing. A
    backward that raises the same error everywhere gets no cause, only what it raised and where."""
    m = next(m for m in MISTAKES if m["name"] == "dx as long as conv_transpose1d without output_padding")
    hint, message = hint_of(answer(wrong(m)), FLOOR)
    assert "your backward raised ValueError" in message and "as long as x_pad" in hint, (hint, message)
    always = solution().replace("        x_pad, left, right, L_in = self.saved\n",
                                "        x_pad, left, right, L_in = self.saved\n"
                                "        np.zeros(3) + np.zeros(4)\n")
    for c in (FLOOR, check.case(N=2, C_in=4, L=8, C_out=4, K=3, seed=67, groups=2, stride=3, padding=1,
                                padding_mode="circular")):
        hint, message = hint_of(answer(always), c)
        assert hint == "" and "your backward raised ValueError" in message, (hint, message)


def test_a_typeerror_on_none_is_the_missing_bias_only_when_a_bias_makes_it_run():
    c = check.case(N=2, C_in=2, L=7, C_out=2, K=3, seed=68, bias=False)
    reads_bias = solution().replace("db = None if self.bias is None else dy.sum(axis=(0, 2))",
                                    "db = dy.sum(axis=(0, 2)) + 0 * self.bias")
    hint, _ = hint_of(answer(reads_bias), c, grads=["db"])
    assert "do not read the bias" in hint
    always = solution().replace("db = None if self.bias is None else dy.sum(axis=(0, 2))",
                                "db = None if self.bias is None else dy.sum(axis=(0, 2))\n        len(None)")
    hint, message = hint_of(answer(always), c, grads=["db"])
    assert "bias" not in hint and "TypeError" in message, (hint, message)


def test_an_attribute_error_is_forward_not_keeping_state_only_when_the_layer_lacks_it():
    forgets = solution().replace("        self.saved = (x_pad, left, right, x.shape[2])       # what backward needs\n",
                                 "")
    hint, _ = hint_of(answer(forgets), check.case(seed=69))
    assert "keep it in forward (self.saved = ...)" in hint
    elsewhere = solution().replace("        x_pad, left, right, L_in = self.saved\n",
                                   "        x_pad, left, right, L_in = self.saved\n        self.saved.shape\n")
    hint, message = hint_of(answer(elsewhere), check.case(seed=69))
    assert hint == "" and "'tuple' object has no attribute 'shape'" in message, (hint, message)


@pytest.mark.parametrize("name, wrong_db, words", [
    ("per sample", "dy.sum(axis=2)", "not dy.sum(axis=2)"),
    ("one number", "dy.sum()", "not dy.sum()"),
    ("of its own", "2 * dy.sum(axis=2)", None),      # the shape of the per-sample sum, other values
])
def test_a_db_of_another_shape_is_named_only_when_its_values_are_that_sum(name, wrong_db, words):
    c = check.case(N=3, C_in=2, L=7, C_out=2, K=3, seed=70, bias=True)
    Conv1d = answer(solution().replace("db = None if self.bias is None else dy.sum(axis=(0, 2))",
                                       f"db = None if self.bias is None else {wrong_db}"))
    hint, message = hint_of(Conv1d, c, grads=["db"])
    assert (words in hint) if words else hint == "", (hint, message)


def test_the_line_that_raised_is_shown_from_the_students_cell():
    """In a notebook, linecache holds each cell's source (IPython puts it there): the message quotes the line
    of the student's code that raised, the innermost one, not NumPy's nor the checks'."""
    import linecache
    source = solution().replace("        x_pad, left, right, L_in = self.saved\n",
                                "        x_pad, left, right, L_in = self.saved\n"
                                "        np.zeros(3) + np.zeros(4)\n")
    filename = "<cell conv1d_answer>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(source, filename, "exec"), namespace)
    number = source.splitlines().index("        np.zeros(3) + np.zeros(4)") + 1
    _, message = hint_of(namespace["Conv1d"], check.case(seed=71))
    assert f"It raised at line {number}: np.zeros(3) + np.zeros(4)" in message, message


def test_numerical_gradients_calling_none_is_named_backward_only_when_it_was():
    """The check sets layer.backward to None: 'NoneType' object is not callable is the call of backward only
    when the same function runs on a layer whose backward is there."""
    Good = answer(solution())
    c = check.case(N=1, C_in=2, L=6, C_out=2, K=3, seed=3, bias=True)

    def calls_none(layer, x, dy, eps=1e-6):
        step = None
        return step(layer, x, dy)
    with pytest.raises(check.CheckFailed) as e:
        check.check_numerical_gradients(calls_none, Good, [c])
    assert "not callable" in e.value.message and not e.value.hint, str(e.value)


def test_all_zeros_is_called_a_nudge_that_never_reached_the_layer_only_when_the_layer_saw_none():
    """Numerical dw of zeros: nudging a copy of the weight is named (the layer never ran with the weight
    changed); a function that nudges the layer's own weight but never stores the differences is not."""
    Good = answer(solution())
    numerical = answer(solution_answers("08_backward")["numgrad_answer"], "numerical_gradients")
    c = check.case(N=1, C_in=2, L=6, C_out=2, K=3, seed=3, bias=True)

    def nudges_a_copy(layer, x, dy, eps=1e-6):
        def central(a):         # a: the array nudged, in place
            grad = np.zeros(a.shape)
            for i in np.ndindex(a.shape):
                a[i] += eps
                up = np.sum(layer(x) * dy)
                a[i] -= 2 * eps
                grad[i] = (up - np.sum(layer(x) * dy)) / (2 * eps)
                a[i] += eps
            return grad
        return central(x), central(layer.weight.copy()), central(layer.bias)
    with pytest.raises(check.CheckFailed) as e:
        check.check_numerical_gradients(nudges_a_copy, Good, [c])
    assert "never called with layer.weight nudged" in e.value.hint, str(e.value)

    def never_stores(layer, x, dy, eps=1e-6):
        dx, dw, db = numerical(layer, x, dy)      # the layer's own weight nudged, every element
        return dx, np.zeros_like(dw), db
    with pytest.raises(check.CheckFailed) as e:
        check.check_numerical_gradients(never_stores, Good, [c])
    assert "never reached" not in (e.value.hint or ""), str(e.value)


def test_dx_assigned_tap_by_tap_is_named_and_a_tap_left_out_is_not():
    """dx_pad[..., taps of k] = … for each k (`=` where `+=` belongs): where the windows overlap, a later tap
    replaces an earlier one, which LAST_WRITE_HINT names; leaving the first tap out has the same symptom
    (some positions miss a contribution) and is not named so."""
    c = check.case(N=2, C_in=2, L=9, C_out=3, K=3, seed=5, padding=1, bias=True)
    overwrites = answer(solution().replace("dx_pad[:, :, taps] += np.einsum", "dx_pad[:, :, taps] = np.einsum"))
    hint, _ = hint_of(overwrites, c)
    assert "only its last write survived" in hint, hint
    skips = answer(solution().replace(
        "            dx_pad[:, :, taps] += np.einsum",
        "            if k:\n                dx_pad[:, :, taps] += np.einsum"))
    hint, _ = hint_of(skips, c)
    assert "last write" not in hint, hint
