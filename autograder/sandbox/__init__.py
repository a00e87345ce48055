"""Runs in the grading process and in the sandboxed processes it starts (kernel, zygote, answers).

The security boundary: the judge, the answer process and the confinement of student code."""
