"""Mistakes of the output length: the L_out a common mistake gives, and the probes that tell such mistakes apart.

A probe is a case of the same kind as a failing one (the same parameters, another length, kernel size, stride
or dilation) on which the student's layer or length function is run again: a mistake is named only when the
lengths it gives agree with the student's on the case and on the probes.
"""
from .cases import _is_valid
from .language import tr
from .padding import _one, _pad_amounts, _plain


def _no_padding_hint():
    return tr("the padding is missing: pad the input on both sides before sliding the kernel.")


def _geometry(c):
    """(left, right, stride, dilation, span, padded length) of case `c`."""
    conv = _plain(c["conv"])
    left, right = _pad_amounts(c)
    s, d = conv.get("stride", 1), conv.get("dilation", 1)
    span = d * (c["K"] - 1) + 1
    return left, right, s, d, span, c["L"] + left + right


def _length_formula(c):
    """torch's L_out in the words of the notebook the case comes from: L and K only until padding
    (03) and dilation (04) are in the case's parameters."""
    conv = c["conv"]
    length = "L_padded" if sum(_pad_amounts(c)) else "L_in"
    span = "span" if _one(conv.get("dilation", 1)) > 1 else "K"
    stride = "/stride" if _one(conv.get("stride", 1)) > 1 else ""
    return f"L_out = ⌊({length} − {span}){stride}⌋ + 1" if stride else f"L_out = {length} − {span} + 1"


def _probe_case(c, **changes):
    """Case `c` with `changes` (L, K, C_in, N, unbatched, tuples, or conv parameters by name), on data drawn
    from its seed (never the case's own arrays); None when torch would refuse it."""
    p = {k: v for k, v in c.items() if k not in ("data", "worked_example", "layout")}
    p["conv"] = _plain(c["conv"])
    for k, v in changes.items():
        if k in ("L", "K", "C_in", "C_out", "N", "unbatched", "tuples"):
            p[k] = v
        elif v is None:
            p["conv"].pop(k, None)
        else:
            p["conv"][k] = v
    if p.get("unbatched") and p["N"] != 1:
        return None
    g = p["conv"].get("groups", 1)
    if min(p["L"], p["K"], p["C_in"], p["C_out"], g) < 1 or p["C_in"] % g or p["C_out"] % g:
        return None
    if p["conv"].get("padding") == "same" and p["conv"].get("stride", 1) != 1:
        return None
    return p if _is_valid(p) else None


def _length_mistakes(c):
    """{mistake: (hint, L_out the mistake gives)} for the mistakes that change L_out on cases like `c`, most
    specific first (where a mistake does not bite, it gives torch's length)."""
    conv = _plain(c["conv"])
    left, right, s, d, span, padded = _geometry(c)
    L, K = c["L"], c["K"]
    padding = conv.get("padding", 0)
    formula = _length_formula(c)
    out = {}
    if left + right and L >= span:
        out["no padding"] = (_no_padding_hint(), (L - span) // s + 1)
    out["channel axis"] = (tr("your output has as many positions as windows along the channel axis would give "
                              "(C_in − K + 1): x is (N, C_in, L_in), channels on axis 1 and the length last, so "
                              "L_in = x.shape[2] and the windows run along axis 2 (x[n, :, t:t+K])."),
                           max(0, (c["C_in"] + left + right - span) // s + 1))
    if d > 1:
        applied = tr("dilation was applied to the input: it spaces the kernel taps (x[t·s + k·d]), it does not "
                     "subsample x.")
        out["dilated input"] = (applied, (-(-padded // d) - K) // s + 1)
        out["dilated input, then padded"] = (applied, (-(-L // d) + left + right - K) // s + 1)
        out["span K"] = (tr("the kernel span with dilation d is d·(K−1)+1, not K."), (padded - K) // s + 1)
        out["span dK"] = (tr("the kernel span with dilation d is d·(K−1)+1, not d·K: the last tap is at (K−1)·d."),
                          (padded - d * K) // s + 1)
        if padding == "same":
            out["same K-1"] = (tr("with dilation, padding='same' pads d·(K−1) in total (the span minus one), "
                                  "not K−1."), L + K - 1 - span + 1)
    if padding == "same":
        dilated = "dilation" in conv
        out["same floor both"] = (tr("padding='same' pads {total} in total: ⌊total/2⌋ on the left and the rest on "
                                     "the right; ⌊total/2⌋ on both sides is one short when the total is odd.",
                                     total="d·(K−1)" if dilated else "K−1"),
                                  L + 2 * ((left + right) // 2) - span + 1)
        out["same half span"] = (tr("padding='same' pads d·(K−1) in total, ⌊total/2⌋ on the left and the rest on "
                                    "the right; span//2 on each side is one too many when the span is even.")
                                 if dilated else
                                 tr("padding='same' pads K−1 in total, ⌊total/2⌋ on the left and the rest on "
                                    "the right; K//2 on each side is one too many when K is even."),
                                 L + 2 * (span // 2) - span + 1)
    if s > 1:
        out["ceil"] = (tr("L_out rounds down (floor), not up: a last window that does not fit is dropped."),
                       -(-(padded - span) // s) + 1)
        out["no stride"] = (tr("the stride is ignored in L_out: windows start every `stride` positions, so "
                               "{formula}.", formula=formula),
                            padded - span + 1)
    if left + right:
        both = tr("padding goes on both sides of the input (padding on the left and on the right): {formula}.",
                  formula=formula)
        out["left only"] = (both, (L + left - span) // s + 1)
        out["right only"] = (both, (L + right - span) // s + 1)
    else:
        out["K//2 each end"] = (tr("your output is as long as if K//2 zeros were added at each end of the input "
                                   "(as many tutorials do); torch's Conv1d does that only when asked, here nothing "
                                   "is added (padding=0): {formula}.", formula=formula)
                                if "padding" in conv else
                                tr("your output is as long as if K//2 zeros were added at each end of the input "
                                   "(as many tutorials do); torch's Conv1d does that only when asked, here it adds "
                                   "nothing: {formula}.", formula=formula),
                                (L + 2 * (K // 2) - span) // s + 1)
    right_length = (padded - span) // s + 1
    if s == 1 and d == 1:
        short = tr("one output too short: the last window starts at {start} − K, so there are {start} − K + 1 of "
                   "them.", start="L_padded" if left + right else "L_in")
    elif d == 1 and not left + right:
        short = tr("one output too short: windows start at t·stride for t = 0, 1, …, ⌊(L_in − K)/stride⌋, "
                   "so there are ⌊(L_in − K)/stride⌋ + 1 of them.")
    else:
        short = tr("one output too short: {formula}.", formula=formula)
    out["one short"] = (short, right_length - 1)
    out["one long"] = (tr("one output too long: a window must fit entirely inside the padded input: {formula}.",
                          formula=formula)
                       if "padding" in conv else
                       tr("one output too long: a window must fit entirely inside the input: {formula}.",
                          formula=formula), right_length + 1)
    return out


def _length_probes(c):
    """Cases of the same kind as `c` where the mistakes of _length_mistakes give other lengths."""
    conv = _plain(c["conv"])
    changes = [dict(L=c["L"] + j) for j in (1, 2, 3, 4)] + [dict(K=c["K"] + k) for k in (1, -1, 2)]
    for key in ("stride", "dilation"):
        if key in conv:
            changes += [{key: conv[key] + 1}, {key: conv[key] + 1, "L": c["L"] + 1}, {key: conv[key] + 2}]
    if isinstance(conv.get("padding"), int):
        changes.append(dict(padding=conv["padding"] + 1))
    return [p for p in (_probe_case(c, **ch) for ch in changes) if p is not None]


def _length_mistake(c, got, length_of):
    """(name, hint) of the mistake of _length_mistakes that gives length `got` on case `c` and the student's
    length (`length_of(case)`, None when it gives none) on every probe where it gives one (one at least);
    ("", "") when none does."""
    if length_of is None:
        return "", ""
    probes = [(p, _length_mistakes(p)) for p in _length_probes(c)]
    theirs = {}
    for name, (hint, length) in _length_mistakes(c).items():
        if length != got:
            continue
        agree = 0
        for i, (p, mistakes) in enumerate(probes):
            if name not in mistakes:
                continue
            if i not in theirs:
                theirs[i] = length_of(p)
            if theirs[i] is None:
                continue
            if theirs[i] != mistakes[name][1]:
                break
            agree += 1
        else:
            if agree:
                return name, hint
    return "", ""
