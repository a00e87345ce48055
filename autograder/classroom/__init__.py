"""Grading a class: the parallel grader, the demo, the submission format, throwaway course folders."""
