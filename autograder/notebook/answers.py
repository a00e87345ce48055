"""Predict-then-verify answers: a number or shape the student worked out, compared with torch's.
"""
import numpy as np

from .failures import CheckFailed
from .language import tr, tr_text


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
        note = "" if type(got) is tuple else tr(" (torch gives a tuple; yours was a {type})", type=type(got).__name__)
        print(tr("✓ {name} = {want!r}{note}", name=name, want=want, note=note))
        return
    if isinstance(want, int) and not isinstance(want, bool) and not sequence and value == want and whole:
        note = "" if type(got) is int else tr(" (torch gives the int {want}; `//` keeps a division whole)", want=want)
        print(tr("✓ {name} = {want!r}{note}", name=name, want=want, note=note))
        return
    if got is None or type(got) is not type(want) or got != want:
        hint = next((tr_text(h) for v, h in (mistakes or {}).items() if value == v), None)
        raise CheckFailed(tr("`{name}` is {got!r}; that is not what torch gives. Work it out again from the formula "
                             "above, then run the cell below it to compare.", name=name, got=got), hint)
    print(tr("✓ {name} = {want!r}{note}", name=name, want=want, note=""))


def _predict_hints():
    """The hints of the predict cells' `mistakes=` (the test cells of solutions/, English in both editions), as
    tr() templates: so they are messages of this module, translated in its catalogue, and check_answer shows
    them in the notebook's language (tr_text). Never called; tests/test_messages_zh_predictions.py checks that every
    hint of a test cell is here."""
    return [
        # 01
        tr("each output needs a whole window of K = 5 inputs inside x, so the length shrinks by K − 1: "
           "L_out = L_in − K + 1."),
        # 03
        tr("the padding is missing: padding=3 adds 3 values on each side, L_in + 2·3 before the windows slide."),
        # 04
        tr("the receptive field counts the output's own position too: 1 + (K − 1)·Σ d_l."),
        tr("each layer adds (K − 1)·d positions, not K·d: the span of a layer is d·(K − 1) + 1."),
        tr("16 is the K = 2 stack above; here K = 3, so each layer adds (K − 1)·d = 2·d positions."),
        tr("the spans do not simply add: each layer adds (K − 1)·d new positions to what it reads, so the stack "
           "sees 1 + (K − 1)·Σ d_l."),
        tr("each layer adds (K − 1)·d_l positions, not d_l: 1 + (K − 1)·Σ d_l."),
        tr("the dilations add up: layer l adds (K − 1)·d_l, so the sum is over the dilations, not the number of "
           "layers."),
        tr("the receptive field grows by adding, not multiplying: each layer adds (K − 1)·d_l positions to what the "
           "layer below sees, so the stack sees 1 + (K − 1)·Σ d_l."),
        # 05
        tr("with groups=3 each filter reads only the C_in // groups = 2 channels of its group, not all 6."),
        tr("groups is the number of groups, not the number of channels in each: each group has 6 // 3 = 2."),
        # 06
        tr("with groups=2 each filter covers C_in/G = 3 channels: the weight is (4, 3, 3)."),
        tr("bias=True is the default: C_out = 4 more parameters, one per output channel."),
        # 08
        tr("db[o] sums dy over every sample as well as every position: N · L_out, here with N = 4."),
        tr("dy has one element per output position, L_out of them, not one per input position (L_in = 50)."),
        tr("L_out rounds down, ⌊(L_in + 2p − K)/s⌋ + 1: a last window that does not fit is dropped."),
    ]
