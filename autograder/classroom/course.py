"""Runs in the demo's, the tests' and the tools' own processes: a throwaway nbgrader course folder.

A throwaway nbgrader course folder, driven by nbgrader's own command line (its ENV, nbgrader's environment,
is also the gradebook and grade commands').

The demo and the tests grade submissions exactly as an instructor would at the course root
(`nbgrader generate_assignment`, `autograde`, `generate_feedback`, `export`), but in a folder of
their own so they never touch the instructor's gradebook.
"""
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from ..build.release import ROOT, SOLUTIONS, notebook_path
from .courseroot import write_config

BIN = Path(sys.executable).parent
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")   # nbgrader calls `alembic`


class Course:
    def __init__(self, root, assignments, db_url=None):
        self.root = Path(root).resolve()
        self.assignments = list(assignments)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or f"sqlite:///{self.root / 'gradebook.db'}"
        write_config(self.root, db_url)
        for a in self.assignments:
            dest = self.root / "solutions" / a
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(SOLUTIONS / a, dest)

    def nbgrader(self, *args, check=True, env=None):
        return subprocess.run([str(BIN / "nbgrader"), *args, "--log-level=WARN"], cwd=self.root,
                              env=dict(ENV, **(env or {})), check=check, capture_output=True, text=True)

    def release(self):
        """nbgrader generate_assignment for every assignment of this course, in one run."""
        self.nbgrader("generate_assignment", "*", "--force")

    def released(self, assignment):
        return nbformat.read(notebook_path(assignment, self.root / "notebooks"), as_version=4)

    def submit(self, submission, released=None):
        """Write a submission (autograder.classroom.submissions.Submission) into submitted/: its edits to the
        released student notebook, or to the notebook `released` (another edition's)."""
        nb = submission.apply(released or self.released(submission.assignment))
        path = self.root / "submitted" / submission.student / submission.assignment / f"{submission.assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    def autograde(self, assignment, *extra, env=None):
        return self.nbgrader("autograde", assignment, "--force", *extra, check=False, env=env)

    def grade_parallel(self, assignments, *extra, jobs=2, force=False, env=None):
        """This repository's parallel grading command (autograder/classroom/grade.py) on this course."""
        return subprocess.run([sys.executable, "-m", "autograder", "grade", *assignments, "--root", str(self.root),
                               "--jobs", str(jobs), *(["--force"] if force else []), *extra],
                              cwd=ROOT, env=dict(ENV, **(env or {})), capture_output=True, text=True)

    def feedback(self, assignment, *extra):
        return self.nbgrader("generate_feedback", assignment, "--force", *extra, check=False)

    def export(self):
        self.nbgrader("export")
        with open(self.root / "grades.csv", newline="") as f:
            return list(csv.DictReader(f))

    def scores(self, assignment):
        """{student: {grade_id: (auto_score + extra credit, max_score)}} for the test cells, from the gradebook."""
        from nbgrader.api import Gradebook
        out = {}
        with Gradebook(self.db_url) as gb:
            for sub in gb.assignment_submissions(assignment):
                for nb in sub.notebooks:
                    cells = out.setdefault(sub.student.id, {})
                    for g in nb.grades:
                        score = None if g.auto_score is None else g.auto_score + (g.extra_credit or 0.0)
                        cells[g.name] = (score, g.max_score)
        return out
