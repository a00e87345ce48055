"""Generate the teaching diagrams of the Conv1d course: each as SVG, and as PNG for JupyterLab
(whose markdown cells show PNG attachments but not SVG ones; the build attaches both).

Usage (from the repository root)::

    MPLBACKEND=Agg .venv/bin/python tools/diagrams.py            # all diagrams
    MPLBACKEND=Agg .venv/bin/python tools/diagrams.py 02_stride  # just one

The output is deterministic: running the script twice gives byte-identical files.
"""
import argparse
import os

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

RC = {
    "svg.hashsalt": "conv1d",  # stable ids in the SVG
    "svg.fonttype": "none",    # keep text as text: small, searchable files
    "font.family": "DejaVu Sans",
}
SVG_METADATA = {"Date": None, "Creator": None}
PNG_METADATA = {"Software": None}
PNG_DPI = 110

# Palette: (fill, edge) pairs, one per role.
IN = ("#d6e6f7", "#3d7ebf")    # input
KER = ("#fde3c4", "#e08a1e")   # kernel / weights / bias
OUT = ("#d8ecd0", "#5a9a45")   # output
PAD = ("#e6e6e6", "#9a9a9a")   # padding / unused
INK, MUTED = "#333333", "#777777"
GROUPS = ["#2a9d8f", "#9b59b6"]                       # groups (05)
SPANS = ["#e07a5f", "#2a9d8f", "#9b59b6", "#b8860b"]  # one colour per window (02)

UNIT = 0.5  # inches per cell: every diagram is laid out in cell units


# --------------------------------------------------------------- helpers ---
def canvas(w, h, y0=0.0):
    """A figure showing x in [0, w], y in [y0, h]; coordinates are cell units."""
    fig = plt.figure(figsize=(w * UNIT, (h - y0) * UNIT))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w)
    ax.set_ylim(y0, h)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def cells(ax, x, y, labels, color, w=1.0, h=1.0, fs=12, ls="-", lw=1.2):
    """A row of boxes, lower-left corner at (x, y); a None label leaves a hole."""
    fill, edge = color
    for i, lab in enumerate(labels):
        if lab is None:
            continue
        ax.add_patch(Rectangle((x + i * w, y), w, h, facecolor=fill,
                               edgecolor=edge, lw=lw, ls=ls))
        ax.text(x + (i + 0.5) * w, y + h / 2, lab, ha="center", va="center",
                fontsize=fs, color=INK)


def grid(ax, x, y, rows, color, **kw):
    """Rows of boxes top to bottom; (x, y) is the lower-left of the top row."""
    for r, labels in enumerate(rows):
        cells(ax, x, y - r, labels, color, **kw)


def outline(ax, x, y, w, h, color, lw=2.5):
    """A thick empty frame drawn on top (highlights a window or a cell)."""
    ax.add_patch(Rectangle((x, y), w, h, fill=False, edgecolor=color, lw=lw,
                           zorder=3))


def text(ax, x, y, s, fs=11, color=INK, ha="center", va="center", **kw):
    ax.text(x, y, s, fontsize=fs, color=color, ha=ha, va=va, **kw)


def arrow(ax, p, q, color=INK, rad=0.0, lw=1.4, ls="-"):
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=12,
                                 color=color, lw=lw, ls=ls, shrinkA=1,
                                 shrinkB=1, zorder=4,
                                 connectionstyle=f"arc3,rad={rad}"))


def span(ax, x0, x1, y, color, label=None, tick=0.25, fs=10, lw=2.0, ls="-"):
    """A bracket from x0 to x1 at height y; its ticks point by `tick` (+ up)."""
    ax.plot([x0, x0, x1, x1], [y + tick, y, y, y + tick], color=color, lw=lw,
            ls=ls, solid_capstyle="butt")
    if label:
        below = tick > 0
        text(ax, (x0 + x1) / 2, y - 0.12 if below else y + 0.12, label, fs=fs,
             color=color, va="top" if below else "bottom")


def xs(n, name="x", start=0):
    return [f"{name}{i}" for i in range(start, start + n)]


def save(fig, path):
    """path.svg and path.png."""
    fig.savefig(path + ".svg", format="svg", metadata=SVG_METADATA)
    fig.savefig(path + ".png", format="png", metadata=PNG_METADATA, dpi=PNG_DPI)
    plt.close(fig)


# -------------------------------------------------------------- diagrams ---
def draw_01():
    """in_channels=2, out_channels=2, kernel_size=3, L_in=5; no bias (notebook 06). The glossary's
    indices: sample n, output channel o, input channel c, output position t, tap k."""
    fig, ax = canvas(17, 10)
    x0, rows = 2.6, {"in0": 7.6, "k0": 6.5, "in1": 4.7, "k1": 3.6}
    text(ax, x0 + 2.5, 9.2, "input x[0]: C_in = 2 rows, L_in = 5", color=IN[1])
    for c in (0, 1):
        y_in, y_k = rows[f"in{c}"], rows[f"k{c}"]
        cells(ax, x0, y_in, xs(5), IN)
        cells(ax, x0, y_k, xs(3, "w"), KER)
        outline(ax, x0, y_in, 3, 1, KER[1])
        text(ax, x0 - 0.2, y_in + 0.5, f"in ch c = {c}", fs=10, ha="right")
        text(ax, x0 - 0.2, y_k + 0.5, f"w[0, {c}, :]", fs=10, ha="right",
             color=KER[1])
        # partial sum of this input channel travels along a "bus" to the sum
        yb = y_k + 0.5
        ax.plot([x0 + 3, 8.6], [yb, yb], color=KER[1], lw=1.8)
        arrow(ax, (8.6, yb), (9.3, 5.8), color=KER[1])
    text(ax, x0 + 5.3, rows["k0"] + 0.75, "Σ_k w[0,0,k]·x[0,0,k]", fs=9,
         color=KER[1], ha="left")
    text(ax, x0 + 5.3, rows["k1"] + 0.25, "Σ_k w[0,1,k]·x[0,1,k]", fs=9,
         color=KER[1], ha="left", va="top")
    ax.add_patch(Circle((9.7, 5.8), 0.42, facecolor="white", edgecolor=INK,
                        lw=1.4, zorder=4))
    text(ax, 9.7, 5.8, "Σ", fs=15, zorder=5)
    text(ax, 9.4, 5.1, "sum over ALL\ninput channels", fs=9,
         color=MUTED, va="top", ha="left")
    # output: 2 channels x 3 positions, y[0, 0] highlighted
    ox, oy = 11.8, 6.0
    text(ax, ox + 1.5, 7.6, "output y[0]: C_out = 2,\nL_out = 3", color=OUT[1])
    grid(ax, ox, oy, [xs(3, "y")] * 2, OUT)
    outline(ax, ox, oy, 1, 1, INK, lw=2.2)
    arrow(ax, (10.12, 5.85), (ox, oy + 0.5))
    for c in (0, 1):
        text(ax, ox + 3.2, oy + 0.5 - c, f"out ch o = {c}", fs=10, ha="left")
    text(ax, ox, oy - 1.4, "L_out = L_in − K + 1 = 3", fs=11, va="top",
         ha="left")
    text(ax, ox, oy - 2.1, "out ch o = 1 uses w[1],\nanother (2, 3) kernel",
         fs=9, color=MUTED, va="top", ha="left")
    # bottom: shapes and the no-flip rule
    text(ax, 0.4, 2.5, "weight (C_out, C_in, K) = (2, 2, 3): one (2, 3) kernel "
         "per output channel", fs=11, ha="left", color=KER[1])
    text(ax, 0.4, 1.6, "y[0, 0, 0] = Σ_c (w[0,c,0]·x[0,c,0] + w[0,c,1]·x[0,c,1] + "
         "w[0,c,2]·x[0,c,2])", fs=11, ha="left")
    text(ax, 0.4, 0.7, "taps w0 w1 w2 line up with x0 x1 x2 left to right: "
         "the kernel is NOT flipped (cross-correlation)", fs=10, ha="left",
         color=MUTED)
    return fig


def strided_row(ax, x0, y, L, K, stride, outputs=True):
    """Input row, one coloured bracket per window and (optionally) outputs."""
    n_out = (L - K) // stride + 1
    used = (n_out - 1) * stride + K
    cells(ax, x0, y, xs(used), IN)
    cells(ax, x0 + used, y, xs(L - used, start=used), PAD)
    for t in range(n_out):
        col, a = SPANS[t % len(SPANS)], x0 + t * stride
        yb = y - 0.45 - 0.55 * (t % 2)
        span(ax, a + 0.08, a + K - 0.08, yb, col, tick=0.25)
        if outputs:
            cx = a + K / 2
            arrow(ax, (cx, yb), (cx, y - 2.2), color=col)
            ax.add_patch(Rectangle((cx - 0.5, y - 3.2), 1, 1, facecolor=OUT[0],
                                   edgecolor=col, lw=2))
            text(ax, cx, y - 2.7, f"y{t}", fs=12)


def draw_02():
    """one channel, K=3, stride=2: L_in=9 and L_in=10 (floor)."""
    fig, ax = canvas(19, 10.5)
    x0 = 2.6
    text(ax, x0 - 0.2, 9.5, "L_in = 9", fs=11, ha="right", color=IN[1])
    strided_row(ax, x0, 9.0, 9, 3, 2)
    text(ax, x0 - 0.2, 6.3, "L_out = 4", fs=11, ha="right", color=OUT[1])
    text(ax, 12.2, 9.5, "K = 3, stride s = 2:\nwindows start at t·s = 0, 2, 4, 6",
         ha="left", va="center")
    text(ax, 12.2, 6.3, "L_out = ⌊(9 − 3)/2⌋ + 1 = 4", ha="left")
    text(ax, x0 - 0.2, 3.5, "L_in = 10", fs=11, ha="right", color=IN[1])
    strided_row(ax, x0, 3.0, 10, 3, 2, outputs=False)
    span(ax, x0 + 8.08, x0 + 10.92, 2.55, MUTED, tick=0.25, ls="--", lw=1.5)
    text(ax, x0 + 11.1, 2.55, "← next window would not fit", fs=10,
         color=MUTED, ha="left")
    text(ax, x0 + 9.5, 4.35, "dropped", fs=10, color=MUTED)
    text(ax, 13.9, 3.7, "⌊(10 − 3)/2⌋ + 1 = 4:\nx9 is never read",
         ha="left", va="center")
    text(ax, 9.5, 0.55, "L_out = ⌊(L_in − K)/s⌋ + 1", fs=13)
    return fig


PADDING_ROWS = [  # (padding_mode, left pad, right pad, comment)
    ("zeros", ["0", "0"], ["0", "0"], "constant zeros"),
    ("reflect", ["x2", "x1"], ["x3", "x2"], "mirror, edge not repeated"),
    ("replicate", ["x0", "x0"], ["x4", "x4"], "repeat the edge value"),
    ("circular", ["x3", "x4"], ["x0", "x1"], "wrap around"),
]


def draw_03():
    """padding=2 with each padding_mode, plus padding='same' for K=4."""
    fig, ax = canvas(18, 9.4)
    x0, y, step = 3.2, 7.2, 1.45
    text(ax, x0 - 0.25, y + 1.45, "padding_mode", fs=10, color=MUTED,
         ha="right")
    span(ax, x0 + 0.05, x0 + 1.95, y + 1.25, PAD[1], tick=-0.2, label="pad 2")
    span(ax, x0 + 2.05, x0 + 6.95, y + 1.25, IN[1], tick=-0.2,
         label="x (L_in = 5)")
    span(ax, x0 + 7.05, x0 + 8.95, y + 1.25, PAD[1], tick=-0.2, label="pad 2")
    for i, (mode, left, right, note) in enumerate(PADDING_ROWS):
        yy = y - i * step
        cells(ax, x0, yy, left, PAD)
        cells(ax, x0 + 2, yy, xs(5), IN)
        cells(ax, x0 + 7, yy, right, PAD)
        text(ax, x0 - 0.25, yy + 0.5, f"'{mode}'", ha="right")
        text(ax, x0 + 9.35, yy + 0.5, note, fs=10, color=MUTED, ha="left")
    yy = y - 4 * step - 0.6
    cells(ax, x0 + 1, yy, ["0"], PAD)
    cells(ax, x0 + 2, yy, xs(5), IN)
    cells(ax, x0 + 7, yy, ["0", "0"], PAD)
    text(ax, x0 - 0.25, yy + 0.5, "padding='same'\nK = 4", ha="right")
    text(ax, x0 + 9.35, yy + 0.5, "total K − 1 = 3: 1 left, 2 right", fs=10,
         ha="left")
    text(ax, x0 + 9.35, yy - 0.25, "the extra element goes on the right",
         fs=10, color=MUTED, ha="left")
    for bx in (x0 + 2, x0 + 7):  # separators between padding and real data
        ax.plot([bx, bx], [yy - 0.3, y + 1.15], color=MUTED, lw=1, ls=":")
    return fig


def draw_04():
    """one channel, L_in=9, K=3, dilation=2."""
    fig, ax = canvas(17, 9.6)
    x0, d, K, L = 2.6, 2, 3, 9
    taps = [k * d for k in range(K)]
    text(ax, x0 - 0.2, 7.5, "x", ha="right", color=IN[1])
    cells(ax, x0, 7.0, xs(L), IN)
    span(ax, x0 + 0.05, x0 + d * (K - 1) + 0.95, 8.35, KER[1], tick=-0.25,
         label="span = d·(K − 1) + 1 = 5")
    for shift, y, style in ((0, 5.6, "-"), (1, 4.2, "--")):
        labels = [None] * (d * (K - 1) + 1)
        for k, p in enumerate(taps):
            labels[p] = f"w{k}"
        cells(ax, x0 + shift, y, labels, KER, ls=style)
        gaps = [None if lab else "gap" for lab in labels]
        cells(ax, x0 + shift, y, gaps, ("white", PAD[1]), ls=":", fs=9)
        text(ax, x0 - 0.2, y + 0.5, f"t = {shift}", ha="right", color=KER[1])
        hits = ", ".join(f"x{p + shift}" for p in taps)
        text(ax, x0 + 5.4 + shift, y + 0.5, f"→ taps on {hits}", fs=10,
             ha="left", color=INK if shift == 0 else MUTED)
    for p in taps:
        outline(ax, x0 + p, 7.0, 1, 1, KER[1])
    L_out = L - d * (K - 1)
    text(ax, x0 - 0.2, 2.4, "y", ha="right", color=OUT[1])
    cells(ax, x0, 1.9, xs(L_out, "y"), OUT)
    outline(ax, x0, 1.9, 1, 1, INK, lw=2.2)
    arrow(ax, (x0 + 0.5, 5.6), (x0 + 0.5, 2.9), rad=0.25)
    text(ax, x0 + L_out + 0.4, 2.4, "L_out = L_in − d·(K − 1) = 9 − 4 = 5",
         ha="left")
    text(ax, 8.5, 0.7, "dilation spaces the kernel taps, not the input",
         fs=13)
    return fig


def block_matrix(ax, x, y, n, groups, size=0.6):
    """C_out x C_in matrix (top-left at (x, y)), shaded where weights exist."""
    per = n // groups
    for o in range(n):
        for i in range(n):
            g = o // per
            on = i // per == g
            ax.add_patch(Rectangle((x + i * size, y - (o + 1) * size), size,
                                   size, lw=0.8, edgecolor=MUTED,
                                   facecolor=GROUPS[g % 2] if on else "white",
                                   alpha=0.75 if on else 1.0))


def draw_05():
    """C_in=4, C_out=4, groups=2 (block-diagonal), note on depthwise."""
    fig, ax = canvas(19, 9.7, y0=0.9)
    ix, ox, L = 1.8, 7.6, 3
    row_y = [7.4 - c - (c // 2) for c in range(4)]  # bottom of channel row c
    text(ax, ix + 1.5, 9.2, "input (C_in = 4)", color=IN[1])
    text(ax, ox + 1.5, 9.2, "output (C_out = 4)", color=OUT[1])
    for g in range(2):
        lo, hi = row_y[2 * g + 1] - 0.2, row_y[2 * g] + 1.0
        for x in (ix, ox):
            ax.add_patch(Rectangle((x - 0.2, lo), L + 0.4, hi - lo,
                                   facecolor=GROUPS[g], alpha=0.18, lw=0))
        text(ax, (ix + L + ox) / 2, hi + 0.1, f"group {g}", fs=10,
             color=GROUPS[g], va="bottom")
    for c, y in enumerate(row_y):
        cells(ax, ix, y, xs(L), IN, h=0.8, fs=10)
        cells(ax, ox, y, xs(L, "y"), OUT, h=0.8, fs=10)
        text(ax, ix - 0.3, y + 0.4, f"in {c}", fs=10, ha="right")
        text(ax, ox + L + 0.3, y + 0.4, f"out {c}", fs=10, ha="left")
    for o in range(4):  # block-diagonal wiring: only inside each group
        for i in range(4):
            if i // 2 == o // 2:
                ax.plot([ix + L + 0.1, ox - 0.1],
                        [row_y[i] + 0.4, row_y[o] + 0.4],
                        color=GROUPS[o // 2], lw=1.6)
    mx, my = 13.2, 8.4  # weight "matrix" (C_out x C_in), top-left corner
    text(ax, mx + 1.2, my + 0.35, "C_in →", fs=10)
    text(ax, mx - 0.2, my - 1.2, "C_out\n↓", fs=10, ha="right")
    block_matrix(ax, mx, my, 4, 2)
    text(ax, mx + 1.2, my - 2.6, "groups = 2\nblock-diagonal", fs=10,
         va="top")
    block_matrix(ax, 16.4, my - 0.4, 4, 4, size=0.4)
    text(ax, 17.2, my - 2.6, "groups = C_in\n(depthwise)", fs=10, va="top")
    text(ax, 0.4, 2.4, "weight (C_out, C_in/groups, K) = (4, 2, K): each output "
         "channel sees only the 2 input channels of its group", fs=11,
         ha="left", color=KER[1])
    text(ax, 0.4, 1.5, "depthwise: groups = C_in, every output channel filters "
         "exactly one input channel, weight (C_out, 1, K)", fs=11, ha="left")
    return fig


def draw_06():
    """bias broadcast over N and L: output (N=2, C_out=3, L_out=4)."""
    fig, ax = canvas(17, 10.1, y0=0.6)
    gx, cx, bx, L, C = 6.4, 4.6, 1.0, 4, 3  # grids, bias copies, bias
    tops = {0: 8.2, 1: 3.8}  # lower-left of the top row of each sample's grid
    by = 6.0
    text(ax, bx + 0.5, by + 1.5, "bias\n(C_out,) = (3,)", fs=10, color=KER[1])
    for c in range(C):
        cells(ax, bx, by - c, [f"b{c}"], KER)
    text(ax, bx + 0.5, by - 2.4, "same bias\nfor every\nsample n", fs=10,
         color=KER[1], va="top")
    for n, yt in tops.items():
        text(ax, gx + L / 2, yt + 1.35, f"y[{n}]  (n = {n})", color=OUT[1])
        grid(ax, gx, yt, [[f"+b{c}"] * L for c in range(C)], OUT)
        grid(ax, cx, yt, [[f"b{c}"] for c in range(C)], KER, ls="--")
        arrow(ax, (bx + 1.05, by - 0.5), (cx - 0.05, yt - 0.5), color=KER[1],
              lw=1.8)
        for c in range(C):
            y = yt - c + 0.5
            arrow(ax, (cx + 1, y), (gx, y), color=KER[1], lw=1.2)
            text(ax, gx + L + 0.25, y, f"o = {c}", fs=10, ha="left")
    text(ax, 3.05, 6.95, "over N", fs=10, color=KER[1], rotation=38)
    ya = tops[1] - C + 0.55
    ax.annotate("", (gx + L, ya), (gx, ya),
                arrowprops=dict(arrowstyle="-|>", color=KER[1], lw=1.4))
    text(ax, gx + L / 2, ya - 0.2, "along L: same bias[o] at every t", fs=10,
         color=KER[1], va="top")
    text(ax, 12.0, 6.6, "y[n, o, t] += bias[o]", fs=14, ha="left")
    text(ax, 12.0, 5.8, "shape (C_out,) broadcast\nover N and L_out", fs=10,
         ha="left", va="top", color=MUTED)
    return fig


def draw_07_capstone():
    """y[4, 2] of Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2,
    padding_mode='reflect') on x of shape (4, 7): L_out = 4."""
    C_in, C_out, K, s, p, d, G, L = 4, 6, 3, 2, 2, 2, 2, 7
    L_out = (L + 2 * p - d * (K - 1) - 1) // s + 1  # 4, as torch says
    o, t = 4, 2
    g = o // (C_out // G)                           # group 1
    chans = range(g * C_in // G, (g + 1) * C_in // G)  # in 2, in 3
    taps = [t * s + k * d for k in range(K)]        # padded positions 4, 6, 8
    fig, ax = canvas(23, 13)
    x0, ox, h = 2.4, 17.2, 0.8
    in_y = [10.2 - c - (c // 2) * 0.6 for c in range(C_in)]
    out_y = [10.8 - c - (c // 3) * 0.6 for c in range(C_out)]
    # (a) reflect-padded input, one shaded band per group
    text(ax, x0, 12.5, "input x: (C_in, L_in) = (4, 7)", color=IN[1],
         ha="left")
    text(ax, x0 + 2 * p + L, 12.5, "padding=2, padding_mode='reflect'",
         fs=10, color=MUTED, ha="right")
    span(ax, x0 + 0.05, x0 + p - 0.05, 11.45, PAD[1], tick=-0.2,
         label="pad 2")
    span(ax, x0 + p + 0.05, x0 + p + L - 0.05, 11.45, IN[1], tick=-0.2,
         label="x (L_in = 7)")
    span(ax, x0 + p + L + 0.05, x0 + 2 * p + L - 0.05, 11.45, PAD[1],
         tick=-0.2, label="pad 2")
    for grp in range(G):
        for gx, ys, n in ((x0, in_y, 2 * p + L), (ox, out_y, L_out)):
            per = len(ys) // G
            lo, hi = ys[(grp + 1) * per - 1] - 0.2, ys[grp * per] + 1.0
            ax.add_patch(Rectangle((gx - 0.2, lo), n + 0.4, hi - lo,
                                   facecolor=GROUPS[grp], alpha=0.18, lw=0))
        text(ax, (x0 + 2 * p + L + ox) / 2, in_y[2 * grp] + 0.4,
             f"group {grp}", fs=10, color=GROUPS[grp])
    for c, y in enumerate(in_y):
        cells(ax, x0, y, ["x2", "x1"], PAD, h=h, fs=10)
        cells(ax, x0 + p, y, xs(L), IN, h=h, fs=10)
        cells(ax, x0 + p + L, y, ["x5", "x4"], PAD, h=h, fs=10)
        text(ax, x0 - 0.3, y + h / 2, f"in {c}", fs=10, ha="right")
    for bx in (x0 + p, x0 + p + L):  # separators between padding and data
        ax.plot([bx, bx], [in_y[-1] - 0.2, in_y[0] + 1.0], color=MUTED, lw=1,
                ls=":")
    # (b) the window of y[4, 2]: channels of group 1, taps 4, 6, 8
    iy = in_y[-1] - 0.5
    text(ax, x0 - 0.3, iy, "index", fs=8, color=MUTED, ha="right")
    for i in range(2 * p + L):
        hit = i in taps
        text(ax, x0 + i + 0.5, iy, str(i), fs=9 if hit else 8,
             color=KER[1] if hit else MUTED,
             fontweight="bold" if hit else "normal")
    for c in chans:
        for i in taps:
            outline(ax, x0 + i, in_y[c], 1, h, KER[1])
    # (c) filter w[4] (C_in/G, K) = (2, 3), lined up under its taps, + b[4]
    f_y = [4.0, 3.0]
    for j, (c, y) in enumerate(zip(chans, f_y)):
        labels = [None] * (d * (K - 1) + 1)
        for k in range(K):
            labels[k * d] = f"w{k}"
        cells(ax, x0 + taps[0], y, labels, KER, h=h, fs=10)
        gaps = [None if lab else "" for lab in labels]
        cells(ax, x0 + taps[0], y, gaps, ("white", PAD[1]), h=h, ls=":")
        text(ax, x0 + taps[0] - 0.3, y + h / 2, f"w[4, {j}, :] · in {c}",
             fs=10, ha="right", color=KER[1])
    text(ax, x0 + taps[0] - 0.3, f_y[0] + 1.35,
         "filter w[4]: (C_in/G, K) = (2, 3)", fs=10, ha="right",
         color=KER[1])
    text(ax, x0 + taps[0], f_y[-1] - 0.35,
         "t = 2: start at t·stride = 4, then every dilation = 2",
         fs=10, ha="left", va="top", color=KER[1])
    sx, sy = 14.6, (f_y[0] + f_y[1] + h) / 2
    for y in f_y:
        arrow(ax, (x0 + taps[-1] + 1.05, y + h / 2), (sx - 0.45, sy),
              color=KER[1])
    ax.add_patch(Circle((sx, sy), 0.42, facecolor="white", edgecolor=INK,
                        lw=1.4, zorder=4))
    text(ax, sx, sy, "Σ", fs=15, zorder=5)
    cells(ax, sx - 0.5, sy - 2.1, ["b4"], KER, h=h, fs=10)
    arrow(ax, (sx, sy - 1.3), (sx, sy - 0.44), color=KER[1])
    text(ax, sx + 0.65, sy - 1.7, "+ b[4]", fs=10, ha="left", color=KER[1])
    # (d) output (C_out, L_out) = (6, 4), y[4, 2] highlighted
    text(ax, ox + L_out / 2, 12.5, f"output y: (C_out, L_out) = (6, {L_out})",
         color=OUT[1])
    for c, y in enumerate(out_y):
        cells(ax, ox, y, xs(L_out, "y"), OUT, h=h, fs=10)
        text(ax, ox + L_out + 0.3, y + h / 2, f"out {c}", fs=10, ha="left")
    outline(ax, ox + t, out_y[o], 1, h, INK, lw=2.2)
    arrow(ax, (sx + 0.3, sy + 0.3), (ox - 0.05, out_y[o] + h / 2), rad=-0.2)
    text(ax, sx + 0.2, sy + 1.3, "y[4, 2]", fs=10, ha="right")
    text(ax, ox - 0.2, out_y[-1] - 0.5,
         "o = 4 → group 4 // (6/2) = 1:\nreads in 2, in 3 only", fs=10,
         ha="left", va="top", color=MUTED)
    text(ax, 11.5, 0.6, "L_out = ⌊(L_in + 2·padding − dilation·(K−1) − 1)"
         f"/stride⌋ + 1 = ⌊(7 + 4 − 4 − 1)/2⌋ + 1 = {L_out}", fs=12)
    return fig


def draw_07_im2col():
    """im2col: C_in=2, L=6, K=3, stride 1 -> cols (6, 4); W (2, 6) @ cols."""
    C_in, C_out, L, K = 2, 2, 6, 3
    L_out = L - K + 1
    fig, ax = canvas(21.5, 13.0, y0=-0.9)
    wx, cx, yx = 1.8, 10.6, 16.2      # W, cols, output: left edges
    top = 7.0                          # top edge of the cols matrix
    mid = top - C_in * K / 2           # vertical centre of the equation
    # input with the windows (one bracket colour per t), t = 1 outlined
    iy = [10.0, 9.0]
    text(ax, wx, 12.4, "input x: (C_in, L) = (2, 6), K = 3, stride 1",
         color=IN[1], ha="left")
    for c, y in enumerate(iy):
        cells(ax, wx, y, xs(L), IN)
        text(ax, wx - 0.2, y + 0.5, f"c = {c}", fs=10, ha="right")
    for tt in range(L_out):
        col = SPANS[tt % len(SPANS)]
        span(ax, wx + tt + 0.08, wx + tt + K - 0.08,
             iy[0] + 1.3 + 0.45 * (tt % 2), col, tick=-0.2)
    outline(ax, wx + 1, iy[1], K, 2, SPANS[1])
    text(ax, wx + L + 0.3, iy[0] + 1.4, "window t", fs=10, color=MUTED,
         ha="left")
    # weight reshaped to (C_out, C_in·K)
    text(ax, wx + C_in * K / 2, mid + 1.75,
         "W = weight.reshape(2, 6)", fs=10, color=KER[1])
    for j in range(C_in * K):
        text(ax, wx + j + 0.5, mid + 1.2, f"{j // K},{j % K}", fs=8,
             color=MUTED)
    for oo in range(C_out):
        y = mid - oo
        cells(ax, wx, y, [f"w{oo}{j // K}{j % K}" for j in range(C_in * K)],
              KER, fs=9)
        text(ax, wx - 0.2, y + 0.5, f"o = {oo}", fs=10, ha="right")
    text(ax, (wx + C_in * K + cx - 1.0) / 2, mid, "@", fs=18)
    # the im2col matrix: row (c, k), column t holds x[c, t + k]
    text(ax, cx + 2.1, top + 0.3, "cols: (C_in·K, L_out) = (6, 4)",
         fs=10, color=IN[1], ha="left", va="bottom")
    for r in range(C_in * K):
        c, k = divmod(r, K)
        cells(ax, cx, top - 1 - r, xs(L_out, start=k), IN, fs=11)
        text(ax, cx - 0.2, top - 0.5 - r, f"({c}, {k})", fs=9, ha="right")
    ax.plot([cx - 0.1, cx + L_out + 0.1], [top - K, top - K], color=IN[1],
            lw=2)
    for tt in range(L_out):
        text(ax, cx + tt + 0.5, top - C_in * K - 0.35, f"t={tt}", fs=9,
             color=SPANS[tt % len(SPANS)], va="top")
    outline(ax, cx + 1, top - C_in * K, 1, C_in * K, SPANS[1])
    arrow(ax, (wx + 1 + K / 2, iy[1] - 0.05), (cx + 1.5, top + 0.05),
          color=SPANS[1])
    text(ax, wx + L + 1.0, iy[1] - 0.5, "window t=1 → column t=1", fs=10,
         color=SPANS[1], ha="left")
    text(ax, (cx + L_out + yx) / 2, mid, "=", fs=18)
    # output (C_out, L_out)
    text(ax, yx + L_out / 2, mid + 1.75, "y: (C_out, L_out) = (2, 4)",
         fs=10, color=OUT[1])
    for oo in range(C_out):
        cells(ax, yx, mid - oo, xs(L_out, "y"), OUT)
        text(ax, yx + L_out + 0.2, mid - oo + 0.5, f"o = {oo}", fs=10,
             ha="left")
    text(ax, 10.75, -0.45, "y = W (C_out × C_in·K)  @  cols (C_in·K × L_out)",
         fs=13)
    return fig


def draw_08_backward():
    """How one dy element spreads back over x: Conv1d(1, 1, 3, stride=2, padding=1, padding_mode='reflect')
    on L_in = 7, so x_pad has 9 positions and L_out = 4. dy[3] goes back to x_pad[6], x_pad[7], x_pad[8]
    (t·s + k·d), times w0, w1, w2; x_pad[8] is a reflected copy of x5, so its share goes back to x5."""
    L, K, s, d, p = 7, 3, 2, 1, 1
    Lp = L + 2 * p
    L_out = (Lp - d * (K - 1) - 1) // s + 1          # 4
    t = 3
    taps = [t * s + k * d for k in range(K)]           # 6, 7, 8
    fig, ax = canvas(23.6, 14.2, y0=0.2)
    x0 = 4.2                                           # x_pad[0] starts here
    y_dy, y_dil, y_pad, y_x = 12.0, 9.2, 5.6, 2.3
    # dy: (L_out,), dy[3] outlined
    text(ax, x0 - 0.3, y_dy + 0.5, "dy = dL/dy", ha="right", color=OUT[1])
    cells(ax, x0, y_dy, xs(L_out, "dy"), OUT)
    outline(ax, x0 + t, y_dy, 1, 1, INK, lw=2.2)
    text(ax, x0 + L_out + 0.3, y_dy + 0.5, f"L_out = ⌊(7 + 2 − 3)/2⌋ + 1 = {L_out}", fs=10, ha="left",
         color=MUTED)
    # dy dilated by the stride: dy[t] at position t·s, zeros between
    text(ax, x0 - 0.3, y_dil + 0.5, "dy dilated\nby stride 2", fs=10, ha="right", color=OUT[1])
    dil = ["0"] * Lp
    for j in range(L_out):
        dil[j * s] = f"dy{j}"
    cells(ax, x0, y_dil, dil, OUT, fs=10)
    for j in range(Lp):
        if j % s or j // s >= L_out:
            cells(ax, x0 + j, y_dil, ["0"], PAD, fs=10)
    outline(ax, x0 + t * s, y_dil, 1, 1, INK, lw=2.2)
    arrow(ax, (x0 + t + 0.5, y_dy - 0.05), (x0 + t * s + 0.5, y_dil + 1.05), rad=-0.15)
    text(ax, x0 + t * s + 0.4, y_dy - 0.75, "dy[t] sits at t·stride", fs=10, ha="left", color=MUTED)
    # x_pad, the three taps of dy[3] outlined, each reached with its weight
    text(ax, x0 - 0.3, y_pad + 0.5, "x_pad\n(dx_pad)", ha="right", color=IN[1])
    cells(ax, x0, y_pad, ["x1"], PAD)
    cells(ax, x0 + p, y_pad, xs(L), IN)
    cells(ax, x0 + p + L, y_pad, ["x5"], PAD)
    for j in range(Lp):
        text(ax, x0 + j + 0.5, y_pad - 0.35, str(j), fs=8, color=KER[1] if j in taps else MUTED)
    for k, j in enumerate(taps):
        outline(ax, x0 + j, y_pad, 1, 1, KER[1])
        arrow(ax, (x0 + t * s + 0.5, y_dil - 0.05), (x0 + j + 0.5, y_pad + 1.05), color=KER[1])
        text(ax, x0 + j + 0.72, y_pad + 1.3, f"w{k}", fs=10, color=KER[1], ha="left")
    text(ax, x0 + Lp + 1.0, y_pad + 1.3, "x_pad[6], x_pad[7], x_pad[8] get w0·dy3, w1·dy3, w2·dy3", fs=10,
         ha="left", color=KER[1])
    text(ax, x0 + Lp + 1.0, y_pad + 0.5, "dx_pad[t·s + k·d] += w[k]·dy[t]", fs=11, ha="left")
    text(ax, x0 + Lp + 1.0, y_pad - 0.3, "stride 2, dilation 1, K = 3; grey: padding=1, 'reflect'", fs=9,
         ha="left", color=MUTED)
    # x: each position of x_pad hands its gradient to the element it copies
    text(ax, x0 - 0.3, y_x + 0.5, "dx", ha="right", color=IN[1])
    cells(ax, x0 + p, y_x, xs(L), IN)
    for j in taps:
        src = j - p if j - p < L else 2 * (L - 1) - (j - p)      # reflect: x_pad[8] copies x5
        copy = j - p >= L
        arrow(ax, (x0 + j + 0.5, y_pad - 0.55), (x0 + p + src + 0.5, y_x + 1.05),
              color=KER[1] if copy else INK, rad=-0.35 if copy else 0.0, ls="--" if copy else "-")
    text(ax, x0 + Lp + 1.0, y_x + 1.3, "reflect: x_pad[8] is a copy of x5,", fs=10, ha="left", color=KER[1])
    text(ax, x0 + Lp + 1.0, y_x + 0.7, "so its gradient goes back to x5:", fs=10, ha="left", color=KER[1])
    text(ax, x0 + Lp + 1.0, y_x + 0.1, "dx[5] gets w0·dy3 + w2·dy3", fs=10, ha="left", color=KER[1])
    text(ax, 11.5, 0.75, "the backward of Conv1d: dy dilated by the stride, spread by the kernel, "
         "the padding folded back", fs=12)
    return fig


DIAGRAMS = {
    "01_channels_kernel": draw_01,
    "02_stride": draw_02,
    "03_padding": draw_03,
    "04_dilation": draw_04,
    "05_groups": draw_05,
    "06_bias": draw_06,
    "07_capstone": draw_07_capstone,
    "07_im2col": draw_07_im2col,
    "08_backward": draw_08_backward,
}


def main(out_dir="imgs", only=None):
    names = list(only) if only else list(DIAGRAMS)
    unknown = [n for n in names if n not in DIAGRAMS]
    if unknown:
        raise SystemExit(f"unknown diagram(s): {', '.join(unknown)}")
    os.makedirs(out_dir, exist_ok=True)
    written = []
    with plt.rc_context(RC):
        for name in names:
            path = os.path.join(out_dir, name)
            save(DIAGRAMS[name](), path)
            written += [path + ".svg", path + ".png"]
    return written


def _parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="imgs", help="output directory")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="diagrams to draw (default: all): "
                   + ", ".join(DIAGRAMS))
    return p.parse_args(argv)


if __name__ == "__main__":
    args = _parse_args()
    for written_path in main(args.out, args.names):
        print(written_path)
