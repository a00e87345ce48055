"""Hints for the backward: the classic mistakes of dx, dw and db, computed on the case's numbers.
"""
import re

import numpy as np

from .failures import _said
from .language import tr
from .padding import NP_PAD_MODES, _pad_amounts, _plain, pad_index, pads_fit
from .reference import _grad_tolerance, _terms


def backward_loops(x, w, dy, c, stride=None, dilation=None, flip=False, groups_of=None, fold=None, dw_pad=None,
                   last_write=(), keep_pad=False):
    """(dx, dw) of the layer of case `c` in float64, a loop over output channels and taps (the samples and
    positions at once). The keywords make the classic mistakes, for the hints: another stride or dilation
    for the taps, the kernel flipped (dx), output channel o reading the input groups groups_of(o), the
    gradient of the padding folded back by `fold` = (left, right, mode) instead of the layer's own, dw
    correlated with the input padded as `dw_pad` (a padding_mode), last_write ⊆ {"scatter", "fold", "tap"}: where
    an index repeats, only its last write survives (`a[..., idx] += v` with a repeated idx, or `=` for `+=`), in
    the scatter over the windows, in the fold of the padding, or tap by tap (`dx_pad[..., taps] =`). keep_pad:
    (dx_pad, dw), the gradient of the padded input before the padding is undone (as long as x_pad). Unbatched:
    call with a batch of one."""
    conv = _plain(c["conv"])
    s = conv.get("stride", 1) if stride is None else stride
    d = conv.get("dilation", 1) if dilation is None else dilation
    G = conv.get("groups", 1)
    mode = conv.get("padding_mode", "zeros")
    left, right = _pad_amounts(dict(c, conv=conv))
    x, w, dy = (np.asarray(a, np.float64) for a in (x, w, dy))
    N, C_in, L = x.shape
    C_out, Cg, K = w.shape
    Cog = C_out // G
    L_out = dy.shape[2]

    def padded(m):
        index = pad_index(L, left, right, m)
        return np.where(index >= 0, x[..., np.maximum(index, 0)], 0.0)

    xp = padded(mode)
    xw = xp if dw_pad is None else padded(dw_pad)
    wk = w[..., ::-1] if flip else w
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    groups_of = groups_of or (lambda o: [o // Cog])
    for o in range(C_out):
        for g in groups_of(o):
            chans = slice(g * Cg, (g + 1) * Cg)
            for k in range(K):
                pos = np.arange(L_out) * s + k * d
                keep = pos < xp.shape[2]
                dw[o, :, k] += np.einsum("nt,nct->c", dy[:, o, keep], xw[:, chans, pos[keep]])
                if "scatter" not in last_write:
                    dxp[:, chans, pos[keep]] += dy[:, o][:, None, keep] * wk[o, :, k, None]
            if "scatter" in last_write:      # one buffered write over the (t, k) grid: a repeated position
                # keeps its last write
                grid = np.arange(L_out)[:, None] * s + np.arange(K)[None, :] * d
                keep = grid < xp.shape[2]
                contrib = dy[:, o][:, None, :, None] * wk[o][:, None, :]          # (N, Cg, L_out, K)
                block = dxp[:, chans]
                block[..., grid[keep]] += contrib[..., keep]
                dxp[:, chans] = block
    if "tap" in last_write:         # dx_pad[..., taps of k] = Σ_o …, tap by tap: a later tap replaces an earlier one
        dxp = np.zeros_like(xp)
        for k in range(K):
            pos = np.arange(L_out) * s + k * d
            keep = pos < xp.shape[2]
            part = np.zeros((N, C_in, int(keep.sum())))
            for o in range(C_out):
                for g in groups_of(o):
                    part[:, g * Cg:(g + 1) * Cg] += dy[:, o][:, None, keep] * wk[o, :, k, None]
            dxp[..., pos[keep]] = part
    if keep_pad:
        return dxp, dw
    fl, fr, fm = fold or (left, right, mode)
    index = pad_index(L, fl, fr, fm)
    dx = np.zeros_like(x)
    if "fold" in last_write:
        dx[..., index[index >= 0]] += dxp[..., index >= 0]
    else:
        np.add.at(dx, (slice(None), slice(None), index[index >= 0]), dxp[..., index >= 0])
    return dx, dw


# The hints of the classic mistakes. Functions, not constants: tr() runs when a hint is made, in the language set
# then (a Chinese notebook sets it after loading this module).

def _last_write_hint():
    return tr("an index repeats and only its last write survived: `a[..., idx] += v` with a repeated idx adds once per "
              "position (NumPy buffers it), and `=` in a loop replaces; add every contribution: "
              "np.add.at(a, (slice(None), slice(None), idx), v), or `+=` one element at a time.")


def _stride_hint():
    return tr("dy was not dilated by the stride: output t came from the window that starts at t·stride, so "
              "dy[..., t]·w[o, c, k] goes back to x_pad[..., t·stride + k·dilation] (dy with stride − 1 zeros "
              "between its elements), and dw[o, c, k] = Σ_n Σ_t dy[n, o, t]·x_pad[n, c, t·stride + k·dilation].")


def _dilation_hint():
    return tr("the taps are dilation apart in the backward too: dy[..., t] meets x_pad[..., t·stride + k·dilation], "
              "in dx and in dw.")


def _flip_dx_hint():
    return tr("the kernel is flipped in dx: x_pad[t·stride + k·dilation] receives w[o, c, k]·dy[t], tap k for tap k, "
              "as in the forward. Scattering dy tap by tap, use w as it is; computing dx as a correlation of the "
              "dilated, padded dy, flip the kernel, w[..., ::-1] (that is conv_transpose1d): flip once or not at all.")


def _flip_dw_hint():
    return tr("dw is flipped along the kernel axis: dw[o, c, k] pairs dy[n, o, t] with x_pad[n, c, t·stride + "
              "k·dilation], tap k as in the forward: nothing is flipped in dw.")


def _groups_hint():
    return tr("groups mix channels here: output channel o belongs to group g = o // (C_out/groups) and reads only "
              "input channels g·C_in/groups … (g+1)·C_in/groups − 1. Its dy flows back to those channels only (dx), "
              "and dw[o, c] pairs dy[:, o] with input channel g·C_in/groups + c, not with channel c.")


def _batch_hint():
    return tr("sum over every sample of the batch: dw[o, c, k] = Σ_n Σ_t dy[n, o, t]·x_pad[n, c, t·stride + "
              "k·dilation].")


def _mean_hint():
    return tr("the gradient sums over the samples and positions, it does not average: no division by N or L_out.")


def _same_note(conv):
    """The note on padding='same' that follows the left and right amounts in a hint, or ""."""
    return tr(" (padding='same' puts the odd one on the right)") if conv.get("padding") == "same" else ""


def _dropped_hint(mode):
    return tr("the gradient of the padded positions was dropped: with padding_mode='{mode}' they are copies of x, so "
              "their gradient belongs to the elements they copy: add it back, np.add.at(dx, (slice(None), "
              "slice(None), index), dx_pad) with index = np.pad(np.arange(L_in), (left, right), mode='{np_mode}'), "
              "instead of cropping.", mode=mode, np_mode=NP_PAD_MODES[mode])


def _crop_hint(c, start, crop):
    """The hint for a dx cropped out of dx_pad as dx_pad[..., crop], `start` its first position."""
    conv = _plain(c["conv"])
    left, right = _pad_amounts(dict(c, conv=conv))
    mode = conv.get("padding_mode", "zeros")
    found = dict(crop=crop, left=left, right=right, same=_same_note(conv), mode=mode)
    if mode == "zeros":
        return tr("dx is cropped at the wrong offset: yours is dx_pad[..., {crop}], but x starts after the left "
                  "padding and is L_in long: dx = dx_pad[..., left:left + L_in], here left = {left}, right = "
                  "{right}{same}.", **found)
    return tr("dx is cropped at the wrong offset: yours is dx_pad[..., {crop}], but x starts after the left padding "
              "and is L_in long: dx = dx_pad[..., left:left + L_in], here left = {left}, right = {right}{same}; with "
              "padding_mode='{mode}' the padded positions are copies of x, so fold their gradient back (np.add.at "
              "with the padding's index map) instead of cropping.", **found)


def _grad_variants(name, c, x, w, b, dy):
    """(hint, array) of the classic mistakes for gradient `name`, computed on the case's numbers."""
    conv = _plain(c["conv"])
    s, d, G = conv.get("stride", 1), conv.get("dilation", 1), conv.get("groups", 1)
    mode = conv.get("padding_mode", "zeros")
    left, right = _pad_amounts(dict(c, conv=conv))
    K, N = c["K"], x.shape[0]
    if name == "db":
        dy64 = np.asarray(dy, np.float64)
        out = [(tr("the bias gradient sums dy over the batch and the length, one number per output channel: "
                   "db = dy.sum(axis=(0, 2)), not averaged."), dy64.mean(axis=(0, 2)))]
        if N > 1:
            out.append((tr("the bias gradient sums dy over every sample of the batch: db = dy.sum(axis=(0, 2)), "
                           "not dy[0].sum(axis=1)."), dy64[0].sum(axis=1)))
        return out
    one = lambda **kw: backward_loops(x, w, dy, c, **kw)[0 if name == "dx" else 1]
    out = []
    if s > 1:
        out.append((_stride_hint(), one(stride=1)))
    if d > 1 and K > 1:
        out.append((_dilation_hint(), one(dilation=1)))
    if K > 1:
        out.append((_flip_dx_hint(), one(flip=True)) if name == "dx" else (_flip_dw_hint(), one()[..., ::-1]))
    if G > 1:
        out += [(_groups_hint(), one(groups_of=lambda o: [0])), (_groups_hint(), one(groups_of=lambda o: [o % G])),
                (_groups_hint(), one(groups_of=lambda o: range(G)))]
    if name == "dx" and mode != "zeros" and left + right:
        out.append((_dropped_hint(mode), one(fold=(left, right, "zeros"))))
        others = {"reflect": ["replicate", "symmetric"], "replicate": ["reflect"], "circular": ["replicate"]}[mode]
        for other in others:
            out.append((tr("the gradient of the padding went back as padding_mode='{other}' would send it, not "
                           "'{mode}': fold it back with index = np.pad(np.arange(L_in), (left, right), "
                           "mode='{np_mode}'), the same map the forward padded with.",
                           other=other, mode=mode, np_mode=NP_PAD_MODES[mode]), one(fold=(left, right, other))))
    if name == "dx":
        out += [(_last_write_hint(), one(last_write=kind)) for kind in (("fold",), ("scatter",), ("scatter", "fold"))]
        if K > 1:
            out.append((_last_write_hint(), one(last_write=("tap",))))
    if name == "dx" and left + right:
        dx_pad, L = one(keep_pad=True), x.shape[2]
        for start in range(dx_pad.shape[2] - L + 1):
            if start != left:
                out.append((_crop_hint(c, start, f"{start}:{start} + L_in"), dx_pad[..., start:start + L]))
    if name == "dx" and left != right and mode != "zeros":
        out.append((tr("the gradient of the padding was folded back with left and right swapped: left = {left}, "
                       "right = {right} (padding='same' puts the odd one on the right); index = "
                       "np.pad(np.arange(L_in), (left, right), ...), the same map the forward padded with.",
                       left=left, right=right), one(fold=(right, left, mode))))
    if name == "dw" and N > 1:
        out.append((_batch_hint(), backward_loops(x[:1], w, dy[:1], c)[1]))
        out.append((_mean_hint(), one() / N))
    if name == "dw" and mode != "zeros" and left + right:
        out.append((tr("dw pairs dy with the padded input as the forward padded it, padding_mode='{mode}', not "
                       "with zeros in the padding.", mode=mode), one(dw_pad="zeros")))
    return out


def _hint_grad_values(name, c, x, w, b, dy, got):
    c = dict(c)
    if np.ndim(x) == 2:         # unbatched: the same mistakes, on a batch of one
        x, dy, c["N"] = x[None], dy[None], 1
        got = got[None] if name == "dx" else got
    tol_terms = _terms(c, dy.shape)[name]
    got64 = got.astype(np.float64)
    named = []          # every mistake that gives these numbers (two can coincide on a small layer)
    for hint, v in _grad_variants(name, c, x, w, b, dy):
        if v is not None and v.shape == got64.shape and np.all(np.abs(v - got64) <= _grad_tolerance(c, v, tol_terms)):
            named += [hint] if hint not in named else []
    if len(named) > 1:          # two sentences, joined as the language joins them
        return tr("{first} {second}", first=named[0], second=named[1])
    return named[0] if named else ""


def _hint_grad_shape(name, c, x, w, b, dy, got):
    """A hint for a gradient of the wrong shape: a mistake is named only when recomputing it on the case's
    numbers gives the student's array; else "" (the message has said both shapes)."""
    c = dict(c)
    if np.ndim(x) == 2:         # unbatched: the same mistakes, on a batch of one
        x, dy, c["N"] = x[None], dy[None], 1
        got = got[None] if name == "dx" and got.ndim == 2 else got
    for hint, v in _shape_variants(name, c, x, w, b, dy, got.shape):
        if v.shape == got.shape and np.all(np.abs(v - got.astype(np.float64)) <= _grad_tolerance(
                c, v, _terms(c, dy.shape)[name])):
            return hint
    return ""


def _shape_variants(name, c, x, w, b, dy, shape):
    """(hint, array) of the mistakes that give gradient `name` another shape, for a student's array of `shape`."""
    conv = _plain(c["conv"])
    s, d, G = conv.get("stride", 1), conv.get("dilation", 1), conv.get("groups", 1)
    mode = conv.get("padding_mode", "zeros")
    left, right = _pad_amounts(dict(c, conv=conv))
    dy64 = np.asarray(dy, np.float64)
    if name == "db":
        return [(tr("one number per output channel: sum dy over the batch and the length axes, "
                    "db = dy.sum(axis=(0, 2)), not dy.sum(axis={axes}).", axes=axes), dy64.sum(axis=axes))
                for axes in (2, 0, (0, 1), (1, 2))] + [
                (tr("one number per output channel: db = dy.sum(axis=(0, 2)), not dy.sum()."), dy64.sum())]
    N, C_in, L = x.shape
    C_out, K = w.shape[0], w.shape[2]
    dx_pad, dw = backward_loops(x, w, dy, c, keep_pad=True)
    out = []
    if name == "dw":
        out.append((tr("dw has the weight's axes, (C_out, C_in/groups, K): yours has the first two swapped."),
                    dw.transpose(1, 0, 2)))
        out.append((tr("{batch} Yours keeps one dw per sample.", batch=_batch_hint()),
                    np.stack([backward_loops(x[n:n + 1], w, dy[n:n + 1], c)[1] for n in range(N)])))
        if G > 1 and tuple(shape) == (C_out, C_in, K):
            dense = dict(c, conv=dict(conv, groups=1))
            out.append((tr("{groups} dw has the weight's shape (C_out, C_in/groups, K); yours pairs every output "
                           "channel with every input channel.", groups=_groups_hint()),
                        backward_loops(x, np.zeros((C_out, C_in, K)), dy, dense)[1]))
        return out
    # dx: a slice of dx_pad, the gradient of the padded input (the whole of it, or cut at the wrong place)
    span = d * (K - 1) + 1
    dropped = (L + left + right - span) % s
    n = shape[-1] if len(shape) == 3 and shape[:2] == (N, C_in) else None
    if n == L + left + right and left + right:
        out.append((tr("dx has x's shape, (N, C_in, L_in): yours is dx_pad, the gradient of the padded input, with "
                       "the padding still on; crop it, dx = dx_pad[..., left:left + L_in].") if mode == "zeros" else
                    tr("dx has x's shape, (N, C_in, L_in): yours is dx_pad, the gradient of the padded input, with "
                       "the padding still on; fold it back onto the elements the padding copied."), dx_pad))
    if n is not None and dropped > right and n == L - (dropped - right):
        out.append((tr("dx is {short} position(s) short: the floor in L_out left the end of x_pad unread, and your "
                       "dx_pad stops where the windows stop, (L_out − 1)·stride + span. Make dx_pad as long as x_pad, "
                       "L_in + left + right, then crop or fold: the output_padding of conv_transpose1d.",
                       short=dropped - right), dx_pad[..., left:left + n]))
    if n is not None and n < dx_pad.shape[2]:
        out += [(_crop_hint(c, start, f"{start}:{start + n}" if start + n < dx_pad.shape[2] else f"{start}:"),
                 dx_pad[..., start:start + n]) for start in range(dx_pad.shape[2] - n + 1)]
    if G > 1 and len(shape) == 3 and shape[0] == N and shape[1] == C_in // G and shape[2] == L:
        dx = backward_loops(x, w, dy, c)[0]
        Cg = C_in // G
        out.append((tr("{groups} Yours holds the gradient of the first group's input channels only; dx has all C_in.",
                       groups=_groups_hint()), dx[:, :Cg]))
        out.append((tr("{groups} Yours adds the groups' gradients into C_in/groups channels; dx has all C_in.",
                       groups=_groups_hint()), dx.reshape(N, G, Cg, L).sum(axis=1)))
    return out


def _shapes(text):
    """The shapes a NumPy error message names, as tuples of ints: "(2,2,9)", "(2, 2, 9)"."""
    return [tuple(int(v) for v in re.findall(r"\d+", m)) for m in re.findall(r"\((\d+(?:,\s*\d+)*),?\)", text)]


def _out_of_bounds(text):
    """(axis, size) of NumPy's IndexError "index i is out of bounds for axis a with size n", or None."""
    m = re.search(r"index -?\d+ is out of bounds for axis (\d+) with size (\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _met(shapes, a, b, axis=-1):
    """Whether two of the shapes differ only in that one has length a and the other b on `axis`."""
    for s1 in shapes:
        for s2 in shapes:
            if len(s1) == len(s2) and -len(s1) <= axis < len(s1) and (s1[axis], s2[axis]) == (a, b) and \
                    [v for i, v in enumerate(s1) if i != axis % len(s1)] == [v for i, v in enumerate(s2)
                                                                             if i != axis % len(s2)]:
                return True
    return False


def _hint_backward_error(c, err, b, layer=None, rerun=None):
    """A hint for an exception raised inside the student's backward, named only when verified: the attribute
    it missed is not on the layer; or the same backward runs once the suspected cause is taken away
    (rerun(L=..., **conv) returns the exception the student's backward raises on the case changed so, or None)
    or NumPy's message names the lengths the mistake makes. Else ""."""
    conv = _plain(c["conv"])
    text = _said(err)
    runs = (lambda **kw: rerun(**kw) is None) if rerun is not None else (lambda **kw: False)
    m = re.search(r"^'(\w+)' object has no attribute '(\w+)'", text)
    if isinstance(err, AttributeError) and m and layer is not None and m.group(1) in {"Conv1d", type(layer).__name__}:
        try:
            missing = not hasattr(layer, m.group(2))
        except Exception:
            missing = False
        if missing:
            return tr("your layer has no attribute {name} when backward runs: backward needs what the last forward "
                      "saw, so keep it in forward (self.{name} = ...), then read it in backward.", name=m.group(2))
    if b is None and isinstance(err, TypeError) and "NoneType" in text and runs(bias=True):
        return tr("with bias=False, self.bias is None: your backward runs when the layer has a bias and raises this "
                  "without one. Return None for db, and do not read the bias.")
    if not isinstance(err, (ValueError, IndexError)):
        return ""
    left, right = _pad_amounts(dict(c, conv=conv))
    s, d, G, K, L = conv.get("stride", 1), conv.get("dilation", 1), conv.get("groups", 1), c["K"], c["L"]
    mode = conv.get("padding_mode", "zeros")
    L_pad, span = L + left + right, d * (K - 1) + 1
    L_out = (L_pad - span) // s + 1
    short, shapes, bounds = (L_out - 1) * s + span, _shapes(text), _out_of_bounds(text)
    if short < L_pad:
        fits = [n for n in (L - (L_pad - short), L + s - (L_pad - short)) if n >= 1 and n + left + right >= span
                and pads_fit(n, left, right, mode)]
        if _met(shapes, short, L_pad) or _met(shapes, L_pad, short) or bounds == (2, short) or (
                fits and runs(L=fits[0])):
            return tr("the floor in L_out left the last {unread} position(s) of x_pad unread (your backward runs "
                      "when the windows reach the end of x_pad), so a dx_pad that stops where the windows stop, "
                      "(L_out − 1)·stride + span, is shorter than x_pad: make dx_pad as long as x_pad, L_in + left + "
                      "right (the output_padding of conv_transpose1d).", unread=L_pad - short)
    C_in, C_out = c["C_in"], c["C_out"]
    if G > 1 and (bounds in ((1, C_in // G), (0, C_out // G)) or any(
            _met(shapes, p, q, axis) or _met(shapes, q, p, axis) for p, q in ((C_in // G, C_in), (C_out // G, C_out))
            for axis in (0, 1)) or runs(groups=1)):
        return tr("your backward runs with groups=1 and raises with groups={groups}: the weight is (C_out, "
                  "C_in/groups, K) and output channel o, of group g = o // (C_out/groups), sends its gradient back to "
                  "input channels g·C_in/groups … (g+1)·C_in/groups − 1 only.", groups=G)
    stride_1 = L_pad - span + 1          # the windows of a stride-1 layer
    if s > 1 and (bounds == (2, L_out) or any(_met(shapes, L_out, q) or _met(shapes, q, L_out)
                                              for q in {stride_1, (L_out - 1) * s + 1} - {L_out}) or runs(stride=1)):
        return tr("your backward runs with stride=1 and raises with stride={stride}: dy has L_out = {L_out} "
                  "positions, and position t goes back to x_pad[..., t·stride + k·dilation], the window that starts "
                  "at t·stride: every stride-th position, slice(k·dilation, k·dilation + (L_out − 1)·stride + 1, "
                  "stride).", stride=s, L_out=L_out)
    if mode != "zeros" and left + right and (_met(shapes, L, L_pad) or _met(shapes, L_pad, L)
                                             or runs(padding_mode="zeros")):
        return tr("your backward runs with padding_mode='zeros' and raises with '{mode}': fold the gradient of the "
                  "padding back with the index map of the forward's padding, index = np.pad(np.arange(L_in), (left, "
                  "right), mode=...), np.add.at(dx, (slice(None), slice(None), index), dx_pad).", mode=mode)
    if mode == "zeros" and left + right and (_met(shapes, L, L_pad) or _met(shapes, L_pad, L)):
        return tr("an array as long as x ({L}) met one as long as x_pad ({L_pad}): crop the padding off, "
                  "dx = dx_pad[..., left:left + L_in].", L=L, L_pad=L_pad)
    return ""
