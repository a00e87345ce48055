"""Formgrader on a fresh clone, its buttons pressed in headless Chromium: the README's first step
(`python -m autograder gradebook`) creates nbgrader's exchange as nbgrader makes it, so Manage Assignments
offers Release and Collect; Generate writes notebooks/ exactly as committed (`make release`); Release,
Collect, Generate Feedback and Release Feedback work for one class whose submissions came three ways: through
the exchange, by hand into submitted/, and from a Canvas download (`nbgrader zip_collect`)."""
import copy
import io
import os
import pwd
import shutil
import stat
import subprocess
import zipfile

import nbformat

from autograder.build.release import ROOT
from autograder.classroom.course import BIN, ENV
from autograder.classroom.courseroot import ensure_exchange
from tests.grading import LIMITS, SECRET
from tests.test_hostile_pages import formgrader
from tests.test_instructor import examples

A, B = "01_channels_kernel", "02_stride"
TIMEOUT = 600          # seconds for one button's work: a bound, not a measure (Generate and Feedback run nbgrader,
#                        which took 147 s with test_load's busy processes and two gradings beside it)


def fresh_clone(clone):
    """The course root as `git clone` leaves it: no exchange/, gradebook, submitted/ or feedback/."""
    for folder in ("autograder", "solutions", "notebooks"):
        shutil.copytree(ROOT / folder, clone / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "nbgrader_config.py", clone / "nbgrader_config.py")
    return clone


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(*args, cwd, env=None):
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=dict(ENV, **(env or {})), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return r


# The row of an assignment in Manage Assignments, and the link of one of its buttons (by the cell's class).
BUTTON = """const row = [...document.querySelectorAll('td.name')].find(td => td.dataset.order === arguments[0]);
return row ? row.parentElement.querySelector('td.' + arguments[1] + ' a') : null;"""


class Formgrader:
    """The Manage Assignments page of formgrader, in a Chromium."""

    def __init__(self, driver, url, token):
        self.driver, self.url, self.token = driver, url, token
        self.open()

    def open(self):
        from tools.browser import OPEN_TIMEOUT, wait_for
        self.driver.get(f"{self.url}/formgrader/manage_assignments?token={self.token}")
        wait_for("the assignments table", lambda: self.driver.execute_script(BUTTON, A, "assign"), OPEN_TIMEOUT)

    def warnings(self):
        return [e.text for e in self.driver.find_elements("css selector", ".alert-warning")]

    def press(self, assignment, button):
        """Click the button (the cell's class: assign, release, collect, generate-feedback, release-feedback) and
        return (title, text) of the dialog formgrader shows when the work is done; the dialog is closed."""
        from tools.browser import wait_for
        link = wait_for(f"the {button} button of {assignment}",
                        lambda: self.driver.execute_script(BUTTON, assignment, button), TIMEOUT)
        link.click()
        modal = wait_for(f"formgrader's answer to {button} {assignment}", lambda: next(iter(
            self.driver.find_elements("css selector", "#success-modal.in, #error-modal.in")), None), TIMEOUT)
        title, text = (modal.find_element("css selector", part).get_attribute("textContent")   # scrolled or not
                       for part in (".modal-title", ".modal-body"))
        modal.find_element("css selector", ".modal-footer button").click()
        wait_for("the dialog to close", lambda: not self.driver.find_elements("css selector", ".modal"), TIMEOUT)
        wait_for(f"the row of {assignment} again", lambda: self.driver.execute_script(BUTTON, assignment, "assign"),
                 TIMEOUT)
        return title, text


def canvas_zip(notebook_json, user_id):
    """Canvas's "Download Submissions" zip of one student: <name>_<user id>_<submission id>_<file>."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"smithjane_{user_id}_55501_{A}.ipynb", notebook_json)
    return buf.getvalue()


def test_formgraders_buttons_work_on_a_fresh_clone(tmp_path):
    from tools import browser
    assert not browser.missing_browser(), browser.missing_browser()
    clone = fresh_clone(tmp_path / "conv1d")
    committed = tree(clone / "notebooks")

    # the README's first step makes the exchange, as nbgrader's release_assignment would: rwx for everyone
    r = run(BIN / "python", "-m", "autograder", "gradebook", A, cwd=clone)
    exchange = clone / "exchange"
    assert f"created nbgrader's exchange {exchange}" in r.stdout, r.stdout
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o777
    assert ensure_exchange(clone) is None, "an existing exchange is left as it is"

    by_name = {s.path.stem: s for s in examples()}
    released = nbformat.read(clone / "notebooks" / A / f"{A}.ipynb", as_version=4)
    # collected by hand, as the README's walkthrough says: submitted/<student>/<assignment>/, no timestamp.txt
    ada = clone / "submitted" / "ada" / A / f"{A}.ipynb"
    ada.parent.mkdir(parents=True)
    nbformat.write(by_name["ada"].apply(copy.deepcopy(released)), ada)
    # from Canvas, by nbgrader zip_collect: no submission_secret.txt (nor, with Canvas's names, a timestamp.txt)
    archive = clone / "downloaded" / A / "archive"
    archive.mkdir(parents=True)
    (archive / "canvas.zip").write_bytes(canvas_zip(nbformat.writes(by_name["alan"].apply(copy.deepcopy(released))),
                                                    1001))
    run(BIN / "nbgrader", "zip_collect", A, cwd=clone)
    assert (clone / "submitted" / "1001" / A / f"{A}.ipynb").is_file()

    student = tmp_path / "student"
    student.mkdir()
    as_student = ["--course", "conv1d", f"--Exchange.root={exchange}", "--log-level=WARN"]
    student_env = {"JUPYTER_DATA_DIR": str(tmp_path / "student-data")}      # the student's own nbgrader cache

    tmp = tmp_path / "browser"
    tmp.mkdir()
    with browser.chromium(tmp) as driver, formgrader(clone, tmp) as (url, token):
        page = Formgrader(driver, url, token)
        assert not page.warnings(), page.warnings()       # "The exchange directory ... does not exist ..."

        for a in (A, B):
            title, text = page.press(a, "assign")      # Generate
            assert title == "Success", text
        assert tree(clone / "notebooks") == committed, "formgrader's Generate left notebooks/ as committed"

        title, text = page.press(A, "release")
        assert title == "Success", text
        run(BIN / "nbgrader", "fetch_assignment", A, *as_student, cwd=student, env=student_env)
        fetched = student / A / f"{A}.ipynb"
        nbformat.write(by_name["grace"].apply(nbformat.read(fetched, as_version=4)), fetched)
        run(BIN / "nbgrader", "submit", A, *as_student, cwd=student, env=student_env)
        page.open()
        title, text = page.press(A, "collect")
        assert title == "Success", text
        me = pwd.getpwuid(os.getuid()).pw_name      # the student id nbgrader's submit gives, and the collector checks
        assert sorted(p.name for p in (clone / "submitted").iterdir()) == sorted(["1001", "ada", me])

        r = subprocess.run([str(BIN / "nbgrader"), "autograde", A, *LIMITS, "--log-level=WARN"], cwd=clone,
                           env=dict(ENV, **SECRET), capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
        page.open()
        title, text = page.press(A, "generate-feedback")
        assert title == "Success", text
        students = sorted(["1001", "ada", me])
        assert sorted(p.parent.parent.name for p in (clone / "feedback").rglob(f"{A}.html")) == students

        title, text = page.press(A, "release-feedback")
        assert title == "Success", text
        for who in ("ada", "1001"):          # named, with where their feedback is: it goes back through the LMS
            assert f"Not releasing feedback of student '{who}'" in text, text
        assert len(list((exchange / "conv1d" / "feedback").glob("*.html"))) == 1

    run(BIN / "nbgrader", "fetch_feedback", A, *as_student, cwd=student, env=student_env)
    assert list((student / A / "feedback").rglob(f"{A}.html")), "the exchange's student has their feedback"

