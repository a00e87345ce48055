"""The security boundary: the judge, the answer process and the confinement of student code."""
