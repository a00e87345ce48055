"""Test cases: one layer and input per case, as a dict; random sets that always include the telling kinds.

A case: input x of shape (N, C_in, L) (or (C_in, L) unbatched), layer Conv1d(C_in, C_out, K, **conv);
weight (C_out, C_in // groups, K), output (N, C_out, L_out).
"""
import copy

import numpy as np

from .language import tr
from .padding import _one, _pad_amounts, pads_fit
from .secret import _SECRET, _rng


def case(N=2, C_in=2, L=7, C_out=3, K=3, dtype="float64", seed=0, unbatched=False, tuples=False, layout=None,
         same_dtype=False, worked_example=False, **conv):
    """One test configuration: input shape (N, C_in, L), layer Conv1d(C_in, C_out, K, **conv).
    unbatched=True: the input is x[0], shape (C_in, L) (N must be 1). tuples=True: the layer is built
    with torch's 1-tuple forms, kernel_size=(K,), stride=(s,), padding=(p,), dilation=(d,).
    layout: the input is a view that is not C-contiguous, as torch accepts (LAYOUTS). same_dtype=True:
    the output must have the input's dtype, as torch's does. worked_example=True: the numbers of the
    notebook's worked example, drawn as it draws them (torch.manual_seed(666), the input, then the layer);
    `seed` is then unused."""
    c = {"N": N, "C_in": C_in, "L": L, "C_out": C_out, "K": K, "dtype": dtype, "seed": seed, "conv": conv}
    if unbatched:
        assert N == 1, "an unbatched input is one sample"
        c["unbatched"] = True
    if tuples:
        c["tuples"] = True
    if layout:
        assert layout in LAYOUTS, f"layout is one of {LAYOUTS}"
        c["layout"] = layout
    if same_dtype:
        c["same_dtype"] = True
    if worked_example:
        c["worked_example"] = True
    return c


# Inputs torch accepts that are views, not C-contiguous arrays, read back as (N, C_in, L): how each is stored
# (_layout_said).
LAYOUTS = ("transposed", "strided", "reversed")


def _layout_said(layout):
    """How an input of `layout` (LAYOUTS) is stored, as a message says it."""
    if layout == "transposed":
        return tr("stored as (N, L, C_in) and transposed")
    if layout == "strided":
        return tr("every other element of a buffer twice as long")
    return tr("stored back to front (a negative stride)")


def as_layout(x, layout=None):
    """A fresh array with x's values, laid out in memory as `layout` says (LAYOUTS); None: contiguous."""
    x = np.array(x)
    if layout == "transposed":
        return np.ascontiguousarray(np.swapaxes(x, -1, -2)).swapaxes(-1, -2)
    if layout == "strided":
        buffer = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
        buffer[..., ::2] = x
        return buffer[..., ::2]
    if layout == "reversed":
        return x[..., ::-1].copy()[..., ::-1]
    return x


def random_cases(params, n, seed):
    """`n` valid random configurations (more when the kinds below need more) that exercise `params`: names of
    torch's parameters ("padding"
    for integer padding), and "same" ('same' and 'valid' too), "tuples", "unbatched", "layouts" (inputs
    that are views), "same_dtype" (the output keeps the input's dtype).

    Whatever the seed (a grading secret changes every seed), the set includes a case of each kind
    where a classic mistake shows (`_kinds`): a batch of several samples with several input channels
    and taps; a stride that drops a last partial window; 'same' with an uneven split and 'valid'; each
    padding_mode with real padding; a dilation of 2 or more; groups of several channels each; a
    bias with several samples and none at all; both float types; reflect at its limit, circular
    padding as long as the input, a stride past the span, depthwise groups. The rest are drawn freely.

    A grader draws the same sets for every student: each is drawn once per process (about a thousand
    draws when the kinds need many) and copied after that."""
    key = (tuple(params), n, seed, tuple(_SECRET))
    if key not in _DRAWN:
        _DRAWN[key] = _draw_cases(params, n, seed)
    return copy.deepcopy(_DRAWN[key])


_DRAWN = {}     # random_cases' sets, by (params, n, seed, secret)


def _draw_cases(params, n, seed):
    rng = _rng(seed)
    kinds = _kinds(params)
    cases = []
    tries = 0
    while len(cases) < n or (kinds and tries < 50000):
        c = _random_case(params, rng)
        tries += 1
        if not _is_valid(c):
            continue
        if kinds and tries < 50000:         # first the kinds: each case of one kind or more
            met = [k for k in kinds if k(c)]
            if not met:
                continue
            kinds = [k for k in kinds if k not in met]
        cases.append(c)
    return cases


def _random_case(params, rng):
    conv = {}
    groups = int(rng.choice([1, 2, 3])) if "groups" in params else 1
    C_in = groups * int(rng.integers(1, 4))
    C_out = groups * int(rng.integers(1, 4))
    K = int(rng.integers(1, 6))
    L = int(rng.integers(1, 16))
    if "stride" in params:
        conv["stride"] = int(rng.integers(1, 5))
    if "dilation" in params:
        conv["dilation"] = int(rng.integers(1, 4))
    if "groups" in params:
        conv["groups"] = groups
    if "padding" in params:
        conv["padding"] = int(rng.integers(0, 4))
    if "same" in params and rng.random() < 0.25 and conv.get("stride", 1) == 1:
        conv["padding"] = str(rng.choice(["same", "valid"]))
    if "padding_mode" in params:
        conv["padding_mode"] = str(rng.choice(["zeros", "reflect", "replicate", "circular"]))
    if "bias" in params:
        conv["bias"] = bool(rng.random() < 0.7)
    c = case(N=int(rng.integers(1, 4)), C_in=C_in, L=L, C_out=C_out, K=K,
             dtype=str(rng.choice(["float32", "float64"])), seed=int(rng.integers(2**31)), **conv)
    if "tuples" in params and rng.random() < 0.3:      # torch's 1-tuple forms, kernel_size=(3,)
        c["tuples"] = True
    if "unbatched" in params and rng.random() < 0.2:   # one sample without the batch axis, (C_in, L)
        c["N"], c["unbatched"] = 1, True
    if "layouts" in params and rng.random() < 0.3:     # a view, not a C-contiguous array
        c["layout"] = str(rng.choice(list(LAYOUTS)))
    if "same_dtype" in params:
        c["same_dtype"] = True
    return c


def _kinds(params):
    """Predicates on a case: the kinds every random set of these params includes (random_cases)."""
    def geometry(c):
        left, right = _pad_amounts(c)
        s, d = _one(c["conv"].get("stride", 1)), _one(c["conv"].get("dilation", 1))
        span = d * (c["K"] - 1) + 1
        return left, right, s, d, span, c["L"] + left + right
    kinds = [lambda c: c["N"] >= 2 and c["C_in"] // c["conv"].get("groups", 1) >= 2 and c["K"] >= 2 and
             c["dtype"] == "float64",
             lambda c: c["dtype"] == "float32"]
    if "stride" in params:
        kinds.append(lambda c: geometry(c)[2] >= 2 and (geometry(c)[5] - geometry(c)[4]) % geometry(c)[2] != 0
                     and (geometry(c)[5] - geometry(c)[4]) // geometry(c)[2] >= 1)
    if "same" in params:
        kinds.append(lambda c: c["conv"].get("padding") == "same" and geometry(c)[0] != geometry(c)[1]
                     and ("dilation" not in params or geometry(c)[3] >= 2))
        kinds.append(lambda c: c["conv"].get("padding") == "valid" and c["K"] >= 2)
    if "padding_mode" in params:
        for mode in ("zeros", "reflect", "replicate", "circular"):
            kinds.append(lambda c, mode=mode: c["conv"].get("padding_mode") == mode and min(geometry(c)[:2]) >= 1)
    if "dilation" in params:
        kinds.append(lambda c: geometry(c)[3] >= 2 and c["K"] >= 2)
    if "groups" in params:
        kinds.append(lambda c: c["conv"]["groups"] >= 2 and c["C_in"] // c["conv"]["groups"] >= 2
                     and c["C_out"] // c["conv"]["groups"] >= 2)
    if "bias" in params:
        kinds.append(lambda c: c["conv"]["bias"] and c["N"] >= 2)
        kinds.append(lambda c: not c["conv"]["bias"])
    if "tuples" in params:
        kinds.append(lambda c: c.get("tuples"))
    if "unbatched" in params:
        kinds.append(lambda c: c.get("unbatched"))
    if "layouts" in params:
        for layout in LAYOUTS:
            kinds.append(lambda c, layout=layout: c.get("layout") == layout)
    if "padding_mode" in params:       # the limits: reflect as far as it goes, circular wrapping it all
        kinds.append(lambda c: c["conv"].get("padding_mode") == "reflect" and max(geometry(c)[:2]) == c["L"] - 1)
        kinds.append(lambda c: c["conv"].get("padding_mode") == "circular" and max(geometry(c)[:2]) == c["L"])
    if "stride" in params:
        kinds.append(lambda c: geometry(c)[2] > geometry(c)[4])            # the stride jumps past the span
    if "groups" in params:
        kinds.append(lambda c: c["conv"]["groups"] == c["C_in"] >= 2)      # depthwise

    def telling(c):     # a case where a mistake can show: the input is longer than the kernel's span, 2+ outputs
        left, right, s, d, span, padded = geometry(c)
        return c["L"] > span and (padded - span) // s >= 1
    return [lambda c, kind=kind: telling(c) and kind(c) for kind in kinds]


def _is_valid(c):
    """Whether torch accepts case `c`: the padded input holds one window, and the padding fits its mode."""
    left, right = _pad_amounts(c)
    span = _one(c["conv"].get("dilation", 1)) * (c["K"] - 1) + 1
    return c["L"] + left + right >= span and pads_fit(c["L"], left, right, c["conv"].get("padding_mode", "zeros"))


class _Label(str):
    """A case's label in a message, in the language of the messages, with what it is as data: `hidden` (a
    hidden case's label: its inputs must not leave through a message) and `call` (the label shows the call
    that builds the layer). Code reads these, never the label's words."""

    def __new__(cls, text, hidden=False, call=False):
        label = super().__new__(cls, text)
        label.hidden, label.call = hidden, call
        return label


def describe_layer(c):
    """The layer of case `c` as the code that builds it: `Conv1d(2, 3, kernel_size=3, stride=2)`."""
    args, kernel = _ctor_args(c)
    extra = "".join(f", {k}={v!r}" for k, v in kernel.items())
    return _Label(f"Conv1d({args[0]}, {args[1]}, kernel_size={args[2]!r}{extra})", call=True)


def describe(c):
    """How a case reads in a message: `Conv1d(2, 3, kernel_size=3, stride=2) on x of shape (2, 2, 7) float64`."""
    shape = (c["C_in"], c["L"]) if c.get("unbatched") else (c["N"], c["C_in"], c["L"])
    text = tr("{layer} on x of shape {shape} {dtype}", layer=describe_layer(c), shape=shape, dtype=c["dtype"])
    if c.get("layout"):
        text += tr(" ({how})", how=_layout_said(c["layout"]))
    if c.get("worked_example"):
        text += tr(" (the worked example's numbers)")
    return _Label(text, call=True)


def _ctor_args(c):
    """The positional and keyword arguments that build the layer of case `c`."""
    conv = dict(c["conv"])
    K = c["K"]
    if c.get("tuples"):
        K = (K,)
        conv = {k: (v,) if k in ("stride", "dilation") or (k == "padding" and isinstance(v, int)) else v
                for k, v in conv.items()}
    return (c["C_in"], c["C_out"], K), conv


def _where(c, i, hidden, layer_only=False):
    """How case i reads in a message: the case in full, only the layer (for checks that never call
    forward), or, hidden, its number and the kinds of parameters it uses."""
    if hidden:
        return _hidden(i, c)
    return describe_layer(c) if layer_only else describe(c)


def _hidden(i, c=None):
    """The label of hidden case i: its number, and the kinds of parameters case `c` uses (when given)."""
    if c is None:
        return _Label(tr("hidden case {n}", n=i + 1), hidden=True)
    return _Label(tr("hidden case {n} ({kinds})", n=i + 1, kinds=_short(c)), hidden=True)


def _short(c):
    parts = [k for k, v in c["conv"].items() if v not in (1, 0, "zeros", False)]
    return tr("uses {parameters}", parameters=", ".join(parts)) if parts else tr("no extra parameters")


def _count(items, noun):
    """"1 case", "3 cases": how many `items`, for a check's ✓ line; `noun` is "case" or "configuration"."""
    n = len(items)
    if noun == "case":
        return tr("{n} case", n=n) if n == 1 else tr("{n} cases", n=n)
    if noun == "configuration":
        return tr("{n} configuration", n=n) if n == 1 else tr("{n} configurations", n=n)
    raise ValueError(f"_count: no message for {noun!r}")
