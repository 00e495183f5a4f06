"""How much does ``losscli compare A B`` cost next to a plain ``compute``? (issue 20, target 2)

Times, interleaved, each in its own process (wall time, peak RSS), medians of ``--repeats``:
``compute A`` and ``compare A B --bootstrap N --permutations N`` on this checkout and, with
``--baseline PATH``, the same ``compare`` importing losscli from another checkout (e.g. main
before a change), and prints the ratios. A is bench_e2e.py's binary file; B is A's rows with
a second model's probabilities, ``sigmoid(logit(prob_A) + N(0, 0.5^2))`` (made when missing).

    python benchmarks/bench_compare.py                       # 200k rows, N = 1000, 3 repeats
    python benchmarks/bench_compare.py --rows 1000000 --baseline /path/to/old/checkout
    python benchmarks/bench_compare.py --rows 100000 --n 200 --repeats 1   # smoke run
    python benchmarks/bench_compare.py --rows 1000000 --parts   # + bootstrap / swaps alone

``--parts`` adds ``compare --permutations 0`` (the bootstrap alone) and ``compare --bootstrap
0`` (the swaps alone). Wall time and CPU time (user + sys) are both reported: on a shared
machine the CPU-time ratios are the steadier ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_e2e as e2e  # noqa: E402  (the data and the process runner)


def make_model_b(path_a: Path, seed: int = 8) -> Path:
    """A's rows with another model's probabilities (same labels, same order)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path_b = path_a.with_name(path_a.stem + "_model_b.csv")
    if path_b.exists():
        return path_b
    t = pacsv.read_csv(path_a)
    p = t.column("prob").to_numpy()
    z = np.log(p / (1 - p)) + 0.5 * np.random.default_rng(seed).standard_normal(p.size)
    pb = np.round(np.clip(1 / (1 + np.exp(-z)), 1e-6, 1 - 1e-6), 6)
    out = pa.table({"label": t.column("label"), "prob": pa.array(pb)})
    tmp = path_b.with_suffix(".tmp")
    pacsv.write_csv(out, tmp, pacsv.WriteOptions(quoting_style="none"))
    tmp.replace(path_b)
    return path_b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--n", type=int, default=1000, help="resamples and permutations")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", type=Path, default=None, help="another losscli checkout")
    ap.add_argument("--parts", action="store_true", help="also the bootstrap / swaps alone")
    args = ap.parse_args(argv)
    a = e2e.make_binary(args.rows)
    b = make_model_b(a)
    e2e.warm([a, b])
    n = str(args.n)
    tail = ["compare", str(a), str(b), "--bootstrap", n, "--permutations", n, "--format", "json"]
    contenders = [
        e2e.Contender("compute", "binary", e2e.losscli_argv(a), args.rows),
        e2e.Contender("compare", "binary", [sys.executable, "-m", "losscli", *tail], args.rows),
    ]
    if args.parts:
        parts = (
            ("compare-bootstrap-only", "--permutations"),
            ("compare-swaps-only", "--bootstrap"),
        )
        for name, opt in parts:
            part = [*tail]
            part[part.index(opt) + 1] = "0"
            contenders.append(
                e2e.Contender(name, "binary", [sys.executable, "-m", "losscli", *part], args.rows)
            )
    if args.baseline is not None:
        boot = (
            f"import sys, runpy; sys.path.insert(0, {str(args.baseline.resolve())!r}); "
            "runpy.run_module('losscli', run_name='__main__')"
        )
        contenders.append(
            e2e.Contender(
                "compare-baseline", "binary", [sys.executable, "-c", boot, *tail], args.rows
            )
        )
    for _ in range(args.repeats):
        for c in contenders:
            c.runs.append(e2e.run_once(c))
    print(f"\n{e2e.machine()}\n")
    print(f"compare --bootstrap {n} --permutations {n}, {args.rows:,} binary rows, "
          f"median of {args.repeats} interleaved runs\n")  # fmt: skip
    print("| run | wall s (median) | CPU s (median) | peak RSS MB |")
    print("|---|---:|---:|---:|")
    ok = True
    for c in contenders:
        if not c.ok_runs():
            ok = False
            print(f"| {c.name} | failed | |")
            print(c.runs[-1].get("stderr", ""), file=sys.stderr)
            continue
        print(
            f"| {c.name} | {c.median('wall'):.2f} | {c.median('cpu'):.2f} "
            f"| {c.median('maxrss_kb') / 1024:.0f} |"
        )
    print()
    plain = contenders[0]
    for c in contenders[1:]:
        if c.ok_runs() and plain.ok_runs():
            t = e2e.ratio(c.median("wall"), plain.median("wall"))
            cpu = e2e.ratio(c.median("cpu"), plain.median("cpu"))
            m = e2e.ratio(c.median("maxrss_kb"), plain.median("maxrss_kb"))
            print(f"{c.name} / compute: wall {t:.1f}x, CPU {cpu:.1f}x, peak memory {m:.1f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
