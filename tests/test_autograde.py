"""Real `nbgrader autograde` on the example submissions and the test corpus: every graded cell gets
the points its submission file expects (see autograder/classroom/submissions.py for the format)."""
import dataclasses
import fnmatch
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder.catalogues import CJK, checks_catalogue
from autograder.preprocessors.cells import course_code, grade_id, is_answer_cell, is_course_code, is_test_cell
from tests.grading import (
    CHINESE,
    CORPUS,
    LIMITS,
    SHUFFLED,
    WORKERS,
    fingerprint,
    gradebook_intact,
    leaks,
    special_files,
)
from tests.notebooks import read


@pytest.mark.parametrize("sub", CORPUS, ids=lambda s: f"{s.assignment}/{s.path.stem}")
def test_submission_gets_expected_points(graded, sub):
    scores = graded[1]
    cells = scores[(sub.assignment, sub.student)]
    unknown = set(sub.expect) - set(cells)
    assert not unknown, f"{sub.path.name} expects points for cells that do not exist: {unknown}"
    got = {gid: score for gid, (score, _) in cells.items()}
    want = {gid: sub.expect.get(gid, 0.0) for gid in cells}
    if all(v == cells[g][1] for g, v in want.items()):
        assert sub.expect, "a full-marks submission names its cells"
    assert got == want, f"{sub.path.name}: {sub.description}"


def autograded(course, assignment, student):
    return nbformat.read(course.root / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4)


def failures_of(nb):
    """{grade_id: the error text of each test cell ('' when it passed)}."""
    return {grade_id(c): "\n".join(o.evalue for o in c.outputs if o.output_type == "error")
            for c in nb.cells if is_test_cell(c)}


@pytest.mark.parametrize("sub", CHINESE, ids=lambda s: f"{s.assignment}/{s.student}")
def test_a_chinese_submission_gets_its_english_twins_points_and_reads_chinese(graded, sub):
    """The same answers handed in as the Chinese notebook: the same points from the same tests, in one gradebook
    notebook; every failing test says why in Chinese; the Chinese lesson cells are the course's, not run."""
    courses, scores, _ = graded
    twin = sub.student.removeprefix("zh__")
    assert scores[(sub.assignment, sub.student)] == scores[(sub.assignment, twin)]
    course = courses[sub.assignment]
    chinese, english = autograded(course, sub.assignment, sub.student), autograded(course, sub.assignment, twin)
    zh, en = failures_of(chinese), failures_of(english)
    assert zh.keys() == en.keys() and {g for g, e in zh.items() if e} == {g for g, e in en.items() if e}
    for gid, error in zh.items():
        assert not error or CJK.search(error), f"{gid}: {error}"
        assert not CJK.search(en[gid]), f"{gid}: the English twin's message is English: {en[gid]}"
    ours = course_code(read(sub.assignment))
    lesson = [c for c in chinese.cells if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)]
    assert all(c.execution_count is None for c in lesson if is_course_code(c, ours))
    assert sum(is_course_code(c, ours) for c in lesson) == len(lesson), "every lesson cell is the course's"


@pytest.mark.parametrize("sub", SHUFFLED, ids=lambda s: s.student)
def test_a_shuffled_notebook_is_graded_for_what_it_answers(graded, sub):
    """Cells deleted, duplicated, moved, retyped, metadata wiped, no cell ids, Colab metadata, a byte-order
    mark, CRLF: never left ungraded, and points only for the answers the grader can recognise."""
    cells = graded[1].get((sub.assignment, sub.student))
    assert cells, f"{sub.student} was not graded"
    got = {gid: score for gid, (score, _) in cells.items()}
    assert got == {gid: sub.expect.get(gid, 0.0) for gid in got}, (sub.seed, sub.no_ids, sub.bom, sub.crlf)


def test_the_shuffled_notebooks_draw_every_kind_of_edit():
    """The few shuffled notebooks graded above still hold every edit an editor or student makes."""
    import copy
    import random
    released = read(SHUFFLED[0].assignment, student=True)
    choice, drawn = random.Random.choice, set()

    def recording(rng, seq):
        value = choice(rng, seq)
        drawn.add(value) if "keep" in seq else None
        return value
    random.Random.choice = recording
    try:
        subs = [sub for sub in SHUFFLED if sub.apply(copy.deepcopy(released)) is not None]
    finally:
        random.Random.choice = choice
    assert drawn == {"keep", "delete", "duplicate", "retype", "move", "wipe"}, drawn
    assert any(s.no_ids for s in subs) and any(s.bom for s in subs) and any(s.crlf for s in subs)


def test_course_folder_survives_every_submission(graded):
    """Hostile notebooks (deleting the gradebook, other submissions, the config; killing the grader;
    links, FIFOs and hard links in their folder; looking around the machine) change nothing outside
    their own scratch folder, leave nothing behind, see nothing of the host, and the gradebook holds
    every student. The course roots are outside /tmp (tests/conftest.py)."""
    courses, scores, before = graded
    for a, course in courses.items():
        assert not str(course.root).startswith("/tmp/")
        students = {s.student for s in CORPUS + SHUFFLED + CHINESE if s.assignment == a}
        assert fingerprint(course.root) == before[a], f"{a}: a submission changed course files"
        assert {s for b, s in scores if b == a} == students
        assert gradebook_intact(course.db_url, a, students)
        assert special_files(course.root) == [], f"{a}: links or special files left in the course tree"
        assert leaks(course.root, students) == []
    assert not (Path.home() / "pwned-by-a-student").exists(), "a forged test cell's code ran outside the sandbox"


def test_a_student_looking_around_sees_only_python_and_its_scratch_folder(graded):
    course = graded[0]["01_channels_kernel"]
    nb = nbformat.read(next((course.root / "autograded" / "corpus__hostile_looks_around").rglob("*.ipynb")), 4)
    shown = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert shown.startswith("root: ["), shown[:300]
    for host in ("gradebook.db", "nbgrader_config.py", "submitted", "solutions", "pytest", "CONV1D",
                 "root:x:0", "connected", "socket.socket"):
        assert host not in shown, (host, shown[:2000])
    # no socket of the network's families at all (the seccomp filter), let alone a connection
    assert "network: PermissionError [Errno 1]" in shown and "internet: PermissionError [Errno 1]" in shown, shown


def test_output_is_capped_per_cell_and_per_notebook(graded):
    """A grading process holds the notebook in memory: a cell shows at most 1 MiB, all the student's cells
    together at most 8 MiB (c.Execute.max_output, max_total_output); what is cut says so."""
    course = graded[0]["01_channels_kernel"]
    nb = nbformat.read(next((course.root / "autograded" / "corpus__hostile_print_megabytes").rglob("*.ipynb")), 4)
    texts = ["".join(o.get("text", "") for o in cell.get("outputs", [])) for cell in nb.cells]
    assert sum(len(t) for t in texts) < 8.5 * 1024 ** 2
    assert any("[output cut: this cell showed more than 1048576 bytes]" in t for t in texts)
    assert any("[output cut: the notebook's cells showed more than 8388608 bytes]" in t for t in texts)


def test_cheats_around_the_guard_are_flagged_for_the_instructor(graded):
    course = graded[0]["02_stride"]
    for cheat in ("cheat_fresh_numpy_module", "cheat_gc_originals", "cheat_imp_create_dynamic"):
        nb = nbformat.read(next((course.root / "autograded" / f"corpus__{cheat}").rglob("*.ipynb")), 4)
        flags = nb.metadata["conv1d"]["flags"]
        assert any("compiled module" in f or "gc.get_objects" in f for f in flags), (cheat, flags)
        assert any(f.startswith("answer cell") for f in flags), (cheat, flags)
    for a in ("01_channels_kernel", "02_stride"):      # raw memory: not stoppable in-process, but flagged
        nb = nbformat.read(next((graded[0][a].root / "autograded" / "corpus__cheat_memory_rebind_correlate2")
                                .rglob("*.ipynb")), 4)
        flags = nb.metadata["conv1d"]["flags"]
        assert any("__array_interface__" in f for f in flags) and any("__self__" in f for f in flags), flags
    for a, course in graded[0].items():       # no honest example is ever flagged
        for honest in ("ada", "grace"):
            nb = nbformat.read(next((course.root / "autograded" / f"examples__{honest}").rglob("*.ipynb")), 4)
            assert nb.metadata["conv1d"]["flags"] == [], (a, honest, nb.metadata["conv1d"]["flags"])


def test_force_regrade_gives_the_same_grades(graded):
    courses, scores, _ = graded
    a = "01_channels_kernel"
    # The submissions most likely to grade differently twice (not the endless loop: it costs time only).
    again = "corpus__hostile_[dkmos][!a]*"
    assert courses[a].autograde(a, *LIMITS, f"--student={again}").returncode == 0
    regraded = {s: v for s, v in courses[a].scores(a).items() if fnmatch.fnmatch(s, again)}
    assert len(regraded) == 5, sorted(regraded)
    assert regraded == {s: v for (b, s), v in scores.items() if b == a and s in regraded}


def test_regrade_replaces_the_old_score(graded):
    """A resubmission graded with --force never keeps a stale score."""
    courses, scores, _ = graded
    course = courses["01_channels_kernel"]
    correct = next(s for s in CORPUS if s.path.stem == "ada" and s.assignment == "01_channels_kernel")
    blank = next(s for s in CORPUS if s.path.stem == "blank" and s.assignment == "01_channels_kernel")
    assert sum(v for v, _ in scores[("01_channels_kernel", correct.student)].values()) == 5
    course.submit(dataclasses.replace(blank, student=correct.student))
    assert course.autograde("01_channels_kernel", *LIMITS, f"--student={correct.student}").returncode == 0
    regraded = course.scores("01_channels_kernel")[correct.student]
    assert sum(v for v, _ in regraded.values()) == 0


def test_feedback_has_scores_and_hints_but_no_hidden_tests(graded):
    course = graded[0]["01_channels_kernel"]
    # the examples (a correct, a wrong and a blank answer) and the cheats: what their feedback shows
    assert course.feedback("01_channels_kernel", "--student=examples__*").returncode == 0
    assert course.feedback("01_channels_kernel", "--student=corpus__cheat_*").returncode == 0
    assert course.feedback("01_channels_kernel", "--student=zh__examples__*").returncode == 0
    pages = list((course.root / "feedback").rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        html = page.read_text()
        assert "HIDDEN TESTS" not in html and "random_cases([], n=" not in html, page
        assert not any(f"seed={n}" in html for n in (1101, 1102, 1103, 1104)), page   # hidden cases of 01
    alan = next(p for p in pages if "/examples__alan" in str(p)).read_text()
    assert "Hint: the kernel looks flipped" in alan
    assert "Score: 0.0 / 2.0" in alan
    # the Chinese twin's page: the summary and hints in Chinese, the lesson rendered as the course's text
    chinese = next(p for p in pages if "zh__examples__alan" in str(p)).read_text()
    zh = checks_catalogue("zh")
    assert f"<b>{zh['Hint:']}</b>" in chinese and f"<th>{zh['result']}</th>" in chinese
    assert "<h1" in chinese and "逐个参数理解 Conv1d" in chinese.split("<h1", 1)[1][:300], "the lesson as markdown"
    cheat = next(p for p in pages if "cheat_np_convolve" in str(p)).read_text()
    assert "your answer called np.convolve" in cheat
    for nb_path in (course.root / "autograded").rglob("*.ipynb"):    # graded cells: one line, no traceback
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if is_test_cell(cell):
                assert all(len(o.traceback) == 1 for o in cell.outputs if o.output_type == "error"), nb_path


def test_export_writes_one_row_per_student_and_assignment(graded):
    courses, scores, _ = graded
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:      # one course folder each: side by side
        exported = dict(zip(courses, pool.map(lambda course: course.export(), courses.values())))
    for a, rows in exported.items():
        assert len(rows) == len({s for b, s in scores if b == a})
        assert {r["assignment"] for r in rows} == {a}


def test_only_the_students_code_runs_in_the_kernel(graded):
    """Autograde runs the answers and any cell a student added or edited; the course's own cells
    (examples, check code, explorer panel, timings) are not run (no execution count, no output)."""
    for a, course in graded[0].items():
        ours = course_code(read(a))
        for nb_path in (course.root / "autograded").rglob("*.ipynb"):
            cells = [c for c in nbformat.read(nb_path, as_version=4).cells if c.cell_type == "code"]
            for cell in cells:
                if is_course_code(cell, ours) and not is_answer_cell(cell) and not is_test_cell(cell):
                    assert cell.execution_count is None, (nb_path, cell.source[:60])
                    assert all(o.get("ename") == "NotRun" for o in cell.outputs), (nb_path, cell.source[:60])
            if "examples__ada" in str(nb_path):
                assert all(c.execution_count for c in cells if is_answer_cell(c)), nb_path


def test_every_failure_message_says_what_happened_and_what_to_do(graded):
    """No graded cell fails with an empty message or a bare exception name (item 6 of issue 14)."""
    for a, course in graded[0].items():
        for nb_path in (course.root / "autograded").rglob("*.ipynb"):
            for cell in nbformat.read(nb_path, as_version=4).cells:
                for out in cell.get("outputs", []) if is_test_cell(cell) else []:
                    if out.output_type == "error":
                        text = out.evalue.strip()
                        assert len(text) > 30 and text != out.ename, (nb_path, grade_id(cell), out.ename, text)


def test_a_class_outside_the_answer_cell_is_named_in_the_message(graded):
    course = graded[0]["01_channels_kernel"]
    nb = nbformat.read(next((course.root / "autograded" / "corpus__class_below_the_answer_cell").rglob("*.ipynb")), 4)
    values = next(c for c in nb.cells if grade_id(c) == "test_values")
    message = values.outputs[-1].evalue
    assert "NotImplementedError" in message and "not an answer cell" in message and "move it" in message, message


def test_nothing_a_student_wrote_runs_in_a_browser_that_opens_the_feedback(graded):
    """Feedback (and formgrader, which renders the same autograded notebook) holds no script of the
    student's: outputs keep plain text and bitmaps only, the student's markdown is escaped."""
    course = graded[0]["01_channels_kernel"]
    assert course.feedback("01_channels_kernel", "--student=corpus__hostile_html_output").returncode == 0
    import re
    page = next((course.root / "feedback" / "corpus__hostile_html_output").rglob("*.html")).read_text()
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert scripts and not [s for s in scripts if "pwned" in s], [s[:200] for s in scripts if "pwned" in s]
    assert "javascript:alert" in page and not re.search(r"href=[\"']\s*javascript", page, re.I)
    assert "pwned-by-markdown" in page       # shown as its text
    assert course.feedback("01_channels_kernel", "--student=corpus__hostile_image_metadata").returncode == 0
    page = next((course.root / "feedback" / "corpus__hostile_image_metadata").rglob("*.html")).read_text()
    tags = re.findall(r"<(?:img|div|span|a)\b[^<>]*>", page)         # real tags (the student's code is escaped text)
    assert not [t for t in tags if re.search(r"\bon\w+\s*=|pwned", t)] and \
        any("data:image/png;base64" in t for t in tags), \
        [t for t in tags if "onerror" in t or "pwned" in t]
