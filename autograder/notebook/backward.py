"""Notebook 08: the student's backward(dy) -> (dx, dw, db) against torch.autograd.

The loss is L = Σ y·dy, so dL/dy = dy; dx has x's shape (N, C_in, L_in), dw the weight's, db the bias's.
"""
import numpy as np

from .backward_hints import _hint_backward_error, _hint_grad_shape, _hint_grad_values
from .cases import _where
from .failures import CheckFailed, _sanitised
from .hints import _hint_values
from .language import tr
from .lengths import _probe_case
from .reference import (
    _grad_tolerance,
    _terms,
    _tolerance,
    _torch_threads,
    make_data,
    make_dy,
    torch_conv1d,
    torch_conv1d_grads,
)
from .student import _at_line, _Forbidden, _outcome, run_student

GRADS = ("dx", "dw", "db")


GRAD_OF = {"dx": "x.grad (dL/dx)", "dw": "weight.grad (dL/dw)", "db": "bias.grad (dL/db)"}


def run_backward(Conv1d, c, x, w, b, dy, where):
    """Build the student's layer for case `c`, run forward(x) (it must be torch's: the gradients are
    checked on a right forward), then backward(dy). Returns the (dx, dw, db) it gave, as arrays or None."""
    layer, y = run_student(Conv1d, c, x, w, b, where=where)
    want_y = torch_conv1d(x, w, b, **c["conv"])
    if y.shape != want_y.shape or not np.all(np.abs(y.astype(np.float64) - want_y) <= _tolerance(c, want_y)):
        raise CheckFailed(tr("{where}: your forward's output is not torch's: {differs} The gradients are checked on a "
                             "right forward: the answer cell's own forward is one; if you changed it, change it back "
                             "or fix it first.", where=where, differs=_forward_differs(y, want_y)),
                          (_hint_values(c, x, w, b, y) if y.shape == want_y.shape else ""))
    with _Forbidden():
        try:
            backward = layer.backward
        except AttributeError as e:
            raise CheckFailed(tr("{where}: your Conv1d has no method backward(dy). Add it to the class: it returns "
                                 "(dx, dw, db), the gradients of the last forward's input, weight and bias.",
                                 where=where)) from e
        got, err = _outcome(lambda: backward(dy.copy()))
    if isinstance(err, NotImplementedError):
        raise CheckFailed(tr("{where}: your backward still raises NotImplementedError, the stub's: write it in the "
                             "answer cell in place of `raise NotImplementedError()`.", where=where)) from err
    if err is not None:
        said = _sanitised(err, where)
        shapes = dict(where=where, error=type(err).__name__, said=said, at_line=_at_line(err), dx=np.shape(x),
                      dw=np.shape(w), db=None if b is None else np.shape(b), dy=dy.shape)
        raise CheckFailed(tr("{where}: your backward raised {error}: {said}{at_line}\n  torch's gradients have shapes "
                             "dx {dx}, dw {dw}, db {db}; dy has shape {dy}.", **shapes) if said else
                          tr("{where}: your backward raised {error} (with no message){at_line}\n  torch's gradients "
                             "have shapes dx {dx}, dw {dw}, db {db}; dy has shape {dy}.", **shapes),
                          _hint_backward_error(c, err, b, layer, lambda **kw: _rerun(Conv1d, c, **kw))) from err
    if got is None:
        raise CheckFailed(tr("{where}: backward returned None. Did you forget `return dx, dw, db`?", where=where))
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        if isinstance(got, (tuple, list)):
            raise CheckFailed(tr("{where}: backward should return three things, (dx, dw, db); yours returned {type} "
                                 "of length {n}.", where=where, type=type(got).__name__, n=len(got)))
        raise CheckFailed(tr("{where}: backward should return three things, (dx, dw, db); yours returned {type}.",
                             where=where, type=type(got).__name__))
    return tuple(None if g is None else np.asarray(g) for g in got)


def _forward_differs(y, want):
    """Where the student's forward output y differs from torch's `want`, in one sentence."""
    if y.shape != want.shape:
        return tr("it has shape {shape}, torch's {want}.", shape=y.shape, want=want.shape)
    if not _is_real(y):
        return tr("it holds {dtype}, not real numbers.", dtype=y.dtype)
    err = np.abs(y.astype(np.float64) - want)
    worst = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
    return tr("the largest difference is {err:.3g}, at y index {index}.", err=err[worst],
              index=tuple(int(j) for j in worst))


def _rerun(Conv1d, c, L=None, **conv):
    """The exception the student's backward raises on case `c` with input length L and the layer's parameters
    `conv` changed (None if it runs), for a hint to verify its cause; an exception when torch refuses that case."""
    c2 = _probe_case(c, **({} if L is None else {"L": L}), **conv)
    if c2 is None:              # a case torch refuses: no evidence either way
        return ValueError("no such case")
    x, w, b = make_data(c2)
    dy = make_dy(c2)
    try:
        layer, _ = run_student(Conv1d, c2, x, w, b)
    except CheckFailed as e:
        return e
    with _Forbidden():
        return _outcome(lambda: layer.backward(dy))[1]


def check_backward(Conv1d, cases, hidden=False, grads=GRADS):
    """For each case: the student's layer runs forward(x), then backward(dy) with dy from make_dy, and
    returns (dx, dw, db). Those named in `grads` must equal torch.autograd's x.grad, weight.grad and
    bias.grad for the loss L = Σ y·dy (db is None without a bias). The others are not looked at: they may
    be None while the student works on them."""
    with _torch_threads(1):
        for i, c in enumerate(cases):
            where = _where(c, i, hidden)
            x, w, b = make_data(c)
            dy = make_dy(c)
            want = dict(zip(GRADS, torch_conv1d_grads(x, w, b, dy, **c["conv"])))
            got = dict(zip(GRADS, run_backward(Conv1d, c, x, w, b, dy, where)))
            for name in ("db", "dw", "dx"):     # the order the notebook teaches them
                if name in grads:
                    _compare_grad(name, c, where, hidden, want[name], got[name], x, w, b, dy)
    names = ", ".join(g for g in GRADS if g in grads)
    print(tr("✓ {grads} match torch.autograd: {n} configuration", grads=names, n=len(cases)) if len(cases) == 1 else
          tr("✓ {grads} match torch.autograd: {n} configurations", grads=names, n=len(cases)))


def _is_real(a):
    return np.issubdtype(a.dtype, np.number) and not np.issubdtype(a.dtype, np.complexfloating)


def _compare_grad(name, c, where, hidden, want, got, x, w, b, dy):
    if name == "db" and want is None:
        if got is not None:
            raise CheckFailed(tr("{where}: this layer has no bias (bias=False, self.bias is None), so there is no "
                                 "bias gradient: return None for db; yours has shape {shape}.",
                                 where=where, shape=got.shape),
                              tr("with bias=False, self.bias is None: return None for db, as torch leaves "
                                 "bias.grad out."))
        return
    if got is None:
        raise CheckFailed(tr("{where}: {name} is None; torch's {grad} has shape {shape}.",
                             where=where, name=name, grad=GRAD_OF[name], shape=want.shape),
                          tr("db is None only when self.bias is None; this layer has a bias.")
                          if name == "db" else None)
    if got.shape != want.shape:
        raise CheckFailed(tr("{where}: {name} should have shape {want}, like torch's {grad}; yours has {got}.",
                             where=where, name=name, want=want.shape, grad=GRAD_OF[name], got=got.shape),
                          _hint_grad_shape(name, c, x, w, b, dy, got) if _is_real(got) else None)
    if not _is_real(got):
        raise CheckFailed(tr("{where}: {name} should hold real numbers, not {dtype}.", where=where, name=name,
                             dtype=got.dtype))
    err = np.abs(got.astype(np.float64) - want)
    tol = _grad_tolerance(c, want, _terms(c, dy.shape)[name])
    if np.all(err <= tol):      # NaN fails
        return
    worst = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
    found = dict(where=where, name=name, grad=GRAD_OF[name], err=err[worst], index=tuple(int(j) for j in worst))
    if hidden:
        msg = tr("{where}: {name} differs from torch's {grad}. Largest difference {err:.3g} at {name} index {index}.",
                 **found)
    else:
        row = "[" + ", ".join(str(int(j)) for j in worst[:-1]) + "]" if len(worst) > 1 else ""
        pick = worst[:-1] if len(worst) > 1 else slice(None)
        msg = (tr("{where}: {name} differs from torch's {grad}. Largest difference {err:.3g} at {name} index {index} "
                  "(expected {want:.6g}, got {got:.6g}).", **found, want=want[worst], got=got[worst])
               + tr("\n  expected{row} = {want}\n  got{row}       = {got}", row=row,
                    want=np.array2string(want[pick], precision=4),
                    got=np.array2string(got[pick].astype(np.float64), precision=4)))
    raise CheckFailed(msg, _hint_grad_values(name, c, x, w, b, dy, got))
