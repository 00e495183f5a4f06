"""How much does ``--bootstrap N`` cost next to the plain run? (issue 6)

Times ``losscli compute FILE --format json`` with and without ``--bootstrap N`` on the same
data, interleaved, median of ``--repeats`` runs, each in its own process (wall time, CPU time
user + sys, peak RSS), and prints the ratios. Data are bench_e2e.py's files (made when
missing): 1M binary rows (CSV) and 1M x 10 multi-class logits (NPY). With ``--baseline DIR``
(a checkout of another version, e.g. ``git archive main | tar -x -C DIR``) the same runs of
that version's ``losscli`` are interleaved with these, so before and after share the load.

    python benchmarks/bench_bootstrap.py                 # N = 1000, 1M rows, 3 repeats
    python benchmarks/bench_bootstrap.py --quick         # N = 200, 100k rows
    python benchmarks/bench_bootstrap.py --only binary --boot 1000 --repeats 5
    python benchmarks/bench_bootstrap.py --baseline /tmp/main --repeats 5
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
    ap.add_argument("--baseline", type=Path, default=None, help="another checkout to time too")
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
    trees = [("", None)] + ([(" [baseline]", args.baseline.resolve())] if args.baseline else [])
    contenders = []
    for label, files in pairs:
        e2e.warm(files)
        for tag, tree in trees:
            base = e2e.losscli_argv(*files) if tree is None else _tree_argv(tree, files)
            contenders.append(e2e.Contender(f"plain {label}{tag}", label, base, n))
            contenders.append(
                e2e.Contender(
                    f"bootstrap {label}{tag}", label, base + ["--bootstrap", str(boot)], n
                )
            )
    for _ in range(args.repeats):
        for c in contenders:
            c.runs.append(e2e.run_once(c))
    print(f"\n{e2e.machine()}\n")
    print(f"--bootstrap {boot} on {n:,} rows, median of {args.repeats} interleaved runs\n")
    print("| run | wall s (median) | wall s (min-max) | CPU s (median) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    ok = True
    for c in contenders:
        walls = [r["wall"] for r in c.ok_runs()]
        if not walls:
            ok = False
            print(f"| {c.name} | failed | | | |")
            print(c.runs[-1].get("stderr", ""), file=sys.stderr)
            continue
        rss = c.median("maxrss_kb") / 1024
        print(
            f"| {c.name} | {c.median('wall'):.2f} | {min(walls):.2f}-{max(walls):.2f} | "
            f"{c.median('cpu'):.2f} | {rss:.0f} |"
        )
    print()
    by = {c.name: c for c in contenders}
    for label, _ in pairs:
        for tag, _tree in trees:
            plain, boot_c = by[f"plain {label}{tag}"], by[f"bootstrap {label}{tag}"]
            if not (plain.ok_runs() and boot_c.ok_runs()):
                continue
            r = e2e.ratio(boot_c.median("wall"), plain.median("wall"))
            r_cpu = e2e.ratio(boot_c.median("cpu"), plain.median("cpu"))
            per = (boot_c.median("wall") - plain.median("wall")) / boot * 1e3
            print(
                f"{label}{tag}: bootstrap / plain wall = {r:.1f}x, CPU = {r_cpu:.1f}x "
                f"({per:.1f} ms of wall per resample)"
            )
    return 0 if ok else 1


def _tree_argv(tree: Path, files: list[Path]) -> list[str]:
    """``losscli compute FILES --format json`` run from the checkout ``tree``'s source."""
    code = f"import sys; sys.path.insert(0, {str(tree)!r}); from losscli.cli import main; main()"
    return [sys.executable, "-c", code, "compute", *map(str, files), "--format", "json"]


if __name__ == "__main__":
    sys.exit(main())
