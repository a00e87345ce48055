"""Runs as Gradescope's run_autograder (as root, in /autograder, once per submission): grade it, write results.json.

`python -m autograder.gradescope.run [--root /autograder]`, from the autograder zip's course/ folder
(autograder/gradescope/export.py made it; its gradescope.json names the assignment). Gradescope's layout
(gradescope-autograders.readthedocs.io, "Autograder Specifications"): the zip in ROOT/source, the student's
files in ROOT/submission, and ROOT/results/results.json to write.

1. The notebook to grade is found among the handed-in files, read as data (autograder/sandbox/intake.py's
   limits: no link followed, no special file, no file over its size): whatever its name (Colab's
   "Copy of 02_stride.ipynb", a renamed file), in a folder or not. Of several, the one that holds this
   assignment's cells; hidden files and .ipynb_checkpoints are not looked at.
2. It is graded by nbgrader's own `nbgrader autograde`, in a scratch course folder laid out like the
   instructor's (the zip's solutions/ and gradebook), with the course's nbgrader settings and the judge,
   under the grading secret chosen at export, and within the time Gradescope allows (LIMITS, DEADLINE).
   The points are the gradebook's, as `nbgrader autograde` gives them anywhere.
3. results.json (autograder/gradescope/results.py) is written whole, or, if anything goes wrong, one visible
   test that says why in one line (never a traceback: that goes to stdout, which only instructors see).
   run_autograder wrote a fallback results.json before starting this, in case this process is killed.
"""
import argparse
import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..catalogues import LANGUAGES, checks_catalogue, language
from ..limits import MAX_DEPTH
from ..notebook import language as messages
from ..notebook.language import tr
from ..sandbox.confine import AS_NOBODY_VARIABLE
from ..text import printable
from . import results

COURSE = Path(__file__).resolve().parents[2]        # the zip's course/ folder (the repository, in its tests)
SETTINGS = "gradescope.json"                        # written by export.py: {"assignment": ...}
SECRET = "grading-secret"                           # written by export.py, the grading secret
STUDENT = "gradescope"                              # the one student of the scratch gradebook
# Gradescope's defaults are 10 minutes and half a virtual CPU (README, "Gradescope"). The student's code may
# take 150 s of its own CPU time (300 s of wall time at half a CPU; nbgrader's default here is 300 s), and
# whatever happens, results are written after DEADLINE seconds, before Gradescope's timeout would leave none.
DEADLINE = 540
LIMITS = {"TimeLimits.submission_seconds": 150,
          # a cell held up this long (wall clock: at half a CPU, 30 s of its own time take 60 s) is not waited for
          "TimeLimits.backstop_seconds": 200.0,
          # one notebook a run: no kernel started ahead for a next one
          "Execute.prestart": False,
          # with bubblewrap the kernel's and answers' files are tmpfs (memory): inside Gradescope's 768 MB
          "MemoryLimits.kernel_folder_bytes": 64 * 1024 ** 2,
          "MemoryLimits.answer_folder_bytes": 32 * 1024 ** 2}
SKIPPED = (".ipynb_checkpoints", "__MACOSX")        # folders of copies an editor or an archiver made
MAX_LOG = 256 * 1024                                # bytes of nbgrader's log kept for the instructor
SCANNED = 10_000                                    # entries of the handed-in folders looked at, at most
MAX_NOTEBOOKS = 20                                  # notebooks among them read, at most
# Folders every user may write (a container's /tmp, Docker's /dev/shm): where student code runs as nobody, one of
# its processes could leave there what another reads (a hidden case's input, shown by a visible test's message).
SHARED = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")


class Ungradeable(Exception):
    """A submission that cannot be graded. `say()` gives the one line for the student in the language in use
    (tr); `lang`, the language of the notebooks handed in, None when none could be read."""

    def __init__(self, say, lang=None):
        super().__init__()
        self.say, self.lang = say, lang

    def __str__(self):
        return self.say()


def in_language(say, lang):
    """say() in `lang`; with no language known (no notebook could be read), in each of the course's, one line."""
    said = []
    for each in [lang] if lang else ["en", *LANGUAGES]:
        messages.use(each, checks_catalogue(each))
        said.append(say())
    messages.use(lang or "en", checks_catalogue(lang or "en"))
    return " / ".join(dict.fromkeys(said))


def settings(course=COURSE):
    return json.loads((course / SETTINGS).read_text())


def handed_in(folder):
    """([(path relative to `folder`, absolute path)] of the notebooks among the handed-in files, whether
    something was not looked at). Folder by folder, a folder's files before its subfolders, so a notebook next to
    a folder of many files is found; hidden files and folders and editors' and archivers' copies skipped, links
    never followed, at most SCANNED entries, MAX_DEPTH folders deep."""
    found, seen, skipped = [], 0, False
    level = [folder]
    for depth in range(MAX_DEPTH + 1):
        below = []
        for path in level:
            try:
                entries = sorted(os.scandir(path), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                seen += 1
                if seen > SCANNED:
                    return found, True
                if entry.name.startswith(".") or entry.name in SKIPPED:
                    continue
                if entry.is_symlink():
                    skipped = True
                elif entry.is_dir(follow_symlinks=False):
                    below.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and entry.name.lower().endswith(".ipynb"):
                    found.append((os.path.relpath(entry.path, folder), entry.path))
        level = below
    return found, skipped or bool(level)


def _cell_ok(cell):
    source = cell.get("source") if isinstance(cell, dict) else None
    return (isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw")
            and (isinstance(source, str) or isinstance(source, list) and all(isinstance(x, str) for x in source)))


def parse(path):
    """(bytes, notebook dict) of a handed-in notebook, read with intake's limits; Ungradeable when it is not
    one Jupyter can open (JSON with a list of cells, each with a kind and a text)."""
    from ..sandbox import intake
    name = printable(os.path.basename(path))[:results.MAX_NAME]
    try:
        raw = intake.read_file(path)
    except intake.Rejected:
        raise Ungradeable(lambda: tr("{file} is not a notebook that can be graded: it is not a plain file of at "
                                     "most {mib} MiB.", file=name, mib=intake.MAX_FILE // 1024 ** 2)) from None
    except OSError:
        raw = b""
    try:
        nb = intake.parse_notebook(raw, name)
        if not all(map(_cell_ok, nb["cells"])):
            raise ValueError("not a notebook's cells")
    except (intake.Rejected, ValueError, RecursionError):
        raise Ungradeable(lambda: tr("{file} is not a notebook Jupyter can open (not notebook JSON): download it "
                                     "again from Jupyter or Colab (File > Download > .ipynb) and hand that in.",
                                     file=name)) from None
    return raw, nb


def _ids(nb):
    """The grade ids and cell ids of a notebook's cells (dict form, as handed in: anything may be there)."""
    ids = set()
    for cell in nb.get("cells", []):
        if isinstance(cell, dict):
            meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
            grading = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
            ids.update(str(v) for v in (grading.get("grade_id"), cell.get("id")) if isinstance(v, str))
    return ids


def choose(folder, ours, assignment):
    """((name, bytes, notebook), its language) of the notebook to grade among those handed in to `folder`;
    `ours`: the assignment's grade and cell ids. One notebook is graded whatever it holds; of several, the one
    that holds the assignment's cells. Ungradeable otherwise (in the language of the notebooks that could be
    read)."""
    found, skipped = handed_in(folder)
    if not found:
        raise Ungradeable(lambda: " ".join(filter(None, [
            tr("no notebook (.ipynb) was handed in: hand in the notebook {name}.ipynb, downloaded from Jupyter or "
               "Colab (File > Download > .ipynb).", name=assignment),
            tr("(Not looked at: links, hidden files, and what lies past {n} files or {depth} folders deep.)",
               n=SCANNED, depth=MAX_DEPTH) if skipped else ""])))
    readable, refused = [], []
    for rel, path in found[:MAX_NOTEBOOKS]:
        try:
            readable.append((rel, *parse(path)))
        except Ungradeable as e:
            refused.append(e)
    lang = language(readable[0][2]) if readable else None
    if len(found) == 1:
        if refused:
            raise refused[0]
        return readable[0], lang
    matching = [r for r in readable if _ids(r[2]) & ours]
    if len(matching) == 1:
        return matching[0], language(matching[0][2])
    names = ", ".join(printable(rel)[:results.MAX_NAME] for rel, _ in found[:5]) + (", ..." if len(found) > 5 else "")
    raise Ungradeable(lambda: tr("{n} notebooks were handed in ({names}), and not exactly one of them is this "
                                 "assignment's: hand in only the notebook you want graded.", n=len(found),
                                 names=names), lang)


def assignment_cells(db_url, assignment, source):
    """(the assignment's points, its graded test cells as results.Graded with no score yet, their grade and
    cell ids with the answer cells'), from the gradebook, in the order of the source notebook."""
    import nbformat
    from nbgrader.api import Gradebook

    from ..preprocessors.cells import grade_id, is_test_cell
    with Gradebook(db_url) as gb:
        nb = gb.find_notebook(assignment, assignment)
        answers = {c.name for c in nb.solution_cells}
        points = {c.name: c.max_score for c in nb.grade_cells if c.name not in answers}
        sources = {c.name: c.source for c in nb.source_cells}
        total = nb.max_score
    order = nbformat.read(source, as_version=4)
    graded = [results.Graded(grade_id(c), 0.0, points[grade_id(c)],
                             "### BEGIN HIDDEN TESTS" in sources.get(grade_id(c), ""))
              for c in order.cells if is_test_cell(c) and grade_id(c) in points]
    ids = set(points) | answers | {c.get("id") for c in order.cells if c.get("id")}
    return total, graded, ids


def scores(db_url, assignment, graded):
    """`graded` with nbgrader's points for this submission (auto score plus extra credit)."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        sub = gb.find_submission_notebook(assignment, assignment, STUDENT)
        given = {g.name: (g.auto_score or 0.0) + (g.extra_credit or 0.0) for g in sub.grades}
    return [g._replace(score=given.get(g.name, 0.0)) for g in graded]


def autograde(scratch, sandbox, assignment, secret, seconds, argv=None):
    """`nbgrader autograde` (or `argv`) in the scratch course, with the folder `sandbox` as its temp folder
    (where the kernel's and the judge's folders go), stopped after `seconds` with every process it started, in
    whatever session: (its return code or None when stopped, the end of what it logged). Its output goes to a
    file, so nothing it started can keep this process waiting."""
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
               TMPDIR=str(sandbox), CONV1D_GRADING_SECRET=secret, PYTHONPATH=str(COURSE), **{AS_NOBODY_VARIABLE: "1"})
    argv = argv or [sys.executable, "-m", "nbgrader", "autograde", assignment, f"--student={STUDENT}", "--force",
                    "--log-level=WARN"]
    with open(scratch / "autograde.log", "w+b") as log:
        proc = subprocess.Popen(argv, cwd=scratch, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=max(seconds, 1))
        except subprocess.TimeoutExpired:
            code = None
        end_descendants()           # kernels and judge too, stopped or not
        proc.wait()
        end_student_processes()
        log.seek(max(0, log.seek(0, os.SEEK_END) - MAX_LOG))
        return code, log.read().decode("utf-8", "replace")


def lay_out(scratch, assignment, raw):
    """The scratch course: the course's settings with Gradescope's LIMITS, the zip's source notebook and
    gradebook, and the submission as submitted/STUDENT/ASSIGNMENT/ASSIGNMENT.ipynb (its own name dropped)."""
    from ..classroom.courseroot import write_config
    write_config(scratch, f"sqlite:///{scratch / 'gradebook.db'}")
    with open(scratch / "nbgrader_config.py", "a") as f:
        f.writelines(f"c.{key} = {value!r}\n" for key, value in LIMITS.items())
    shutil.copytree(COURSE / "solutions" / assignment, scratch / "solutions" / assignment)
    shutil.copyfile(COURSE / "gradebook.db", scratch / "gradebook.db")
    folder = scratch / "submitted" / STUDENT / assignment
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_bytes(raw)


def end_descendants():
    """Kill every process this one started, however deep: each is stopped first, again and again until no new one
    appears (a process cannot start another while stopped, nor orphan one out of reach), then all are killed."""
    import psutil
    stopped = {}
    while True:
        new = [p for p in psutil.Process().children(recursive=True) if p.pid not in stopped]
        if not new:
            break
        for p in new:
            with contextlib.suppress(psutil.Error):
                p.suspend()
            stopped[p.pid] = p
    for p in stopped.values():
        with contextlib.suppress(psutil.Error):
            p.kill()


def end_student_processes():
    """As root, where student code ran as the unprivileged user (confine.as_nobody): end every process of that
    user still there, whoever's child it has become; nothing of a submission outlives its grading."""
    import psutil

    from ..sandbox.confine import SANDBOX_UID
    if os.geteuid() != 0:
        return
    for p in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if SANDBOX_UID in (p.info["uids"].real, p.info["uids"].effective):
                p.kill()


def mount_points():
    """The folders something is mounted on (/proc/self/mounts): a container's /tmp and /dev/shm are mounted
    when it starts, after setup.sh closed what the image holds."""
    try:
        with open("/proc/self/mounts") as f:
            return [line.split()[1].encode().decode("unicode_escape") for line in f if len(line.split()) > 1]
    except OSError:
        return []


def close_shared_folders(folders=SHARED):
    """As root: the folders every user may write (`folders`, and any mount point that is one) become root's
    to write (mode 0711): what student code running as nobody writes, it writes in its own folders
    (confine.hand_over), which go when it ends. setup.sh does the same for the image's own folders."""
    if os.geteuid() != 0:
        return
    for folder in [*folders, *mount_points()]:
        with contextlib.suppress(OSError):
            st = os.lstat(folder)
            if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_IWOTH:
                os.chmod(folder, 0o711)


def close_gradescope_files(root):
    """As root: the submission, the results and Gradescope's submission_metadata.json (the class's emails,
    earlier results) are root's alone; /autograder can be passed through (the sandbox's code is below it)."""
    if os.geteuid() != 0:
        return
    for path, mode in ((root, 0o711), (root / "submission", 0o700), (root / "results", 0o700),
                       (root / "submission_metadata.json", 0o600)):
        with contextlib.suppress(OSError):
            if not os.path.islink(path):
                os.chmod(path, mode)


def protect(course=COURSE):
    """As root: the zip's files become root's alone (hidden tests, gradebook, secret), but for the sandbox's
    code (autograder/sandbox/: the kernel's and the answers' entry points), which student code runs from when
    it runs as an unprivileged user (autograder/sandbox/confine.py, as_nobody); the folders above it can be
    passed through, not listed. Gradescope's guide: `chmod o=` on the source folder."""
    if os.geteuid() != 0:
        return
    sandbox = course / "autograder" / "sandbox"
    for folder, dirs, files in os.walk(course.parent):
        inside = Path(folder) == sandbox or sandbox in Path(folder).parents
        os.chmod(folder, 0o755 if inside else 0o711 if Path(folder) in sandbox.parents else 0o700)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644 if inside else 0o600)


def grade(root, start, made):
    """results.json's object for the submission in root/submission; the scratch folders it makes are added to
    `made` (the caller deletes them once the results are written: what student code left there can be slow to
    delete, and must not delay them)."""
    from ..classroom.gradingprocess import failure_reason
    protect()
    close_gradescope_files(root)
    close_shared_folders()
    config = settings()
    assignment = config["assignment"]
    secret = (COURSE / SECRET).read_text().strip()
    source = COURSE / "solutions" / assignment / f"{assignment}.ipynb"
    total, graded, ours = assignment_cells(f"sqlite:///{COURSE / 'gradebook.db'}", assignment, source)
    try:
        (name, raw, nb), lang = choose(root / "submission", ours, assignment)
    except Ungradeable as e:
        return results.ungradeable(in_language(e.say, e.lang), total, seconds=time.monotonic() - start)
    messages.use(lang, checks_catalogue(lang))
    os.umask(0o077)                     # what the grader writes is root's alone (without bubblewrap: confine.py)
    scratch = Path(tempfile.mkdtemp(prefix="conv1d-gradescope-"))
    sandbox = Path(tempfile.mkdtemp(prefix="conv1d-sandbox-"))      # the kernel's and the judge's folders
    made += [scratch, sandbox]
    os.chmod(sandbox, 0o711)
    lay_out(scratch, assignment, raw)
    code, log = autograde(scratch, sandbox, assignment, secret, DEADLINE - (time.monotonic() - start))
    print(printable_log(log))
    graded_nb = scratch / "autograded" / STUDENT / assignment / f"{assignment}.ipynb"
    if code is None:
        return results.ungradeable(tr("not graded: grading took longer than {minutes} minutes. Ask your "
                                      "instructor.", minutes=DEADLINE // 60), total,
                                   seconds=time.monotonic() - start)
    if code != 0 or not graded_nb.exists():
        return results.ungradeable(tr("not graded: {reason}", reason=failure_reason({"log": log})), total,
                                   seconds=time.monotonic() - start)
    import nbformat
    out = nbformat.read(graded_nb, as_version=4)
    flags = out.metadata.get("conv1d", {}).get("flags", [])
    for flag in flags:
        print("flagged for the instructor:", printable(flag))
    return results.build(out, scores(f"sqlite:///{scratch / 'gradebook.db'}", assignment, graded),
                         handed_in=name, seconds=time.monotonic() - start)


def printable_log(log, lines=60):
    """The end of what nbgrader logged, one printable line each (student-made text may be in it)."""
    return "\n".join(printable(line) for line in log.splitlines()[-lines:])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="run_autograder", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder (default: /autograder)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    root = Path(args.root)
    (root / "results").mkdir(parents=True, exist_ok=True)
    made = []
    try:
        out = grade(root, start, made)
    except Exception:
        traceback.print_exc(file=sys.stdout)        # stdout: the instructor's, never the student's
        messages.use("en")
        out = results.ungradeable(tr("not graded: the autograder itself failed on this submission. Your instructor "
                                     "can see why (the autograder's output)."), 0, seconds=time.monotonic() - start)
    results.write(root / "results" / "results.json", out)
    from ..sandbox.confine import remove_tree
    for folder in made:
        remove_tree(folder)
    for test in out["tests"]:
        print(f"{test['name']:<32} {test['score']:g}/{test['max_score']:g} {test['status']} {test['visibility']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
