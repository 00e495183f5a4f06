"""Dense outputs at scale (issue 17): losscli against a plain numpy script, time and memory.

The input (made once by the script in ``--data``, default ``/tmp/losscli_bench_dense``;
reused): ``N`` segmentation outputs of 19 classes (Cityscapes) at 256 x 512 pixels, logits
``(N, 19, 256, 512)`` float32 (100 images: 1.0 GB) and masks ``(N, 256, 512)`` uint8. Each
image's true class map is a coarse grid of classes with elliptic blobs of other classes on
it; 255 (void) on a band at the bottom and on the blobs' borders (about 11% of the pixels).
The logits are ``N(0, 1.5)`` noise plus 4 on a "predicted" class map: the true map with some
blobs given another class and some of the grid cells moved (pixel accuracy about 0.67, mIoU
about 0.5).

For each ``N`` in ``--sizes`` this runs, interleaved and each a fresh process under
``bench_limit.py``'s wrapper (its wall time, CPU time user+sys, peak RSS by
``getrusage(RUSAGE_CHILDREN)``):

* ``losscli``: ``python -m losscli compute LOGITS MASKS --ignore-index 255 --format json``
  (the default report: ce, every classification metric, binned ROC AUC / AP per class, ECE,
  per-class rows, mIoU / mDice and the samplewise scores);
* ``losscli --loss ce``: the same, the loss named (losscli has no option to select metrics:
  the metrics are always computed; ``--loss ce`` is the multi-class default, so the two runs
  are the same work: both are reported for the record);
* ``plain``: ``benchmarks/dense_limit.py`` (one pass over the memory map, an image at a time:
  CE with ignore_index, the pixel confusion matrix by bincount, mIoU).

It checks that the numbers agree (CE to 1e-6 relative, the confusion matrix and the counts
exactly, mIoU to 1e-9) and prints the medians and the ratios losscli / plain.

Usage::

    python benchmarks/bench_dense.py                          # N = 100, 3 repeats
    python benchmarks/bench_dense.py --sizes 25,50,100 --repeats 3
    python benchmarks/bench_dense.py --sizes 10 --repeats 1   # a smoke run

The machine is shared, so absolute times move between runs; the interleaving keeps the ratios
comparable and CPU time (user+sys) is steadier than wall.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from bench_limit import med, run_once  # noqa: E402 - the shared wrapper and medians

C, H, W = 19, 256, 512
VOID = 255


def _ellipses(rng: np.random.Generator, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` random elliptic blobs: (inside, border) boolean masks of (H, W)."""
    yy, xx = np.ogrid[:H, :W]
    out = []
    for _ in range(k):
        cy, cx = rng.uniform(0, H), rng.uniform(0, W)
        ry, rx = rng.uniform(8, 48), rng.uniform(12, 96)
        d = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        out.append((d < 1.0, (d >= 0.93) & (d < 1.07)))
    return out


def make_image(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One image: logits (C, H, W) float32 and its mask (H, W) uint8."""
    cells = rng.integers(0, C, (4, 8))
    truth = np.repeat(np.repeat(cells, H // 4, axis=0), W // 8, axis=1)
    pred = truth.copy()
    moved = rng.random((4, 8)) < 0.1  # whole grid cells predicted as another class
    pred[np.repeat(np.repeat(moved, H // 4, axis=0), W // 8, axis=1)] = rng.integers(0, C)
    void = np.zeros((H, W), dtype=bool)
    void[-16:] = True  # the ego vehicle
    for inside, border in _ellipses(rng, 12):
        cls = rng.integers(0, C)
        truth[inside] = cls
        pred[inside] = cls if rng.random() < 0.7 else rng.integers(0, C)
        void |= border
    z = rng.normal(0.0, 1.5, (C, H, W)).astype(np.float32)
    z[pred, np.arange(H)[:, None], np.arange(W)[None, :]] += 4.0
    mask = truth.astype(np.uint8)
    mask[void] = VOID
    return z, mask


def make_input(data: Path, n: int) -> tuple[Path, Path]:
    """The N-image input (written once; the first images of every N are the same)."""
    logits, masks = data / f"seg_{n}_logits.npy", data / f"seg_{n}_masks.npy"
    if logits.exists() and masks.exists():
        return logits, masks
    x = np.lib.format.open_memmap(logits.with_suffix(".tmp"), "w+", np.float32, (n, C, H, W))
    y = np.lib.format.open_memmap(masks.with_suffix(".tmp"), "w+", np.uint8, (n, H, W))
    rng = np.random.default_rng(17)
    for i in range(n):
        x[i], y[i] = make_image(rng)
    x.flush()
    y.flush()
    del x, y
    os.replace(logits.with_suffix(".tmp"), logits)
    os.replace(masks.with_suffix(".tmp"), masks)
    return logits, masks


def losscli_argv(files: list[str], *extra: str) -> list[str]:
    return [sys.executable, "-m", "losscli", "compute", *files, "--ignore-index", "255",
            "--format", "json", *extra]  # fmt: skip


def plain_argv(files: list[str]) -> list[str]:
    return [sys.executable, str(BENCH / "dense_limit.py"), *files, "--ignore-index", "255"]


def check(plain: dict, ours: dict) -> list[str]:
    """What differs between the plain script's numbers and losscli's report."""
    bad = []
    ce = ours["losses"]["ce"]
    if not math.isclose(ce, plain["ce"], rel_tol=1e-6):
        bad.append(f"ce {ce!r} vs {plain['ce']!r}")
    if ours["confusion_matrix"] != plain["confusion_matrix"]:
        bad.append("confusion_matrix differs")
    for key in ("n_evaluated", "n_ignored"):
        if ours.get(key) != plain[key]:
            bad.append(f"{key} {ours.get(key)!r} vs {plain[key]!r}")
    if abs(ours["metrics"]["miou"] - plain["miou"]) > 1e-9:
        bad.append(f"miou {ours['metrics']['miou']!r} vs {plain['miou']!r}")
    return bad


def bench(args: argparse.Namespace) -> int:
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    inputs = {n: [str(p) for p in make_input(data, n)] for n in sizes}
    sides = {
        "losscli": lambda f: losscli_argv(f),
        "losscli --loss ce": lambda f: losscli_argv(f, "--loss", "ce"),
        "plain": plain_argv,
    }
    if args.no_ce_run:
        del sides["losscli --loss ce"]
    for n in sizes:  # warm the page cache
        for f in inputs[n]:
            with open(f, "rb") as fh:
                while fh.read(1 << 24):
                    pass
    runs: dict[tuple[int, str], list[dict]] = {(n, s): [] for n in sizes for s in sides}
    outs = {(n, s): data / f"out_{n}_{s.replace(' ', '_')}.json" for n in sizes for s in sides}
    for rep in range(args.repeats):
        for n in sizes:
            for side, argv in sides.items():
                run = run_once(argv(inputs[n]), outs[n, side])
                runs[n, side].append(run)
                print(f"  N={n} {side}: wall {run['wall']:.2f} s, CPU {run['cpu']:.2f} s, "
                      f"peak {run['maxrss_kb'] / 1024:.0f} MB", file=sys.stderr)  # fmt: skip
        print(f"  repeat {rep + 1}/{args.repeats} done", file=sys.stderr)
    ok = True
    load = os.getloadavg()
    print(f"\nmedians of {args.repeats} interleaved runs; load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}\n")  # fmt: skip
    print("| N | run | wall s | CPU s | wall ratio | CPU ratio | peak RSS MB | numbers |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        plain = json.loads(outs[n, "plain"].read_text())
        p_wall, p_cpu = med(runs[n, "plain"], "wall"), med(runs[n, "plain"], "cpu")
        for side in sides:
            wall, cpu = med(runs[n, side], "wall"), med(runs[n, side], "cpu")
            mb = med(runs[n, side], "maxrss_kb") / 1024
            verdict = "-"
            if side != "plain":
                try:
                    bad = check(plain, json.loads(outs[n, side].read_text()))
                except (ValueError, KeyError) as exc:
                    bad = [f"no report ({exc})"]
                ok &= not bad
                verdict = "agree" if not bad else "; ".join(bad)
            print(f"| {n} | {side} | {wall:.2f} | {cpu:.2f} | {wall / p_wall:.2f}x | "
                  f"{cpu / p_cpu:.2f}x | {mb:.0f} | {verdict} |")  # fmt: skip
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100", help="comma-separated image counts N")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", default="/tmp/losscli_bench_dense", help="where the inputs go")
    ap.add_argument("--no-ce-run", action="store_true", help="skip the --loss ce run")
    return bench(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
