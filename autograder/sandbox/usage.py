"""Runs in the grading process (nbgrader autograde, or a worker's grading process): what sandboxed processes spent.

What an untrusted process tree has spent, read by the grader from /proc (never reported by the process):
by the grading process, about the student's kernel and the judge's answer processes, which run in
bubblewrap's PID namespace but are ordinary processes of the host: their /proc entries are readable by
the grading user even though they are not dumpable.

The time a student is charged for is **the student's own time**: the wall-clock time of a wait, less the
time the student's process was ready to run but waiting for a CPU (the kernel's run-queue delay,
/proc/<pid>/schedstat, field 2), and never less than the CPU time the process tree spent (utime + stime
of all its threads, /proc/<pid>/stat). For a single-threaded process that is its CPU time plus the time
it chose to sleep or block: on a quiet machine it is the wall-clock time, and on a busy one (a deadline
night, a shared JupyterHub, a loaded cluster node) the part that other processes took is left out. So a
verdict never depends on how busy the grading machine is, and an answer that sleeps is still charged.
Where the kernel does not publish schedstat (CONFIG_SCHED_INFO off), the own time is the CPU time, and
sleeping is bounded by the wall-clock backstop alone (autograder/limits.py).
"""
import os
import time
import typing

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def children(pid):
    """The child processes of pid (of any of its threads)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                found += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return found


def tree(pid):
    """pid and every descendant, parents first (at most 4096)."""
    found, todo = [], [pid]
    while todo and len(found) < 4096:
        p = todo.pop(0)
        found.append(p)
        todo += children(p)
    return found


def leaf(pid):
    """The deepest process of the first-child chain below pid (the Python inside bubblewrap's two
    processes), or pid itself."""
    while True:
        kids = children(pid)
        if not kids:
            return pid
        pid = kids[0]


def cpu_seconds(pids, children=True):
    """CPU seconds (user + system, every thread) of the processes `pids`; with `children`, also what
    their ended and reaped children spent. Processes that are gone count 0."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return total / TICK


def run_delay(pid):
    """Seconds process pid's main thread has spent ready to run but waiting for a CPU, or None when the
    kernel does not say (no schedstat) or the process is gone."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def my_run_delay():
    """run_delay of the calling thread (the grader's own wait for a CPU), or None."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


class Sample(typing.NamedTuple):
    wall: float             # time.monotonic()
    cpu: float              # CPU seconds of the watched processes (ended children included)
    delay: float | None     # run-queue seconds of the watched process's main thread (None: unknown)
    mine: float | None      # run-queue seconds of the grader's own thread (None: unknown)


def sample(pid, root=None):
    """What process `pid` (and, for its CPU time, the whole tree below `root`) has spent until now."""
    cpu = cpu_seconds(tree(root) if root is not None else [pid]) if pid is not None else 0.0
    return Sample(time.monotonic(), cpu, run_delay(pid) if pid is not None else None, my_run_delay())


class Probe:
    """sample() for one process, many times a second (the judge samples around every wait for an answer):
    its /proc files and the grader's own schedstat are opened once and read again in place. The grader's
    thread is the one that made the Probe."""

    def __init__(self, pid):
        self.fds = {}
        for key, path in (("stat", f"/proc/{pid}/stat"), ("sched", f"/proc/{pid}/schedstat"),
                          ("mine", "/proc/thread-self/schedstat")):
            try:
                self.fds[key] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                pass

    def _read(self, key):
        try:
            return os.pread(self.fds[key], 4096, 0).decode()
        except (KeyError, OSError):
            return None

    def sample(self):
        stat, sched, mine = self._read("stat"), self._read("sched"), self._read("mine")
        try:
            fields = stat.rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICK
        except (AttributeError, IndexError, ValueError):
            cpu = 0.0
        delay = lambda text: int(text.split()[1]) / 1e9 if text else None
        return Sample(time.monotonic(), cpu, delay(sched), delay(mine))

    def close(self):
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}


def own(a, b):
    """The student's own seconds between samples a and b (see the module's docstring). While the grader
    itself waited for a CPU, the student's process may have waited on it (a reply the grader was slow to
    read): that is taken off too."""
    wall, cpu = b.wall - a.wall, max(0.0, b.cpu - a.cpu)
    if a.delay is None or b.delay is None:
        return cpu
    waited = max(0.0, b.delay - a.delay)
    if a.mine is not None and b.mine is not None:
        waited += max(0.0, b.mine - a.mine)
    return max(cpu, wall - waited)


class Spent(typing.NamedTuple):
    """What passed between two samples (between), or over several stretches (added up with +)."""
    wall: float
    cpu: float
    delay: float | None         # run-queue seconds of the watched process (None: unknown)

    def __add__(self, other):
        delay = None if self.delay is None or other.delay is None else self.delay + other.delay
        return Spent(self.wall + other.wall, self.cpu + other.cpu, delay)


def between(a, b):
    """The Spent between samples a and b."""
    return Spent(b.wall - a.wall, max(0.0, b.cpu - a.cpu),
                 None if a.delay is None or b.delay is None else max(0.0, b.delay - a.delay))


def busy(spent):
    """Whether the machine's load, not the student, took the wall-clock time of `spent` (a Spent): the watched
    process waited for a CPU at least half of it; without schedstat, it spent less than a quarter of it on a
    CPU (something else had the CPUs, or it slept: the two cannot be told apart then)."""
    if spent.wall <= 0:
        return False
    if spent.delay is None:
        return spent.cpu < 0.25 * spent.wall
    return spent.delay >= 0.5 * spent.wall


def command(pid):
    """The command name of process pid (/proc/<pid>/comm), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def runtime(pid):
    """A reading of process pid's CPU time for cpu_between(): (nanoseconds on a CPU summed over its live
    threads, from schedstat; clock ticks of the whole process, ended threads included, from stat)."""
    ns = 0
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                    ns += int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        pass
    return ns, cpu_seconds([pid], children=False) * TICK


def cpu_between(a, b):
    """CPU seconds a process spent between two runtime() readings: the precise per-thread sum, or, when a
    thread that did the work has ended since (its time then shows only in the process's own ticks),
    the ticks."""
    return max(0.0, (b[0] - a[0]) / 1e9, (b[1] - a[1]) / TICK)
