"""The judge on its own: every solution passes every test cell through it, and what comes back
from a student's process is data, never code."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder import notebook as check
from autograder.notebook import secret
from autograder.sandbox import confine, judge
from tests.notebooks import assignments, grade_id, is_test_cell, read, solution_answers


@pytest.mark.parametrize("a", assignments())
def test_every_solution_passes_every_test_cell_through_the_judge(a):
    answers = list(solution_answers(a).values())
    for cell in read(a).cells:
        if is_test_cell(cell):
            passed, text, err, started, *_ = judge.judge_cell(cell.source, answers, timeout=60)
            assert passed and started, (grade_id(cell), err)
            assert "✓" in text


def test_student_values_cross_as_data_only():
    answer = ["import numpy as np\n"
              "class Weird:\n    pass\n"
              "def objects():\n    return np.array([Weird()], dtype=object)\n"
              "def complex_():\n    return np.ones(3, complex)\n"
              "def numbers():\n    return (1, 2.5, [np.float32(3)], np.arange(4.0).reshape(2, 2))\n"]
    child = judge.Child(answer, 30)
    try:
        got = child.request(op="get", name="numbers")()
        assert got[:2] == (1, 2.5) and got[2] == [3.0]
        assert isinstance(got[3], np.ndarray) and got[3].dtype == np.float64 and got[3].shape == (2, 2)
        for name in ("objects", "complex_"):
            proxy = child.request(op="get", name=name)()
            assert isinstance(proxy, judge.Remote), "non-numeric arrays stay in the student's process"
    finally:
        child.close()


@pytest.mark.fast
def test_a_student_exception_keeps_its_builtin_type_but_never_a_checks_type():
    assert isinstance(judge.rebuild("ValueError", "m"), ValueError)
    assert isinstance(judge.rebuild("ForbiddenRoutine", "np.convolve"), check.ForbiddenRoutine)
    forged = judge.rebuild("CheckFailed", "looks like a pass")
    assert not isinstance(forged, check.CheckFailed) and isinstance(forged, judge.AnswerError)
    assert isinstance(judge.rebuild("SystemExit", "3"), judge.AnswerError)


COPIED_MODULE = """\
import os, shutil, sys
folder = next(os.path.dirname(m.__file__) for m in list(sys.modules.values())
              if str(getattr(m, "__file__", "")).endswith(".so") and "." not in m.__name__)   # lib-dynload
src = next(os.path.join(folder, f) for f in sorted(os.listdir(folder))                   # one not loaded yet
           if f.endswith(".so") and f.split(".")[0] not in sys.modules and not f.startswith(("_test", "xx", "_xx")))
name = os.path.basename(src).split(".")[0]
shutil.copyfile(src, os.path.basename(src))
shutil.copyfile(src, "blob.bin")
sys.path.insert(0, os.getcwd())
sys.modules.pop(name, None)
"""


@pytest.mark.parametrize("attack, expect", [
    ("import torch", "ForbiddenRoutine"),
    ("import scipy.signal", "ForbiddenRoutine"),
    ("import ctypes; ctypes.CDLL(None).getpid()", "PermissionError"),
    ("import ctypes; ctypes.CDLL('libc.so.6')", "PermissionError"),
    ("import subprocess; subprocess.run(['true'])", "PermissionError"),
    ("open('/tmp/x', 'w')", "PermissionError"),
    ("import os; os.kill(os.getppid(), 9)", "PermissionError"),
    ("import gc; gc.get_objects()", "PermissionError"),
    ("import socket; socket.create_connection(('127.0.0.1', 22))", "PermissionError"),
    ("import numpy as np; np.convolve([1], [1])", "ForbiddenRoutine"),
    # the rules' own names rebound or emptied, through the child's module or a stand-in's globals, then used
    ("import __main__; __main__.CONVOLUTION_MODULES = (); import scipy.signal", "ForbiddenRoutine"),
    ("import numpy as np; g = np.convolve.__globals__; g['CONVOLUTION_MODULES'] = (); g['_refuse'] = print\n"
     "import torch", "ForbiddenRoutine"),
    ("import __main__; __main__.REFUSED_EVENTS.clear(); import gc; gc.get_objects()", "PermissionError"),
    ("import __main__; __main__.SAYS.clear(); import torch", "ForbiddenRoutine"),
    # a compiled module copied into the answer's folder (a library's C correlation, e.g. scipy's _sigtools,
    # loaded for the first time under another path): only the installation's compiled code may load
    (COPIED_MODULE + "import importlib; importlib.import_module(name)", "PermissionError"),
    (COPIED_MODULE + "import importlib.machinery as m, importlib.util as u\n"
     "u.module_from_spec(u.spec_from_loader(name, m.ExtensionFileLoader(name, os.path.abspath('blob.bin'))))",
     "PermissionError"),
])
def test_the_answer_process_refuses_what_an_answer_never_needs(attack, expect):
    child = judge.Child([attack + "\n"], 30)
    try:
        assert [e[1] for e in child.errors] == [expect], child.errors
    finally:
        child.close()


def test_a_grading_secret_changes_every_input_and_solutions_still_pass(monkeypatch):
    public = check.random_cases(["stride", "padding"], 5, seed=1)
    x_public = check.make_data(check.case(seed=3))[0]
    monkeypatch.setenv(judge.SECRET_VARIABLE, "instructor's secret")
    try:
        judge.trusted_namespace()
        assert check.random_cases(["stride", "padding"], 5, seed=1) != public
        assert not np.array_equal(check.make_data(check.case(seed=3))[0], x_public)
        test_every_solution_passes_every_test_cell_through_the_judge("03_padding")
    finally:
        check.set_grading_secret("")
        secret._GRADER.clear()
    assert check.random_cases(["stride", "padding"], 5, seed=1) == public


@pytest.mark.parametrize("frame", [
    "b'\\x00\\x00\\x00\\x05hello'",                               # a blob length far over the cap
    "struct.pack('>II', 5, 0) + b'[[[[['",                           # JSON that does not parse
    "struct.pack('>II', 40, 3) + b'{\"ok\": {\"a\": [0, 400], \"dtype\": \"<f8\", \"shape\": [50]}}'[:40] + b'abc'",
])
def test_an_answer_that_writes_on_the_graders_channel_only_fails_itself(frame):
    forge = f"import __main__, os, struct\nos.write(__main__.PROTO_OUT, {frame})\nx = 1\n"
    passed, _, err, started, *_ = judge.judge_cell("check_answer('x', x, 1)", [forge], timeout=30)
    assert not passed and err[0] in ("AnswerError", "AnswerStopped"), err
    assert "garbled" in err[1] or "more data" in err[1] or "unreadable" in err[1], err


@pytest.mark.parametrize("ref", [
    {"a": [0, 80], "dtype": "<f8", "shape": [20]},          # runs past the blob
    {"a": [-8, 8], "dtype": "<f8", "shape": [1]},           # before it
    {"a": [0, 8], "dtype": "<f8", "shape": [2]},            # a size that does not match the shape
    {"a": [0, 8], "dtype": "|O", "shape": [1]},             # objects are not data
    {"a": [0, 8], "dtype": "<f8", "shape": [-1, -1]},
    {"a": [0, 8], "dtype": "<f8"},
])
@pytest.mark.fast
def test_an_array_from_the_wire_is_checked_against_its_frame(ref):
    from autograder.sandbox import wire
    with pytest.raises(wire.FrameError):
        wire.array(ref, bytearray(40))


@pytest.mark.fast
def test_arrays_cross_the_wire_raw():
    from autograder.sandbox import wire
    frame = wire.Frame()
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    msg = {"ok": {"t": [frame.array(x), 2]}}
    data = b"".join(bytes(p) for p in frame.pack(msg))
    assert len(data) < 100 + x.nbytes          # no base64: the array's bytes plus a short header
    stream = iter([data])
    buf = bytearray()

    def read(n):
        nonlocal buf
        if not buf:
            buf = bytearray(next(stream, b""))
        out, buf = bytes(buf[:n]), buf[n:]
        return out
    obj, blob = wire.read_frame(read, 1000, 1000)
    y = judge.decode(obj["ok"], None, blob)
    assert isinstance(y, tuple) and y[1] == 2 and np.array_equal(y[0], x) and y[0].dtype == np.float32


DEEP = "def f():\n    v = 0.0\n    for _ in range(30):\n        v = [v]\n    return v\n"
WIDE_STRINGS = "def f():\n    return ['ab'] * 400_000\n"
LONG_NUMBERS = "def f():\n    return list(range(300_000))\n"
FRAME = ("import __main__, json, os, struct\n"
         "def reply(obj, blob=b''):\n"
         "    text = json.dumps(obj).encode()\n"
         "    os.write(__main__.PROTO_OUT, struct.pack('>II', len(text), len(blob)) + text + blob)\n")
JSON_BOMB = FRAME + "def f():\n    reply({'ok': {'l': 'X'}})\n    return 1\n"
JSON_BOMB = JSON_BOMB.replace("reply({'ok': {'l': 'X'}})",
                              "os.write(__main__.PROTO_OUT, struct.pack('>II', 600_002, 0) + b'[' * 300_001 + "
                              "b']' * 300_001)")
BIG_BLOB = FRAME + ("def f():\n    n = 60_000_000\n"
                    "    reply({'ok': {'a': [0, n], 'dtype': '|u1', 'shape': [n]}}, bytes(n))\n    return 1\n")


@pytest.mark.parametrize("answer, says", [
    (DEEP, "nested more than 20 deep"),
    (WIDE_STRINGS, "more data than the grader accepts"),
    (JSON_BOMB, "garbled"),
])
def test_replies_are_bounded_in_size_and_structure_before_they_are_decoded(answer, says):
    passed, _, err, started, *_ = judge.judge_cell("f()", [answer], timeout=30)
    assert started and not passed and says in err[1], err


def test_a_long_list_of_numbers_crosses_as_an_array():
    passed, _, err, *_ = judge.judge_cell("assert np.array_equal(f(), np.arange(300_000))", [LONG_NUMBERS], timeout=30)
    assert passed, err


def test_the_graders_memory_stays_under_a_gib_whatever_the_answer_sends():
    """The judge in a process of its own, against every hostile reply above and a 60 MB array: its
    peak resident memory (ru_maxrss) stays under 1 GiB."""
    import subprocess
    import sys
    script = ("import json, resource, sys\n"
              "from autograder.sandbox import judge\n"
              "for answer in json.loads(sys.argv[1]):\n"
              "    judge.judge_cell('f()', [answer], timeout=60)\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    import json

    from autograder.build.release import ROOT
    out = subprocess.run([sys.executable, "-c", script, json.dumps([DEEP, WIDE_STRINGS, JSON_BOMB, BIG_BLOB] * 2)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    peak_kib = int(out.stdout.split()[-1])
    assert peak_kib < 1024 ** 2, f"the judge peaked at {peak_kib / 1024:.0f} MiB"


@pytest.mark.fast
def test_without_bubblewrap_grading_says_what_is_not_protected(monkeypatch):
    from autograder.sandbox import confine
    monkeypatch.setattr(confine.shutil, "which", lambda name: None)
    confine.bwrap.cache_clear()
    try:
        monkeypatch.setattr(confine.os, "geteuid", lambda: 1000)
        status = confine.sandbox_status()
        assert status.startswith("WARNING") and "NOT confined" in status and not confine.as_nobody()
        for what in ("gradebook", "other submissions", "home folders", "network", "apt-get install bubblewrap"):
            assert what in status
        assert confine.wrap(["python", "x.py"], "/nowhere", {"A": "1"}) == ["python", "x.py"]
        # a grader running as root that lays its folders out for it (Gradescope's run.py) runs student code as
        # nobody; one that does not (folders under a root-only one) keeps it as it was
        monkeypatch.setattr(confine.os, "geteuid", lambda: 0)
        assert not confine.as_nobody() and "NOT confined" in confine.sandbox_status()
        monkeypatch.setenv(confine.AS_NOBODY_VARIABLE, "1")
        status = confine.sandbox_status()
        assert confine.as_nobody() and status.startswith("WARNING") and "unprivileged user 65534" in status
        for what in ("hidden tests", "gradebook", "no network sockets", "every file any user may"):
            assert what in status
    finally:
        confine.bwrap.cache_clear()


def test_the_answer_process_sees_only_python_and_no_course_file(monkeypatch):
    """The judge's answer process: the repository's path does not exist there (the venv and the sandbox
    code are mounted at /sandbox), so no solutions, tests, gradebook; no host variable; no network."""
    from autograder.build.release import ROOT
    from autograder.sandbox import confine
    if not confine.bwrap():
        pytest.fail("bubblewrap is needed for this test: apt-get install bubblewrap")
    monkeypatch.setenv("CONV1D_GRADING_SECRET", "do-not-show")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-show")
    probe = (f"import os, socket\nrepo = os.path.lexists({str(ROOT)!r})\nenv = sorted(os.environ)\n"
             "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n    net = 'open'\n"
             "except Exception as e:\n    net = type(e).__name__\n")
    test = ("assert repo is False, repo\n"
            "assert set(env) <= {'PATH', 'HOME', 'PWD', 'LANG', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', "
            "'MKL_NUM_THREADS', 'PYTHONDONTWRITEBYTECODE', 'MPLBACKEND', 'TMPDIR', 'MPLCONFIGDIR', "
            "'XDG_CONFIG_HOME', 'XDG_CACHE_HOME'}, env\n"
            "assert net in ('PermissionError', 'ConnectionRefusedError', 'OSError'), net\n")
    passed, _, err, started, *_ = judge.judge_cell(test, [probe], timeout=30)
    assert passed, err


def test_the_course_install_adds_nothing_to_the_sandboxs_path_and_names_no_folder(monkeypatch, tmp_path):
    """The course is installed editable in the venv (`make venv`: a .pth holding the checkout's path, and a
    direct_url.json). In the sandbox both are unreadable, so sys.path holds only the sandbox's paths, even when
    the checkout's path exists there (the sandbox's scratch folder inside the checkout, as below), and
    nothing installed says where the course lives (confine._editable_files); the sandbox's code still imports
    from /sandbox/code."""
    import tempfile

    from autograder.build.release import ROOT
    from autograder.sandbox import confine
    if not confine.bwrap():
        pytest.fail("bubblewrap is needed for this test: apt-get install bubblewrap")
    files = confine._editable_files()
    assert files, "the course is not installed in the venv: make venv (pip install -e .)"
    if not str(tmp_path).startswith(str(ROOT) + "/"):
        pytest.skip("the test folders are not inside the checkout")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))        # the answer's scratch folder below ROOT
    probe = ("import sys, wire\nshown = []\n"
             f"for path in {[confine._inside(f) for f in files]!r}:\n"
             "    try:\n        shown.append(open(path).read())\n    except OSError as e:\n"
             "        shown.append(type(e).__name__)\n"
             "paths, code = list(sys.path), wire.__file__\n")
    test = (f"assert not any({str(ROOT)!r} in p for p in paths), paths\n"
            "assert set(shown) == {'PermissionError'}, shown\n"
            "assert code == '/sandbox/code/wire.py', code\n")
    verdict = judge.judge_cell(test, [probe], timeout=30)
    assert verdict.passed, verdict.error


@pytest.mark.parametrize("shape", [(0,), (2, 0, 3), (2, 2, 0)])
def test_empty_arrays_cross_the_wire(shape):
    passed, _, err, *_ = judge.judge_cell(f"assert f().shape == {shape}", [f"def f():\n    return np.zeros({shape})\n"],
                                            timeout=30)
    assert passed, err


GRACE = (lambda text: text[text.index("import numpy as np"):])(
    (Path(__file__).parents[1] / "autograder" / "examples" / "01_channels_kernel" / "grace.py").read_text())
ONE_CASE = "check_values(Conv1d, [case(N=2, C_in=2, L=9, C_out=3, K=3)])"


@pytest.mark.parametrize("prefix", [
    "%%time\n",
    "%%capture captured\n",
    "!pip install -q numpy\n%pip install tqdm\n%matplotlib inline\n%load_ext autoreload\n",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.savefig('plot.png')\n",
    "import pandas as pd\npd.DataFrame({'a': [1, 2]}).to_csv('a.csv')\n",
    "from tqdm import tqdm\nfor _ in tqdm(range(3)):\n    pass\n",
    "import scipy.special\nassert scipy.special.expit(0.0) == 0.5\n",
    "import tempfile, os\nwith tempfile.NamedTemporaryFile() as f:\n    f.write(b'x')\nos.makedirs('out/deeper')\n",
    "try:\n    open('/etc/hosts-copy', 'w')\nexcept PermissionError:\n    pass\n",
])
def test_answers_run_as_ipython_runs_them_with_ordinary_libraries(prefix):
    """Magics and shell lines go through IPython's input transformer (shell lines and installs do
    nothing, and say so); matplotlib, pandas, tqdm, scipy.special work, with a private writable home,
    temp and config folder; what is refused raises the PermissionError libraries handle."""
    verdict = judge.judge_cell(ONE_CASE, [prefix + GRACE], timeout=60)
    assert verdict.passed, verdict.error
    assert verdict.flags == (), verdict.flags
    if "pip" in prefix:
        assert any("`!pip install -q numpy` does nothing while grading" in n for n in verdict.notes), verdict.notes


@pytest.mark.parametrize("module", ["scipy.signal", "scipy.ndimage", "torch"])
def test_convolution_libraries_stay_forbidden(module):
    verdict = judge.judge_cell(ONE_CASE, [f"import {module}\n" + GRACE], timeout=60)
    assert not verdict.passed and f"your answer imports {module}" in verdict.error[1], verdict.error


def test_a_zygote_forks_a_fresh_process_per_test_cell_and_survives_its_children():
    """One zygote for every notebook a grading process grades (the Judge preprocessor's way): state does
    not leak from one test cell's process to the next, and a child that dies, hangs, garbles the channel
    or will not exit costs only its own cell; the next cell (of the same or another student) is graded."""
    zygote = judge.Zygote()
    try:
        counter = "import builtins\nbuiltins.seen = getattr(builtins, 'seen', 0) + 1\nx = builtins.seen\n"
        for _ in range(3):           # the same answer, three test cells: each sees a fresh process
            assert judge.judge_cell("assert x == 1, x", [counter], 30, zygote).passed
        hostile = {"os._exit": "import os\nos._exit(3)\n",
                   "a hang": "while True:\n    pass\n",
                   "a garbled channel": ("import __main__, os\n"
                                         "os.write(__main__.PROTO_OUT, b'\\x00\\x00\\x00\\x05hello')\nx = 1\n")}
        for what, answer in hostile.items():
            verdict = judge.judge_cell("assert x == 1", [answer], 2, zygote)
            assert not verdict.passed, what
            assert judge.judge_cell("assert x == 1", [counter], 30, zygote).passed, f"after {what}"
    finally:
        zygote.close()


def test_an_answer_leaves_nothing_for_the_next_one_in_a_shared_zygote():
    """What one student's answer process leaves behind (files, a folder it closed with chmod 0, a link,
    frames and forged "exited" reports written to every other descriptor it could have) reaches neither the next
    answer process nor the judge's channel to the zygote: the next student's cells are graded as if the
    zygote were new, and the zygote is the same process (nothing was undeletable)."""
    zygote = judge.Zygote()
    try:
        hostile = ("import __main__, os\n"
                   "open('planted.py', 'w').write('x = 666')\n"
                   "os.mkdir('closed'); open('closed/f', 'w').close(); os.chmod('closed', 0)\n"
                   "os.symlink('/usr', 'link')\n"
                   "w = __main__.wire\n"
                   "for fd in set(range(3, 64)) - {__main__.PROTO_IN, __main__.PROTO_OUT}:\n"
                   "    for msg in ({'exited': 0}, {'errors': []}, {'ok': 666}):\n"
                   "        try:\n"
                   "            w.write_frame(fd, w.Frame().pack(msg))\n"
                   "        except OSError:\n"
                   "            pass\n"
                   "x = 1\n")
        zygote.start()
        pid = zygote.proc.pid
        assert judge.judge_cell("assert x == 1, x", [hostile], 30, zygote).passed
        look = "import os\nx = sorted(os.listdir('.'))\nhome = os.environ['HOME'] == os.getcwd()\n"
        for _ in range(2):
            verdict = judge.judge_cell("assert x == ['.cache', '.config', 'tmp'] and home, x", [look], 30, zygote)
            assert verdict.passed, verdict.error
            assert judge.judge_cell("assert x == 2, x", ["x = 2\n"], 30, zygote).passed
        assert zygote.proc.pid == pid
    finally:
        zygote.close()


def test_a_chain_of_thousands_of_folders_costs_no_other_student():
    """Folders nested 1200 deep in the answer's folder (deleting them by recursion would exceed Python's
    limit, once crashing the zygote and every later notebook of its grading process): the zygote empties
    the folder, the grader closes nothing with an error, and the next students are graded."""
    zygote = judge.Zygote()
    try:
        deep = ("import os\nhome = os.getcwd()\nfor i in range(1200):\n    os.mkdir('d')\n    os.chdir('d')\n"
                "open('f', 'w').close()\nos.chmod('.', 0)\nos.chdir(home)\nx = 1\n")
        zygote.start()
        pid = zygote.proc.pid
        verdict = judge.judge_cell("assert x == 1", [deep], 60, zygote)
        assert verdict.passed, verdict.error
        for _ in range(2):
            verdict = judge.judge_cell("assert x == ['.cache', '.config', 'tmp'], x",
                                       ["import os\nx = sorted(os.listdir('.'))\n"], 30, zygote)
            assert verdict.passed, verdict.error
        assert zygote.proc.pid == pid, "the zygote could not empty the folder"
    finally:
        zygote.close()
    assert not os.path.exists(zygote.dir)


def test_no_writing_outside_the_answer_folder_through_a_folder_descriptor():
    """dir_fd paths cannot be checked by the folder rule: they are refused, and so is opening a folder
    outside the answer's own (whose descriptor would serve as one). Nothing reaches the next student."""
    zygote = judge.Zygote()
    try:
        tries = {"open a folder": "fd = os.open('/tmp', os.O_RDONLY)",
                 "open its parent": "fd = os.open('..', os.O_RDONLY)",
                 "mkdir by dir_fd": "fd = os.open('.', os.O_RDONLY)\nos.mkdir('x', dir_fd=fd)",
                 "symlink by dir_fd": "fd = os.open('.', os.O_RDONLY)\nos.symlink('/tmp', 'x', dir_fd=fd)",
                 "rename by dir_fd": "open('a', 'w').close()\nfd = os.open('.', os.O_RDONLY)\n"
                                     "os.rename('a', 'b', src_dir_fd=fd)"}
        for what, code in tries.items():
            answer = "import os\ntry:\n" + "".join(f"    {line}\n" for line in code.splitlines()) + \
                     "    x = 'done'\nexcept PermissionError as e:\n    x = str(e)\n"
            verdict = judge.judge_cell("assert 'grading sandbox' in x, x", [answer], 30, zygote)
            assert verdict.passed, (what, verdict.error)
        planted = ("import os\ntry:\n    fd = os.open('/tmp', os.O_RDONLY)\n"
                   "    os.close(os.open('planted', os.O_CREAT | os.O_WRONLY, dir_fd=fd))\nexcept OSError:\n    pass\n")
        judge.judge_cell("pass", [planted], 30, zygote)
        verdict = judge.judge_cell("assert 'planted' not in x, x", ["import os\nx = os.listdir('/tmp')\n"], 30, zygote)
        assert verdict.passed, verdict.error
    finally:
        zygote.close()


@pytest.mark.parametrize("zygote", [False, True])
def test_an_answer_that_ends_its_process_is_told_so(zygote):
    z = judge.Zygote() if zygote else None
    try:
        for answer in ("import os\nos._exit(3)\n", "import os\ndef f():\n    os._exit(4)\n"):
            verdict = judge.judge_cell("f()", [answer], 10, z)
            assert not verdict.passed and verdict.error[0] == "AnswerStopped", verdict.error
            assert "ended its process (exit code" in verdict.error[1], verdict.error
        assert judge.judge_cell("assert 1", ["x = 1\n"], 10, z).passed
    finally:
        if z:
            z.close()


def test_an_answer_process_cannot_rewrite_its_zygote():
    """The zygote is not dumpable: a forked answer process cannot open /proc/<zygote>/mem (to make
    later forks skip the guard), nor read it; nor open a pidfd on it."""
    zygote = judge.Zygote()
    try:
        answer = ("import os\ntry:\n    open(f'/proc/{os.getppid()}/mem', 'r+b').close()\n    x = 'opened'\n"
                  "except OSError as e:\n    x = type(e).__name__\n")
        verdict = judge.judge_cell("assert x == 'PermissionError', x", [answer], 30, zygote)
        assert verdict.passed, verdict.error
        # nor signal it, or take its descriptors, through a pidfd (no audit event: seccomp refuses it)
        answer = ("import os\ntry:\n    os.pidfd_open(os.getppid())\n    x = 'opened'\n"
                  "except OSError as e:\n    x = type(e).__name__\n")
        verdict = judge.judge_cell("assert x == 'PermissionError', x", [answer], 30, zygote)
        assert verdict.passed, verdict.error
    finally:
        zygote.close()


def test_an_answer_that_loads_native_code_through_cffi_is_refused():
    """cffi's ffi.dlopen loads a C library with no audit event (ctypes raises one): an answer with it could call
    anything the seccomp filter lets through. Refused at the import, and flagged."""
    zygote = judge.Zygote()
    try:
        for attack in ("import cffi\nlibc = cffi.FFI().dlopen(None)\n", "import _cffi_backend\nlibc = 1\n"):
            verdict = judge.judge_cell("libc", [attack], 30, zygote)
            assert not verdict.passed and verdict.error[0] == "NameError", verdict.error     # the cell stopped there
            assert any("no native libraries" in f for f in verdict.flags), verdict.flags
    finally:
        zygote.close()


SECCOMP_PROBE = """
import ctypes, json, os, socket, subprocess, sys
sys.path.insert(0, sys.argv[1])
other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])    # ends by itself
import seccomp
seccomp.forbid_new_processes()
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(result):
    return ctypes.get_errno() if result == -1 else 0
said = {
    "kill other": errno_of(libc.kill(other.pid, 0)), "kill group": errno_of(libc.kill(0, 0)),
    "kill self": errno_of(libc.kill(os.getpid(), 0)),
    "msgget": errno_of(libc.msgget(0x51ee7, 0o1666)), "shmget": errno_of(libc.shmget(0x51ee7, 4096, 0o1666)),
    "semget": errno_of(libc.semget(0x51ee7, 1, 0o1666)),
    "mq_open": errno_of(libc.syscall(240, b"conv1d", 0o100 | 2, 0o600, None)),
    "add_key": errno_of(libc.syscall(248, b"user", b"conv1d", b"x", 1, -3)),
    "setpgid": errno_of(libc.setpgid(0, 0)), "setsid": errno_of(libc.setsid()),
}
for family in ("AF_INET", "AF_INET6", "AF_PACKET", "AF_UNIX"):
    try:
        socket.socket(getattr(socket, family), socket.SOCK_DGRAM).close()
        said[family] = 0
    except OSError as e:
        said[family] = e.errno
print(json.dumps(said))
"""


@pytest.mark.fast
def test_the_seccomp_filter_keeps_a_process_to_itself():
    """Signals to itself only, no System V IPC, message queue or keyring (storage the next answer process would
    find), no session or process group of its own (out of its zygote's kill), no socket but a local one: EPERM,
    whatever library makes the call."""
    import errno

    from autograder.build.release import ROOT
    out = subprocess.run([sys.executable, "-c", SECCOMP_PROBE, str(ROOT / "autograder" / "sandbox")],
                         capture_output=True, text=True, check=True)
    said = json.loads(out.stdout)
    allowed = {"kill self", "AF_UNIX"}
    assert {k for k, v in said.items() if v == 0} == allowed, said
    assert all(v == errno.EPERM for k, v in said.items() if k not in allowed), said


def test_a_second_numpy_from_another_environment_is_refused():
    """NumPy's modules dropped from sys.modules and imported again with the base interpreter's site-packages
    first on the path (red-teaming found an unguarded np.correlate there, under a venv): refused."""
    base = os.path.join(sys.base_prefix, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")
    attack = (f"import os, sys\nsaved = {{k: v for k, v in sys.modules.items() if k.split('.')[0] == 'numpy'}}\n"
              f"os.putenv = os.unsetenv = lambda *a: None\ntry:\n    for k in saved:\n        del sys.modules[k]\n"
              f"    sys.path.insert(0, {base!r})\n    import numpy as np2\nfinally:\n    sys.path.pop(0)\n"
              f"    sys.modules.update(saved)\n")
    verdict = judge.judge_cell(ONE_CASE, [attack + GRACE], timeout=60)
    assert not verdict.passed and verdict.error[0] == "ForbiddenRoutine", verdict.error


def test_the_released_notebooks_answer_cells_are_not_flagged():
    """The stubs as released (their docstrings say "cross-correlated") and the solutions' answers give an
    instructor nothing to look at: flags are for what a student added."""
    import nbformat

    from autograder.build.release import assignments, notebook_path, solution_answers
    for a in assignments():
        nb = nbformat.read(notebook_path(a), as_version=4)
        stubs = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert stubs and judge.answer_flags(stubs) == [], (a, judge.answer_flags(stubs))
        assert judge.answer_flags(list(solution_answers(a).values())) == [], a


PLANT = """import os, sys, sqlite3, dbm
tried = []
places = ['/tmp', '/dev/shm', '/dev', '/', os.path.dirname(sys.prefix), os.path.dirname(os.getcwd()),
          os.path.dirname(os.path.dirname(os.getcwd()))]
for place in places:
    for how in ('sqlite3', 'dbm', 'ctypes'):
        path = os.path.join(place, f'conv1d-planted-{how}')
        try:
            if how == 'sqlite3':
                db = sqlite3.connect(path)
                db.execute('create table t (x)')
                db.execute("insert into t values ('answers of a hidden case')")
                db.commit()
                db.close()
            elif how == 'dbm':
                with dbm.open(path, 'c') as d:
                    d['x'] = 'answers of a hidden case'
            else:
                import ctypes
                libc = ctypes.CDLL(None)
                libc.fopen.restype = ctypes.c_void_p
                libc.fputs.argtypes = libc.fclose.argtypes = None
                f = libc.fopen(path.encode(), b'w')
                if not f:
                    raise OSError(ctypes.get_errno(), path)
                libc.fputs(b'answers of a hidden case', ctypes.c_void_p(f))
                libc.fclose(ctypes.c_void_p(f))
            tried.append(path)
        except BaseException:
            pass
import struct
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, 0, 0xFFFFFFFF) for tag in (0x01, 0x04, 0x20))
for name, value in (("user.conv1d-planted", b"answers of a hidden case"), ("system.posix_acl_default", acl)):
    for folder in (os.getcwd(), os.path.dirname(os.getcwd())):
        try:
            os.setxattr(folder, name, value)
            tried.append(name)
        except BaseException:
            pass
x = 1
"""
LOOK = """import os, sys, glob
places = ['/tmp', '/dev/shm', '/dev', '/', os.path.dirname(sys.prefix), os.path.dirname(os.getcwd()),
          os.path.dirname(os.path.dirname(os.getcwd()))]
found = sorted(p for place in places for p in glob.glob(os.path.join(place, 'conv1d-planted-*')))
for folder in (os.getcwd(), os.path.dirname(os.getcwd())):
    try:
        found += [f"{folder}: {a}" for a in os.listxattr(folder)]
    except OSError:
        pass
"""


def test_nothing_an_answer_writes_from_c_reaches_the_next_answer_process():
    """sqlite3, dbm and ctypes write from C, where Python's audit hook does not look: one answer process
    writes through each of them into every place it might reach (the sandbox's /tmp, /dev/shm, /dev, its root
    and the folders bubblewrap made for its mounts); the next answer process of the same zygote (the next
    notebook's, in a grading process) finds none of it. With bubblewrap the answer's folder is its only
    writable place, and it is emptied after each process."""
    if not confine.bwrap():
        pytest.skip("bubblewrap is what keeps the sandbox's other folders read-only")
    zygote = judge.Zygote()
    try:
        assert judge.judge_cell("assert x == 1", [PLANT], 30, zygote).passed
        verdict = judge.judge_cell("assert found == [], found", [LOOK], 30, zygote)
        assert verdict.passed, verdict.error
    finally:
        zygote.close()


LEAKER = '''import numpy as np
calls = [0]


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.stride, self.k, self._w, self.bias = stride, kernel_size, None, None

    @property
    def weight(self):
        return self._w

    @weight.setter
    def weight(self, w):
        calls[0] += 1
        if calls[0] > 1:                # the visible case is the first: every hidden one tries to leak
            data = " ".join(str(int(v * 1e6)) for v in np.ravel(w))
            get_ipython().system("echo LEAKSHELL " + data)
            try:
                import ctypes
                ctypes.string_at(id(w), 8)
            except Exception:
                pass
            raise ValueError("LEAKSETTER " + data)
        self._w = w

    def forward(self, x):
        K, s = self.k, self.stride
        L = (x.shape[-1] - K) // s + 1
        return np.stack([np.einsum("nck,ock->no", x[..., t * s:t * s + K], self._w) for t in range(L)], -1)

    def __call__(self, x):
        return self.forward(x)
'''
LEAK_TEST = '''check_values(Conv1d, [case(N=1, C_in=1, L=5, C_out=1, K=2, seed=1)])
### BEGIN HIDDEN TESTS
check_values(Conv1d, random_cases(["stride"], n=3, seed=5), hidden=True)
### END HIDDEN TESTS
'''


def test_no_student_text_leaves_a_hidden_case():
    """In a hidden case the student's code tries every way out with the inputs' numbers: the message of an
    exception raised by the weight setter (not even the checks' own code catches that one), a shell line
    (whose note quotes it), a refused call (flagged for the instructor). The cell fails, saying only the
    exception's type; the flag goes to the instructor alone (hidden_flags), and no note or output holds it."""
    verdict = judge.judge_cell(LEAK_TEST, [LEAKER], 30)
    shown = verdict.text + " ".join(verdict.error) + " ".join(verdict.notes) + " ".join(verdict.flags)
    assert not verdict.passed and verdict.started, verdict
    assert "LEAK" not in shown and "ValueError" in verdict.error[1], shown
    assert any("ctypes" in f for f in verdict.hidden_flags) and not verdict.flags, verdict


def test_a_hidden_check_names_what_failed_never_what_came_back():
    """A failed check in a hidden case says which case and what failed, in the course's words: the shape the
    answer returned (an empty array of shape (0, 1234567, 7654321) is bits of the input it chose) and the
    difference its values make (1e6 times an input) never reach the message."""
    shape = ("import numpy as np\nclass Conv1d:\n    def __init__(self, a, b, k, stride=1):\n"
             "        self.weight = self.bias = None\n    def __call__(self, x):\n"
             "        return np.zeros((0, 1234567, 7654321)) if x.shape[-1] != 5 else np.zeros((1, 1, 4))\n")
    values = ("import numpy as np\nclass Conv1d:\n    def __init__(self, a, b, k, stride=1):\n"
              "        self.weight = self.bias = None\n        self.k = k\n    def __call__(self, x):\n"
              "        y = np.zeros(x.shape[:-1] + (x.shape[-1] - self.k + 1,))\n        y.flat[0] = 987654.321\n"
              "        return y\n")
    test = "### BEGIN HIDDEN TESTS\ncheck_{}(Conv1d, random_cases(['stride'], n=2, seed=5), hidden=True)\n"
    for check_name, answer, said in (("output_shape", shape, "the output's shape is not torch's"),
                                     ("values", values, "the output is not torch's")):
        verdict = judge.judge_cell(test.format(check_name), [answer], 30)
        message = verdict.error[1]
        assert message.startswith("hidden case 1 (") and said in message, message
        assert not any(d in message for d in ("1234567", "7654321", "987654", "9.88e+05")), message


def test_hidden_inputs_change_with_the_answer():
    """Every input's numbers are drawn with a hash of the submission's answer cells mixed in: the same answer
    is graded on the same inputs every time, and an answer changed in any way (to hold what an earlier grading
    let slip) on other ones, so hidden inputs cannot be collected over resubmissions."""
    show = "print(make_data(random_cases(['stride', 'padding'], n=2, seed=5)[1])[0])"
    drawn = [judge.judge_cell(show, [answer], 30).text for answer in ("x = 1\n", "x = 1\n", "x = 1  # again\n")]
    assert drawn[0] == drawn[1] and drawn[0] != drawn[2], drawn
