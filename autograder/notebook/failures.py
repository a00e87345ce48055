"""What a failed check raises, and how the checks read what the student's code raised.
"""
import re

from .language import tr


def _forbidden_hint():
    """Why a library routine that computes the convolution may not be called (in the current language)."""
    return tr("The exercise is to compute the convolution (and, in notebook 08, its gradients) yourself with "
              "NumPy; library routines that do it for you score zero.")


FORBIDDEN_HINT = _forbidden_hint()      # English, as the grader's reports said it; a message calls _forbidden_hint()


def _with_hint(message, hint):
    """A failed check's message as it is printed: the message, then the hint (if any) on a line of its own."""
    return message + (tr("\n  Hint: {hint}", hint=hint) if hint else "")


class CheckFailed(AssertionError):
    """A check found a difference between the student's answer and torch: `message` says what and where,
    `hint` (or None) names the mistake that gives it. Printed as the message, then "Hint: ..." on a line of
    its own; the grader keeps the hint apart, as data (never read back out of a message). `where`: the label
    of the case the message is about (cases._Label, whose `hidden` says whether it is a hidden case's), or
    None. Printed in the language it was raised in."""

    def __init__(self, message, hint=None, where=None):
        super().__init__(message, hint)
        self.message, self.hint, self.where = str(message), hint or None, where
        self._printed = _with_hint(self.message, self.hint)

    def __str__(self):
        return self._printed


class ForbiddenRoutine(CheckFailed):
    pass


def _stub_hint():
    """What an answer that still raises the stub's NotImplementedError is told (in the current language)."""
    return tr("your answer still raises NotImplementedError, the stub's: write your code in the answer cell in place "
              "of `raise NotImplementedError()` (a class written in another cell is not graded).")


def _stub_failed(where):
    """The CheckFailed of an answer that still raises the stub's NotImplementedError in case `where`."""
    return CheckFailed(tr("{where}: {stub}", where=where, stub=_stub_hint()), where=where)


def _said(err):
    """What an exception raised by the student's code says, for the checks to read. The grader withholds
    it from str() in hidden cases (it must not reach the student) and keeps it as `conv1d_message`."""
    return getattr(err, "conv1d_message", None) or str(err)


def _sanitised(err, where):
    """What the student's exception says, for a message about case `where` (a cases._Label): in a hidden case
    the numbers are masked and the text cut short (a hidden input must not leave through a message)."""
    said = str(err)
    if getattr(where, "hidden", False):     # a hidden input must not leave through a message
        said = re.sub(r"-?\d+\.\d+(e-?\d+)?", "…", said)[:160]
    return said
