"""Hints for the forward: the common mistake that explains an error, a shape or values, when one does.

Each hint is computed from the case's numbers (the mistake's output, made with torch), never guessed from
the message alone.
"""
import re

import numpy as np
import torch
import torch.nn.functional as F

from .failures import _said
from .padding import _one, _pad_amounts, _plain
from .reference import _tolerance, torch_conv1d


def _hint_constructor(args, kwargs, err):
    """A hint for an exception raised by the student's constructor."""
    given = [*args, *kwargs.values()]
    if any(isinstance(v, tuple) for v in given) and isinstance(err, (TypeError, ValueError)):
        return ("torch also takes each size as a 1-tuple, kernel_size=(5,) or stride=(2,): read the "
                "int out first, e.g. "
                "`kernel_size = kernel_size[0] if isinstance(kernel_size, tuple) else kernel_size`.")
    if isinstance(kwargs.get("padding"), str) and isinstance(err, TypeError):
        return ("padding may be the string 'same' or 'valid': turn it into the left and right amounts "
                "before any arithmetic with it.")
    return ""


def _length_formula(c):
    """torch's L_out in the words of the notebook the case comes from: L and K only until padding
    (03) and dilation (04) are in the case's parameters."""
    conv = c["conv"]
    length = "L_padded" if sum(_pad_amounts(c)) else "L_in"
    span = "span" if _one(conv.get("dilation", 1)) > 1 else "K"
    stride = "/stride" if _one(conv.get("stride", 1)) > 1 else ""
    return f"L_out = ⌊({length} − {span}){stride}⌋ + 1" if stride else f"L_out = {length} − {span} + 1"


def _pads_every_axis(c, err=None, got=None):
    """Whether np.pad(x, (left, right)) (or np.pad(x, p)), which pads every axis, explains what the
    student's forward did: an error naming the padded batch or channel size, or such an output."""
    left, right = _pad_amounts(c)
    if not left + right:
        return False
    sizes = {c["N"] + left + right, c["C_in"] + left + right} - {c["N"], c["C_in"]}
    if got is not None:
        return got[0] == c["N"] + left + right != c["N"]
    return any(re.search(rf"\b{n}\b", _said(err)) for n in sizes)


PAD_EVERY_AXIS = ("np.pad(x, (left, right)) pads every axis (the batch and the channels too): give one pair "
                  "per axis, np.pad(x, ((0, 0), (0, 0), (left, right))).")


def _hint_error(c, err, b):
    """A hint for an exception raised inside the student's forward (most specific first)."""
    c = dict(c, conv=_plain(c["conv"]))
    if isinstance(c["conv"].get("padding"), str) and (
            (isinstance(err, TypeError) and "str" in _said(err)) or "pad_width" in _said(err)):
        return ("padding may be the string 'same' or 'valid': turn it into the left and right amounts "
                "before any arithmetic with it (or np.pad).")
    if isinstance(err, ValueError) and re.search(r"mode '?(zeros|replicate|circular)'? is not supported", _said(err)):
        return ("np.pad names the modes its own way: torch's 'zeros' is np.pad's 'constant', 'replicate' "
                "is 'edge', 'circular' is 'wrap' ('reflect' is 'reflect').")
    if not c.get("unbatched") and isinstance(err, (ValueError, IndexError)) and _pads_every_axis(c, err):
        return PAD_EVERY_AXIS
    if c.get("unbatched") and isinstance(err, (ValueError, IndexError)):
        return ("this input is unbatched, shape (C_in, L_in): treat it as a batch of one, "
                "x[None], and return (C_out, L_out), y[0].")
    if b is not None and isinstance(err, ValueError) and "broadcast" in _said(err):
        return ("the bias has shape (C_out,) and belongs to the channel axis: "
                "y + bias[None, :, None], not y + bias (that lines it up with the length axis).")
    if b is None and isinstance(err, TypeError) and "NoneType" in _said(err):
        return "with bias=False, self.bias is None: add the bias only when it is not None."
    if c["conv"].get("dilation", 1) > 1 and isinstance(err, (IndexError, ValueError)):
        return ("with dilation d a window spans d·(K−1)+1 positions (taps at t·s + k·d), so "
                "L_out = ⌊(L_padded − d·(K−1) − 1)/stride⌋ + 1: check the span and where each tap reads.")
    if c["conv"].get("groups", 1) > 1:
        return ("the tests load a weight of shape (C_out, C_in // groups, K): each filter covers "
                "only the C_in // groups channels of its group.")
    if c["conv"].get("stride", 1) == 1 and isinstance(err, ValueError) and "broadcast" in _said(err):
        return ("if a window came out shorter than K, it ran past the end: a window must fit entirely "
                f"inside the {'padded ' if sum(_pad_amounts(c)) else ''}input, {_length_formula(c)}.")
    if c["conv"].get("stride", 1) > 1 and isinstance(err, ValueError) and "broadcast" in _said(err):
        return f"a last window that does not fit is dropped: {_length_formula(c)} (floor, not ceil)."
    return ""


def _hint_weight_shape(c, shape):
    """A hint for a weight of the wrong shape."""
    g = c["conv"].get("groups", 1)
    if g > 1 and shape == (c["C_out"], c["C_in"], c["K"]):
        return (f"with groups={g} each filter reads only the C_in // groups = {c['C_in'] // g} "
                "channels of its group, so the weight's second axis is C_in // groups.")
    if shape == (c["C_in"] // g, c["C_out"], c["K"]) and c["C_in"] // g != c["C_out"]:
        return "torch stores out_channels first: weight[o] is the filter of output channel o."
    if shape is not None and len(shape) == 3 and shape[:2] == (c["C_out"], c["C_in"] // g) and shape[2] != c["K"]:
        return "the last axis holds the K taps of the kernel (an int K, or torch's 1-tuple (K,))."
    return ""


def _hint_shape(c, want, got):
    if len(got) != len(want):
        return ("an unbatched input (C_in, L_in) gives an unbatched output (C_out, L_out)."
                if len(want) == 2 else "the output must be 3-D, (N, C_out, L_out).")
    if len(want) == 2:      # unbatched: reason about it as a batch of one
        c, want, got = dict(c, N=1), (1, *want), (1, *got)
    c = dict(c, conv=_plain(c["conv"]))
    if got[0] != want[0] and _pads_every_axis(c, got=got):
        return PAD_EVERY_AXIS
    if got[0] != want[0]:
        return "the batch axis is wrong: compute every sample of the batch, x[n] for n in range(N)."
    if got[1] != want[1]:
        return "one output channel per filter: the output has C_out = out_channels channels."
    conv = c["conv"]
    s, d = conv.get("stride", 1), conv.get("dilation", 1)
    left, right = _pad_amounts(c)
    span = d * (c["K"] - 1) + 1
    padded = c["L"] + left + right
    if left + right and got[2] == (c["L"] - span) // s + 1:
        return "the padding is missing: pad the input on both sides before sliding the kernel."
    if c["C_in"] != c["L"] and got[2] == max(0, (c["C_in"] + left + right - span) // s + 1):
        return ("the windows slide along the channel axis: x is (N, C_in, L_in), channels on axis 1 "
                "and the length last, so windows run along axis 2 (x[n, :, t:t+K]), not along axis 1.")
    if d > 1:
        if got[2] in ((-(-padded // d) - c["K"]) // s + 1, (-(-c["L"] // d) + left + right - c["K"]) // s + 1):
            return ("dilation was applied to the input: it spaces the kernel taps "
                    "(x[t·s + k·d]), it does not subsample x.")
        if got[2] == (padded - c["K"]) // s + 1:
            return "the kernel span with dilation d is d·(K−1)+1, not K."
        if got[2] == (padded - d * c["K"]) // s + 1:
            return "the kernel span with dilation d is d·(K−1)+1, not d·K: the last tap is at (K−1)·d."
        if conv.get("padding") == "same" and got[2] == c["L"] + c["K"] - 1 - span + 1:
            return "with dilation, padding='same' pads d·(K−1) in total (the span minus one), not K−1."
    if got[2] == want[2] - 1 and left + right and got[2] in ((c["L"] + left - span) // s + 1,
                                                           (c["L"] + right - span) // s + 1):
        return ("one output too short: padding goes on both sides (padding on the left and on the "
                f"right): {_length_formula(c)}.")
    if got[2] == want[2] - 1 and s == 1:
        return "one output too short: the last window starts at L_in − K, so there are L_in − K + 1 of them."
    if got[2] == want[2] - 1:
        return ("one output too short: windows start at t·stride for t = 0, 1, …, ⌊(L_in − K)/stride⌋, "
                "so there are ⌊(L_in − K)/stride⌋ + 1 of them.")
    if conv.get("padding") == "same" and got[2] != want[2] and got[2] == c["L"] + 2 * (span // 2) - span + 1:
        total = "d·(K−1)" if "dilation" in conv else "K−1"
        return (f"padding='same' pads {total} in total, ⌊total/2⌋ on the left and the rest on the right; "
                "span//2 on each side is one too many when the span is even.")
    if got[2] == want[2] + 1 and s == 1:
        return ("one output too long: a window must fit entirely inside the "
                f"{'padded ' if 'padding' in conv else ''}input: {_length_formula(c)}.")
    if s > 1 and got[2] == -(-(padded - span) // s) + 1:
        return "L_out rounds down (floor), not up: a last window that does not fit is dropped."
    if s > 1 and got[2] == padded - span + 1:
        return f"the stride is ignored: windows start every `stride` positions, {_length_formula(c)}."
    if left + right and got[2] in ((c["L"] + left - span) // s + 1, (c["L"] + right - span) // s + 1):
        return "padding goes on both sides of the input, not one."
    return ""


def _variants(c, x, w, b):
    """Outputs of common mistakes, computed with torch, each with the hint that names it."""
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
        ("the kernel looks flipped: torch.nn.Conv1d computes cross-correlation, "
         "y[t] = Σ_k w[k]·x[t+k], without reversing the kernel.", conv_padded(w[..., ::-1].copy())),
    ]
    if c["C_in"] // g > 1:
        w0 = w.copy()
        w0[:, 1:] = 0
        out.append(("only the first input channel counts: sum over every input channel "
                    "(and every kernel tap) for each output.", conv_padded(w0)))
    ref = conv_padded(w)
    if ref is not None and c["N"] > 1:
        first = ref.copy()
        first[1:] = ref[:1]
        zero = ref.copy()
        zero[1:] = 0
        msg = "only the first sample of the batch is right: loop over (or vectorise across) all N samples."
        out += [(msg, first), (msg, zero)]
    if s > 1 and ref is not None:
        ref1 = _try(lambda: torch_conv1d(padded(x, left, right, mode), w, b, **dict(nopad, stride=1)))
        if ref1 is not None:
            out.append(("the windows do not jump: window t starts at t·stride, "
                        "x[..., t*stride : t*stride + K], not at t.", ref1[..., :ref.shape[2]]))
    if left != right:       # first: with a total of 1 it is also "all on one side"
        out.append(("the odd extra element of padding='same' goes on the right, as in torch.",
                    conv_padded(w, lft=right, rgt=left)))
    if left + right:
        msg = ("padding goes on both sides: `padding` on the left and `padding` on the right, "
               "not 2·padding on one side."
               if not isinstance(conv.get("padding"), str) else
               "padding='same' goes on both sides: ⌊total/2⌋ on the left, the rest on the right, not all on one side.")
        out += [(msg, conv_padded(w, lft=left + right, rgt=0)), (msg, conv_padded(w, lft=0, rgt=left + right))]
    if b is not None and ref is not None:
        nob = conv_padded(w, None)
        if c["N"] > 1:
            first_only = nob.copy()
            first_only[0] += b[:, None]
            out.append(("the bias is added to the first sample only: add it to every sample.", first_only))
        out.append(("the bias is missing: add bias[o] to every position of output channel o.", nob))
        if c["C_in"] // g > 1:
            out.append(("the bias is added once per input channel: add it once per output, after the sum over "
                        "the input channels.", nob + (c["C_in"] // g) * b[None, :, None]))
        if nob.shape[2] == c["C_out"]:
            out.append(("the bias is added along the length axis: it belongs to the channel axis, "
                        "bias[None, :, None].", nob + b[None, None, :]))
    if mode in ("reflect", "replicate"):
        other = "replicate" if mode == "reflect" else "reflect"
        out.append((f"this looks like padding_mode='{other}', not '{mode}': reflect mirrors without "
                    "repeating the edge (x1 x0 | x0 x1 …), replicate repeats the edge (x0 x0 | x0 x1 …).",
                    conv_padded(w, m=other)))
    if mode == "reflect" and max(left, right) >= 2:
        out.append(("this is np.pad's mode='symmetric', which repeats the edge (x1 x0 | x0 x1 …); torch's 'reflect' "
                    "is np.pad's mode='reflect', which does not (x2 x1 | x0 x1 x2 …).",
                    _try(lambda: torch_conv1d(np.pad(x, ((0, 0), (0, 0), (left, right)), mode="symmetric"),
                                              w, b, **nopad))))
    if mode == "zeros" and left + right and c["N"] * c["C_in"] > 1:
        every = np.pad(x, left if left == right else (left, right))[:c["N"], :c["C_in"]]  # sliced back by loops
        out.append((PAD_EVERY_AXIS, _try(lambda: torch_conv1d(every, w, b, **nopad))))
    if mode != "zeros" and left + right:
        out.append((f"padding_mode='{mode}' was padded with zeros: "
                    + ("circular wraps around: the left pad is the end of the input." if mode == "circular"
                       else f"fill the padding the way '{mode}' says."), conv_padded(w, m="zeros")))
    if d > 1:
        xs = x[..., ::d]
        out.append(("dilation was applied to the input: it spaces the kernel taps "
                    "(x[t·s + k·d]), it does not subsample x.",
                    _try(lambda: torch_conv1d(xs, w, b, **dict(conv, dilation=1)))))
    if g > 1:
        cin_g = c["C_in"] // g

        def reading(group_of):      # output channel o convolved with input group group_of(o)
            return np.concatenate([torch_conv1d(
                padded(x[:, group_of(o) * cin_g:(group_of(o) + 1) * cin_g], left, right, mode),
                w[o:o + 1], None if b is None else b[o:o + 1], **dict(nopad, groups=1))
                for o in range(c["C_out"])], axis=1)
        out.append(("output channel o reads the wrong group of input channels: its group is "
                    "o // (C_out / groups), and group j reads input channels j·C_in/groups … "
                    "(j+1)·C_in/groups − 1.", _try(lambda: reading(lambda o: o % g))))
        if cin_g == 1:
            out.append(("groups ignored: a (C_out, 1, K) weight broadcast over all C_in channels sums every "
                        "channel; with groups each filter reads only the C_in // groups channels of its group.",
                        _try(lambda: torch_conv1d(padded(x, left, right, mode), np.repeat(w, c["C_in"], axis=1),
                                                  b, **dict(nopad, groups=1)))))
        out.append(("every output channel reads the first group of input channels: "
                    "output channel o belongs to group o // (C_out / groups).", _try(lambda: reading(lambda o: 0))))
    return [(h, v) for h, v in out if v is not None]


def _try(f):
    try:
        return f()
    except Exception:
        return None


def _hint_values(c, x, w, b, y):
    c = dict(c)
    if x.ndim == 2:         # unbatched: the same mistakes, on a batch of one
        x, y, c["N"] = x[None], y[None], 1
    y64 = y.astype(np.float64)
    for hint, v in _variants(c, x, w, b):
        if v.shape == y64.shape and np.all(np.abs(v - y64) <= _tolerance(c, v)):
            return hint
    return ""
