"""Hints for the forward: the common mistake that explains an error, a shape or values, when one does.

A hint names a mistake only when the mistake is verified on the student's own layer: recomputed (with
torch or NumPy, on the case's numbers) it gives the student's output, or, for a wrong length or an
exception, it agrees with what the student's layer does on a few probes, cases built from the same
parameters where the mistake and the right answer differ (`probe`: the student's outcome on a case).
Otherwise there is no hint: the message says what was computed and where it differs.
"""
import re

import numpy as np
import torch
import torch.nn.functional as F

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


def _bias_per_channel_hint():
    return tr("the bias is added once per input channel: add it once per output, after the sum over the input "
              "channels.")


def _bias_twice_hint():
    return tr("the bias is added twice: add it once, to the whole output, after the sums.")


def _float32_hint():
    return tr("your output is float32, right to float32's precision only (about 7 digits): a float64 input is "
              "computed in float64. Make the output np.result_type(x, weight), and cast neither x nor the weight "
              "to float32.")


def _rounded_hint(rounded):
    """The hint of an output that is torch's for `rounded` ("x", "weight" or "both") rounded to float32."""
    if rounded == "x":
        return tr("your output is torch's for x rounded to float32 (about 7 digits): a float64 input is computed in "
                  "float64; cast neither x nor the weight to float32 (np.asarray(x) keeps x's dtype).")
    if rounded == "weight":
        return tr("your output is torch's for the weight rounded to float32 (about 7 digits): a float64 input is "
                  "computed in float64; cast neither x nor the weight to float32 (np.asarray(x) keeps x's dtype).")
    return tr("your output is torch's for x and the weight rounded to float32 (about 7 digits): a float64 input is "
              "computed in float64; cast neither x nor the weight to float32 (np.asarray(x) keeps x's dtype).")


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


def _variants(c, x, w, b):
    """Outputs of common mistakes, computed with torch: [(mistake, hint that names it, output)]."""
    conv = c["conv"] = _plain(c["conv"])
    s, d, g = conv.get("stride", 1), conv.get("dilation", 1), conv.get("groups", 1)
    mode = conv.get("padding_mode", "zeros")
    left, right = _pad_amounts(c)
    nopad = dict(conv, padding=0, padding_mode="zeros")

    def padded(xx, lft, rgt, m):
        if lft == rgt == 0:
            return xx
        if m == "zeros":
            return np.pad(xx, ((0, 0), (0, 0), (lft, rgt)))
        t = F.pad(torch.from_numpy(np.asarray(xx, np.float64)), (lft, rgt), mode=m)
        return t.numpy()

    def conv_padded(ww, bb=b, lft=left, rgt=right, m=mode, xx=x):
        try:
            return torch_conv1d(padded(xx, lft, rgt, m), ww, bb, **nopad)
        except Exception:
            return None

    out = [
        ("flipped", tr("the kernel looks flipped: torch.nn.Conv1d computes cross-correlation, "
                       "y[t] = Σ_k w[k]·x[t+k], without reversing the kernel."), conv_padded(w[..., ::-1].copy())),
    ]
    if c["C_in"] // g > 1:
        w0 = w.copy()
        w0[:, 1:] = 0
        out.append(("first channel", tr("only the first input channel counts: sum over every input channel "
                                        "(and every kernel tap) for each output."), conv_padded(w0)))
        w_last = w.copy()
        w_last[:, :-1] = 0
        out.append(("last channel", tr("only the last input channel counts: each channel's products replace the "
                                       "ones before (= where += belongs); sum over every input channel."),
                    conv_padded(w_last)))
    ref = conv_padded(w)
    if ref is not None and c["N"] > 1:
        first = ref.copy()
        first[1:] = ref[:1]
        zero = ref.copy()
        zero[1:] = 0
        msg = tr("only the first sample of the batch is right: loop over (or vectorise across) all N samples.")
        out += [("first sample", msg, first), ("first sample", msg, zero)]
    if s > 1 and ref is not None:
        ref1 = _try(lambda: torch_conv1d(padded(x, left, right, mode), w, b, **dict(nopad, stride=1)))
        if ref1 is not None:
            out.append(("no jumps", tr("the windows do not jump: window t starts at t·stride, "
                                       "x[..., t*stride : t*stride + K], not at t."), ref1[..., :ref.shape[2]]))
    if left != right:       # first: with a total of 1 it is also "all on one side"
        out.append(("odd on the left", tr("the odd extra element of padding='same' goes on the right, as in torch."),
                    conv_padded(w, lft=right, rgt=left)))
    if left + right:
        msg = (tr("padding goes on both sides: `padding` on the left and `padding` on the right, "
                  "not 2·padding on one side.")
               if not isinstance(conv.get("padding"), str) else
               tr("padding='same' goes on both sides: ⌊total/2⌋ on the left, the rest on the right, not all on one "
                  "side."))
        out += [("one side", msg, conv_padded(w, lft=left + right, rgt=0)),
                ("one side", msg, conv_padded(w, lft=0, rgt=left + right))]
    if b is not None and ref is not None:
        nob = conv_padded(w, None)
        if c["N"] > 1:
            first_only = nob.copy()
            first_only[0] += b[:, None]
            out.append(("bias first sample", tr("the bias is added to the first sample only: add it to every "
                                                "sample."), first_only))
        out.append(("no bias", tr("the bias is missing: add bias[o] to every position of output channel o."), nob))
        if c["C_in"] // g > 1:
            out.append(("bias per channel", _bias_per_channel_hint(), nob + (c["C_in"] // g) * b[None, :, None]))
        out.append(("bias twice", _bias_twice_hint(), nob + 2 * b[None, :, None]))
        if nob.shape[2] == c["C_out"]:
            out.append(("bias on the length", tr("the bias is added along the length axis: it belongs to the channel "
                                                 "axis, bias[None, :, None]."), nob + b[None, None, :]))
    if mode in ("reflect", "replicate"):
        other = "replicate" if mode == "reflect" else "reflect"
        out.append(("other mode", tr("this looks like padding_mode='{other}', not '{mode}': reflect mirrors without "
                                     "repeating the edge (x2 x1 | x0 x1 x2 …), replicate repeats the edge "
                                     "(x0 x0 | x0 x1 …).", other=other, mode=mode),
                    conv_padded(w, m=other)))
    if mode == "reflect" and max(left, right) >= 2:
        out.append(("symmetric", tr("this is np.pad's mode='symmetric', which repeats the edge (x1 x0 | x0 x1 …); "
                                    "torch's 'reflect' is np.pad's mode='reflect', which does not (x2 x1 | x0 x1 x2 "
                                    "…)."),
                    _try(lambda: torch_conv1d(np.pad(x, ((0, 0), (0, 0), (left, right)), mode="symmetric"),
                                              w, b, **nopad))))
    if mode == "zeros" and left + right and c["N"] * c["C_in"] > 1:
        every = np.pad(x, left if left == right else (left, right))[:c["N"], :c["C_in"]]  # sliced back by loops
        out.append(("every axis", _pad_every_axis_hint(), _try(lambda: torch_conv1d(every, w, b, **nopad))))
    if mode != "zeros" and left + right:
        out.append(("padded with zeros",
                    tr("padding_mode='circular' was padded with zeros: circular wraps around: the left pad is the "
                       "end of the input.") if mode == "circular" else
                    tr("padding_mode='{mode}' was padded with zeros: fill the padding the way '{mode}' says.",
                       mode=mode), conv_padded(w, m="zeros")))
    if d > 1 and c["K"] > 1 and ref is not None:    # L_out with the span, but the K taps side by side
        out.append(("contiguous taps", tr("the taps are d apart: window t reads x[t·s + k·d] for k = 0 … K−1 "
                                          "(x_pad[:, :, t*s : t*s + d*(K-1) + 1 : d]), not K neighbours; the span "
                                          "d·(K−1)+1 is right in L_out."),
                    _try(lambda: torch_conv1d(padded(x, left, right, mode), w, b,
                                              **dict(nopad, dilation=1))[..., :ref.shape[2]])))
    if mode == "circular" and left + right and ref is not None:
        swapped = np.concatenate([x[..., :left], x, x[..., x.shape[2] - right:]], axis=2)
        out.append(("circular swapped", tr("circular padding with its sides swapped: the left pad is the END of the "
                                           "input (x[..., L_in − left:]) and the right pad its START (x[..., :right]), "
                                           "as if the input went round a circle."),
                    _try(lambda: torch_conv1d(swapped, w, b, **nopad))))
    if ref is not None:     # the mean of the products, not their sum
        nob = conv_padded(w, None)
        cin_g = c["C_in"] // g
        for n, what in ((cin_g * c["K"], "C_in·K" if g == 1 else "(C_in/groups)·K"), (c["K"], "K"),
                        (cin_g, "C_in" if g == 1 else "C_in/groups")):
            if n > 1 and nob is not None:
                out.append(("mean", tr("every output is 1/({what}) of torch's: a convolution sums the products w·x "
                                       "over the input channels and the taps; it does not average them (np.sum, not "
                                       "np.mean).", what=what),
                            nob / n + (0 if b is None else b[None, :, None])))
    if d > 1 and c["K"] > 1:        # with one tap, torch's dilation changes nothing: no evidence of it
        xs = x[..., ::d]
        out.append(("dilated input", tr("dilation was applied to the input: it spaces the kernel taps "
                                        "(x[t·s + k·d]), it does not subsample x."),
                    _try(lambda: torch_conv1d(xs, w, b, **dict(conv, dilation=1)))))
    if g > 1:
        cin_g = c["C_in"] // g

        def reading(group_of):      # output channel o convolved with input group group_of(o)
            return np.concatenate([torch_conv1d(
                padded(x[:, group_of(o) * cin_g:(group_of(o) + 1) * cin_g], left, right, mode),
                w[o:o + 1], None if b is None else b[o:o + 1], **dict(nopad, groups=1))
                for o in range(c["C_out"])], axis=1)
        out.append(("wrong group", tr("output channel o reads the wrong group of input channels: its group is "
                                      "o // (C_out / groups), and group j reads input channels j·C_in/groups … "
                                      "(j+1)·C_in/groups − 1."), _try(lambda: reading(lambda o: o % g))))
        if cin_g == 1:
            out.append(("groups ignored", tr("groups ignored: a (C_out, 1, K) weight broadcast over all C_in "
                                             "channels sums every channel; with groups each filter reads only the "
                                             "C_in // groups channels of its group."),
                        _try(lambda: torch_conv1d(padded(x, left, right, mode), np.repeat(w, c["C_in"], axis=1),
                                                  b, **dict(nopad, groups=1)))))
        out.append(("first group", tr("every output channel reads the first group of input channels: output channel "
                                      "o belongs to group o // (C_out / groups)."),
                    _try(lambda: reading(lambda o: 0))))
    return [(name, h, v) for name, h, v in out if v is not None]


def _try(f):
    try:
        return f()
    except Exception:
        return None


def _hint_values(c, x, w, b, y, probe=None):
    """The hint of the common mistake whose output, recomputed, is the student's `y` (`probe`: the student's
    outcome on another case, to tell apart two mistakes that agree on this one)."""
    c = dict(c)
    if x.ndim == 2:         # unbatched: the same mistakes, on a batch of one
        x, y, c["N"] = x[None], y[None], 1
    y64 = y.astype(np.float64)
    hint = _hint_float32(c, x, w, b, y)
    if hint:
        return hint
    if _close(c, _try(lambda: torch_conv1d(np.zeros_like(x), w, b, **_plain(c["conv"]))), y64):
        # the output of an input of zeros tells nothing of how x was read; np.pad(x, p) sliced back gives it
        # when every sample or channel kept is padding: named only when a larger probe shows that mistake
        return _pad_every_axis_hint() if _every_axis_on_probe(c, probe) else ""
    for mistake, hint, v in _variants(c, x, w, b):
        if v.shape == y64.shape and np.all(np.abs(v - y64) <= _tolerance(c, v)):
            if mistake in ("bias per channel", "bias twice") and c["C_in"] // c["conv"].get("groups", 1) == 2:
                return _bias_count(c, probe)        # once per input channel, or twice: the same here
            return hint
    return ""


def _every_axis_on_probe(c, probe):
    """Whether the student's layer, on a case with more samples and channels than the left padding, gives what
    np.pad(x, (left, right)) on every axis, sliced back to (N, C_in), gives."""
    left, right = _pad_amounts(c)
    g = c["conv"].get("groups", 1)
    p = _probe_case(c, N=c["N"] + left + 1, C_in=c["C_in"] + (left + 1) * g, unbatched=False)
    if probe is None or p is None or not left + right or c["conv"].get("padding_mode", "zeros") != "zeros":
        return False
    y, err = probe(p)
    if err is not None or y is None:
        return False
    x, w, b = make_data(p)
    every = np.pad(x, left if left == right else (left, right))[:p["N"], :p["C_in"]]
    try:
        y = np.asarray(y, np.float64)
    except (TypeError, ValueError):
        return False
    return _close(p, _try(lambda: torch_conv1d(every, w, b, **dict(_plain(p["conv"]), padding=0))), y)


def _hint_float32(c, x, w, b, y):
    """For a float64 input: _float32_hint() when the output is float32 and torch's to float32's precision;
    _rounded_hint() when it is, to float64's precision, torch's output for x (or the weight) rounded to float32."""
    y = np.asarray(y)
    if x.dtype != np.float64 or not np.issubdtype(y.dtype, np.floating):
        return ""
    if x.ndim == 2:
        x, y = x[None], y[None]
    conv = _plain(c["conv"])
    y64 = y.astype(np.float64)
    if y.dtype == np.float32:
        float32 = _close(dict(c, dtype="float32"), _try(lambda: torch_conv1d(x, w, b, **conv)), y64)
        return _float32_hint() if float32 else ""

    def r(a):
        return None if a is None else a.astype(np.float32).astype(np.float64)
    for rounded, xx, ww, bb in (("x", r(x), w, b), ("weight", x, r(w), r(b)), ("both", r(x), r(w), r(b))):
        if _close(c, _try(lambda: torch_conv1d(xx, ww, bb, **conv)), y64):
            return _rounded_hint(rounded)
    return ""


def _bias_count(c, probe):
    """The hint of the bias added once per input channel, or of the bias added twice, whichever the student's
    layer does on a case with more input channels per group ('' when neither, or without a probe)."""
    g = c["conv"].get("groups", 1)
    p = _probe_case(c, C_in=c["C_in"] + g)
    if probe is None or p is None:
        return ""
    y, err = probe(p)
    if err is not None or y is None:
        return ""
    data = _data_and_output(p, y)
    if data is None:
        return ""
    x, w, b, y = data
    nob = _try(lambda: torch_conv1d(x, w, None, **p["conv"]))
    if nob is None or b is None:
        return ""
    for hint, times in ((_bias_per_channel_hint, p["C_in"] // g), (_bias_twice_hint, 2)):
        if _close(p, nob + times * b[None, :, None], y):
            return hint()
    return ""
