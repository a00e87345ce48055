# Hostile (class 4 of docs/grading-security.md): an answer that writes its own replies on the judge's channel: a JSON
# nesting bomb, a reply claiming more bytes than the grader takes, a 60 MB blob, and a forward that returns lists
# nested 30 deep. Every reply is bounded in size and structure before it is decoded, and decoding counts against
# the student's time: the channel is garbled, so every test cell fails (the predict question too: the judge runs
# all answer cells together); the grader's memory stays small (tests/test_judge.py measures it).
# expect:
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import json
import os
import struct
import sys

out = getattr(sys.modules.get("__main__"), "PROTO_OUT", None)


def frame(obj, blob=b""):
    text = json.dumps(obj).encode()
    return struct.pack(">II", len(text), len(blob)) + text + blob


if isinstance(out, int):
    bombs = [frame({"ok": {"l": "X"}}).replace(b'"X"', b"[" * 300_000 + b"]" * 300_000),
             struct.pack(">II", 10, 2 ** 31) + b"{}",
             frame({"ok": {"a": [0, 60_000_000], "dtype": "|u1", "shape": [60_000_000]}}, b"\0" * 60_000_000)]
    for b in bombs:
        try:
            os.write(out, b)
        except OSError:
            pass


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.weight = None
        self.bias = None

    def forward(self, x):
        deep = 0.0
        for _ in range(30):
            deep = [deep]
        return deep

    def __call__(self, x):
        return self.forward(x)
