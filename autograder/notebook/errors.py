"""Invalid uses of the layer: the student's Conv1d raises what torch raises, where torch raises it.
"""
import warnings

import numpy as np
import torch

from .cases import _count, _Label
from .failures import CheckFailed, ForbiddenRoutine, _said, _stub_failed, _stub_hint
from .language import tr
from .student import _Forbidden, _raised


def check_raises(Conv1d, conv, message, hidden=False):
    """Conv1d(**conv) raises ValueError whose message says the same as torch's (`message`)."""
    args = ", ".join(f"{k}={v!r}" for k, v in conv.items())
    try:
        with _Forbidden():
            Conv1d(**conv)
    except ValueError as e:
        if message.lower() not in _said(e).lower():
            raise CheckFailed(tr("Conv1d({args}) raised ValueError({said!r}); torch says {message!r}.", args=args,
                                 said=str(e), message=message))
    except ForbiddenRoutine:
        raise
    except NotImplementedError:         # the stub's: the answer is not written yet
        raise CheckFailed(tr("{where}: {stub}", where=f"Conv1d({args})", stub=_stub_hint())) from None
    except Exception as e:
        raise CheckFailed(tr("Conv1d({args}) raised {error}: {said}; torch raises ValueError({message!r}).",
                             args=args, error=type(e).__name__, said=e, message=message))
    else:
        raise CheckFailed(tr("Conv1d({args}) should raise ValueError({message!r}), as torch does; yours raised "
                             "nothing.", args=args, message=message))
    print(tr("✓ Conv1d({args}) raises ValueError: {message}", args=args, message=message))


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
    """Error case `e` as a message names it: the call that builds the layer, and the input's shape if any."""
    args = ", ".join([*(repr(a) for a in e["args"]), *(f"{k}={v!r}" for k, v in e["conv"].items())])
    if e["x"] is None:
        return _Label(f"Conv1d({args})", call=True)
    return _Label(tr("Conv1d({args}) on x of shape {shape}", args=args, shape=e["x"]), call=True)


def _stage(stage):
    """"construction" or "forward" (what _torch_error says) as a message says it."""
    return tr("construction") if stage == "construction" else tr("forward")


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
        where = _Label(tr("hidden error case {n} ({stage})", n=i + 1, stage=_stage(stage)), hidden=True) \
            if hidden else _call(e)
        want = f"{etype.__name__}({message!r})" if not hidden else etype.__name__
        built = []
        with _Forbidden():
            got_stage, err = "construction", _raised(lambda: built.append(Conv1d(*e["args"], **e["conv"])))
            if err is None and stage == "forward":
                got_stage, err = "forward", _raised(lambda: built[0](np.zeros(e["x"])))
        if isinstance(err, NotImplementedError):
            raise _stub_failed(where) from err
        if err is None:
            raise CheckFailed(tr("{where}: torch raises {want} when the layer is built; yours raised nothing.",
                                 where=where, want=want) if stage == "construction" else
                              tr("{where}: torch's forward raises {want}; yours returned an output.", where=where,
                                 want=want), where=where)
        if got_stage != stage:
            raise CheckFailed(tr("{where}: torch raises {want} in its {stage}; yours raised {error} in its "
                                 "{got_stage}.", where=where, want=want, stage=_stage(stage),
                                 error=type(err).__name__, got_stage=_stage(got_stage)), where=where)
        if type(err) is not etype:
            raise CheckFailed(tr("{where}: torch raises {want}; yours raised {error}({said!r}).", where=where,
                                 want=want, error=type(err).__name__, said=str(err)), where=where)
        lacks = _says(_said(err), e["says"])
        if lacks:
            words = tr(" and ").join("/".join((w,) if isinstance(w, str) else w) for w in lacks)
            if hidden:
                text = tr("{where}: your {error}({said!r}) should say what torch's says (mention {words}).",
                          where=where, error=etype.__name__, said=str(err), words=words)
            else:
                text = tr("{where}: your {error}({said!r}) should say what torch's says ({message!r}; mention "
                          "{words}).", where=where, error=etype.__name__, said=str(err), message=message, words=words)
            raise CheckFailed(text, where=where)
        if not hidden:
            print(tr("✓ {where}: {error}: {said}", where=where, error=etype.__name__, said=err))
    print(tr("✓ errors like torch's: {count}", count=_count(cases, "case")))
