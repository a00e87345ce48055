"""When two runs of a notebook show a reader the same thing, whatever CPU they ran on.

solutions/ keeps its outputs for readers on GitHub. A run on another machine (Intel or AMD, another
OpenBLAS or oneDNN kernel, another NumPy SIMD path) can round the last bits of a float differently:
`5.960464477539063e-08` where another CPU printed `0.0`, a pixel of a plot's antialiasing one level
off. Such a run shows the reader the same lesson, so:

- `make release` keeps the committed outputs of every cell whose fresh outputs are the same in this
  sense (`keep_unchanged`), and `git status` stays clean on any machine;
- the freshness test (tests/test_notebooks.py) compares with `same_outputs`, not byte for byte.

"The same" means, for each code cell:
- text (streams, text/plain, text/markdown): the same words and integers (spacing around numbers
  aside), and every decimal number
  within float noise of the other: |a - b| <= 1e-6 + 1e-6·max(|a|, |b|), plus one unit of the last
  printed digit when both are printed with the same number of decimals (0.1235 vs 0.1234 is a
  rounding flip; 0.1235 vs 0.1237 is not);
- images (PNG): the same size, and at most 0.5% of the pixels differ by more than 8 levels in any channel;
- cells marked `course.volatile` (timings): the same words, whatever the numbers, and images by
  presence only.
"""
import base64
import io
import re

# A decimal number as printed by Python, NumPy or torch; integers (shapes, counts) are not in it.
DECIMAL = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")
ATOL = RTOL = 1e-6
PIXEL_LEVELS = 8 / 255       # a channel differing by more than this counts as a changed pixel
PIXEL_SHARE = 0.005          # at most this share of changed pixels


def is_volatile(cell):
    return bool(cell.metadata.get("course", {}).get("volatile"))


def shown(cell):
    """What a reader sees of a code cell, as a list of (kind, payload): ("text", str) for streams
    (merged per stream: how a stream is split is timing) and text outputs, ("png", bytes) for images,
    ("error", ename) for errors. A volatile cell's text is its words (every number a #), its images
    ("image", mime)."""
    volatile = is_volatile(cell)
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            if out and out[-1][0] == "text" and out[-1][1].startswith(o.name + ":"):
                out[-1] = ("text", out[-1][1] + o.text)
            else:
                out.append(("text", o.name + ":" + o.text))
        elif o.output_type in ("execute_result", "display_data"):
            data = o.get("data", {})
            out.append(("text", ",".join(sorted(data)) + "|" + data.get("text/plain", "") + data.get("text/markdown", "")))
            if "image/png" in data:
                out.append(("image", "png") if volatile else ("png", base64.b64decode(data["image/png"])))
        elif o.output_type == "error":
            out.append(("error", o.ename))
    if volatile:
        out = [("words", _words(re.sub(r"\d+", "#", text))) if kind == "text" else (kind, text) for kind, text in out]
    return out


def _decimals(token):
    """Number of decimals a printed number shows (its last digit's place), e.g. 0.1235 -> 4, 1.5e-03 -> 4."""
    mantissa, _, exponent = token.lower().partition("e")
    places = len(mantissa.partition(".")[2])
    return places - int(exponent or 0)


def _words(text):
    """The text with every decimal number as #, no spaces around it, and other runs of spaces as one
    (NumPy pads columns to the widest number, so a noise-flipped sign can move them)."""
    return re.sub(r"[ \t]+", " ", re.sub(r"[ \t]*#[ \t]*", "#", DECIMAL.sub("#", text)))


def same_text(a, b):
    """True when a and b read the same but for float noise in their decimal numbers (see above)."""
    if _words(a) != _words(b):
        return False
    for ta, tb in zip(DECIMAL.findall(a), DECIMAL.findall(b)):
        x, y = float(ta), float(tb)
        slack = ATOL + RTOL * max(abs(x), abs(y))
        if _decimals(ta) == _decimals(tb):
            slack += 10.0 ** -_decimals(ta)
        if abs(x - y) > slack:
            return False
    return True


def same_png(a, b):
    """True when two PNG images have the same size and differ in at most PIXEL_SHARE of their pixels."""
    if a == b:
        return True
    import numpy as np
    from matplotlib.image import imread
    x, y = imread(io.BytesIO(a), format="png"), imread(io.BytesIO(b), format="png")
    if x.shape != y.shape:
        return False
    changed = np.any(np.abs(x.astype(np.float64) - y) > PIXEL_LEVELS, axis=-1) if x.ndim == 3 else \
        np.abs(x.astype(np.float64) - y) > PIXEL_LEVELS
    return float(changed.mean()) <= PIXEL_SHARE


def same_outputs(a, b):
    """Whether code cells a and b show a reader the same outputs (see the module's docstring)."""
    sa, sb = shown(a), shown(b)
    if [k for k, _ in sa] != [k for k, _ in sb]:
        return False
    for (kind, x), (_, y) in zip(sa, sb):
        if kind == "text" and not same_text(x, y):
            return False
        if kind == "png" and not same_png(x, y):
            return False
        if kind in ("error", "image", "words") and x != y:
            return False
    return True


def differences(fresh, committed):
    """Indices of the code cells whose outputs differ (in the sense above) between two runs of one notebook."""
    pairs = [(i, f, c) for i, (f, c) in enumerate(zip(fresh.cells, committed.cells)) if f.cell_type == "code"]
    if len(fresh.cells) != len(committed.cells):
        return [i for i, _, _ in pairs] or [0]
    return [i for i, f, c in pairs if c.cell_type != "code" or not same_outputs(f, c)]


def keep_unchanged(fresh, committed):
    """In place: every code cell of `fresh` whose source and shown outputs are the committed cell's
    gets the committed outputs back (and its execution count), so a rerun on another CPU changes no
    byte of an unchanged lesson. Returns the number of cells whose fresh outputs were kept."""
    if committed is None or len(fresh.cells) != len(committed.cells):
        return len([c for c in fresh.cells if c.cell_type == "code"])
    kept_fresh = 0
    for f, c in zip(fresh.cells, committed.cells):
        if f.cell_type != "code":
            continue
        if c.cell_type == "code" and f.source == c.source and same_outputs(f, c):
            f.outputs = c.outputs
            f.execution_count = c.execution_count
        else:
            kept_fresh += 1
    return kept_fresh
