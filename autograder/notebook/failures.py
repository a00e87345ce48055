"""What a failed check raises, and how the checks read what the student's code raised.
"""
import re

FORBIDDEN_HINT = ("The exercise is to compute the convolution (and, in notebook 08, its gradients) yourself with "
                  "NumPy; library routines that do it for you score zero.")


class CheckFailed(AssertionError):
    """A check found a difference between the student's answer and torch: `message` says what and where,
    `hint` (or None) names the mistake that gives it. Printed as the message, then "Hint: ..." on a line of
    its own; the grader keeps the hint apart, as data (never read back out of a message)."""

    def __init__(self, message, hint=None):
        super().__init__(message, hint)
        self.message, self.hint = str(message), hint or None

    def __str__(self):
        return self.message + (f"\n  Hint: {self.hint}" if self.hint else "")


class ForbiddenRoutine(CheckFailed):
    pass


STUB_HINT = ("your answer still raises NotImplementedError, the stub's: write your code in the answer cell in place of "
             "`raise NotImplementedError()` (a class written in another cell is not graded).")


def _said(err):
    """What an exception raised by the student's code says, for the checks to read. The grader withholds
    it from str() in hidden cases (it must not reach the student) and keeps it as `conv1d_message`."""
    return getattr(err, "conv1d_message", None) or str(err)


def _sanitised(err, where):
    """What the student's exception says, for a message about case `where`: in a hidden case the numbers
    are masked and the text cut short (a hidden input must not leave through a message)."""
    said = str(err)
    if where.startswith("hidden"):      # a hidden input must not leave through a message
        said = re.sub(r"-?\d+\.\d+(e-?\d+)?", "…", said)[:160]
    return said
