"""Runs in the export command and in Gradescope's container (run_autograder): grading on Gradescope.

The course's own judge on Gradescope: the autograder zip (export.py), what runs in Gradescope's container for
each submission (run.py) and the results.json it writes (results.py). README, "Gradescope".
"""
