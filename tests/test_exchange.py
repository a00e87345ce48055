"""`nbgrader collect` through the course's collector (autograder/classroom/exchange.py), with real
nbgrader commands and real Unix accounts: who owns an inbound folder is what the operating system
records, never what its name says; one student's folder never stops the class; nothing a student
wrote is followed.

The students are Unix accounts made for these tests (conv1d_alice, ...; `useradd` once, reused
afterwards), so the tests need root; they submit with `nbgrader submit` run as
themselves (the venv's interpreter, or the system's Python of its version with the venv's packages when
the venv's lives where only root may enter), or write their inbound folder as they could by hand (owned
by them: os.lchown)."""
import functools
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from autograder.classroom.course import ENV, Course
from autograder.sandbox.intake import MAX_FILE
from tests.grading import release

A = "01_channels_kernel"
STUDENTS = ["conv1d_alice", "conv1d_bob", "conv1d_carol", "conv1d_dave", "conv1d_eve", "conv1d_mallory",
            "conv1d_oscar"]
T1, T2 = "2026-01-05 10:00:00.000000 UTC", "2026-01-05 11:00:00.000000 UTC"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd"),
                                reason="needs root and useradd: the students are real Unix accounts")


@pytest.fixture(scope="module")
def users():
    """The test accounts, made once (locked, no home, no login shell) and kept for later runs: deleting
    them would pull them from under another run of these tests. Their files are deleted after each test."""
    for name in STUDENTS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            r = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                               check=False, capture_output=True, text=True)
            try:
                pwd.getpwnam(name)
            except KeyError:
                pytest.fail(f"useradd {name}: {r.stderr}")
    return {name: pwd.getpwnam(name) for name in STUDENTS}


@pytest.fixture(scope="module")
def released(tmp_path_factory, users):
    """A course released into its exchange (course.root/exchange), which every account may use."""
    course = Course(tmp_path_factory.mktemp("exchange") / "course", [A])
    release(course)
    course.nbgrader("release_assignment", A)
    (course.root / "exchange").chmod(0o777)         # as nbgrader's docs set up the exchange
    let_through(course.root)
    return course


def let_through(folder):
    """Let every account reach `folder` (pytest makes its folders 0700)."""
    for path in (folder, *folder.parents):
        if not path.stat().st_mode & stat.S_IXOTH:
            path.chmod(path.stat().st_mode | stat.S_IXOTH)


@pytest.fixture
def course(released, tmp_path):
    """The released course with an empty inbound/ and nothing collected yet."""
    yield released
    inbound = released.root / "exchange" / "conv1d" / "inbound"
    if inbound.is_symlink():
        inbound.unlink()
        (released.root / "exchange" / "conv1d" / "inbound.real").rename(inbound)
    for entry in inbound.iterdir():
        entry.unlink() if entry.is_symlink() or not entry.is_dir() else shutil.rmtree(entry)
    shutil.rmtree(released.root / "submitted", ignore_errors=True)


def inbound(course):
    return course.root / "exchange" / "conv1d" / "inbound"


def notebook(course, who):
    """The released notebook with a mark of who wrote it."""
    nb = nbformat.read(course.root / "notebooks" / A / f"{A}.ipynb", as_version=4)
    nb.metadata["written_by"] = who
    return nbformat.writes(nb).encode()


def chown_tree(path, user):
    os.lchown(path, user.pw_uid, user.pw_gid)
    if path.is_dir() and not path.is_symlink():
        for entry in path.rglob("*"):
            os.lchown(entry, user.pw_uid, user.pw_gid)


@functools.cache
def student_python(uid, gid):
    """A command that runs this venv's nbgrader as the account `uid`: the venv's own interpreter when the
    account may run it, else the system's Python of the same version with the venv's packages (the venv's
    interpreter may live in a folder only root enters, as pyenv's under /root does); None if neither."""
    purelib = sysconfig.get_paths()["purelib"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        try:
            r = subprocess.run([python, "-s", "-c", "import importlib.util as u; assert u.find_spec('nbgrader')"],
                               env={"PYTHONPATH": purelib}, user=uid, group=gid, extra_groups=[], cwd="/",
                               check=False, capture_output=True)
        except OSError:                 # not there, or not for this account
            continue
        if r.returncode == 0:
            return python, purelib
    return None


def submit(course, tmp_path, user, content, *extra):
    """`nbgrader submit` run as `user` (their own process, home and cache), the notebook `content`."""
    found = student_python(user.pw_uid, user.pw_gid)
    if found is None:
        pytest.skip("no Python the test accounts may run has this venv's nbgrader")
    python, purelib = found
    home = tmp_path / user.pw_name
    (home / A).mkdir(parents=True)
    (home / A / f"{A}.ipynb").write_bytes(content)
    chown_tree(home, user)
    let_through(home)
    r = subprocess.run([python, "-s", "-m", "nbgrader", "submit", A, "--course", "conv1d",
                        f"--Exchange.root={course.root / 'exchange'}", "--log-level=WARN", *extra],
                       cwd=home, env={"PATH": ENV["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
                                      "PYTHONPATH": purelib, "PYTHONDONTWRITEBYTECODE": "1"},
                       user=user.pw_uid, group=user.pw_gid, extra_groups=[], check=False, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr


def folder(course, name, user, content=b"{}", when=T1):
    """An inbound folder as `user` could write it by hand (nbgrader submit's layout), owned by them."""
    path = inbound(course) / name
    path.mkdir()
    (path / f"{A}.ipynb").write_bytes(content)
    (path / "timestamp.txt").write_text(when)
    chown_tree(path, user)
    return path


def collect(course, *extra):
    return course.nbgrader("collect", A, *extra, check=False)


def collected(course):
    root = course.root / "submitted"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def refusal(r, name, why):
    """The one log line that refuses folder `name` (as the log prints it), saying `why`."""
    lines = [line for line in r.stderr.splitlines() if f"Not collected: '{name}" in line]
    assert len(lines) == 1, (name, r.stderr[-3000:])
    assert why in lines[0], (why, lines[0])
    return lines[0]


def files_under(root, skip):
    """Every regular file below `root` (no link followed), but below `skip`."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) != skip]
        for name in filenames:
            path = Path(dirpath, name)
            if stat.S_ISREG(path.lstat().st_mode):
                yield path


def test_an_honest_submission_is_collected_as_its_owner_wrote_it(course, users, tmp_path):
    alice = users["conv1d_alice"]
    submit(course, tmp_path, alice, notebook(course, "alice"))
    r = collect(course)
    assert r.returncode == 0, r.stderr
    assert "Not collected" not in r.stderr, r.stderr
    got = course.root / "submitted" / "conv1d_alice" / A
    assert (got / f"{A}.ipynb").read_bytes() == notebook(course, "alice")
    assert sorted(p.name for p in got.iterdir()) == [f"{A}.ipynb", "submission_secret.txt", "timestamp.txt"]

    # a timestamp.txt nbgrader cannot read in submitted/ does not stop `collect --update` (nbgrader's ends it)
    (got / "timestamp.txt").write_text("2026-01-01 00:00:00 /etc/passwd")
    (got / f"{A}.ipynb").write_text("stale")
    r = collect(course, "--update")
    assert r.returncode == 0, r.stderr
    assert (got / f"{A}.ipynb").read_bytes() == notebook(course, "alice")


def test_a_folder_naming_bob_written_by_another_account_is_refused_and_bobs_own_collected(course, users, tmp_path):
    bob, eve = users["conv1d_bob"], users["conv1d_eve"]
    submit(course, tmp_path, bob, notebook(course, "bob"))
    submit(course, tmp_path / "later", eve, notebook(course, "eve"), "--student=conv1d_bob")   # newer
    forged = [p.name for p in inbound(course).iterdir() if p.stat().st_uid == eve.pw_uid]
    assert len(forged) == 1 and forged[0].startswith(f"conv1d_bob+{A}+")
    r = collect(course)
    assert r.returncode == 1, r.stderr      # a folder was refused: exit code 1, the others collected
    refusal(r, forged[0], f"owned by conv1d_eve (uid {eve.pw_uid}), not by conv1d_bob")
    assert collected(course) == ["conv1d_bob"]
    assert (course.root / "submitted" / "conv1d_bob" / A / f"{A}.ipynb").read_bytes() == notebook(course, "bob")


def test_malformed_names_timestamps_and_unsafe_ids_are_skipped_one_line_each_and_the_others_collected(
        course, users, tmp_path):
    alice, mallory = users["conv1d_alice"], users["conv1d_mallory"]
    folder(course, f"conv1d_alice+{A}+{T1}", alice, notebook(course, "alice"))
    folder(course, f"conv1d_bob+{A}+2026-13-45 99:99:99 UTC", mallory)         # nbgrader's parse_utc raises
    folder(course, f"conv1d_bob+{A}+not a time", mallory)
    folder(course, f"conv1d_bob+{A}+{T1}+x+y", mallory)                         # a part too many
    folder(course, f"+{A}+{T1}", mallory)
    unsafe = {f"..+{A}+{T1}": "'..'",
              f"-rf+{A}+{T1}": "starting with '-'",
              f"=HYPERLINK(1)+{A}+{T1}": "starting with '='",
              f"@SUM(1)+{A}+{T1}": "starting with '@'",
              f"\x1b[2J\x1b]0;owned\x07evil+{A}+{T1}": "control or unprintable character",
              f"{'x' * 200}+{A}+{T1}": "200 characters",
              f"a b+{A}+{T1}": "other than letters"}
    for name in unsafe:
        folder(course, name, mallory)
    os.mkdir(os.fsencode(inbound(course)) + b"/\xff\xfe+" + A.encode() + b"+" + T1.encode())   # not UTF-8
    r = collect(course)
    assert r.returncode == 1, r.stderr      # a folder was refused: exit code 1, the others collected
    assert collected(course) == ["conv1d_alice"]
    refusal(r, f"conv1d_bob+{A}+2026-13-45 99:99:99 UTC", "malformed timestamp")
    refusal(r, f"conv1d_bob+{A}+not a time", "malformed timestamp")
    refusal(r, f"conv1d_bob+{A}+{T1}+x+y", f"not <student>+{A}+<timestamp>")
    refusal(r, f"+{A}+{T1}", "no student id")
    for name, why in unsafe.items():
        shown = name.replace("\x1b", "\\x1b").replace("\x07", "\\x07")[:80]
        refusal(r, shown, why)
    refusal(r, "\\udcff\\udcfe+", "unprintable character")
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert max(len(line) for line in r.stderr.splitlines()) < 500


def test_links_fifos_hard_links_and_huge_files_in_an_inbound_folder_are_refused_and_nothing_copied(
        course, users, tmp_path):
    alice, bob, carol, dave, eve, mallory, oscar = (users[s] for s in STUDENTS)
    private = tmp_path / "instructor-private.txt"
    private.write_text("PRIVATE-INSTRUCTOR-MARK")
    private.chmod(0o600)
    name = {s: f"{s}+{A}+{T1}+r4nd" for s in STUDENTS}
    folder(course, name["conv1d_mallory"], mallory, notebook(course, "mallory"))          # honest
    outside = tmp_path / "dave-outside.txt"          # a file of dave's own outside his folder, linked into it
    outside.write_text("DAVE-OUTSIDE-MARK")
    os.chown(outside, dave.pw_uid, dave.pw_gid)
    for user, entry, make in [
            (alice, "notes.txt", lambda p: p.symlink_to(private)),
            (bob, "data.bin", lambda p: p.symlink_to("/dev/zero")),
            (carol, "pipe", lambda p: os.mkfifo(p)),
            (dave, "copy.txt", lambda p: os.link(outside, p)),
            (eve, "big.bin", lambda p: (p.write_bytes(b""), os.truncate(p, MAX_FILE + 1)))]:
        path = folder(course, name[user.pw_name], user, notebook(course, user.pw_name))
        make(path / entry)
        chown_tree(path, user)
    planted = folder(course, name["conv1d_oscar"], oscar, notebook(course, "oscar"))   # a file of eve's in
    (planted / "notes.txt").write_text("eve was here")                               # oscar's folder (0777)
    os.chown(planted / "notes.txt", eve.pw_uid, eve.pw_gid)
    r = collect(course)
    assert r.returncode == 1, r.stderr      # a folder was refused: exit code 1, the others collected
    refusal(r, name["conv1d_alice"], "notes.txt is a symbolic link")
    refusal(r, name["conv1d_bob"], "data.bin is a symbolic link")
    refusal(r, name["conv1d_carol"], "pipe is a FIFO")
    refusal(r, name["conv1d_dave"], "copy.txt is a hard link")
    refusal(r, name["conv1d_eve"], "big.bin has 20.0 MiB")
    refusal(r, name["conv1d_oscar"], f"notes.txt belongs to conv1d_eve (uid {eve.pw_uid}), not to the folder's owner")
    assert collected(course) == ["conv1d_mallory"]
    for path in files_under(course.root, skip=course.root / "exchange"):
        data = path.read_bytes()
        assert b"PRIVATE-INSTRUCTOR-MARK" not in data and b"DAVE-OUTSIDE-MARK" not in data, path
        assert len(data) < MAX_FILE, path


def test_an_inbound_folder_that_is_a_symbolic_link_is_not_followed(course, users, tmp_path):
    bob, mallory = users["conv1d_bob"], users["conv1d_mallory"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{A}.ipynb").write_bytes(notebook(course, "elsewhere"))
    (elsewhere / "secret.txt").write_text("PRIVATE-INSTRUCTOR-MARK")
    link = inbound(course) / f"conv1d_bob+{A}+{T2}"
    link.symlink_to(elsewhere)
    os.lchown(link, bob.pw_uid, bob.pw_gid)                 # bob's own link: the owner check passes
    folder(course, f"conv1d_mallory+{A}+{T1}", mallory, notebook(course, "mallory"))
    r = collect(course)
    assert r.returncode == 1, r.stderr      # a folder was refused: exit code 1, the others collected
    refusal(r, link.name, "a symbolic link, not a folder")
    assert collected(course) == ["conv1d_mallory"]
    for path in files_under(course.root, skip=course.root / "exchange"):
        assert b"PRIVATE-INSTRUCTOR-MARK" not in path.read_bytes(), path


def test_an_inbound_that_is_a_symbolic_link_is_not_followed_and_nothing_is_collected(course, users, tmp_path):
    mallory = users["conv1d_mallory"]
    folder(course, f"conv1d_mallory+{A}+{T1}", mallory, notebook(course, "mallory"))
    real = inbound(course)
    real.rename(real.with_name("inbound.real"))
    real.symlink_to(real.with_name("inbound.real"))
    r = collect(course)
    assert r.returncode != 0
    assert "inbound is a symbolic link, not a folder: not followed, nothing collected" in r.stderr, r.stderr
    assert collected(course) == []


def test_where_owners_cannot_be_told_apart_nothing_is_collected_unless_names_are_trusted_with_a_warning(
        course, users, tmp_path):
    """Every folder written by one account (a hub whose servers all run as one uid; the instructor trying
    the exchange with `nbgrader submit --student=...`): the operating system vouches for no student."""
    root = pwd.getpwuid(0)
    folder(course, f"conv1d_alice+{A}+{T1}", root, notebook(course, "alice"))
    folder(course, f"conv1d_bob+{A}+{T1}", root, notebook(course, "bob"))
    r = collect(course)
    assert r.returncode == 1, r.stderr      # a folder was refused: exit code 1, the others collected
    for student in ("conv1d_alice", "conv1d_bob"):
        refusal(r, f"{student}+{A}+{T1}", f"owned by root (uid 0), not by {student}")
    assert "belongs to root (uid 0): on this exchange the operating system cannot tell students apart" in r.stderr
    assert collected(course) == []

    r = collect(course, "--CheckedCollect.trust_folder_names=True")
    assert r.returncode == 0, r.stderr
    assert "trust_folder_names is set: student ids are taken from folder names and nobody checks" in r.stderr
    assert collected(course) == ["conv1d_alice", "conv1d_bob"]
