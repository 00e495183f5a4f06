"""losscli against the limit (issue 20): time and peak memory, side by side, as ratios.

The limit is ``benchmarks/limit.py``: the fastest plain script for the same numbers. For each
input this runs ``python -m losscli compute ... --format json`` and the limit, interleaved
(losscli, limit, losscli, limit, ...), each a fresh process under a tiny wrapper that reports
its wall time and its own peak RSS (``getrusage(RUSAGE_CHILDREN)`` of a wrapper with one
child), takes medians, checks that every number the limit prints equals losscli's
(``|a - b| <= 1e-9 max(1, |b|)``: absolute for metrics, relative for sums), and prints the
ratios losscli / limit.

Inputs (made by the script in ``--data``, default ``/tmp/losscli_bench_limit``; reused):

* ``mc-csv``: 1M x 10 logits, CSV (``bench_e2e.py``'s generator: 76 MB);
* ``mc-npy``: the same numbers as NPY (float64 logits + int64 labels);
* ``bin-csv``: 10M binary probabilities, CSV (``bench_e2e.py``'s generator: 109 MB);
* ``imagenet-npy``: 50,000 x 1,000 logits, NPY (400 MB): labels uniform, logits
  ``N(0, 1)`` plus 3.5 on the true class, rounded to 4 decimals (accuracy about 0.60).

``--startup`` instead times start-up (issue 20 target 4): ``losscli compute`` on a 10-row CSV,
NPY, Parquet and JSON Lines file against ``python -c "import numpy"`` plus the reader each
needs, and ``losscli --help``; from cached bytecode, as an installed package runs
(``--no-bytecode`` keeps ``PYTHONDONTWRITEBYTECODE`` as the environment sets it).

Usage::

    python benchmarks/bench_limit.py                     # all four inputs, 5 runs each
    python benchmarks/bench_limit.py --repeats 3 --only mc-npy,bin-csv
    python benchmarks/bench_limit.py --quick             # 100k x 10, 1M binary, 5k x 1000
    python benchmarks/bench_limit.py --startup --repeats 11

The machine these figures come from is shared (other jobs run beside it), so absolute times
move by tens of percent between runs; the interleaving keeps the ratios comparable.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOL = 1e-9

WRAPPER = r"""
import json, resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
with open(out, "wb") as fh:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "maxrss_kb": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime,
                  "rc": proc.returncode, "stderr": proc.stderr.decode("utf-8", "replace")[-2000:]}))
"""


def make_inputs(data: Path, quick: bool) -> dict[str, list[str]]:
    """Write the inputs (once) and return each input's file arguments."""
    sys.path.insert(0, str(BENCH))
    import bench_e2e

    bench_e2e.DATA = data
    n_mc, n_bin, n_img = (100_000, 1_000_000, 5_000) if quick else (1_000_000, 10_000_000, 50_000)
    csv, logits, labels = bench_e2e.make_multiclass(n_mc)
    binary = bench_e2e.make_binary(n_bin)
    img_logits = data / f"imagenet_{n_img}x1000_logits.npy"
    img_labels = data / f"imagenet_{n_img}x1000_labels.npy"
    if not (img_logits.exists() and img_labels.exists()):
        rng = np.random.default_rng(11)
        y = rng.integers(0, 1000, n_img)
        z = rng.standard_normal((n_img, 1000))
        z[np.arange(n_img), y] += 3.5
        np.save(img_labels, y)
        np.save(img_logits, np.round(z, 4))
    return {
        "mc-csv": [str(csv)],
        "mc-npy": [str(logits), str(labels)],
        "bin-csv": [str(binary)],
        "imagenet-npy": [str(img_logits), str(img_labels)],
    }


def losscli_argv(files: list[str]) -> list[str]:
    return [sys.executable, "-m", "losscli", "compute", *files, "--format", "json"]


def limit_argv(files: list[str]) -> list[str]:
    argv = [sys.executable, str(BENCH / "limit.py"), files[0]]
    return argv + ["--npy", files[1]] if len(files) > 1 else argv


def run_once(argv: list[str], out: Path, env: dict | None = None) -> dict:
    sys.path.insert(0, str(BENCH))
    import bench_e2e

    bench_e2e.warm_memory()  # BENCH_WARM_MB (see bench_e2e.WARM_MB): 0, nothing, by default
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(out), *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    run = json.loads(proc.stdout)
    if run["rc"] != 0:
        print(f"  failed ({run['rc']}): {' '.join(argv)}\n{run['stderr']}", file=sys.stderr)
    return run


def compare(limit: object, ours: object, path: str = "") -> tuple[float, str, list[str]]:
    """Largest scaled difference over every number the limit prints, and what differs."""
    worst, where, bad = 0.0, "", []
    if isinstance(limit, dict):
        items = [(k, v, ours.get(k) if isinstance(ours, dict) else None) for k, v in limit.items()]
    elif isinstance(limit, list):
        if not isinstance(ours, list) or len(ours) != len(limit):
            return math.inf, path, [f"{path}: length differs"]
        items = [(f"[{i}]", v, o) for i, (v, o) in enumerate(zip(limit, ours))]
    else:
        if isinstance(limit, (int, float)) and not isinstance(limit, bool):
            if not isinstance(ours, (int, float)):
                return math.inf, path, [f"{path}: {ours!r} vs {limit!r}"]
            d = abs(ours - limit) / max(1.0, abs(limit))
            return d, path, [f"{path}: {ours!r} vs {limit!r}"] if d > TOL else []
        return (0.0, path, []) if limit == ours else (math.inf, path, [f"{path}: {ours!r}"])
    for key, a, b in items:
        d, w, wrong = compare(a, b, f"{path}.{key}" if not key.startswith("[") else path + key)
        bad += wrong
        if d > worst:
            worst, where = d, w
    return worst, where, bad


def med(runs: list[dict], key: str) -> float:
    ok = [r[key] for r in runs if r["rc"] == 0]
    return statistics.median(ok) if ok else math.nan


def bench(args: argparse.Namespace) -> int:
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    inputs = make_inputs(data, args.quick)
    names = args.only.split(",") if args.only else list(inputs)
    for files in (inputs[n] for n in names):  # warm the page cache
        for f in files:
            with open(f, "rb") as fh:
                while fh.read(1 << 24):
                    pass
    runs: dict[tuple[str, str], list[dict]] = {(n, s): [] for n in names for s in ("ours", "lim")}
    for rep in range(args.repeats):
        for n in names:
            for side, argv in (("ours", losscli_argv(inputs[n])), ("lim", limit_argv(inputs[n]))):
                runs[n, side].append(run_once(argv, data / f"out_{n}_{side}.json"))
        print(f"  repeat {rep + 1}/{args.repeats} done", file=sys.stderr)
    ok = True
    rows = []
    print(f"\nmedians of {args.repeats} interleaved runs (wall s, peak RSS MB)\n")
    print(
        "| input | losscli s | limit s | time ratio | losscli MB | limit MB | memory ratio |"
        " largest difference |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for n in names:
        ours, lim = runs[n, "ours"], runs[n, "lim"]
        try:
            a = json.loads((data / f"out_{n}_ours.json").read_text())
            b = json.loads((data / f"out_{n}_lim.json").read_text())
            worst, where, bad = compare(b, a)
        except ValueError:
            worst, where, bad = math.inf, "output", ["not JSON"]
        ok &= not bad
        t_o, t_l = med(ours, "wall"), med(lim, "wall")
        m_o, m_l = med(ours, "maxrss_kb") / 1024, med(lim, "maxrss_kb") / 1024
        rows.append(
            {
                "input": n,
                "losscli_s": t_o,
                "limit_s": t_l,
                "losscli_mb": m_o,
                "limit_mb": m_l,
                "losscli_cpu": med(ours, "cpu"),
                "limit_cpu": med(lim, "cpu"),
                "largest_difference": worst,
            }
        )
        print(
            f"| {n} | {t_o:.2f} | {t_l:.2f} | {t_o / t_l:.2f}x | {m_o:.0f} | {m_l:.0f} | "
            f"{m_o / m_l:.2f}x | {worst:.1e} ({where.lstrip('.')}) |"
        )
        for line in bad[:10]:
            print(f"  DIFFERS {line}")
    print(
        "\nCPU time (user+sys) medians: "
        + ", ".join(f"{r['input']} {r['losscli_cpu']:.2f} / {r['limit_cpu']:.2f} s" for r in rows)
    )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0 if ok else 1


def startup(args: argparse.Namespace) -> int:
    """``losscli compute`` on 10 rows of each format against ``python -c "import numpy"`` plus
    the reader the format needs, and ``losscli --help``: medians of interleaved runs, CPU time
    (user + sys of the child) and wall, as ratios."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    y, p = np.arange(10) % 2, np.linspace(0.1, 0.9, 10)
    csv, jsonl, parquet = data / "tiny.csv", data / "tiny.jsonl", data / "tiny.parquet"
    csv.write_text("label,p\n" + "".join(f"{a},{b:.2f}\n" for a, b in zip(y, p)))
    jsonl.write_text("".join(f'{{"label": {a}, "p": {b:.2f}}}\n' for a, b in zip(y, p)))
    pq.write_table(pa.table({"label": y, "p": p}), parquet)
    npy, lab = data / "tiny_probs.npy", data / "tiny_labels.npy"
    np.save(npy, p)
    np.save(lab, y)
    py = sys.executable
    base = {
        "numpy": ("python -c 'import numpy'", [py, "-c", "import numpy"]),
        "csv": ("python -c 'import numpy, pyarrow.csv'", [py, "-c", "import numpy, pyarrow.csv"]),
        "parquet": (
            "python -c 'import numpy, pyarrow.parquet'",
            [py, "-c", "import numpy, pyarrow.parquet"],
        ),
        "json": (
            "python -c 'import numpy, pyarrow.json'",
            [py, "-c", "import numpy, pyarrow.json"],
        ),
    }
    ours = [  # (name, argv, the baseline it is held to)
        ("losscli compute tiny.csv", losscli_argv([str(csv)]), "csv"),
        ("losscli compute tiny.npy labels.npy", losscli_argv([str(npy), str(lab)]), "numpy"),
        ("losscli compute tiny.parquet", losscli_argv([str(parquet)]), "parquet"),
        ("losscli compute tiny.jsonl", losscli_argv([str(jsonl)]), "json"),
        ("losscli --help", [py, "-m", "losscli", "--help"], "numpy"),
    ]
    cases = [base[k] for k in base] + [(n, argv) for n, argv, _ in ours]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not args.no_bytecode:
        # as an installed losscli runs: from its .pyc (pip compiles them; numpy and pyarrow come
        # with theirs). PYTHONDONTWRITEBYTECODE=1 would have every run compile losscli's source.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(data / "pycache")
    for _, argv in cases:  # warm-up: the bytecode cache, the page cache
        run_once(argv, data / "out_startup.txt", env)
    runs: dict[str, list[dict]] = {n: [] for n, _ in cases}
    for _ in range(args.repeats):
        for n, argv in cases:
            runs[n].append(run_once(argv, data / "out_startup.txt", env))
    cpu = {n: med(r, "cpu") for n, r in runs.items()}
    wall = {n: med(r, "wall") for n, r in runs.items()}
    load = os.getloadavg()[0]
    mode = "bytecode cached" if not args.no_bytecode else "PYTHONDONTWRITEBYTECODE as set"
    print(f"\nmedians of {args.repeats} interleaved runs ({mode}; load {load:.1f})\n")
    print("| command | CPU s | wall s | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for n, r in runs.items():
        print(f"| {n} | {cpu[n]:.3f} | {wall[n]:.3f} | {med(r, 'maxrss_kb') / 1024:.0f} |")
    print("\n| losscli | against | CPU ratio | wall ratio |")
    print("|---|---|---:|---:|")
    for n, _, against in ours:
        b = base[against][0]
        print(f"| {n} | {b} | {cpu[n] / cpu[b]:.2f}x | {wall[n] / wall[b]:.2f}x |")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", help="comma-separated: mc-csv,mc-npy,bin-csv,imagenet-npy")
    ap.add_argument("--quick", action="store_true", help="small inputs (a smoke run)")
    ap.add_argument("--data", default="/tmp/losscli_bench_limit", help="where the inputs go")
    ap.add_argument("--json", help="also write the medians here")
    ap.add_argument("--startup", action="store_true", help="time start-up instead")
    ap.add_argument(
        "--no-bytecode",
        action="store_true",
        help="--startup: keep PYTHONDONTWRITEBYTECODE as the environment has it",
    )
    args = ap.parse_args(argv)
    return startup(args) if args.startup else bench(args)


if __name__ == "__main__":
    sys.exit(main())
