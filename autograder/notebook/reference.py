"""torch's answers: a case's numbers, the output and gradients of torch.nn.Conv1d, and the tolerances.

Every reference is computed in float64 with the case's weights loaded into torch.nn.Conv1d.
"""
import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from .secret import _data_rng


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


def output_shape(x_shape, **conv):
    """The shape torch.nn.Conv1d(**conv) gives for an input of x_shape (computed by torch)."""
    layer = torch.nn.Conv1d(**conv)
    with torch.no_grad():
        return tuple(layer(torch.zeros(x_shape)).shape)


def _tolerance(c, want):
    scale = 1 + np.abs(want)
    return (1e-4 if c["dtype"] == "float32" else 1e-8) * scale * max(1, c["C_in"] * c["K"]) ** 0.5


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
