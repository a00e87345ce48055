"""Conv1d explorer: sliders for one layer, and a picture of which inputs feed each output.

`explore("stride")` shows the panel of one notebook: sliders for L_in, kernel_size and that notebook's
parameter, a picture redrawn on every move, and the output length formula evaluated with the numbers.
A panel speaks only of its own controls (the parameters met so far): the formula, the weight shape, the
picture's title and labels name no parameter that a later notebook introduces. The symbols are the
glossary's: K the kernel size, k the tap, t the output position, s, p, d, G.
The picture comes from the layer's arithmetic; torch is asked whether the layer is valid and how long
its output is, and the explorer shows its answer next to the formula.

Without ipywidgets (or with CONV1D_EXPLORER=static in the environment, as `make release` sets it for
the outputs kept in solutions/) the cell shows the same picture once, as a static figure.

Words go through tr() (language.py), in the language the notebook set with `use` before calling explore: the
text under the picture and the focus slider's label. The picture itself holds no words, only symbols,
parameter names and numbers: matplotlib draws with its own font, DejaVu Sans, which has no Chinese (nor has
Colab any CJK font by default), so a Chinese word in the picture would be empty boxes.
"""
import io
import os

import numpy as np
from matplotlib.figure import Figure

from .language import tr
from .padding import PADDING_MODES, pad_index, padding_amounts, pads_fit

MODES = list(PADDING_MODES)

# Per notebook: the controls (name -> (kind, options, start)); L_in and kernel_size everywhere.
BASE = {"L_in": ("slider", (1, 16), 10), "kernel_size": ("slider", (1, 7), 3)}
PANELS = {
    "channels_kernel": {**BASE, "in_channels": ("slider", (1, 6), 2), "out_channels": ("slider", (1, 6), 3)},
    "stride": {**BASE, "stride": ("slider", (1, 5), 2)},
    "padding": {**BASE, "L_in": ("slider", (1, 16), 6), "padding": ("dropdown", [0, 1, 2, 3, 4, 5, "same", "valid"], 1),
                "padding_mode": ("dropdown", MODES, "zeros")},
    "dilation": {**BASE, "dilation": ("slider", (1, 4), 2)},
    "groups": {**BASE, "L_in": ("slider", (1, 16), 6), "in_channels": ("slider", (1, 8), 4),
               "out_channels": ("slider", (1, 8), 6), "groups": ("dropdown", None, 2)},   # options: divisors
    "bias": {**BASE, "L_in": ("slider", (1, 16), 6), "in_channels": ("slider", (1, 6), 2),
             "out_channels": ("slider", (1, 6), 3), "bias": ("checkbox", None, True)},
}
FOCUS = "output t"       # the slider that picks the output whose window is drawn: its label, tr("output t")
LAYER = dict(in_channels=1, out_channels=1, stride=1, padding=0, dilation=1, groups=1, bias=False,
             padding_mode="zeros")


def reads(p):
    """layout() of the layer of the controls p."""
    q = {**LAYER, **p}
    return layout(q["L_in"], q["kernel_size"], q["stride"], q["padding"], q["dilation"], q["padding_mode"])


def layout(L_in, kernel_size, stride=1, padding=0, dilation=1, padding_mode="zeros"):
    """What the layer reads, or None where torch refuses the layer.

    Returns (left, sources, taps): `sources[i]` is the input index held at padded position i (-1: a zero),
    `taps[t]` the padded positions that output t reads, tap k at taps[t][k] (left = the number of positions
    added on the left).
    """
    left, right = padding_amounts(kernel_size, padding, dilation)
    if not pads_fit(L_in, left, right, padding_mode):     # torch: wraps or reflects once at most
        return None
    if padding == "same" and stride != 1:
        return None
    span = dilation * (kernel_size - 1) + 1
    L_out = (L_in + left + right - span) // stride + 1
    if L_out < 1:
        return None
    sources = pad_index(L_in, left, right, padding_mode)
    taps = [[t * stride + k * dilation for k in range(kernel_size)] for t in range(L_out)]
    return left, sources, taps


def torch_says(p):
    """torch's verdict on the layer of the controls p: ('ok', L_out), ('error', message) or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    import warnings
    q = {**LAYER, **p}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = torch.nn.Conv1d(q["in_channels"], q["out_channels"], q["kernel_size"], q["stride"], q["padding"],
                                    q["dilation"], q["groups"], q["bias"], q["padding_mode"])
            with torch.no_grad():
                return "ok", layer(torch.zeros(1, q["in_channels"], q["L_in"])).shape[-1]
    except (RuntimeError, ValueError) as e:
        return "error", str(e).split("\n")[0]


def formula(p):
    """The output length formula in LaTeX, with the terms of the controls in p only, and its value."""
    q = {**LAYER, **p}
    K, s, d = q["kernel_size"], q["stride"], q["dilation"]
    left, right = padding_amounts(K, q["padding"], d)
    sym, num = "L_{in}", str(q["L_in"])
    if "padding" in p:
        both = p["padding"] not in ("same", "valid")
        sym += " + 2p" if both else " + p_{left} + p_{right}"
        num += rf" + 2 \cdot {left}" if both else f" + {left} + {right}"
    if "dilation" in p:
        sym += r" - d\,(K - 1)" + (" - 1" if "stride" in p else "")
        num += rf" - {d} \cdot ({K} - 1)" + (" - 1" if "stride" in p else "")
    else:
        sym += " - K"
        num += f" - {K}"
    if "stride" in p:
        sym = rf"\left\lfloor \frac{{{sym}}}{{s}} \right\rfloor + 1"
        num = rf"\left\lfloor \frac{{{num}}}{{{s}}} \right\rfloor + 1"
    elif "dilation" not in p:
        sym, num = sym + " + 1", num + " + 1"
    value = (q["L_in"] + left + right - d * (K - 1) - 1) // s + 1
    return f"L_{{out}} = {sym} = {num} = {value}", value


def describe(p):
    """The text of the panel, one paragraph a line (Markdown with LaTeX): formula, torch's answer, weight shape."""
    q = {**LAYER, **p}
    latex, value = formula(p)
    lines = [f"$${latex}$$"]
    verdict = torch_says(p)
    if verdict and verdict[0] == "error":
        lines.append(tr("<b>torch refuses this layer:</b> <code>{message}</code>", message=verdict[1]))
    elif verdict:
        shape = f"(N, {q['out_channels']}, {verdict[1]})"
        lines.append(tr("torch: output shape ${shape}$", shape=shape) if verdict[1] == value else
                     tr("torch: output shape ${shape}$ (the formula does not apply here)", shape=shape))
    never = never_read(p)
    if never:
        lines.append(tr("{n} input position is never read: red in the picture.", n=never) if never == 1 else
                     tr("{n} input positions are never read: red in the picture.", n=never))
    if "in_channels" in p:
        g = q["groups"]
        fan_in = q["in_channels"] // g * q["kernel_size"]
        count = q["out_channels"] * fan_in + (q["out_channels"] if q["bias"] else 0)
        per_filter = "C_{in}/G" if "groups" in p else "C_{in}"     # G only from the groups notebook on
        weight = f"(C_{{out}}, {per_filter}, K) = ({q['out_channels']}, {q['in_channels'] // g}, {q['kernel_size']})"
        if "bias" in p and q["bias"]:
            lines.append(tr("weight ${weight}$, bias ${bias}$: {count} parameters, drawn from ${law}$", weight=weight,
                            bias=f"({q['out_channels']},)", count=count, law=f"U(\\pm 1/\\sqrt{{{fan_in}}})"))
        else:
            lines.append(tr("weight ${weight}$: {count} parameters", weight=weight, count=count))
    return lines


def never_read(p):
    """How many input positions no output reads (drawn red), 0 where torch refuses the layer."""
    q = {**LAYER, **p}
    got = reads(q)
    if got is None:
        return 0
    left, sources, taps = got
    read = {i for row in taps for i in row}
    return q["L_in"] - len({sources[i] for i in read if sources[i] >= 0})


def draw(p, focus=0):
    """The picture for controls p as PNG bytes; output `focus` is highlighted."""
    buf = io.BytesIO()
    figure(p, focus).savefig(buf, format="png")
    return buf.getvalue()


def figure(p, focus=0):
    """The matplotlib Figure of draw(): words in it are symbols, parameter names and numbers only."""
    channels = "in_channels" in p
    fig = Figure(figsize=(10, 3.2), dpi=90)
    if channels:
        ax, cax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        draw_channels(cax, p)
    else:
        ax = fig.subplots()
    draw_positions(ax, p, focus)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9, wspace=0.05)
    return fig


def title(p, focus=0):
    """The title of the positions picture: output `focus` as the sum it computes, y_t = w_0 x_i + ..., with
    a sum over channels and a bias only where the panel's controls bring them (the positions never read are
    said under the picture, describe())."""
    q = {**LAYER, **p}
    got = reads(q)
    if got is None:
        return None
    left, sources, taps = got
    focus = min(focus, len(taps) - 1)
    terms = [f"w_{{{k}}}" + (r"\cdot 0" if sources[i] < 0 else f"x_{{{sources[i]}}}")
             for k, i in enumerate(taps[focus])]
    sum_ = " + ".join(terms)
    if q["in_channels"] // q["groups"] > 1:                    # one such sum per input channel (of the group)
        sum_ = rf"\sum_c ({sum_})"
    return f"$y_{{{focus}}} = {sum_}" + (" + b" if "bias" in p and q["bias"] else "") + "$"


def channels_title(p):
    """The title of the channels picture: groups are named from the groups notebook on (none before: the
    picture's C_in and C_out say what it is)."""
    return f"groups={p['groups']}" if "groups" in p else ""


def draw_positions(ax, p, focus):
    ax.set_axis_off()
    q = {**LAYER, **p}
    got = reads(q)
    if got is None:
        ax.text(0.5, 0.5, "torch ✗", ha="center", va="center", fontsize=16, color="firebrick",
                transform=ax.transAxes)         # torch's message is said under the picture
        return
    left, sources, taps = got
    focus = min(focus, len(taps) - 1)
    read = {i for row in taps for i in row}
    for i, src in enumerate(sources):
        padded = not left <= i < left + q["L_in"]
        face = "#eeeeee" if padded else ("#cfe3f7" if i in taps[focus] else "white")
        edge = "#bbbbbb" if padded else ("black" if i in read else "firebrick")
        ax.add_patch(_box(i, 1, face, edge, hatch="//" if padded else None))
        label = "0" if src < 0 else f"$x_{{{src}}}$"           # -1: a zero of padding_mode='zeros'
        ax.text(i, 1, label, ha="center", va="center", fontsize=9, color="gray" if padded else "black")
    offset = (len(sources) - 1) / 2 - (len(taps) - 1) / 2      # outputs centred under the inputs
    for t, row in enumerate(taps):
        on = t == focus
        for i in row:
            ax.plot([offset + t, i], [0.2, 0.8], color="tab:blue" if on else "#d0d0d0", lw=2 if on else 0.8,
                    zorder=3 if on else 1)
        ax.add_patch(_box(offset + t, 0, "#cfe3f7" if on else "white", "black"))
        ax.text(offset + t, 0, f"$y_{{{t}}}$", ha="center", va="center", fontsize=9)
    ax.set_title(title(p, focus), fontsize=10)
    ax.set_xlim(-1, max(len(sources), len(taps)))
    ax.set_ylim(-0.6, 1.6)


def draw_channels(ax, p):
    """Input channels (top) feeding output channels (bottom), one colour per group; +b when there is a bias."""
    ax.set_axis_off()
    q = {**LAYER, **p}
    c_in, c_out, g = q["in_channels"], q["out_channels"], q["groups"]
    if c_in % g or c_out % g:
        ax.text(0.5, 0.5, f"in_channels % groups = {c_in % g}\nout_channels % groups = {c_out % g}", ha="center",
                va="center", color="firebrick", fontsize=9, transform=ax.transAxes)     # torch's message: below
        return
    xs_in, xs_out = np.linspace(0, 1, c_in) if c_in > 1 else [0.5], np.linspace(0, 1, c_out) if c_out > 1 else [0.5]
    for o in range(c_out):
        group = o // (c_out // g)
        for c in range(group * (c_in // g), (group + 1) * (c_in // g)):
            ax.plot([xs_in[c], xs_out[o]], [1, 0], color=f"C{group % 10}", lw=1.2)
        if "bias" in p and q["bias"]:
            ax.annotate("+b", (xs_out[o], -0.05), (xs_out[o], -0.35), ha="center", fontsize=8,
                        arrowprops={"arrowstyle": "->", "color": "gray"})
    ax.scatter(xs_in, [1] * c_in, s=120, color="white", edgecolor="black", zorder=3)
    ax.scatter(xs_out, [0] * c_out, s=120, color="white", edgecolor="black", zorder=3)
    ax.text(-0.15, 1, "$C_{in}$", ha="right", va="center")
    ax.text(-0.15, 0, "$C_{out}$", ha="right", va="center")
    ax.set_title(channels_title(p), fontsize=10)
    ax.set_xlim(-0.35, 1.1)
    ax.set_ylim(-0.5, 1.3)


def _box(x, y, face, edge, hatch=None):
    from matplotlib.patches import Rectangle
    return Rectangle((x - 0.42, y - 0.2), 0.84, 0.4, facecolor=face, edgecolor=edge, hatch=hatch, zorder=2)


def divisors(a, b):
    return [g for g in range(1, min(a, b) + 1) if a % g == 0 and b % g == 0]


def explore(name):
    """The panel of one notebook (a key of PANELS): live with ipywidgets, else one static figure."""
    from IPython.display import Image, Markdown, display
    controls = PANELS[name]
    start = {k: v[2] for k, v in controls.items()}
    try:
        if os.environ.get("CONV1D_EXPLORER") == "static":
            raise ImportError
        import ipywidgets as w
    except ImportError:
        display(Image(draw(start)), Markdown("\n\n".join(describe(start))))
        return
    make = {"slider": lambda k, o, v: w.IntSlider(value=v, min=o[0], max=o[1], description=k),
            "dropdown": lambda k, o, v: w.Dropdown(options=o or divisors(start["in_channels"], start["out_channels"]),
                                                   value=v, description=k),
            "checkbox": lambda k, o, v: w.Checkbox(value=v, description=k)}
    ws = {k: make[kind](k, options, value) for k, (kind, options, value) in controls.items()}
    focus = w.IntSlider(value=0, min=0, max=0, description=tr("output t"))
    for box in [*ws.values(), focus]:
        box.style.description_width = "110px"
    image = w.Image(format="png", layout=w.Layout(width="900px", max_width="100%"))   # the figure's own size
    text = w.HTMLMath()

    def redraw(_=None):
        p = {k: box.value for k, box in ws.items()}
        if "groups" in ws:                      # only the groups that divide both channel counts
            ok = divisors(p["in_channels"], p["out_channels"])
            if list(ws["groups"].options) != ok:
                ws["groups"].options = ok       # may move the value (and redraw in between)
                p["groups"] = ws["groups"].value
        got = reads(p)
        focus.max = len(got[2]) - 1 if got else 0
        image.value = draw(p, focus.value)
        text.value = "<br>".join(describe(p))

    for box in [*ws.values(), focus]:
        box.observe(redraw, "value")
    redraw()
    display(w.VBox([w.HBox([w.VBox(list(ws.values())), w.VBox([focus])]), image, text]))
