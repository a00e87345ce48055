"""Runs in the judge's zygote and its answer processes (in bubblewrap), and in the echo process.

The student's side of the judge: runs ONLY the answer cells, then answers requests.

Started by autograder/sandbox/judge.py as `python -I child.py MODE CAPS` inside the sandbox
(autograder/sandbox/confine.py: child_argv); CAPS is the JSON of autograder/limits.py's ANSWER_CAPS.
It imports nothing from the course but the message format (wire.py) and one rule of confine.py: it
must not trust or be trusted. Requests and replies are frames (wire.py: JSON plus raw array bytes) on
the pipes the judge gave it (fd 0 in, fd 1 out); the student's own prints go to a capped log. Values
cross as data only (numbers, strings, tuples, lists, dicts, numeric arrays); everything else stays
here and crosses as a numbered reference.

Before the answer runs, the routines that would compute the convolution for the student raise,
and an audit hook (which Python code cannot remove) refuses new imports outside NumPy and a few
standard modules, writing files, deleting, signalling, starting processes and opening sockets.
"""
import builtins
import json
import math
import os
import resource
import sys

# The answer process imports its two siblings from this folder (/sandbox/code in the sandbox), nothing else of
# the course: the course is not installed there (confine._editable_files).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402  (the one home of the message format)
from confine import SANDBOX_MESSAGES as SAYS  # noqa: E402  (English: the judge says them in the student's language)
from confine import folder_rule, remove_tree  # noqa: E402  (the one home of those rules)

_EXIT = os._exit
PROTO_IN, PROTO_OUT = os.dup(0), os.dup(1)      # the judge's pipes; fd 0 and 1 are then closed off
# What the judge may send (it is trusted; these are sanity caps) and how much of the answer's prints is kept:
# autograder/limits.py's ANSWER_CAPS, set from the command line (_caps) before anything is read.
MAX_JSON = MAX_BLOB = LOG_LIMIT = 0

# Importing these is using a library that computes the convolution: ForbiddenRoutine, as np.convolve.
# Modules that load native libraries with no audit event (cffi's ffi.dlopen), as ctypes would with one: refused like it
NATIVE_LOADERS = ("_cffi_backend", "cffi")
CONVOLUTION_MODULES = ("torch", "tensorflow", "jax", "jaxlib", "keras", "cupy", "scipy.signal", "scipy.ndimage")
# Refused with the PermissionError libraries already handle (matplotlib, pandas, tqdm, scipy.special import and
# work): processes, the network, native code through ctypes, the garbage collector's view of every object,
# tracing, new audit hooks. Changes to files outside the process's own folder: confine.folder_rule.
REFUSED_EVENTS = {"os.system", "os.posix_spawn", "os.fork", "os.forkpty", "subprocess.Popen", "pty.spawn",
                  "socket.connect", "socket.bind", "socket.sendto", "socket.getaddrinfo",
                  "ctypes.dlsym", "ctypes.addressof", "ctypes.call_function", "ctypes.cdata", "ctypes.cdata/buffer",
                  "ctypes.string_at", "ctypes.wstring_at", "ctypes.set_errno", "os.putenv", "os.unsetenv",
                  "sys.setprofile", "sys.settrace", "sys.addaudithook", "gc.get_objects", "gc.get_referrers",
                  "gc.get_referents", "sys._current_frames", "sys.monitoring.register_callback", "mmap.__new__",
                  "os.setxattr", "os.removexattr"}   # extended attributes and ACLs outlive a folder's emptying
# Loaded before the rules start, where the guard can see them.
PRELOAD = ("numpy", "numpy.lib.stride_tricks", "numpy.fft", "numpy.linalg", "numpy.random", "numpy.polynomial",
           "numpy.testing", "math", "cmath", "itertools", "functools", "operator", "collections", "heapq", "bisect",
           "statistics", "decimal", "fractions", "random", "array", "copy", "dataclasses", "typing", "numbers",
           "string", "re", "time", "warnings", "enum", "inspect", "textwrap", "importlib", "importlib.util")
FORBIDDEN_NAMES = {"convolve", "correlate", "correlate2"}
FLAGS = []       # what the answer tried and was refused: the instructor sees it (autograder/sandbox/judge.py)
NOTES = []       # what the grader did not run (magics, shell lines): the student sees it


class ForbiddenRoutine(Exception):
    pass


def _forbid(label):
    def forbidden(*args, **kwargs):
        raise ForbiddenRoutine(SAYS["called"].format(routine=label))
    return forbidden


def _refuse(exc, flag=True):
    """Raise exc; flag it for the instructor unless it is what libraries do on their own (a subprocess,
    a socket, a file written outside the folder: matplotlib tries some of these and copes)."""
    message = str(exc)
    if flag and len(FLAGS) < 20 and message[:300] not in FLAGS:
        FLAGS.append(message[:300])
    raise exc


def _prepare():
    """Before any answer: load what an answer commonly uses and put raising stand-ins wherever NumPy's
    convolution routines are reachable (a zygote does this once, for every answer process it forks).

    Patching names alone is not enough: a fresh copy of NumPy's compiled module (importlib's
    module_from_spec, _imp.create_dynamic) brings the originals back, and so would the garbage
    collector's view of all objects. So _lock_down lets a compiled module load once, never again (the
    audit event "import" names its file), and refuses the gc's view of every object."""
    import importlib

    import numpy as np
    for name in PRELOAD:
        importlib.import_module(name)
    originals = set()
    for modname, mod in list(sys.modules.items()):
        if modname.split(".")[0] != "numpy" or mod is None:
            continue
        for attr in FORBIDDEN_NAMES:
            value = getattr(mod, attr, None)
            if value is not None and not getattr(value, "__conv1d_forbidden__", False):
                originals.add(id(value))
                stand_in = _forbid(f"np.{attr.rstrip('2')}")
                stand_in.__conv1d_forbidden__ = True
                setattr(mod, attr, stand_in)
    _unlink_originals(originals)
    return np


def _module_files(known=None):
    """{module name: realpath of its file} for every loaded module with a file, extending `known` (a
    zygote finds them once, ~7 ms of lstat calls, and each answer process it forks adds only what was
    loaded since)."""
    files = dict(known or {})
    for name, m in list(sys.modules.items()):
        if name not in files and isinstance(getattr(m, "__file__", None), str):
            files[name] = os.path.realpath(m.__file__)
    return files


def _lock_down(folder, known=None):
    """Right before the answer runs, for good: no new process or program (seccomp), and the audit hook
    (which Python code cannot remove). Every refusal that is not a library's own is flagged. `known`:
    _module_files() as the zygote found them."""
    import importlib.machinery
    import types

    import seccomp  # no new process or program from here on: a second Python would have no guard
    seccomp.forbid_new_processes()
    compiled = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    origin = _module_files(known)
    loaded = {path for path in origin.values() if path.endswith(compiled)}
    installed = _installation()
    in_folder = folder_rule([folder])

    # The rules as they are now, bound here: an answer reaches this module's globals (`import __main__`, a stand-in's
    # __globals__) and could rebind or empty them; the hook reads none of them when it runs.
    convolution, refused_events = tuple(CONVOLUTION_MODULES), frozenset(REFUSED_EVENTS)
    native = tuple(NATIVE_LOADERS)
    says, refuse, forbidden, denied = types.MappingProxyType(dict(SAYS)), _refuse, ForbiddenRoutine, PermissionError

    def hook(event, args):
        if event == "import":
            name, filename = str(args[0]), str(args[1] or "")
            if any(name == m or name.startswith(m + ".") for m in convolution):
                refuse(forbidden(says["imports"].format(module=name)))
            if any(name == m or name.startswith(m + ".") for m in native):
                refuse(denied(says["native"].format(library=name)))
            # every load of compiled code says its file ("import", also from _imp.create_dynamic)
            path = os.path.realpath(filename) if filename else ""
            if path and origin.get(name, path) != path:
                refuse(forbidden(says["second_copy"].format(module=name, file=os.path.basename(filename))))
            if path and not filename.endswith(".py") and not installed(path):
                refuse(denied(says["not_installed"].format(module=name, file=os.path.basename(filename))))
            if filename.endswith(compiled):
                if path in loaded or any(f"{os.sep}{m.replace('.', os.sep)}{os.sep}" in path
                                         for m in convolution):
                    refuse(forbidden(says["compiled_again"].format(module=name,
                                                                          file=os.path.basename(filename))))
                loaded.add(path)
        elif event == "ctypes.dlopen" and args and args[0] is not None:
            refuse(denied(says["native"].format(library=args[0])))
        elif event in refused_events or event.startswith(("os.exec", "os.spawn")):
            refuse(denied(says["event"].format(event=event)),
                    flag=event.startswith(("ctypes", "gc", "sys")) or event.endswith("xattr"))
        else:
            refused = in_folder(event, args)
            if refused:
                refuse(refused, flag=False)
    sys.addaudithook(hook)


def _installation():
    """A test of a file's realpath: is it part of this Python, its standard library (lib-dynload included)
    or the packages of the environment it runs in? The only places compiled code may come from once the
    answer runs: the answer's folder, home and temp folder are writable (a copied or written module would
    be code the guard never saw), and another environment's packages (the base interpreter's own
    site-packages under a venv) hold a second, unguarded NumPy."""
    import site
    import sysconfig
    folder = lambda p: os.path.join(os.path.realpath(p), "")
    packages = tuple({folder(p) for p in site.getsitepackages() if os.path.isdir(p)})
    stdlib = tuple({folder(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")})

    def installed(path):
        if path.startswith(packages):
            return True
        root = next((r for r in stdlib if path.startswith(r)), None)
        return root is not None and path[len(root):].split(os.sep)[0] not in ("site-packages", "dist-packages")
    return installed


def _unlink_originals(originals):
    """Replace every remaining reference to the original routines in a module or class namespace
    (found once, by the garbage collector, before the answer runs and before gc is refused)."""
    import gc
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "__name__" in obj:
            for key, value in list(obj.items()):
                if id(value) in originals and not isinstance(key, int):
                    obj[key] = _forbid(f"np.{str(key).rstrip('2')}")


# ----------------------------------------------------------------------------- values on the wire
def encode(value, refs, frame):
    """A value as data (numbers, strings, tuples, lists, numeric arrays in the frame's blob); anything
    else stays here and crosses as a numbered reference."""
    import numpy as np
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in wire.NUMERIC:
        return encode(value.item(), refs, frame)
    if isinstance(value, np.ndarray) and value.dtype.kind in wire.NUMERIC:
        return frame.array(value)
    if type(value) in (tuple, list) and len(value) > 256:    # a long list of numbers: as an array
        try:
            arr = np.asarray(value)
        except Exception:
            arr = None
        if arr is not None and arr.dtype.kind in wire.NUMERIC:
            return frame.array(arr)
    if type(value) is tuple:
        return {"t": [encode(v, refs, frame) for v in value]}
    if type(value) is list:
        return {"l": [encode(v, refs, frame) for v in value]}
    refs.append(value)
    return {"ref": len(refs) - 1, "type": type(value).__name__, "callable": callable(value)}


def decode(obj, refs, blob):
    if isinstance(obj, dict):
        if "a" in obj:
            return wire.array(obj, blob)
        if "t" in obj:
            return tuple(decode(v, refs, blob) for v in obj["t"])
        if "l" in obj:
            return [decode(v, refs, blob) for v in obj["l"]]
        if "ref" in obj:
            return refs[obj["ref"]]
        if "d" in obj:
            return {k: decode(v, refs, blob) for k, v in obj["d"].items()}
    return obj


def send(key, value, refs):
    frame = wire.Frame()
    wire.write_frame(PROTO_OUT, frame.pack({key: encode(value, refs, frame)}))


def receive():
    """(request, blob), or (None, None) when the judge has closed the channel."""
    try:
        return wire.read_frame(lambda n: os.read(PROTO_IN, n), MAX_JSON, MAX_BLOB)
    except EOFError:
        return None, None


def signature(obj):
    import inspect
    out = []
    for p in inspect.signature(obj).parameters.values():
        default = None if p.default is inspect.Parameter.empty else p.default
        out.append([p.name, p.kind.name, p.default is inspect.Parameter.empty,
                    default if isinstance(default, (int, float, str, bool, type(None))) else repr(default)])
    return out


class _Log:
    """Where the student's prints go: a capped buffer (sent back for the feedback)."""

    def __init__(self):
        self.text = []
        self.size = 0

    def write(self, s):
        if self.size < LOG_LIMIT:
            self.text.append(s[:LOG_LIMIT - self.size])
        self.size += len(s)
        return len(s)

    def flush(self):
        pass


class GradingShell:
    """What `get_ipython()` is while grading. The judge runs each answer cell through IPython's own
    input transformer (judge.to_python), so `%%time`, `%timeit x`, `!pip install ...` and `%pip ...`
    arrive as calls to this object. Magics that only time or capture run their code; everything else
    (shell lines, installs, other magics) does nothing and says so in a note for the student."""
    RUNS_ITS_CODE = {"time", "timeit", "capture", "prun"}

    def __init__(self, namespace):
        self.user_ns = namespace

    def _run(self, source, where):
        exec(compile(_transform(source), where, "exec"), self.user_ns)

    def run_cell_magic(self, name, line, cell):
        if name in self.RUNS_ITS_CODE:
            return self._run(cell, f"<%%{name} cell>")
        self._note(f"%%{name}")

    def run_line_magic(self, name, line, _stack_depth=1):
        if name in self.RUNS_ITS_CODE:
            return self._run(line, f"<%{name} line>")
        self._note(f"%{name} {line}".strip())

    def system(self, command):
        self._note(f"!{command}")

    getoutput = system

    @staticmethod
    def _note(what):
        note = SAYS["not_run"].format(what=what[:80])
        if note not in NOTES and len(NOTES) < 20:
            NOTES.append(note)


def _transform(source):
    """IPython's own input transformer, for the code inside a cell magic (rarely needed: loaded then)."""
    if "%" not in source and "!" not in source:
        return source
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(source)


def _quiet():
    """The protocol has its own file descriptors; fd 0/1 now lead nowhere, prints go to a capped log."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    log = _Log()
    sys.stdout = sys.stderr = log
    return log


def _folder(folder=None):
    """The answer's folder (default: the working folder), made if need be, with its tmp/, .config/ and
    .cache/ (its temp and config folders: child_env in confine.py)."""
    folder = folder or os.getcwd()
    for sub in ("tmp", ".config", ".cache"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    return folder


def main():
    """One answer process: prepare, lock down, run the answer cells, answer requests."""
    log = _quiet()
    start, _ = receive()
    np = _prepare()
    _cpu_limit(start.get("cpu"))
    _lock_down(_folder())
    _answer(start, np, log)


def zygote():
    """`python -I child.py zygote`: prepare once, then fork a fresh answer process for each request.

    Fd 0/1 is a Unix socket to the judge, the control channel, which no answer process ever holds. Each
    request {"op": "fork", "cells": [...]} comes after one byte that carries two pipe ends (SCM_RIGHTS):
    the new answer process's own channel to the judge. The answer process runs in a fresh, empty folder
    (`answer/`, its home, temp and config folder); when it has ended, everything in the zygote's folder
    is deleted and the zygote says {"exited": status} on the control channel. So an answer leaves
    nothing behind for the next one (no file, no byte in a pipe), and one zygote serves every notebook
    of every student its grading process grades. The zygote itself never runs student code."""
    global PROTO_IN, PROTO_OUT
    import socket
    log = _quiet()
    np = _prepare()
    home = os.getcwd()
    answer_dir = os.path.join(home, "answer")
    _undumpable()
    known = _module_files()
    control = socket.socket(fileno=PROTO_IN)
    while True:
        try:
            marker, fds, _, _ = socket.recv_fds(control, 1, 2)
        except OSError:
            return
        req, _ = receive() if marker else (None, None)
        if req is None:
            return
        if req.get("op") != "fork" or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        _folder(answer_dir)
        pid = os.fork()
        if pid == 0:
            try:
                control.detach()            # the control channel is closed here, before any answer runs
                os.close(PROTO_IN)
                os.close(PROTO_OUT)
                PROTO_IN, PROTO_OUT = fds
                os.chdir(answer_dir)
                _cpu_limit(req.get("cpu"))
                _lock_down(answer_dir, known)
                _answer(req, np, log)
            finally:
                _EXIT(0)        # bound before any answer ran: an answer that replaces os._exit changes nothing
        for fd in fds:
            os.close(fd)
        _, status, spent = os.wait4(pid, 0)
        if not _emptied(home):
            _EXIT(1)        # what it left cannot be deleted: no "exited", so the judge starts a new zygote
        frame = wire.Frame()
        wire.write_frame(PROTO_OUT, frame.pack({"exited": status, "cpu": spent.ru_utime + spent.ru_stime}))


def _emptied(folder):
    """Delete everything in `folder` (the zygote's own: it keeps nothing there; confine.remove_tree), and
    take off any extended attribute or ACL set on it (a default ACL would shape the next answer's folder).
    Whether the folder is as new: empty, mode 0700, no extended attribute."""
    try:
        for entry in os.scandir(folder):
            remove_tree(entry.path)
        for name in os.listxattr(folder):
            os.removexattr(folder, name)
        os.chmod(folder, 0o700)
        return not os.listdir(folder) and not os.listxattr(folder)
    except Exception:
        return False


def _cpu_limit(seconds):
    """The kernel's own limit of this process's CPU time (RLIMIT_CPU): `seconds` more than it has spent
    (SIGXCPU then, SIGKILL a second later), all threads counted. The judge's Clock counts the student's own
    time as it waits; this limit also holds when the answer spins a thread while the judge is not waiting."""
    if seconds:
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(used.ru_utime + used.ru_stime + float(seconds))
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


def _undumpable():
    """prctl(PR_SET_DUMPABLE, 0): no process of the same user may open this one's /proc/<pid>/mem
    (where an answer process could otherwise rewrite its zygote, so that later forks skip _lock_down).
    Forked answer processes inherit it; what one sets for itself does not reach the zygote."""
    import ctypes
    if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:     # PR_SET_DUMPABLE = 4
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def _answer(start, np, log):
    """Run the answer cells of request `start`, then answer the judge's requests until it closes the
    channel."""
    # the protocol, bound before any answer runs: an answer that rebinds this module's globals (`import __main__`)
    # must not keep its process from ending when the judge closes the channel
    send_, receive_ = send, receive
    namespace = {"__name__": "__main__", "__builtins__": builtins, "np": np}
    shell = GradingShell(namespace)
    namespace["get_ipython"] = lambda: shell
    refs = []
    errors = []
    for i, source in enumerate(start["cells"]):
        try:
            exec(compile(source, f"<answer cell {i + 1}>", "exec"), namespace)
        except BaseException as e:   # SystemExit and KeyboardInterrupt too: that cell did not finish
            errors.append([i + 1, type(e).__name__, str(e)[:2000]])
    send_("errors", errors, refs)
    while True:
        req, blob = receive_()
        if req is None:
            return
        try:
            op = req["op"]
            if op == "get":
                if req["name"] not in namespace:
                    send_("missing", True, refs)
                    continue
                result = namespace[req["name"]]
            elif op == "getattr":
                result = getattr(refs[req["ref"]], req["name"])
            elif op == "setattr":
                setattr(refs[req["ref"]], req["name"], decode(req["value"], refs, blob))
                result = None
            elif op == "call":
                result = refs[req["ref"]](*decode(req["args"], refs, blob), **decode(req["kwargs"], refs, blob))
            elif op == "time":     # one call on an input that came with this request (the judge times it)
                result = refs[req["ref"]](decode(req["x"], refs, blob))
            elif op == "signature":
                result = signature(refs[req["ref"]])
            elif op == "report":     # for the instructor, for the student
                result = [list(FLAGS), list(NOTES)]
            elif op == "log":
                result = "".join(log.text) + ("\n[output truncated]" if log.size > LOG_LIMIT else "")
            else:
                raise ValueError(f"unknown request {op!r}")
            send_("ok", result, refs)
        except BaseException as e:
            send_("error", [type(e).__name__, str(e)[:2000], _answer_line(e, start["cells"])], refs)


def _answer_line(err, cells):
    """[N, source] of the line of the answer cells' code that raised `err` (the last such frame of its traceback;
    its source "" when unknown), or "": the checks show it to the student, in their language."""
    tb, found = err.__traceback__, None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<answer cell ") and name.endswith(">"):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return ""
    try:
        lines = cells[int(found[0][len("<answer cell "):-1]) - 1].splitlines()
        text = lines[found[1] - 1].strip()[:200]
    except (ValueError, IndexError):
        text = ""
    return [found[1], text]


def echo():
    """`python -I child.py echo`: the judge's own measure of a timed request's transfer (no student code
    here). Each request brings an input `x` and the shape and dtype of an output; the reply is an array
    of that shape, made and sent the way the answer's output is."""
    import numpy as np
    while True:
        req, blob = receive()
        if req is None:
            return
        decode(req["x"], [], blob)
        send("ok", np.zeros(tuple(req["shape"]), np.dtype(req["dtype"])), [])


def _caps(text):
    """Set the caps of the command line's CAPS (autograder/limits.py, ANSWER_CAPS)."""
    global MAX_JSON, MAX_BLOB, LOG_LIMIT
    caps = json.loads(text)
    MAX_JSON, MAX_BLOB, LOG_LIMIT = (int(caps[k]) for k in ("request_json", "request_blob", "log"))


if __name__ == "__main__":
    _caps(sys.argv[2])
    {"echo": echo, "zygote": zygote, "answer": main}[sys.argv[1]]()
