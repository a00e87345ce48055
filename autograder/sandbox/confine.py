"""Runs in the grading process, and as the student kernel's entry point (`confine.py kernel`, then in bwrap).

Run untrusted code so that it sees only what it needs and can change only its own scratch folder.

With bubblewrap (`bwrap`, Debian package `bubblewrap`) the process runs as an unprivileged user in a
user namespace of its own, with every capability dropped (a grader running as root must not lend
it CAP_DAC_READ_SEARCH, which opens the host's root through open_by_handle_at), and gets a file
system built from an allow-list, read-only: the operating system's programs and libraries (/usr and its links), the
Python interpreter and its packages (sys.base_prefix, sys.prefix), this folder (autograder/sandbox/)
and a few files of /etc that the dynamic linker and Python read. Its scratch folder is the only
writable place, /tmp is private and empty, and nothing else of the host is there: no course root,
no gradebook, no other submission, no home folder. It has its own PID namespace (it cannot see or
signal the grader), no network (only its own loopback), a clean environment (no variable of the
grader's: the grading secret, database URLs and tokens stay out, for bwrap itself too), and it dies
with its parent. Inside, a seccomp filter (seccomp.py) stops it from starting any other process or
program, which would escape both the audit hooks and the memory limit.
Without bubblewrap only the resource limits and Python audit hooks apply; `sandbox_status()` says
so, and every grading run logs it as a warning.

Two users:
- autograder/sandbox/judge.py runs the student's answer cells in `child_argv()` (torch hidden as
  well, tight limits);
- the student's Jupyter kernel during `nbgrader autograde` is started through the kernelspec
  autograder/sandbox/kernels/conv1d-sandbox, whose argv is `python confine.py kernel -f {connection_file}`.
  The kernel talks to nbgrader over ZeroMQ IPC sockets in a folder of their own (see
  autograder/preprocessors/execute.py, Execute), since it has no network.
"""
import functools
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys

# The limits of memory and files (RLIMIT_AS, RLIMIT_FSIZE, the size of the one writable folder) are
# autograder/limits.py's MemoryLimits: the grading process reads them and passes them here, to the judge's
# sandbox (child_argv, limiter) and on the kernel's command line (kernel_option; kernel_main applies them).
KERNEL_OPTION = "--conv1d-confinement="
SECRET_VARIABLE = "CONV1D_GRADING_SECRET"   # the instructor's grading secret: the judge's, never a student's
NO_SECRET = (f"{SECRET_VARIABLE} is not set: the hidden tests grade with the inputs of solutions/, which are "
             f"public, so answers can be fitted to them. Before grading: export {SECRET_VARIABLE}='<something "
             "private>' (the same all term; README, For instructors).")
# What the answer's process says about what it refused or did not run (child.py, and folder_rule below): English
# templates, since the sandbox holds none of the course's messages. They reach the student through the judge,
# which says them in the language of the submission (judge.sandbox_said, its catalogue sandbox.judge.po);
# the instructor's flags keep them English.
SANDBOX_MESSAGES = {
    "called": "your answer called {routine}. The exercise is to compute the convolution yourself with NumPy; "
              "library routines that do it for you score zero.",
    "imports": "your answer imports {module}. The exercise is to compute the convolution yourself with NumPy; "
               "library routines that do it for you score zero.",
    "second_copy": "your answer loads a second copy of {module} (from {file}): a fresh copy of a module would bring "
                   "back the library routines the exercise forbids; use the one already imported",
    "compiled_again": "your answer loads the compiled module {module} again ({file}): a fresh copy of a module "
                      "would bring back the library routines the exercise forbids; import it once, normally",
    "not_installed": "grading sandbox: {module} is loaded from {file}, outside the Python installation: an answer "
                     "may import installed modules only, not compiled code it copied or wrote",
    "native": "grading sandbox: no native libraries ({library})",
    "event": "grading sandbox: {event} is not allowed here",
    "write": "grading sandbox: no writing outside your own folder ({path})",
    "open_folder": "grading sandbox: no opening folders outside your own ({path})",
    "sqlite_uri": "grading sandbox: sqlite3 URIs are not allowed here; give a path in your folder",
    "dir_fd": "grading sandbox: {event} with dir_fd is not allowed here",
    "outside": "grading sandbox: {event} outside your own folder",
    "signal": "grading sandbox: no signals to other processes",
    "not_run": "`{what}` does nothing while grading: shell lines, installs and magics are not run",
}
QUIET_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
HERE = os.path.dirname(os.path.abspath(__file__))
# Files of /etc that the dynamic linker, Python and NumPy read; nothing that names users or secrets.
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
# The operating system's programs and libraries: on a merged-/usr system (Debian 12) the others are links.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


@functools.lru_cache(maxsize=1)
def bwrap():
    """The bwrap command if it works on this machine, else None."""
    path = shutil.which("bwrap")
    if not path:
        return None
    probe = subprocess.run([path, *_bwrap_args("/", net=False, writable=()), "true"], capture_output=True)
    return path if probe.returncode == 0 else None


# Without bubblewrap, a grader running as root (a container: Gradescope's, where namespaces are not allowed)
# runs student code as this unprivileged user ("nobody"), as Gradescope's own guide advises: it cannot read what
# only root may (the course, the hidden tests, the gradebook, the secret in the grader's environment), write
# the results, or signal the grader; the folders it needs are handed to it (hand_over).
SANDBOX_UID = 65534
# Set by the grader that lays its folders out for it (autograder/gradescope/run.py: its own folders root's alone,
# the sandbox's folders in one that user may pass through); a grader elsewhere keeps its folders as they are.
AS_NOBODY_VARIABLE = "CONV1D_RUN_AS_NOBODY"


def as_nobody():
    """Whether student code runs as SANDBOX_UID: the grader is root, bubblewrap does not work here, and the
    grader asked for it (AS_NOBODY_VARIABLE)."""
    return os.environ.get(AS_NOBODY_VARIABLE) == "1" and os.geteuid() == 0 and not bwrap()


def first_to_go():
    """Make this process the kernel's first choice when memory runs out (oom_score_adj 1000): in a container
    whose memory limit counts every process (Gradescope's 768 MB), student code is killed, not the grader,
    which then reports what was killed. Any process may raise its own score."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def drop_privileges():
    """This process becomes SANDBOX_UID, with no supplementary group (as_nobody: a child about to run student
    code)."""
    os.setgroups([])
    os.setgid(SANDBOX_UID)
    os.setuid(SANDBOX_UID)


def hand_over(*paths, traverse=()):
    """When student code runs as SANDBOX_UID (as_nobody): `paths` become its own, and the folders `traverse`
    let it pass through (mode 0711: it cannot list them). Otherwise nothing changes."""
    if as_nobody():
        for path in paths:
            os.chown(path, SANDBOX_UID, SANDBOX_UID)
        for path in traverse:
            os.chmod(path, 0o711)


def sockets_fit(base):
    """Whether a kernel's IPC sockets made below `base` (autograder/preprocessors/execute.py, Execute._scratch:
    base/conv1d-kernel-XXXXXXXX/ipc/kernel-N...) fit the 107 bytes Linux allows a socket's path."""
    return len(os.fsencode(os.path.join(base, "conv1d-kernel-12345678", "ipc", "kernel-65535"))) <= 107


def sandbox_status():
    if as_nobody():
        return ("WARNING: bubblewrap (bwrap) cannot run here (a container without user namespaces), so student code "
                f"runs as the unprivileged user {SANDBOX_UID} (nobody), with resource limits, Python audit hooks "
                "and a seccomp filter (no new processes, no network sockets): it cannot read or change what only "
                "root may (the course, its hidden tests, the gradebook, the results), but it can read every file "
                "any user may")
    return ("bubblewrap: student code sees only Python, its packages and its own scratch folder, "
            "read-only but for that folder; no network, no capabilities, no new processes"
            if bwrap() else
            "WARNING: bubblewrap (bwrap) is not available, so student code is NOT confined: it can read every "
            "file the grader can (the course root, the gradebook, other submissions, home folders), write "
            "wherever the grader can, and reach the network. Only resource limits and Python audit hooks "
            "apply. Install it: apt-get install bubblewrap")


def _bwrap_args(workdir, net, writable=None, hide=(), show=(), scratch=None):
    """bwrap's arguments: the allow-list above read-only, plus `show` read-only, `writable` read-write
    (the host's folders, default none), `scratch` (bytes) the size of a fresh tmpfs mounted on the working
    folder (the sandbox's own, invisible to the host; default: the host's working folder, read-write),
    `hide` as empty folders; run in `workdir`. Everything else is read-only: the root bubblewrap builds,
    /tmp (empty) and /dev, so nothing can be stored where the next sandbox or another answer process of the
    same sandbox would find it (a C library writes where Python's audit hook cannot see)."""
    args = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns",
            "--cap-drop", "ALL", "--clearenv", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    if not net:
        args.append("--unshare-net")
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ETC:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    if os.path.isdir("/sys/devices/system/cpu"):     # how many CPUs, for OpenBLAS and NumPy
        args += ["--ro-bind", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    for host, there in _moved().items():
        args += ["--ro-bind", os.path.realpath(host), there]
    own = [p for p in (sys.base_prefix, *show) if _inside(p) == p]
    for path in dict.fromkeys(os.path.realpath(p) for p in own):
        args += ["--ro-bind", path, path]
    for path in dict.fromkeys(os.path.abspath(p) for p in own):
        if os.path.realpath(path) != path:       # reached through a link (a symlinked home): the
            args += ["--ro-bind", os.path.realpath(path), path]    # same files where sys.executable says
    for path in _editable_files():           # unreadable there (_editable_files)
        args += ["--ro-bind", os.devnull, _inside(path)]
    if scratch is not None:
        args += ["--perms", "0700", "--size", str(int(scratch)), "--tmpfs", workdir]
    for path in ((workdir,) if writable is None and scratch is None else (writable or ())):
        args += ["--bind", path, path]
    for path in hide:
        args += ["--tmpfs", _inside(path), "--remount-ro", _inside(path)]
    # read-only last: the folders mounted below them were made first
    return args + ["--remount-ro", "/dev", "--remount-ro", "/tmp", "--remount-ro", "/", "--chdir", workdir]


def _package_dirs(*names):
    dirs = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs += list(spec.submodule_search_locations)
    return dirs


INSIDE = "/sandbox"      # where the venv and this folder appear inside bubblewrap (_moved)


def _editable_files():
    """The files of an editable install of the course (`pip install -e .`, pyproject.toml) in the packages
    the sandbox sees that name the checkout's path: its .pth (setuptools' `__editable__.*.pth`, one line, the
    checkout) and its `direct_url.json`. In the sandbox /dev/null is mounted on each, which opens nowhere
    (PermissionError: bubblewrap's mounts have no devices): site.py skips a .pth it cannot read, so nothing is
    added to sys.path there, and no file of the install says where the course lives; the sandbox's own code
    comes from /sandbox/code (this folder) alone."""
    import sysconfig
    found = []
    folders = {sysconfig.get_path(k, vars={"base": p, "platbase": p}) for k in ("purelib", "platlib")
               for p in dict.fromkeys((sys.prefix, sys.base_prefix))}
    for folder in sorted(f for f in folders if os.path.isdir(f)):
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("__editable__") and entry.is_file():
                    found.append(entry.path)
                elif entry.name.endswith(".dist-info") and entry.is_dir():
                    url = os.path.join(entry.path, "direct_url.json")
                    try:
                        with open(url) as f:
                            editable = json.load(f).get("dir_info", {}).get("editable")
                    except (OSError, ValueError, AttributeError):
                        continue
                    if editable:
                        found.append(url)
    return found


def _moved():
    """{host folder: where the sandbox sees it}: the venv (when Python runs in one) at /sandbox/venv and this
    folder at /sandbox/code. Their host paths are often the course root's (`make venv` puts the venv in the
    checkout), and no path of the host's reaches the student: not sys.executable, PATH, a module's __file__,
    nor bubblewrap's own command line (/proc/1/cmdline: its arguments travel through a descriptor, wrap)."""
    moved = {HERE: f"{INSIDE}/code"}
    if os.path.realpath(sys.prefix) != os.path.realpath(sys.base_prefix):
        moved[sys.prefix] = f"{INSIDE}/venv"
    return moved


def _inside(path):
    """A host path as the sandbox sees it (_moved), or the path itself. Not resolved: the venv's
    bin/python is a link out of the venv, and must be called by its name in the venv."""
    path = os.path.abspath(path)
    for host, there in _moved().items():
        for prefix in dict.fromkeys((os.path.abspath(host), os.path.realpath(host))):
            if path == prefix or path.startswith(prefix + os.sep):
                return there + path[len(prefix):]
    return path


def wrap(argv, workdir, env, net=False, writable=None, hide=(), show=(), scratch=None):
    """argv run in the sandbox (bwrap) in `workdir` with exactly the environment `env` (_bwrap_args says
    what the other arguments are); without bwrap argv itself (the caller passes `env` to the process).
    Paths in argv and in env's PATH are translated to the sandbox's (_moved). bubblewrap reads its own
    arguments from an inheritable descriptor (`--args N`; pass it on: inherited_fds), which it closes before
    the sandboxed program starts."""
    exe = bwrap()
    if not exe:
        return list(argv)
    env = sandbox_env(env)
    setenv = [a for k, v in env.items() for a in ("--setenv", k, v)]
    args = [*_bwrap_args(str(workdir), net, writable, hide, show, scratch), *setenv]
    fd = os.memfd_create("bwrap-args", 0)
    os.write(fd, b"".join(os.fsencode(a) + b"\0" for a in args))
    os.lseek(fd, 0, os.SEEK_SET)
    os.set_inheritable(fd, True)
    return [exe, "--args", str(fd), *(_inside(a) if os.path.isabs(a) else a for a in argv)]


def sandbox_env(env):
    """env with its PATH in the sandbox's paths (_moved): what bubblewrap and the sandboxed program get."""
    if not bwrap() or "PATH" not in env:
        return dict(env)
    return dict(env, PATH=os.pathsep.join(_inside(p) for p in env["PATH"].split(os.pathsep)))


def inherited_fds(argv):
    """The descriptors a wrapped argv needs passed to its process (subprocess's pass_fds)."""
    return (int(argv[2]),) if len(argv) > 2 and argv[1] == "--args" else ()


def limiter(limits):
    """A preexec_fn that applies resource limits (soft and hard) in the child."""
    nobody = as_nobody()        # decided here, in the parent: a preexec_fn must not start processes

    def apply():
        for name, value in limits.items():
            resource.setrlimit(getattr(resource, name), (value, value))
        os.setsid()
        first_to_go()
        if nobody:
            drop_privileges()
    return apply


def child_env(workdir):
    """The judge's answer process's whole environment: its folder is its home, temp and config folder."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": os.path.join(workdir, "tmp"),
            "MPLCONFIGDIR": os.path.join(workdir, ".config", "matplotlib"),
            "XDG_CONFIG_HOME": os.path.join(workdir, ".config"), "XDG_CACHE_HOME": os.path.join(workdir, ".cache"),
            **QUIET_ENV}


def child_argv(workdir, folder_bytes, caps, mode="answer", home=None):
    """The judge's student process: python -I autograder/sandbox/child.py MODE CAPS (answer, zygote; CAPS: the
    JSON of autograder/limits.py's ANSWER_CAPS, what it may read and keep), torch hidden, in `workdir`, a
    tmpfs of `folder_bytes` (with bubblewrap), with child_env(home or workdir)."""
    return wrap([sys.executable, "-I", os.path.join(HERE, "child.py"), mode, json.dumps(caps)], workdir,
                child_env(home or workdir), hide=_package_dirs("torch"), scratch=folder_bytes)


def kernel_option(rlimits, folder_bytes):
    """The argument that carries the kernel's limits (autograder/limits.py, MemoryLimits.kernel()) from the
    grading process to kernel_main, appended to the kernelspec's command line (nbclient's extra_arguments)."""
    return KERNEL_OPTION + json.dumps({"rlimits": dict(rlimits), "folder_bytes": int(folder_bytes)})


def _kernel_limits(argv):
    """(rlimits, folder bytes, argv without the option): the limits kernel_option put on the command line, or
    MemoryLimits' defaults when the kernel was started without them (not by the course's Execute)."""
    given = [a for a in argv if a.startswith(KERNEL_OPTION)]
    argv = [a for a in argv if not a.startswith(KERNEL_OPTION)]
    if given:
        limits = json.loads(given[-1][len(KERNEL_OPTION):])
        return {str(k): int(v) for k, v in limits["rlimits"].items()}, int(limits["folder_bytes"]), argv
    from autograder.limits import MemoryLimits  # on the host (the kernelspec's command), never in the sandbox
    rlimits, folder_bytes = MemoryLimits().kernel()
    return rlimits, folder_bytes, argv


def kernel_env(workdir):
    """The student kernel's whole environment: its working folder is its home, temp and config folder."""
    return {"PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]), "HOME": str(workdir),
            "TMPDIR": os.path.join(workdir, "tmp"), "IPYTHONDIR": os.path.join(workdir, ".ipython"),
            "MPLCONFIGDIR": os.path.join(workdir, ".config", "matplotlib"), **QUIET_ENV}


def kernel_main(argv):
    """`python confine.py kernel -f CONNECTION_FILE`: start the IPython kernel inside the sandbox.

    The working folder is the grader's private scratch folder for this kernel (Execute in
    autograder/preprocessors/execute.py); the connection file is read-only in the sandbox; the ZeroMQ IPC
    sockets the connection file names live in a folder of their own, writable. No network. The limits come
    on the command line (kernel_option)."""
    rlimits, folder_bytes, argv = _kernel_limits(argv)
    for name, value in rlimits.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    here = os.getcwd()
    connection = [os.path.abspath(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a == "-f"]
    sockets = []
    for path in connection:
        with open(path) as f:
            info = json.load(f)
        if info.get("transport") == "ipc":
            sockets.append(os.path.dirname(os.path.abspath(info["ip"])))
    env = kernel_env(here)
    first_to_go()
    if as_nobody():     # the kernel reads its connection file as the user it runs as
        for path in connection:
            os.chown(path, SANDBOX_UID, SANDBOX_UID)
        drop_privileges()
    cmd = wrap([sys.executable, os.path.abspath(__file__), "kernel-inner", here, *argv], here, env,
               net=not sockets, writable=sockets, show=connection, scratch=folder_bytes)
    # bwrap itself gets the clean environment too: its own init process (PID 1 in the sandbox) would
    # otherwise show the grader's in /proc/1/environ.
    os.execve(cmd[0], cmd, sandbox_env(env))


def remove_tree(path):
    """Delete `path` (a folder that untrusted code wrote in) whoever the grader runs as, never raising:
    links are deleted, never followed; folders it closed (chmod 0, which stops a grader that is not
    root) are opened first; however deep its folders nest, the walk holds two descriptors and no
    recursion (a chain of thousands of folders must not stop the grader). Whether it is gone."""
    try:
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
            return True
        os.chmod(path, 0o700)
        names = []                                   # the walk's way down from `path`, as names
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            while True:
                down = None
                with os.scandir(fd) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            down = entry.name
                        else:
                            os.unlink(entry.name, dir_fd=fd)
                if down is not None:                 # go down into one folder, opened first
                    os.chmod(down, 0o700, dir_fd=fd, follow_symlinks=True)
                    child = os.open(down, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                    os.close(fd)
                    fd = child
                    names.append(down)
                    continue
                if not names:                        # `path` itself is empty
                    break
                parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)   # go up, delete it
                os.close(fd)
                fd = parent
                os.rmdir(names.pop(), dir_fd=fd)
        finally:
            os.close(fd)
        os.rmdir(path)
    except Exception:
        pass
    return not os.path.lexists(path)


def folder_rule(folders):
    """The audit-hook rule that keeps a process's changes to the file system inside `folders`, and its
    signals to itself: (event, args) -> None, or the PermissionError (which libraries expect and
    handle) to raise. Used by the kernel (below) and the judge's answer process (child.py)."""
    allowed = tuple(os.path.realpath(p).rstrip(os.sep) + os.sep for p in folders)
    me = os.getpid()

    def inside(path):
        if isinstance(path, int):
            return True
        return (os.path.realpath(os.fsdecode(path)) + os.sep).startswith(allowed)

    def rule(event, args):
        if event == "open" and args[0] is not None and not isinstance(args[0], int) and not inside(args[0]):
            if opens_for_writing(args[1], args[2]):
                return PermissionError(SANDBOX_MESSAGES["write"].format(path=args[0]))
            if os.path.isdir(args[0]):      # a folder's descriptor would be a dir_fd for writing there
                return PermissionError(SANDBOX_MESSAGES["open_folder"].format(path=args[0]))
        if (event == "sqlite3.connect" and isinstance(args[0], (str, bytes))
                and os.fsdecode(args[0]).startswith("file:")):
            return PermissionError(SANDBOX_MESSAGES["sqlite_uri"])
        if event in PATH_EVENTS:
            if any(i < len(args) and args[i] not in (None, -1) for i in DIR_FD_ARGS.get(event, ())):
                return PermissionError(SANDBOX_MESSAGES["dir_fd"].format(event=event))
            if not all(inside(args[i]) for i in PATH_EVENTS[event]):
                return PermissionError(SANDBOX_MESSAGES["outside"].format(event=event))
        if event in ("os.kill", "os.killpg") and args[0] != me:
            return PermissionError(SANDBOX_MESSAGES["signal"])
        return None
    return rule


def kernel_inner(workdir, argv):
    """Inside the sandbox: an audit hook (which Python code cannot remove) keeps writes, deletions and
    signals inside the kernel's own folder and process, then the kernel starts. With bubblewrap this is
    a second wall; without it, the only one (ctypes can get around it)."""
    for sub in ("tmp", ".ipython", ".config"):
        os.makedirs(os.path.join(workdir, sub), exist_ok=True)
    rule = folder_rule([workdir, "/dev"])      # /dev: its devices (bubblewrap mounts it read-only)

    def hook(event, args):
        refused = rule(event, args)
        if refused:
            raise refused
    sys.addaudithook(hook)
    import seccomp  # no new process or program from here on (a second process escapes the limits)
    seccomp.forbid_new_processes()
    # ipykernel's pipe for subprocesses' output needs a TCP socket, which the filter refuses: there are none
    import warnings
    warnings.filterwarnings("ignore", "Couldn't bind IOPub Pipe")
    from ipykernel.kernelapp import launch_new_instance
    # parent_handle=1: no parent poller (bubblewrap ends the kernel with its parent) and none of ipykernel's
    # "Ctrl-C will not work" note for a kernel started by hand, printed into every grading log
    sys.argv = ["ipykernel_launcher", "--IPKernelApp.parent_handle=1", *argv]
    launch_new_instance()


# audit event -> which of its arguments are folder descriptors (dir_fd) its paths are relative to: refused,
# since the rule could not tell where such a path leads
DIR_FD_ARGS = {"os.mkdir": (2,), "os.remove": (1,), "os.rmdir": (1,), "os.rename": (2, 3), "os.replace": (2, 3),
               "os.chmod": (2,), "os.chown": (3,), "os.link": (2, 3), "os.symlink": (2,), "os.mkfifo": (2,),
               "os.mknod": (3,), "os.utime": (3,)}
# audit event -> which of its arguments are paths that get changed
PATH_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1),
               "shutil.rmtree": (0,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.link": (1,),
               "os.symlink": (1,), "os.mkdir": (0,), "shutil.copyfile": (1,), "shutil.move": (0, 1),
               "os.mkfifo": (0,), "os.mknod": (0,), "os.utime": (0,), "sqlite3.connect": (0,)}


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
