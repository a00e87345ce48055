"""Plain `nbgrader autograde` on a course of its own per test (no shared corpus): the speed bonus switched
off, links, FIFOs and huge files in a submission folder, and a kernel that relinks its sockets. Apart from
tests/test_autograde.py so that xdist runs them beside the corpus fixture."""
import dataclasses
import time

import nbformat

from tests.grading import CORPUS, LIMITS, release, special_files


def test_the_instructor_can_switch_the_speed_bonus_off(tmp_path):
    """`c.Judge.bonus = False`: the bonus cell is not timed, says why, and gives no extra credit."""
    from autograder.classroom.course import Course
    ada = next(s for s in CORPUS if s.assignment == "07_capstone" and s.path.stem == "ada")
    assert ada.expect["test_speed_bonus"] == 1
    course = Course(tmp_path, ["07_capstone"])
    release(course)
    course.submit(ada)
    assert course.autograde("07_capstone", *LIMITS, "--Judge.bonus=False").returncode == 0
    cells = course.scores("07_capstone")[ada.student]
    assert cells["test_speed_bonus"] == (0.0, 0.0)
    assert sum(score for score, _ in cells.values()) == sum(ada.expect.values()) - 1
    nb = nbformat.read(next((course.root / "autograded").rglob("07_capstone.ipynb")), as_version=4)
    bonus = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_speed_bonus")
    assert [o.evalue for o in bonus.outputs] == ["this course does not offer this bonus (c.Judge.bonus = False)"]


def test_links_fifos_and_huge_files_in_a_submission_are_refused_and_the_others_graded(tmp_path):
    """A submission folder is data: a link (to the gradebook, to another student's folder), a FIFO, a
    hard link or a huge file there is refused with its reason, by plain `nbgrader autograde` and by
    `python -m autograder grade`, before anything reads it; every other student is graded."""
    import os

    from autograder.classroom.course import Course
    a = "01_channels_kernel"
    grace = next(s for s in CORPUS if s.assignment == a and s.path.stem == "grace")
    course = Course(tmp_path / "course", [a])
    release(course)
    course.submit(grace)
    good = course.root / "submitted" / grace.student / a / f"{a}.ipynb"

    def folder(student):
        path = course.root / "submitted" / student / a
        path.mkdir(parents=True)
        return path / f"{a}.ipynb"
    os.symlink(course.root / "gradebook.db", folder("link_to_gradebook"))
    os.mkfifo(folder("fifo"))
    (tmp_path / "elsewhere.ipynb").write_bytes(good.read_bytes())
    os.link(tmp_path / "elsewhere.ipynb", folder("hard_link"))
    folder("huge").write_bytes(b" " * (21 * 1024 ** 2))
    extra = folder("link_beside")
    extra.write_bytes(good.read_bytes())
    os.symlink("/etc/passwd", extra.parent / "notes.txt")
    (course.root / "submitted" / "linked_folder").symlink_to(course.root / "submitted" / grace.student)
    refused = {"link_to_gradebook": "symbolic link", "fifo": "FIFO", "hard_link": "hard link", "huge": "MiB",
               "link_beside": "symbolic link", "linked_folder": "not a folder"}
    before = (course.root / "gradebook.db").read_bytes()[:16]

    r = course.autograde(a, *LIMITS)
    for student, why in refused.items():
        assert any(student in line and why in line for line in r.stderr.splitlines()), (student, r.stderr[-3000:])
    scores = course.scores(a)
    assert sum(v for v, _ in scores[grace.student].values()) == 5
    assert not set(refused) & set(scores) or all(sum(v or 0 for v, _ in scores[s].values()) == 0 for s in refused
                                                  if s in scores)
    assert (course.root / "gradebook.db").read_bytes()[:16] == before == b"SQLite format 3\0"
    assert special_files(course.root / "autograded") == []

    p = course.grade_parallel([a], *LIMITS, force=True)
    assert p.returncode == 1
    for student, why in refused.items():
        assert any(student in line and why in line for line in p.stdout.splitlines()), (student, p.stdout)
    assert sum(v for v, _ in course.scores(a)[grace.student].values()) == 5


def test_the_grader_never_reconnects_through_links_the_kernel_made(tmp_path):
    """The kernel can replace its ZeroMQ socket files by links to any socket of the host, then die: the
    grader's sockets (the kernel manager's and the client's) connect once and never again, so a canary
    socket named by the links hears nothing (red-teaming found the client reconnecting 16 times)."""
    import socket
    import threading

    from autograder.classroom.course import Course
    canary = tmp_path / "canary.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(canary))
    listener.listen(64)
    listener.settimeout(0.5)
    heard, stop = [], threading.Event()

    def listen():
        while not stop.is_set():
            try:
                heard.append(listener.accept()[0])
            except OSError:
                pass
    threading.Thread(target=listen, daemon=True).start()
    grace = next(s for s in CORPUS if s.assignment == "01_channels_kernel" and s.path.stem == "grace")
    attack = (f"import ctypes, json, os, sys, time\nlibc = ctypes.CDLL(None)\n"
              f"info = json.load(open(sys.argv[sys.argv.index('-f') + 1]))\n"
              f"for key in ('shell_port', 'iopub_port', 'stdin_port', 'hb_port', 'control_port'):\n"
              f"    path = f\"{{info['ip']}}-{{info[key]}}\".encode()\n"
              f"    libc.unlink(path)\n    libc.symlink({str(canary).encode()!r}, path)\n"
              f"print('links made')\nsys.stdout.flush()\ntime.sleep(0.5)\nos._exit(0)\n")
    sub = dataclasses.replace(grace, student="relinker", edits=grace.edits + [("append", None, None, attack)])
    course = Course(tmp_path / "course", ["01_channels_kernel"])
    release(course)
    course.submit(sub)
    try:
        assert course.autograde("01_channels_kernel", *LIMITS).returncode == 0
        time.sleep(1)
    finally:
        stop.set()
    assert heard == [], f"the grader connected {len(heard)} times to the canary"
    assert sum(v for v, _ in course.scores("01_channels_kernel")["relinker"].values()) == 5


def test_a_grading_run_leaves_no_scratch_folder_and_no_process_behind(tmp_path):
    """Plain `nbgrader autograde` of several students (a kernel started ahead for a next notebook that never
    comes, the judge's one zygote, an answer that leaves files and a closed folder in its own folder):
    when it ends, its temp folder is empty and none of its kernels or answer processes runs."""
    import subprocess

    from autograder.classroom.course import BIN, ENV, Course
    a = "01_channels_kernel"
    grace = next(s for s in CORPUS if s.assignment == a and s.path.stem == "grace")
    subs = [grace] + [s for s in CORPUS if s.assignment == a and s is not grace][:1]
    course = Course(tmp_path / "course", [a])
    release(course)
    for s in subs:
        course.submit(s)
    litter = ("\nimport os\nopen('left.txt', 'w').close()\nos.makedirs('closed/inner', exist_ok=True)"
              "\nos.chmod('closed', 0)\n")
    course.submit(dataclasses.replace(grace, student="litter", edits=[
        (op, gid, arg, body + litter if gid == "conv1d_answer" else body) for op, gid, arg, body in grace.edits]))
    import shutil
    import tempfile
    from pathlib import Path
    # a short TMPDIR of its own, so that the kernels' scratch folders (their sockets' paths must fit in
    # 107 bytes) are made there too; the course root stays outside /tmp
    temp = Path(tempfile.mkdtemp(prefix="c1d-"))
    try:
        r = subprocess.run([str(BIN / "nbgrader"), "autograde", a, "--force", *LIMITS, "--log-level=DEBUG"],
                           cwd=course.root, env=dict(ENV, TMPDIR=str(temp)), capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
        # nbgrader's debug log names each kernel's connection file ("Starting kernel: [..., '-f', path]")
        assert f"'-f', '{temp}/" in r.stdout + r.stderr, "the kernels did not use TMPDIR"
        assert set(course.scores(a)) == {s.student for s in subs} | {"litter"}
        assert sorted(p.name for p in temp.iterdir()) == []
        left = subprocess.run(["pgrep", "-af", str(temp)], capture_output=True, text=True).stdout
        assert left == "", left
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def test_a_kernel_keeps_nothing_for_the_next_and_its_files_are_bounded(tmp_path):
    """One student's cell writes through sqlite3, dbm and ctypes (C code, where the kernel's audit hook does
    not look) into every place its kernel might reach, and tries to fill the memory with files; the next
    student's kernel, in the same grading run, finds none of it, and the first could write at most the
    sandbox's file budget, as configured (c.MemoryLimits.kernel_folder_bytes: its one writable folder is a
    tmpfs that size; the grading process hands it to the kernel on its command line)."""
    from autograder.classroom.course import Course
    from autograder.sandbox import confine
    from tests.test_judge import LOOK, PLANT
    if not confine.bwrap():
        import pytest
        pytest.skip("bubblewrap is what bounds and separates the kernels' files")
    a = "01_channels_kernel"
    grace = next(s for s in CORPUS if s.assignment == a and s.path.stem == "grace")
    fill = ("\nwritten = 0\nfor i in range(8):\n    try:\n        with open(f'fill-{i}', 'wb') as f:\n"
            "            for _ in range(100):\n                f.write(b'x' * 2 ** 20)\n"
            "                written += 2 ** 20\n    except OSError:\n        break\n"
            "print('written MiB', written // 2 ** 20)\nprint('planted', tried)\n")
    look = LOOK + "print('found', found)\n"
    course = Course(tmp_path / "course", [a])
    release(course)
    course.submit(dataclasses.replace(grace, student="aa-planter",
                                      edits=grace.edits + [("append", None, None, PLANT + fill)]))
    course.submit(dataclasses.replace(grace, student="zz-looker", edits=grace.edits + [("append", None, None, look)]))
    folder_mib = 96         # below the default (autograder/limits.py), above what the kernel needs itself
    assert course.autograde(a, *LIMITS, f"--MemoryLimits.kernel_folder_bytes={folder_mib * 2 ** 20}").returncode == 0

    def printed(student):
        nb = nbformat.read(course.root / "autograded" / student / a / f"{a}.ipynb", as_version=4)
        return nb.cells[-1].outputs[0].text if nb.cells[-1].outputs else ""
    planted, found = printed("aa-planter"), printed("zz-looker")
    assert "found []" in found, found
    written = int(planted.split("written MiB ")[1].split()[0])
    assert 0 < written <= folder_mib, planted
    assert sum(v for v, _ in course.scores(a)["zz-looker"].values()) == 5
