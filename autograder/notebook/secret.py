"""Grading secret and seeds: every number a check draws comes from a generator seeded here.

In a notebook the seeds are as written. The grader mixes in a private secret (so hidden inputs cannot be
worked out from the public repository) and, for an input's numbers, the submission's own salt.
"""
import hashlib

import numpy as np

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
