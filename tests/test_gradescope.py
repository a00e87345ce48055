"""The Gradescope autograder (autograder/gradescope/): the zip, results.json, and a run as Gradescope does it.

The run is autograder/gradescope/container.py's: the zip laid out in /autograder as Gradescope's harness does,
run_autograder run as root in a bubblewrap that stands for Gradescope's container (no checkout, no network,
and, as in Docker, no namespaces for the course's own bubblewrap: student code runs as nobody). Its points are
compared with plain `nbgrader autograde` on this machine for the same notebooks.
"""
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from autograder.build.release import ROOT, notebook_path
from autograder.classroom import submissions
from autograder.classroom.course import Course
from autograder.gradescope import container, export, results, run
from autograder.notebook import language
from tests.grading import chinese_released

ASSIGNMENT = "02_stride"
SECRET = "gradescope-secret-" + os.urandom(8).hex()
EXAMPLES = ROOT / "autograder" / "examples" / ASSIGNMENT
VISIBILITY = {"enum": list(results.VISIBILITIES)}
# Gradescope's fields ("Autograder Specifications"), as this course writes them: every one it writes, typed.
SCHEMA = {
    "type": "object", "required": ["score", "tests"], "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "integer", "minimum": 0},
        "output": {"type": "string"}, "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["name", "score", "status", "visibility", "output"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string", "minLength": 1}, "score": {"type": "number"},
                           "max_score": {"type": "number", "minimum": 0}, "status": {"enum": ["passed", "failed"]},
                           "visibility": VISIBILITY, "output": {"type": "string"}, "number": {"type": "string"},
                           "tags": {"type": "array"}, "extra_data": {"type": "object"}}}}}}

# An answer that tries, in the kernel and in the judge's answer process, what a student's code could do in
# Gradescope's container: read the hidden tests and the secret, forge the results, change the grader, reach
# the network. Any success breaks its (otherwise correct) Conv1d, so it shows in its points.
HOSTILE = '''
import os, socket, glob
_broken = []
def _try(what, f):
    try:
        f()
        _broken.append(what)
    except Exception:
        pass
_try("secret", lambda: open("/autograder/source/course/grading-secret").read())
_try("solutions", lambda: open("/autograder/source/course/solutions/02_stride/02_stride.ipynb").read())
_try("results", lambda: open("/autograder/results/results.json", "w").write('{"score": 1000, "tests": []}'))
_try("grader", lambda: open("/autograder/source/course/autograder/gradescope/results.py", "a").write("#"))
_try("gradebook", lambda: open("/autograder/source/course/gradebook.db", "r+b").write(b"x"))
_try("network", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
def _environ():
    for path in glob.glob("/proc/[0-9]*/environ"):
        try:
            if b"CONV1D_GRADING_SECRET" in open(path, "rb").read():
                return
        except OSError:
            pass
    raise OSError("no process's environment names the secret")
_try("environ", _environ)
_try("class", lambda: open("/autograder/submission_metadata.json").read())
def _shared_memory():       # no audit event: a channel from a hidden case's process to a visible one's
    import _posixshmem
    os.close(_posixshmem.shm_open("/conv1d-leak", os.O_RDWR | os.O_CREAT, 0o600))
_try("shared memory", _shared_memory)
_try("session", os.setsid)      # out of the process group its zygote's end kills: it would outlive the cell
if os.environ.get("CONV1D_GRADING_SECRET"):
    _broken.append("own environment")
'''
# A cell the kernel alone runs (before the judge's processes answer): through libc, past the audit hooks, it
# stops every other process it can see (the judge's zygote among them, when they share a user) and leaves
# files for the answer processes in every folder all users may write.
KERNEL = '''
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    libc.kill(pid, signal.SIGSTOP)
for folder in (b"/tmp", b"/dev/shm", b"/var/tmp", b"/autograder", b"/autograder/results"):
    libc.open(folder + b"/conv1d-left-here", 0o101, 0o644)
'''


def hostile(released):
    """ada's notebook with HOSTILE before her answer in its answer cell."""
    sub = submissions.parse(EXAMPLES / "ada.py", ASSIGNMENT, "hostile")
    nb = sub.apply(released)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "conv1d_answer")
    cell.source = HOSTILE + cell.source.replace("def forward(self, x):", "def forward(self, x):\n"
                                                "        assert not _broken, _broken")
    nb.cells.append(nbformat.v4.new_code_cell(KERNEL))
    return nb


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("zip") / f"{ASSIGNMENT}-gradescope.zip"
    export.build(ASSIGNMENT, out, SECRET)
    return out


def gradescope(zip_file, files, folder):
    """(results.json as parsed, run_autograder's stdout, the /autograder folder) of a run as Gradescope does it."""
    return container.run(zip_file, files, folder, timeout=600)


def notebook_bytes(nb):
    return nbformat.writes(nb).encode()


def released():
    return nbformat.read(notebook_path(ASSIGNMENT, ROOT / "notebooks"), as_version=4)


@pytest.fixture(scope="module")
def graded(zip_path, tmp_path_factory):
    """Four submissions graded by the zip, and the same notebooks by plain nbgrader on this machine."""
    if os.geteuid() != 0:
        pytest.fail("the Gradescope run needs root, as Gradescope runs run_autograder (bwrap without a user "
                    "namespace stands for its container)")
    en = released()
    notebooks = {
        "ada": ("Copy of 02_stride.ipynb", submissions.parse(EXAMPLES / "ada.py", ASSIGNMENT, "ada").apply(en)),
        "alan": ("02_stride (1).ipynb", submissions.parse(EXAMPLES / "alan.py", ASSIGNMENT, "alan").apply(en)),
        "hostile": ("homework/stride.ipynb", hostile(en)),
        "zh__alan": ("02_stride.ipynb", submissions.parse(EXAMPLES / "alan.py", ASSIGNMENT, "zh__alan")
                     .apply(chinese_released(ASSIGNMENT))),
    }
    course = Course(tmp_path_factory.mktemp("nbgrader"), [ASSIGNMENT])
    course.release()
    for student, (_, nb) in notebooks.items():
        path = course.root / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    assert course.autograde(ASSIGNMENT, env={"CONV1D_GRADING_SECRET": SECRET}).returncode == 0
    expected = course.scores(ASSIGNMENT)
    runs = {}
    for student, (name, nb) in notebooks.items():
        before = hashlib.sha256(zip_path.read_bytes()).hexdigest()
        runs[student] = gradescope(zip_path, {name: notebook_bytes(nb)}, tmp_path_factory.mktemp(student))
        assert hashlib.sha256(zip_path.read_bytes()).hexdigest() == before
    return runs, expected


def test_points_are_nbgraders(graded):
    runs, expected = graded
    for student, (res, _, _) in runs.items():
        jsonschema.validate(res, SCHEMA)
        got = {t["name"]: (t["score"], t["max_score"]) for t in res["tests"]}
        assert got == {gid: (score, points) for gid, (score, points) in expected[student].items()}, student
        assert res["score"] == sum(score for score, _ in expected[student].values())
    assert runs["ada"][0]["score"] == 9 and runs["hostile"][0]["score"] == 9 and runs["alan"][0]["score"] < 9


def test_hidden_cases_wait_for_publishing(graded):
    res, stdout, _ = graded[0]["alan"]
    source = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    hidden = {c.metadata["nbgrader"]["grade_id"] for c in source.cells
              if "### BEGIN HIDDEN TESTS" in c.source and c.metadata.get("nbgrader", {}).get("grade")}
    assert hidden and {t["name"] for t in res["tests"] if t["visibility"] == "after_published"} == hidden
    assert all(t["visibility"] == "visible" for t in res["tests"] if t["name"] not in hidden)
    failed = [t for t in res["tests"] if t["status"] == "failed"]
    assert failed and all(t["score"] == 0 and t["output"].strip() for t in failed)
    # what the student reads at once: every cell with hidden tests has its line, and the score is not in it
    lines = res["output"].splitlines()
    assert lines[0] == "Graded 02_stride (1).ipynb." and len(lines) == 1 + len(hidden)
    assert str(res["score"]) not in res["output"] and res["stdout_visibility"] == "hidden"
    for t in res["tests"]:
        if t["name"] in hidden:
            line = next(x for x in lines if x.startswith(t["name"] + ":"))
            assert (t["status"] == "passed") <= ("visible checks pass" in line)
            if "visible checks pass" not in line:     # the first line of its message, then its hint
                assert line.startswith(f'{t["name"]}: {t["output"].splitlines()[0]}')


def test_in_chinese(graded):
    res, _, _ = graded[0]["zh__alan"]
    assert res["output"].startswith("已评分：02_stride.ipynb。")
    failed = [t for t in res["tests"] if t["status"] == "failed" and t["visibility"] == "visible"]
    assert failed and all(any("\u4e00" <= ch <= "\u9fff" for ch in t["output"]) for t in failed)


def test_hostile_code_changes_nothing(graded, zip_path):
    res, stdout, ag = graded[0]["hostile"]
    assert res["score"] == 9 and "1000" not in json.dumps(res)
    assert SECRET not in json.dumps(res) and SECRET not in stdout
    assert "runs as the unprivileged user 65534" in stdout      # the fallback Gradescope's containers need
    with zipfile.ZipFile(zip_path) as zf:
        for name in ("course/gradebook.db", "course/autograder/gradescope/results.py", "course/grading-secret"):
            assert (ag / "source" / name).read_bytes() == zf.read(name), name
    assert not list(ag.rglob("conv1d-left-here")) and not list((ag.parent / "tmp").rglob("conv1d-left-here"))


@pytest.mark.parametrize("files, says", [
    ({}, "no notebook (.ipynb) was handed in"),
    ({"02_stride.ipynb": b"\x89PNG\r\n\x1a\n not a notebook"}, "02_stride.ipynb is not a notebook Jupyter can open"),
    ({"a.ipynb": b"{}", "b.ipynb": b"{}"}, "2 notebooks were handed in (a.ipynb, b.ipynb)"),
])
def test_ungradeable(zip_path, tmp_path, files, says):
    res, stdout, _ = gradescope(zip_path, files, tmp_path)
    jsonschema.validate(res, SCHEMA)
    (test,) = res["tests"]
    assert test["visibility"] == "visible" and test["score"] == 0 == res["score"] and test["max_score"] == 9
    assert says in test["output"] and "\n" not in test["output"] and "Traceback" not in test["output"]


# --- the parts, without a run --------------------------------------------------------------------------------

def cell(gid, outputs=(), in_hidden=False, hint=None):
    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": gid, "points": 1}}
    if in_hidden or hint:
        meta["conv1d"] = {**({"in_hidden": True} if in_hidden else {}), **({"hint": hint} if hint else {})}
    return nbformat.v4.new_code_cell("", metadata=meta, outputs=list(outputs))


def error(message):
    return nbformat.v4.new_output("error", ename="CheckFailed", evalue=message, traceback=[])


@pytest.mark.fast
def test_results_of_each_kind_of_cell():
    nb = nbformat.v4.new_notebook(cells=[
        cell("plain", [error("values differ\n  Hint: flip the kernel")]),
        cell("hidden_seen", [error("the visible case fails\n  got 1.0\n  Hint: flip it")], hint="flip it"),
        cell("hidden_failed", [error("a hidden case: the output is not torch's")], in_hidden=True),
        cell("hidden_passed", [nbformat.v4.new_output("stream", name="stdout", text="✓ values\n")]),
        cell("bonus")])
    graded = [results.Graded("plain", 0, 2, False), results.Graded("hidden_seen", 0, 1, True),
              results.Graded("hidden_failed", 0, 1, True), results.Graded("hidden_passed", 1, 1, True),
              results.Graded("bonus", 1, 0, False), results.Graded("missing", 0, 1, False)]
    res = results.build(nb, graded, handed_in="Copy of x\n.ipynb", seconds=12.7)
    jsonschema.validate(res, SCHEMA)
    tests = {t["name"]: t for t in res["tests"]}
    assert [t["name"] for t in res["tests"]] == [g.name for g in graded]
    assert tests["plain"]["output"] == "values differ\n  Hint: flip the kernel"
    assert tests["plain"]["visibility"] == "visible"
    assert tests["bonus"] == {"name": "bonus", "score": 1.0, "max_score": 0.0, "status": "passed",
                              "visibility": "visible", "output": "passed"}      # Gradescope's extra credit
    assert tests["missing"]["status"] == "failed"
    assert {n for n, t in tests.items() if t["visibility"] == "after_published"} == {
        "hidden_seen", "hidden_failed", "hidden_passed"}
    assert res["score"] == 2 and res["execution_time"] == 12
    lines = res["output"].splitlines()
    assert lines[0] == "Graded Copy of x\\n.ipynb."          # a student's file name is one printable line
    assert lines[1] == "hidden_seen: the visible case fails Hint: flip it"
    # a failure in the hidden cases reads like a pass until grades are published
    assert lines[2].removeprefix("hidden_failed") == lines[3].removeprefix("hidden_passed")


@pytest.mark.fast
def test_results_are_strict_json(tmp_path):
    path = tmp_path / "results.json"
    results.write(path, results.ungradeable("not graded: x\ny\x1b[2J", 7))
    res = json.loads(path.read_text())
    jsonschema.validate(res, SCHEMA)
    assert res["tests"][0]["output"] == "not graded: x\\ny\\x1b[2J" and os.listdir(tmp_path) == ["results.json"]
    with pytest.raises(ValueError):
        results.write(path, {"score": float("nan"), "tests": []})
    assert json.loads(path.read_text()) == res


@pytest.mark.fast
def test_the_notebook_to_grade(tmp_path):
    def nb(*ids, kind="code"):
        return json.dumps({"cells": [{"cell_type": kind, "id": i, "metadata": {}, "source": ""} for i in ids]})

    def chosen():
        (name, _, _), lang = run.choose(folder, {"ours"}, "02_stride")
        return name, lang
    folder = tmp_path / "submission"
    folder.mkdir()
    with pytest.raises(run.Ungradeable) as e:
        run.choose(folder, {"ours"}, "02_stride")
    assert e.value.lang is None and "no notebook (.ipynb) was handed in" in run.in_language(e.value.say, None)
    assert "没有提交笔记本" in run.in_language(e.value.say, None)       # no language known: every one of them
    crowded = tmp_path / "crowded"      # a folder sorted before the notebook holds more files than are looked at
    (crowded / "Assets").mkdir(parents=True)
    for i in range(run.SCANNED + 5):
        (crowded / "Assets" / f"{i}.png").write_bytes(b"")
    (crowded / "Copy of 02_stride.ipynb").write_text(nb("x"))
    assert run.choose(crowded, {"ours"}, "02_stride")[0][0] == "Copy of 02_stride.ipynb"
    (folder / "Copy of 02_stride.ipynb").write_text(nb("x"))
    assert chosen() == ("Copy of 02_stride.ipynb", "en")     # one notebook: whatever it holds
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "02_stride-checkpoint.ipynb").write_text(nb("ours"))
    (folder / "link.ipynb").symlink_to("/etc/passwd")
    assert chosen() == ("Copy of 02_stride.ipynb", "en")
    (folder / "notes").mkdir()
    (folder / "notes" / "mine.ipynb").write_text(nb("ours"))
    assert chosen() == ("notes/mine.ipynb", "en")               # of several, the assignment's
    (folder / "other.ipynb").write_bytes(b"\xef\xbb\xbf" + nb("ours").encode())
    with pytest.raises(run.Ungradeable, match="3 notebooks were handed in"):
        run.choose(folder, {"ours"}, "02_stride")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.ipynb").write_text(json.dumps({"cells": [1, "x", None]}))    # JSON, but not a notebook's cells
    with pytest.raises(run.Ungradeable, match="x.ipynb is not a notebook Jupyter can open"):
        run.choose(bad, {"ours"}, "02_stride")
    deep = tmp_path / "deep"
    (deep / ("d/" * 12)).mkdir(parents=True)
    (deep / ("d/" * 12) / "x.ipynb").write_text(nb("ours"))
    with pytest.raises(run.Ungradeable) as e:
        run.choose(deep, {"ours"}, "02_stride")
    assert "Not looked at: links, hidden files" in str(e.value)


def test_a_grading_past_its_time_is_stopped_with_all_it_started(tmp_path):
    """A grading that overruns is stopped, and so is what it started in another session (a kernel, the judge's
    zygote) even when it holds the output: results are written in time."""
    import time

    import psutil
    grandchild = tmp_path / "grandchild"
    script = ("import os, subprocess, sys, time\n"
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
              f"open({str(grandchild)!r}, 'w').write(str(p.pid))\n"
              "print('started', flush=True)\n"
              "time.sleep(60)\n")
    start = time.monotonic()
    code, log = run.autograde(tmp_path, tmp_path, ASSIGNMENT, SECRET, 15, argv=[sys.executable, "-c", script])
    assert code is None and time.monotonic() - start < 45
    pid = int(grandchild.read_text())         # started well within the 15 s (two Pythons)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.fast
def test_zip_layout(tmp_path):
    files = dict(export.course_files(ASSIGNMENT))
    assert "course/autograder/gradescope/run.py" in files and "course/autograder/sandbox/child.py" in files
    assert f"course/solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb" in files
    assert "course/locale/zh/checks/gradescope.results.po" in files
    assert not any("/examples/" in name or "__pycache__" in name for name in files)
    assert not any(f"solutions/{a}" in name for name in files for a in ("01_channels_kernel", "07_capstone"))


def test_export_command(tmp_path):
    env = dict(os.environ, CONV1D_GRADING_SECRET=SECRET)
    done = subprocess.run([sys.executable, "-m", "autograder", "export", "gradescope", ASSIGNMENT, "--out",
                           str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    path = tmp_path / f"{ASSIGNMENT}-gradescope.zip"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[:2] == ["setup.sh", "run_autograder"]          # at the zip's root, executable
        assert all((zf.getinfo(n).external_attr >> 16) & 0o111 for n in names[:2])
        assert zf.read("course/grading-secret").decode().strip() == SECRET
        assert json.loads(zf.read("course/gradescope.json")) == {"assignment": ASSIGNMENT}
    def entries():
        with zipfile.ZipFile(path) as zf:       # all but the gradebook, which holds the time it was made
            return {i.filename: (i.date_time, zf.read(i)) for i in zf.infolist() if not i.filename.endswith(".db")}
    first = entries()
    subprocess.run([sys.executable, "-m", "autograder", "export", "gradescope", ASSIGNMENT, "--out",
                    str(tmp_path)], cwd=ROOT, env=env, check=True, capture_output=True)
    assert entries() == first                   # the same course and secret, the same files
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(Path(export.HERE) / script)]).returncode == 0
    language.use("en")
