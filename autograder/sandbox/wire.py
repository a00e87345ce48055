"""Runs in the grading process (the judge) and in the zygote, answer and echo processes: frames.

The judge's wire format, one home for both ends (autograder/sandbox/judge.py and child.py).

A message is one frame on a pipe:

    [JSON length: 4 bytes, big-endian][blob length: 4 bytes][JSON][blob]

Arrays do not travel inside the JSON: they are written raw into the blob, and the JSON holds
{"a": [offset, nbytes], "dtype": "<f4", "shape": [2, 3, 7]} in their place. Sending an input of
512 KiB costs a memory copy, not a base64 round trip, so the judge can time the answer's calls with
the transfer taken off precisely (notebook 07's speed bonus).

Everything that arrives is data to parse with limits: `read_frame` refuses a frame whose JSON or
blob is over the reader's caps before reading it, and `array` checks the dtype, the shape and the
offsets against the blob before it makes a view of it.
"""
import json
import os
import struct
import typing

import numpy as np

HEADER = struct.Struct(">II")
NUMERIC = "biuf"      # dtype kinds that cross: bool, signed and unsigned int, float


# The JSON part of the frames, by who sends them (what crosses processes; every field is checked on arrival).
# A value crosses as data: None, bool, int, float, str, {"t": [...]} (a tuple), {"l": [...]} (a list),
# {"d": {...}} (a dict), an ArrayRef, or, from an answer process, {"ref": n, "type": name, "callable": bool}
# (an object that stays there; the judge's Remote proxies it).
class ArrayRef(typing.TypedDict, total=False):
    """An array's stand-in (Frame.array): its bytes are the blob's [a[0], a[0] + a[1])."""
    a: list[int]
    dtype: str
    shape: list[int]
    strides: list[int]      # a strided view only, with the offset of its first element
    start: int


class Request(typing.TypedDict, total=False):
    """Judge -> answer process (child.py _answer, zygote; echo takes x, shape, dtype). Without `op`: the first
    frame of an answer process of its own, with `cells` and `cpu`."""
    op: str                 # fork, get, getattr, setattr, call, time, signature, report, log
    cells: list[str]        # the answer cells (start, fork)
    cpu: int                # seconds of CPU time the answer process may use (RLIMIT_CPU)
    name: str               # get, getattr, setattr
    ref: int                # the object a request is about (an answer process's reference number)
    value: typing.Any       # setattr
    args: typing.Any        # call: {"t": [...]}
    kwargs: typing.Any      # call: {"d": {...}}
    x: typing.Any           # time, echo: the input
    shape: list[int]        # echo: the output's
    dtype: str              # echo: the output's


class Reply(typing.TypedDict, total=False):
    """Answer process -> judge: one key. Zygote -> judge, on its control channel: `exited` and `cpu`."""
    errors: list[list]      # after the answer cells: [cell number, exception name, message] of each that raised
    ok: typing.Any          # a request's value
    error: list             # a request that raised: [exception name, message, [line number, source] or ""]
    missing: bool           # get: the answer cells did not define the name
    exited: int             # the wait status of the answer process that has ended
    cpu: float              # its CPU seconds


class FrameError(Exception):
    """A frame that breaks the format or its limits."""


class Frame:
    """A message being built: `array()` puts an array in the blob and returns its JSON stand-in."""

    def __init__(self):
        self.blobs = []
        self.size = 0

    def array(self, arr):
        """The stand-in of a numeric array. A view that is not C-contiguous (transposed, sliced, reversed)
        crosses as the memory it spans, with its strides and the offset of its first element, so the
        other side gets the same layout (the checks give answers such inputs on purpose)."""
        arr = np.asarray(arr)
        if arr.dtype.kind not in NUMERIC or arr.dtype.hasobject:
            raise TypeError(f"an array of {arr.dtype} is not numeric data")
        span = _memory_span(arr)
        if span is None:
            arr = np.ascontiguousarray(arr)
            ref = {"a": [self.size, arr.nbytes], "dtype": arr.dtype.str, "shape": list(arr.shape)}
            self.blobs.append(memoryview(arr).cast("B") if arr.nbytes else b"")
            self.size += arr.nbytes
            return ref
        region, start = span
        ref = {"a": [self.size, len(region)], "dtype": arr.dtype.str, "shape": list(arr.shape),
               "strides": list(arr.strides), "start": start}
        self.blobs.append(memoryview(region).cast("B"))
        self.size += len(region)
        return ref

    def pack(self, obj: Request | Reply) -> list:
        """The frame's bytes, as a list of buffers (written one after another, no joined copy)."""
        text = json.dumps(obj, separators=(",", ":")).encode()
        return [HEADER.pack(len(text), self.size), text, *self.blobs]


def _memory_span(arr):
    """(the bytes a non-contiguous view spans, as a uint8 array; offset of its first element in them),
    or None for a contiguous array or one whose memory is not an ndarray's own."""
    if arr.flags.c_contiguous or arr.size == 0:
        return None
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root.base is not None or not root.flags.c_contiguous:
        return None
    from numpy.lib.array_utils import byte_bounds
    lo, hi = byte_bounds(arr)
    root_lo, _ = byte_bounds(root)
    region = root.reshape(-1).view(np.uint8)[lo - root_lo:hi - root_lo]
    return region, arr.__array_interface__["data"][0] - lo


def write_frame(fd, parts):
    """Write a packed frame (Frame.pack) to file descriptor fd, whole."""
    for part in parts:
        view = memoryview(part)
        while view:
            n = os.write(fd, view)
            view = view[n:]


def read_exactly(read, n):
    """n bytes from read(k) (which returns at most k bytes, b"" at the end), into one buffer."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        chunk = read(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the channel")
        view[got:got + len(chunk)] = chunk
        got += len(chunk)
    return buf


def read_frame(read, max_json, max_blob) -> tuple[typing.Any, bytearray]:
    """(JSON object, blob) of the next frame; FrameError when a length is over its cap."""
    n_json, n_blob = HEADER.unpack(bytes(read_exactly(read, HEADER.size)))
    if n_json > max_json or n_blob > max_blob:
        raise FrameError(f"a message of {n_json} + {n_blob} bytes is over the limit ({max_json} + {max_blob})")
    text = read_exactly(read, n_json)
    blob = read_exactly(read, n_blob) if n_blob else bytearray()
    try:
        return json.loads(text), blob
    except (ValueError, RecursionError) as e:
        raise FrameError(f"unreadable message: {e}") from None


def array(ref, blob):
    """The array that JSON stand-in `ref` describes, copied out of `blob`; FrameError if it does not fit."""
    try:
        offset, nbytes = (int(v) for v in ref["a"])
        dtype = np.dtype(str(ref["dtype"]))
        shape = tuple(int(n) for n in ref["shape"])
        strides = None if "strides" not in ref else tuple(int(n) for n in ref["strides"])
        start = int(ref.get("start", 0))
    except (KeyError, TypeError, ValueError) as e:
        raise FrameError(f"a malformed array: {e}") from None
    if dtype.kind not in NUMERIC or dtype.hasobject or len(shape) > 32 or any(n < 0 for n in shape):
        raise FrameError(f"an array of {dtype}, shape {shape} is not numeric data")
    count = 1
    for n in shape:
        count *= n
    if offset < 0 or nbytes < 0 or offset + nbytes > len(blob):
        raise FrameError("an array that does not fit its message")
    region = memoryview(blob)[offset:offset + nbytes]
    if strides is None:
        if nbytes != count * dtype.itemsize:
            raise FrameError("an array that does not fit its message")
        # A view of the frame's own buffer (a bytearray, so writable): no second copy of the data.
        return np.frombuffer(region, dtype=dtype, count=count).reshape(shape)
    if len(strides) != len(shape) or not 0 <= start <= nbytes:
        raise FrameError("a malformed strided array")
    try:        # numpy checks that every element lies inside the region
        return np.ndarray(shape, dtype=dtype, buffer=region, offset=start, strides=strides)
    except (TypeError, ValueError) as e:
        raise FrameError(f"a strided array that does not fit its message: {e}") from None
