"""Runs in the instructor's shell, the tests and `make bench-gradescope`: an autograder zip run as Gradescope runs it.

`python -m autograder.gradescope.container ZIP NOTEBOOK ...` grades the notebooks (handed in together, as one
submission) with the zip on this machine, the way Gradescope's harness does (gradescope-autograders.readthedocs.io,
"Autograder Specifications"), and prints results.json: Gradescope's "Test Autograder" button, offline.

The zip is unpacked into /autograder/source (its entries' modes kept, as unzip does), run_autograder copied to
/autograder, the files put in /autograder/submission, and `/autograder/run_autograder` run as root with
/autograder its working folder, in a bubblewrap that stands for Gradescope's container: a root file system of
its own built from this machine's programs (no home folders, no /work, /var or /opt but the course's venv at
/opt/conv1d/venv, where setup.sh puts it), its own /tmp, a /dev/shm every user may write (as Docker's), a
submission_metadata.json beside the submission (as Gradescope's), no network (Gradescope's has one; the
course's seccomp filter refuses student code any network socket either way). As in a Docker container, the course's own
bubblewrap cannot run inside it (a nested one cannot mount /proc), so student code runs as the unprivileged
user (autograder/sandbox/confine.py, as_nobody). Needs root and bwrap, as the grader does.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

LEFT_OUT = ("proc", "dev", "sys", "tmp", "run", "opt", "root", "home", "work", "var", "autograder")


def unpack(zip_file, files, folder):
    """Gradescope's /autograder, laid out in `folder`/autograder from the zip and the handed-in `files`
    ({name: bytes}; a name may hold folders). Returns it."""
    ag = Path(folder) / "autograder"
    for sub in ("source", "submission", "results"):
        (ag / sub).mkdir(parents=True)
    with zipfile.ZipFile(zip_file) as zf:
        for info in zf.infolist():
            os.chmod(zf.extract(info, ag / "source"), (info.external_attr >> 16) & 0o777)
    shutil.copy2(ag / "source" / "run_autograder", ag / "run_autograder")
    for name, data in files.items():
        (ag / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (ag / "submission" / name).write_bytes(data)
    # what Gradescope puts beside them (its "Submission Metadata"): the class's emails, earlier results
    (ag / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-12-07T12:00:00.000000-08:00", "assignment": {"title": "Conv1d"},
        "users": [{"email": "student@example.edu", "id": 1, "name": "A Student"}],
        "previous_submissions": [{"submission_time": "2026-12-06T12:00:00.000000-08:00", "score": 9.0,
                                  "results": {"score": 9.0, "tests": []}}]}))
    return ag


def command(ag, tmp):
    """The bwrap command line that runs /autograder/run_autograder in the stand-in container, with `ag` as
    /autograder and `tmp` as /tmp."""
    system = []
    for name in sorted(os.listdir("/")):
        if name not in LEFT_OUT:
            path = "/" + name
            system += ["--symlink", os.readlink(path), path] if os.path.islink(path) else ["--ro-bind", path, path]
    base = []           # the venv's own Python where it lies, readable by the unprivileged user too
    if not sys.base_prefix.startswith("/usr/"):
        base = [arg for parent in reversed(Path(sys.base_prefix).parents) if str(parent) != "/"
                for arg in ("--perms", "0755", "--dir", str(parent))] + ["--ro-bind", sys.base_prefix, sys.base_prefix]
    return ["bwrap", *system, "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm", "--proc", "/proc",
            "--bind", str(tmp), "/tmp",
            "--tmpfs", "/root", "--tmpfs", "/var", "--tmpfs", "/opt", "--perms", "0755", "--dir", "/opt/conv1d",
            "--ro-bind", sys.prefix, "/opt/conv1d/venv", *base, "--bind", str(ag), "/autograder",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent", "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/root",
            "--chdir", "/autograder", "/autograder/run_autograder"]


def run(zip_file, files, folder, preexec_fn=None, timeout=900):
    """Grade the handed-in `files` ({name: bytes}) with the zip, in `folder`: (results.json as parsed,
    run_autograder's stdout, the /autograder folder). `preexec_fn`: for the benchmark's limits."""
    ag = unpack(zip_file, files, folder)
    tmp = Path(folder) / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)
    done = subprocess.run(command(ag, tmp), capture_output=True, text=True, timeout=timeout, preexec_fn=preexec_fn)
    if done.returncode:
        raise RuntimeError(f"run_autograder ended with {done.returncode}: {done.stderr[-3000:]}")
    return json.loads((ag / "results" / "results.json").read_text()), done.stdout, ag


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope.container",
                                     description=__doc__.split("\n\n")[1].replace("\n", " "))
    parser.add_argument("zip", help="an autograder zip (python -m autograder export gradescope ...)")
    parser.add_argument("files", nargs="+", metavar="NOTEBOOK", help="the files one student hands in")
    args = parser.parse_args(argv)
    if os.geteuid() != 0 or not shutil.which("bwrap"):
        print("run it as root with bubblewrap installed (apt-get install bubblewrap), as Gradescope runs it",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="conv1d-gradescope-") as folder:
        results, stdout, _ = run(args.zip, {Path(f).name: Path(f).read_bytes() for f in args.files}, folder)
    print(stdout, file=sys.stderr)
    print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
