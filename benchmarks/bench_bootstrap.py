"""How much does ``--bootstrap N`` cost next to the plain run? (issue 6)

Times ``losscli compute FILE --format json`` with and without ``--bootstrap N`` on the same
data, interleaved, median of ``--repeats`` runs, each in its own process (wall time, peak RSS),
and prints the ratio. Data are bench_e2e.py's files (made when missing): 1M binary rows (CSV)
and 1M x 10 multi-class logits (NPY).

    python benchmarks/bench_bootstrap.py                 # N = 1000, 1M rows, 3 repeats
    python benchmarks/bench_bootstrap.py --quick         # N = 200, 100k rows
    python benchmarks/bench_bootstrap.py --only binary --boot 1000 --repeats 5
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_e2e as e2e  # noqa: E402  (the data and the process runner)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boot", type=int, default=None, help="resamples (default 1000; quick 200)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="100k rows and 200 resamples")
    ap.add_argument("--only", choices=["binary", "multiclass"], default=None)
    args = ap.parse_args(argv)
    n = 100_000 if args.quick else 1_000_000
    boot = args.boot or (200 if args.quick else 1000)
    pairs = []
    if args.only in (None, "binary"):
        path = e2e.make_binary(n)
        pairs.append(("binary CSV", [path]))
    if args.only in (None, "multiclass"):
        _, npy, labels = e2e.make_multiclass(n)
        pairs.append((f"{n // 1000}k x 10 NPY" if n < 1_000_000 else "1M x 10 NPY", [npy, labels]))
    contenders = []
    for label, files in pairs:
        e2e.warm(files)
        base = e2e.losscli_argv(*files)
        contenders.append(e2e.Contender(f"plain {label}", label, base, n))
        contenders.append(
            e2e.Contender(f"bootstrap {label}", label, base + ["--bootstrap", str(boot)], n)
        )
    for _ in range(args.repeats):
        for c in contenders:
            c.runs.append(e2e.run_once(c))
    print(f"\n{e2e.machine()}\n")
    print(f"--bootstrap {boot} on {n:,} rows, median of {args.repeats} interleaved runs\n")
    print("| run | wall s (median) | wall s (min-max) | peak RSS MB |")
    print("|---|---:|---:|---:|")
    ok = True
    for c in contenders:
        walls = [r["wall"] for r in c.ok_runs()]
        if not walls:
            ok = False
            print(f"| {c.name} | failed | | |")
            print(c.runs[-1].get("stderr", ""), file=sys.stderr)
            continue
        rss = c.median("maxrss_kb") / 1024
        print(
            f"| {c.name} | {c.median('wall'):.2f} | {min(walls):.2f}-{max(walls):.2f} | {rss:.0f} |"
        )
    print()
    for label, _ in pairs:
        plain = next(c for c in contenders if c.name == f"plain {label}")
        boot_c = next(c for c in contenders if c.name == f"bootstrap {label}")
        r = e2e.ratio(boot_c.median("wall"), plain.median("wall"))
        per = (boot_c.median("wall") - plain.median("wall")) / boot * 1e3 if r else float("nan")
        print(f"{label}: bootstrap / plain time = {r:.1f}x ({per:.1f} ms per resample)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
