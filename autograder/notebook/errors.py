"""Invalid uses of the layer: the student's Conv1d raises what torch raises, where torch raises it.
"""
import warnings

import numpy as np
import torch

from .cases import _count
from .failures import STUB_HINT, CheckFailed, ForbiddenRoutine, _said
from .student import _Forbidden, _raised


def check_raises(Conv1d, conv, message, hidden=False):
    """Conv1d(**conv) raises ValueError whose message says the same as torch's (`message`)."""
    args = ", ".join(f"{k}={v!r}" for k, v in conv.items())
    try:
        with _Forbidden():
            Conv1d(**conv)
    except ValueError as e:
        if message.lower() not in _said(e).lower():
            raise CheckFailed(f"Conv1d({args}) raised ValueError({str(e)!r}); torch says {message!r}.")
    except ForbiddenRoutine:
        raise
    except Exception as e:
        raise CheckFailed(f"Conv1d({args}) raised {type(e).__name__}: {e}; torch raises ValueError({message!r}).")
    else:
        raise CheckFailed(f"Conv1d({args}) should raise ValueError({message!r}), as torch does; yours raised nothing.")
    print(f"✓ Conv1d({args}) raises ValueError: {message}")


def error_case(in_channels, out_channels, kernel_size, x=None, says=(), **conv):
    """An invalid use of the layer: Conv1d(in_channels, out_channels, kernel_size, **conv), then a
    forward on zeros of shape `x` (if given). `says`: words torch's message contains and the
    student's must contain too (a tuple of words means any one of them)."""
    return {"args": (in_channels, out_channels, kernel_size), "conv": conv, "x": x, "says": says}


def _torch_error(e):
    """(stage, exception type, message) of what torch does for error case `e`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layer = torch.nn.Conv1d(*e["args"], **e["conv"])
        except Exception as err:
            return "construction", type(err), str(err)
        if e["x"] is not None:
            try:
                with torch.no_grad():
                    layer(torch.zeros(e["x"]))
            except Exception as err:
                return "forward", type(err), str(err)
    raise RuntimeError(f"check bug: torch accepts {_call(e)}")


def _call(e):
    args = ", ".join([*(repr(a) for a in e["args"]), *(f"{k}={v!r}" for k, v in e["conv"].items())])
    return f"Conv1d({args})" + (f" on x of shape {e['x']}" if e["x"] is not None else "")


def _says(message, words):
    """The words (or one of each tuple of alternatives) of `words` that `message` lacks."""
    text = message.lower()
    return [w for w in words if not any(a.lower() in text for a in ((w,) if isinstance(w, str) else w))]


def check_errors(Conv1d, cases, hidden=False):
    """Each invalid use raises what torch raises: the same exception type, at the same stage
    (construction or forward), with a message that says the same thing (the case's key words)."""
    for i, e in enumerate(cases):
        stage, etype, message = _torch_error(e)
        if _says(message, e["says"]):
            raise RuntimeError(f"check bug: torch's message {message!r} lacks {_says(message, e['says'])}")
        where = f"hidden error case {i + 1} ({stage})" if hidden else _call(e)
        want = f"{etype.__name__}({message!r})" if not hidden else etype.__name__
        built = []
        with _Forbidden():
            got_stage, err = "construction", _raised(lambda: built.append(Conv1d(*e["args"], **e["conv"])))
            if err is None and stage == "forward":
                got_stage, err = "forward", _raised(lambda: built[0](np.zeros(e["x"])))
        if isinstance(err, NotImplementedError):
            raise CheckFailed(f"{where}: {STUB_HINT}") from err
        if err is None:
            raise CheckFailed(f"{where}: torch raises {want} when the layer is built; yours raised nothing."
                              if stage == "construction" else
                              f"{where}: torch's forward raises {want}; yours returned an output.")
        if got_stage != stage:
            raise CheckFailed(f"{where}: torch raises {want} in its {stage}; yours raised "
                              f"{type(err).__name__} in its {got_stage}.")
        if type(err) is not etype:
            raise CheckFailed(f"{where}: torch raises {want}; yours raised {type(err).__name__}({str(err)!r}).")
        lacks = _says(_said(err), e["says"])
        if lacks:
            words = " and ".join("/".join((w,) if isinstance(w, str) else w) for w in lacks)
            raise CheckFailed(f"{where}: your {etype.__name__}({str(err)!r}) should say what torch's says "
                              f"({'' if hidden else repr(message) + '; '}mention {words}).")
        if not hidden:
            print(f"✓ {where}: {etype.__name__}: {err}")
    print(f"✓ errors like torch's: {_count(cases, 'case')}")
