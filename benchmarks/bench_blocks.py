"""Where the linear bootstrap's per-resample time goes, and what numpy allows (issue 20, target 3)

``--bootstrap N`` on the linear path is a one-off setup (the per-row terms) and then N
resamples, each ``(c - 1) @ X`` over the kept rows with ``c`` that resample's Poisson(1)
counts (``losscli.bootstrap.linear_blocks``). This script builds the terms of bench_e2e.py's
1M-row files once, in this process, and times the resample blocks alone:

- ``blocks``: ``linear_blocks`` as ``compute`` runs it (two workers on two cores), and on
  one thread;
- its parts on one thread: the draws (``StreamBlock.fill``: one random byte per row and
  resample, turned into counts less one), their conversion to float32, and the products;
- the plain alternatives of the draws: numpy's own ``Generator.poisson(1.0)`` and, the
  floor of any draw from random bits, ``PCG64.random_raw`` of one byte per row alone.

Each figure is quoted per 1,000 resamples of 1M rows, with the ratios that matter: how
much the second worker gives, and how the draws compare with numpy's sampler and with the
bare random bytes.

    python benchmarks/bench_blocks.py                 # 1M rows, 1,024 resamples per figure
    python benchmarks/bench_blocks.py --resamples 512 --only binary
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_e2e as e2e  # noqa: E402  (the data)

ROWS = 1_000_000


def terms_of(files: list[Path]):  # noqa: ANN201 - a LinearTerms
    """The linear terms ``--bootstrap`` would resample for ``files`` (default options)."""
    from losscli.engine import Evaluation
    from losscli.pipeline import intervals
    from losscli.pipeline.options import Options

    ev = Evaluation(
        str(files[0]), str(files[1]) if len(files) > 1 else None, Options(keep_rows=True)
    )
    ev.consume()
    setup = intervals._linear_setup(ev.kept_rows())  # noqa: SLF001 - the benchmark's probe
    assert setup is not None, "the data does not take the linear path"
    return setup[0]


def best_of(fn, repeats: int) -> float:  # noqa: ANN001
    """The least wall time of ``repeats`` calls of ``fn()``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def parts(terms, n_boot: int, repeats: int) -> dict[str, float]:  # noqa: ANN001
    """Seconds per 1,000 resamples of 1M rows of each part (see the module)."""
    from losscli import slabs
    from losscli._threads import single_threaded_blas
    from losscli.bootstrap import SLAB, linear_blocks
    from losscli.poisson import TAIL_AHEAD, StreamBlock, resample_stream

    n = terms.dense.shape[0]
    b = 128
    plan = slabs.ProductPlan(terms, SLAB)
    bufs = slabs.SlabBuffers(b, SLAB)
    scale = 1000 / n_boot * ROWS / n

    def run_blocks(workers: int) -> None:
        for _ in linear_blocks(terms, n_boot, seed=0, workers=workers):
            pass

    def per_slab(work) -> None:  # noqa: ANN001 - work(a, m) for every slab of every block
        for _ in range(0, n_boot, b):
            for a in range(0, n, SLAB):
                work(a, min(SLAB, n - a))

    def draws() -> None:
        for start in range(0, n_boot, b):
            blk = StreamBlock([resample_stream(0, start + i) for i in range(b)], TAIL_AHEAD,
                              bytes_ahead=slabs.BYTES_AHEAD)  # fmt: skip
            for a in range(0, n, SLAB):
                blk.fill(min(SLAB, n - a), None, bufs.c, shift=1, chunk=slabs.FILL)

    def convert(a: int, m: int) -> None:
        np.copyto(bufs.d[:b, :m], bufs.c[:b, :m].view(np.int8), casting="unsafe")

    def product(a: int, m: int) -> None:
        x, _, _ = plan.matrix(terms, a, m, bufs)
        slabs.chunked_product(bufs.d[:b, :m], x)

    rng = np.random.default_rng(0)
    bits = np.random.PCG64(0)

    def numpy_poisson(a: int, m: int) -> None:
        rng.poisson(1.0, size=(b, m))

    def random_bytes(a: int, m: int) -> None:
        for _ in range(b):
            bits.random_raw(m // 8)

    out = {"blocks, 2 workers": best_of(lambda: run_blocks(2), repeats)}
    with single_threaded_blas():  # one thread, OpenBLAS on it alone
        out["blocks, 1 thread"] = best_of(lambda: run_blocks(1), repeats)
        out["draws (fill)"] = best_of(draws, repeats)
        out["float32 conversion"] = best_of(lambda: per_slab(convert), repeats)
        out["products"] = best_of(lambda: per_slab(product), repeats)
    out["numpy Generator.poisson(1.0)"] = best_of(lambda: per_slab(numpy_poisson), 1)
    out["PCG64 random bytes alone"] = best_of(lambda: per_slab(random_bytes), repeats)
    return {k: v * scale for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resamples", type=int, default=1024, help="resamples per figure")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--only", choices=["binary", "multiclass"], default=None)
    args = ap.parse_args(argv)
    inputs = []
    if args.only in (None, "binary"):
        inputs.append(("1M binary CSV", [e2e.make_binary(ROWS)]))
    if args.only in (None, "multiclass"):
        _, npy, labels = e2e.make_multiclass(ROWS)
        inputs.append(("1M x 10 NPY", [npy, labels]))
    print(f"\n{e2e.machine()}\n")
    for label, files in inputs:
        terms = terms_of(files)
        t = parts(terms, args.resamples, args.repeats)
        print(f"{label}: terms {terms.dense.shape[1]} dense columns, "
              f"{0 if terms.bounds is None else terms.bounds.size - 1} segments; "
              f"seconds per 1,000 resamples of 1M rows (best of {args.repeats})\n")  # fmt: skip
        print("| part | s |\n|---|---:|")
        for k, v in t.items():
            print(f"| {k} | {v:.2f} |")
        two, one = t["blocks, 2 workers"], t["blocks, 1 thread"]
        print(
            f"\nsecond worker: {one / two:.2f}x; draws vs numpy's poisson: "
            f"{t['numpy Generator.poisson(1.0)'] / t['draws (fill)']:.1f}x faster; draws vs "
            f"the random bytes alone: {t['draws (fill)'] / t['PCG64 random bytes alone']:.1f}x\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
