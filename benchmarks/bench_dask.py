"""``--engine dask`` against the local engine on the same partitioned Parquet data (issue 9).

It makes its own data in ``benchmarks/data/`` (git-ignored; reused when present):
``dask_bin_<N>_p<P>_v1/part-NNNNN.parquet``, N binary rows in P equal parts (``label`` int64,
``prob`` float64), drawn as ``bench_e2e.py`` draws its binary files: ``t ~ N(0, 3^2)``, labels
from ``sigmoid(t)``, ``prob = sigmoid(0.9 t + N(0, 0.8^2))`` clipped to [1e-6, 1-1e-6].

Contenders, each ``python -m losscli compute DIR --format json`` in its own process (wall
clock including interpreter start-up, imports and, for dask, starting the cluster):

* ``local``: the local engine, the parts read in order on one core;
* ``dask``: ``--engine dask --workers 2``: starts a LocalCluster of 2 worker processes (one
  thread each), evaluates one task per part, merges the states, shuts the cluster down;
* ``dask-running``: ``--engine dask --scheduler ADDRESS`` against a ``dask scheduler`` and a
  ``dask worker --nworkers 2 --nthreads 1`` started once by this script (with the worker
  config the README recommends: no ``MALLOC_TRIM_THRESHOLD_``): the cost of a run on a
  cluster that is already up.

Runs are interleaved (local, dask, dask-running, local, ...) after one warm-up run of each;
the table shows medians of ``--repeats`` runs. Every run's JSON must agree with the local one
(losses and metrics to rel 1e-9, the confusion matrix exactly). The cross-over is estimated
from a least-squares line ``time = fixed + per_row * rows`` per contender.

Also measured: the bytes per row of a pickled partition state (what each worker sends and the
client finally holds), since exact ROC AUC / AP keep every row's score.

Usage::

    python benchmarks/bench_dask.py                 # 1M/8, 4M/16, 16M/32 parts, 3 repeats
    python benchmarks/bench_dask.py --quick         # 200k/4 and 800k/8, 1 repeat
    python benchmarks/bench_dask.py --json results_dask.json
    python benchmarks/bench_dask.py --auc-bins 1024  # binned ranking: O(bins) state, no sort
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
GEN_VERSION = 1
TOL = 1e-9
FULL = [(1_000_000, 8), (4_000_000, 16), (16_000_000, 32)]
QUICK = [(200_000, 4), (800_000, 8)]
WORKER_CONFIG = """distributed:
  nanny:
    pre-spawn-environ:
      MALLOC_TRIM_THRESHOLD_: null
"""


def dataset(n: int, parts: int, seed: int = 9) -> Path:
    """Write (or reuse) N binary rows as P equal Parquet parts; return the folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = DATA / f"dask_bin_{n}_p{parts}_v{GEN_VERSION}"
    if (folder / "_SUCCESS").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    for i in range(parts):
        m = int(bounds[i + 1] - bounds[i])
        rng = np.random.default_rng([seed, i])
        t = rng.normal(0.0, 3.0, m)
        y = (rng.random(m) < 1.0 / (1.0 + np.exp(-t))).astype(np.int64)
        z = 0.9 * t + rng.normal(0.0, 0.8, m)
        prob = np.clip(np.round(1.0 / (1.0 + np.exp(-z)), 6), 1e-6, 1 - 1e-6)
        table = pa.Table.from_arrays([pa.array(y), pa.array(prob)], names=["label", "prob"])
        pq.write_table(table, folder / f"part-{i:05d}.parquet")
    (folder / "_SUCCESS").write_text("")
    return folder


class Cluster:
    """A ``dask scheduler`` and ``dask worker --nworkers 2`` on 127.0.0.1, for dask-running."""

    def __init__(self, workers: int) -> None:
        self.dir = tempfile.mkdtemp(prefix="bench-dask-")
        info = Path(self.dir) / "scheduler.json"
        dask = [sys.executable, "-m", "dask"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.procs = [
            subprocess.Popen(
                [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
                + ["--scheduler-file", str(info)],
                **quiet,
            )
        ]
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("dask scheduler did not start")
            time.sleep(0.1)
        self.address = json.loads(info.read_text())["address"]
        # the worker config the README recommends: no MALLOC_TRIM_THRESHOLD_ for the workers
        (Path(self.dir) / "losscli.yaml").write_text(WORKER_CONFIG)
        self.procs.append(
            subprocess.Popen(
                [*dask, "worker", self.address, "--host", "127.0.0.1"]
                + ["--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"]
                + ["--local-directory", self.dir],
                env={**os.environ, "DASK_CONFIG": self.dir},
                **quiet,
            )
        )
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=60)

    def close(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def run(cmd: list[str]) -> tuple[float, float, dict]:
    """Run one contender; return (wall s, CPU s of its process tree, parsed JSON).

    The CPU time counts the command and the processes it waited for (the LocalCluster's
    workers); for ``dask-running`` that is the client only, the workers are not its children.
    """
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = os.times()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu, json.loads(proc.stdout)


def compare(a: dict, b: dict) -> float:
    """Largest relative difference of the losses and metrics; the confusion matrix must match."""
    if a["confusion_matrix"] != b["confusion_matrix"] or a["n_samples"] != b["n_samples"]:
        return float("inf")
    worst = 0.0
    for key in ("losses", "metrics"):
        for name, x in a[key].items():
            y = b[key].get(name)
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                worst = max(worst, abs(x - y) / max(abs(x), 1e-300))
            elif x != y:
                return float("inf")
    return worst


def state_bytes_per_row(folder: Path, auc_bins: int | None = None) -> float:
    """Pickled size of one part's EvalState (exact ranking keeps the scores) per row."""
    from losscli.engine import Evaluation, Options

    part = sorted(folder.glob("part-*.parquet"))[0]
    ev = Evaluation(str(part), None, Options(auc_bins=auc_bins) if auc_bins else Options())
    ev.consume()
    size = len(pickle.dumps(ev.state(), protocol=5))
    print(f"pickled state of {part.name}: {size:,} bytes for {ev.n_rows:,} rows")
    return size / ev.n_rows


def breakdown(folder: Path, address: str, auc_bins: int | None = None) -> dict[str, float]:
    """Where the time goes, in this process, phase by phase (each waits for the one before).

    Local: read + accumulate (``consume``), then ``report`` (mostly the exact ranking).
    Dask, on the running cluster: the part tasks, the tree of merges, fetching the merged
    state to the client, ``report`` there.
    """
    import dataclasses

    import distributed

    from losscli import distributed as ld
    from losscli.engine import Evaluation, Options

    opts = Options(auc_bins=auc_bins) if auc_bins else Options()
    out: dict[str, float] = {}
    ev = Evaluation(str(folder), None, opts)
    t0 = time.perf_counter()
    ev.consume()
    t1 = time.perf_counter()
    ev.report()
    out["local: read + accumulate"] = t1 - t0
    out["local: report (ranking)"] = time.perf_counter() - t1
    with distributed.Client(address, direct_to_workers=True) as client:
        for _ in range(2):  # the first round warms the workers' imports
            ev = Evaluation(str(folder), None, opts)
            plan = ev.decide()
            table = ev.pred_table
            starts = ld._starts(table.part_rows)
            jobs = [
                ld.PartJob(
                    index=i,
                    part=dataclasses.replace(p, path=os.path.abspath(p.path)),
                    dataset=table.name,
                    schema=table.schema,
                    start=starts[i],
                    opts=opts,
                    plan=plan,
                )
                for i, p in enumerate(table.parts)
            ]
            t0 = time.perf_counter()
            level = [client.submit(ld.evaluate_part, job, pure=False) for job in jobs]
            distributed.wait(level)
            t1 = time.perf_counter()
            while len(level) > 1:
                pairs = range(0, len(level) - 1, 2)
                nxt = [client.submit(ld.merge_results, level[i], level[i + 1]) for i in pairs]
                level = nxt + (level[-1:] if len(level) % 2 else [])
            distributed.wait(level)
            t2 = time.perf_counter()
            result = level[0].result()
            t3 = time.perf_counter()
            ev.absorb(result.state)
            ev.report()
            t4 = time.perf_counter()
            del level, result
        out["dask: part tasks (2 workers)"] = t1 - t0
        out["dask: merges"] = t2 - t1
        out["dask: fetch merged state"] = t3 - t2
        out["dask: report (ranking)"] = t4 - t3
    return out


def fit(rows: list[int], times: list[float]) -> tuple[float, float]:
    """Least-squares ``time = fixed + per_row * rows``; returns (fixed s, s per million rows)."""
    if len(rows) < 2:
        return times[0], 0.0
    slope, intercept = np.polyfit(np.asarray(rows, float) / 1e6, np.asarray(times), 1)
    return float(intercept), float(slope)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200k and 800k rows, 1 repeat")
    ap.add_argument("--repeats", type=int, default=None, help="runs per contender (default 3)")
    ap.add_argument("--workers", type=int, default=2, help="dask worker processes (default 2)")
    ap.add_argument("--json", default=None, help="also write the measurements here")
    ap.add_argument("--auc-bins", type=int, default=None, help="pass --auc-bins N to every run")
    args = ap.parse_args()
    sizes = QUICK if args.quick else FULL
    repeats = args.repeats or (1 if args.quick else 3)

    print(f"making data in {DATA} ...", flush=True)
    folders = {n: dataset(n, p) for n, p in sizes}
    cluster = Cluster(args.workers)
    results: list[dict] = []
    ok = True
    try:
        base = [sys.executable, "-m", "losscli", "compute"]
        extra = [] if args.auc_bins is None else ["--auc-bins", str(args.auc_bins)]
        for n, parts in sizes:
            d = str(folders[n])
            contenders = {
                "local": [*base, d, "--format", "json", *extra],
                "dask": [*base, d, "--format", "json", *extra, "--engine", "dask"]
                + ["--workers", str(args.workers)],
                "dask-running": [*base, d, "--format", "json", *extra, "--engine", "dask"]
                + ["--scheduler", cluster.address],
            }
            walls: dict[str, list[float]] = {k: [] for k in contenders}
            cpus: dict[str, list[float]] = {k: [] for k in contenders}
            outs: dict[str, dict] = {}
            for cmd in contenders.values():  # warm the page cache and the imports
                run(cmd)
            for _ in range(repeats):
                for name, cmd in contenders.items():
                    wall, cpu, out = run(cmd)
                    walls[name].append(wall)
                    cpus[name].append(cpu)
                    outs[name] = out
            for name in contenders:
                diff = compare(outs["local"], outs[name])
                ok &= diff <= TOL
                results.append(
                    {
                        "contender": name,
                        "rows": n,
                        "parts": parts,
                        "wall_median": statistics.median(walls[name]),
                        "wall_min": min(walls[name]),
                        "wall_max": max(walls[name]),
                        "cpu_median": statistics.median(cpus[name]),
                        "max_rel_diff": diff,
                    }
                )
                r = results[-1]
                print(
                    f"{name:>13} {n:>11,} rows {parts:>3} parts  wall {r['wall_median']:7.2f} s "
                    f"({r['wall_min']:.2f}-{r['wall_max']:.2f})  cpu {r['cpu_median']:7.2f} s  "
                    f"max rel diff {diff:.1e}",
                    flush=True,
                )
    finally:
        cluster.close()

    print()
    mode = "exact ranking" if args.auc_bins is None else f"--auc-bins {args.auc_bins}"
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {repeats} repeats, "
        f"{mode}"
    )
    print()
    print("| rows | parts | local s | dask s (cluster started) | dask s (cluster running) "
          "| dask / local | running / local |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    by = {(r["contender"], r["rows"]): r for r in results}
    for n, parts in sizes:
        loc, dsk, run_ = (by[(c, n)]["wall_median"] for c in ("local", "dask", "dask-running"))
        print(
            f"| {n:,} | {parts} | {loc:.2f} | {dsk:.2f} | {run_:.2f} | {dsk / loc:.2f}x "
            f"| {run_ / loc:.2f}x |"
        )
    print()
    rows = [n for n, _ in sizes]
    lines = {
        c: fit(rows, [by[(c, n)]["wall_median"] for n in rows])
        for c in ("local", "dask", "dask-running")
    }
    for c, (fixed, per) in lines.items():
        print(f"{c:>13}: time ~ {fixed:.2f} s + {per:.3f} s per million rows")
    lf, lp = lines["local"]
    for c in ("dask", "dask-running"):
        f, p = lines[c]
        if p < 0.9 * lp:  # a per-row saving beyond the noise of the fit
            cross = (f - lf) / (lp - p)
            where = "always faster" if cross <= 0 else f"faster beyond ~{cross:,.1f} million rows"
        elif p <= 1.1 * lp:
            where = "never faster here: the same cost per row (within 10%), plus the fixed cost"
        else:
            where = "never faster here: it costs more per row, not only to start"
        print(f"{c:>13} vs local: {where}")
    big = folders[sizes[-1][0]]
    print(f"where the time goes at {sizes[-1][0]:,} rows (in-process, no interpreter start-up):")
    cluster = Cluster(args.workers)
    try:
        parts_split = breakdown(big, cluster.address, args.auc_bins)
    finally:
        cluster.close()
    for k, v in parts_split.items():
        print(f"  {k:<32} {v:6.2f} s")
    bpr = state_bytes_per_row(folders[sizes[0][0]], args.auc_bins)
    what = "exact ROC AUC / AP keep the scores" if args.auc_bins is None else "binned ranking"
    print(f"pickled partition state: {bpr:.2f} bytes/row ({what})")
    print("all runs agree with the local engine" if ok else "RESULTS DIFFER from the local engine")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"results": results, "fits": lines, "state_bytes_per_row": bpr}, indent=2)
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
