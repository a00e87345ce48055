"""`make bench`: the solution's Conv1d (notebook 07) next to torch.nn.functional.conv1d.

For each shape: torch's and the solution's forward time in ms (median over 3 rounds of --repeat
runs after a warm-up call; both in this one process; torch and NumPy alternate in blocks with a
pause between, so that both see the same machine), and their ratio. Exits non-zero when a ratio exceeds
its limit (issue 18: 1.5, and 2.0 for the grouped shape D).

    python tools/bench.py [--repeat 7] [--runs 3] [--limit 1.5] [--readme]

--readme also writes the table into README.md between the bench markers, with date and machine.
float32; torch uses as many threads as NumPy's BLAS. Above the table: NumPy's BLAS (library,
version, the kernel in use, threads; read with threadpoolctl) and torch's threads, and a warning when
OPENBLAS_CORETYPE forces a kernel other than the one OpenBLAS picks for this CPU.
"""
import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from autograder.build.release import notebook_path, solution_answers

ROOT = Path(__file__).resolve().parents[1]


NOTEBOOK = notebook_path("07_capstone")

ROUNDS, PAUSE = 3, 0.3      # alternating blocks of runs per library, seconds between blocks

# (N, C_in, L, C_out, K, extra arguments): the five shapes of issue 5, A to E.
SHAPES = [
    (8, 64, 4096, 64, 9, {}),
    (32, 16, 1024, 32, 3, {}),
    (1, 256, 16384, 256, 5, {}),
    (8, 64, 4096, 64, 9, {"groups": 8}),
    (8, 64, 4096, 64, 3, {"dilation": 4, "padding": 4}),
]
# The most a shape may take, as a multiple of torch's time (issue 18): the grouped layer D runs many
# small matmuls (8 x 73 x m) where torch has a grouped direct kernel, so it may take 2x; the rest 1.5x.
LIMITS = {3: 2.0}


def solution_class():
    """The Conv1d of the solution notebook's answer cell (the one home of that code)."""
    namespace = {}
    exec(compile(solution_answers("07_capstone")["conv1d_answer"], str(NOTEBOOK), "exec"), namespace)
    return namespace["Conv1d"]


def blas():
    """NumPy's BLAS as threadpoolctl sees it: {"internal_api", "version", "architecture" (the kernel in
    use), "num_threads", "threading_layer", "prefix"}."""
    from threadpoolctl import threadpool_info
    libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return libs[0] if libs else {}


def own_kernel():
    """The kernel OpenBLAS picks for this CPU by itself (asked in a process without OPENBLAS_CORETYPE)."""
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    code = ("import numpy, threadpoolctl; print(next((i.get('architecture') or '') for i in "
            "threadpoolctl.threadpool_info() if i.get('user_api') == 'blas'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return out.stdout.strip() or None


def kernel_line(info):
    return (f"{info.get('internal_api', '?')} {info.get('version', '?')} ({info.get('prefix', '?')}), "
            f"kernel {info.get('architecture', '?')}")


def report(info):
    """What the numbers below were measured with; a warning when the BLAS kernel is forced."""
    print(f"NumPy {np.__version__}: {kernel_line(info)}, {info.get('num_threads', '?')} threads "
          f"({info.get('threading_layer', '?')})")
    print(f"torch {torch.__version__}: {torch.get_num_threads()} threads; CPU: {machine()}")
    forced = os.environ.get("OPENBLAS_CORETYPE")
    own = own_kernel()
    if forced and own and own.lower() != str(info.get("architecture", "")).lower():
        print(f"WARNING: OPENBLAS_CORETYPE={forced} forces OpenBLAS's kernel {info.get('architecture')}; "
              f"on this CPU it would pick {own}. The table then does not show what this machine does.")
    elif forced:
        print(f"note: OPENBLAS_CORETYPE={forced} is set; it names the kernel OpenBLAS picks anyway.")


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}"


def measure(Conv1d, shape, repeat, rng):
    N, C_in, L, C_out, K, kw = shape
    G = kw.get("groups", 1)
    x = rng.standard_normal((N, C_in, L), dtype=np.float32)
    layer = Conv1d(C_in, C_out, K, **kw)
    layer.weight = rng.uniform(-0.1, 0.1, (C_out, C_in // G, K)).astype(np.float32)
    layer.bias = rng.uniform(-0.1, 0.1, C_out).astype(np.float32)
    xt, wt, bt = torch.from_numpy(x), torch.from_numpy(layer.weight), torch.from_numpy(layer.bias)
    with torch.no_grad():
        want = F.conv1d(xt, wt, bt, **kw).numpy()
        got = layer(x)
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-4):
            sys.exit(f"the solution is wrong on {shape}: max difference {np.abs(got - want).max()}")
        runs = {"torch": [], "numpy": []}
        calls = {"torch": lambda: F.conv1d(xt, wt, bt, **kw), "numpy": lambda: layer(x)}
        for _ in range(ROUNDS):                   # blocks of runs, alternating, with a pause between:
            for name, f in calls.items():         # torch's threads spin for a while after each call,
                f()                               # which would slow down whatever runs right after it
                for _ in range(repeat):
                    start = time.perf_counter()
                    f()
                    runs[name].append(time.perf_counter() - start)
                time.sleep(PAUSE)
    return {k: 1e3 * statistics.median(v) for k, v in runs.items()}


def label(shape):
    N, C_in, L, C_out, K, kw = shape
    extra = "".join(f", {k}={v}" for k, v in kw.items())
    return f"({N}, {C_in}, {L}, {C_out}, {K}){extra}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per shape (at least 5)")
    ap.add_argument("--limit", type=float, default=1.5, help="fail when numpy/torch exceeds this (shape D: "
                                                               "LIMITS, 2.0)")
    ap.add_argument("--runs", type=int, default=3, help="whole measurements of every shape; each shape's "
                                                         "median over them is reported (default 3)")
    ap.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = ap.parse_args(argv)
    if args.repeat < 5:
        ap.error("--repeat must be at least 5")
    info = blas()
    threads = int(info.get("num_threads") or os.cpu_count() or 1)
    torch.set_num_threads(threads)      # the same threads each
    report(info)
    Conv1d = solution_class()
    rng = np.random.default_rng(0)
    ratios = {label(shape): [] for shape in SHAPES}
    times = {label(shape): [] for shape in SHAPES}
    for run in range(args.runs):        # whole runs: a busy spell of the machine spoils one run, not all
        for shape in SHAPES:
            t = measure(Conv1d, shape, args.repeat, rng)
            ratios[label(shape)].append(t["numpy"] / t["torch"])
            times[label(shape)].append((t["torch"], t["numpy"]))
            print(f"run {run + 1}: {label(shape):<44} torch {t['torch']:8.2f} ms   solution {t['numpy']:8.2f} ms   "
                  f"ratio {ratios[label(shape)][-1]:5.2f}", flush=True)
    rows = []
    for name, rs in ratios.items():     # the run with the median ratio, for each shape
        torch_ms, numpy_ms = times[name][rs.index(sorted(rs)[len(rs) // 2])]
        rows.append((name, torch_ms, numpy_ms, numpy_ms / torch_ms, min(rs), max(rs)))
    print("median run of each shape:")
    for name, a, b, r, lo, hi in rows:
        print(f"{name:<44} torch {a:8.2f} ms   solution {b:8.2f} ms   ratio {r:5.2f}   (runs: {lo:.2f}-{hi:.2f})")
    when = datetime.date.today().isoformat()
    table = [f"Measured {when} on {machine()}; NumPy's BLAS: {kernel_line(info)}; float32, {threads} threads "
             f"for torch and NumPy's BLAS; each run: median of {ROUNDS}×{args.repeat} calls after a warm-up; the run "
             f"with the median ratio of {args.runs} (`make bench`).", "",
             "| shape (N, C_in, L, C_out, K) | torch ms | solution ms | ratio | ratio over the runs |",
             "|---|---|---|---|---|"]
    table += [f"| {s} | {a:.2f} | {b:.2f} | {r:.2f} | {lo:.2f}–{hi:.2f} |" for s, a, b, r, lo, hi in rows]
    if args.readme:
        from tools.readme import replace_block
        replace_block("bench", "\n" + "\n".join(table) + "\n")
    limits = [max(args.limit, LIMITS.get(i, args.limit)) for i in range(len(rows))]
    slow = [f"{r[0]} ({r[3]:.2f} > {limit:g})" for r, limit in zip(rows, limits) if r[3] > limit]
    if slow:
        sys.exit(f"bench: {len(slow)} of {len(rows)} shapes over their limit: " + ", ".join(slow))
    print(f"bench: every shape within its limit ({args.limit:g}× torch, D {limits[3]:g}×)")


if __name__ == "__main__":
    main()
