"""Hints for the forward's values: the common mistake that gives the student's output, recomputed on the case's
numbers (with torch or NumPy), when one does.

A value hint names a mistake only when the mistake, recomputed, gives the student's output; the probes of
hints.py confirm the ones whose output could have another cause. Otherwise there is no hint.
"""
import numpy as np
import torch
import torch.nn.functional as F

from .hints import _close, _data_and_output, _pad_every_axis_hint, _try
from .language import tr
from .lengths import _probe_case
from .padding import _pad_amounts, _plain
from .reference import _tolerance, make_data, torch_conv1d


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
                                      "o // (C_out // groups), and group j reads input channels j·C_in/groups … "
                                      "(j+1)·C_in/groups − 1."), _try(lambda: reading(lambda o: o % g))))
        if cin_g == 1:
            out.append(("groups ignored", tr("groups ignored: a (C_out, 1, K) weight broadcast over all C_in "
                                             "channels sums every channel; with groups each filter reads only the "
                                             "C_in // groups channels of its group."),
                        _try(lambda: torch_conv1d(padded(x, left, right, mode), np.repeat(w, c["C_in"], axis=1),
                                                  b, **dict(nopad, groups=1)))))
        out.append(("first group", tr("every output channel reads the first group of input channels: output channel "
                                      "o belongs to group o // (C_out // groups)."),
                    _try(lambda: reading(lambda o: 0))))
    return [(name, h, v) for name, h, v in out if v is not None]


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
