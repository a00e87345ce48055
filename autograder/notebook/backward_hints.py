"""Hints for the backward: the classic mistakes of dx, dw and db, computed on the case's numbers.
"""
import re

import numpy as np

from .failures import _said
from .padding import NP_PAD_MODES, _pad_amounts, _plain, pad_index
from .reference import _grad_tolerance, _terms


def backward_loops(x, w, dy, c, stride=None, dilation=None, flip=False, groups_of=None, fold=None, dw_pad=None,
                   last_write=()):
    """(dx, dw) of the layer of case `c` in float64, a loop over output channels and taps (the samples and
    positions at once). The keywords make the classic mistakes, for the hints: another stride or dilation
    for the taps, the kernel flipped (dx), output channel o reading the input groups groups_of(o), the
    gradient of the padding folded back by `fold` = (left, right, mode) instead of the layer's own, dw
    correlated with the input padded as `dw_pad` (a padding_mode), last_write ⊆ {"scatter", "fold"}: where an
    index repeats, only its last write survives (`a[..., idx] += v` with a repeated idx, or `=` for `+=`), in
    the scatter over the windows or in the fold of the padding. Unbatched: call with a batch of one."""
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
    fl, fr, fm = fold or (left, right, mode)
    index = pad_index(L, fl, fr, fm)
    dx = np.zeros_like(x)
    if "fold" in last_write:
        dx[..., index[index >= 0]] += dxp[..., index >= 0]
    else:
        np.add.at(dx, (slice(None), slice(None), index[index >= 0]), dxp[..., index >= 0])
    return dx, dw


LAST_WRITE_HINT = ("an index repeats and only its last write survived: `a[..., idx] += v` with a repeated idx adds "
                   "once per position (NumPy buffers it), and `=` in a loop replaces; add every contribution: "
                   "np.add.at(a, (slice(None), slice(None), idx), v), or `+=` one element at a time.")


STRIDE_HINT = ("dy was not dilated by the stride: output t came from the window that starts at t·stride, so "
               "dy[..., t]·w[o, c, k] goes back to x_pad[..., t·stride + k·dilation] (dy with stride − 1 zeros "
               "between its elements), and dw[o, c, k] = Σ_n Σ_t dy[n, o, t]·x_pad[n, c, t·stride + k·dilation].")


DILATION_HINT = ("the taps are dilation apart in the backward too: dy[..., t] meets x_pad[..., t·stride + "
                 "k·dilation], in dx and in dw.")


FLIP_DX_HINT = ("the kernel is flipped in dx: x_pad[t·stride + k·dilation] receives w[o, c, k]·dy[t], tap k for "
                "tap k, as in the forward. Scattering dy tap by tap, use w as it is; computing dx as a correlation "
                "of the dilated, padded dy, flip the kernel, w[..., ::-1] (that is conv_transpose1d): flip once or "
                "not at all.")


FLIP_DW_HINT = ("dw is flipped along the kernel axis: dw[o, c, k] pairs dy[n, o, t] with x_pad[n, c, t·stride + "
                "k·dilation], tap k as in the forward: nothing is flipped in dw.")


GROUPS_HINT = ("groups mix channels here: output channel o belongs to group g = o // (C_out/groups) and reads "
               "only input channels g·C_in/groups … (g+1)·C_in/groups − 1. Its dy flows back to those channels "
               "only (dx), and dw[o, c] pairs dy[:, o] with input channel g·C_in/groups + c, not with channel c.")


BATCH_HINT = "sum over every sample of the batch: dw[o, c, k] = Σ_n Σ_t dy[n, o, t]·x_pad[n, c, t·stride + k·dilation]."


MEAN_HINT = "the gradient sums over the samples and positions, it does not average: no division by N or L_out."


def _dropped_hint(mode):
    return (f"the gradient of the padded positions was dropped: with padding_mode='{mode}' they are copies of x, "
            "so their gradient belongs to the elements they copy: add it back, np.add.at(dx, (slice(None), "
            f"slice(None), index), dx_pad) with index = np.pad(np.arange(L_in), (left, right), "
            f"mode='{NP_PAD_MODES[mode]}'), instead of cropping.")


def _grad_variants(name, c, x, w, b, dy):
    """(hint, array) of the classic mistakes for gradient `name`, computed on the case's numbers."""
    conv = _plain(c["conv"])
    s, d, G = conv.get("stride", 1), conv.get("dilation", 1), conv.get("groups", 1)
    mode = conv.get("padding_mode", "zeros")
    left, right = _pad_amounts(dict(c, conv=conv))
    K, N = c["K"], x.shape[0]
    if name == "db":
        dy64 = np.asarray(dy, np.float64)
        out = [("the bias gradient sums dy over the batch and the length, one number per output channel: "
                "db = dy.sum(axis=(0, 2)), not averaged.", dy64.mean(axis=(0, 2)))]
        if N > 1:
            out.append(("the bias gradient sums dy over every sample of the batch: db = dy.sum(axis=(0, 2)), "
                        "not dy[0].sum(axis=1).", dy64[0].sum(axis=1)))
        return out
    one = lambda **kw: backward_loops(x, w, dy, c, **kw)[0 if name == "dx" else 1]
    out = []
    if s > 1:
        out.append((STRIDE_HINT, one(stride=1)))
    if d > 1 and K > 1:
        out.append((DILATION_HINT, one(dilation=1)))
    if K > 1:
        out.append((FLIP_DX_HINT, one(flip=True)) if name == "dx" else (FLIP_DW_HINT, one()[..., ::-1]))
    if G > 1:
        out += [(GROUPS_HINT, one(groups_of=lambda o: [0])), (GROUPS_HINT, one(groups_of=lambda o: [o % G])),
                (GROUPS_HINT, one(groups_of=lambda o: range(G)))]
    if name == "dx" and mode != "zeros" and left + right:
        out.append((_dropped_hint(mode), one(fold=(left, right, "zeros"))))
        others = {"reflect": ["replicate", "symmetric"], "replicate": ["reflect"], "circular": ["replicate"]}[mode]
        for other in others:
            out.append((f"the gradient of the padding went back as padding_mode='{other}' would send it, not "
                        f"'{mode}': fold it back with index = np.pad(np.arange(L_in), (left, right), "
                        f"mode='{NP_PAD_MODES[mode]}'), the same map the forward padded with.",
                        one(fold=(left, right, other))))
    if name == "dx":
        out += [(LAST_WRITE_HINT, one(last_write=kind)) for kind in (("fold",), ("scatter",), ("scatter", "fold"))]
    if name == "dx" and left != right:
        out.append((f"dx is cropped at the wrong place: x starts after the left padding, dx = dx_pad[..., left:left + "
                    f"L_in] with left = {left}, right = {right} (padding='same' puts the odd one on the right).",
                    one(fold=(right, left, mode))))
    if name == "dw" and N > 1:
        out.append((BATCH_HINT, backward_loops(x[:1], w, dy[:1], c)[1]))
        out.append((MEAN_HINT, one() / N))
    if name == "dw" and mode != "zeros" and left + right:
        out.append((f"dw pairs dy with the padded input as the forward padded it, padding_mode='{mode}', not "
                    "with zeros in the padding.", one(dw_pad="zeros")))
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
    return " ".join(named[:2])


def _hint_grad_shape(name, c, want, got, dy_shape):
    conv = _plain(c["conv"])
    s, d, G = conv.get("stride", 1), conv.get("dilation", 1), conv.get("groups", 1)
    left, right = _pad_amounts(dict(c, conv=conv))
    if name == "db":
        if len(got) == 2 or (got == (dy_shape[0],) and got != want):
            return ("the bias gradient has the bias's shape (C_out,): sum dy over the batch and the length "
                    "axes, db = dy.sum(axis=(0, 2)).")
        if got == (dy_shape[-1],):
            return ("db[o] sums dy over the batch and the length axes, keeping the channel axis: "
                    "db = dy.sum(axis=(0, 2)), not axis=(0, 1).")
        if got == ():
            return "one number per output channel: db = dy.sum(axis=(0, 2)), not dy.sum()."
        return "db has the bias's shape (C_out,): db = dy.sum(axis=(0, 2))."
    if name == "dw":
        if G > 1 and got == (c["C_out"], c["C_in"], c["K"]):
            return (GROUPS_HINT + " dw has the weight's shape (C_out, C_in/groups, K).")
        return "dw has the weight's shape, (C_out, C_in/groups, K): one gradient per weight."
    # dx
    L = want[-1]
    span = d * (c["K"] - 1) + 1
    if got[-1] == L + left + right and left + right:
        return ("dx has x's shape, (N, C_in, L_in): the gradient of the padded input, dx_pad, still holds "
                "the padding; " + ("crop it, dx = dx_pad[..., left:left + L_in]." if conv.get("padding_mode", "zeros")
                                   == "zeros" else "fold it back onto the elements the padding copied."))
    dropped = (L + left + right - span) % s
    if dropped > right and got[-1] == L - (dropped - right):
        return (f"dx is {dropped - right} position(s) short: the floor in L_out left the end of x_pad unread, "
                "and your dx_pad stops where the windows stop, (L_out − 1)·stride + span. Make dx_pad as long as "
                "x_pad, L_in + left + right, then crop or fold: the output_padding of conv_transpose1d.")
    if got[-1] == dy_shape[-1] and L != dy_shape[-1]:
        return "dx has the shape of x, (N, C_in, L_in), not the shape of dy."
    if len(got) == 3 and got[1] != want[1] and G > 1:
        return GROUPS_HINT
    return "dx has the shape of x, (N, C_in, L_in)."


def _hint_backward_error(c, err, b):
    """A hint for an exception raised inside the student's backward (most specific first)."""
    conv = _plain(c["conv"])
    text = _said(err)
    if isinstance(err, AttributeError) and re.search(r"^'[A-Za-z_]\w*' object has no attribute", text) \
            and "module" not in text:
        return ("backward needs what the last forward saw: keep it in forward (e.g. self.x_pad = x_pad), "
                "then read it in backward.")
    if b is None and isinstance(err, TypeError) and "NoneType" in text:
        return "with bias=False, self.bias is None: return None for db, and do not read the bias."
    left, right = _pad_amounts(dict(c, conv=conv))
    s, span = conv.get("stride", 1), conv.get("dilation", 1) * (c["K"] - 1) + 1
    if isinstance(err, (ValueError, IndexError)) and (c["L"] + left + right - span) % s:
        return (f"the floor in L_out left the last {(c['L'] + left + right - span) % s} position(s) of x_pad "
                "unread, so a dx_pad that stops where the windows stop, (L_out − 1)·stride + span, is shorter than "
                "x_pad: make dx_pad as long as x_pad, L_in + left + right (the output_padding of conv_transpose1d).")
    if isinstance(err, (ValueError, IndexError)) and conv.get("groups", 1) > 1:
        return ("with groups the weight is (C_out, C_in/groups, K): output channel o, of group "
                "g = o // (C_out/groups), sends its gradient back to input channels g·C_in/groups … "
                "(g+1)·C_in/groups − 1.")
    if isinstance(err, (ValueError, IndexError)) and conv.get("stride", 1) > 1:
        return ("dy has L_out positions; position t goes back to x_pad[..., t·stride + k·dilation], the "
                "window that starts at t·stride.")
    if isinstance(err, (ValueError, IndexError)) and conv.get("padding_mode", "zeros") != "zeros":
        return ("fold the gradient of the padding back with the index map of the forward's padding: "
                "index = np.pad(np.arange(L_in), (left, right), mode=...), np.add.at(dx, (slice(None), slice(None), "
                "index), dx_pad).")
    return ""
