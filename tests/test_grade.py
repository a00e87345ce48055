"""`python -m autograder grade` (autograder/classroom/grade.py): a class graded in parallel gets exactly the
grades plain `nbgrader autograde` gives, the SQLite gradebook stays whole, failures stay with their student,
and a re-run grades only what is missing or changed. A real Dask cluster and PostgreSQL: tests/test_cluster.py."""
import dataclasses
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.build.release import ROOT
from autograder.catalogues import CJK
from autograder.classroom import submissions
from autograder.classroom.course import Course
from tests.grading import (
    LIMITS,
    SECRET,
    chinese_released,
    fingerprint,
    gradebook_intact,
    leaks,
    release,
    special_files,
)

A = "01_channels_kernel"
# Correct, wrong, blank, cheating, hostile (a timeout, a dead kernel, looking around (links in a folder:
# test_autograde), garbling the judge's channel), tampered: one of each; correct answers graded before and after them.
PICK = {"ada", "grace", "alan", "blank", "infinite_loop", "hostile_os_exit", "cheat_np_convolve",
        "tests_edited_to_pass", "hostile_looks_around", "hostile_reply_bomb",
        "aa_correct_before", "zz_correct_after"}


def class_of(pick=PICK):
    """These submissions of notebook A, with the student ids the corpus fixture (`graded`) gives them."""
    subs = [s for s in submissions.load(ROOT / "autograder" / "examples") + submissions.load(ROOT / "tests" / "corpus")
            if s.assignment == A and s.path.stem in pick]
    for s in subs:
        s.student = f"{s.path.parent.parent.name}__{s.student}"
    assert {s.path.stem for s in subs} == set(pick)
    return subs


def chinese_twins(pick=PICK):
    """ada's and alan's answers handed in as the Chinese notebook (notebooks/zh/), as zh__<student>."""
    return [dataclasses.replace(s, student=f"zh__{s.student}") for s in class_of(pick)
            if s.path.stem in ("ada", "alan")]


def make_course(root, pick=PICK, db_url=None, chinese=False):
    """A course of notebook A with these submissions (and, chinese=True, their chinese_twins)."""
    course = Course(root, [A], db_url=db_url)
    release(course)
    for s in class_of(pick):
        course.submit(s)
    for s in chinese_twins(pick) if chinese else ():
        course.submit(s, released=chinese_released(A))
    return course


def cells(course):
    return course.scores(A)


def expected_cells(course, pick=PICK):
    """What plain `nbgrader autograde` gives these students: the corpus's expected points, cell by cell
    (tests/test_autograde.py proves plain nbgrader meets them; no second serial grading here, so that
    this module and the corpus run side by side under pytest-xdist)."""
    subs = class_of(pick) + [s for s in chinese_twins(pick) if s.student in course.scores(A)]
    cells = course.scores(A)
    return {s.student: {g: (s.expect.get(g, 0.0), m) for g, (_, m) in cells.get(s.student, {}).items()}
            for s in subs}


CLASS = class_of() + chinese_twins()     # the parallel run's class: PICK, and two of them in Chinese


@pytest.fixture(scope="module")
def parallel(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("parallel"), chinese=True)
    course.before = fingerprint(course.root)
    r = course.grade_parallel([A], *LIMITS, jobs=2, env=SECRET)
    return course, r


def test_parallel_grades_equal_nbgraders_own_cell_by_cell(parallel):
    course, r = parallel
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    got, want = cells(course), expected_cells(course)
    assert set(got) == set(want) == {s.student for s in class_of() + chinese_twins()}
    assert got == want
    chinese = nbformat.read(course.root / "autograded" / "zh__examples__alan" / A / f"{A}.ipynb", as_version=4)
    errors = [o.evalue for c in chinese.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and all(CJK.search(e) for e in errors), "the Chinese submission's feedback is Chinese"


def test_hostile_students_leave_the_course_intact_in_parallel_too(parallel):
    course, _ = parallel
    students = {s.student for s in class_of()}
    assert not str(course.root).startswith("/tmp/")
    assert fingerprint(course.root) == course.before
    assert gradebook_intact(course.db_url, A, students)
    assert special_files(course.root) == []
    assert leaks(course.root, students) == []


def test_the_summary_reports_scores_timeouts_and_dead_kernels(parallel):
    course, r = parallel
    out = r.stdout
    assert f"{A}: {len(CLASS)} graded" in out
    full = sum(sum(s.expect.values()) == 5 for s in CLASS)
    assert "score out of 5: mean" in out and f"full {full}," in out
    assert any(line.strip().startswith("corpus__infinite_loop:") and "time limit" in line
               for line in out.splitlines())                                 # named, with what went wrong
    assert "corpus__hostile_os_exit: the student's code ended its process" in out
    assert "timeouts 1" in out
    assert "ETA" in r.stderr
    rows = course.root.joinpath("grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(CLASS), "nbgrader's CSV export: one row per student"


def test_the_sqlite_gradebook_has_every_grade_once(parallel):
    from nbgrader.api import Gradebook
    course, r = parallel
    assert "database is locked" not in r.stdout + r.stderr
    with Gradebook(course.db_url) as gb:
        subs = gb.assignment_submissions(A)
        assert sorted(s.student.id for s in subs) == sorted(s.student for s in CLASS)
        n_cells = len(gb.find_notebook(A, A).grade_cells)
        for sub in subs:
            (nb,) = sub.notebooks
            assert len(nb.grades) == n_cells and len({g.name for g in nb.grades}) == n_cells


def test_a_rerun_grades_only_what_is_missing_or_changed(parallel):
    course, _ = parallel
    again = course.grade_parallel([A], *LIMITS, "--no-export", jobs=2)
    assert f"{len(CLASS)} unchanged" in again.stderr and "grading" not in again.stderr
    # ada resubmits a blank notebook, and a new student hands in grace's answer
    subs = {s.path.stem: s for s in class_of()}
    ada = subs["ada"].student
    course.submit(dataclasses.replace(subs["blank"], student=ada))
    course.submit(dataclasses.replace(subs["grace"], student="late_student"))
    third = course.grade_parallel([A], *LIMITS, "--no-export", jobs=2)
    assert "2 to grade" in third.stderr, third.stderr
    scores = cells(course)
    assert sum(v for v, _ in scores[ada].values()) == 0
    assert sum(v for v, _ in scores["late_student"].values()) == 5


def test_one_students_failure_never_stops_the_others(tmp_path):
    """A notebook nbgrader cannot read fails alone; a submission that outlives --submission-timeout
    (counted from when its grading process is ready) has its grading process killed and replaced, and
    the next one is still graded."""
    course = make_course(tmp_path / "c", pick={"ada", "infinite_loop"})
    broken = course.root / "submitted" / "broken" / A / f"{A}.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("{ this is not a notebook")
    # one worker, in student order: broken, corpus__infinite_loop (its answer's endless loop would hold each
    # test cell 60 s), examples__ada (a few seconds of CPU; once past 15 s of wall time, on 2 cores under four
    # times their load: the limit is wall-clock, a backstop): far on either side of the 40 s limit
    scratch = Path(tempfile.mkdtemp(prefix="conv1d-t-", dir=ROOT / "build"))     # short: kernels' socket paths
    r = course.grade_parallel([A], "--TimeLimits.cell_seconds=60",
                              "--submission-timeout=40", jobs=1, env={"TMPDIR": str(scratch)})
    assert not list(scratch.iterdir()), "the killed grading process's kernel and judge folders are deleted"
    scratch.rmdir()
    assert r.returncode == 1       # said in the exit code and in the summary
    assert "broken: NotJSONError: Notebook does not appear to be JSON" in r.stdout, r.stdout
    assert r.stdout.count("grading took more than 40 s; stopped") == 1, r.stdout
    assert "1 graded, 2 NOT graded" in r.stdout and "errors 2" in r.stdout and "zero 0" in r.stdout, r.stdout
    assert sum(v for v, _ in cells(course)["examples__ada"].values()) == 5
    rows = {row.split(",")[3]: row for row in (course.root / "grades.csv").read_text().splitlines()[1:]}
    assert rows["broken"].endswith(",,,,5.0,not graded") and rows["examples__ada"].endswith(",graded"), rows
    assert not (course.root / "autograded" / "corpus__infinite_loop" / A).exists()


def test_a_renamed_notebook_is_graded_and_said_to_be_renamed(tmp_path):
    """Colab's `Copy of X.ipynb`, Jupyter's `X-Copy1.ipynb`, a browser's `X (1).ipynb`, an LMS's prefix: the
    folder's only notebook like X is graded as X, and the summary says so; a folder with several such
    notebooks, or none, is listed as not graded with the reason, and left out of the statistics; grades.csv
    says which rows were graded."""
    import csv
    course = make_course(tmp_path / "renamed", pick={"grace"})
    grace = course.root / "submitted" / "examples__grace" / A / f"{A}.ipynb"
    names = {"colab": f"Copy of {A}.ipynb", "jupyter": f"{A}-Copy1.ipynb", "browser": f"{A} (1).ipynb",
             "lms": f"smith_12345_67890_{A}.ipynb", "two": [f"{A}-1.ipynb", f"Copy of {A}.ipynb"],
             "other": ["homework.ipynb"]}
    for student, files in names.items():
        folder = course.root / "submitted" / student / A
        folder.mkdir(parents=True)
        for name in [files] if isinstance(files, str) else files:
            shutil.copy(grace, folder / name)
    r = course.grade_parallel([A], *LIMITS, jobs=2)
    out = r.stdout
    assert r.returncode == 1, out
    for student in ("colab", "jupyter", "browser", "lms"):
        assert f"{student}: graded {names[student]!r} as {A}.ipynb" in out, out
        assert sum(v for v, _ in cells(course)[student].values()) == 5
    assert "two: not graded: several notebooks could be" in out and "other: not graded: no notebook named like" in out
    assert f"{A}: 5 graded, 2 NOT graded (left out of the statistics" in out and "mean 5.00" in out and "zero 0" in out
    with open(course.root / "grades.csv", newline="") as f:
        status = {row["student_id"]: row["status"] for row in csv.DictReader(f)}
    assert status == {s: "graded" for s in ("colab", "jupyter", "browser", "lms", "examples__grace")}
    # colab hands in again, and this time the folder holds two candidates: refused, and its earlier grade
    # is not exported as if it were this submission's
    shutil.copy(grace, course.root / "submitted" / "colab" / A / f"{A}-Copy2.ipynb")
    (course.root / "submitted" / "colab" / A / f"{A}.ipynb").rename(course.root / "submitted" / "colab" / A / "x.ipynb")
    shutil.copy(grace, course.root / "submitted" / "colab" / A / f"Copy of {A}.ipynb")
    r = course.grade_parallel([A], *LIMITS, jobs=2)
    assert "colab: not graded: several notebooks could be" in r.stdout, r.stdout
    with open(course.root / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert rows["colab"]["status"] == "not graded" and rows["colab"]["score"] == "", rows["colab"]
    assert rows["jupyter"]["status"] == "graded"


@pytest.mark.fast
def test_the_course_roots_time_and_memory_limits_travel_to_the_workers(tmp_path):
    """A limit set in the course root's nbgrader_config.py reaches the grade command's workers (which read
    only the installed course's settings), as it reaches plain `nbgrader autograde`."""
    from autograder.classroom.grade import carried_options
    (tmp_path / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text().replace(
        'load_subconfig("autograder/nbgrader_config.py")',
        f'load_subconfig({str(ROOT / "autograder" / "nbgrader_config.py")!r})')
        + "c.TimeLimits.cell_seconds = 7\nc.Judge.bonus = False\nc.MemoryLimits.kernel_memory_bytes = 2 ** 32\n")
    options = carried_options(tmp_path)
    assert "--TimeLimits.cell_seconds=7" in options and "--Judge.bonus=False" in options, options
    assert "--MemoryLimits.kernel_memory_bytes=4294967296" in options, options
    assert "--TimeLimits.submission_seconds=300" in options, options      # the course's own, as nbgrader reads it


@pytest.mark.fast
def test_flags_csv_keeps_what_this_run_did_not_regrade(tmp_path):
    """Grading one notebook (or only what changed) replaces the flags of the submissions it graded and
    keeps every other row: an instructor who grades notebook by notebook loses no earlier flag."""
    import csv

    from autograder.classroom.grade import Result, write_flags

    def rows():
        with open(tmp_path / "flags.csv", newline="") as f:
            return list(csv.reader(f))[1:]
    write_flags(tmp_path, [Result("07", "ann", flags=["imports ctypes"]), Result("07", "bob", flags=["uses gc"])])
    write_flags(tmp_path, [Result("01", "ann", flags=["calls eval()"])])                  # another notebook
    assert rows() == [["01", "ann", "calls eval()", ""], ["07", "ann", "imports ctypes", ""],
                      ["07", "bob", "uses gc", ""]]
    write_flags(tmp_path, [Result("07", "ann"), Result("07", "bob", skipped=True)])        # ann fixed it
    assert rows() == [["01", "ann", "calls eval()", ""], ["07", "bob", "uses gc", ""]]


def test_a_venv_reached_through_a_link_still_grades(tmp_path):
    """A course's venv reached through a symbolic link (a symlinked home on a cluster, a shared venv):
    the sandbox shows the venv where the interpreter's path says, not only where the link leads (every
    kernel once failed to start: bwrap could not find the interpreter)."""
    import subprocess
    import sys

    from autograder.classroom.course import ENV
    course = make_course(tmp_path / "c", pick={"ada"})
    link = tmp_path / "venv-link"
    link.symlink_to(Path(sys.prefix))
    r = subprocess.run([str(link / "bin" / "python"), "-m", "autograder", "grade", A, "--root", str(course.root),
                        "--jobs", "1", "--no-export", *LIMITS], cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    assert sum(v for v, _ in cells(course)["examples__ada"].values()) == 5
