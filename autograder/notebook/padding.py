"""Padding arithmetic, shared by the checks and the explorer: how much torch pads on each side, and where
each padded position comes from. NumPy only.

Symbols as in the glossary: K the kernel size, d the dilation; a layer's span is d·(K − 1) + 1 positions.
"""
import numpy as np

# torch's padding modes, and the np.pad mode that pads the same way ('symmetric' is np.pad's own: the
# mistake the backward's hints name, never a torch mode).
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
NP_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap",
                "symmetric": "symmetric"}


def _one(v):
    """torch's 1-tuple form of an int parameter, (3,), read as the int."""
    return v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else v


def _plain(conv):
    """conv with every 1-tuple read as its int (the hints reason about ints)."""
    return {k: _one(v) for k, v in conv.items()}


def padding_amounts(kernel_size, padding, dilation=1):
    """(left, right): the positions torch adds on each side for `padding` (an int, 'same' or 'valid').
    'same' pads d·(K − 1) in all and puts the odd one on the right, as torch does."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        total = dilation * (kernel_size - 1)
        return total // 2, total - total // 2
    return padding, padding


def _pad_amounts(c):
    """(left, right) padding that torch applies for case `c` (a dict of the checks' cases)."""
    return padding_amounts(c["K"], _one(c["conv"].get("padding", 0)), _one(c["conv"].get("dilation", 1)))


def pads_fit(L, left, right, mode):
    """Whether torch pads an input of length L so: 'reflect' mirrors at most L − 1 positions per side,
    'circular' wraps at most L (once around)."""
    limit = {"reflect": L - 1, "circular": L}.get(mode)
    return limit is None or max(left, right) <= limit


def pad_index(L, left, right, mode):
    """Where each position of the padded input comes from, shape (L + left + right,): x_pad[..., j] =
    x[..., index[j]], or 0 where index[j] is -1 (zero padding). The backward of the padding adds
    dx_pad[..., j] into dx[..., index[j]]."""
    if mode == "zeros":
        return np.concatenate([np.full(left, -1), np.arange(L), np.full(right, -1)]).astype(int)
    return np.pad(np.arange(L), (left, right), mode=NP_PAD_MODES[mode])
