"""Running the student's Conv1d: build it with torch's arguments, load torch's weights, call it.

While the student's code runs, library routines that compute a convolution raise ForbiddenRoutine. The
class is a black box: it is constructed, `weight` and `bias` are assigned, it is called, attributes are read.
"""

import linecache
import sysconfig
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .cases import _ctor_args, as_layout, describe
from .failures import (
    FORBIDDEN_HINT,
    STUB_HINT,
    CheckFailed,
    ForbiddenRoutine,
    _sanitised,
)
from .hints import _hint_constructor, _hint_error
from .reference import expected_output, make_data


class _Forbidden:
    """While the student's code runs, library convolutions raise instead of answering."""
    NAMES = [(F, "conv1d", "torch.nn.functional.conv1d"), (torch, "conv1d", "torch.conv1d"),
             (torch, "convolution", "torch.convolution"), (F, "unfold", "torch.nn.functional.unfold"),
             (torch.nn.Conv1d, "forward", "torch.nn.Conv1d"), (np, "convolve", "np.convolve"),
             (np, "correlate", "np.correlate"),
             # notebook 08: what computes the gradients (or the transposed convolution) for the student;
             # torch.autograd.grad also covers torch.func and torch.autograd.functional, which call it
             (F, "conv_transpose1d", "torch.nn.functional.conv_transpose1d"),
             (torch, "conv_transpose1d", "torch.conv_transpose1d"),
             (torch.nn.ConvTranspose1d, "forward", "torch.nn.ConvTranspose1d"),
             (torch.nn.grad, "conv1d_input", "torch.nn.grad.conv1d_input"),
             (torch.nn.grad, "conv1d_weight", "torch.nn.grad.conv1d_weight"),
             (torch.autograd, "grad", "torch.autograd.grad"), (torch.autograd, "backward", "torch.autograd.backward"),
             (torch.Tensor, "backward", "torch.Tensor.backward")]

    def __enter__(self):
        import sys
        names = list(self.NAMES)
        for mod in ("scipy.signal", "scipy.ndimage"):
            if mod in sys.modules:
                m = sys.modules[mod]
                names += [(m, f, f"{mod}.{f}") for f in dir(m) if "conv" in f or "correlat" in f]
        self.saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in names if hasattr(obj, attr)]
        for obj, attr, label in names:
            if hasattr(obj, attr):
                setattr(obj, attr, _raiser(label))
        return self

    def __exit__(self, *exc):
        for obj, attr, value in self.saved:
            setattr(obj, attr, value)
        return False


def _raiser(label):
    def forbidden(*args, **kwargs):
        raise ForbiddenRoutine(f"your answer called {label}. {FORBIDDEN_HINT}")
    return forbidden


def _construct(Conv1d, args, kwargs, where):
    """Conv1d(*args, **kwargs); an exception from the student's constructor becomes a CheckFailed that
    names the call and says what to do (call it inside _Forbidden)."""
    try:
        return Conv1d(*args, **kwargs)
    except (CheckFailed, ForbiddenRoutine):
        raise
    except NotImplementedError as e:
        raise CheckFailed(f"{where}: {STUB_HINT}") from e
    except Exception as e:
        call = ", ".join([*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        said = "your constructor" if where.startswith("Conv1d(") else f"your constructor Conv1d({call})"

        def accepts(a, kw):     # the same constructor on other arguments (the hints' probe)
            try:
                Conv1d(*a, **kw)
                return True
            except Exception:
                return False
        raise CheckFailed(f"{where}: {said} raised {type(e).__name__}"
                          f"{': ' + str(e) if str(e) else ' (with no message)'}{_at_line(e)}. It must accept the "
                          "arguments torch's Conv1d takes and set self.weight and self.bias.",
                          _hint_constructor(args, kwargs, e, accepts)) from e


def _build(Conv1d, c, w, b, where=None):
    """The student's layer for case `c` with torch's weights loaded (call it inside _Forbidden)."""
    args, kwargs = _ctor_args(c)
    layer = _construct(Conv1d, args, kwargs, where or describe(c))
    layer.weight = w.copy()
    layer.bias = None if b is None else b.copy()
    return layer


def run_student(Conv1d, c, x=None, w=None, b=None, where=None):
    """Build the student's layer for case `c`, load torch's weights, return (layer, output array)."""
    if x is None:
        x, w, b = make_data(c)
    with _Forbidden():
        layer = _build(Conv1d, c, w, b, where)
        y, err = _outcome(lambda: layer(as_layout(x, c.get("layout"))))
    if isinstance(err, NotImplementedError):
        raise CheckFailed(f"{where or describe(c)}: {STUB_HINT}") from err
    if err is not None:
        said = _sanitised(err, where or "")
        raise CheckFailed(f"{where or describe(c)}: your forward raised {type(err).__name__}"
                          f"{': ' + said if said else ' (with no message)'}{_at_line(err)}\n"
                          f"  torch's output for this input has shape {expected_output(c).shape}.",
                          _hint_error(c, err, b, student_probe(Conv1d))) from err
    if y is None:
        raise CheckFailed(f"{describe(c)}: forward returned None. Did you forget `return`?")
    return layer, np.asarray(y)


def student_probe(Conv1d):
    """probe(case) -> (output, None) or (None, exception): the student's layer on another case, built and
    loaded as the checks do, on that case's own data (the hints' evidence). Nothing it raises escapes."""
    def probe(c):
        x, w, b = make_data(c)
        try:
            with _Forbidden():
                layer = _build(Conv1d, c, w, b, "probe")
                return layer(as_layout(x, c.get("layout"))), None
        except Exception as err:        # CheckFailed and ForbiddenRoutine too: no evidence
            return None, err
    return probe


_HERE = globals().get("__file__")      # None where the checks are embedded in a notebook
_LIBRARIES = {str(Path(p).resolve()) for key, p in sysconfig.get_paths().items()
              if key in ("stdlib", "platstdlib", "purelib", "platlib")} | \
    ({str(Path(_HERE).resolve().parent)} if _HERE else set())


def _is_students(filename):
    """Whether code from `filename` is the student's: not Python's, not a library's, not the course's checks
    (a notebook cell, an answer cell of the judge, a file of the student's)."""
    if filename.startswith(("<conv1d_course/", "<frozen", "<test cell>")):
        return False
    if filename.startswith("<"):
        return True
    path = str(Path(filename).resolve())
    return not any(path == lib or path.startswith(lib + "/") for lib in _LIBRARIES) and \
        "site-packages" not in path and "dist-packages" not in path


def _student_line(err):
    """"line N: <source>" of the student's own code that raised `err` (the last frame of the traceback that
    is the student's), or "" when none is (the judge sends it along as `conv1d_line`)."""
    line = getattr(err, "conv1d_line", None)
    if line:
        return str(line)[:300]
    tb, found = err.__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if _is_students(code.co_filename):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return ""
    text = linecache.getline(found[0], found[1]).strip()
    return f"line {found[1]}: {text[:200]}" if text else f"line {found[1]}"


def _at_line(err):
    line = _student_line(err)
    return f"\n  It raised at {line}" if line else ""


def _outcome(f):
    """(f(), None), or (None, the exception f() raised): the student's code called; the checks' own
    exceptions pass through."""
    try:
        return f(), None
    except CheckFailed:         # ForbiddenRoutine too
        raise
    except Exception as err:
        return None, err


def _raised(f):
    """The exception f() raises, or None; the checks' own exceptions pass through."""
    return _outcome(f)[1]
