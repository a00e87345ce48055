"""The student's side of the judge: runs ONLY the answer cells, then answers requests.

Started by autograder/sandbox/judge.py as `python -I child.py` inside the sandbox (autograder/sandbox/confine.py).
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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402  (the one home of the message format)
from confine import opens_for_writing  # noqa: E402  (the one home of that rule)

PROTO_IN, PROTO_OUT = os.dup(0), os.dup(1)      # the judge's pipes; fd 0 and 1 are then closed off
MAX_JSON, MAX_BLOB = 64 * 1024 ** 2, 1024 ** 3   # what the judge may send (it is trusted; these are sanity caps)
LOG_LIMIT = 64 * 1024

CONVOLUTION_LIBRARIES = {"torch", "scipy", "tensorflow", "jax", "jaxlib", "numba", "cupy", "keras"}
REFUSED_IMPORTS = {"ctypes", "_ctypes", "subprocess", "socket", "_socket", "multiprocessing", "concurrent", "asyncio",
                   "signal", "pty", "shutil", "pickle", "marshal", "gc", "_posixsubprocess", "mmap", "resource",
                   "importlib", "_imp", "zipimport"}
FORBIDDEN_EVENTS = {"os.remove", "os.unlink", "os.rename", "os.replace", "os.rmdir", "os.removedirs", "shutil.rmtree",
                    "os.chmod", "os.chown", "os.kill", "os.killpg", "os.system", "os.exec", "os.posix_spawn",
                    "os.spawn", "os.fork", "os.forkpty", "subprocess.Popen", "socket.connect", "socket.bind",
                    "ctypes.dlopen", "ctypes.dlsym", "ctypes.addressof", "ctypes.call_function", "ctypes.cdata",
                    "os.truncate", "os.link", "os.symlink", "os.mkdir", "os.mkfifo", "os.mknod", "os.putenv",
                    "os.unsetenv", "sys.setprofile", "sys.settrace", "sys.addaudithook", "gc.get_objects",
                    "gc.get_referrers", "gc.get_referents", "sys._current_frames", "sys.monitoring.register_callback"}
# Loaded before the rules start, so that an answer may use them; after that no compiled module loads.
PRELOAD = ("numpy", "numpy.lib.stride_tricks", "numpy.fft", "numpy.linalg", "numpy.random", "numpy.polynomial",
           "numpy.testing", "math", "cmath", "itertools", "functools", "operator", "collections", "heapq", "bisect",
           "statistics", "decimal", "fractions", "random", "array", "copy", "dataclasses", "typing", "numbers",
           "string", "re", "time", "warnings", "enum", "inspect", "textwrap")
FORBIDDEN_NAMES = {"convolve", "correlate", "correlate2"}
FLAGS = []       # what the answer tried and was refused: the instructor sees it (autograder/sandbox/judge.py)


class ForbiddenRoutine(Exception):
    pass


class Refused(Exception):
    pass


def _forbid(label):
    def forbidden(*args, **kwargs):
        raise ForbiddenRoutine(f"your answer called {label}. The exercise is to compute the convolution "
                               "yourself with NumPy; library routines that do it for you score zero.")
    return forbidden


def _refuse(exc, message):
    if len(FLAGS) < 20:
        FLAGS.append(message[:300])
    raise exc(message)


def _guard():
    """Before the answer runs: load what an answer may use, put raising stand-ins wherever NumPy's
    convolution routines are reachable, and install the audit hook.

    Patching names alone is not enough: a fresh copy of NumPy's compiled module (importlib's
    module_from_spec) brings the originals back, and so would the garbage collector's view of all
    objects. So once the guard is up, no compiled module may be loaded at all (the audit event
    "import" names its file), and the gc's introspection is refused; every refusal is flagged."""
    import importlib
    import importlib.machinery
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
    compiled = tuple(importlib.machinery.EXTENSION_SUFFIXES)

    def hook(event, args):
        if event == "import":
            name, filename = str(args[0]), str(args[1] or "")
            top = name.split(".")[0]
            if top in CONVOLUTION_LIBRARIES:
                _refuse(ForbiddenRoutine, f"your answer imports {top}. The exercise is to compute the "
                                          "convolution yourself with NumPy; library routines score zero.")
            if filename.endswith(compiled):
                _refuse(ForbiddenRoutine if top == "numpy" else Refused,
                        f"your answer loads the compiled module {name} ({os.path.basename(filename)}); once the "
                        "grader is set up, no compiled module may be loaded (numpy's is loaded already)")
            if top in REFUSED_IMPORTS:
                _refuse(Refused, f"the answer may import numpy and the standard maths modules, not {name!r}")
        elif event == "open" and opens_for_writing(args[1], args[2]):
            _refuse(Refused, "the answer may not write files")
        elif event in FORBIDDEN_EVENTS or event.startswith(("os.exec", "os.spawn")):
            _refuse(Refused, f"the answer may not call {event}")
    sys.addaudithook(hook)
    return np


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


def main():
    # The protocol has its own file descriptors; fd 0/1 now lead nowhere.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    log = _Log()
    sys.stdout = sys.stderr = log
    start, _ = receive()
    np = _guard()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "np": np}
    refs = []
    errors = []
    for i, source in enumerate(start["cells"]):
        try:
            exec(compile(source, f"<answer cell {i + 1}>", "exec"), namespace)
        except BaseException as e:   # SystemExit and KeyboardInterrupt too: that cell did not finish
            errors.append([i + 1, type(e).__name__, str(e)[:2000]])
    send("errors", errors, refs)
    while True:
        req, blob = receive()
        if req is None:
            return
        try:
            op = req["op"]
            if op == "get":
                if req["name"] not in namespace:
                    send("missing", True, refs)
                    continue
                result = namespace[req["name"]]
            elif op == "getattr":
                result = getattr(refs[req["ref"]], req["name"])
            elif op == "setattr":
                setattr(refs[req["ref"]], req["name"], decode(req["value"], refs, blob))
                result = None
            elif op == "call":
                result = refs[req["ref"]](*decode(req["args"], refs, blob), **decode(req["kwargs"], refs, blob))
            elif op == "time":     # one call on an input that came with this request; calls=False: the
                x = decode(req["x"], refs, blob)      # judge's baseline, the same data back
                result = refs[req["ref"]](x) if req["calls"] else x
            elif op == "signature":
                result = signature(refs[req["ref"]])
            elif op == "flags":
                result = list(FLAGS)
            elif op == "log":
                result = "".join(log.text) + ("\n[output truncated]" if log.size > LOG_LIMIT else "")
            else:
                raise ValueError(f"unknown request {op!r}")
            send("ok", result, refs)
        except BaseException as e:
            send("error", [type(e).__name__, str(e)[:2000]], refs)


if __name__ == "__main__":
    main()
