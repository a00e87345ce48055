"""The corpus (example submissions and tests/corpus) graded once with plain `nbgrader autograde`,
shared by test_autograde.py and test_grade.py (the fixture `graded` in conftest.py)."""
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

from autograder.classroom import submissions
from autograder.classroom.course import Course
from autograder.build.release import ROOT, assignments

CORPUS = [s for folder in (ROOT / "autograder" / "examples", ROOT / "tests" / "corpus")
          for s in submissions.load(folder) if s.assignment in assignments()]
for _s in CORPUS:
    _s.student = f"{_s.path.parent.parent.name}__{_s.student}"   # examples and corpus may share names
TIMEOUT = 6  # seconds per cell for the corpus (the course default is 30); 2 graders share 2 cores
LIMITS = (f"--Execute.timeout={TIMEOUT}", f"--Judge.timeout={TIMEOUT}")
# Graders side by side, one per core (two per core saved only 8% and made timings noisy).
WORKERS = os.cpu_count() or 2


def grade_corpus(tmp_path_factory):
    """Every submission of the corpus autograded once. Each assignment gets a course folder (and
    gradebook) of its own, so the assignments are graded side by side (WORKERS at a time).
    Returns ({assignment: Course}, {(assignment, student): {grade_id: (score, max)}}, {assignment: fingerprint})."""
    wanted = sorted({s.assignment for s in CORPUS})
    roots = {a: tmp_path_factory.mktemp(a) for a in wanted}   # here: mktemp is not thread-safe

    def grade(a):
        course = Course(roots[a], [a])
        course.release()
        for s in CORPUS:
            if s.assignment == a:
                course.submit(s)
        before = fingerprint(course.root)
        r = course.autograde(a, *LIMITS)
        assert r.returncode == 0, r.stderr[-3000:]
        return a, course, course.scores(a), before

    courses, scores, fingerprints = {}, {}, {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for a, course, cells, before in pool.map(grade, wanted):
            courses[a] = course
            fingerprints[a] = before
            scores.update({(a, k): v for k, v in cells.items()})
    return courses, scores, fingerprints


def fingerprint(root):
    """Content of the course files no student may touch: config, sources, release, submissions."""
    files = [root / "nbgrader_config.py", *sorted((root / "solutions").rglob("*")),
             *sorted((root / "notebooks").rglob("*")), *sorted((root / "submitted").rglob("*"))]
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()}
