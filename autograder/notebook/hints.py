"""Hints for the forward: the mistake that explains an error or a shape, when one does (values: value_hints.py).

A hint names a mistake only when the mistake is verified on the student's own layer: recomputed (with
torch or NumPy, on the case's numbers) it gives the student's output, or, for a wrong length or an
exception, it agrees with what the student's layer does on a few probes, cases built from the same
parameters where the mistake and the right answer differ (`probe`: the student's outcome on a case).
Otherwise there is no hint: the message says what was computed and where it differs.
"""
import re

import numpy as np

from .failures import _said
from .language import tr
from .lengths import _geometry, _length_formula, _length_mistake, _no_padding_hint, _probe_case
from .padding import _one, _pad_amounts, _plain
from .reference import _tolerance, make_data, torch_conv1d


def _right(probe, p):
    """Whether the student's layer gives torch's output on probe case p."""
    if p is None:
        return False
    y, err = probe(p)
    if err is not None or y is None:
        return False
    x, w, b = make_data(p)
    want = torch_conv1d(x, w, b, **p["conv"])
    try:
        y = np.asarray(y, np.float64)
    except (TypeError, ValueError):
        return False
    return y.shape == want.shape and bool(np.all(np.abs(y - want) <= _tolerance(p, want)))


def _raises(probe, p):
    return p is not None and probe(p)[1] is not None


def _hint_constructor(args, kwargs, err, construct=None):
    """A hint for an exception raised by the student's constructor: named only when the same constructor
    accepts the same layer written without the thing the hint names, and the exception speaks of that thing
    or the constructor accepts the layer with only that changed (`construct(args, kwargs)`: whether the
    student's constructor accepts them)."""
    if construct is None or not isinstance(err, (TypeError, ValueError)):
        return ""
    said = _said(err)
    ints = tuple(_one(a) for a in args), {k: _one(v) for k, v in kwargs.items()}
    padding = kwargs.get("padding")
    if isinstance(padding, str):        # the same layer with its padding as an int ('same' as an even split)
        K = _one(args[2]) if len(args) > 2 else _one(kwargs.get("kernel_size", 1))
        amount = 0 if padding == "valid" else _one(kwargs.get("dilation", 1)) * (K - 1) // 2
        plain = ints[0], dict(ints[1], padding=amount)
    else:
        plain = ints
    if any(isinstance(v, tuple) for v in [*args, *kwargs.values()]) and construct(*plain) and \
            ("tuple" in said or construct(*ints)):
        return tr("torch also takes each size as a 1-tuple, kernel_size=(5,) or stride=(2,): read the int out "
                  "first, e.g. `kernel_size = kernel_size[0] if isinstance(kernel_size, tuple) else kernel_size`.")
    if isinstance(padding, str) and isinstance(err, TypeError) and construct(*plain) and \
            ("str" in said or construct(args, dict(kwargs, padding=plain[1]["padding"]))):
        return tr("padding may be the string 'same' or 'valid': turn it into the left and right amounts "
                  "before any arithmetic with it.")
    return ""


def _pads_every_axis(c, err=None, got=None):
    """Whether np.pad(x, (left, right)) (or np.pad(x, p)), which pads every axis, gives what the
    student's forward did: an error naming the padded batch or channel size, or such an output."""
    left, right = _pad_amounts(c)
    if not left + right:
        return False
    sizes = {c["N"] + left + right, c["C_in"] + left + right} - {c["N"], c["C_in"]}
    if got is not None:
        return got[0] == c["N"] + left + right != c["N"]
    return any(re.search(rf"\b{n}\b", _said(err)) for n in sizes)


# Hints given in more than one place: functions, so that each is said in the language of the moment (tr).
def _pad_every_axis_hint():
    return tr("np.pad(x, (left, right)) pads every axis (the batch and the channels too): give one pair per axis, "
              "np.pad(x, ((0, 0), (0, 0), (left, right))).")


def _padding_string_hint():
    return tr("padding may be the string 'same' or 'valid': turn it into the left and right amounts before any "
              "arithmetic with it (or np.pad).")


def _unbatched_hint():
    return tr("this input is unbatched, shape (C_in, L_in): treat it as a batch of one, x[None], and return "
              "(C_out, L_out), y[0].")


def _one_tuple_hint():
    return tr("torch also takes each size as a 1-tuple, kernel_size=(5,) or stride=(2,): read the int out first, "
              "e.g. `stride = stride[0] if isinstance(stride, tuple) else stride`.")


def _groups_count_hint():
    return tr("groups is the number of groups, not the number of channels in each: group j reads the C_in // groups "
              "input channels j·C_in/groups … (j+1)·C_in/groups − 1, and the weight is (C_out, C_in // groups, K).")


def _linked(key, c):
    """The hint for an exception that the probe ties to parameter `key`: the layer is right without it."""
    conv = c["conv"]
    taps = "x[t·s + k·d]" if "dilation" in conv else "x[t·s + k]"
    said = {
        "dilation": tr("your forward is right with dilation=1 and raises with this dilation: with dilation d the "
                       "taps are d apart, x[t·s + k·d], so a window spans d·(K−1)+1 positions and "
                       "L_out = ⌊(L_padded − d·(K−1) − 1)/stride⌋ + 1: check the span and where each tap reads."),
        "groups": tr("your forward is right with groups=1 and raises with these groups: the tests load a weight of "
                     "shape (C_out, C_in // groups, K): each filter covers only the C_in // groups channels of its "
                     "group."),
        "stride": tr("your forward is right with stride=1 and raises with this stride: window t starts at t·stride "
                     "and reads {taps}; a last window that does not fit is dropped: {formula}.",
                     taps=taps, formula=_length_formula(c)),
        "padding": tr("your forward is right with padding=0 and raises with this padding: pad the input first "
                      "(`padding` on the left and on the right), then slide the windows over the padded input, "
                      "{formula}.", formula=_length_formula(c)),
        "padding_mode": tr("your forward is right with padding_mode='zeros' and raises with this mode: the padding "
                           "comes from the input, by the mode's rule (in np.pad: 'reflect' is 'reflect', "
                           "'replicate' is 'edge', 'circular' is 'wrap')."),
    }
    return said[key]


def _hint_error(c, err, b, probe=None):
    """A hint for an exception raised inside the student's forward, verified on the student's layer with
    `probe` (its outcome on another case, (y, exception)): most specific first."""
    c = dict(c, conv=_plain(c["conv"]))
    conv = c["conv"]
    said = _said(err)
    if isinstance(err, ValueError) and re.search(r"mode '?(zeros|replicate|circular)'? is not supported", said):
        # np.pad's own message: the student handed it torch's name of the mode
        return tr("np.pad names the modes its own way: torch's 'zeros' is np.pad's 'constant', 'replicate' "
                  "is 'edge', 'circular' is 'wrap' ('reflect' is 'reflect').")
    if probe is None:
        return ""
    left, right, s, d, span, padded = _geometry(c)
    g = conv.get("groups", 1)
    if isinstance(conv.get("padding"), str) and (
            (isinstance(err, TypeError) and "str" in said) or "pad_width" in said):
        for K in (c["K"], c["K"] + 1):      # the same layer with an int padding ('same' as an even split)
            p = _probe_case(c, K=K)
            if p is not None and sum(_pad_amounts(p)) % 2 == 0 and _right(
                    probe, _probe_case(p, padding=_pad_amounts(p)[0])):
                return _padding_string_hint()
    if c.get("unbatched") and _right(probe, _probe_case(c, unbatched=False)):
        return _unbatched_hint()
    if c.get("tuples") and _right(probe, _probe_case(c, tuples=False)):
        return _one_tuple_hint()
    if b is None and isinstance(err, TypeError) and "NoneType" in said and \
            _right(probe, _probe_case(c, bias=True)):
        return tr("with bias=False, self.bias is None: add the bias only when it is not None.")
    if b is not None and isinstance(err, ValueError) and "broadcast" in said and \
            _right(probe, _probe_case(c, bias=False)):
        return tr("the bias has shape (C_out,) and belongs to the channel axis: "
                  "y + bias[None, :, None], not y + bias (that lines it up with the length axis).")
    if not c.get("unbatched") and isinstance(err, (ValueError, IndexError)) and _pads_every_axis(c, err) and \
            _right(probe, _probe_case(c, padding=0)):
        return _pad_every_axis_hint()
    if s > 1 and (padded - span) % s:       # rounded up: right where the last window fits exactly
        fits = [_probe_case(c, L=c["L"] + j) for j in range(1, s + 1) if (padded + j - span) % s == 0]
        short = [_probe_case(c, L=c["L"] + j) for j in range(1, s + 1) if (padded + j - span) % s]
        if fits and _right(probe, fits[0]) and (not short or _raises(probe, short[0])):
            return tr("L_out rounds down (floor), not up: a last window that does not fit is dropped.")
    if g > 1 and c["C_in"] // g != g and _right(probe, _probe_case(c, C_in=g * g, C_out=g * (g + 1))):
        # (C_out/groups = g + 1: a forward that slices the inputs by the output group's size is not right there)
        return _groups_count_hint()
    for key, default in (("dilation", 1), ("groups", 1), ("stride", 1), ("padding", 0), ("padding_mode", "zeros")):
        if conv.get(key, default) != default and _right(probe, _probe_case(c, **{key: default})):
            return _linked(key, c)
    return ""


def _hint_weight_shape(c, shape, shape_of=None):
    """A hint for a weight of the wrong shape: the mistake's shape, here and on another layer of the same
    kind (`shape_of(case)`: the student's weight shape for that case's layer)."""
    g = c["conv"].get("groups", 1)
    if shape is None or len(shape) != 3:
        return ""
    C_out, C_in, K = c["C_out"], c["C_in"], c["K"]

    def again(mistake, **changes):      # the mistake gives the student's shape on another layer too
        p = _probe_case(c, **changes)
        return shape_of is None or p is None or shape_of(p) == mistake(p)
    if g > 1 and shape == (C_out, C_in, K) and again(lambda p: (p["C_out"], p["C_in"], p["K"]), C_in=C_in + g):
        return tr("with groups={g} each filter reads only the C_in // groups = {per_group} channels of its group, "
                  "so the weight's second axis is C_in // groups.", g=g, per_group=C_in // g)
    if g > 1 and shape == (C_out, g, K) and C_in // g != g and \
            again(lambda p: (p["C_out"], g, p["K"]), C_in=C_in + g):
        return _groups_count_hint()
    if shape == (C_in // g, C_out, K) and C_in // g != C_out and \
            again(lambda p: (p["C_in"] // g, p["C_out"], p["K"]), C_out=C_out + g):
        return tr("torch stores out_channels first: weight[o] is the filter of output channel o.")
    if shape[:2] == (C_out, C_in // g) and shape[2] != K:
        return tr("the last axis holds the K taps of the kernel (an int K, or torch's 1-tuple (K,)).")
    return ""


def _hint_shape(c, want, got, shape_of=None, y=None):
    """A hint for an output of the wrong shape. `shape_of(case)`: the shape the student's layer (or length
    function) gives on another case, None when it gives none; without it, no mistake of the length is named.
    y: the student's output on case `c` (its data, make_data(c)), to tell mistakes of the same length apart."""
    if len(want) == 2 and len(got) < 2 and got == tuple(n for n in want if n != 1):
        ones = [f"{name} = 1" for name, n in zip(("C_out", "L_out"), want) if n == 1]
        ones = tr("{first} and {second}", first=ones[0], second=ones[1]) if len(ones) == 2 else ones[0]
        return tr("your output lost its axes of length 1 (here {ones}), as np.squeeze does: an unbatched input "
                  "(C_in, L_in) gives (C_out, L_out) whatever their sizes; take off only the batch axis, y[0].",
                  ones=ones)
    if len(got) != len(want):
        return (tr("an unbatched input (C_in, L_in) gives an unbatched output (C_out, L_out).")
                if len(want) == 2 else tr("the output must be 3-D, (N, C_out, L_out)."))
    ndim = len(want)
    if len(want) == 2:      # unbatched: reason about it as a batch of one
        c, want, got = dict(c, N=1), (1, *want), (1, *got)
    c = dict(c, conv=_plain(c["conv"]))
    if got[0] != want[0] and _pads_every_axis(c, got=got):
        p = _probe_case(c, padding=0)       # without padding, the batch comes out right
        theirs = None if shape_of is None or p is None else shape_of(p)
        if theirs is not None and len(theirs) == 3 and theirs[0] == p["N"]:
            return _pad_every_axis_hint()
    if got[0] != want[0]:
        return tr("the batch axis is wrong: compute every sample of the batch, x[n] for n in range(N).")
    if got[1] != want[1]:
        return tr("one output channel per filter: the output has C_out = out_channels channels.")
    if shape_of is None:
        return ""

    def length_of(p):
        shape = shape_of(p)
        return None if shape is None or len(shape) != ndim else shape[-1]
    mistake, hint = _length_mistake(c, got[2], length_of)
    if mistake == "no padding" and y is not None:
        return _unpadded_length(c, y)
    return hint


def _close(c, v, y):
    return v is not None and v.shape == y.shape and bool(np.all(np.abs(v - y) <= _tolerance(c, v)))


def _data_and_output(c, y):
    """(x, w, b, y) of case `c` with the student's output `y` in float64, an unbatched case as a batch of one;
    None when y is no array of numbers."""
    x, w, b = make_data(c)
    try:
        y = np.asarray(y, np.float64)
    except (TypeError, ValueError):
        return None
    return (x[None], w, b, y[None]) if x.ndim == 2 else (x, w, b, y)


def _unpadded_length(c, y):
    """The length of the input without its padding has two common causes, told apart by the values: the
    padding left out (the output is the unpadded input's convolution), or L_out counted before padding
    (the output is torch's, cut short). Neither: no hint."""
    data = _data_and_output(c, y)
    if data is None:
        return ""
    x, w, b, y = data
    conv = c["conv"]
    if _close(c, _try(lambda: torch_conv1d(x, w, b, **dict(conv, padding=0, padding_mode="zeros"))), y):
        return _no_padding_hint()
    want = _try(lambda: torch_conv1d(x, w, b, **conv))
    if want is not None and y.ndim == 3 and 0 < y.shape[2] < want.shape[2] and \
            _close(c, want[..., :y.shape[2]], y):
        return tr("your output is the first {n} positions of torch's: L_out counts the windows of the padded "
                  "input, {formula} with L_padded = L_in + left + right; compute it after padding, from the "
                  "padded x.", n=y.shape[2], formula=_length_formula(c))
    return ""


def _try(f):
    try:
        return f()
    except Exception:
        return None


