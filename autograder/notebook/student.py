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
    CheckFailed,
    ForbiddenRoutine,
    _forbidden_hint,
    _sanitised,
    _stub_failed,
)
from .hints import _hint_constructor, _hint_error
from .language import tr
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
        raise ForbiddenRoutine(tr("your answer called {routine}. {why}", routine=label, why=_forbidden_hint()))
    return forbidden


def _construct(Conv1d, args, kwargs, where):
    """Conv1d(*args, **kwargs); an exception from the student's constructor becomes a CheckFailed that
    names the call and says what to do (call it inside _Forbidden). `where`: the label of the case (a
    cases._Label, which says whether it shows the call), or another label ("default init")."""
    try:
        return Conv1d(*args, **kwargs)
    except (CheckFailed, ForbiddenRoutine):
        raise
    except NotImplementedError as e:
        raise _stub_failed(where) from e
    except Exception as e:
        call = ", ".join([*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        constructor = tr("your constructor") if getattr(where, "call", False) else \
            tr("your constructor Conv1d({call})", call=call)

        def accepts(a, kw):     # the same constructor on other arguments (the hints' probe)
            try:
                Conv1d(*a, **kw)
                return True
            except Exception:
                return False
        if str(e):
            message = tr("{where}: {constructor} raised {error}: {said}{at_line}. It must accept the arguments "
                         "torch's Conv1d takes and set self.weight and self.bias.", where=where,
                         constructor=constructor, error=type(e).__name__, said=str(e), at_line=_at_line(e))
        else:
            message = tr("{where}: {constructor} raised {error} (with no message){at_line}. It must accept the "
                         "arguments torch's Conv1d takes and set self.weight and self.bias.", where=where,
                         constructor=constructor, error=type(e).__name__, at_line=_at_line(e))
        raise CheckFailed(message, _hint_constructor(args, kwargs, e, accepts), where=where) from e


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
    where = where or describe(c)
    if isinstance(err, NotImplementedError):
        raise _stub_failed(where) from err
    if err is not None:
        said = _sanitised(err, where)
        if said:
            message = tr("{where}: your forward raised {error}: {said}{at_line}\n  torch's output for this input "
                         "has shape {shape}.", where=where, error=type(err).__name__, said=said,
                         at_line=_at_line(err), shape=expected_output(c).shape)
        else:
            message = tr("{where}: your forward raised {error} (with no message){at_line}\n  torch's output for "
                         "this input has shape {shape}.", where=where, error=type(err).__name__,
                         at_line=_at_line(err), shape=expected_output(c).shape)
        raise CheckFailed(message, _hint_error(c, err, b, student_probe(Conv1d)), where=where) from err
    if y is None:
        raise CheckFailed(tr("{where}: forward returned None. Did you forget `return`?", where=describe(c)),
                          where=describe(c))
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
    is the student's), or "" when none is (the judge sends it along as `conv1d_line`: the text, or (N, source))."""
    line = getattr(err, "conv1d_line", None)
    if isinstance(line, (tuple, list)) and len(line) == 2:
        text = str(line[1] or "").strip()
        return tr("line {n}: {code}", n=line[0], code=text[:200]) if text else tr("line {n}", n=line[0])
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
    return tr("line {n}: {code}", n=found[1], code=text[:200]) if text else tr("line {n}", n=found[1])


def _at_line(err):
    line = _student_line(err)
    return tr("\n  It raised at {line}", line=line) if line else ""


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
