"""Notebook 08: numerical gradients by central differences, checked against torch.autograd.
"""
import numpy as np

from .backward import GRAD_OF, GRADS
from .cases import _where
from .failures import CheckFailed, _said, _sanitised
from .language import tr
from .reference import (
    _tolerance,
    _torch_threads,
    make_data,
    make_dy,
    torch_conv1d,
    torch_conv1d_grads,
)
from .student import _Forbidden, _outcome, run_student


def check_numerical_gradients(numerical_gradients, Conv1d, cases, hidden=False):
    """numerical_gradients(layer, x, dy) -> (dx, dw, db): central differences of L = Σ layer(x)·dy, each
    element of x, layer.weight and layer.bias moved by ±eps in turn (db None without a bias), must equal
    torch.autograd's gradients (within 1e-5, relative) on the student's own layer, whose forward must be
    torch's. Cases in float64."""
    with _torch_threads(1):
        for i, c in enumerate(cases):
            where = _where(c, i, hidden)
            x, w, b = make_data(c)
            dy = make_dy(c)
            want = dict(zip(GRADS, torch_conv1d_grads(x, w, b, dy, **c["conv"])))
            layer, y = run_student(Conv1d, c, x, w, b, where=where)
            want_y = torch_conv1d(x, w, b, **c["conv"])
            if y.shape != want_y.shape or not np.all(np.abs(y.astype(np.float64) - want_y) <= _tolerance(c, want_y)):
                raise CheckFailed(tr("{where}: your Conv1d's forward is not torch's, so its numerical gradients "
                                     "cannot be torch's either: the answer cell's own forward is; if you changed it, "
                                     "change it back or fix it first.", where=where))
            seen = _watch(layer, x, w, b)
            with _Forbidden():
                try:
                    layer.backward = None       # numerical gradients come from the forward alone
                except Exception:
                    pass
                got, err = _outcome(lambda: numerical_gradients(layer, x.copy(), dy.copy()))
            if isinstance(err, NotImplementedError):
                raise CheckFailed(tr("{where}: numerical_gradients still raises NotImplementedError, the stub's.",
                                     where=where)) from err
            if err is not None:
                said = _sanitised(err, where)
                hint = (tr("numerical gradients use the forward alone, (L(θ + eps) − L(θ − eps)) / (2·eps); they "
                           "check a backward, so they must not call it (yours runs when layer.backward is there).")
                        if isinstance(err, TypeError) and "NoneType" in _said(err) and "callable" in _said(err)
                        and _runs_with_backward(numerical_gradients, Conv1d, c, x, w, b, dy) else "")
                raise CheckFailed(tr("{where}: numerical_gradients raised {error}: {said}", where=where,
                                     error=type(err).__name__, said=said) if said else
                                  tr("{where}: numerical_gradients raised {error} (with no message)", where=where,
                                     error=type(err).__name__), hint) from err
            for name, before in (("weight", w), ("bias", b)):
                after = getattr(layer, name, None)
                if before is not None and (after is None or np.shape(after) != before.shape or not np.all(
                        np.abs(np.asarray(after, np.float64) - before) <= 1e-9 * (1 + np.abs(before)))):
                    raise CheckFailed(tr("{where}: after numerical_gradients, layer.{name} is not what it was: put "
                                         "each element back after its two nudges (θ + eps, θ − eps, then θ).",
                                         where=where, name=name))
            if not isinstance(got, (tuple, list)) or len(got) != 3:
                raise CheckFailed(tr("{where}: numerical_gradients should return (dx, dw, db); yours returned "
                                     "{type}.", where=where, type=type(got).__name__))
            for name, g in zip(GRADS, got):
                g = None if g is None else np.asarray(g)
                if want[name] is None or g is None:
                    if want[name] is None and g is not None:
                        raise CheckFailed(tr("{where}: {name} is an array; the layer has no bias: return None for db.",
                                             where=where, name=name))
                    if g is None and want[name] is not None:
                        raise CheckFailed(tr("{where}: {name} is None; torch's has shape {shape}.", where=where,
                                             name=name, shape=want[name].shape))
                    continue
                if g.shape != want[name].shape:
                    raise CheckFailed(tr("{where}: numerical {name} should have shape {want}; yours has {got}.",
                                         where=where, name=name, want=want[name].shape, got=g.shape))
                err = np.abs(g.astype(np.float64) - want[name])
                if not np.all(err <= 1e-5 * (1 + np.abs(want[name]))):
                    worst = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
                    found = dict(where=where, name=name, grad=GRAD_OF[name], err=err[worst],
                                 index=tuple(int(j) for j in worst))
                    raise CheckFailed(tr("{where}: numerical {name} differs from torch's {grad}. Largest difference "
                                         "{err:.3g} at {name} index {index}.", **found) if hidden else
                                      tr("{where}: numerical {name} differs from torch's {grad}. Largest difference "
                                         "{err:.3g} at {name} index {index} (expected {want:.6g}, got {got:.6g}).",
                                         **found, want=want[name][worst], got=g[worst]),
                                      _hint_numerical(c, x, w, b, dy, name, g, want[name], seen))
    print(tr("✓ numerical gradients (central differences) match torch.autograd: {n} configuration", n=len(cases))
          if len(cases) == 1 else
          tr("✓ numerical gradients (central differences) match torch.autograd: {n} configurations", n=len(cases)))


def _watch(layer, x, w, b):
    """{"calls": n, "dx"/"dw"/"db": whether a call saw x, the weight, the bias nudged}: what the student's layer
    was called with, recorded by its forward (when its __call__ goes through self.forward)."""
    seen = {"calls": 0, "dx": False, "dw": False, "db": False}
    forward = getattr(layer, "forward", None)
    if not callable(forward):
        return seen

    def watched(xx, *args, **kwargs):
        seen["calls"] += 1
        for name, now, before in (("dx", xx, x), ("dw", getattr(layer, "weight", None), w),
                                  ("db", getattr(layer, "bias", None), b)):
            if before is not None and not seen[name]:
                try:
                    seen[name] = not np.array_equal(np.asarray(now), before)
                except Exception:
                    pass
        return forward(xx, *args, **kwargs)
    try:
        layer.forward = watched
    except Exception:
        pass
    return seen


def _runs_with_backward(numerical_gradients, Conv1d, c, x, w, b, dy):
    """Whether numerical_gradients runs on a fresh layer whose backward is left in place: then the
    'NoneType' object is not callable it raised was its call of layer.backward, which the check sets to None."""
    try:
        layer, _ = run_student(Conv1d, c, x, w, b)
    except CheckFailed:
        return False
    with _Forbidden():
        return _outcome(lambda: numerical_gradients(layer, x.copy(), dy.copy()))[1] is None


def _hint_numerical(c, x, w, b, dy, name, got, want, seen=None):
    g = got.astype(np.float64)
    close = lambda v: v.shape == g.shape and np.all(np.abs(g - v) <= 1e-5 * (1 + np.abs(v)))
    if close(want / 2):
        return tr("half the gradient: a central difference spans 2·eps, (L(θ + eps) − L(θ − eps)) / (2·eps).")
    if close(want * 2):
        return tr("twice the gradient: divide (L(θ + eps) − L(θ − eps)) by 2·eps, not by eps.")
    if np.allclose(g, 0) and not np.allclose(want, 0) and seen is not None and seen["calls"] and not seen[name]:
        what = {"dx": "x", "dw": "layer.weight", "db": "layer.bias"}[name]
        return tr("all zeros: the nudge never reached the layer, which was never called with {what} nudged. Change "
                  "the array the layer reads in place (x[idx] += eps, layer.weight[idx] += eps, not a copy of it), "
                  "call the layer, then put the value back.", what=what)
    ones = dict(zip(GRADS, torch_conv1d_grads(x, w, b, np.ones_like(dy), **c["conv"])))[name]
    if ones is not None and close(ones):
        return tr("the loss is L = Σ layer(x)·dy (np.sum(layer(x) * dy)), whose gradient is what backward "
                  "computes; Σ layer(x) is the loss of dy = 1.")
    return ""
