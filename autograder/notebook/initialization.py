"""The default initialisation: weights and bias drawn like torch's, U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
import math

import numpy as np

from .failures import CheckFailed
from .language import tr
from .padding import _one
from .student import _construct, _Forbidden


def check_default_init(Conv1d, C_in=64, C_out=64, K=5, dtype=None, **conv):
    """Default weights (and bias) look like torch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = C_in // groups * K. Checked statistically: range, mean, spread and a KS distance.
    dtype="float32": the parameters also have torch's dtype."""
    with _Forbidden():
        layer = _construct(Conv1d, (C_in, C_out, K), conv, tr("default init"))
    if dtype is not None:
        for name in ("weight", "bias"):
            value = getattr(layer, name, None)
            if value is not None and np.asarray(value).dtype != np.dtype(dtype):
                raise CheckFailed(tr("default {name}: dtype {got}; torch's parameters are {dtype} "
                                     "(np.random.uniform(...).astype(np.{dtype})).", name=name,
                                     got=np.asarray(value).dtype, dtype=dtype))
    K = _one(K)
    bound = 1 / math.sqrt(C_in // conv.get("groups", 1) * K)
    for name, want in (("weight", (C_out, C_in // conv.get("groups", 1), K)), ("bias", (C_out,))):
        value = getattr(layer, name, None)      # the shape first: nothing bigger is ever converted
        if value is not None and tuple(np.shape(value)) != want:
            raise CheckFailed(tr("default {name}: shape {got}; torch's is {want}.", name=name,
                                 got=tuple(np.shape(value)), want=want))
    if conv.get("bias", True) and getattr(layer, "bias", None) is None:
        raise CheckFailed(tr("default bias: bias=True but self.bias is None; draw it from U(-bound, bound)."))
    named = [("weight", np.asarray(layer.weight, np.float64))]
    if conv.get("bias", True) and getattr(layer, "bias", None) is not None:
        named.append(("bias", np.asarray(layer.bias, np.float64)))
    def again(name, C_in2, C_out2, K2):     # the same parameter of another layer (the hints' probe)
        try:
            with _Forbidden():
                other = Conv1d(C_in2, C_out2, K2, **conv)
            return np.asarray(getattr(other, name), np.float64).ravel()
        except Exception:
            return None
    for name, v in named:
        v = v.ravel()
        probe = (lambda *sizes, name=name: again(name, *sizes)), C_out
        n = v.size
        if np.any(np.abs(v) > bound * (1 + 1e-6)):
            raise CheckFailed(tr("default {name}: values reach {top:.4g}, beyond the bound 1/sqrt(fan_in) = "
                                 "{bound:.4g} (fan_in = C_in/groups · K).", name=name, top=np.abs(v).max(),
                                 bound=bound),
                              _hint_init(v, C_in, K, conv.get("groups", 1), probe))
        if np.allclose(v, v[0]):
            raise CheckFailed(tr("default {name}: all values are {value:.4g}; torch draws them at random.",
                                 name=name, value=v[0]))
        # Kolmogorov-Smirnov distance to U(-bound, bound). 2.7/sqrt(n) is the critical value at
        # p = 1e-6, so a correct random init fails about once in a million runs.
        ks = _ks_uniform(v, -bound, bound)
        if ks > 2.7 / math.sqrt(n):
            raise CheckFailed(tr("default {name}: values are not spread like U(-{bound:.4g}, {bound:.4g}) (KS "
                                 "distance {ks:.3f} > {critical:.3f}; mean {mean:.3g}, std {std:.3g}, expected std "
                                 "{expected:.3g}).", name=name, bound=bound, ks=ks, critical=2.7 / math.sqrt(n),
                                 mean=v.mean(), std=v.std(), expected=bound / math.sqrt(3)),
                              _hint_init(v, C_in, K, conv.get("groups", 1), probe))
    print(tr("✓ default init: {names} ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = {fan_in}",
             names=", ".join(n for n, _ in named), fan_in=C_in // conv.get("groups", 1) * K))


def _ks_uniform(v, low, high):
    """Kolmogorov-Smirnov distance of the sample v to U(low, high)."""
    n = v.size
    cdf = np.clip((np.sort(v) - low) / (high - low), 0, 1)
    return np.max(np.maximum(np.arange(1, n + 1) / n - cdf, cdf - np.arange(n) / n))


def _hint_init(v, C_in, K, groups, probe=None):
    """Name the initialisation `v` was drawn with, when it is a common mistake's: the uniform bound of
    another fan_in, a bound without the square root, or U(0, 1). A bound is named only when the values of
    another layer (`probe` = (values(C_in, C_out, K), C_out), with more channels and taps) are drawn with
    that mistake's bound too: one draw of a few dozen values does not tell bounds 10 % apart."""
    mistakes = [(lambda C, K_: 1 / math.sqrt(C * K_), lambda C, K_: tr(
                    "fan_in ignores groups: with groups={groups} each output sums over C_in/groups · K = {fan_in} "
                    "inputs, not C_in · K = {wrong}.", groups=groups, fan_in=C // groups * K_, wrong=C * K_)),
                (lambda C, K_: 1 / math.sqrt(C // groups),
                 lambda C, K_: tr("fan_in leaves out the kernel: it is C_in/groups · K, every tap counts.")),
                (lambda C, K_: 1 / math.sqrt(K_),
                 lambda C, K_: tr("fan_in leaves out the channels: it is C_in/groups · K.")),
                (lambda C, K_: 1 / (C // groups * K_),
                 lambda C, K_: tr("the bound is 1/sqrt(fan_in), not 1/fan_in.")),
                (lambda C, K_: math.sqrt(6 / (C // groups * K_)),
                 lambda C, K_: tr("that is He (kaiming) init with a = 0, sqrt(6/fan_in); torch's Conv1d uses "
                                  "a = sqrt(5), which gives 1/sqrt(fan_in)."))]

    def drawn_with(values, bound):      # within the bound, its largest value near it, spread like U(-bound, bound)
        n = values.size
        return (np.all(np.abs(values) <= bound * (1 + 1e-6)) and np.abs(values).max() >= bound * (1 - 8 / n)
                and _ks_uniform(values, -bound, bound) <= 2.7 / math.sqrt(n))
    other = None
    if probe is not None:
        values_of, C_out = probe
        sizes = (2 * C_in, 4 * C_out, K + 2)
        other = values_of(*sizes)
    for bound, hint in mistakes:
        if groups == 1 and bound is mistakes[0][0]:
            continue
        if not drawn_with(v, bound(C_in, K)):
            continue
        if probe is not None and (other is None or not drawn_with(other, bound(sizes[0], sizes[2]))):
            continue
        return hint(C_in, K)
    if np.all(v >= 0) and _ks_uniform(v, 0, 1) <= 2.7 / math.sqrt(v.size):
        return tr("np.random.rand draws from U(0, 1): scale it, bound · (2·rand − 1), or use "
                  "np.random.uniform(-bound, bound, shape).")
    return ""
