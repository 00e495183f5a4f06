"""Ranking speed, stored-score memory, binned ranking and row resampling of the metrics core.

Issue 5 (speed and memory of exact ranking) and issue 6 (the bootstrap). Everything runs in
this process on data generated chunk by chunk (seeded; the same models as ``bench_e2e.py``:
10-class softmax probabilities of a noisy linear model, binary probabilities with 6
decimals), so no file is read and only the metrics core is measured.

Usage::

    python benchmarks/bench_ranking.py              # 1M x 10, binary 1M and 10M, B = 200
    python benchmarks/bench_ranking.py --quick      # 100k rows, binary 100k and 1M, B = 20
    python benchmarks/bench_ranking.py --only memory --json out.json

Sections:

* ``ranking``: ROC AUC and AP of every class as ``result()`` computes them now (each class
  sorted once; binary class 0 from class 1's sort) against the previous path (the curve-based
  ``roc_auc`` and ``average_precision`` per class: two stable argsorts per class), with the
  largest difference between the two.
* ``memory``: ``tracemalloc`` peak of ``update`` (100k-row chunks) plus ``result()``, binary at
  two sizes (bytes per row of peak, and the growth per added row: the target is <= 24) and
  1M x 10 multi-class (peak / bytes of the stored probabilities: the target is ~1.3). The
  caller's current chunk is alive during ``update`` and counted in the peak.
* ``binned``: ``auc_bins=1024``: time, difference to the exact value, the reported bound.
* ``resample``: ``resample(counts)`` on binary 1M and 1M x 10, B resamples drawn as the
  bootstrap does (``np.bincount(rng.integers(0, N, N))``, int32, blocks of 16): wall ms per
  resample per part (dense terms, confusion/calibration bincounts, ranking, building the
  dict; process CPU time would count OpenBLAS's spinning second thread), the one-off
  preparation, the draw itself, the wall time of all B and the process CPU time, and a check
  of resample 0 against ``result()`` of the rows repeated by its counts.

Timings are the minimum of ``--repeats`` runs (the machine may be shared); the load average
is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from losscli.metrics import ClassificationAccumulator  # noqa: E402
from losscli.metrics.ranking import average_precision, roc_auc  # noqa: E402
from losscli.metrics.resample import classification_resample  # noqa: E402

CHUNK = 100_000
N_FEATURES = 16
N_CLASSES = 10


# -- data (the bench_e2e models, generated per chunk) -------------------------------------


def binary_chunks(n: int, seed: int = 7):
    """(labels float64, probabilities) chunks: labels ~ sigmoid(t), p = sigmoid(0.9 t + noise)."""
    for i, start in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - start)
        rng = np.random.default_rng([seed, i])
        t = 3.0 * rng.standard_normal(m)
        y = (rng.random(m) < 1.0 / (1.0 + np.exp(-t))).astype(np.float64)
        p = 1.0 / (1.0 + np.exp(-(0.9 * t + 0.8 * rng.standard_normal(m))))
        del t
        yield y, np.round(np.clip(p, 1e-6, 1.0 - 1e-6), 6)


def multiclass_chunks(n: int, seed: int = 5):
    """(labels int64, softmax probabilities (m, 10)) chunks of a noisy linear model."""
    w = np.random.default_rng(seed).standard_normal((N_FEATURES, N_CLASSES))
    w *= 6.0 / np.sqrt(N_FEATURES)
    for i, start in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - start)
        rng = np.random.default_rng([seed, i])
        t = rng.standard_normal((m, N_FEATURES)) @ w
        y = np.argmax(t + rng.gumbel(size=t.shape), axis=1)
        z = np.round(0.9 * t + rng.standard_normal(t.shape), 4)
        del t
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        yield y, z


def build(task: str, n: int, *, weighted: bool = False, **kw) -> ClassificationAccumulator:
    c = 2 if task == "binary" else N_CLASSES
    acc = ClassificationAccumulator(task, c, **kw)
    chunks = binary_chunks(n) if task == "binary" else multiclass_chunks(n)
    for i, (y, p) in enumerate(chunks):
        w = np.random.default_rng([11, i]).uniform(0.5, 2.0, y.shape[0]) if weighted else None
        acc.update(y, p, w)
    return acc


def best_of(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# -- sections ------------------------------------------------------------------------------


def bench_ranking(n_mc: int, n_bin: int, repeats: int) -> list[dict]:
    rows = []
    for task, n, weighted in (
        ("multiclass", n_mc, False),
        ("binary", n_bin, False),
        ("binary", n_bin, True),
    ):
        acc = build(task, n, weighted=weighted)

        def old(acc=acc):
            return [(roc_auc(y, s, w), average_precision(y, s, w)) for y, s, w in acc.scores()]

        def new(acc=acc):
            r = acc._rank_values()
            return list(zip(r.auc, r.ap))

        t_old, v_old = best_of(old, repeats)
        t_new, v_new = best_of(new, repeats)
        diff = max(abs(a - b) for pa, pb in zip(v_old, v_new) for a, b in zip(pa, pb))
        rows.append(
            {
                "case": f"{task} {n:,}{' weighted' if weighted else ''}",
                "old_s": t_old,
                "new_s": t_new,
                "speedup": t_old / t_new,
                "max_diff": diff,
            }
        )
        print(
            f"  {rows[-1]['case']:<24} two curves per class {t_old:7.3f} s"
            f"   one sort {t_new:7.3f} s   x{t_old / t_new:5.1f}   max |diff| {diff:.1e}",
            flush=True,
        )
    return rows


def traced_peak(task: str, n: int, **kw) -> dict:
    """Peak traced bytes of update (chunk by chunk) + result(); the chunk generator's own
    temporaries are made before each update, outside the measured window."""
    c = 2 if task == "binary" else N_CLASSES
    chunks = binary_chunks(n) if task == "binary" else multiclass_chunks(n)
    tracemalloc.start()
    acc = ClassificationAccumulator(task, c, **kw)
    base = tracemalloc.get_traced_memory()[0]
    peak = 0
    input_bytes = 0
    t0 = time.perf_counter()
    for y, p in chunks:
        input_bytes = max(input_bytes, y.nbytes + p.nbytes)
        tracemalloc.reset_peak()
        acc.update(y, p)
        peak = max(peak, tracemalloc.get_traced_memory()[1] - base)
    del y, p
    t_update = time.perf_counter() - t0
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    res = acc.result()
    t_result = time.perf_counter() - t0
    peak_result = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    stored = sum(a.nbytes for ch in acc._chunks for a in ch if isinstance(a, np.ndarray))
    return {
        "task": task,
        "rows": n,
        "peak_update": peak,
        "peak_result": peak_result,
        "peak": max(peak, peak_result),
        "stored": stored,
        "input_chunk": input_bytes,
        "update_s": t_update,
        "result_s": t_result,
        "auc": res.metrics.get("roc_auc", res.metrics.get("roc_auc_macro")),
    }


def bench_memory(n_small: int, n_large: int, n_mc: int) -> dict:
    out: dict = {"binary": [], "multiclass": None}
    for n in (n_small, n_large):
        r = traced_peak("binary", n)
        out["binary"].append(r)
        print(
            f"  binary {n:>11,} rows: peak {r['peak'] / 1e6:8.1f} MB ({r['peak'] / n:5.1f} B/row),"
            f" stored {r['stored'] / 1e6:7.1f} MB, update {r['update_s']:.2f} s,"
            f" result {r['result_s']:.2f} s",
            flush=True,
        )
    a, b = out["binary"]
    growth = (b["peak"] - a["peak"]) / (b["rows"] - a["rows"])
    out["binary_growth_bytes_per_row"] = growth
    print(f"  binary growth of peak: {growth:.1f} bytes per added row (target <= 24)")
    r = traced_peak("multiclass", n_mc)
    out["multiclass"] = r
    ratio = r["peak"] / r["stored"]
    out["multiclass_peak_over_stored"] = ratio
    print(
        f"  multiclass {n_mc:,} x {N_CLASSES}: peak {r['peak'] / 1e6:.1f} MB"
        f" (update {r['peak_update'] / 1e6:.1f}, result {r['peak_result'] / 1e6:.1f}),"
        f" stored {r['stored'] / 1e6:.1f} MB: peak / stored {ratio:.3f} (target ~1.3;"
        f" {(r['peak'] - r['input_chunk']) / r['stored']:.3f} without the caller's"
        f" {r['input_chunk'] / 1e6:.1f} MB chunk)",
        flush=True,
    )
    return out


def bench_binned(n_mc: int, n_bin: int, repeats: int) -> list[dict]:
    rows = []
    for task, n in (("binary", n_bin), ("multiclass", n_mc)):
        exact = build(task, n)
        binned = build(task, n, auc_bins=1024)
        t_exact, r_exact = best_of(exact.result, repeats)
        t_binned, r_binned = best_of(binned.result, repeats)
        for name, bound in r_binned.ranking_error_bound.items():
            diff = abs(r_exact.metrics[name] - r_binned.metrics[name])
            rows.append(
                {
                    "case": f"{task} {n:,}",
                    "metric": name,
                    "exact": r_exact.metrics[name],
                    "binned": r_binned.metrics[name],
                    "diff": diff,
                    "bound": bound,
                    "result_exact_s": t_exact,
                    "result_binned_s": t_binned,
                }
            )
            print(
                f"  {task} {n:,} {name:<24} exact {r_exact.metrics[name]:.6f} binned"
                f" {r_binned.metrics[name]:.6f} |diff| {diff:.1e} <= bound {bound:.1e}",
                flush=True,
            )
        print(f"    result(): exact {t_exact:.3f} s, binned {t_binned:.3f} s")
    return rows


def bench_resample(n: int, n_boot: int, block: int = 16) -> list[dict]:
    rows = []
    for task in ("binary", "multiclass"):
        acc = build(task, n, keep_rows=True)
        rng = np.random.default_rng(0)
        timings: dict[str, float] = {}
        t_draw = 0.0
        first = None
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        for b0 in range(0, n_boot, block):
            td = time.perf_counter()
            counts = np.stack(
                [
                    np.bincount(rng.integers(0, n, n), minlength=n)
                    for _ in range(min(block, n_boot - b0))
                ]
            ).astype(np.int32)
            t_draw += time.perf_counter() - td
            out = classification_resample(acc, counts, 0.0, "", timings=timings)
            if first is None:
                first = (counts[0].copy(), out[0])
        total = time.perf_counter() - t0 - t_draw
        cpu_total = time.process_time() - cpu0
        # resample 0 against result() of the rows repeated by its counts (brute force)
        ref = ClassificationAccumulator(task, acc.n_classes)
        yt, yp, _ = acc._rows()
        ref.update(np.repeat(yt, first[0], axis=0), np.repeat(yp, first[0], axis=0))
        ref_m = ref.result(zero_division=0).metrics
        diff = max(abs(first[1][k] - v) for k, v in ref_m.items() if v is not None)
        per = {k: v * 1e3 / n_boot for k, v in timings.items() if k != "prepare"}
        metrics_ms = sum(per.values())
        row = {
            "case": f"{task} {n:,}" + (f" x {N_CLASSES}" if task == "multiclass" else ""),
            "resamples": n_boot,
            "prepare_s": timings.get("prepare", 0.0),
            "ms_per_resample": per,
            "metrics_ms_per_resample": metrics_ms,
            "draw_ms_per_resample": t_draw * 1e3 / n_boot,
            "wall_s_without_draws": total,
            "cpu_s_with_draws": cpu_total,
            "extrapolated_1000_s": timings.get("prepare", 0.0) + metrics_ms,
            "check_max_diff": diff,
        }
        rows.append(row)
        parts = ", ".join(f"{k} {v:.2f}" for k, v in per.items())
        print(
            f"  {row['case']}: prepare {row['prepare_s']:.2f} s once;"
            f" per resample {metrics_ms:.1f} ms ({parts}); the draw"
            f" {row['draw_ms_per_resample']:.1f} ms; B = {n_boot}: {total:.1f} s wall"
            f" without the draws ({cpu_total:.1f} s CPU with them);"
            f" B = 1000 -> {row['extrapolated_1000_s']:.1f} s of metrics"
            f" (+ {row['draw_ms_per_resample']:.1f} s of draws); check vs np.repeat: {diff:.1e}",
            flush=True,
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="100k rows (binary 100k and 1M), B = 20")
    ap.add_argument("--only", choices=["ranking", "memory", "binned", "resample"], action="append")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--resamples", type=int, default=None, help="B (default 200; --quick 20)")
    ap.add_argument("--json", type=Path, help="write the measurements here")
    args = ap.parse_args(argv)
    n = 100_000 if args.quick else 1_000_000
    n_large = 1_000_000 if args.quick else 10_000_000
    n_boot = args.resamples or (20 if args.quick else 200)
    only = set(args.only or ["ranking", "memory", "binned", "resample"])
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load_start": os.getloadavg(),
    }
    print(
        f"python {info['python']}, numpy {info['numpy']}, {info['cpus']} CPUs,"
        f" load average {info['load_start'][0]:.2f}"
    )
    results: dict = {"info": info}
    if "ranking" in only:
        print("ranking (ROC AUC + AP of every class, as result() computes them):")
        results["ranking"] = bench_ranking(n, n, args.repeats)
    if "memory" in only:
        print("memory (tracemalloc, update in 100k-row chunks + result()):")
        results["memory"] = bench_memory(n, n_large, n)
    if "binned" in only:
        print("binned ranking (auc_bins=1024):")
        results["binned"] = bench_binned(n, n, args.repeats)
    if "resample" in only:
        print(f"resample (B = {n_boot}, int32 counts in blocks of 16):")
        results["resample"] = bench_resample(n, n_boot)
    info["load_end"] = os.getloadavg()
    print(f"load average at the end {info['load_end'][0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
