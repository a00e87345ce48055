"""The feedback page (autograder/preprocessors/feedbackpage.py) speaks the submission's language: a Chinese
submission's page has its summary table's headings, "passed", "failed", the hint's label and the notes on what
the page leaves out in Chinese, with the English page's numbers; the English twin's page is the English it was.
No grading here: FeedbackPage is run on a hand-made graded notebook, in a course folder of one assignment
(the sandboxed runs of Execute in Chinese are tests/test_preprocessors.py's)."""
import copy
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from autograder.notebook.language import tr

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)

A = "a1"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row, separated by spaces only: a sentence left untranslated (code spans cut out first).
ENGLISH_RUN = re.compile(r"(?<![\w.'])[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}(?![\w(])")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def nbgrader(gid, *, grade=False, solution=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": not solution, "grade_id": gid, "schema_version": 3}
    return {"nbgrader": {**meta, "points": points} if points is not None else meta}


def source():
    """The source notebook: a formula, the generated check code and explorer cells, an answer, two tests."""
    return new_notebook(cells=[
        new_markdown_cell("# Doubling\n\nThe answer is $y = 2x$.", id="intro"),
        new_code_cell("import json  # the course's checks", id="checks",
                      metadata={**nbgrader("checks"), "course": {"generated": "check"}}),
        new_code_cell("import json  # the explorer", id="explorer",
                      metadata={**nbgrader("explorer"), "course": {"generated": "explorer"}}),
        new_code_cell("def double(x):\n    return 2 * x\n", id="answer", metadata=nbgrader("double", solution=True)),
        new_code_cell("assert double(2) == 4\n", id="test-double",
                      metadata=nbgrader("test_double", grade=True, points=2)),
        new_code_cell("assert double(0) == 0\n", id="test-zero", metadata=nbgrader("test_zero", grade=True, points=1)),
    ])


@pytest.fixture
def page(tmp_path):
    """page(lang): the feedback page (its cells' sources, in order) of a graded submission in `lang`: test_double
    failed with a hint, test_zero failed with no message at all, two cells of the student's own, the first one
    longer than the page shows (max_cell_chars 50), the second one past max_own_cells (1)."""
    from autograder.preprocessors import FeedbackPage
    nb = source()
    for folder in ("solutions", "notebooks"):
        (tmp_path / folder / A).mkdir(parents=True)
        nbformat.write(nb, tmp_path / folder / A / f"{A}.ipynb")
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.source_directory = "solutions"
    config.CourseDirectory.release_directory = "notebooks"
    config.FeedbackPage.max_cell_chars = 50
    config.FeedbackPage.max_own_cells = 1

    def make(lang):
        sub = copy.deepcopy(nb)
        if lang != "en":
            sub.metadata["course"] = {"lang": lang}
        test, zero = sub.cells[4], sub.cells[5]
        test.metadata["nbgrader"]["score"] = 0.0
        test.metadata["conv1d"] = {"hint": "return 2 * x"}
        test.outputs = [new_output("error", ename="CheckFailed", evalue="case 3: values differ", traceback=[])]
        zero.metadata["nbgrader"]["score"] = 0.0
        zero.outputs = [new_output("error", ename="", evalue="", traceback=[])]
        sub.cells += [new_code_cell("x = 1  # " + "mine " * 20), new_code_cell("y = 2")]
        out, _ = FeedbackPage(config=config).preprocess(sub, {"nbgrader": {
            "assignment": A, "notebook": A, "student": "s1", "db_url": "sqlite://"}})
        return [c.source for c in out.cells]
    return make


def assert_chinese(zh, en):
    """zh is Chinese with en's numbers and no English sentence left (code spans and comments cut out)."""
    assert CJK.search(zh), zh
    ours = re.sub(r"`[^`]*`|<[^>]*>", "", zh)
    assert not ENGLISH_RUN.findall(ours), (zh, ENGLISH_RUN.findall(ours))
    assert sorted(NUMBER.findall(zh)) == sorted(NUMBER.findall(en)), (zh, en)


def test_the_feedback_page_of_a_chinese_submission_is_chinese_and_its_english_twins_english(page):
    en, zh = page("en"), page("zh")
    assert tr("passed") == "passed", "FeedbackPage speaks English again afterwards"
    assert len(en) == len(zh) == 9, en
    # the summary table: headings, the hint's label, "failed" (an error with no text at all)
    assert "<th>test</th><th>points</th><th>result</th>" in en[0]
    assert "<th>测试</th><th>得分</th><th>结果</th>" in zh[0]
    assert "<tr><td>test_double</td><td>0 / 2</td><td>case 3: values differ\n<b>Hint:</b> return 2 * x</td></tr>" \
        in en[0]
    assert "<tr><td>test_double</td><td>0 / 2</td><td>case 3: values differ\n<b>提示：</b> return 2 * x</td></tr>" \
        in zh[0], "the page's own words are Chinese; the message is the judge's (Chinese when it is)"
    assert "<tr><td>test_zero</td><td>0 / 1</td><td>failed</td></tr>" in en[0]
    assert "<tr><td>test_zero</td><td>0 / 1</td><td>未通过</td></tr>" in zh[0]
    # the generated cells, left out with a note
    assert en[2] == ("*The course's check code cell is left out of this page: it is the same for everyone, and the "
                     "notebook itself has it.*")
    assert en[3] == ("*The course's explorer panel cell is left out of this page: it is the same for everyone, and "
                     "the notebook itself has it.*")
    assert zh[2] == "*本页略去了课程检查的代码单元格：它对每个人都一样，笔记本里本来就有。*"
    assert zh[3] == "*本页略去了课程的动手探索面板单元格：它对每个人都一样，笔记本里本来就有。*"
    # the student's long cell, cut, and the cell past max_own_cells
    assert en[7].endswith("\n# ... 59 more characters are left out of this page"), en[7]
    assert zh[7].endswith("\n# ……本页略去了其余 59 个字符"), zh[7]
    assert en[8] == ("*1 more cells that you added or changed are left out of this page (it shows the first 1); your "
                     "notebook has them all.*")
    assert zh[8] == "*本页略去了你添加或修改的另外 1 个单元格（只显示前 1 个）；你的笔记本里它们都在。*"
    for e, z in ((en[2], zh[2]), (en[3], zh[3]), (en[7].rpartition("\n")[2], zh[7].rpartition("\n")[2]),
                 (en[8], zh[8])):
        assert_chinese(z, e)
    assert en[4:7] == zh[4:7], "the answer and test cells are the student's and the course's, in either language"


def test_a_passed_test_and_a_cut_output_are_said_in_the_submissions_language(page, tmp_path):
    """"passed" in the table, and the note on an output cut to max_cell_chars (the course folder is page's)."""
    from autograder.preprocessors import FeedbackPage
    nb = nbformat.read(tmp_path / "solutions" / A / f"{A}.ipynb", as_version=4)
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.source_directory = "solutions"
    config.FeedbackPage.max_cell_chars = 50
    said = {}
    for lang in ("en", "zh"):
        sub = copy.deepcopy(nb)
        sub.metadata["course"] = {"lang": lang}
        for cell in sub.cells[4:]:
            cell.metadata["nbgrader"]["score"] = cell.metadata["nbgrader"]["points"]
        sub.cells.append(new_code_cell("print('mine')", outputs=[new_output("stream", name="stdout", text="7" * 80)]))
        out, _ = FeedbackPage(config=config).preprocess(sub, {"nbgrader": {
            "assignment": A, "notebook": A, "student": "s1", "db_url": "sqlite://"}})
        said[lang] = out.cells[0].source, out.cells[-1].outputs[0].text
    assert "<tr><td>test_double</td><td>2 / 2</td><td>passed</td></tr>" in said["en"][0]
    assert "<tr><td>test_double</td><td>2 / 2</td><td>通过</td></tr>" in said["zh"][0]
    assert said["en"][1] == "7" * 50 + "\n... 30 more characters are left out"
    assert said["zh"][1] == "7" * 50 + "\n……其余 30 个字符已略去"


def test_the_readers_of_autograded_notebooks_know_a_dead_process_in_either_language():
    """The class report (stopped_by) and the worker see "the process ended" in a Chinese notebook's messages as in
    an English one's: they go by the message's template (cells.says), not by English words."""
    from autograder.build.translations import message_sources, templates
    from autograder.catalogues import checks_catalogue
    from autograder.classroom.report import stopped_by
    from autograder.preprocessors.cells import KERNEL_DIED_EARLIER, PROCESS_ENDED, says
    sources = message_sources()
    assert KERNEL_DIED_EARLIER in templates(sources["preprocessors.execute"])
    assert set(PROCESS_ENDED) <= set(templates(sources["sandbox.judge"]))
    zh = checks_catalogue("zh")
    for ename, template, values in (("NotRun", KERNEL_DIED_EARLIER, {}),
                                    ("AnswerStopped", PROCESS_ENDED[0], {"signal": 9}),
                                    ("AnswerStopped", PROCESS_ENDED[1], {"code": 3})):
        for said in (template, zh[template]):
            value = said.format(**values)
            assert says(value, template)
            assert stopped_by([{"output_type": "error", "ename": ename, "evalue": value}]) == "the process ended"
    assert not says("未运行：这份提交的时间已经用完", KERNEL_DIED_EARLIER)
    refused = zh["your code closed the grader's channel"]
    assert stopped_by([{"output_type": "error", "ename": "AnswerStopped", "evalue": refused}]) == ""


@pytest.mark.parametrize("edition, said, markdown, judged", [
    ("zh", {"lang": "zh"}, False, "zh"),           # its markdown cells deleted: the metadata tells
    ("en", {"lang": "zh"}, True, "zh"),            # an English notebook that asks for Chinese
    ("zh", {"lang": "en"}, True, "en"),            # a Chinese notebook that asks for English
    ("zh", {"lang": {"x": 1}}, True, "zh"),        # forged: no language named, its text tells
    ("zh", None, True, "zh"),                      # no metadata: its text tells
])
def test_the_autograded_notebook_keeps_the_language_it_was_judged_in(edition, said, markdown, judged):
    """SanitizeOutputs rebuilds the notebook's metadata after the judge; the feedback page, made later from the
    autograded notebook, speaks the language the judge spoke (not a guess from what cells are left)."""
    from autograder.build.release import ROOT
    from autograder.catalogues import language
    from autograder.preprocessors.sanitizeoutputs import Course, clean_notebook
    a = "02_stride"
    read = lambda *p: nbformat.read(ROOT.joinpath(*p, a, f"{a}.ipynb"), as_version=4)   # noqa: E731
    en, zh = read("notebooks"), read("notebooks", "zh")
    nb = copy.deepcopy(zh if edition == "zh" else en)
    nb.metadata.pop("course", None)
    if said is not None:
        nb.metadata["course"] = said
    if not markdown:
        nb.cells = [c for c in nb.cells if c.cell_type != "markdown"]
    assert language(nb) == judged
    clean_notebook(nb, Course(read("solutions"), en, editions=[zh]), 1000)
    assert language(nb) == judged and nb.metadata["course"] == {"lang": judged}
