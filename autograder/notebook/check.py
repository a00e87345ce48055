"""Checks for the Conv1d exercises: run a student's NumPy Conv1d next to torch.nn.Conv1d.

This file is the one home of the check code. `make release` copies it into a hidden cell of every
notebook (so a notebook opened alone in Colab runs its tests), and the grader imports it directly.
It needs only numpy and torch, and it treats the student's class as a black box: it constructs it,
assigns `weight`/`bias`, calls it, and reads attributes. Nothing else.

Shapes: input x is (N, C_in, L_in); weight is (C_out, C_in // groups, K); output is (N, C_out, L_out).
"""
import copy
import hashlib
import inspect
import math
import re
import warnings

import numpy as np
import torch
import torch.nn.functional as F

# The constructor parameters of torch.nn.Conv1d, in torch's order, with torch's defaults.
TORCH_PARAMS = [
    ("in_channels", inspect.Parameter.empty), ("out_channels", inspect.Parameter.empty),
    ("kernel_size", inspect.Parameter.empty), ("stride", 1), ("padding", 0), ("dilation", 1),
    ("groups", 1), ("bias", True), ("padding_mode", "zeros"), ("device", None), ("dtype", None),
]
FORBIDDEN_HINT = ("The exercise is to compute the convolution (and, in notebook 08, its gradients) yourself with "
                  "NumPy; library routines that do it for you score zero.")


_SECRET = []   # words mixed into every seed while grading (set_grading_secret); empty in notebooks
_SALTED = []   # ... and, for the numbers of every input, the submission's own words too
_GRADER = []   # [True] in the grader's process: nothing may be skipped there


def set_grading_secret(secret, salt=b""):
    """Grading only: mix a private secret into every seed, so the grader's inputs (hidden cases
    included) cannot be worked out from the public repository; and mix the submission's own `salt`
    (bytes: a hash of its answer cells) into the seeds of every input's numbers, so they cannot be collected
    over resubmissions either: an answer changed to hold what it learnt is graded on other numbers. (The
    layers a case set draws depend on the secret alone: drawn once per grading process.) An empty secret
    and salt: seeds as written."""
    words = lambda b: list(hashlib.sha256(b).digest()[:8])
    _SECRET[:] = words(secret.encode()) if secret else []
    _SALTED[:] = words(secret.encode() + b"\0" + salt) if secret or salt else []


def start_grading(secret, salt=b""):
    """The judge calls this in the grader's process: the secret and salt as above, and no check may skip."""
    set_grading_secret(secret, salt)
    _GRADER[:] = [True]


def _rng(seed):
    """The generator of a case set's layers (random_cases): the secret mixed in."""
    return np.random.default_rng([seed, *_SECRET] if _SECRET else seed)


def _data_rng(*seed):
    """The generator of an input's numbers: the secret and the submission's salt mixed in."""
    return np.random.default_rng([*seed, *_SALTED] if _SALTED else list(seed) if len(seed) > 1 else seed[0])


class CheckFailed(AssertionError):
    """A check found a difference between the student's answer and torch: `message` says what and where,
    `hint` (or None) names the mistake that gives it. Printed as the message, then "Hint: ..." on a line of
    its own; the grader keeps the hint apart, as data (never read back out of a message)."""

    def __init__(self, message, hint=None):
        super().__init__(message, hint)
        self.message, self.hint = str(message), hint or None

    def __str__(self):
        return self.message + (f"\n  Hint: {self.hint}" if self.hint else "")


# ----------------------------------------------------------------------------- cases
def case(N=2, C_in=2, L=7, C_out=3, K=3, dtype="float64", seed=0, unbatched=False, tuples=False, layout=None,
         same_dtype=False, worked_example=False, **conv):
    """One test configuration: input shape (N, C_in, L), layer Conv1d(C_in, C_out, K, **conv).
    unbatched=True: the input is x[0], shape (C_in, L) (N must be 1). tuples=True: the layer is built
    with torch's 1-tuple forms, kernel_size=(K,), stride=(s,), padding=(p,), dilation=(d,).
    layout: the input is a view that is not C-contiguous, as torch accepts (LAYOUTS). same_dtype=True:
    the output must have the input's dtype, as torch's does. worked_example=True: the numbers of the
    notebook's worked example, drawn as it draws them (torch.manual_seed(666), the input, then the layer);
    `seed` is then unused."""
    c = {"N": N, "C_in": C_in, "L": L, "C_out": C_out, "K": K, "dtype": dtype, "seed": seed, "conv": conv}
    if unbatched:
        assert N == 1, "an unbatched input is one sample"
        c["unbatched"] = True
    if tuples:
        c["tuples"] = True
    if layout:
        assert layout in LAYOUTS, f"layout is one of {LAYOUTS}"
        c["layout"] = layout
    if same_dtype:
        c["same_dtype"] = True
    if worked_example:
        c["worked_example"] = True
    return c


# Inputs torch accepts that are views, not C-contiguous arrays: how each is stored, read back as (N, C_in, L).
LAYOUTS = {"transposed": "stored as (N, L, C_in) and transposed",
           "strided": "every other element of a buffer twice as long",
           "reversed": "stored back to front (a negative stride)"}


def as_layout(x, layout=None):
    """A fresh array with x's values, laid out in memory as `layout` says (LAYOUTS); None: contiguous."""
    x = np.array(x)
    if layout == "transposed":
        return np.ascontiguousarray(np.swapaxes(x, -1, -2)).swapaxes(-1, -2)
    if layout == "strided":
        buffer = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
        buffer[..., ::2] = x
        return buffer[..., ::2]
    if layout == "reversed":
        return x[..., ::-1].copy()[..., ::-1]
    return x


def random_cases(params, n, seed):
    """`n` valid random configurations (more when the kinds below need more) that exercise `params`: names of torch's parameters ("padding"
    for integer padding), and "same" ('same' and 'valid' too), "tuples", "unbatched", "layouts" (inputs
    that are views), "same_dtype" (the output keeps the input's dtype).

    Whatever the seed (a grading secret changes every seed), the set includes a case of each kind
    where a classic mistake shows (`_kinds`): a batch of several samples with several input channels
    and taps; a stride that drops a last partial window; 'same' with an uneven split and 'valid'; each
    padding_mode with real padding; a dilation of 2 or more; groups of several channels each; a
    bias with several samples and none at all; both float types; reflect at its limit, circular
    padding as long as the input, a stride past the span, depthwise groups. The rest are drawn freely.

    A grader draws the same sets for every student: each is drawn once per process (about a thousand
    draws when the kinds need many) and copied after that."""
    key = (tuple(params), n, seed, tuple(_SECRET))
    if key not in _DRAWN:
        _DRAWN[key] = _draw_cases(params, n, seed)
    return copy.deepcopy(_DRAWN[key])


_DRAWN = {}     # random_cases' sets, by (params, n, seed, secret)


def _draw_cases(params, n, seed):
    rng = _rng(seed)
    kinds = _kinds(params)
    cases = []
    tries = 0
    while len(cases) < n or (kinds and tries < 50000):
        c = _random_case(params, rng)
        tries += 1
        if not _is_valid(c):
            continue
        if kinds and tries < 50000:         # first the kinds: each case of one kind or more
            met = [k for k in kinds if k(c)]
            if not met:
                continue
            kinds = [k for k in kinds if k not in met]
        cases.append(c)
    return cases


def _random_case(params, rng):
    conv = {}
    groups = int(rng.choice([1, 2, 3])) if "groups" in params else 1
    C_in = groups * int(rng.integers(1, 4))
    C_out = groups * int(rng.integers(1, 4))
    K = int(rng.integers(1, 6))
    L = int(rng.integers(1, 16))
    if "stride" in params:
        conv["stride"] = int(rng.integers(1, 5))
    if "dilation" in params:
        conv["dilation"] = int(rng.integers(1, 4))
    if "groups" in params:
        conv["groups"] = groups
    if "padding" in params:
        conv["padding"] = int(rng.integers(0, 4))
    if "same" in params and rng.random() < 0.25 and conv.get("stride", 1) == 1:
        conv["padding"] = str(rng.choice(["same", "valid"]))
    if "padding_mode" in params:
        conv["padding_mode"] = str(rng.choice(["zeros", "reflect", "replicate", "circular"]))
    if "bias" in params:
        conv["bias"] = bool(rng.random() < 0.7)
    c = case(N=int(rng.integers(1, 4)), C_in=C_in, L=L, C_out=C_out, K=K,
             dtype=str(rng.choice(["float32", "float64"])), seed=int(rng.integers(2**31)), **conv)
    if "tuples" in params and rng.random() < 0.3:      # torch's 1-tuple forms, kernel_size=(3,)
        c["tuples"] = True
    if "unbatched" in params and rng.random() < 0.2:   # one sample without the batch axis, (C_in, L)
        c["N"], c["unbatched"] = 1, True
    if "layouts" in params and rng.random() < 0.3:     # a view, not a C-contiguous array
        c["layout"] = str(rng.choice(list(LAYOUTS)))
    if "same_dtype" in params:
        c["same_dtype"] = True
    return c


def _kinds(params):
    """Predicates on a case: the kinds every random set of these params includes (random_cases)."""
    def geometry(c):
        left, right = _pad_amounts(c)
        s, d = _one(c["conv"].get("stride", 1)), _one(c["conv"].get("dilation", 1))
        span = d * (c["K"] - 1) + 1
        return left, right, s, d, span, c["L"] + left + right
    kinds = [lambda c: c["N"] >= 2 and c["C_in"] // c["conv"].get("groups", 1) >= 2 and c["K"] >= 2 and
             c["dtype"] == "float64",
             lambda c: c["dtype"] == "float32"]
    if "stride" in params:
        kinds.append(lambda c: geometry(c)[2] >= 2 and (geometry(c)[5] - geometry(c)[4]) % geometry(c)[2] != 0
                     and (geometry(c)[5] - geometry(c)[4]) // geometry(c)[2] >= 1)
    if "same" in params:
        kinds.append(lambda c: c["conv"].get("padding") == "same" and geometry(c)[0] != geometry(c)[1]
                     and ("dilation" not in params or geometry(c)[3] >= 2))
        kinds.append(lambda c: c["conv"].get("padding") == "valid" and c["K"] >= 2)
    if "padding_mode" in params:
        for mode in ("zeros", "reflect", "replicate", "circular"):
            kinds.append(lambda c, mode=mode: c["conv"].get("padding_mode") == mode and min(geometry(c)[:2]) >= 1)
    if "dilation" in params:
        kinds.append(lambda c: geometry(c)[3] >= 2 and c["K"] >= 2)
    if "groups" in params:
        kinds.append(lambda c: c["conv"]["groups"] >= 2 and c["C_in"] // c["conv"]["groups"] >= 2
                     and c["C_out"] // c["conv"]["groups"] >= 2)
    if "bias" in params:
        kinds.append(lambda c: c["conv"]["bias"] and c["N"] >= 2)
        kinds.append(lambda c: not c["conv"]["bias"])
    if "tuples" in params:
        kinds.append(lambda c: c.get("tuples"))
    if "unbatched" in params:
        kinds.append(lambda c: c.get("unbatched"))
    if "layouts" in params:
        for layout in LAYOUTS:
            kinds.append(lambda c, layout=layout: c.get("layout") == layout)
    if "padding_mode" in params:       # the limits: reflect as far as it goes, circular wrapping it all
        kinds.append(lambda c: c["conv"].get("padding_mode") == "reflect" and max(geometry(c)[:2]) == c["L"] - 1)
        kinds.append(lambda c: c["conv"].get("padding_mode") == "circular" and max(geometry(c)[:2]) == c["L"])
    if "stride" in params:
        kinds.append(lambda c: geometry(c)[2] > geometry(c)[4])            # the stride jumps past the span
    if "groups" in params:
        kinds.append(lambda c: c["conv"]["groups"] == c["C_in"] >= 2)      # depthwise

    def telling(c):     # a case where a mistake can show: the input is longer than the kernel's span, 2+ outputs
        left, right, s, d, span, padded = geometry(c)
        return c["L"] > span and (padded - span) // s >= 1
    return [lambda c, kind=kind: telling(c) and kind(c) for kind in kinds]


def _one(v):
    """torch's 1-tuple form of an int parameter, (3,), read as the int."""
    return v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else v


def _plain(conv):
    """conv with every 1-tuple read as its int (the hints reason about ints)."""
    return {k: _one(v) for k, v in conv.items()}


def _pad_amounts(c):
    """(left, right) padding that torch applies for case `c`."""
    p, d = _one(c["conv"].get("padding", 0)), _one(c["conv"].get("dilation", 1))
    if p == "valid":
        return 0, 0
    if p == "same":
        total = d * (c["K"] - 1)
        return total // 2, total - total // 2
    return p, p


def _is_valid(c):
    left, right = _pad_amounts(c)
    span = _one(c["conv"].get("dilation", 1)) * (c["K"] - 1) + 1
    if c["L"] + left + right < span:
        return False
    mode = c["conv"].get("padding_mode", "zeros")
    if mode == "reflect" and max(left, right) >= c["L"]:
        return False
    if mode == "circular" and max(left, right) > c["L"]:
        return False
    return True


def describe_layer(c):
    """The layer of case `c` as the code that builds it: `Conv1d(2, 3, kernel_size=3, stride=2)`."""
    args, kernel = _ctor_args(c)
    extra = "".join(f", {k}={v!r}" for k, v in kernel.items())
    return f"Conv1d({args[0]}, {args[1]}, kernel_size={args[2]!r}{extra})"


def describe(c):
    """How a case reads in a message: `Conv1d(2, 3, kernel_size=3, stride=2) on x of shape (2, 2, 7) float64`."""
    shape = (c["C_in"], c["L"]) if c.get("unbatched") else (c["N"], c["C_in"], c["L"])
    view = f" ({LAYOUTS[c['layout']]})" if c.get("layout") else ""
    data = " (the worked example's numbers)" if c.get("worked_example") else ""
    return f"{describe_layer(c)} on x of shape {shape} {c['dtype']}{view}{data}"


def _ctor_args(c):
    """The positional and keyword arguments that build the layer of case `c`."""
    conv = dict(c["conv"])
    K = c["K"]
    if c.get("tuples"):
        K = (K,)
        conv = {k: (v,) if k in ("stride", "dilation") or (k == "padding" and isinstance(v, int)) else v
                for k, v in conv.items()}
    return (c["C_in"], c["C_out"], K), conv


# ----------------------------------------------------------------------------- torch reference
def make_data(c):
    """Input x, weight and bias (None when bias=False) for case `c`, from a seeded NumPy generator
    (or the case's own arrays, c["data"], e.g. torch's sample inputs)."""
    if "data" in c:
        return c["data"]
    if c.get("worked_example"):
        return _worked_example_data(c)
    rng = _data_rng(c["seed"])
    groups = c["conv"].get("groups", 1)
    x = rng.standard_normal((c["N"], c["C_in"], c["L"]))
    bound = 1 / math.sqrt(c["C_in"] // groups * c["K"])
    w = rng.uniform(-bound, bound, (c["C_out"], c["C_in"] // groups, c["K"]))
    b = rng.uniform(-bound, bound, c["C_out"]) if c["conv"].get("bias") else None
    dt = np.dtype(c["dtype"])
    if c.get("unbatched"):
        x = x[0]
    return x.astype(dt), w.astype(dt), (None if b is None else b.astype(dt))


def _worked_example_data(c, dy=False):
    """x, weight, bias exactly as the worked examples draw them: torch.manual_seed(666), then
    torch.randn(N, C_in, L), then nn.Conv1d(C_in, C_out, K, **conv) (float32 numbers, cast to the
    case's dtype); dy=True: also the output gradient notebook 08 draws next, torch.randn(output shape).
    The student's own random state is left as it was (torch.random.fork_rng)."""
    dt = np.dtype(c["dtype"])
    one = (lambda a: a[0]) if c.get("unbatched") else (lambda a: a)
    with torch.random.fork_rng(devices=[]), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(666)
        x = torch.randn(c["N"], c["C_in"], c["L"])
        layer = torch.nn.Conv1d(c["C_in"], c["C_out"], c["K"], **dict(c["conv"], bias=bool(c["conv"].get("bias"))))
        w = layer.weight.numpy().astype(dt)
        b = layer.bias.numpy().astype(dt) if c["conv"].get("bias") else None
        data = one(x.numpy().astype(dt)), w, b
        if dy:
            return data + (one(torch.randn(layer(x).shape).numpy().astype(dt)),)
    return data


def torch_conv1d(x, w, b, **conv):
    """The reference: torch.nn.Conv1d with these weights, computed in float64."""
    conv = dict(conv, bias=b is not None)
    layer = torch.nn.Conv1d(x.shape[-2], w.shape[0], w.shape[2], dtype=torch.float64, **conv)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch's note on 'same' with even kernels is not for students
        layer.weight.copy_(torch.from_numpy(np.asarray(w, np.float64)))
        if b is not None:
            layer.bias.copy_(torch.from_numpy(np.asarray(b, np.float64)))
        return layer(torch.from_numpy(np.asarray(x, np.float64))).numpy()


def expected_output(c):
    x, w, b = make_data(c)
    return torch_conv1d(x, w, b, **c["conv"])


def output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    """L_out as torch computes it (asks torch: F.conv1d on a zero input)."""
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return int(F.conv1d(torch.zeros(1, 1, L_in), torch.zeros(1, 1, kernel_size), stride=stride,
                            padding=padding, dilation=dilation).shape[-1])


# ----------------------------------------------------------------------------- running the student
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


class ForbiddenRoutine(CheckFailed):
    pass


def _raiser(label):
    def forbidden(*args, **kwargs):
        raise ForbiddenRoutine(f"your answer called {label}. {FORBIDDEN_HINT}")
    return forbidden


STUB_HINT = ("your answer still raises NotImplementedError, the stub's: write your code in the answer cell in place of "
             "`raise NotImplementedError()` (a class written in another cell is not graded).")


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
        raise CheckFailed(f"{where}: {said} raised {type(e).__name__}"
                          f"{': ' + str(e) if str(e) else ' (with no message)'}. It must accept the "
                          "arguments torch's Conv1d takes and set self.weight and self.bias.", _hint_constructor(args, kwargs, e)) from e


def _hint_constructor(args, kwargs, err):
    """A hint for an exception raised by the student's constructor."""
    given = [*args, *kwargs.values()]
    if any(isinstance(v, tuple) for v in given) and isinstance(err, (TypeError, ValueError)):
        return ("torch also takes each size as a 1-tuple, kernel_size=(5,) or stride=(2,): read the "
                "int out first, e.g. `kernel_size = kernel_size[0] if isinstance(kernel_size, tuple) else kernel_size`.")
    if isinstance(kwargs.get("padding"), str) and isinstance(err, TypeError):
        return ("padding may be the string 'same' or 'valid': turn it into the left and right amounts "
                "before any arithmetic with it.")
    return ""


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
        try:
            y, err = layer(as_layout(x, c.get("layout"))), None
        except CheckFailed:
            raise
        except Exception as e:
            err = e
    if isinstance(err, NotImplementedError):
        raise CheckFailed(f"{where or describe(c)}: {STUB_HINT}") from err
    if err is not None:
        said = str(err)
        if where and where.startswith("hidden"):    # a hidden input must not leave through a message
            said = re.sub(r"-?\d+\.\d+(e-?\d+)?", "…", said)[:160]
        raise CheckFailed(f"{where or describe(c)}: your forward raised {type(err).__name__}"
                          f"{': ' + said if said else ' (with no message)'}\n"
                          f"  torch's output for this input has shape {expected_output(c).shape}.",
                          _hint_error(c, err, b)) from err
    if y is None:
        raise CheckFailed(f"{describe(c)}: forward returned None. Did you forget `return`?")
    return layer, np.asarray(y)


def _length_formula(c):
    """torch's L_out in the words of the notebook the case comes from: L and K only until padding
    (03) and dilation (04) are in the case's parameters."""
    conv = c["conv"]
    length = "L_padded" if sum(_pad_amounts(c)) else "L_in"
    span = "span" if _one(conv.get("dilation", 1)) > 1 else "K"
    stride = "/stride" if _one(conv.get("stride", 1)) > 1 else ""
    return f"L_out = ⌊({length} − {span}){stride}⌋ + 1" if stride else f"L_out = {length} − {span} + 1"


def _pads_every_axis(c, err=None, got=None):
    """Whether np.pad(x, (left, right)) (or np.pad(x, p)), which pads every axis, explains what the
    student's forward did: an error naming the padded batch or channel size, or such an output."""
    left, right = _pad_amounts(c)
    if not left + right:
        return False
    sizes = {c["N"] + left + right, c["C_in"] + left + right} - {c["N"], c["C_in"]}
    if got is not None:
        return got[0] == c["N"] + left + right != c["N"]
    return any(re.search(rf"\b{n}\b", _said(err)) for n in sizes)


PAD_EVERY_AXIS = ("np.pad(x, (left, right)) pads every axis (the batch and the channels too): give one pair "
                  "per axis, np.pad(x, ((0, 0), (0, 0), (left, right))).")


def _hint_error(c, err, b):
    """A hint for an exception raised inside the student's forward (most specific first)."""
    c = dict(c, conv=_plain(c["conv"]))
    if isinstance(c["conv"].get("padding"), str) and (
            (isinstance(err, TypeError) and "str" in _said(err)) or "pad_width" in _said(err)):
        return ("padding may be the string 'same' or 'valid': turn it into the left and right amounts "
                "before any arithmetic with it (or np.pad).")
    if isinstance(err, ValueError) and re.search(r"mode '?(zeros|replicate|circular)'? is not supported", _said(err)):
        return ("np.pad names the modes its own way: torch's 'zeros' is np.pad's 'constant', 'replicate' "
                "is 'edge', 'circular' is 'wrap' ('reflect' is 'reflect').")
    if not c.get("unbatched") and isinstance(err, (ValueError, IndexError)) and _pads_every_axis(c, err):
        return PAD_EVERY_AXIS
    if c.get("unbatched") and isinstance(err, (ValueError, IndexError)):
        return ("this input is unbatched, shape (C_in, L_in): treat it as a batch of one, "
                "x[None], and return (C_out, L_out), y[0].")
    if b is not None and isinstance(err, ValueError) and "broadcast" in _said(err):
        return ("the bias has shape (C_out,) and belongs to the channel axis: "
                "y + bias[None, :, None], not y + bias (that lines it up with the length axis).")
    if b is None and isinstance(err, TypeError) and "NoneType" in _said(err):
        return "with bias=False, self.bias is None: add the bias only when it is not None."
    if c["conv"].get("dilation", 1) > 1 and isinstance(err, (IndexError, ValueError)):
        return ("with dilation d a window spans d·(K−1)+1 positions (taps at t·s + k·d), so "
                "L_out = ⌊(L_padded − d·(K−1) − 1)/stride⌋ + 1: check the span and where each tap reads.")
    if c["conv"].get("groups", 1) > 1:
        return ("the tests load a weight of shape (C_out, C_in // groups, K): each filter covers "
                "only the C_in // groups channels of its group.")
    if c["conv"].get("stride", 1) == 1 and isinstance(err, ValueError) and "broadcast" in _said(err):
        return ("if a window came out shorter than K, it ran past the end: a window must fit entirely "
                f"inside the {'padded ' if sum(_pad_amounts(c)) else ''}input, {_length_formula(c)}.")
    if c["conv"].get("stride", 1) > 1 and isinstance(err, ValueError) and "broadcast" in _said(err):
        return f"a last window that does not fit is dropped: {_length_formula(c)} (floor, not ceil)."
    return ""


# ----------------------------------------------------------------------------- checks
def check_signature(Conv1d, params):
    """The constructor takes `params` (torch's names) in torch's order with torch's defaults. Later
    parameters of torch's, in torch's order at torch's defaults, are just as right (torch's own
    signature is never wrong)."""
    want = [(n, d) for n, d in TORCH_PARAMS if n in params]
    try:
        sig = inspect.signature(Conv1d)
    except (TypeError, ValueError) as e:
        raise CheckFailed(f"could not read the signature of Conv1d: {e}")
    got = [(p.name, p.default) for p in sig.parameters.values()
           if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    names = [n for n, _ in got]
    torch_names = [n for n, _ in TORCH_PARAMS]
    in_order = all(n in torch_names for n in names) and names == sorted(names, key=torch_names.index)
    if not in_order or not {n for n, _ in want} <= set(names):
        raise CheckFailed(f"Conv1d's parameters should be ({', '.join(n for n, _ in want)}) "
                          f"in this order, as in torch.nn.Conv1d; yours are ({', '.join(names)}).")
    defaults = dict(TORCH_PARAMS)
    for name, mine in got:
        default = defaults[name]
        if default is not inspect.Parameter.empty and (mine is inspect.Parameter.empty or mine != default):
            raise CheckFailed(f"the default of `{name}` should be {default!r} (as in torch), yours is "
                              f"{'missing' if mine is inspect.Parameter.empty else repr(mine)}.")
    more = [n for n in names if n not in dict(want)]
    extra = f" (and torch's {', '.join(more)})" if more else ""
    print(f"✓ signature: Conv1d({', '.join(n for n, _ in want)}){extra}")


def check_weight_shape(Conv1d, cases, hidden=False):
    """After construction, `weight` has shape (C_out, C_in // groups, K) and `bias` is right."""
    for i, c in enumerate(cases):
        args, kwargs = _ctor_args(c)
        where = _where(c, i, hidden, layer_only=True)
        with _Forbidden():
            layer = _construct(Conv1d, args, kwargs, where)
        want = (c["C_out"], c["C_in"] // c["conv"].get("groups", 1), c["K"])
        got = getattr(layer, "weight", None)
        shape = None if got is None else tuple(np.shape(got))
        if shape != want:
            axes = "(C_out, C_in // groups, K)" if "groups" in c["conv"] else "(C_out, C_in, K)"
            raise CheckFailed(f"{where}: weight should have shape {want} {axes}; yours has {shape}.",
                              _hint_weight_shape(c, shape))
        has_bias = c["conv"].get("bias", False)   # before notebook 06 there is no bias
        bias = getattr(layer, "bias", "missing")
        if isinstance(bias, str):
            raise CheckFailed(f"{where}: set `self.bias` (None when there is no bias).")
        if "bias" not in c["conv"] and (bias is None or tuple(np.shape(bias)) == (c["C_out"],)):
            continue        # before notebook 06: none, or torch's default bias of a full signature
        if has_bias and (bias is None or tuple(np.shape(bias)) != (c["C_out"],)):
            raise CheckFailed(f"{where}: bias should have shape {(c['C_out'],)}; "
                              f"yours is {None if bias is None else tuple(np.shape(bias))}.")
        if not has_bias and bias is not None:
            raise CheckFailed(f"{where}: without a bias, `self.bias` should be None.")
    print(f"✓ weight shape: {len(cases)} configurations")


def _hint_weight_shape(c, shape):
    """A hint for a weight of the wrong shape."""
    g = c["conv"].get("groups", 1)
    if g > 1 and shape == (c["C_out"], c["C_in"], c["K"]):
        return (f"with groups={g} each filter reads only the C_in // groups = {c['C_in'] // g} "
                "channels of its group, so the weight's second axis is C_in // groups.")
    if shape == (c["C_in"] // g, c["C_out"], c["K"]) and c["C_in"] // g != c["C_out"]:
        return "torch stores out_channels first: weight[o] is the filter of output channel o."
    if shape is not None and len(shape) == 3 and shape[:2] == (c["C_out"], c["C_in"] // g) and shape[2] != c["K"]:
        return "the last axis holds the K taps of the kernel (an int K, or torch's 1-tuple (K,))."
    return ""


def check_output_shape(Conv1d, cases, hidden=False):
    """The output has shape (N, C_out, L_out), L_out as torch computes it."""
    for i, c in enumerate(cases):
        want = expected_output(c).shape
        _, y = run_student(Conv1d, c, where=_where(c, i, hidden))
        if y.shape != want:
            raise CheckFailed(f"{_where(c, i, hidden)}: expected output shape {want}, got {y.shape}.",
                              _hint_shape(c, want, y.shape))
    print(f"✓ output shape: {len(cases)} configurations")


def check_values(Conv1d, cases, hidden=False):
    """The output equals torch.nn.Conv1d's with the same weights (float64: 1e-8, float32: 1e-4)."""
    for i, c in enumerate(cases):
        x, w, b = make_data(c)
        want = torch_conv1d(x, w, b, **c["conv"])
        _, y = run_student(Conv1d, c, x, w, b, where=_where(c, i, hidden))
        if y.shape != want.shape:
            raise CheckFailed(f"{_where(c, i, hidden)}: expected output shape {want.shape}, got {y.shape}.",
                              _hint_shape(c, want.shape, y.shape))
        if not np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.complexfloating):
            raise CheckFailed(f"{_where(c, i, hidden)}: the output should hold real numbers, not {y.dtype}.")
        if c.get("same_dtype") and y.dtype != x.dtype:
            raise CheckFailed(f"{_where(c, i, hidden)}: a {x.dtype} input should give a {x.dtype} output, as "
                              f"torch's does; yours is {y.dtype}. Keep the input's dtype: compute in "
                              f"np.result_type(x, weight), and do not cast x or the output to another type.")
        err = np.abs(y.astype(np.float64) - want)
        tol = _tolerance(c, want)
        if not np.all(err <= tol):      # also catches NaN
            worst = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
            msg = (f"{_where(c, i, hidden)}: values differ from torch. Largest difference "
                   f"{err[worst]:.3g} at output index {tuple(int(j) for j in worst)}"
                   + ("." if hidden else f" (expected {want[worst]:.6g}, got {y[worst]:.6g})."))
            if not hidden:      # the row (sample, channel) that holds the largest difference
                row = "[" + ", ".join(str(int(j)) for j in worst[:-1]) + "]"
                msg += f"\n  expected{row} = {np.array2string(want[worst[:-1]], precision=4)}" \
                       f"\n  got{row}{' ' * 6} = {np.array2string(y[worst[:-1]].astype(np.float64), precision=4)}"
            raise CheckFailed(msg, _hint_layout(Conv1d, c, x, w, b, want) or _hint_values(c, x, w, b, y))
    print(f"✓ values match torch: {len(cases)} configurations")


def check_output_length(fn, cases, hidden=False):
    """`fn(L_in, kernel_size, stride=1, padding=0, dilation=1)` gives torch's L_out."""
    for i, kw in enumerate(cases):
        want = output_length(**kw)
        with _Forbidden():
            got = fn(**kw)
        where = f"hidden case {i + 1}" if hidden else f"conv1d_output_length({_kw(kw)})"
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            hint = ""
            if isinstance(got, (float, np.floating)):
                hint = ("`/` gives a float even when it divides evenly; ⌊·⌋ is floor division, `//`, "
                        "which keeps an int an int"
                        + (" — the value itself is right." if float(got) == want else "."))
            raise CheckFailed(f"{where}: should return an int, got {got!r}.", hint)
        if got != want:   # the same diagnosis as a Conv1d output of the wrong length
            c = case(N=1, C_in=1, L=kw["L_in"], C_out=1, K=kw["kernel_size"],
                     **{k: v for k, v in kw.items() if k not in ("L_in", "kernel_size")})
            raise CheckFailed(f"{where}: expected {want}, got {got}.", _hint_shape(c, (1, 1, want), (1, 1, got)))
    print(f"✓ output length: {len(cases)} cases")


def _as_int(v):
    """v as an int when it is a whole number of any numeric type (72, 72.0, np.int64(72)), else v."""
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    return v


def check_answer(name, got, want, mistakes=None):
    """A predict-then-verify answer equals what torch says. The value counts, not its Python type: a
    whole number written as 72.0 (from `/`) or np.int64(72) (from np.prod) is 72, and a shape may be
    a list, an array or a torch.Size; the check then says which type torch gives. `mistakes`:
    {wrong value: hint} for the wrong answers a common mistake gives."""
    sequence = isinstance(got, (list, tuple, np.ndarray)) and np.ndim(got) == 1
    value = tuple(_as_int(g) for g in np.asarray(got, dtype=object).tolist()) if sequence else _as_int(got)
    whole = all(type(v) is int for v in value) if sequence else type(value) is int
    if isinstance(want, tuple) and sequence and value == want and whole:
        note = "" if type(got) is tuple else f" (torch gives a tuple; yours was a {type(got).__name__})"
        print(f"✓ {name} = {want!r}{note}")
        return
    if isinstance(want, int) and not isinstance(want, bool) and not sequence and value == want and whole:
        note = "" if type(got) is int else f" (torch gives the int {want}; `//` keeps a division whole)"
        print(f"✓ {name} = {want!r}{note}")
        return
    if got is None or type(got) is not type(want) or got != want:
        hint = next((h for v, h in (mistakes or {}).items() if value == v), None)
        raise CheckFailed(f"`{name}` is {got!r}; that is not what torch gives. Work it out again "
                          f"from the formula above, then run the cell below it to compare.", hint)
    print(f"✓ {name} = {want!r}")


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


def check_default_init(Conv1d, C_in=64, C_out=64, K=5, dtype=None, **conv):
    """Default weights (and bias) look like torch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = C_in // groups * K. Checked statistically: range, mean, spread and a KS distance.
    dtype="float32": the parameters also have torch's dtype."""
    with _Forbidden():
        layer = _construct(Conv1d, (C_in, C_out, K), conv, "default init")
    if dtype is not None:
        for name in ("weight", "bias"):
            value = getattr(layer, name, None)
            if value is not None and np.asarray(value).dtype != np.dtype(dtype):
                raise CheckFailed(f"default {name}: dtype {np.asarray(value).dtype}; torch's parameters are "
                                  f"{dtype} (np.random.uniform(...).astype(np.{dtype})).")
    K = _one(K)
    bound = 1 / math.sqrt(C_in // conv.get("groups", 1) * K)
    for name, want in (("weight", (C_out, C_in // conv.get("groups", 1), K)), ("bias", (C_out,))):
        value = getattr(layer, name, None)      # the shape first: nothing bigger is ever converted
        if value is not None and tuple(np.shape(value)) != want:
            raise CheckFailed(f"default {name}: shape {tuple(np.shape(value))}; torch's is {want}.")
    if conv.get("bias", True) and getattr(layer, "bias", None) is None:
        raise CheckFailed("default bias: bias=True but self.bias is None; draw it from U(-bound, bound).")
    named = [("weight", np.asarray(layer.weight, np.float64))]
    if conv.get("bias", True) and getattr(layer, "bias", None) is not None:
        named.append(("bias", np.asarray(layer.bias, np.float64)))
    for name, v in named:
        v = v.ravel()
        n = v.size
        if np.any(np.abs(v) > bound * (1 + 1e-6)):
            raise CheckFailed(f"default {name}: values reach {np.abs(v).max():.4g}, beyond the bound "
                              f"1/sqrt(fan_in) = {bound:.4g} (fan_in = C_in/groups · K).",
                              _hint_init(v, C_in, K, conv.get("groups", 1)))
        if np.allclose(v, v[0]):
            raise CheckFailed(f"default {name}: all values are {v[0]:.4g}; torch draws them at random.")
        # Kolmogorov-Smirnov distance to U(-bound, bound). 2.7/sqrt(n) is the critical value at
        # p = 1e-6, so a correct random init fails about once in a million runs.
        ks = _ks_uniform(v, -bound, bound)
        if ks > 2.7 / math.sqrt(n):
            raise CheckFailed(f"default {name}: values are not spread like U(-{bound:.4g}, {bound:.4g}) "
                              f"(KS distance {ks:.3f} > {2.7 / math.sqrt(n):.3f}; mean {v.mean():.3g}, "
                              f"std {v.std():.3g}, expected std {bound / math.sqrt(3):.3g}).",
                              _hint_init(v, C_in, K, conv.get("groups", 1)))
    print(f"✓ default init: {', '.join(n for n, _ in named)} ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = {C_in // conv.get('groups', 1) * K}")


def _ks_uniform(v, low, high):
    """Kolmogorov-Smirnov distance of the sample v to U(low, high)."""
    n = v.size
    cdf = np.clip((np.sort(v) - low) / (high - low), 0, 1)
    return np.max(np.maximum(np.arange(1, n + 1) / n - cdf, cdf - np.arange(n) / n))


def _hint_init(v, C_in, K, groups):
    """Name the initialisation `v` was drawn with, when it is a common mistake's: the uniform bound of
    another fan_in, a bound without the square root, or U(0, 1)."""
    fan_in = C_in // groups * K
    mistakes = [(1 / math.sqrt(C_in * K), f"fan_in ignores groups: with groups={groups} each output sums over "
                 f"C_in/groups · K = {fan_in} inputs, not C_in · K = {C_in * K}."),
                (1 / math.sqrt(C_in // groups), "fan_in leaves out the kernel: it is C_in/groups · K, every tap counts."),
                (1 / math.sqrt(K), "fan_in leaves out the channels: it is C_in/groups · K."),
                (1 / fan_in, "the bound is 1/sqrt(fan_in), not 1/fan_in."),
                (math.sqrt(6 / fan_in), "that is He (kaiming) init with a = 0, sqrt(6/fan_in); torch's Conv1d uses "
                 "a = sqrt(5), which gives 1/sqrt(fan_in).")]
    n = v.size
    for bound, hint in mistakes:
        if groups == 1 and "groups" in hint:
            continue
        if (np.all(np.abs(v) <= bound * (1 + 1e-6)) and np.abs(v).max() >= bound * (1 - 8 / n)
                and _ks_uniform(v, -bound, bound) <= 2.7 / math.sqrt(n)):     # the largest value near this bound too
            return hint
    if np.all(v >= 0) and _ks_uniform(v, 0, 1) <= 2.7 / math.sqrt(n):
        return ("np.random.rand draws from U(0, 1): scale it, bound · (2·rand − 1), or use "
                "np.random.uniform(-bound, bound, shape).")
    return ""


# ----------------------------------------------------------------------------- the capstone: errors, torch's samples, speed
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


def _said(err):
    """What an exception raised by the student's code says, for the checks to read. The grader withholds
    it from str() in hidden cases (it must not reach the student) and keeps it as `conv1d_message`."""
    return getattr(err, "conv1d_message", None) or str(err)


def _says(message, words):
    """The words (or one of each tuple of alternatives) of `words` that `message` lacks."""
    text = message.lower()
    return [w for w in words if not any(a.lower() in text for a in ((w,) if isinstance(w, str) else w))]


def _raised(f):
    """The exception f() raises, or None; the checks' own exceptions pass through."""
    try:
        f()
    except (CheckFailed, ForbiddenRoutine):
        raise
    except Exception as err:
        return err
    return None


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
    print(f"✓ errors like torch's: {len(cases)} cases")


def torch_sample_cases(dtype="float64"):
    """torch's own sample inputs for conv1d (OpInfo 'nn.functional.conv1d' in
    torch.testing._internal, which needs the expecttest package), as cases with their data.
    None when they cannot be loaded here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from torch.testing._internal.common_methods_invocations import op_db
    except Exception:
        return None
    op = next(o for o in op_db if o.name == "nn.functional.conv1d")
    cases = []
    for s in op.sample_inputs("cpu", getattr(torch, dtype)):
        x, w = s.input.detach().numpy(), s.args[0].detach().numpy()
        b = s.args[1].detach().numpy() if len(s.args) > 1 and s.args[1] is not None else None
        conv = {k: (tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in s.kwargs.items()}
        g = _one(conv.get("groups", 1))
        c = case(N=x.shape[0] if x.ndim == 3 else 1, C_in=w.shape[1] * g, L=x.shape[-1], C_out=w.shape[0],
                 K=w.shape[2], dtype=dtype, unbatched=x.ndim == 2, **conv, bias=b is not None)
        c["data"] = (x, w, b)
        cases.append(c)
    return cases


def check_torch_samples(Conv1d, dtypes=("float64", "float32")):
    """Your layer on torch's own conv1d sample inputs (the ones torch's test suite uses)."""
    n = 0
    for dtype in dtypes:
        cases = torch_sample_cases(dtype)
        if cases is None:
            if _GRADER:
                raise RuntimeError("the grader needs torch's sample inputs: pip install expecttest")
            run_student(Conv1d, case(N=2, C_in=2, L=7, C_out=3, K=3))    # an unanswered stub still fails
            print("- torch's sample inputs need the expecttest package (pip install expecttest); "
                  "skipped here, the grader runs them.")
            return
        check_values(Conv1d, cases, hidden=True)
        n += len(cases)
    print(f"✓ torch's own conv1d samples: {n} inputs")


# The bonus line sits far from both sides it separates (measured through the grader with AVX2 and
# AVX-512 kernels, quiet and with every core busy: docs/speed-notes.md). On the bonus case, answers
# that hand NumPy all windows at once (one matmul, tensordot or einsum with optimize=True, or a loop
# over the K taps) take 1-7x torch's time; a Python loop over output positions or output channels,
# or einsum without optimize=True (a C loop, not BLAS), takes 40x and more.
SPEED_FACTOR = 16
SPEED_CASE = dict(N=1, C_in=32, L=8192, C_out=32, K=3, dtype="float32", padding=1, bias=True)


def time_call(layer, x):
    """(layer(x), CPU seconds the call took: a busy machine does not make it slower). In a notebook the
    process's CPU clock times it; the grader reads the answer's process from outside
    (autograder/sandbox/judge.py)."""
    timed = getattr(type(layer), "timed_call", None)      # the grader's proxy
    if timed is not None:
        return timed(layer, x)
    import time
    start = time.process_time()
    y = layer(x)
    return y, time.process_time() - start


def check_speed(Conv1d, c, factor=SPEED_FACTOR, rounds=20, budget=3.0):
    """The layer's forward on case `c` (float32) takes at most `factor` times torch's F.conv1d, with
    every output right.

    torch and the layer take turns in the same conditions: each round draws a fresh input (so
    remembering outputs cannot help), times torch's F.conv1d on it (twice: torch cannot remember
    either), then the layer on it. Both are timed in CPU time, which other processes on a busy machine
    do not add to, and each side counts its best call. Both run on one thread (in a notebook: torch,
    and NumPy's BLAS if threadpoolctl is installed). A slow layer stops after three rounds once its
    calls have taken `budget` seconds in all."""
    x, w, b = make_data(c)
    rng = _data_rng(c["seed"] + 1)
    wt, bt = torch.from_numpy(w), None if b is None else torch.from_numpy(b)
    conv = {k: v for k, v in c["conv"].items() if k != "bias"}
    with _Forbidden():
        layer = _build(Conv1d, c, w, b)
    with _one_thread():
        mine, theirs = _race(layer, c, x, wt, bt, conv, rng, rounds, budget)
    line = (f"{describe(c)}: yours {mine * 1e3:.2f} ms, torch {theirs * 1e3:.2f} ms "
            f"({mine / theirs:.1f}×, the bonus needs at most {factor:g}×)")
    if mine > factor * theirs:
        raise CheckFailed(f"{line}.", _hint_speed(Conv1d))
    print(f"✓ speed: {line}")


def _hint_speed(Conv1d):
    """What makes a correct forward slow, named from the class's source when it can be read."""
    source = ""
    try:
        source = inspect.getsource(Conv1d)
    except (TypeError, OSError):        # a class typed in a kernel cell: its methods can still be read
        for f in (vars(Conv1d).values() if isinstance(Conv1d, type) else ()):
            try:
                source += inspect.getsource(f) if inspect.isfunction(f) else ""
            except (TypeError, OSError):
                pass
    einsum = re.search(r"einsum\(", source)
    if einsum and not re.search(r"optimize\s*=\s*(True|['\"])", source):
        return ("np.einsum without optimize=True runs its own C loop, not BLAS: pass optimize=True "
                "(or use np.tensordot / a matmul over all windows at once).")
    if source and re.search(r"for .+ in range\(", source) and not einsum and not re.search(r"(@|matmul|tensordot|dot)\b", source):
        return ("a Python loop over positions or channels pays NumPy's call overhead at every step: "
                "gather all windows (sliding_window_view) and do one matmul over them.")
    return ("vectorise: gather all windows at once (sliding_window_view) and do one matmul, np.tensordot "
            "or np.einsum with optimize=True over them; a Python loop over positions or channels, or np.einsum "
            "without optimize=True, stays slow.")


class _one_thread:
    """torch, and NumPy's BLAS when threadpoolctl is there to set it, on one thread: on a busy machine
    a multi-threaded BLAS waits for its slowest thread, and the comparison would be the machine's."""

    def __enter__(self):
        self.torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            from threadpoolctl import threadpool_limits
            self.blas = threadpool_limits(limits=1, user_api="blas")
        except Exception:       # not installed (the grader's answer process has one thread anyway)
            self.blas = None
        return self

    def __exit__(self, *exc):
        torch.set_num_threads(self.torch_threads)
        if self.blas is not None:
            self.blas.restore_original_limits()
        return False


def _race(layer, c, x, wt, bt, conv, rng, rounds, budget):
    """(the layer's best seconds, torch's best seconds) over rounds that take turns (check_speed)."""
    import time
    mine = theirs = math.inf
    spent = 0.0
    for i in range(rounds):
        x = rng.standard_normal(x.shape).astype(x.dtype)
        xt = torch.from_numpy(x)
        with torch.no_grad():
            for _ in range(2):      # the repeat finds its memory warm, as the layer's later rounds do
                start = time.process_time()
                want = F.conv1d(xt, wt, bt, **conv)
                theirs = min(theirs, time.process_time() - start)
        with _Forbidden():
            y, seconds = time_call(layer, x)
        mine, spent = min(mine, seconds), spent + seconds
        want = want.numpy().astype(np.float64)
        if np.shape(y) != want.shape or not np.all(np.abs(np.asarray(y, np.float64) - want) <= 2 * _tolerance(c, want)):
            raise CheckFailed(f"{describe(c)}: the output is not torch's; make the values test pass first.")
        if i >= 2 and spent > budget:
            break
    return mine, theirs


def output_shape(x_shape, **conv):
    """The shape torch.nn.Conv1d(**conv) gives for an input of x_shape (computed by torch)."""
    layer = torch.nn.Conv1d(**conv)
    with torch.no_grad():
        return tuple(layer(torch.zeros(x_shape)).shape)


# ----------------------------------------------------------------------------- diagnosis
def _where(c, i, hidden, layer_only=False):
    """How case i reads in a message: the case in full, only the layer (for checks that never call
    forward), or, hidden, its number and the kinds of parameters it uses."""
    if hidden:
        return f"hidden case {i + 1} ({_short(c)})"
    return describe_layer(c) if layer_only else describe(c)


def _short(c):
    parts = [k for k, v in c["conv"].items() if v not in (1, 0, "zeros", False)]
    return "uses " + ", ".join(parts) if parts else "no extra parameters"


def _kw(kw):
    return ", ".join(f"{k}={v!r}" for k, v in kw.items())


def _tolerance(c, want):
    scale = 1 + np.abs(want)
    return (1e-4 if c["dtype"] == "float32" else 1e-8) * scale * max(1, c["C_in"] * c["K"]) ** 0.5


def _hint_layout(Conv1d, c, x, w, b, want):
    """When the input is a view (c["layout"]) and the same values laid out contiguously come out right:
    the forward reads memory as if x were C-contiguous."""
    if not c.get("layout"):
        return ""
    try:
        _, y = run_student(Conv1d, dict(c, layout=None), np.ascontiguousarray(x), w, b)
    except CheckFailed:
        return ""
    if y.shape == want.shape and np.all(np.abs(y.astype(np.float64) - want) <= _tolerance(c, want)):
        return ("right on a contiguous copy of this input, wrong on the view: your forward assumes "
                "C-contiguous memory (as_strided with strides made from the shape, or ravel/reshape tricks); take "
                "x.strides from x itself, or start with x = np.ascontiguousarray(x).")
    return ""


def _hint_shape(c, want, got):
    if len(got) != len(want):
        return ("an unbatched input (C_in, L_in) gives an unbatched output (C_out, L_out)."
                if len(want) == 2 else "the output must be 3-D, (N, C_out, L_out).")
    if len(want) == 2:      # unbatched: reason about it as a batch of one
        c, want, got = dict(c, N=1), (1, *want), (1, *got)
    c = dict(c, conv=_plain(c["conv"]))
    if got[0] != want[0] and _pads_every_axis(c, got=got):
        return PAD_EVERY_AXIS
    if got[0] != want[0]:
        return "the batch axis is wrong: compute every sample of the batch, x[n] for n in range(N)."
    if got[1] != want[1]:
        return "one output channel per filter: the output has C_out = out_channels channels."
    conv = c["conv"]
    s, d = conv.get("stride", 1), conv.get("dilation", 1)
    left, right = _pad_amounts(c)
    span = d * (c["K"] - 1) + 1
    padded = c["L"] + left + right
    if left + right and got[2] == (c["L"] - span) // s + 1:
        return "the padding is missing: pad the input on both sides before sliding the kernel."
    if c["C_in"] != c["L"] and got[2] == max(0, (c["C_in"] + left + right - span) // s + 1):
        return ("the windows slide along the channel axis: x is (N, C_in, L_in), channels on axis 1 "
                "and the length last, so windows run along axis 2 (x[n, :, t:t+K]), not along axis 1.")
    if d > 1:
        if got[2] in ((-(-padded // d) - c["K"]) // s + 1, (-(-c["L"] // d) + left + right - c["K"]) // s + 1):
            return ("dilation was applied to the input: it spaces the kernel taps "
                    "(x[t·s + k·d]), it does not subsample x.")
        if got[2] == (padded - c["K"]) // s + 1:
            return "the kernel span with dilation d is d·(K−1)+1, not K."
        if got[2] == (padded - d * c["K"]) // s + 1:
            return "the kernel span with dilation d is d·(K−1)+1, not d·K: the last tap is at (K−1)·d."
        if conv.get("padding") == "same" and got[2] == c["L"] + c["K"] - 1 - span + 1:
            return "with dilation, padding='same' pads d·(K−1) in total (the span minus one), not K−1."
    if got[2] == want[2] - 1 and left + right and got[2] in ((c["L"] + left - span) // s + 1,
                                                           (c["L"] + right - span) // s + 1):
        return ("one output too short: padding goes on both sides (padding on the left and on the "
                f"right): {_length_formula(c)}.")
    if got[2] == want[2] - 1 and s == 1:
        return "one output too short: the last window starts at L_in − K, so there are L_in − K + 1 of them."
    if got[2] == want[2] - 1:
        return ("one output too short: windows start at t·stride for t = 0, 1, …, ⌊(L_in − K)/stride⌋, "
                "so there are ⌊(L_in − K)/stride⌋ + 1 of them.")
    if conv.get("padding") == "same" and got[2] != want[2] and got[2] == c["L"] + 2 * (span // 2) - span + 1:
        total = "d·(K−1)" if "dilation" in conv else "K−1"
        return (f"padding='same' pads {total} in total, ⌊total/2⌋ on the left and the rest on the right; "
                "span//2 on each side is one too many when the span is even.")
    if got[2] == want[2] + 1 and s == 1:
        return ("one output too long: a window must fit entirely inside the "
                f"{'padded ' if 'padding' in conv else ''}input: {_length_formula(c)}.")
    if s > 1 and got[2] == -(-(padded - span) // s) + 1:
        return "L_out rounds down (floor), not up: a last window that does not fit is dropped."
    if s > 1 and got[2] == padded - span + 1:
        return f"the stride is ignored: windows start every `stride` positions, {_length_formula(c)}."
    if left + right and got[2] in ((c["L"] + left - span) // s + 1, (c["L"] + right - span) // s + 1):
        return "padding goes on both sides of the input, not one."
    return ""


def _variants(c, x, w, b):
    """Outputs of common mistakes, computed with torch, each with the hint that names it."""
    conv = c["conv"] = _plain(c["conv"])
    s, d, g = conv.get("stride", 1), conv.get("dilation", 1), conv.get("groups", 1)
    mode = conv.get("padding_mode", "zeros")
    left, right = _pad_amounts(c)
    nopad = dict(conv, padding=0, padding_mode="zeros")

    def padded(xx, lft, rgt, m):
        if lft == rgt == 0:
            return xx
        if m == "zeros":
            return np.pad(xx, ((0, 0), (0, 0), (lft, rgt)))
        t = F.pad(torch.from_numpy(np.asarray(xx, np.float64)), (lft, rgt), mode=m)
        return t.numpy()

    def conv_padded(ww, bb=b, lft=left, rgt=right, m=mode, xx=x):
        try:
            return torch_conv1d(padded(xx, lft, rgt, m), ww, bb, **nopad)
        except Exception:
            return None

    out = [
        ("the kernel looks flipped: torch.nn.Conv1d computes cross-correlation, "
         "y[t] = Σ_k w[k]·x[t+k], without reversing the kernel.", conv_padded(w[..., ::-1].copy())),
    ]
    if c["C_in"] // g > 1:
        w0 = w.copy()
        w0[:, 1:] = 0
        out.append(("only the first input channel counts: sum over every input channel "
                    "(and every kernel tap) for each output.", conv_padded(w0)))
    ref = conv_padded(w)
    if ref is not None and c["N"] > 1:
        first = ref.copy()
        first[1:] = ref[:1]
        zero = ref.copy()
        zero[1:] = 0
        msg = "only the first sample of the batch is right: loop over (or vectorise across) all N samples."
        out += [(msg, first), (msg, zero)]
    if s > 1 and ref is not None:
        ref1 = _try(lambda: torch_conv1d(padded(x, left, right, mode), w, b, **dict(nopad, stride=1)))
        if ref1 is not None:
            out.append(("the windows do not jump: window t starts at t·stride, "
                        "x[..., t*stride : t*stride + K], not at t.", ref1[..., :ref.shape[2]]))
    if left != right:       # first: with a total of 1 it is also "all on one side"
        out.append(("the odd extra element of padding='same' goes on the right, as in torch.",
                    conv_padded(w, lft=right, rgt=left)))
    if left + right:
        msg = ("padding goes on both sides: `padding` on the left and `padding` on the right, not 2·padding on one side."
               if not isinstance(conv.get("padding"), str) else
               "padding='same' goes on both sides: ⌊total/2⌋ on the left, the rest on the right, not all on one side.")
        out += [(msg, conv_padded(w, lft=left + right, rgt=0)), (msg, conv_padded(w, lft=0, rgt=left + right))]
    if b is not None and ref is not None:
        nob = conv_padded(w, None)
        if c["N"] > 1:
            first_only = nob.copy()
            first_only[0] += b[:, None]
            out.append(("the bias is added to the first sample only: add it to every sample.", first_only))
        out.append(("the bias is missing: add bias[o] to every position of output channel o.", nob))
        if c["C_in"] // g > 1:
            out.append(("the bias is added once per input channel: add it once per output, after the sum over "
                        "the input channels.", nob + (c["C_in"] // g) * b[None, :, None]))
        if nob.shape[2] == c["C_out"]:
            out.append(("the bias is added along the length axis: it belongs to the channel axis, "
                        "bias[None, :, None].", nob + b[None, None, :]))
    if mode in ("reflect", "replicate"):
        other = "replicate" if mode == "reflect" else "reflect"
        out.append((f"this looks like padding_mode='{other}', not '{mode}': reflect mirrors without "
                    "repeating the edge (x1 x0 | x0 x1 …), replicate repeats the edge (x0 x0 | x0 x1 …).",
                    conv_padded(w, m=other)))
    if mode == "reflect" and max(left, right) >= 2:
        out.append(("this is np.pad's mode='symmetric', which repeats the edge (x1 x0 | x0 x1 …); torch's 'reflect' "
                    "is np.pad's mode='reflect', which does not (x2 x1 | x0 x1 x2 …).",
                    _try(lambda: torch_conv1d(np.pad(x, ((0, 0), (0, 0), (left, right)), mode="symmetric"),
                                              w, b, **nopad))))
    if mode == "zeros" and left + right and c["N"] * c["C_in"] > 1:
        every = np.pad(x, left if left == right else (left, right))[:c["N"], :c["C_in"]]  # sliced back by loops
        out.append((PAD_EVERY_AXIS, _try(lambda: torch_conv1d(every, w, b, **nopad))))
    if mode != "zeros" and left + right:
        out.append((f"padding_mode='{mode}' was padded with zeros: "
                    + ("circular wraps around: the left pad is the end of the input." if mode == "circular"
                       else f"fill the padding the way '{mode}' says."), conv_padded(w, m="zeros")))
    if d > 1:
        xs = x[..., ::d]
        out.append(("dilation was applied to the input: it spaces the kernel taps "
                    "(x[t·s + k·d]), it does not subsample x.",
                    _try(lambda: torch_conv1d(xs, w, b, **dict(conv, dilation=1)))))
    if g > 1:
        cin_g, cout_g = c["C_in"] // g, c["C_out"] // g

        def reading(group_of):      # output channel o convolved with input group group_of(o)
            return np.concatenate([torch_conv1d(
                padded(x[:, group_of(o) * cin_g:(group_of(o) + 1) * cin_g], left, right, mode),
                w[o:o + 1], None if b is None else b[o:o + 1], **dict(nopad, groups=1))
                for o in range(c["C_out"])], axis=1)
        out.append(("output channel o reads the wrong group of input channels: its group is "
                    "o // (C_out / groups), and group j reads input channels j·C_in/groups … "
                    "(j+1)·C_in/groups − 1.", _try(lambda: reading(lambda o: o % g))))
        if cin_g == 1:
            out.append(("groups ignored: a (C_out, 1, K) weight broadcast over all C_in channels sums every "
                        "channel; with groups each filter reads only the C_in // groups channels of its group.",
                        _try(lambda: torch_conv1d(padded(x, left, right, mode), np.repeat(w, c["C_in"], axis=1),
                                                  b, **dict(nopad, groups=1)))))
        out.append(("every output channel reads the first group of input channels: "
                    "output channel o belongs to group o // (C_out / groups).", _try(lambda: reading(lambda o: 0))))
    return [(h, v) for h, v in out if v is not None]


def _try(f):
    try:
        return f()
    except Exception:
        return None


def _hint_values(c, x, w, b, y):
    c = dict(c)
    if x.ndim == 2:         # unbatched: the same mistakes, on a batch of one
        x, y, c["N"] = x[None], y[None], 1
    y64 = y.astype(np.float64)
    for hint, v in _variants(c, x, w, b):
        if v.shape == y64.shape and np.all(np.abs(v - y64) <= _tolerance(c, v)):
            return hint
    return ""


# ----------------------------------------------------------------------------- notebook 08: the backward pass
# (Appended to autograder/notebook/check.py: it uses that file's make_data, expected_output, torch_conv1d,
# run_student, _Forbidden, CheckFailed, ForbiddenRoutine's guard, _where, _tolerance, _hint_values, _pad_amounts,
# _plain and _SECRET; the notebook's test cells use case and random_cases as before.)
#
# The student's layer has a method backward(dy) -> (dx, dw, db): the gradients of a loss L with respect to
# the input, the weight and the bias of its last forward, given dy = dL/dy. They are checked against
# torch.autograd, on the same numbers.



GRADS = ("dx", "dw", "db")
GRAD_OF = {"dx": "x.grad (dL/dx)", "dw": "weight.grad (dL/dw)", "db": "bias.grad (dL/db)"}


def make_dy(c):
    """The output gradient dy = dL/dy of case `c`: the shape of torch's output, the case's dtype, drawn from
    a seeded generator of its own (the grading secret mixed in, as every draw). For a worked-example case,
    as the worked example draws it: torch.manual_seed(666), the input, the layer, then
    torch.randn(output shape)."""
    if c.get("worked_example"):
        return _worked_example_data(c, dy=True)[3]
    shape = expected_output(c).shape
    rng = _data_rng(c["seed"], 8)
    return rng.standard_normal(shape).astype(np.dtype(c["dtype"]))


def torch_conv1d_grads(x, w, b, dy, **conv):
    """The reference: (dx, dw, db) of torch.nn.Conv1d with these weights, by torch.autograd in float64, for
    the loss L = Σ y·dy (so that dL/dy = dy). db is None without a bias."""
    conv = dict(conv, bias=b is not None)
    layer = torch.nn.Conv1d(x.shape[-2], w.shape[0], w.shape[2], dtype=torch.float64, **conv)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.asarray(w, np.float64)))
        if b is not None:
            layer.bias.copy_(torch.from_numpy(np.asarray(b, np.float64)))
    xt = torch.from_numpy(np.array(x, np.float64)).requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer(xt).backward(torch.from_numpy(np.asarray(dy, np.float64)))
    return (xt.grad.numpy(), layer.weight.grad.numpy(),
            None if b is None else layer.bias.grad.numpy())


def expected_grads(c):
    x, w, b = make_data(c)
    return torch_conv1d_grads(x, w, b, make_dy(c), **c["conv"])


def _grad_tolerance(c, want, terms):
    """As _tolerance, for a gradient whose every element sums `terms` products."""
    scale = 1 + np.abs(want)
    return (1e-4 if c["dtype"] == "float32" else 1e-8) * scale * max(1, terms) ** 0.5


def _terms(c, dy_shape):
    """How many products each element of dx, dw, db sums (for the tolerance)."""
    g = c["conv"].get("groups", 1)
    N, L_out = (1, dy_shape[-1]) if len(dy_shape) == 2 else (dy_shape[0], dy_shape[2])
    return {"dx": c["C_out"] // g * c["K"] * 2, "dw": N * L_out, "db": N * L_out}


def _sanitised(err, where):
    said = str(err)
    if where.startswith("hidden"):      # a hidden input must not leave through a message
        said = re.sub(r"-?\d+\.\d+(e-?\d+)?", "…", said)[:160]
    return said


def run_backward(Conv1d, c, x, w, b, dy, where):
    """Build the student's layer for case `c`, run forward(x) (it must be torch's: the gradients are
    checked on a right forward), then backward(dy). Returns the (dx, dw, db) it gave, as arrays or None."""
    layer, y = run_student(Conv1d, c, x, w, b, where=where)
    want_y = torch_conv1d(x, w, b, **c["conv"])
    if y.shape != want_y.shape or not np.all(np.abs(y.astype(np.float64) - want_y) <= _tolerance(c, want_y)):
        raise CheckFailed(f"{where}: your forward's output is not torch's (the forward test says where); the "
                          "gradients are checked on a right forward, so make that pass first.",
                          (_hint_values(c, x, w, b, y) if y.shape == want_y.shape else ""))
    with _Forbidden():
        try:
            backward = layer.backward
        except AttributeError as e:
            raise CheckFailed(f"{where}: your Conv1d has no method backward(dy). Add it to the class: it returns "
                              "(dx, dw, db), the gradients of the last forward's input, weight and bias.") from e
        try:
            got, err = backward(dy.copy()), None
        except CheckFailed:
            raise
        except Exception as e:
            err = e
    if isinstance(err, NotImplementedError):
        raise CheckFailed(f"{where}: your backward still raises NotImplementedError, the stub's: write it in the "
                          "answer cell in place of `raise NotImplementedError()`.") from err
    if err is not None:
        said = _sanitised(err, where)
        raise CheckFailed(f"{where}: your backward raised {type(err).__name__}"
                          f"{': ' + said if said else ' (with no message)'}\n"
                          f"  torch's gradients have shapes dx {np.shape(x)}, dw {np.shape(w)}, db "
                          f"{None if b is None else np.shape(b)}; dy has shape {dy.shape}.",
                          _hint_backward_error(c, err, b)) from err
    if got is None:
        raise CheckFailed(f"{where}: backward returned None. Did you forget `return dx, dw, db`?")
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise CheckFailed(f"{where}: backward should return three things, (dx, dw, db); yours returned "
                          f"{type(got).__name__}{' of length ' + str(len(got)) if isinstance(got, (tuple, list)) else ''}.")
    return tuple(None if g is None else np.asarray(g) for g in got)


class _torch_threads:
    """torch on `n` threads while a check computes its references: on a busy machine a small convolution on
    several threads waits for the slowest (the judge's process runs on one thread throughout)."""

    def __init__(self, n=1):
        self.n = n

    def __enter__(self):
        self.before = torch.get_num_threads()
        torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        torch.set_num_threads(self.before)
        return False


def check_backward(Conv1d, cases, hidden=False, grads=GRADS):
    """For each case: the student's layer runs forward(x), then backward(dy) with dy from make_dy, and
    returns (dx, dw, db). Those named in `grads` must equal torch.autograd's x.grad, weight.grad and
    bias.grad for the loss L = Σ y·dy (db is None without a bias). The others are not looked at: they may
    be None while the student works on them."""
    with _torch_threads(1):
        for i, c in enumerate(cases):
            where = _where(c, i, hidden)
            x, w, b = make_data(c)
            dy = make_dy(c)
            want = dict(zip(GRADS, torch_conv1d_grads(x, w, b, dy, **c["conv"])))
            got = dict(zip(GRADS, run_backward(Conv1d, c, x, w, b, dy, where)))
            for name in ("db", "dw", "dx"):     # the order the notebook teaches them
                if name in grads:
                    _compare_grad(name, c, where, hidden, want[name], got[name], x, w, b, dy)
    print(f"✓ {', '.join(g for g in GRADS if g in grads)} match torch.autograd: {len(cases)} configurations")


def _compare_grad(name, c, where, hidden, want, got, x, w, b, dy):
    if name == "db" and want is None:
        if got is not None:
            raise CheckFailed(f"{where}: this layer has no bias (bias=False, self.bias is None), so there is no "
                              f"bias gradient: return None for db; yours has shape {got.shape}.",
                              "with bias=False, self.bias is None: return None for db, as torch leaves "
                              "bias.grad out.")
        return
    if got is None:
        raise CheckFailed(f"{where}: {name} is None; torch's {GRAD_OF[name]} has shape {want.shape}.",
                          "db is None only when self.bias is None; this layer has a bias." if name == "db" else None)
    if got.shape != want.shape:
        raise CheckFailed(f"{where}: {name} should have shape {want.shape}, like torch's {GRAD_OF[name]}; yours "
                          f"has {got.shape}.", _hint_grad_shape(name, c, want.shape, got.shape, dy.shape))
    if not np.issubdtype(got.dtype, np.number) or np.issubdtype(got.dtype, np.complexfloating):
        raise CheckFailed(f"{where}: {name} should hold real numbers, not {got.dtype}.")
    err = np.abs(got.astype(np.float64) - want)
    tol = _grad_tolerance(c, want, _terms(c, dy.shape)[name])
    if np.all(err <= tol):      # NaN fails
        return
    worst = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
    msg = (f"{where}: {name} differs from torch's {GRAD_OF[name]}. Largest difference {err[worst]:.3g} at "
           f"{name} index {tuple(int(j) for j in worst)}"
           + ("." if hidden else f" (expected {want[worst]:.6g}, got {got[worst]:.6g})."))
    if not hidden:
        row = "[" + ", ".join(str(int(j)) for j in worst[:-1]) + "]" if len(worst) > 1 else ""
        pick = worst[:-1] if len(worst) > 1 else slice(None)
        msg += (f"\n  expected{row} = {np.array2string(want[pick], precision=4)}"
                f"\n  got{row}{' ' * 6} = {np.array2string(got[pick].astype(np.float64), precision=4)}")
    raise CheckFailed(msg, _hint_grad_values(name, c, x, w, b, dy, got))


# ----------------------------------------------------------------------------- the backward's classic mistakes
NP_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap", "symmetric": "symmetric"}


def pad_index(L, left, right, mode):
    """Where each position of the padded input comes from: x_pad[..., j] = x[..., index[j]], or 0 where
    index[j] is -1 (zero padding). The backward of the padding adds dx_pad[..., j] into dx[..., index[j]]."""
    if mode == "zeros":
        return np.concatenate([np.full(left, -1), np.arange(L), np.full(right, -1)]).astype(int)
    return np.pad(np.arange(L), (left, right), mode=NP_PAD_MODES[mode])


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
            if "scatter" in last_write:      # one buffered write over the (t, k) grid: a repeated position keeps its last
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
                "g = o // (C_out/groups), sends its gradient back to input channels g·C_in/groups … (g+1)·C_in/groups − 1.")
    if isinstance(err, (ValueError, IndexError)) and conv.get("stride", 1) > 1:
        return ("dy has L_out positions; position t goes back to x_pad[..., t·stride + k·dilation], the "
                "window that starts at t·stride.")
    if isinstance(err, (ValueError, IndexError)) and conv.get("padding_mode", "zeros") != "zeros":
        return ("fold the gradient of the padding back with the index map of the forward's padding: "
                "index = np.pad(np.arange(L_in), (left, right), mode=...), np.add.at(dx, (slice(None), slice(None), "
                "index), dx_pad).")
    return ""


# ----------------------------------------------------------------------------- the numerical gradient
def check_numerical_gradients(numerical_gradients, Conv1d, cases, hidden=False):
    """numerical_gradients(layer, x, dy) -> (dx, dw, db): central differences of L = Σ layer(x)·dy, each
    element of x, layer.weight and layer.bias moved by ±eps in turn (db None without a bias), must equal
    torch.autograd's gradients (within 1e-5, relative) on the student's own layer, whose forward must be
    torch's. Cases in float64."""
    with _torch_threads(1):
        for i, c in enumerate(cases):
            where = _where(c, i, hidden)
            x, w, b = make_data(c)
            dy = make_dy(c)
            want = dict(zip(GRADS, torch_conv1d_grads(x, w, b, dy, **c["conv"])))
            layer, y = run_student(Conv1d, c, x, w, b, where=where)
            want_y = torch_conv1d(x, w, b, **c["conv"])
            if y.shape != want_y.shape or not np.all(np.abs(y.astype(np.float64) - want_y) <= _tolerance(c, want_y)):
                raise CheckFailed(f"{where}: your Conv1d's forward is not torch's yet, so its numerical gradients cannot be "
                                  "torch's either: make the forward test pass first.")
            with _Forbidden():
                try:
                    layer.backward = None       # numerical gradients come from the forward alone
                except Exception:
                    pass
                try:
                    got, err = numerical_gradients(layer, x.copy(), dy.copy()), None
                except CheckFailed:
                    raise
                except Exception as e:
                    err = e
            if isinstance(err, NotImplementedError):
                raise CheckFailed(f"{where}: numerical_gradients still raises NotImplementedError, the stub's.") from err
            if err is not None:
                said = _sanitised(err, where)
                hint = ("numerical gradients use the forward alone, (L(θ + eps) − L(θ − eps)) / (2·eps); "
                        "they check a backward, so they must not call it." if isinstance(err, TypeError)
                        and "NoneType" in _said(err) and "callable" in _said(err) else "")
                raise CheckFailed(f"{where}: numerical_gradients raised {type(err).__name__}"
                                  f"{': ' + said if said else ' (with no message)'}", hint) from err
            for name, before in (("weight", w), ("bias", b)):
                after = getattr(layer, name, None)
                if before is not None and (after is None or np.shape(after) != before.shape or not np.all(
                        np.abs(np.asarray(after, np.float64) - before) <= 1e-9 * (1 + np.abs(before)))):
                    raise CheckFailed(f"{where}: after numerical_gradients, layer.{name} is not what it was: put "
                                      "each element back after its two nudges (θ + eps, θ − eps, then θ).")
            if not isinstance(got, (tuple, list)) or len(got) != 3:
                raise CheckFailed(f"{where}: numerical_gradients should return (dx, dw, db); yours returned "
                                  f"{type(got).__name__}.")
            for name, g in zip(GRADS, got):
                g = None if g is None else np.asarray(g)
                if want[name] is None or g is None:
                    if (want[name] is None) != (g is None):
                        raise CheckFailed(f"{where}: {name} is {'None' if g is None else 'an array'}; "
                                          + ("the layer has no bias: return None for db." if want[name] is None else
                                             f"torch's has shape {want[name].shape}."))
                    continue
                if g.shape != want[name].shape:
                    raise CheckFailed(f"{where}: numerical {name} should have shape {want[name].shape}; yours has {g.shape}.")
                err = np.abs(g.astype(np.float64) - want[name])
                if not np.all(err <= 1e-5 * (1 + np.abs(want[name]))):
                    worst = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
                    raise CheckFailed(f"{where}: numerical {name} differs from torch's {GRAD_OF[name]}. Largest "
                                      f"difference {err[worst]:.3g} at {name} index {tuple(int(j) for j in worst)}"
                                      + ("." if hidden else f" (expected {want[name][worst]:.6g}, got {g[worst]:.6g})."),
                                      _hint_numerical(c, x, w, b, dy, name, g, want[name]))
    print(f"✓ numerical gradients (central differences) match torch.autograd: {len(cases)} configurations")


def _hint_numerical(c, x, w, b, dy, name, got, want):
    g = got.astype(np.float64)
    close = lambda v: v.shape == g.shape and np.all(np.abs(g - v) <= 1e-5 * (1 + np.abs(v)))
    if close(want / 2):
        return ("half the gradient: a central difference spans 2·eps, "
                "(L(θ + eps) − L(θ − eps)) / (2·eps).")
    if close(want * 2):
        return "twice the gradient: divide (L(θ + eps) − L(θ − eps)) by 2·eps, not by eps."
    if np.allclose(g, 0) and not np.allclose(want, 0):
        return ("all zeros: the nudge never reached the layer. Change the array the layer reads in place "
                "(x[idx] += eps, layer.weight[idx] += eps, not a copy of it), call the layer, then put the value back.")
    ones = dict(zip(GRADS, torch_conv1d_grads(x, w, b, np.ones_like(dy), **c["conv"])))[name]
    if ones is not None and close(ones):
        return ("the loss is L = Σ layer(x)·dy (np.sum(layer(x) * dy)), whose gradient is what backward "
                "computes; Σ layer(x) is the loss of dy = 1.")
    return ""
