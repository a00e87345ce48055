"""Runs in nbgrader's processes (autograde: the grading process; generate_feedback): the course's preprocessors.

The course's nbgrader preprocessors, one per module as nbgrader lays out its own, listed in
autograder/nbgrader_config.py as `autograder.preprocessors.<Name>`. Each is imported when first named, so
the light cell predicates (cells.py) do not bring in a kernel client."""
import importlib

_HOME = {"Execute": "execute", "Judge": "judge", "RestoreMetadata": "restoremetadata",
         "AddMissingCells": "addmissingcells", "SanitizeOutputs": "sanitizeoutputs",
         "DropForeignMetadata": "dropforeignmetadata", "ExtraCredit": "extracredit", "FeedbackPage": "feedbackpage"}
__all__ = sorted(_HOME)


def __getattr__(name):
    if name in _HOME:
        return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
