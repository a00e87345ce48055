"""The explorer panel (autograder/notebook/explorer.py): its picture is what torch computes, its formula is
torch's output length, its widgets redraw, and without widgets it shows a static figure."""
import random
import sys

import IPython.display
import nbformat
import pytest
import torch

from autograder.build.release import STATIC_ENV
from autograder.notebook import explorer
from tests.notebooks import assignments, read

PNG = b"\x89PNG\r\n\x1a\n"


def configs(n, seed=0):
    rng = random.Random(seed)
    for _ in range(n):
        yield dict(L_in=rng.randint(1, 12), kernel_size=rng.randint(1, 5), stride=rng.randint(1, 3),
                   padding=rng.choice([0, 1, 2, 3, 5, 12, "same", "valid"]), dilation=rng.randint(1, 3),
                   padding_mode=rng.choice(explorer.MODES))


def torch_reads(c):
    """What torch's output t reads through tap k: value[k][t] = input index + 1, or 0 for a zero (None: torch
    refuses)."""
    x = torch.arange(1, c["L_in"] + 1, dtype=torch.float64).view(1, 1, -1)
    rows = []
    for k in range(c["kernel_size"]):
        try:
            layer = torch.nn.Conv1d(1, 1, c["kernel_size"], c["stride"], c["padding"], c["dilation"], bias=False,
                                    padding_mode=c["padding_mode"], dtype=torch.float64)
            with torch.no_grad():
                layer.weight.zero_()
                layer.weight[0, 0, k] = 1
                rows.append(layer(x)[0, 0].round().long().tolist())
        except (RuntimeError, ValueError):
            return None
    return rows


@pytest.mark.parametrize("c", list(configs(400)), ids=lambda c: "-".join(map(str, c.values())))
@pytest.mark.fast
def test_picture_and_formula_agree_with_torch(c):
    want = torch_reads(c)
    got = explorer.layout(**c)
    assert (got is None) == (want is None)
    if got is None:
        assert explorer.torch_says(c)[0] == "error"
        return
    left, sources, taps = got
    assert [[sources[row[k]] + 1 for row in taps] for k in range(c["kernel_size"])] == want
    latex, value = explorer.formula(c)
    assert value == len(taps) == explorer.torch_says(c)[1]
    assert latex.endswith(f"= {value}")


@pytest.mark.parametrize("why", ["no ipywidgets", "CONV1D_EXPLORER=static"])
@pytest.mark.parametrize("name", explorer.PANELS)
@pytest.mark.fast
def test_static_figure_without_widgets(name, why, monkeypatch):
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    if why == "no ipywidgets":
        monkeypatch.setitem(sys.modules, "ipywidgets", None)      # `import ipywidgets` raises ImportError
        monkeypatch.delenv("CONV1D_EXPLORER", raising=False)
    else:
        monkeypatch.setenv("CONV1D_EXPLORER", STATIC_ENV["CONV1D_EXPLORER"])
    explorer.explore(name)
    image, text = shown
    assert image.data.startswith(PNG)
    assert "L_{out} =" in text.data and "torch: output shape" in text.data


def widgets(box):
    """Every widget inside a box, depth first."""
    for child in getattr(box, "children", ()):
        yield child
        yield from widgets(child)


def live_panel(name, monkeypatch):
    """explore(name) with widgets: (image, text, {description: control})."""
    import ipywidgets
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.delenv("CONV1D_EXPLORER", raising=False)
    explorer.explore(name)
    (panel,) = shown
    parts = list(widgets(panel))
    image = next(w for w in parts if isinstance(w, ipywidgets.Image))
    text = next(w for w in parts if isinstance(w, ipywidgets.HTMLMath))
    kinds = (ipywidgets.IntSlider, ipywidgets.Dropdown, ipywidgets.Checkbox)
    return image, text, {w.description: w for w in parts if isinstance(w, kinds)}


@pytest.mark.parametrize("name", explorer.PANELS)
def test_every_control_redraws_the_live_panel(name, monkeypatch):
    image, text, controls = live_panel(name, monkeypatch)
    assert set(controls) == set(explorer.PANELS[name]) | {explorer.FOCUS}
    assert bytes(image.value).startswith(PNG) and "L_{out}" in text.value
    for label in controls:
        image, text, controls = live_panel(name, monkeypatch)      # each control moved from the start
        before, control = (bytes(image.value), text.value), controls[label]
        if label == explorer.FOCUS:
            control.value = 1
        elif hasattr(control, "options"):
            control.value = next(o for o in control.options if o != control.value)
        elif hasattr(control, "max"):
            control.value = control.value + 1
        else:
            control.value = not control.value
        assert bytes(image.value) != before[0], f"{name}: moving {label} did not redraw"
        if label not in (explorer.FOCUS, "padding_mode"):      # the mode changes what is read, not how much
            assert text.value != before[1], f"{name}: moving {label} did not update the formula"
        got = explorer.layout(**{k: c.value for k, c in controls.items()
                                 if k in ("L_in", "kernel_size", "stride", "padding", "dilation", "padding_mode")})
        assert controls[explorer.FOCUS].max == len(got[2]) - 1


# The words and symbols of each parameter in the panels' text, by the panel of the notebook that introduces it.
LATER = {"stride": ["stride", r"\frac", "{s}"], "padding": ["padding", "2p", "p_{"],
         "dilation": ["dilation", r"d\,", "span"], "groups": ["group", "/G", "G}"],
         "bias": ["bias", "+ b", "+b"]}


def panel_settings(name, n=60, seed=0):
    """The start of panel `name`, then n random positions of its controls."""
    rng = random.Random(seed)
    controls = explorer.PANELS[name]
    p = {k: v[2] for k, v in controls.items()}
    yield dict(p)
    for _ in range(n):
        for k, (kind, options, _) in controls.items():
            if kind == "slider":
                p[k] = rng.randint(*options)
            elif kind == "checkbox":
                p[k] = rng.random() < 0.5
            elif k != "groups":
                p[k] = rng.choice(options)
        if "groups" in p:
            p["groups"] = rng.choice(explorer.divisors(p["in_channels"], p["out_channels"]))
        yield dict(p)


def panel_text(p):
    """The explorer's own words for controls p: formula, weight shape, picture titles (torch's refusal, quoted,
    aside)."""
    said = [line for line in explorer.describe(p) if not line.startswith("<b>torch refuses")]
    said += [explorer.title(p, focus) or "" for focus in (0, 99)]
    return said + ([explorer.channels_title(p)] if "in_channels" in p else [])


@pytest.mark.parametrize("name", explorer.PANELS)
@pytest.mark.fast
def test_a_panel_speaks_only_of_parameters_met_so_far(name):
    """The panel of a notebook (PANELS is in series order) names no parameter of a later notebook: not in its
    formula, its weight shape, nor the titles of its pictures; and it does name its own."""
    names = list(explorer.PANELS)
    assert names[1:] == list(LATER), "one panel per parameter notebook, in series order"
    later = [word for panel in names[names.index(name) + 1:] for word in LATER[panel]]
    for p in panel_settings(name):
        for line in panel_text(p):
            assert not [w for w in later if w in line], f"{name} panel, {p}: {line!r}"
    if name in LATER:
        own = "\n".join(line for p in panel_settings(name) for line in panel_text(p))
        assert any(w in own for w in LATER[name]), f"the {name} panel never shows its own parameter"


@pytest.mark.fast
def test_a_panel_uses_the_glossary_symbols():
    """K is the kernel size, k a tap, t an output position, c an input channel (docs/glossary.md)."""
    p = {k: v[2] for k, v in explorer.PANELS["channels_kernel"].items()}
    latex, _ = explorer.formula(p)
    assert "L_{in} - K + 1" in latex and "k" not in latex
    assert "(C_{out}, C_{in}, K)" in explorer.describe(p)[-1]
    assert explorer.title(p, 1).startswith(r"$y_{1} = \sum_c (w_{0}x_{1} + w_{1}x_{2}")
    assert explorer.FOCUS == "output t"


@pytest.mark.fast
def test_groups_menu_offers_only_divisors(monkeypatch):
    _, _, controls = live_panel("groups", monkeypatch)
    controls["in_channels"].value, controls["out_channels"].value = 6, 4
    assert list(controls["groups"].options) == [1, 2]
    controls["in_channels"].value = 3
    assert list(controls["groups"].options) == [1] and controls["groups"].value == 1


@pytest.mark.fast
def test_a_refused_layer_shows_torch_message():
    c = dict(L_in=3, kernel_size=3, padding=3, padding_mode="reflect")
    assert explorer.layout(**c) is None
    assert any("torch refuses this layer" in line for line in explorer.describe(c))
    assert explorer.draw(c).startswith(PNG)


@pytest.mark.parametrize("a", [a for a in assignments() if a < "07"])
@pytest.mark.fast
def test_every_parameter_notebook_has_one_panel(a):
    cells = [c for c in read(a).cells if c.metadata.get("course", {}).get("generated") == "explorer"]
    assert len(cells) == 1 and cells[0].metadata["course"]["explore"] in explorer.PANELS
    assert any(o.data.get("image/png") for o in cells[0].outputs), "the static figure is kept for GitHub readers"
    student = [c for c in read(a, student=True).cells if c.metadata.get("course", {}).get("generated") == "explorer"]
    assert len(student) == 1 and not student[0].outputs and student[0].metadata["jupyter"]["source_hidden"]
    assert nbformat.validate(read(a, student=True)) is None
