"""Runs in the grade, report and export commands and in `nbgrader generate_feedback`: student-made text, printable.

Every process that prints or logs what students made uses it: such text made safe for one line of a
terminal or a log. File and folder names, messages from a student's code, flags: none of them may forge
a line of a summary or rewrite an instructor's screen. One rule for all of them (the class grader's), in
a module that imports nothing, so that a preprocessor and the grade command share it without importing
each other.
"""


def printable(text):
    """`text` with every character a terminal would act on (escape sequences, newlines, other control
    characters) written as its escape (\\x1b, \\n): what students made (file and folder names, messages
    from their code, flags) can neither forge a line of the summary nor rewrite the screen."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text))
