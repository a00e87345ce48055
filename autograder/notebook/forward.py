"""Checks of the forward pass: signature, weight shape, output shape, values, output length.

Shapes: input x (N, C_in, L_in); weight (C_out, C_in // groups, K); output (N, C_out, L_out).
"""
import inspect

import numpy as np

from .cases import _count, _ctor_args, _hidden, _where, case
from .failures import CheckFailed, _sanitised, _stub_failed
from .hints import _hint_shape, _hint_weight_shape
from .language import tr
from .reference import (
    _tolerance,
    expected_output,
    make_data,
    output_length,
    torch_conv1d,
)
from .student import _at_line, _construct, _Forbidden, _outcome, run_student, student_probe
from .value_hints import _hint_float32, _hint_values

# The constructor parameters of torch.nn.Conv1d, in torch's order, with torch's defaults.
TORCH_PARAMS = [
    ("in_channels", inspect.Parameter.empty), ("out_channels", inspect.Parameter.empty),
    ("kernel_size", inspect.Parameter.empty), ("stride", 1), ("padding", 0), ("dilation", 1),
    ("groups", 1), ("bias", True), ("padding_mode", "zeros"), ("device", None), ("dtype", None),
]


def check_signature(Conv1d, params):
    """The constructor takes `params` (torch's names) in torch's order with torch's defaults. Later
    parameters of torch's, in torch's order at torch's defaults, are just as right (torch's own
    signature is never wrong)."""
    want = [(n, d) for n, d in TORCH_PARAMS if n in params]
    try:
        sig = inspect.signature(Conv1d)
    except (TypeError, ValueError) as e:
        raise CheckFailed(tr("could not read the signature of Conv1d: {error}", error=e))
    got = [(p.name, p.default) for p in sig.parameters.values()
           if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    names = [n for n, _ in got]
    torch_names = [n for n, _ in TORCH_PARAMS]
    in_order = all(n in torch_names for n in names) and names == sorted(names, key=torch_names.index)
    if not in_order or not {n for n, _ in want} <= set(names):
        raise CheckFailed(tr("Conv1d's parameters should be ({want}) in this order, as in torch.nn.Conv1d; yours "
                             "are ({got}).", want=", ".join(n for n, _ in want), got=", ".join(names)))
    defaults = dict(TORCH_PARAMS)
    for name, mine in got:
        default = defaults[name]
        if default is not inspect.Parameter.empty and (mine is inspect.Parameter.empty or mine != default):
            raise CheckFailed(
                tr("the default of `{name}` should be {default!r} (as in torch), yours is missing.", name=name,
                   default=default) if mine is inspect.Parameter.empty else
                tr("the default of `{name}` should be {default!r} (as in torch), yours is {mine!r}.", name=name,
                   default=default, mine=mine))
    more = [n for n in names if n not in dict(want)]
    extra = tr(" (and torch's {names})", names=", ".join(more)) if more else ""
    print(tr("✓ signature: Conv1d({parameters}){extra}", parameters=", ".join(n for n, _ in want), extra=extra))


def check_weight_shape(Conv1d, cases, hidden=False):
    """After construction, `weight` has shape (C_out, C_in // groups, K) and `bias` is right."""
    for i, c in enumerate(cases):
        args, kwargs = _ctor_args(c)
        where = _where(c, i, hidden, layer_only=True)
        with _Forbidden():
            layer = _construct(Conv1d, args, kwargs, where)
        want = (c["C_out"], c["C_in"] // c["conv"].get("groups", 1), c["K"])
        got = getattr(layer, "weight", None)
        shape = None if got is None else tuple(np.shape(got))
        if shape != want:
            axes = "(C_out, C_in // groups, K)" if "groups" in c["conv"] else "(C_out, C_in, K)"
            raise CheckFailed(tr("{where}: weight should have shape {want} {axes}; yours has {shape}.", where=where,
                                 want=want, axes=axes, shape=shape),
                              _hint_weight_shape(c, shape, _weight_shape_of(Conv1d)), where=where)
        has_bias = c["conv"].get("bias", False)   # before notebook 06 there is no bias
        bias = getattr(layer, "bias", "missing")
        if isinstance(bias, str):
            raise CheckFailed(tr("{where}: set `self.bias` (None when there is no bias).", where=where), where=where)
        if "bias" not in c["conv"] and (bias is None or tuple(np.shape(bias)) == (c["C_out"],)):
            continue        # before notebook 06: none, or torch's default bias of a full signature
        if has_bias and (bias is None or tuple(np.shape(bias)) != (c["C_out"],)):
            raise CheckFailed(tr("{where}: bias should have shape {want}; yours is {got}.", where=where,
                                 want=(c["C_out"],), got=None if bias is None else tuple(np.shape(bias))),
                              where=where)
        if not has_bias and bias is not None:
            raise CheckFailed(tr("{where}: without a bias, `self.bias` should be None.", where=where), where=where)
    print(tr("✓ weight shape: {count}", count=_count(cases, "configuration")))


def check_output_shape(Conv1d, cases, hidden=False):
    """The output has shape (N, C_out, L_out), L_out as torch computes it."""
    for i, c in enumerate(cases):
        want = expected_output(c).shape
        where = _where(c, i, hidden)
        _, y = run_student(Conv1d, c, where=where)
        if y.shape != want:
            raise CheckFailed(tr("{where}: expected output shape {want}, got {got}.", where=where, want=want,
                                 got=y.shape),
                              _hint_shape(c, want, y.shape, _output_shape_of(Conv1d), y), where=where)
    print(tr("✓ output shape: {count}", count=_count(cases, "configuration")))


def check_values(Conv1d, cases, hidden=False):
    """The output equals torch.nn.Conv1d's with the same weights (float64: 1e-8, float32: 1e-4)."""
    for i, c in enumerate(cases):
        x, w, b = make_data(c)
        want = torch_conv1d(x, w, b, **c["conv"])
        where = _where(c, i, hidden)
        _, y = run_student(Conv1d, c, x, w, b, where=where)
        if y.shape != want.shape:
            raise CheckFailed(tr("{where}: expected output shape {want}, got {got}.", where=where, want=want.shape,
                                 got=y.shape),
                              _hint_shape(c, want.shape, y.shape, _output_shape_of(Conv1d), y), where=where)
        if not np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.complexfloating):
            raise CheckFailed(tr("{where}: the output should hold real numbers, not {dtype}.", where=where,
                                 dtype=y.dtype), where=where)
        if c.get("same_dtype") and y.dtype != x.dtype:
            raise CheckFailed(tr("{where}: a {dtype} input should give a {dtype} output, as torch's does; yours is "
                                 "{got}. Keep the input's dtype: compute in np.result_type(x, weight), and do not "
                                 "cast x or the output to another type.", where=where, dtype=x.dtype, got=y.dtype),
                              _hint_float32(c, x, w, b, y), where=where)
        err = np.abs(y.astype(np.float64) - want)
        tol = _tolerance(c, want)
        if not np.all(err <= tol):      # also catches NaN
            worst = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
            index = tuple(int(j) for j in worst)
            if hidden:
                msg = tr("{where}: values differ from torch. Largest difference {err:.3g} at output index {index}.",
                         where=where, err=err[worst], index=index)
            else:
                msg = tr("{where}: values differ from torch. Largest difference {err:.3g} at output index {index} "
                         "(expected {want:.6g}, got {got:.6g}).", where=where, err=err[worst], index=index,
                         want=want[worst], got=y[worst])
                # the row (sample, channel) that holds the largest difference
                row = "[" + ", ".join(str(int(j)) for j in worst[:-1]) + "]"
                msg += tr("\n  expected{row} = {values}", row=row,
                          values=np.array2string(want[worst[:-1]], precision=4))
                msg += tr("\n  got{row}       = {values}", row=row,
                          values=np.array2string(y[worst[:-1]].astype(np.float64), precision=4))
            raise CheckFailed(msg, _hint_layout(Conv1d, c, x, w, b, want) or
                              _hint_values(c, x, w, b, y, student_probe(Conv1d)), where=where)
    print(tr("✓ values match torch: {count}", count=_count(cases, "configuration")))


def check_output_length(fn, cases, hidden=False):
    """`fn(L_in, kernel_size, stride=1, padding=0, dilation=1)` gives torch's L_out."""
    for i, kw in enumerate(cases):
        want = output_length(**kw)
        where = _hidden(i) if hidden else f"conv1d_output_length({_kw(kw)})"
        with _Forbidden():
            got, err = _outcome(lambda: fn(**kw))
        if isinstance(err, NotImplementedError):
            raise _stub_failed(where) from err
        if err is not None:
            said = _sanitised(err, where)
            message = (tr("{where}: your function raised {error}: {said}{at_line}\n  torch's answer is {want}.",
                          where=where, error=type(err).__name__, said=said, at_line=_at_line(err), want=want) if said
                       else tr("{where}: your function raised {error} (with no message){at_line}\n  torch's answer is "
                               "{want}.", where=where, error=type(err).__name__, at_line=_at_line(err), want=want))
            raise CheckFailed(message, where=where) from err
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            hint = ""
            if isinstance(got, (float, np.floating)):
                hint = (tr("`/` gives a float even when it divides evenly; ⌊·⌋ is floor division, `//`, which "
                           "keeps an int an int — the value itself is right.") if float(got) == want else
                        tr("`/` gives a float even when it divides evenly; ⌊·⌋ is floor division, `//`, which "
                           "keeps an int an int."))
            raise CheckFailed(tr("{where}: should return an int, got {got!r}.", where=where, got=got), hint,
                              where=where)
        if got != want:   # the same diagnosis as a Conv1d output of the wrong length
            c = case(N=1, C_in=1, L=kw["L_in"], C_out=1, K=kw["kernel_size"],
                     **{k: v for k, v in kw.items() if k not in ("L_in", "kernel_size")})
            raise CheckFailed(tr("{where}: expected {want}, got {got}.", where=where, want=want, got=got),
                              _hint_shape(c, (1, 1, want), (1, 1, got), _length_shape_of(fn, kw)), where=where)
    print(tr("✓ output length: {count}", count=_count(cases, "case")))


def _output_shape_of(Conv1d):
    """shape_of(case): the shape of the student's output on another case (None when it raises): the
    hints' evidence."""
    probe = student_probe(Conv1d)

    def shape_of(c):
        y, err = probe(c)
        return None if err is not None or y is None else tuple(np.shape(y))
    return shape_of


def _weight_shape_of(Conv1d):
    """shape_of(case): the shape of the weight the student's constructor makes for another case's layer."""
    def shape_of(c):
        args, kwargs = _ctor_args(c)
        try:
            with _Forbidden():
                return tuple(np.shape(Conv1d(*args, **kwargs).weight))
        except Exception:
            return None
    return shape_of


def _length_shape_of(fn, kw):
    """shape_of(case) for a length function: (1, 1, fn(...)) with the arguments the check gave it, from
    another case (None when fn raises or gives no int)."""
    def shape_of(c):
        args = dict(L_in=c["L"], kernel_size=c["K"])
        args.update({k: c["conv"].get(k, v) for k, v in kw.items() if k not in ("L_in", "kernel_size")})
        if any(k not in kw and v != {"stride": 1, "padding": 0, "dilation": 1}.get(k) for k, v in c["conv"].items()):
            return None
        with _Forbidden():
            got, err = _outcome(lambda: fn(**args))
        if err is not None or isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)):
            return None
        return (1, 1, got)
    return shape_of


def _kw(kw):
    return ", ".join(f"{k}={v!r}" for k, v in kw.items())


def _hint_layout(Conv1d, c, x, w, b, want):
    """When the input is a view (c["layout"]) and the same values laid out contiguously come out right:
    the forward reads memory as if x were C-contiguous."""
    if not c.get("layout"):
        return ""
    try:
        _, y = run_student(Conv1d, dict(c, layout=None), np.ascontiguousarray(x), w, b)
    except CheckFailed:
        return ""
    if y.shape == want.shape and np.all(np.abs(y.astype(np.float64) - want) <= _tolerance(c, want)):
        return tr("right on a contiguous copy of this input, wrong on the view: your forward assumes C-contiguous "
                  "memory (as_strided with strides made from the shape, or ravel/reshape tricks); take x.strides from "
                  "x itself, or start with x = np.ascontiguousarray(x).")
    return ""
