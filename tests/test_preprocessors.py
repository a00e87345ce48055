"""Each of the course's nbgrader preprocessors (autograder/preprocessors/, one per file) on a tiny notebook,
called directly as nbgrader's own tests call theirs (nbgrader/tests/preprocessors/): a course folder of one
assignment in tmp_path (its source notebook in solutions/, its released one in notebooks/), a gradebook filled
by nbgrader's SaveCells from the released notebook, as `nbgrader generate_assignment` fills it.

Judge and Execute need bubblewrap (the judge's zygote, the sandboxed kernel) and are not `fast`; the others
read only notebooks and the gradebook."""
import copy
import os
import shutil
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

A = "a1"                    # the assignment, and its one notebook
ROOT = Path(__file__).resolve().parents[1]
BONUS = 1.5


def meta(gid, *, grade=False, solution=False, locked=False, points=None):
    nb = {"grade": grade, "solution": solution, "locked": locked, "grade_id": gid, "schema_version": 3}
    return {**nb, "points": points} if points is not None else nb


def intro():
    return new_markdown_cell("# Doubling\n\nThe answer is $y = 2x$.", id="intro", metadata={"nbgrader": meta(
        "intro", locked=True)})


def setup():
    return new_code_cell("print('the course setup')", id="setup", metadata={"nbgrader": meta("setup", locked=True)})


def answer(source="def double(x):\n    return 2 * x\n"):
    return new_code_cell(source, id="answer", metadata={"nbgrader": meta("double", solution=True)})


def graded(source="assert double(2) == 4\nprint('ok')\n"):
    return new_code_cell(source, id="test-double", metadata={"nbgrader": meta(
        "test_double", grade=True, locked=True, points=2)})


def bonus_cell():
    return new_code_cell("assert double(0) == 0\n", id="test-bonus", metadata={
        "nbgrader": meta("test_bonus", grade=True, locked=True, points=0), "course": {"bonus": BONUS}})


def checks_cell():
    """A course cell the build generates (the check code): the feedback page leaves it out."""
    return new_code_cell("import json  # the course's checks", id="checks", metadata={
        "nbgrader": meta("checks", locked=True), "course": {"generated": "check"}})


STUB = "def double(x):\n    raise NotImplementedError()\n"
ORDER = ["intro", "setup", "double", "test_double", "test_bonus"]


def released_of(source):
    """The released notebook: the source with the answer cells' stub."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        if cell.metadata["nbgrader"].get("solution"):
            cell.source = STUB
    return nb


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """An empty sqlite gradebook, made once: nbgrader stamps a new one by running `alembic` (a second's
    subprocess, found on PATH, which `make` puts the venv's tools first on)."""
    from nbgrader.api import Gradebook
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
        Gradebook(f"sqlite:///{path}").close()
    return path


class Course:
    """A course folder of assignment A in `root`: source and released notebook, a sqlite gradebook (a copy
    of `gradebook`, an empty one)."""

    def __init__(self, root, source, gradebook):
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import SaveCells
        self.root, self.source = root, source
        self.released = released_of(source)
        for step, nb in (("solutions", source), ("notebooks", self.released)):
            (root / step / A).mkdir(parents=True)
            nbformat.write(nb, root / step / A / f"{A}.ipynb")
        shutil.copyfile(gradebook, root / "gradebook.db")
        self.db_url = f"sqlite:///{root / 'gradebook.db'}"
        with Gradebook(self.db_url) as gb:
            gb.add_assignment(A)
        SaveCells().preprocess(copy.deepcopy(self.released), self.resources())
        self.config = Config()
        self.config.CourseDirectory.root = str(root)
        self.config.CourseDirectory.source_directory = "solutions"
        self.config.CourseDirectory.release_directory = "notebooks"

    def resources(self):
        return {"nbgrader": {"db_url": self.db_url, "assignment": A, "notebook": A, "student": "s1"}}

    def submission(self):
        """What a student hands in: the released notebook, the answer written."""
        nb = copy.deepcopy(self.released)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = "def double(x):\n    return x + x\n"
        return nb

    def run(self, cls, nb, **settings):
        config = copy.deepcopy(self.config)
        for k, v in settings.items():
            setattr(config[cls.__name__], k, v)
        return cls(config=config).preprocess(nb, self.resources())


@pytest.fixture
def make_course(tmp_path, empty_gradebook):
    """make_course(*cells): the Course whose one source notebook has these cells."""
    return lambda *cells: Course(tmp_path, new_notebook(cells=list(cells)), empty_gradebook)


@pytest.fixture
def course(make_course):
    return make_course(intro(), setup(), answer(), graded(), bonus_cell())


def ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


# ----------------------------------------------------------------------------- AddMissingCells
@pytest.mark.fast
@pytest.mark.parametrize("deleted", [set(d) for n in (1, 2, 3) for d in combinations(
    ["double", "test_double", "test_bonus"], n)], ids=lambda d: "+".join(sorted(d)))
def test_add_missing_cells_puts_back_deleted_cells_as_released_in_their_place(course, deleted):
    """Any combination of deleted answer and test cells (nbgrader's own add_missing_cells raises KeyError
    when an answer and the test after it both go) comes back as released, in the released order, right
    after the nearest released cell before it; a student's own cell stays where it was."""
    from autograder.preprocessors import AddMissingCells
    nb = course.submission()
    nb.cells = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] not in deleted]
    nb.cells.append(new_markdown_cell("my notes"))
    nb, _ = course.run(AddMissingCells, nb)
    assert ids(nb) == ORDER + [None]
    assert nb.cells[-1].source == "my notes"
    released = {c.metadata["nbgrader"]["grade_id"]: c for c in course.released.cells}
    for cell in nb.cells[:-1]:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if gid in deleted:
            assert cell.cell_type == "code"
            assert cell.source == released[gid].source          # an answer as its stub: it scores nothing
            assert cell.metadata["nbgrader"] == released[gid].metadata["nbgrader"]
        elif gid == "double":
            assert cell.source == "def double(x):\n    return x + x\n", "a cell the student kept is left alone"
    nbformat.validate(nb)


@pytest.mark.fast
def test_add_missing_cells_leaves_a_complete_notebook_alone(course):
    from autograder.preprocessors import AddMissingCells
    nb = course.submission()
    before = copy.deepcopy(nb)
    assert course.run(AddMissingCells, nb)[0] == before


# ----------------------------------------------------------------------------- DropForeignMetadata
@pytest.mark.fast
def test_drop_foreign_metadata_keeps_only_the_gradebooks_cells_and_flags(course):
    """Metadata the gradebook does not know goes (a duplicate's `{}` left by DeduplicateIds, a forged
    graded cell, metadata that is not even a dict); a known cell whose flags a student flipped gets them
    back from the gradebook, its other keys kept; everything else is left as it is."""
    from autograder.preprocessors import DropForeignMetadata
    nb = course.submission()
    answer_cell, test = nb.cells[2], nb.cells[3]
    test.metadata["nbgrader"].update(solution=True, grade=False, points=50, locked=False, checksum="abc")
    duplicate = new_code_cell("x = 1", metadata={"nbgrader": {}})
    forged = new_code_cell("assert True", metadata={"nbgrader": meta("test_free_points", grade=True, points=100)})
    junk = new_code_cell("y = 2", metadata={"nbgrader": "junk"})
    plain = new_code_cell("z = 3", metadata={"tags": ["mine"]})
    nb.cells += [duplicate, forged, junk, plain]
    kept_answer = copy.deepcopy(answer_cell)
    nb, _ = course.run(DropForeignMetadata, nb)
    for cell in (duplicate, forged, junk):
        assert "nbgrader" not in cell.metadata
    assert plain.metadata == {"tags": ["mine"]}
    assert test.metadata["nbgrader"] == {**meta("test_double", grade=True, locked=True, points=2.0), "checksum": "abc"}
    assert answer_cell == kept_answer
    assert ids(nb) == ORDER + [None] * 4


# ----------------------------------------------------------------------------- RestoreMetadata
@pytest.mark.fast
def test_restore_metadata_gives_wiped_cells_their_metadata_back_by_cell_id(course):
    """A cell whose nbgrader metadata an editor wiped gets the source notebook's back, found by its cell id;
    not when another cell already carries that grade id, nor for an id the source notebook does not have."""
    from autograder.preprocessors import RestoreMetadata
    nb = course.submission()
    answer_cell, test = nb.cells[2], nb.cells[3]
    answer_cell.metadata = nbformat.from_dict({})
    test.metadata = nbformat.from_dict({"collapsed": False})
    copied = copy.deepcopy(course.released.cells[3])        # test_double is still in the notebook, elsewhere
    copied.id = "copied"
    nb.cells.append(copied)
    stranger = new_code_cell("w = 4", id="stranger")
    nb.cells.append(stranger)
    nb, _ = course.run(RestoreMetadata, nb)
    assert answer_cell.metadata["nbgrader"] == course.source.cells[2].metadata["nbgrader"]
    assert answer_cell.source == "def double(x):\n    return x + x\n"
    assert "nbgrader" not in test.metadata, "its grade id is another cell's: OverwriteCells takes that one"
    assert "nbgrader" not in stranger.metadata
    assert ids(nb) == ["intro", "setup", "double", None, "test_bonus", "test_double", None]


@pytest.mark.fast
def test_restore_metadata_gives_cells_of_an_old_notebook_ids(course):
    """nbformat < 4.5 (no cell ids): nothing can be recognised, but every cell gets a fresh id, which
    nbgrader's cell-type restore needs, and the notebook becomes 4.5."""
    from autograder.preprocessors import RestoreMetadata
    nb = course.submission()
    nb.nbformat_minor = 4
    for cell in nb.cells:
        del cell["id"]
    nb.cells[2].metadata = nbformat.from_dict({})
    nb, _ = course.run(RestoreMetadata, nb)
    assert all(cell.get("id") for cell in nb.cells) and len({c.id for c in nb.cells}) == len(nb.cells)
    assert nb.nbformat_minor == 5
    assert "nbgrader" not in nb.cells[2].metadata
    nbformat.validate(nb)


# ----------------------------------------------------------------------------- ExtraCredit
@pytest.mark.fast
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")     # nbgrader's add_submission
def test_extra_credit_gives_a_passed_bonus_cell_its_bonus_from_the_source_and_resets_it(course):
    """After SaveAutoGrades: a passed bonus test cell (metadata course.bonus in the source notebook) is
    worth its bonus as nbgrader's extra credit, whatever the submission's metadata says; a failed one,
    graded again, 0; other test cells get none."""
    from nbgrader.api import Gradebook

    from autograder.preprocessors import ExtraCredit
    with Gradebook(course.db_url) as gb:
        gb.add_student("s1")
        gb.add_submission(A, "s1")

    def extra(gid):
        with Gradebook(course.db_url) as gb:
            return gb.find_grade(gid, A, A, "s1").extra_credit

    nb = course.submission()
    nb.cells[4].metadata["course"] = {"bonus": 100}           # the submission's word counts for nothing
    nb, _ = course.run(ExtraCredit, nb)
    assert extra("test_bonus") == BONUS
    assert not extra("test_double")
    nb.cells[4].outputs = [new_output("error", ename="AssertionError", evalue="", traceback=[])]
    course.run(ExtraCredit, nb)
    assert extra("test_bonus") == 0.0


@pytest.mark.fast
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")     # nbgrader's add_submission
def test_extra_credit_does_nothing_without_bonus_cells(make_course):
    from nbgrader.api import Gradebook

    from autograder.preprocessors import ExtraCredit
    course = make_course(answer(), graded())
    with Gradebook(course.db_url) as gb:
        gb.add_student("s1")
        gb.add_submission(A, "s1")
    nb = course.submission()
    before = copy.deepcopy(nb)
    assert course.run(ExtraCredit, nb)[0] == before
    with Gradebook(course.db_url) as gb:
        assert not gb.find_grade("test_double", A, A, "s1").extra_credit


# ----------------------------------------------------------------------------- SanitizeOutputs
HTML = {"text/html": "<script>alert(1)</script>", "application/javascript": "alert(2)", "text/plain": "42"}


@pytest.mark.fast
def test_sanitize_outputs_rebuilds_every_cell_from_typed_values(course):
    """Outputs keep plain text only (HTML, JavaScript go, the text/plain twin stays); a student's markdown
    is shown as its text, the course's kept; metadata keeps nbgrader's keys and the judge's hint on a test
    cell (not tags, widgets, a forged hint on an answer); the notebook's metadata only kernelspec,
    language_info and the judge's flags; past max_own_cells the student's own cells give way to a note."""
    from autograder.preprocessors import SanitizeOutputs
    nb = course.submission()
    answer_cell, test = nb.cells[2], nb.cells[3]
    answer_cell.outputs = [new_output("display_data", data=HTML, metadata={"text/html": {"isolated": True}}),
                           new_output("stream", name="stdout", text="hi\n")]
    answer_cell.metadata.update(tags=["x"], conv1d={"hint": "forged"}, widgets={"state": {}})
    test.metadata["conv1d"] = {"hint": "twice x", "other": 1}
    test.outputs = [new_output("error", ename="AssertionError", evalue="no", traceback=["<b>tb</b>"])]
    nb.cells.append(new_markdown_cell("<img src=x onerror=alert(3)>"))
    nb.cells += [new_code_cell(f"n = {i}") for i in range(3)]
    nb.metadata = nbformat.from_dict({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "env": {"LD_PRELOAD": "x"}},
        "language_info": {"name": "python"}, "widgets": {"state": {}}, "title": "<script>",
        "conv1d": {"flags": ["test_double: gc", 3]}})
    nb, _ = course.run(SanitizeOutputs, nb, max_own_cells=2)
    cells = nb.cells
    assert cells[0].source == course.released.cells[0].source, "the course's markdown is kept as written"
    assert [o.get("data") for o in cells[2].outputs] == [{"text/plain": "42"}, None]
    assert cells[2].outputs[1].text == "hi\n"
    assert cells[2].metadata == {"nbgrader": course.released.cells[2].metadata["nbgrader"]}
    assert cells[3].metadata["conv1d"] == {"hint": "twice x"}
    assert cells[3].outputs[0].traceback == ["<b>tb</b>"]     # an error's text (nbconvert escapes it)
    assert cells[5].cell_type == "markdown" and cells[5].source == "    <img src=x onerror=alert(3)>"
    assert cells[6].source == "n = 0"
    assert cells[7].source.startswith("*2 more cells that are not the course's") and len(cells) == 8
    assert nb.metadata == {"kernelspec": {"name": "python3", "display_name": "Python 3"},
                           "language_info": {"name": "python"}, "conv1d": {"flags": ["test_double: gc"]},
                           "course": {"lang": "en"}}
    assert len({c.id for c in cells}) == len(cells)
    nbformat.validate(nb)


# ----------------------------------------------------------------------------- FeedbackPage
@pytest.mark.fast
def test_feedback_page_puts_a_table_of_tests_on_top_and_leaves_course_code_out(make_course):
    """generate_feedback, after GetGrades: a summary table of the test cells (points, the first line of the
    message, the judge's hint from metadata, escaped), the generated check cell replaced by a note, the
    course's formulas as MathML."""
    from autograder.preprocessors import FeedbackPage
    course = make_course(intro(), checks_cell(), answer(), graded(), bonus_cell())
    nb = course.submission()
    test, bonus = nb.cells[3], nb.cells[4]
    test.metadata["nbgrader"]["score"] = 0.0
    test.metadata["conv1d"] = {"hint": "return\n2 * x"}
    test.outputs = [new_output("error", ename="CheckFailed", evalue="values <differ>\nsecond line", traceback=[])]
    bonus.metadata["nbgrader"]["score"] = 0.0
    nb, _ = course.run(FeedbackPage, nb)
    table = nb.cells[0].source
    assert "<tr><td>test_double</td><td>0 / 2</td><td>values &lt;differ&gt;\n<b>Hint:</b> return 2 * x</td></tr>" \
        in table
    assert "<tr><td>test_bonus</td><td>0 / 0</td><td>passed</td></tr>" in table
    assert "second line" not in table
    assert "<math" in nb.cells[1].source and "$" not in nb.cells[1].source
    assert nb.cells[2].cell_type == "markdown" and "check code cell is left out" in nb.cells[2].source
    assert "import json" not in "".join(c.source for c in nb.cells)
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells[3:]] == ["double", "test_double",
                                                                                      "test_bonus"]


# ----------------------------------------------------------------------------- Judge (sandbox)
@pytest.fixture
def sandboxed():
    from autograder.sandbox import confine
    if not confine.bwrap():
        pytest.skip("bubblewrap is not usable here")


def test_judge_replaces_a_test_cells_outputs_by_its_verdict(make_course, sandboxed):
    """The Judge runs the gradebook's test source (not the submission's) against the answer cells outside
    the kernel: a pass shows what the test printed; a failure one error line, which says when the name is
    defined in a cell that is not an answer cell; a test cell the gradebook does not know loses its
    metadata and is never run; the notebook gets its (empty) flags."""
    from autograder.preprocessors import Judge
    course = make_course(answer(), graded())
    nb = course.submission()
    nb.cells[1].source = "print('edited')"                 # OverwriteCells' job; the judge reads the gradebook
    forged = new_code_cell("raise SystemExit", metadata={"nbgrader": meta("test_x", grade=True, points=5)})
    nb.cells.append(forged)
    nb, _ = course.run(Judge, nb)
    assert [(o.output_type, o.get("text")) for o in nb.cells[1].outputs] == [("stream", "ok\n")]
    assert "nbgrader" not in forged.metadata and forged.outputs == []
    assert nb.metadata["conv1d"]["flags"] == []

    nb = course.submission()
    nb.cells[0].source = STUB
    nb.cells.insert(0, new_code_cell("def double(x):\n    return 2 * x\n"))
    nb, _ = course.run(Judge, nb)
    (error,) = nb.cells[2].outputs
    assert error.output_type == "error" and error.ename == "NotImplementedError"
    assert "`double` is defined in cell 1, which is not an answer cell" in error.evalue
    assert "conv1d" not in nb.cells[2].metadata


def test_the_judge_speaks_the_submissions_language_and_flags_stay_english(make_course, sandboxed):
    """A Chinese submission (metadata course.lang): what the student reads in a test cell (the note on a shell
    line, the refusal flagged for the instructor, the error) is Chinese; the notebook's flags, the instructor's,
    stay English; the judge speaks English again afterwards."""
    from autograder.notebook.language import tr
    from autograder.preprocessors import Judge
    course = make_course(answer("!pip install -q numpy\ndef double(x):\n    import gc\n    gc.get_objects()\n"),
                         graded())
    nb = course.submission()
    nb.cells[0].source = course.source.cells[0].source
    nb.metadata["course"] = {"lang": "zh"}
    nb, _ = course.run(Judge, nb)
    text, error = nb.cells[1].outputs
    assert "`!pip install -q numpy` 在评分时不起作用" in text.text, text.text
    assert "评分沙箱：这里不允许调用 gc.get_objects" in text.text, text.text
    assert error.ename == "PermissionError" and "评分沙箱" in error.evalue, error.evalue
    assert nb.metadata["conv1d"]["flags"] == ["answer cell 1, line 3: imports gc",
                                              "test_double: grading sandbox: gc.get_objects is not allowed here"]
    assert tr("your code") == "your code"


# ----------------------------------------------------------------------------- Execute (sandbox, kernel)
def test_execute_runs_only_the_students_code_in_the_sandboxed_kernel(make_course, sandboxed, monkeypatch):
    """In the conv1d-sandbox kernel: the answer cell runs (its output kept); the test cell is not run (the
    Judge's), nor the course's own unchanged cell; a cell the student added runs; the kernel's own
    seconds are left for the Judge."""
    from autograder.preprocessors import Execute
    monkeypatch.setenv("JUPYTER_PATH", str(ROOT / "autograder" / "sandbox"))
    course = make_course(setup(), answer(), graded())
    nb = course.submission()
    nb.cells[0].outputs = [new_output("stream", name="stdout", text="left from the student's run\n")]
    nb.cells[1].source = "def double(x):\n    return 2 * x\nprint(double(21))"
    nb.cells.append(new_code_cell(f"import os\nprint('mine', os.path.exists({str(ROOT)!r}))"))
    resources = course.resources()
    ex = Execute(config=course.config, kernel_name="conv1d-sandbox", prestart=False, shutdown_kernel="immediate")
    nb, resources = ex.preprocess(nb, resources)
    assert [o.get("text") for o in nb.cells[1].outputs] == ["42\n"]
    assert nb.cells[0].outputs == [] and nb.cells[2].outputs == []
    assert [o.get("text") for o in nb.cells[3].outputs] == ["mine False\n"], \
        "a cell the student added runs, in the sandbox (which hides the course's folder)"
    assert resources["conv1d_kernel_seconds"] >= 0
    assert resources["metadata"]["path"] is None, "the kernel's scratch folder is not left in the resources"


def test_execute_speaks_the_submissions_language_in_the_students_cells(make_course, sandboxed, monkeypatch):
    """A Chinese submission (metadata course.lang): what Execute writes into the student's cells (a cell
    stopped past its time, the kernel dying in a cell, the cells after it not run) is Chinese; its English
    twin's is the English it always was; Execute speaks English again afterwards. The class report and the
    worker see the dead kernel in both (they read no English words out of a message)."""
    from autograder.classroom.gradingprocess import outcome
    from autograder.classroom.report import stopped_by
    from autograder.notebook.language import tr
    from autograder.preprocessors import Execute
    from autograder.preprocessors.cells import kernel_died_earlier
    monkeypatch.setenv("JUPYTER_PATH", str(ROOT / "autograder" / "sandbox"))
    course = make_course(answer(), graded())
    course.config.TimeLimits.cell_seconds = 1.0
    said = {}
    for lang in ("zh", "en"):
        nb = course.submission()
        nb.cells[0].source = "import time\ntime.sleep(30)"
        nb.cells += [new_code_cell("import os\nos._exit(3)"), new_code_cell("print('after')")]
        if lang == "zh":
            nb.metadata["course"] = {"lang": "zh"}
        ex = Execute(config=course.config, kernel_name="conv1d-sandbox", prestart=False, shutdown_kernel="immediate")
        nb, _ = ex.preprocess(nb, course.resources())
        said[lang] = [[(o.ename, o.evalue) for o in c.outputs if o.output_type == "error"] for c in nb.cells]
        assert tr("your code") == "your code"
        (died,) = [o for o in nb.cells[3].outputs if o.output_type == "error"]
        assert stopped_by(nb.cells[3].outputs) == "the process ended" and kernel_died_earlier(died.ename, died.evalue)
        path = course.root / "autograded" / f"s-{lang}" / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        assert outcome(course.root, A, f"s-{lang}")[1], "the worker sees the dead kernel"
    assert said["en"] == [
        [("CellTimeoutError", "this cell was stopped: it took more than 1 s of its own time (CPU time and sleep; the "
                              "time other processes took is not counted)")],
        [],
        [("KernelDied", "the kernel died in this cell (sys.exit/os._exit, a crash, or too much memory)")],
        [("NotRun", "not run: the kernel died in an earlier cell")]]
    assert said["zh"] == [
        [("CellTimeoutError", "这个单元格已被停止：它自己的运行时间超过了 1 秒（计入 CPU 时间和休眠时间，不计其他进程"
                              "占用的时间）")],
        [],
        [("KernelDied", "内核在这个单元格中终止了（调用了 sys.exit/os._exit、程序崩溃，或者占用了太多内存）")],
        [("NotRun", "未运行：内核已在之前的某个单元格中终止")]]


# ----------------------------------------------------------------------------- the build's light import
@pytest.mark.fast
def test_the_release_build_imports_the_cell_predicates_without_a_kernel_client():
    """autograder/build/release.py uses cells.py's predicates; importing it loads neither ZeroMQ, nbclient nor
    jupyter_client, nor any preprocessor but cells.py."""
    code = ("import autograder.build.release, sys; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('zmq', 'nbclient', 'jupyter_client'))); "
            "print(sorted(m for m in sys.modules if m.startswith('autograder.preprocessors.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": ""}).stdout.splitlines()
    assert out == ["[]", "['autograder.preprocessors.cells']"]
