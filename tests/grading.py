"""The corpus (example submissions and tests/corpus) graded once with plain `nbgrader autograde`,
shared by test_autograde.py and test_grade.py (the fixture `graded` in conftest.py)."""
import dataclasses
import hashlib
import os
import shutil
import socket
import stat
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from autograder.build.release import ROOT, assignments
from autograder.classroom import submissions
from autograder.classroom.course import Course

CORPUS = [s for folder in (ROOT / "autograder" / "examples", ROOT / "tests" / "corpus")
          for s in submissions.load(folder) if s.assignment in assignments()]
for _s in CORPUS:
    _s.student = f"{_s.path.parent.parent.name}__{_s.student}"   # examples and corpus may share names


@dataclasses.dataclass
class Shuffled:
    """A correct notebook 01 (grace's answers) mangled at random, as editors and students do: answer and
    test cells deleted, duplicated, moved or retyped in any combination, nbgrader metadata wiped (the
    cell id kept, or not), nbformat 4.4 without cell ids, Colab's metadata; written with a UTF-8
    byte-order mark and CRLF line ends at times. Every one gets a grade; an answer counts when the
    grader can still recognise its cell (its metadata, or its cell id), else its tests score 0."""
    seed: int
    assignment: str = "01_channels_kernel"
    description: str = "shuffled cells"

    def __post_init__(self):
        self.student = f"shuffled__{self.seed}"
        self.path = ROOT / "tests" / "grading.py"
        self.expect = {}

    def apply(self, released):
        import copy
        import random
        rng = random.Random(self.seed)
        grace = next(c for c in CORPUS if c.assignment == self.assignment and c.path.stem == "grace")
        nb = grace.apply(released)
        self.no_ids = rng.random() < 0.3
        self.bom, self.crlf = rng.random() < 0.3, rng.random() < 0.3
        recognised = {}
        cells = []
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            op = rng.choice(["keep"] * 4 + ["delete", "duplicate", "retype", "move", "wipe"]) if gid else "keep"
            if op == "delete":
                continue
            if op == "retype" and cell.cell_type == "code":
                cell = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, id=cell.get("id"))
            if op == "wipe":
                cell.metadata.pop("nbgrader", None)
            if rng.random() < 0.3:
                cell.metadata["colab"] = {"base_uri": "https://localhost:8080/"}
                cell.metadata["id"] = f"colab{rng.randrange(10**6)}"
            cells.append(cell)
            if op == "duplicate":
                twin = copy.deepcopy(cell)
                twin["id"] = f"{cell.get('id', 'x')}-copy"
                cells.append(twin)
            if op == "move":
                cells.append(cells.pop(len(cells) - 1 - (op == "duplicate")))
            if gid:
                recognised[gid] = op != "delete" and not (op == "wipe" and self.no_ids)
        rng.shuffle(cells) if rng.random() < 0.2 else None
        nb.cells = cells
        if self.no_ids:
            nb.nbformat_minor = 4
            for cell in nb.cells:
                cell.pop("id", None)
        tests = {"test_predict": ["predict_answer"],
                 **{t: ["conv1d_answer"] for t in ("test_signature_weight", "test_output_shape", "test_values")}}
        points = {"test_predict": 1, "test_signature_weight": 1, "test_output_shape": 1, "test_values": 2}
        self.expect = {t: float(points[t]) for t, needs in tests.items() if all(recognised.get(n) for n in needs)}
        return nb

    def write(self, nb, path):
        text = nbformat.writes(nb, version=4)
        if self.crlf:
            text = text.replace("\n", "\r\n")
        path.write_bytes(("\ufeff" if self.bom else "").encode() + text.encode())


# Two bundled examples of every notebook (autograder/examples/: ada, right; alan, wrong) handed in as the Chinese
# edition (notebooks/zh/): the same edits to the Chinese student notebook, graded in the same run; they must get
# the English twin's points, in Chinese.
CHINESE = [dataclasses.replace(s, student=f"zh__{s.student}") for s in CORPUS
           if s.path.parent.parent.name == "examples" and s.path.stem in ("ada", "alan")]


def chinese_released(assignment):
    return nbformat.read(ROOT / "notebooks" / "zh" / assignment / f"{assignment}.ipynb", as_version=4)


SHUFFLED = [Shuffled(seed) for seed in range(6)]   # seeds 0-5 draw every edit kind, BOM, CRLF and no ids
TIMEOUT = 6  # seconds of the student's own time per cell for the corpus (the course default is 30)
LIMITS = (f"--TimeLimits.cell_seconds={TIMEOUT}", "--TimeLimits.submission_seconds=20")
# The corpus is graded as an instructor should: with a grading secret, which no output may show.
SECRET = {"CONV1D_GRADING_SECRET": "corpus-secret-" + os.urandom(8).hex()}
# Graders side by side, one per core (two per core saved only 8% and made timings noisy).
WORKERS = int(os.environ.get("CORPUS_WORKERS", os.cpu_count() or 2))


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on now (for the servers tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_RELEASED = {}            # assignments -> a copy of what `nbgrader generate_assignment` made for them
_RELEASING = threading.Lock()


def release(course):
    """course.release() (`nbgrader generate_assignment`), run for real once per set of assignments in this
    test process; the next course of the same assignments gets a copy of the student notebooks and of the
    SQLite gradebook that run made (the same files, ~0.1 s instead of 4-8 s on a busy machine). A
    PostgreSQL course is always released for real. Tests of the release itself run nbgrader's command
    (test_release.py, test_instructor.py's walkthrough)."""
    if not course.db_url.startswith("sqlite:///"):
        return course.release()
    key = tuple(sorted(course.assignments))
    gradebook = Path(course.db_url.removeprefix("sqlite:///"))
    with _RELEASING:
        template = _RELEASED.get(key)
    if template is None:
        course.release()
        template = Path(tempfile.mkdtemp(prefix="released-", dir=course.root.parent))
        shutil.copytree(course.root / "notebooks", template / "notebooks")
        shutil.copy(gradebook, template / "gradebook.db")
        with _RELEASING:
            _RELEASED[key] = template
    else:
        shutil.copytree(template / "notebooks", course.root / "notebooks", dirs_exist_ok=True)
        shutil.copy(template / "gradebook.db", gradebook)


def grade_corpus(tmp_path_factory):
    """Every submission of the corpus autograded once. Each assignment gets a course folder (and
    gradebook) of its own, so the assignments are graded side by side (WORKERS at a time).
    Returns ({assignment: Course}, {(assignment, student): {grade_id: (score, max)}}, {assignment: fingerprint})."""
    wanted = sorted({s.assignment for s in CORPUS})
    roots = {a: tmp_path_factory.mktemp(a) for a in wanted}   # here: mktemp is not thread-safe

    def grade(a):
        course = Course(roots[a], [a])
        release(course)
        for s in CORPUS:
            if s.assignment == a:
                course.submit(s)
        for s in CHINESE:
            if s.assignment == a:
                course.submit(s, released=chinese_released(a))
        for s in SHUFFLED:
            if s.assignment == a:
                s.write(s.apply(course.released(a)), course.submit(s))
        before = fingerprint(course.root)
        r = course.autograde(a, *LIMITS, env=SECRET)
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
    # The grader strips a notebook's UTF-8 byte-order mark in place (autograder/sandbox/intake.py): not a change.
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes().removeprefix(b"\xef\xbb\xbf")).hexdigest()
            for f in files if f.is_file()}


def special_files(root):
    """Links, FIFOs, sockets and devices anywhere below root (never followed), and hard-linked files."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            if not (stat.S_ISDIR(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_nlink == 1)):
                found.append(os.path.relpath(path, root))
    return found


def leaks(root, students):
    """(notebook, what) for every autograded notebook or feedback page of root that shows something
    from outside its own submission: the grading secret, the course root's path, a system file's
    contents, another student's id."""
    found = []
    pages = sorted(Path(root, "autograded").rglob("*.ipynb")) + sorted(Path(root, "feedback").rglob("*.html"))
    for page in pages:
        text = page.read_text(errors="replace")
        owner = page.relative_to(root).parts[1]
        marks = {"the grading secret": SECRET["CONV1D_GRADING_SECRET"], "the course root": str(root),
                 "the course's checkout (its venv)": str(ROOT), "/etc/passwd": "root:x:0:0"}
        marks.update({f"student {s}": s for s in students if s != owner and len(s) > 12})
        found += [(str(page.relative_to(root)), what) for what, mark in marks.items() if mark in text]
    return found


def gradebook_intact(db_url, assignment, students):
    """The SQLite gradebook passes its integrity check and has a graded submission for every student."""
    import sqlite3

    from nbgrader.api import Gradebook
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Gradebook(db_url) as gb:
        have = {s.student.id for s in gb.assignment_submissions(assignment)}
    return set(students) <= have
