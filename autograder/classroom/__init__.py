"""Runs in the instructor's commands (grade and its workers, gradebook, report, export, collect): a class.

Grading a class: the parallel grader, the demo, the submission format, throwaway course folders."""
