"""Predict-then-verify answers: a number or shape the student worked out, compared with torch's.
"""
import numpy as np

from .failures import CheckFailed
from .language import tr


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
        hint = next((h for v, h in (mistakes or {}).items() if value == v), None)
        raise CheckFailed(tr("`{name}` is {got!r}; that is not what torch gives. Work it out again from the formula "
                             "above, then run the cell below it to compare.", name=name, got=got), hint)
    print(tr("✓ {name} = {want!r}{note}", name=name, want=want, note=""))
