"""End-to-end benchmark of ``losscli compute`` (issue 5): time and peak memory, side by side.

It makes its own data in ``benchmarks/data/`` (git-ignored; reused when present):

* ``mc_<N>x10``: N rows x 10 classes of logits from a noisy linear model, labels drawn from the
  true model (about 75% accuracy), as CSV (``label,0,...,9``) and as NPY (logits float64 +
  labels int64; the CSV and NPY hold the same numbers, rounded to 4 decimals);
* ``bin_<N>``: N rows of binary probabilities as CSV (``label,prob``), at two sizes (1M and 10M)
  for the memory- and time-growth test.

Each contender runs as its own subprocess under a tiny Python wrapper that reports the wall
time and the child's own peak RSS (``getrusage(RUSAGE_CHILDREN)`` in a fresh wrapper process has
exactly one child, so ``ru_maxrss`` is that child's peak). Runs are interleaved
(A, B, C, ..., A, B, C, ...) and the median of ``--repeats`` runs is reported.

Contenders: ``losscli compute`` on the CSV and on the NPY files (default report, JSON);
``benchmarks/handwritten.py`` (pandas + scipy + scikit-learn) on the CSV; ``benchmarks/floor.py``
(plain numpy: pyarrow/np.load, one vectorised pass, bincount, one sort per class) on the CSV and
the NPY; and for the binary scale test losscli and the floor on 1M and 10M rows (plus the
hand-written script on 1M rows).

Usage::

    python benchmarks/bench_e2e.py              # full: 1M x 10 logits, 1M and 10M binary rows
    python benchmarks/bench_e2e.py --quick      # smoke run: 100k x 10, 100k and 1M binary rows
    python benchmarks/bench_e2e.py --repeats 5 --only multiclass

It prints a table of medians, the ratios the issue names with PASS/FAIL against each target,
peak memory, bytes/row growth, and whether every contender computed the same figures. The
exit code is 0 when every target passes and the figures agree, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
GEN_VERSION = 1  # bump when the generator changes so stale files are not reused
N_CLASSES = 10
N_FEATURES = 16
CHUNK = 500_000
TOL = 1e-9

# Runs one command, stdout to a file, and prints {"wall", "maxrss_kb", "rc", "stderr"} as JSON.
# A fresh wrapper has exactly one child, so RUSAGE_CHILDREN.ru_maxrss is that child's peak RSS.
WRAPPER = r"""
import json, resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
with open(out, "wb") as fh:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "maxrss_kb": ru.ru_maxrss, "user": ru.ru_utime,
                  "sys": ru.ru_stime, "rc": proc.returncode,
                  "stderr": proc.stderr.decode("utf-8", "replace")[-3000:]}))
"""


# ------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------


def _write_csv_chunks(path: Path, chunks) -> None:
    """Write an iterator of pyarrow tables to one CSV (header once), atomically."""
    import pyarrow.csv as pacsv

    tmp = path.with_suffix(path.suffix + ".tmp")
    writer = None
    try:
        for table in chunks:
            if writer is None:
                writer = pacsv.CSVWriter(
                    str(tmp), table.schema, write_options=pacsv.WriteOptions(quoting_style="none")
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)


def multiclass_paths(n: int) -> tuple[Path, Path, Path]:
    stem = f"mc_{n}x{N_CLASSES}_v{GEN_VERSION}"
    return DATA / f"{stem}.csv", DATA / f"{stem}_logits.npy", DATA / f"{stem}_labels.npy"


def binary_path(n: int) -> Path:
    return DATA / f"bin_{n}_v{GEN_VERSION}.csv"


def make_multiclass(n: int, seed: int = 5) -> tuple[Path, Path, Path]:
    """N x 10 logits of a noisy linear model; labels drawn from the true model's softmax.

    True logits ``T = X W`` (X standard normal, 16 features); labels are drawn from
    ``softmax(T)`` (Gumbel-max); the "model" reports ``0.9 T + N(0, 1)`` (a slightly
    miscalibrated, imperfect estimate), rounded to 4 decimals. Accuracy is about 75%.
    """
    import pyarrow as pa

    csv_path, logits_path, labels_path = multiclass_paths(n)
    if csv_path.exists() and logits_path.exists() and labels_path.exists():
        return csv_path, logits_path, labels_path
    DATA.mkdir(parents=True, exist_ok=True)
    w = np.random.default_rng(seed).standard_normal((N_FEATURES, N_CLASSES))
    w *= 6.0 / np.sqrt(N_FEATURES)
    tmp_logits = logits_path.with_suffix(".tmp.npy")
    tmp_labels = labels_path.with_suffix(".tmp.npy")
    logits_mm = np.lib.format.open_memmap(
        tmp_logits, mode="w+", dtype=np.float64, shape=(n, N_CLASSES)
    )
    labels_mm = np.lib.format.open_memmap(tmp_labels, mode="w+", dtype=np.int64, shape=(n,))
    names = ["label", *(str(c) for c in range(N_CLASSES))]

    def chunks():
        for i, start in enumerate(range(0, n, CHUNK)):
            m = min(CHUNK, n - start)
            rng = np.random.default_rng([seed, i])
            t = rng.standard_normal((m, N_FEATURES)) @ w
            y = np.argmax(t + rng.gumbel(size=t.shape), axis=1).astype(np.int64)
            z = np.round(0.9 * t + rng.standard_normal(t.shape), 4)
            logits_mm[start : start + m] = z
            labels_mm[start : start + m] = y
            cols = [pa.array(y)] + [pa.array(z[:, c]) for c in range(N_CLASSES)]
            yield pa.Table.from_arrays(cols, names=names)

    _write_csv_chunks(csv_path, chunks())
    logits_mm.flush()
    labels_mm.flush()
    os.replace(tmp_logits, logits_path)
    os.replace(tmp_labels, labels_path)
    return csv_path, logits_path, labels_path


def make_binary(n: int, seed: int = 7) -> Path:
    """N rows of ``label,prob``: labels ~ ``sigmoid(t)``, prob = ``sigmoid(0.9 t + noise)``.

    ``t`` is normal with standard deviation 3; probabilities are clipped to [1e-6, 1 - 1e-6]
    and rounded to 6 decimals (so no row has log(0)). Accuracy is about 80%.
    """
    import pyarrow as pa

    path = binary_path(n)
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)

    def chunks():
        for i, start in enumerate(range(0, n, CHUNK)):
            m = min(CHUNK, n - start)
            rng = np.random.default_rng([seed, i])
            t = 3.0 * rng.standard_normal(m)
            y = (rng.random(m) < 1.0 / (1.0 + np.exp(-t))).astype(np.int64)
            p = 1.0 / (1.0 + np.exp(-(0.9 * t + 0.8 * rng.standard_normal(m))))
            p = np.round(np.clip(p, 1e-6, 1.0 - 1e-6), 6)
            yield pa.Table.from_arrays([pa.array(y), pa.array(p)], names=["label", "prob"])

    _write_csv_chunks(path, chunks())
    return path


def warm(paths) -> None:
    """Read each file once so every contender starts with the same (warm) page cache."""
    for p in paths:
        with open(p, "rb") as fh:
            while fh.read(1 << 24):
                pass


# ------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------


@dataclass
class Contender:
    name: str
    group: str  # "multiclass" or "binary"
    argv: list[str]
    rows: int
    runs: list[dict] = field(default_factory=list)

    @property
    def out_path(self) -> Path:
        return DATA / "out" / f"{self.name}.json"

    def ok_runs(self) -> list[dict]:
        return [r for r in self.runs if r["rc"] == 0]

    def median(self, key: str) -> float | None:
        ok = self.ok_runs()
        return statistics.median(r[key] for r in ok) if ok else None

    def figures(self) -> dict | None:
        try:
            return json.loads(self.out_path.read_text())
        except (OSError, ValueError):
            return None


#: ``BENCH_WARM_MB=N``: before each timed run, write and free N MB in this process, so that
#: the run's first touches land on pages the guest has just used. On VMs whose balloon
#: reports free pages to the host (Firecracker here), memory freed a few seconds before is
#: handed back, and touching it again costs the host's faults: 1-8 ms per MB, seconds for a
#: run that peaks at 700 MB, more than its own work, and depending on what ran before
#: (benchmarks/README.md, "Sixth pass"). Both contenders of a ratio get the same warm-up.
WARM_MB = int(os.environ.get("BENCH_WARM_MB", "0") or 0)


def warm_memory(mb: int = WARM_MB) -> None:
    """Write and free ``mb`` MB (nothing when 0)."""
    if mb > 0:
        import numpy as np

        block = np.ones(mb << 17)  # 8 bytes each: mb MB
        del block


def run_once(c: Contender) -> dict:
    c.out_path.parent.mkdir(parents=True, exist_ok=True)
    warm_memory()
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(c.out_path), *c.argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        return {"wall": float("nan"), "maxrss_kb": 0, "rc": -1, "stderr": proc.stderr[-3000:]}
    run = json.loads(proc.stdout)
    run["cpu"] = run["user"] + run["sys"]
    return run


def losscli_argv(*files: Path) -> list[str]:
    return [sys.executable, "-m", "losscli", "compute", *map(str, files), "--format", "json"]


def script_argv(script: str, file: Path, labels: Path | None = None) -> list[str]:
    argv = [sys.executable, str(BENCH / script), str(file)]
    return argv + ["--npy", str(labels)] if labels else argv


def human(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def build_contenders(args) -> list[Contender]:
    out: list[Contender] = []
    if args.only in (None, "multiclass"):
        csv_path, logits, labels = make_multiclass(args.rows)
        n = args.rows
        out += [
            Contender("losscli-csv", "multiclass", losscli_argv(csv_path), n),
            Contender("losscli-npy", "multiclass", losscli_argv(logits, labels), n),
            Contender("handwritten-csv", "multiclass", script_argv("handwritten.py", csv_path), n),
            Contender("floor-csv", "multiclass", script_argv("floor.py", csv_path), n),
            Contender("floor-npy", "multiclass", script_argv("floor.py", logits, labels), n),
        ]
    if args.only in (None, "binary"):
        small, large = args.binary_rows
        ps, pl = make_binary(small), make_binary(large)
        s, lg = human(small), human(large)
        out += [
            Contender(f"losscli-bin-{s}", "binary", losscli_argv(ps), small),
            Contender(f"losscli-bin-{lg}", "binary", losscli_argv(pl), large),
            Contender(f"floor-bin-{s}", "binary", script_argv("floor.py", ps), small),
            Contender(f"floor-bin-{lg}", "binary", script_argv("floor.py", pl), large),
        ]
        if not args.skip_handwritten_binary:
            out.append(
                Contender(
                    f"handwritten-bin-{s}", "binary", script_argv("handwritten.py", ps), small
                )
            )
    return out


# ------------------------------------------------------------------------------------------
# reporting
# ------------------------------------------------------------------------------------------


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "n/a" if x is None else format(x, spec)


def figure(fig: dict | None, key: str) -> float | None:
    if fig is None:
        return None
    if key in fig.get("losses", {}):
        return fig["losses"][key]
    return fig.get("metrics", {}).get(key)


def agreement(contenders: list[Contender], keys: list[str]) -> tuple[bool, list[str]]:
    """Compare the named figures across contenders; returns (all agree, report lines)."""
    lines, ok = [], True
    figs = {c.name: c.figures() for c in contenders}
    for key in keys:
        values = {name: figure(f, key) for name, f in figs.items()}
        missing = [name for name, v in values.items() if v is None]
        present = [v for v in values.values() if v is not None]
        spread = max(present) - min(present) if present else float("nan")
        good = not missing and spread <= TOL
        ok &= good
        ref = present[0] if present else float("nan")
        note = f" (missing from {', '.join(missing)})" if missing else ""
        lines.append(
            f"  {key:<24} {ref:.12f}  max diff {spread:.2e}  {'OK' if good else 'MISMATCH'}{note}"
        )
    # informational: every other figure the contenders share
    common = None
    for f in figs.values():
        if f is None:
            continue
        names = set(f.get("metrics", {})) | set(f.get("losses", {}))
        common = names if common is None else common & names
    others = sorted((common or set()) - set(keys))
    differ = []
    for key in others:
        vals = [figure(f, key) for f in figs.values() if f is not None]
        vals = [v for v in vals if isinstance(v, (int, float))]
        if vals and max(vals) - min(vals) > TOL:
            differ.append(f"{key} ({max(vals) - min(vals):.1e})")
    if others:
        lines.append(
            f"  other shared figures: {len(others)}; differ by > {TOL:g}: "
            + (", ".join(differ) if differ else "none")
        )
    return ok, lines


def by_name(contenders: list[Contender]) -> dict[str, Contender]:
    return {c.name: c for c in contenders}


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def check_line(label: str, value: float | None, target: float, unit: str = "x") -> tuple:
    passed = value is not None and value <= target
    verdict = "PASS" if passed else ("FAIL" if value is not None else "n/a ")
    return passed, f"| {label} | {_fmt(value, '.3f')}{unit} | <= {target:g}{unit} | {verdict} |"


def report(contenders: list[Contender], args) -> bool:
    cs = by_name(contenders)
    print()
    print(f"## Medians of {args.repeats} interleaved runs")
    print()
    print(
        "| contender | rows | wall s (median) | wall s (min-max) | CPU s (median) "
        "| peak RSS MB | RSS bytes/row |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in contenders:
        ok = c.ok_runs()
        wall = c.median("wall")
        cpu = c.median("cpu")
        rss = c.median("maxrss_kb")
        rng = f"{min(r['wall'] for r in ok):.2f}-{max(r['wall'] for r in ok):.2f}" if ok else "n/a"
        rss_mb = None if rss is None else rss / 1024
        per_row = None if rss is None else rss * 1024 / c.rows
        failed = f" (FAILED {len(c.runs) - len(ok)}/{len(c.runs)})" if len(ok) < len(c.runs) else ""
        print(
            f"| {c.name}{failed} | {c.rows:,} | {_fmt(wall, '.2f')} | {rng} | {_fmt(cpu, '.2f')} | "
            f"{_fmt(rss_mb, '.0f')} | {_fmt(per_row, '.0f')} |"
        )
    for c in contenders:
        bad = [r for r in c.runs if r["rc"] != 0]
        if bad:
            print(f"\n{c.name} failed (rc {bad[-1]['rc']}): {bad[-1]['stderr'].strip()[-1500:]}")

    results = []
    print()
    print("## Targets (issue 5)")
    print()
    print("| check | measured | target | verdict |")
    print("|---|---:|---:|---|")

    def wall(name: str) -> float | None:
        return cs[name].median("wall") if name in cs else None

    def rss(name: str) -> float | None:
        return cs[name].median("maxrss_kb") if name in cs else None

    if "losscli-csv" in cs:
        results.append(
            check_line(
                "CSV: losscli / handwritten time",
                ratio(wall("losscli-csv"), wall("handwritten-csv")),
                0.4,
            )
        )
        results.append(
            check_line(
                "CSV: losscli / floor time", ratio(wall("losscli-csv"), wall("floor-csv")), 1.2
            )
        )
        results.append(
            check_line(
                "NPY: losscli / floor time", ratio(wall("losscli-npy"), wall("floor-npy")), 1.2
            )
        )
        results.append(
            check_line(
                "CSV: losscli / floor peak RSS", ratio(rss("losscli-csv"), rss("floor-csv")), 1.0
            )
        )
        results.append(
            check_line(
                "NPY: losscli / floor peak RSS", ratio(rss("losscli-npy"), rss("floor-npy")), 1.0
            )
        )
    if args.only in (None, "binary"):
        small, large = args.binary_rows
        s, lg = human(small), human(large)
        grow = ratio(
            None
            if rss(f"losscli-bin-{lg}") is None or rss(f"losscli-bin-{s}") is None
            else (rss(f"losscli-bin-{lg}") - rss(f"losscli-bin-{s}")) * 1024,
            large - small,
        )
        results.append(check_line(f"binary {s}->{lg}: losscli peak RSS growth", grow, 24, " B/row"))
        scale = large / small
        results.append(
            check_line(
                f"binary {s}->{lg}: losscli time growth",
                ratio(wall(f"losscli-bin-{lg}"), wall(f"losscli-bin-{s}")),
                1.2 * scale,
            )
        )
    for _, line in results:
        print(line)

    print()
    print("Informational:")

    def cpu(name: str) -> float | None:
        return cs[name].median("cpu") if name in cs else None

    if "losscli-csv" in cs:
        print(
            "  same time ratios on CPU time (user+sys; less sensitive to other load): "
            f"CSV/handwritten {_fmt(ratio(cpu('losscli-csv'), cpu('handwritten-csv')))}x, "
            f"CSV/floor {_fmt(ratio(cpu('losscli-csv'), cpu('floor-csv')))}x, "
            f"NPY/floor {_fmt(ratio(cpu('losscli-npy'), cpu('floor-npy')))}x"
        )
    if "handwritten-csv" in cs:
        print(
            f"  floor-csv / handwritten-csv time: "
            f"{_fmt(ratio(wall('floor-csv'), wall('handwritten-csv')))}x; "
            "losscli-npy / losscli-csv time: "
            f"{_fmt(ratio(wall('losscli-npy'), wall('losscli-csv')))}x"
        )
    if args.only in (None, "binary"):
        fs, fl = rss(f"floor-bin-{s}"), rss(f"floor-bin-{lg}")
        if fs is not None and fl is not None:
            print(
                f"  floor peak RSS growth {s}->{lg}: {(fl - fs) * 1024 / (large - small):.1f} B/row"
            )
        print(
            f"  floor time growth {s}->{lg}: "
            f"{_fmt(ratio(wall(f'floor-bin-{lg}'), wall(f'floor-bin-{s}')))}x; "
            f"losscli-bin-{s} / floor-bin-{s} time: "
            f"{_fmt(ratio(wall(f'losscli-bin-{s}'), wall(f'floor-bin-{s}')))}x; "
            f"losscli-bin-{lg} / floor-bin-{lg} time: "
            f"{_fmt(ratio(wall(f'losscli-bin-{lg}'), wall(f'floor-bin-{lg}')))}x"
        )
        if f"handwritten-bin-{s}" in cs:
            print(
                f"  losscli-bin-{s} / handwritten-bin-{s} time: "
                f"{_fmt(ratio(wall(f'losscli-bin-{s}'), wall(f'handwritten-bin-{s}')))}x"
            )

    print()
    print(f"## Do the contenders compute the same figures? (tolerance {TOL:g})")
    agree = True
    mc = [c for c in contenders if c.group == "multiclass"]
    if mc:
        print(f"multi-class ({', '.join(c.name for c in mc)}):")
        ok, lines = agreement(mc, ["accuracy", "ce", "f1_macro", "roc_auc_macro"])
        agree &= ok
        print("\n".join(lines))
    if args.only in (None, "binary"):
        for size in (s, lg):
            group = [c for c in contenders if c.group == "binary" and c.name.endswith(f"-{size}")]
            print(f"binary {size} ({', '.join(c.name for c in group)}):")
            ok, lines = agreement(group, ["accuracy", "bce", "f1", "roc_auc"])
            agree &= ok
            print("\n".join(lines))
    all_pass = all(p for p, _ in results)
    print()
    print(
        f"RESULT: targets {'all PASS' if all_pass else 'NOT all met'}; "
        f"figures {'agree' if agree else 'DISAGREE'}"
    )
    return all_pass and agree


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}); Python {platform.python_version()}, "
        f"numpy {np.__version__}; {_dt.date.today().isoformat()}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="End-to-end benchmark of losscli compute (issue 5).")
    ap.add_argument("--quick", action="store_true", help="smoke run: 100k x 10; 100k/1M binary")
    ap.add_argument("--repeats", type=int, default=None, help="runs per contender (default 3)")
    ap.add_argument("--rows", type=int, default=None, help="multi-class rows (default 1M)")
    ap.add_argument(
        "--binary-rows",
        type=int,
        nargs=2,
        default=None,
        metavar=("SMALL", "LARGE"),
        help="binary rows for the growth test (default 1M 10M)",
    )
    ap.add_argument("--only", choices=["multiclass", "binary"], default=None)
    ap.add_argument(
        "--skip-handwritten-binary",
        action="store_true",
        help="do not run the hand-written script on the small binary file",
    )
    ap.add_argument("--json", metavar="FILE", help="also write the raw runs as JSON")
    args = ap.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.rows is None:
        args.rows = 100_000 if args.quick else 1_000_000
    if args.binary_rows is None:
        args.binary_rows = [100_000, 1_000_000] if args.quick else [1_000_000, 10_000_000]

    print(f"# losscli end-to-end benchmark — {machine()}")
    print("generating / reusing data in benchmarks/data/ ...", flush=True)
    contenders = build_contenders(args)
    files = sorted({a for c in contenders for a in c.argv if a.startswith(str(DATA))})
    for f in files:
        print(f"  {Path(f).name}: {os.path.getsize(f) / 1e6:.0f} MB")
    warm(files)
    for r in range(args.repeats):
        for c in contenders:
            run = run_once(c)
            c.runs.append(run)
            status = "ok" if run["rc"] == 0 else f"rc={run['rc']}"
            print(
                f"  run {r + 1}/{args.repeats} {c.name:<22} {run['wall']:7.2f} s "
                f"{run['maxrss_kb'] / 1024:7.0f} MB  {status}",
                flush=True,
            )
    passed = report(contenders, args)
    if args.json:
        payload = {
            "machine": machine(),
            "repeats": args.repeats,
            "contenders": [
                {"name": c.name, "rows": c.rows, "argv": c.argv, "runs": c.runs} for c in contenders
            ],
        }
        Path(args.json).write_text(json.dumps(payload, indent=1))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
