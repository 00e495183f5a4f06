"""Scale (issue 20 target 5): binary rows from a Parquet folder, exact and ``--auc-bins``.

Writes one folder of binary Parquet parts (``label`` int64, ``prob`` float64, 5M rows a part,
drawn like ``bench_e2e.py``'s binary CSV: labels ~ ``sigmoid(t)``, ``prob = sigmoid(0.9 t +
N(0, 0.8^2))``, 6 decimals) and reads the first ``k`` parts for each size, so every size is a
prefix of the largest. Each run is a fresh ``python -m losscli compute DIR --format json``
under a wrapper that reports its wall time and own peak RSS (``getrusage`` of the one child).
It prints the peaks, the growth in bytes per row (least-squares slope of peak RSS over rows)
and the time per million rows, for the exact ranking (the default) and ``--auc-bins``.

Usage::

    python benchmarks/bench_scale.py                        # 5M, 20M, 40M exact; + 100M binned
    python benchmarks/bench_scale.py --sizes 5,10 --binned-sizes 5,10,20   # millions of rows
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PART = 5_000_000

WRAPPER = r"""
import json, resource, subprocess, sys, time
cmd = sys.argv[1:]
t0 = time.perf_counter()
proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "maxrss_kb": ru.ru_maxrss, "rc": proc.returncode,
                  "out": proc.stdout.decode()[-400000:], "err": proc.stderr.decode()[-2000:]}))
"""


def make_parts(folder: Path, n_parts: int, seed: int = 7) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_parts):
        path = folder / f"part-{i:03d}.parquet"
        if not path.exists():
            rng = np.random.default_rng([seed, i])
            t = 3.0 * rng.standard_normal(PART)
            y = (rng.random(PART) < 1.0 / (1.0 + np.exp(-t))).astype(np.int64)
            p = 1.0 / (1.0 + np.exp(-(0.9 * t + 0.8 * rng.standard_normal(PART))))
            p = np.round(np.clip(p, 1e-6, 1.0 - 1e-6), 6)
            tmp = path.with_suffix(".tmp")
            pq.write_table(pa.table({"label": y, "prob": p}), tmp)
            tmp.rename(path)
        paths.append(path)
    return paths


def run(folder: Path, extra: list[str]) -> dict:
    argv = [sys.executable, "-m", "losscli", "compute", str(folder), "--format", "json", *extra]
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, cwd=ROOT
    )
    r = json.loads(proc.stdout)
    if r["rc"] != 0:
        print(f"failed: {' '.join(argv)}\n{r['err']}", file=sys.stderr)
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5,20,40", help="millions of rows, exact ranking")
    ap.add_argument("--binned-sizes", default="5,20,40,100", help="millions, --auc-bins")
    ap.add_argument("--bins", type=int, default=1024)
    ap.add_argument("--data", default="/tmp/losscli_bench_scale")
    args = ap.parse_args(argv)
    data = Path(args.data)
    exact = [int(s) for s in args.sizes.split(",") if s]
    binned = [int(s) for s in args.binned_sizes.split(",") if s]
    biggest = max(exact + binned)
    parts = make_parts(data / "parts", -(-biggest * 1_000_000 // PART))
    rows_out = []
    for mode, sizes, extra in (
        ("exact", exact, []),
        (f"--auc-bins {args.bins}", binned, ["--auc-bins", str(args.bins)]),
    ):
        pts = []
        for m in sizes:
            folder = data / f"rows_{m}M"
            folder.mkdir(parents=True, exist_ok=True)
            for p in parts[: -(-m * 1_000_000 // PART)]:
                link = folder / p.name
                if not link.exists():
                    link.symlink_to(p)
            r = run(folder, extra)
            auc = json.loads(r["out"])["metrics"]["roc_auc"] if r["rc"] == 0 else None
            pts.append((m * 1_000_000, r["maxrss_kb"] * 1024, r["wall"]))
            rows_out.append((mode, m, r["wall"], r["maxrss_kb"] / 1024, auc))
            print(
                f"{mode:>16} {m:>4}M rows: {r['wall']:7.1f} s, peak {r['maxrss_kb'] / 1024:7.0f} "
                f"MB, roc_auc {auc}",
                flush=True,
            )
        if len(pts) >= 2:
            n = np.array([p[0] for p in pts], dtype=float)
            slope, icpt = np.polyfit(n, np.array([p[1] for p in pts], dtype=float), 1)
            t_slope = np.polyfit(n, np.array([p[2] for p in pts], dtype=float), 1)[0]
            print(
                f"{mode:>16}: peak RSS grows {slope:.1f} B/row (intercept {icpt / 2**20:.0f} MB);"
                f" {t_slope * 1e6:.2f} s per million rows"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
