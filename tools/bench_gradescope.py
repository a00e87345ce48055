"""`make bench-gradescope`: does an autograder zip fit Gradescope's defaults (768 MB, half a vCPU, 10 minutes)?

Each assignment's zip (python -m autograder export gradescope) grades a correct example submission (ada's,
autograder/examples/) in the stand-in container (autograder/gradescope/container.py), inside a cgroup (v1 or
v2) that holds it to Gradescope's defaults: a memory limit of 768 MB and a CPU quota of half a CPU (50 ms each
100 ms). It prints, for each, the wall time, the cgroup's peak memory (what the limit counts: every process,
files in tmpfs and page cache) and the score. Exits non-zero when a run is killed, takes over 10 minutes or
loses points. Needs root (cgroups, bubblewrap), as the grader does.

    python tools/bench_gradescope.py [ASSIGNMENT ...] [--memory-mb 768] [--cpu 0.5]
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.build.release import ROOT, assignments, notebook_path
from autograder.classroom import submissions
from autograder.gradescope import container, export

GRADESCOPE_SECONDS = 600


class Cgroup:
    """A cgroup of its own that limits memory and CPU, v2 if mounted so, else v1's memory and cpu controllers."""

    def __init__(self, memory_bytes, cpus):
        name = f"conv1d-bench-{os.getpid()}"
        self.v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
        if self.v2:
            self.dirs = [Path("/sys/fs/cgroup") / name]
            self.dirs[0].mkdir()
            (self.dirs[0] / "memory.max").write_text(str(memory_bytes))
            (self.dirs[0] / "cpu.max").write_text(f"{int(cpus * 100000)} 100000")
        else:
            self.dirs = [Path("/sys/fs/cgroup/memory") / name, Path("/sys/fs/cgroup/cpu") / name]
            for d in self.dirs:
                d.mkdir()
            (self.dirs[0] / "memory.limit_in_bytes").write_text(str(memory_bytes))
            (self.dirs[1] / "cpu.cfs_period_us").write_text("100000")
            (self.dirs[1] / "cpu.cfs_quota_us").write_text(str(int(cpus * 100000)))

    def enter(self):
        """A preexec_fn: the child joins the cgroup."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def peak(self):
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        return int((self.dirs[0] / name).read_text())

    def killed(self):
        if self.v2:
            return "oom_kill 0" not in (self.dirs[0] / "memory.events").read_text()
        return int((self.dirs[0] / "memory.failcnt").read_text()) > 0 and \
            "oom_kill 0" not in (self.dirs[0] / "memory.oom_control").read_text()

    def remove(self):
        for d in self.dirs:
            d.rmdir()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=assignments())
    parser.add_argument("--memory-mb", type=int, default=768)
    parser.add_argument("--cpu", type=float, default=0.5)
    args = parser.parse_args(argv)
    bad = 0
    print(f"{'assignment':<20} {'seconds':>8} {'peak MB':>8} {'score':>8}   (limits: {args.memory_mb} MB, "
          f"{args.cpu:g} CPU)")
    with tempfile.TemporaryDirectory(prefix="conv1d-bench-gradescope-") as tmp:
        for a in args.assignments:
            zip_file = Path(tmp) / f"{a}.zip"
            export.build(a, zip_file, "bench-" + os.urandom(8).hex())
            sub = submissions.parse(ROOT / "autograder" / "examples" / a / "ada.py", a, "ada")
            nb = sub.apply(nbformat.read(notebook_path(a, ROOT / "notebooks"), as_version=4))
            group = Cgroup(args.memory_mb * 1000 ** 2, args.cpu)
            start = time.monotonic()
            try:
                res, _, _ = container.run(zip_file, {f"{a}.ipynb": nbformat.writes(nb).encode()}, Path(tmp) / a,
                                          preexec_fn=group.enter, timeout=GRADESCOPE_SECONDS * 2)
                seconds, peak, killed = time.monotonic() - start, group.peak(), group.killed()
            finally:
                group.remove()
            expected = sum(sub.expect.values())
            ok = not killed and seconds < GRADESCOPE_SECONDS and res["score"] >= expected
            bad += not ok
            verdict = "ok" if ok else "KILLED" if killed else "TOO SLOW" if seconds >= GRADESCOPE_SECONDS else "POINTS"
            print(f"{a:<20} {seconds:8.0f} {peak / 1000 ** 2:8.0f} {res['score']:>8g}   {verdict}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
