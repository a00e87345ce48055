"""Grading on a real Dask cluster (autograder/classroom/cluster.py, worker.py): a `dask scheduler` and two
`dask worker` processes on 127.0.0.1, a PostgreSQL gradebook (tests/conftest.py), no file system shared
with the workers but what a machine has. A worker is killed in the middle of a run: every grade equals
plain serial `nbgrader autograde`'s cell by cell, each submission is written once, and the killed
worker's grading process ends and leaves nothing behind."""
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from autograder.build.release import ROOT
from autograder.classroom.course import ENV, Course
from autograder.classroom.digests import DIGEST, digest
from autograder.classroom.worker import ENTRY
from tests.grading import LIMITS, SECRET, free_port
from tests.test_grade import A, make_course

# Correct, wrong, blank, cheating, tampered and hostile (a dead kernel), graded before and after the kill.
PICK = {"ada", "grace", "blank", "cheat_np_convolve", "tests_edited_to_pass", "hostile_os_exit"}
DASK = str(Path(sys.executable).parent / "dask")


@pytest.fixture(scope="module")
def dask_cluster():
    """(scheduler address, {name: worker process}): `dask scheduler` and two one-thread `dask worker`
    processes without a nanny (a killed worker stays dead), each worker with a TMPDIR of its own and the
    course importable (PYTHONPATH), as README "Grading on a cluster" sets them up."""
    base = Path(tempfile.mkdtemp(prefix="d", dir=ROOT / "build"))       # short: kernels' socket paths
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(ENV, PYTHONPATH=str(ROOT))
    procs = {"scheduler": subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", "127.0.0.1:0"],
        cwd=base, env=env, stdout=subprocess.DEVNULL, stderr=open(base / "scheduler.log", "w"),
        start_new_session=True)}
    workers = {}
    for name in ("w1", "w2"):
        tmp = base / name
        tmp.mkdir()
        workers[name] = procs[name] = subprocess.Popen(
            [DASK, "worker", address, "--name", name, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
             "--dashboard-address", "127.0.0.1:0", "--local-directory", str(tmp)],
            cwd=base, env=dict(env, TMPDIR=str(tmp)), stdout=subprocess.DEVNULL,
            stderr=open(base / f"{name}.log", "w"), start_new_session=True)
    try:
        from distributed import Client
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, workers, base
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                for p in [*descendants(proc), psutil.Process(proc.pid)]:
                    with contextlib.suppress(psutil.Error):
                        p.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)


def descendants(proc):
    return [p for p in psutil.Process(proc.pid).children(recursive=True)]


def grading_folders(processes):
    """The course folders of the grading processes among `processes` (their command line names it)."""
    return [p.cmdline()[-2] for p in processes if ENTRY in p.cmdline()]


def ended(processes, folders, within=5.0):
    """Whether every one of `processes` has ended and every one of `folders` is gone, within `within` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive and not any(os.path.exists(f) for f in folders):
            return True
        time.sleep(0.1)
    return False


def grading_on(address, name):
    """The keys of the tasks the scheduler has given worker `name` and not seen finish."""
    from distributed import Client
    with Client(address, timeout="30s") as client:
        by_name = {w["name"]: a for a, w in client.scheduler_info()["workers"].items()}
        return list(client.processing().get(by_name.get(name), ())) if name in by_name else []


def test_a_class_graded_on_a_cluster_survives_a_killed_worker(postgres, dask_cluster, tmp_path):
    address, workers, base = dask_cluster
    course = make_course(tmp_path / "cluster", pick=PICK, db_url=postgres)
    students = sorted(p.name for p in (course.root / "submitted").iterdir())
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", A, "--root", str(course.root),
                            "--scheduler", address, *LIMITS], cwd=ROOT, env=dict(ENV, **SECRET),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = workers["w1"]
    deadline = time.monotonic() + 120
    while not grading_on(address, "w1") and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)                                 # into the task: its kernel starts, its grades are written
    assert run.poll() is None and grading_on(address, "w1"), "w1 was never grading while the run was on"
    left = descendants(victim)                      # its grading process, the kernel, the judge
    folders = grading_folders(left)
    assert folders and all(os.path.isdir(f) for f in folders)
    victim.kill()                                   # the machine is lost: no goodbye to the scheduler
    victim.wait()
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, out + err[-3000:]
    assert f"grading {len(students)} submissions on the Dask cluster at {address}" in err, err
    assert f"{A}: {len(students)} graded\n" in out, out

    # nothing lost or duplicated: one autograded folder per student, written once, no half-written copy
    for s in students:
        folder = course.root / "autograded" / s
        assert sorted(p.name for p in folder.iterdir()) == [A], (s, list(folder.iterdir()))
        assert sorted(p.name for p in (folder / A).iterdir()) == sorted([DIGEST, f"{A}.ipynb"])
    problems = [line for line in err.splitlines() if "PROBLEM" in line]
    assert len(problems) == 1 and "hostile_os_exit: the student's code ended its process" in problems[0], problems

    # every cell equals plain serial nbgrader's (its own course, SQLite, same files)
    serial = make_course(tmp_path / "serial", pick=PICK)
    r = serial.autograde(A, *LIMITS, env=SECRET)
    assert r.returncode == 0, r.stderr[-3000:]
    assert course.scores(A) == serial.scores(A)
    assert all(course.scores(A)[s] for s in students), "every cell graded"
    assert len((course.root / "grades.csv").read_text().splitlines()) == 1 + len(students)

    # the killed worker's grading process saw its parent go and ended, deleting its folder
    assert ended(left, folders), "a killed worker's grading process or folder (hidden tests) stayed"

    for s in students:      # with the digest of what was graded: a re-run grades none (test_grade.py runs one)
        assert (course.root / "autograded" / s / A / DIGEST).read_text().split("\n")[0] == \
            digest(course.root / "submitted" / s / A)

    # the worker left is idle between runs, its grading process waiting: killed, it leaves nothing either
    idle = workers["w2"]
    left = descendants(idle)
    folders = grading_folders(left)
    assert folders and all(os.path.isdir(f) for f in folders)
    idle.kill()
    idle.wait()
    assert ended(left, folders), "an idle worker's grading process or folder (hidden tests) stayed"


def test_a_cluster_needs_a_gradebook_its_workers_reach(tmp_path):
    """SQLite lives on one machine: --scheduler with it is refused before anything is sent."""
    course = Course(tmp_path / "sqlite", [A])
    r = subprocess.run([sys.executable, "-m", "autograder", "grade", A, "--root", str(course.root),
                        "--scheduler", "tcp://127.0.0.1:9"], cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert r.returncode != 0 and "not SQLite" in r.stderr and "--db-url postgresql://" in r.stderr, r.stderr


def test_what_a_worker_sends_back_is_checked_before_it_is_written(tmp_path):
    """A worker's autograded files are data: a path that would leave the student's folder is refused
    (the submission is then not graded, saying why) and nothing is written outside it."""
    from autograder.classroom.cluster import store
    from autograder.classroom.worker import Graded, Result, Task
    task = Task(A, "ann", files=[], source=[], db_url="sqlite://", digest="d")
    for bad in ("../../escape", "/tmp/escape", "a/../../escape", "", "x\0y", "./x"):
        graded = Graded(Result(A, "ann"), files=[(f"{A}.ipynb", b"{}"), (bad, b"evil")])
        store(tmp_path, task, graded, "v1")
        assert not graded.result.ok and "refused" in graded.result.error, bad
        assert sorted(p.name for p in tmp_path.rglob("*")) == ["ann", "autograded"], bad
    for bad in ([(f"{A}.ipynb", "not bytes")], [(f"{A}.ipynb",)], "not a list of pairs"):
        graded = Graded(Result(A, "ann"), files=bad)
        store(tmp_path, task, graded, "v1")          # a broken or hostile worker's reply: never raises
        assert not graded.result.ok and "refused" in graded.result.error, bad
        assert sorted(p.name for p in tmp_path.rglob("*")) == ["ann", "autograded"], bad
    good = Graded(Result(A, "ann"), files=[(f"{A}.ipynb", b"{}"), ("data/x.csv", b"1,2"), (DIGEST, b"forged\nv1\n"),
                                           (f"{DIGEST}/inside", b"a folder of that name")])
    store(tmp_path, task, good, "v1")
    folder = tmp_path / "autograded" / "ann" / A
    assert good.result.ok and (folder / DIGEST).read_text() == "d\nv1\n" and (folder / "data" / "x.csv").exists()
    store(tmp_path, task, Graded(Result(A, "ann", ok=False, error="crashed")), "v1")
    assert not folder.exists(), "a submission not graded keeps no autograded copy (as with nbgrader)"


def test_a_worker_with_other_code_or_versions_grades_nothing():
    """Grades must not depend on which worker a submission lands on: a worker whose course code or
    numerics differ from the grading command's refuses the task, naming the difference."""
    from autograder.classroom.worker import Task, grade_task, grading_environment
    theirs = dict(grading_environment(), torch="1.0.0")
    graded = grade_task(Task(A, "ann", files=[], source=[], db_url="sqlite://", digest="d", environment=theirs))
    assert not graded.result.ok, graded.result.error
    assert f"torch: the command 1.0.0, the worker {grading_environment()['torch']}" in graded.result.error, \
        graded.result.error
    assert "install the same course and requirements on every worker" in graded.result.error


def test_a_submission_with_a_link_is_refused_before_it_is_sent(tmp_path):
    from autograder.classroom.cluster import read_task
    from autograder.classroom.worker import Result
    folder = tmp_path / "submitted" / "ann" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text("{}")
    (folder / "secret").symlink_to("/etc/passwd")
    r = read_task(tmp_path, A, "ann", source=[], db_url="sqlite://")
    assert isinstance(r, Result) and not r.ok, r
    assert r.error.startswith("submission refused: ann/01_channels_kernel/secret is a symbolic link"), r


def test_a_scheduler_without_the_course_is_named_before_anything_is_sent(postgres, tmp_path):
    """Dask's scheduler unpickles every task: one started without the course on PYTHONPATH would fail each
    submission with a deserialization error; the command stops first and says how to start it. (This venv
    has the course installed: an empty `autograder` package first on the scheduler's path hides it, as a
    machine without the course has none.)"""
    port = free_port()
    (tmp_path / "elsewhere" / "autograder").mkdir(parents=True)
    (tmp_path / "elsewhere" / "autograder" / "__init__.py").write_text("")
    hidden = dict(ENV, PYTHONPATH=str(tmp_path / "elsewhere"))
    scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", "127.0.0.1:0"], cwd=tmp_path, env=hidden,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        course = make_course(tmp_path / "c", pick={"ada"}, db_url=postgres)   # its gradebook has the notebook
        r = subprocess.run([sys.executable, "-m", "autograder", "grade", A, "--root", str(course.root),
                            "--scheduler", f"tcp://127.0.0.1:{port}"], cwd=ROOT, env=ENV, capture_output=True,
                           text=True, timeout=120)
    finally:
        scheduler.kill()
        scheduler.wait()
    assert r.returncode != 0 and "cannot import this course's code" in r.stderr, r.stderr[-2000:]
    assert "PYTHONPATH=/srv/conv1d .venv/bin/dask scheduler" in r.stderr
    assert not (course.root / "autograded").exists()


def test_the_slurm_recipe_starts_workers_that_can_import_the_course():
    """docs/cluster/slurm.py (dask-jobqueue): each SLURM job's script runs one-thread workers from this
    venv, in the course root, with the course on PYTHONPATH, as check_cluster requires. (No SLURM here:
    the job script is read, not submitted.)"""
    import importlib.util
    spec = importlib.util.spec_from_file_location("slurm_recipe", ROOT / "docs" / "cluster" / "slurm.py")
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    with recipe.slurm_cluster("normal", "cs101") as cluster:
        script = cluster.job_script()
    lines = script.splitlines()
    assert "#SBATCH -p normal" in lines and "#SBATCH -A cs101" in lines and "#SBATCH --cpus-per-task=2" in lines
    assert f"cd {ROOT}" in lines and f"export PYTHONPATH={ROOT}" in lines, script
    worker = next(line for line in lines if "dask_worker" in line)
    assert worker.startswith(f"{sys.executable} -m distributed.cli.dask_worker tls://")   # not open to the node
    assert "--nthreads 1" in worker and "--nworkers 2" in worker and "--tls-ca-file" in worker, worker
    assert cluster.scheduler_spec["options"]["dashboard_address"].startswith("127.0.0.1:"), "the dashboard too"


def test_the_kubernetes_recipe_matches_the_course():
    """docs/cluster/dask-cluster.yaml and its image (docs/cluster/Dockerfile): one image for scheduler and
    workers, one-thread workers allowed to make bubblewrap's namespaces, the course importable, and the
    torch the requirements pin, TLS between scheduler and workers (no Kubernetes here: the files are read, not
    applied)."""
    import yaml
    spec = yaml.safe_load((ROOT / "docs" / "cluster" / "dask-cluster.yaml").read_text())
    assert spec["kind"] == "DaskCluster" and spec["apiVersion"] == "kubernetes.dask.org/v1"
    worker = spec["spec"]["worker"]["spec"]["containers"][0]
    scheduler = spec["spec"]["scheduler"]["spec"]["containers"][0]
    assert worker["image"] == scheduler["image"]
    assert worker["args"][:2] == ["dask", "worker"] and worker["args"][worker["args"].index("--nthreads") + 1] == "1"
    assert worker["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    docker = (ROOT / "docs" / "cluster" / "Dockerfile").read_text()
    pinned = re.search(r"^torch==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert f"torch=={pinned}" in docker and "-r requirements.txt -c constraints.txt" in docker
    assert "bubblewrap" in docker and "PYTHONPATH=/srv/conv1d" in docker and "WORKDIR /srv/conv1d" in docker

    # Dask's pickles: scheduler and workers speak TLS only, each showing the certificate of the Secret
    tls = ["--tls-ca-file", "/etc/conv1d-tls/grading.pem", "--tls-cert", "/etc/conv1d-tls/grading.pem",
           "--tls-key", "/etc/conv1d-tls/grading.key"]
    assert scheduler["args"][:4] == ["dask", "scheduler", "--protocol", "tls"] and scheduler["args"][-6:] == tls
    assert worker["args"][2] == "tls://conv1d-grading-scheduler:8786" and worker["args"][-6:] == tls
    for part in (spec["spec"]["worker"]["spec"], spec["spec"]["scheduler"]["spec"]):
        secret = {"secretName": "conv1d-grading-tls", "defaultMode": 0o440}
        assert part["volumes"] == [{"name": "tls", "secret": secret}]
        assert part["containers"][0]["volumeMounts"][0]["mountPath"] == "/etc/conv1d-tls"
        assert part["securityContext"]["fsGroup"] == 1000 and "USER 1000:1000" in docker   # the key is readable


def docker_ignored(path, rules):
    """Whether Docker leaves `path` (relative to the build context, `/` between folders) out of the build context,
    by the rules of a .dockerignore as Docker's patternmatcher applies them: each pattern is cleaned and matched
    from the context's root, a folder name at a time (fnmatch within a name, as Go's filepath.Match), `**`
    standing for any number of folders; a pattern that matches a folder leaves out everything in it; `!` takes
    a path back; the last rule that matches wins."""
    import fnmatch
    import posixpath

    def match(pattern, parts):
        if not pattern:
            return not parts
        if pattern[0] == "**":
            return any(match(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
        return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and match(pattern[1:], parts[1:])

    parts, ignored = path.split("/"), False
    for rule in rules:
        rule = rule.strip()
        if not rule or rule.startswith("#"):
            continue
        keep = rule.startswith("!")
        pattern = posixpath.normpath(rule.lstrip("!").strip().lstrip("/")).split("/")
        if any(match(pattern, parts[:n]) for n in range(1, len(parts) + 1)):
            ignored = not keep
    return ignored


def course_outputs():
    """The names, at a course root, of every file and folder the course writes about students, found in its
    code: nbgrader's folders as the course configures them (submitted, autograded, feedback, zip_collect's
    downloads, the exchange, the gradebook), every name a command of autograder/ puts at a course root
    (`root / "flags.csv"`, `os.path.join(root, "submitted", ...)`), and every .csv or .db file it names
    (`moodle-{id}.csv` as `moodle-x.csv`), but for the course's own files (those in git)."""
    import ast

    from nbgrader.apps.zipcollectapp import ZipCollectApp
    from nbgrader.coursedir import CourseDirectory

    from autograder.classroom.courseroot import course_config
    config = course_config(ROOT)
    coursedir = CourseDirectory(config=config, root=str(ROOT))
    names = {coursedir.submitted_directory, coursedir.autograded_directory, coursedir.feedback_directory,
             config.ZipCollectApp.get("downloaded_directory", ZipCollectApp.downloaded_directory.default_value),
             os.path.basename(config.Exchange.root),
             os.path.relpath(coursedir.db_url.removeprefix("sqlite:///"), ROOT)}

    def text(node):          # a string, an f-string with `x` for what it formats, else None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
        return None

    def at_root(node):       # root, ROOT, self.root, Path(root)
        if isinstance(node, ast.Call) and node.args:
            return at_root(node.args[0])
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        return name.lower().endswith("root")

    for source in sorted((ROOT / "autograder").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and at_root(node.left) \
                    and text(node.right):
                names.add(text(node.right).split("/")[0])
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "join" and len(node.args) > 1 \
                    and at_root(node.args[0]) and text(node.args[1]):
                names.add(text(node.args[1]).split("/")[0])
            elif text(node) and re.fullmatch(r"[\w.-]+\.(csv|db)", text(node)):
                names.add(text(node))
    tracked = set(subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.split())
    course = {path.split("/")[0] for path in tracked} | {"build"}       # build/: the checkout's own scratch
    return names - course


@pytest.mark.fast
def test_the_image_leaves_out_everything_the_course_writes_about_students():
    """docs/cluster/Dockerfile copies the course root: .dockerignore must leave out every file and folder the
    course's code writes about students (found in the code, course_outputs), and keep the course."""
    rules = (ROOT / ".dockerignore").read_text().splitlines()
    outputs = course_outputs()
    assert {"submitted", "autograded", "feedback", "downloaded", "exchange", "gradebook.db", "grades.csv",
            "flags.csv", "canvas-grades.csv", "moodle-x.csv", "class-report", "misconceptions.csv"} <= outputs, \
        "the search of the code finds what the course writes"
    carried = [name for name in sorted(outputs) for path in (name, f"{name}/ann/{A}/{A}.ipynb")
               if not docker_ignored(path, rules)]
    assert not carried, f"the image would carry {carried}: add them to .dockerignore"
    assert docker_ignored("class-report/misconceptions.csv", rules) and docker_ignored("moodle-07_capstone.csv", rules)
    assert docker_ignored("autograder/__pycache__/x.pyc", rules) and docker_ignored("grading.key", rules)
    for kept in ("requirements.txt", "constraints.txt", "pyproject.toml", "nbgrader_config.py", "autograder/grade.py",
                 f"solutions/{A}/{A}.ipynb", f"notebooks/{A}/{A}.ipynb", "autograder/nbgrader_config.py"):
        assert not docker_ignored(kept, rules), kept
    # the matcher itself, on Docker's documented examples
    assert docker_ignored("a/temp.txt", ["*/temp*"]) and not docker_ignored("a/b/temp.txt", ["*/temp*"])
    assert docker_ignored("a/b/c.go", ["**/*.go"]) and docker_ignored("c.go", ["**/*.go"])
    assert not docker_ignored("README-secret.md", ["*.md", "!README*.md"]) and docker_ignored("x.md", ["*.md"])


def test_the_machines_recipe_admits_only_who_holds_its_certificate(tmp_path):
    """README's recipe for a department's machines, run on 127.0.0.1: the certificate made by its openssl line,
    a `dask scheduler --protocol tls` and a worker with its TLS options. A client without the certificate, or
    speaking plain TCP, is refused; the grade command's client, with the recipe's DASK_DISTRIBUTED__COMM__TLS__*
    variables, runs a task on the worker; no line of the recipe starts a scheduler or worker without TLS."""
    readme = (ROOT / "README.md").read_text()
    recipe = readme.split("**A department's machines**", 1)[1].split("```", 2)[1]
    lines = recipe.replace("\\\n", " ").splitlines()
    starts = [line for line in lines if re.search(r"dask (scheduler|worker)|--scheduler ", line)]
    assert len(starts) == 3 and all("tls" in line for line in starts), starts
    assert all("$TLS" in line and "--dashboard-address 127.0.0.1:" in line for line in starts if "dask " in line)
    openssl = next(line for line in lines if "openssl req" in line)
    home = tmp_path / "home"
    home.mkdir()
    made = subprocess.run(["bash", "-c", openssl], env=dict(os.environ, HOME=str(home)), capture_output=True,
                          text=True)
    assert made.returncode == 0, made.stderr
    folder = home / ".conv1d-tls"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    pem, key = str(folder / "grading.pem"), str(folder / "grading.key")
    tls = ["--tls-ca-file", pem, "--tls-cert", pem, "--tls-key", key]
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    procs = [subprocess.Popen([DASK, "scheduler", "--host", address, "--dashboard-address", "127.0.0.1:0", *tls],
                              cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs.append(subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
                                       "--dashboard-address", "127.0.0.1:0", *tls], cwd=tmp_path, env=ENV,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        client = ("import sys\nfrom distributed import Client\n"
                  "with Client(sys.argv[1], timeout='60s') as c:\n"
                  "    c.wait_for_workers(1, timeout=60)\n"
                  "    print(c.submit(sum, [40, 2]).result(), *c.scheduler_info()['workers'])\n")
        variables = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": pem, "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": pem,
                     "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": key}
        assert all(f"{name}=$T/grading.{'key' if name.endswith('KEY') else 'pem'}" in recipe for name in variables)
        ok = subprocess.run([sys.executable, "-c", client, address], env=dict(ENV, **variables), capture_output=True,
                            text=True, timeout=180)
        assert ok.returncode == 0 and ok.stdout.startswith("42 tls://127.0.0.1:"), ok.stdout + ok.stderr[-2000:]
        stranger = client.replace("'60s'", "'5s'")
        for url, env in ((address, ENV), (f"tcp://127.0.0.1:{port}", ENV)):
            r = subprocess.run([sys.executable, "-c", stranger, url], env=env, capture_output=True, text=True,
                               timeout=120)
            assert r.returncode != 0 and not r.stdout, (url, r.stdout, r.stderr[-1000:])
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_odd_names_and_sizes_in_a_submission_stay_with_their_student(tmp_path):
    """A file name that is not UTF-8 is hashed and sent as its bytes (it once stopped the whole class's
    grading); a submission of more than intake.MAX_TOTAL in all is refused before it is read."""
    from autograder.classroom.cluster import read_task
    from autograder.classroom.grade import digest
    from autograder.classroom.worker import Result, Task
    from autograder.sandbox import intake
    folder = tmp_path / "submitted" / "ann" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text("{}")
    (Path(os.fsdecode(bytes(folder) + b"/notes\xff.txt"))).write_bytes(b"x")
    task = read_task(tmp_path, A, "ann", source=[], db_url="sqlite://")
    assert isinstance(task, Task) and task.digest == digest(folder) and len(task.files) == 2
    big = tmp_path / "submitted" / "bob" / A
    big.mkdir(parents=True)
    for i in range(3):                            # sparse: 3 x 19 MiB claimed, nothing written
        with open(big / f"data{i}.bin", "wb") as f:
            f.truncate(19 * 1024 ** 2)
    r = read_task(tmp_path, A, "bob", source=[], db_url="sqlite://")
    assert isinstance(r, Result) and not r.ok and f"more than {intake.MAX_TOTAL // 1024 ** 2} MiB in all" in r.error, r


def test_what_students_made_is_printed_without_terminal_controls():
    """File names, messages and flags come from students: an escape sequence or a newline in them is
    shown escaped, so it can neither clear the screen nor forge a line about another student."""
    from autograder.classroom.grade import on_result, summary
    from autograder.classroom.worker import Result
    evil = "big\x1b]0;pwned\x07\x1b[2J\n    examples__ada: plagiarism detected"
    results = [Result(A, "mallory", ok=False, error=f"submission refused: {evil}"),
               Result(A, "eve", flags=[evil]), Result(A, "ann\x1b[31m", ok=False, error="x")]
    lines = summary(A, results, {"eve": (5.0, 5.0)})
    assert not any(c in "".join(lines) for c in "\x1b\x07\n"), lines
    assert any(line.startswith("    mallory: submission refused: big\\x1b]0;pwned") for line in lines), lines
    assert not any(line.lstrip().startswith("examples__ada") for line in lines)

    class Bar:
        fp, written = None, []

        def write(self, text, file=None):
            self.written.append(text)

        def set_postfix_str(self, text, refresh=False):
            self.written.append(text)

        def update(self, n):
            pass
    bar = Bar()
    on_result(bar, results[0])
    on_result(bar, results[2])
    assert not any(c in "".join(bar.written) for c in "\x1b\x07\n"), bar.written


def test_a_long_tmpdir_puts_a_grading_process_where_its_kernels_sockets_fit(tmp_path, monkeypatch):
    """Kernels' sockets need short paths: with a TMPDIR too long for them, a grading process's folder
    (which holds its kernels' and judge's folders, deleted whole after a kill) goes to /tmp instead."""
    import tempfile as tf

    from autograder.classroom.worker import GradingProcess
    long = tmp_path / ("x" * 60)
    long.mkdir()
    monkeypatch.setattr(tf, "tempdir", str(long))
    process = GradingProcess()
    try:
        assert process.folder.startswith("/tmp/conv1d-grader-"), process.folder
    finally:
        process._stop()
    assert not os.path.exists(process.folder)


def test_grading_before_the_gradebook_has_the_notebook_says_what_to_run(tmp_path):
    """A gradebook without the assignment (a new PostgreSQL database, `python -m autograder gradebook` not
    run yet) would fail every student alike: the command stops first and names the command to run."""
    course = Course(tmp_path / "c", [A])                                   # not released: an empty gradebook
    (course.root / "submitted" / "ann" / A).mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / A / f"{A}.ipynb", course.root / "submitted" / "ann" / A)
    r = subprocess.run([sys.executable, "-m", "autograder", "grade", A, "--root", str(course.root), "--jobs", "1"],
                       cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and f"python -m autograder gradebook {A}" in r.stderr, r.stderr[-2000:]
    assert not (course.root / "autograded").exists()


def test_each_task_comes_back_to_its_own_submission(tmp_path):
    """Dask keys are the tasks' own, never made of ids: student "b-x" of "hw" and student "x" of "hw-b"
    once shared one key, and one's notebook was written as the other's."""
    from autograder.classroom import cluster
    from autograder.classroom.worker import Task, grading_environment
    other = dict(grading_environment(), torch="0")        # refused at once by the worker: no grading needed
    tasks = [Task("hw-b", "x", [], [], "sqlite://", "d1", environment=other),
             Task("hw", "b-x", [], [], "sqlite://", "d2", environment=other)]
    back = []
    with cluster.connect(None, 2) as (client, _):
        cluster.grade(client, tasks, lambda task, graded: back.append((task.digest, graded.result.assignment,
                                                                       graded.result.student)))
    assert sorted(back) == [("d1", "hw-b", "x"), ("d2", "hw", "b-x")]


def test_a_mistyped_option_is_refused_not_passed_to_nbgrader():
    """Options the command does not know are refused (a mistyped --schedular would otherwise grade on a
    local cluster); nbgrader's own settings pass as --Class.trait=value."""
    for wrong in ("--share", "--schedular=tcp://127.0.0.1:8786", "--bogus"):
        r = subprocess.run([sys.executable, "-m", "autograder", "grade", A, wrong], cwd=ROOT, env=ENV,
                           capture_output=True, text=True)
        assert r.returncode == 2 and "unrecognized arguments" in r.stderr, (wrong, r.stderr)


def test_a_signal_to_the_workers_process_group_still_deletes_the_grading_folder():
    """Ctrl-C, or SLURM ending a job step, signals the worker's whole process group, its grading processes
    included: each ends cleanly and deletes its folder (it holds the hidden tests)."""
    import signal

    from autograder.classroom.worker import GradingProcess
    process = GradingProcess()
    try:
        assert process._wait_ready()
        os.kill(process.proc.pid, signal.SIGTERM)
        process.proc.wait(timeout=30)
        assert ended([], [process.folder]), "the folder stayed"
    finally:
        process._stop()
