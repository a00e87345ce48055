"""`make bench`: the solution's Conv1d (notebook 07) next to torch.nn.functional.conv1d.

For each shape: torch's and the solution's forward time in ms (median over 3 rounds of --repeat
runs after a warm-up call; both in this one process; torch and NumPy alternate in blocks with a
pause between, so that both see the same machine), and their ratio. Exits non-zero when a ratio exceeds --limit (issue 5: 1.5).

    python tools/bench.py [--repeat 7] [--limit 1.5] [--readme]

--readme also writes the table into README.md between the bench markers, with date and machine.
float32; torch uses as many threads as NumPy's BLAS. Above the table: NumPy's BLAS (library,
version, the kernel in use, threads; read with threadpoolctl) and torch's threads, and a warning when
OPENBLAS_CORETYPE forces a kernel other than the one OpenBLAS picks for this CPU.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.build.release import notebook_path, solution_answers  # noqa: E402

NOTEBOOK = notebook_path("07_capstone")

ROUNDS, PAUSE = 3, 0.3      # alternating blocks of runs per library, seconds between blocks

# (N, C_in, L, C_out, K, extra arguments): the five shapes of issue 5.
SHAPES = [
    (8, 64, 4096, 64, 9, {}),
    (32, 16, 1024, 32, 3, {}),
    (1, 256, 16384, 256, 5, {}),
    (8, 64, 4096, 64, 9, {"groups": 8}),
    (8, 64, 4096, 64, 3, {"dilation": 4, "padding": 4}),
]


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
    ap.add_argument("--limit", type=float, default=1.5, help="fail when numpy/torch exceeds this")
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
    rows = []
    for shape in SHAPES:
        t = measure(Conv1d, shape, args.repeat, rng)
        rows.append((label(shape), t["torch"], t["numpy"], t["numpy"] / t["torch"]))
        print(f"{rows[-1][0]:<40} torch {t['torch']:8.2f} ms   solution {t['numpy']:8.2f} ms   "
              f"ratio {rows[-1][3]:5.2f}", flush=True)
    when = datetime.date.today().isoformat()
    table = [f"Measured {when} on {machine()}; NumPy's BLAS: {kernel_line(info)}; float32, {threads} threads "
             f"for torch and NumPy's BLAS, median of {ROUNDS}×{args.repeat} runs after a warm-up (`make bench`).", "",
             "| shape (N, C_in, L, C_out, K) | torch ms | solution ms | ratio |", "|---|---|---|---|"]
    table += [f"| {s} | {a:.2f} | {b:.2f} | {r:.2f} |" for s, a, b, r in rows]
    if args.readme:
        readme = ROOT / "README.md"
        text = readme.read_text()
        block = "<!-- bench:start -->\n" + "\n".join(table) + "\n<!-- bench:end -->"
        new = re.sub(r"<!-- bench:start -->.*?<!-- bench:end -->", lambda m: block, text, flags=re.S)
        if new == text and block not in text:
            sys.exit("README.md has no <!-- bench:start --> ... <!-- bench:end --> block")
        readme.write_text(new)
    slow = [r for r in rows if r[3] > args.limit]
    if slow:
        sys.exit(f"bench: {len(slow)} of {len(rows)} shapes slower than {args.limit}× torch: "
                 + ", ".join(r[0] for r in slow))
    print(f"bench: every shape within {args.limit}× torch")


if __name__ == "__main__":
    main()
