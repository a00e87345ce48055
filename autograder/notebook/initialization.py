"""The default initialisation: weights and bias drawn like torch's, U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
import math

import numpy as np

from .failures import CheckFailed
from .padding import _one
from .student import _construct, _Forbidden


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
    print(f"✓ default init: {', '.join(n for n, _ in named)} ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), "
          f"fan_in = {C_in // conv.get('groups', 1) * K}")


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
                (1 / math.sqrt(C_in // groups),
                 "fan_in leaves out the kernel: it is C_in/groups · K, every tap counts."),
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
