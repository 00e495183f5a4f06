"""Does ``losscli compute`` ever abort after printing its report? (issue 15, item 5)

pyarrow's CPU and IO thread pools (apache/arrow issue 34314) could be torn down while the
interpreter finalised, and now and then the process died with ``terminate called without an
active exception`` and exit code 134 *after* a complete report. This script runs the CLI N
times while busy loops keep the other cores occupied (the scheduling that exposes the race)
and counts every run whose exit code is not the expected one.

    python benchmarks/stress_exit.py                 # 500 runs of the CSV sample, under load
    python benchmarks/stress_exit.py -n 50 --no-load
    python benchmarks/stress_exit.py -- compute sample_data/digits_probs.parquet

Exit code 0 when every run ended with exit code 0 and printed the full report, else 1.
Run it from a checkout: it calls ``python -m losscli`` with the repository as working
directory.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARGS = ["compute", "sample_data/digits_logits.csv", "--format", "json"]


def _busy(stop: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    """Spin until told to stop: one core's worth of competition for the CLI's threads."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def run_once(args: list[str], env: dict[str, str]) -> tuple[int, str, bool]:
    """One CLI run: (exit code, last stderr line, whether stdout ended the JSON report)."""
    proc = subprocess.run(
        [sys.executable, "-m", "losscli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    out = proc.stdout.rstrip()
    complete = out.endswith(b"}") if "json" in args else bool(out)
    return proc.returncode, stderr[-1] if stderr else "", complete


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=500, help="runs (default 500)")
    parser.add_argument(
        "--load",
        type=int,
        default=None,
        help="busy-loop processes beside the runs (default: cores - 1, at least 1)",
    )
    parser.add_argument("--no-load", action="store_true", help="no busy loops")
    parser.add_argument("cli_args", nargs="*", help="losscli arguments (after --)")
    opts = parser.parse_args()
    args = opts.cli_args or DEFAULT_ARGS
    n_load = 0 if opts.no_load else (opts.load or max(1, (os.cpu_count() or 2) - 1))

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    stop = multiprocessing.Event()
    loaders = [
        multiprocessing.Process(target=_busy, args=(stop,), daemon=True) for _ in range(n_load)
    ]
    for p in loaders:
        p.start()
    codes: collections.Counter[int] = collections.Counter()
    bad: list[tuple[int, int, str]] = []
    t0 = time.perf_counter()
    try:
        for i in range(opts.runs):
            rc, last, complete = run_once(args, env)
            codes[rc] += 1
            if rc != 0 or not complete:
                bad.append((i, rc, last))
                print(f"run {i}: exit {rc}, report complete: {complete}: {last}", flush=True)
            if (i + 1) % 50 == 0:
                print(f"{i + 1}/{opts.runs} runs, {len(bad)} bad", flush=True)
    finally:
        stop.set()
        for p in loaders:
            p.join(5)
    elapsed = time.perf_counter() - t0
    print(
        f"losscli {' '.join(args)}: {opts.runs} runs with {n_load} busy loop(s) in {elapsed:.0f} s;"
        f" exit codes {dict(sorted(codes.items()))}; aborts (134): {codes.get(134, 0)};"
        f" bad runs: {len(bad)}"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
