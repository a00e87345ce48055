"""Run untrusted code so that it cannot reach past its own folder.

With bubblewrap (`bwrap`, Debian package `bubblewrap`) the process sees the whole file system
read-only except its working folder and a private /tmp, has its own PID namespace (it cannot see or
signal the grader), and dies with its parent. Without bubblewrap only the resource limits and Python
audit hooks apply; `sandbox_status()` says which, and autograde logs it (a warning when unconfined).

Two users:
- autograder/sandbox/judge.py runs the student's answer cells in `child_argv()` (no network, no torch/scipy
  in sight, tight limits);
- the student's Jupyter kernel during `nbgrader autograde` is started through the kernelspec
  autograder/sandbox/kernels/conv1d-sandbox, whose argv is `python sandbox.py kernel -f {connection_file}`.
"""
import functools
import importlib.util
import os
import resource
import shutil
import subprocess
import sys

GiB = 1024 ** 3
KERNEL_LIMITS = {"RLIMIT_AS": 8 * GiB, "RLIMIT_FSIZE": 256 * 1024 ** 2, "RLIMIT_CORE": 0}
CHILD_LIMITS = {"RLIMIT_AS": 3 * GiB, "RLIMIT_FSIZE": 0, "RLIMIT_CORE": 0, "RLIMIT_NOFILE": 64}
SECRET_VARIABLE = "CONV1D_GRADING_SECRET"   # the instructor's grading secret: the judge's, never a student's
QUIET_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}


@functools.lru_cache(maxsize=1)
def bwrap():
    """The bwrap command if it works on this machine, else None."""
    path = shutil.which("bwrap")
    if not path:
        return None
    probe = subprocess.run([path, *_bwrap_args("/tmp", net=False), "true"], capture_output=True)
    return path if probe.returncode == 0 else None


def sandbox_status():
    return ("bubblewrap: student code sees a read-only file system except its own folder"
            if bwrap() else
            "WARNING: bubblewrap (bwrap) is not available: student code runs with resource limits only and can "
            "write wherever the grader can. Install it: apt-get install bubblewrap")


def _bwrap_args(workdir, net, hide=(), show=()):
    # The private /tmp would hide a venv or a course checked out below /tmp (CI clones there):
    # the interpreter, its packages and this folder are mounted back, read-only.
    show = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.abspath(__file__)), *show]
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in dict.fromkeys(os.path.realpath(p) for p in show):
        args += ["--ro-bind", path, path]
    args += ["--bind", workdir, workdir, "--chdir", workdir,
             "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"]
    if not net:
        args.append("--unshare-net")
    for path in hide:
        args += ["--tmpfs", path]
    return args


def _package_dirs(*names):
    dirs = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs += list(spec.submodule_search_locations)
    return dirs


def wrap(argv, workdir, net=False, hide=(), show=()):
    exe = bwrap()
    return [exe, *_bwrap_args(str(workdir), net, hide, show), *argv] if exe else list(argv)


def limiter(limits):
    """A preexec_fn that applies resource limits (soft and hard) in the child."""
    def apply():
        for name, value in limits.items():
            resource.setrlimit(getattr(resource, name), (value, value))
        os.setsid()
    return apply


def child_argv(workdir):
    """The judge's student process: python -I autograder/sandbox/child.py, torch and scipy hidden."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
    return wrap([sys.executable, "-I", script], workdir, net=False, hide=_package_dirs("torch", "scipy"))


def child_env(workdir):
    return {"PATH": "/usr/bin:/bin", "HOME": str(workdir), **QUIET_ENV}


def kernel_main(argv):
    """`python sandbox.py kernel -f CONNECTION_FILE`: start the IPython kernel inside the sandbox.

    The working folder (nbgrader's autograded/<student>/<assignment>/) stays writable; the kernel
    keeps the network namespace, since Jupyter talks to it over loopback TCP."""
    for name, value in KERNEL_LIMITS.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    os.environ.update(QUIET_ENV)
    os.environ["IPYTHONDIR"] = "/tmp/ipython"
    os.environ["MPLCONFIGDIR"] = "/tmp/matplotlib"
    # In its own PID namespace the kernel cannot see its parent: bwrap's --die-with-parent watches it
    # instead of ipykernel's parent poller (which would take the namespace for a dead parent).
    os.environ.pop("JPY_PARENT_PID", None)
    os.environ.pop(SECRET_VARIABLE, None)     # the instructor's secret stays with the judge
    here = os.getcwd()
    connection = [os.path.abspath(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a == "-f"]
    cmd = wrap([sys.executable, os.path.abspath(__file__), "kernel-inner", here, *argv], here, net=True,
               show=connection)
    os.execv(cmd[0], cmd)


def kernel_inner(workdir, argv):
    """Inside the sandbox: an audit hook (which Python code cannot remove) keeps writes, deletions and
    signals inside the kernel's own folder and process, then the kernel starts. With bubblewrap this is
    a second wall; without it, the only one (ctypes can get around it)."""
    allowed = tuple(os.path.realpath(p) + os.sep for p in (workdir, "/tmp", "/dev"))
    me = os.getpid()

    def inside(path):
        if isinstance(path, int):
            return True
        return (os.path.realpath(os.fsdecode(path)) + os.sep).startswith(allowed)

    def hook(event, args):
        if event == "open" and args[0] is not None and opens_for_writing(args[1], args[2]) and not inside(args[0]):
            raise PermissionError(f"grading sandbox: no writing outside the submission folder ({args[0]})")
        if event in PATH_EVENTS and not all(inside(args[i]) for i in PATH_EVENTS[event]):
            raise PermissionError(f"grading sandbox: {event} outside the submission folder")
        if event in ("os.kill", "os.killpg") and args[0] != me:
            raise PermissionError("grading sandbox: no signals to other processes")
    sys.addaudithook(hook)
    from ipykernel.kernelapp import launch_new_instance
    sys.argv = ["ipykernel_launcher", *argv]
    launch_new_instance()


# audit event -> which of its arguments are paths that get changed
PATH_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1),
               "shutil.rmtree": (0,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.link": (1,),
               "os.symlink": (1,), "os.mkdir": (0,), "shutil.copyfile": (1,), "shutil.move": (0, 1)}


def opens_for_writing(mode, flags):
    """Whether an `open` audit event (mode, flags) asks for writing."""
    if mode is not None:
        return any(ch in str(mode) for ch in "wax+")
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))


if __name__ == "__main__":
    if sys.argv[1:2] == ["kernel"]:
        kernel_main(sys.argv[2:])
    elif sys.argv[1:2] == ["kernel-inner"]:
        kernel_inner(sys.argv[2], sys.argv[3:])
    else:
        print(sandbox_status())
