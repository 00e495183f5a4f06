"""Resampling statistics (numpy only): percentile bootstrap intervals and paired tests.

Every statistic losscli reports is a function of weighted sums over rows, so a resample
never re-runs the pipeline: it is a vector of row multiplicities ``counts``, independent
Poisson(1) draws (the Poisson bootstrap, :func:`draw_counts`), and the statistic is
recomputed from ``counts``-weighted per-row terms. Two ways:

- exact (:func:`bootstrap`): a statistic function maps a block of counts, uint8 (b, n), to
  ``{name: float64 (b,)}`` (NaN where undefined): ``counts @ rows`` for the loss sums,
  ``ClassificationAccumulator.resample(counts)`` for the metrics;
- linear (:func:`linear_blocks`): when every statistic is a smooth function of sums
  ``sum_i c_i x_i`` (and, for ROC AUC / AP, of the first-order terms of those sums), one
  block of resamples is a matrix product ``(c - 1) @ X`` over slabs of rows plus the sums at
  ``c = 1``: no per-resample pass in Python, no sort.

This module holds the parts that do not know what the statistics are: the draws, the
linear sums, the percentile interval, the paired bootstrap and the approximate
randomisation test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from losscli import progress
from losscli.poisson import (
    BYTE_CUTS,
    TAIL_CUTS,
    PoissonStream,
    draw_counts,
    poisson_counts,
    resample_stream,
)
from losscli.records import record
from losscli.report import lower_is_better
from losscli.slabs import ProductPlan, SlabBuffers, linear_block

__all__ = [
    "BLOCK",
    "BYTE_CUTS",
    "TAIL_CUTS",
    "PoissonStream",
    "resample_stream",
    "poisson_counts",
    "LinearTerms",
    "linear_blocks",
    "StatFn",
    "draw_counts",
    "count_blocks",
    "percentile_interval",
    "bootstrap",
    "PairedResult",
    "paired_test",
    "lower_is_better",
]

StatFn = Callable[[np.ndarray], dict[str, np.ndarray]]

BLOCK = 16
"""Resamples per block of the exact path: a (16, 1M) uint8 block of counts is 16 MB."""


def count_blocks(n: int, n_boot: int, seed: int, block: int = BLOCK) -> Iterator[np.ndarray]:
    """The ``n_boot`` resamples of ``n`` rows, in blocks of at most ``block``, from ``seed``.

    Resample j is :func:`draw_counts` of stream j, whatever the block size.

    >>> [c.shape for c in count_blocks(4, 5, seed=1, block=2)]
    [(2, 4), (2, 4), (1, 4)]
    """
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        yield draw_counts(seed, done, b, n)
        done += b


SLAB = 8192
"""Rows per slab of the linear path (a multiple of 8: the draws read 8 rows per 64-bit word)."""

LINEAR_BLOCK = 128
"""Resamples per block of the linear path: a (128, SLAB) float32 slab of ``c - 1`` is 4 MB."""


@record
class LinearTerms:
    """Per-row terms whose resampled sums ``sum_i c_i x_i`` the linear path computes.

    Rows are in the order the counts are drawn in (any fixed order: the counts are i.i.d.).

    Attributes:
        dense: float32 (n, T), C order: column t's resample sum is ``base[t] + (c - 1) @
            dense[:, t]``.
        base: float64 (T,), the column sums at ``c = 1`` (computed in float64 by the caller).
        bounds: intp (S + 1,) segment boundaries (rows ``bounds[s] .. bounds[s + 1] - 1``
            form segment s), or None for no segments.
        seg_cols: float32 (n, q): the segment sums are ``seg_base[s] + (c - 1)[seg] @
            seg_cols[seg]``.
        seg_base: float64 (S, q), the segment sums at ``c = 1``.
        order: intp (n,), the input row at each position, or None for the identity (the
            counts are drawn by position).
    """

    dense: np.ndarray
    base: np.ndarray
    bounds: np.ndarray | None = None
    seg_cols: np.ndarray | None = None
    seg_base: np.ndarray | None = None
    order: np.ndarray | None = None


def linear_blocks(
    terms: LinearTerms,
    n_boot: int,
    seed: int,
    block: int = LINEAR_BLOCK,
    slab: int = SLAB,
    workers: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Resampled sums of ``terms``, ``block`` resamples at a time, Poisson counts by ``seed``.

    Formula: for resample j with counts ``c_j`` (:func:`poisson_counts` of stream j, row by
    row, so the same as :func:`draw_counts`), ``dense_j = base + (c_j - 1) @ dense`` and
    ``seg_j[s] = seg_base[s] + (c_j - 1)[seg s] @ seg_cols[seg s]``. The deviations ``c - 1``
    are small integers (exact in float32) and the products run in float32 BLAS over slabs of
    rows, added up in float64: the rounding is relative to the resampling spread, not to the
    sums. Blocks run on ``workers`` threads (default: the cores, at most 4) with OpenBLAS
    pinned to one thread each; the blocks come back in order, so the result does not depend
    on the number of workers.

    Args:
        terms: the per-row terms (n rows).
        n_boot: number of resamples.
        seed: the seed of the draws.
        block: resamples per yielded block.
        slab: rows per matrix product (a multiple of 8).
        workers: threads (1: none).

    Yields:
        ``(dense, segs)``: float64 (b, T) and float64 (b, S, q) (None without segments).

    >>> x = np.arange(8, dtype=np.float32)[:, None]
    >>> t = LinearTerms(x, x.astype(np.float64).sum(axis=0))
    >>> (d, _), = linear_blocks(t, 3, seed=0)
    >>> c = draw_counts(0, 0, 3, 8)
    >>> bool(np.allclose(d[:, 0], c @ np.arange(8)))
    True
    """
    from losscli._threads import blocks_in_order

    assert slab % 8 == 0
    plan = ProductPlan(terms, slab)
    width = min(slab, max(terms.dense.shape[0], 8))

    def job(a: int, bufs: SlabBuffers) -> tuple[np.ndarray, np.ndarray | None]:
        return linear_block(terms, plan, seed, a, min(block, n_boot - a), bufs)

    yield from blocks_in_order(
        list(range(0, n_boot, block)),
        job,
        lambda: SlabBuffers(block, width),
        workers=workers,
        name="losscli-boot",
    )


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float] | None:
    """The percentile bootstrap interval: the (1-level)/2 and (1+level)/2 quantiles.

    Resamples where the statistic is undefined (NaN) are left out; None when fewer than two
    are defined. Quantiles use numpy's default (linear) interpolation.

    Args:
        values: (B,) the statistic of each resample.
        level: the confidence level, e.g. 0.95.

    Returns:
        ``(low, high)`` or None.

    >>> percentile_interval(np.arange(101.0), 0.9)
    (5.0, 95.0)
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return None
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(v, [alpha, 1.0 - alpha])
    return float(low), float(high)


def bootstrap(
    stat: StatFn, n: int, *, n_boot: int, level: float, seed: int, block: int = BLOCK
) -> tuple[dict[str, tuple[float, float] | None], dict[str, np.ndarray]]:
    """Percentile bootstrap intervals of every statistic ``stat`` returns.

    Args:
        stat: maps counts (b, n) to ``{name: (b,) values}``.
        n: number of rows.
        n_boot: number of resamples B.
        level: confidence level in (0, 1).
        seed: seed of the index draws (same seed, same intervals).
        block: resamples evaluated together.

    Returns:
        ``(intervals, replicates)``: ``{name: (low, high) or None}`` and the (B,) replicate
        values of each statistic.

    >>> x = np.arange(10.0)
    >>> def mean(c):
    ...     return {"mean": c @ x / c.sum(axis=1)}
    >>> ci, reps = bootstrap(mean, 10, n_boot=200, level=0.95, seed=0)
    >>> low, high = ci["mean"]
    >>> bool(low < 4.5 < high), reps["mean"].shape
    (True, (200,))
    """
    parts: dict[str, list[np.ndarray]] = {}
    done = 0
    for counts in count_blocks(n, n_boot, seed, block):
        for name, values in stat(counts).items():
            parts.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
        done += counts.shape[0]
        progress.report("resamples", done, n_boot, "resamples")
    reps = {name: np.concatenate(p) for name, p in parts.items()}
    return {name: percentile_interval(v, level) for name, v in reps.items()}, reps


@record
class PairedResult:
    """One statistic of a paired comparison of model A and model B on the same rows."""

    a: float | None
    b: float | None
    delta: float | None  # b - a
    ci: tuple[float, float] | None  # percentile bootstrap interval of the delta
    p_value: float | None  # approximate randomisation, two-sided


def paired_test(
    stat_a: StatFn,
    stat_b: StatFn,
    stat_mix: StatFn,
    n: int,
    *,
    point_a: dict[str, float | None],
    point_b: dict[str, float | None],
    n_boot: int,
    n_perm: int,
    level: float,
    seed: int,
    block: int = BLOCK,
    deltas: dict[str, np.ndarray] | None = None,
    swap_deltas: dict[str, np.ndarray] | None = None,
) -> dict[str, PairedResult]:
    """Paired bootstrap interval of ``b - a`` and an approximate randomisation p-value.

    The bootstrap draws the same rows for both models (resample j of A and of B use the same
    ``counts[j]``). The randomisation test swaps each row's A and B outputs with probability
    1/2: ``stat_mix`` evaluates the 2n rows "A's rows then B's rows" under counts (b, 2n), so a
    swap pattern ``s`` gives A' from counts ``[1 - s, s]`` and B' from ``[s, 1 - s]``. The
    p-value is ``(1 + #{|delta'| >= |delta|}) / (1 + n_perm)`` (sacrebleu's paired
    approximate randomisation), so identical outputs give delta 0 and p-value 1.

    Args:
        stat_a, stat_b: statistics of A's and B's n rows, as in :func:`bootstrap`.
        stat_mix: the same statistics over A's rows followed by B's (2n rows).
        n: number of (paired) rows.
        point_a, point_b: the values on the full data (the reported numbers).
        n_boot: bootstrap resamples for the interval (0: no interval).
        n_perm: random swaps for the p-value (0: no p-value).
        level: confidence level of the interval.
        seed: seed of both the draws and the swaps.
        block: resamples evaluated together.
        deltas: the ``n_boot`` bootstrap replicates of ``b - a`` already computed (e.g. by
            the linear path, ``pipeline.intervals.paired_linear_deltas``); then ``stat_a``
            and ``stat_b`` are not evaluated.
        swap_deltas: the ``n_perm`` swaps' ``delta'`` already computed (the same swaps, e.g.
            by :func:`losscli.swaps.swap_blocks`); then ``stat_mix`` is not evaluated.

    Returns:
        ``{name: PairedResult}`` for every name of ``point_a``.

    >>> x = np.r_[np.ones(25), np.zeros(15)]  # model A right on 25 of 40 rows
    >>> y = np.ones(40)  # model B right on all 40
    >>> def acc(v):
    ...     return lambda c: {"accuracy": c @ v / c.sum(axis=1)}
    >>> r = paired_test(acc(x), acc(y), acc(np.r_[x, y]), 40, point_a={"accuracy": 25 / 40},
    ...                 point_b={"accuracy": 1.0}, n_boot=500, n_perm=500, level=0.95, seed=0)
    >>> r["accuracy"].delta, r["accuracy"].p_value
    (0.375, 0.001996007984031936)
    >>> r = paired_test(acc(x), acc(x), acc(np.r_[x, x]), 40, point_a={"accuracy": 25 / 40},
    ...                 point_b={"accuracy": 25 / 40}, n_boot=100, n_perm=100, level=0.95, seed=0)
    >>> r["accuracy"].delta, r["accuracy"].ci, r["accuracy"].p_value  # identical: 0, 1
    (0.0, (0.0, 0.0), 1.0)
    """
    rng = np.random.default_rng([seed, 1])  # the swaps: a stream apart from the draws
    parts: dict[str, list[np.ndarray]] = {}
    if deltas is not None:
        parts = {name: [np.asarray(v, dtype=np.float64)] for name, v in deltas.items()}
    else:
        drawn = 0
        for counts in count_blocks(n, n_boot, seed, block):
            va, vb = stat_a(counts), stat_b(counts)
            for name in point_a:
                parts.setdefault(name, []).append(vb[name] - va[name])
            drawn += counts.shape[0]
            progress.report("resamples", drawn, n_boot, "resamples")
    exceed = dict.fromkeys(point_a, 0)
    n_valid = dict.fromkeys(point_a, 0)
    delta_obs = {
        name: None if a is None or point_b.get(name) is None else float(point_b[name]) - a
        for name, a in point_a.items()
    }
    done = 0
    while done < n_perm:
        if swap_deltas is not None:
            b = n_perm
            va = dict.fromkeys(delta_obs, np.zeros(b))
            vb = {name: swap_deltas.get(name, np.full(b, np.nan)) for name in delta_obs}
        else:
            b = min(block, n_perm - done)
            s = rng.integers(0, 2, size=(b, n), dtype=np.int32)
            va = stat_mix(np.concatenate([1 - s, s], axis=1))
            vb = stat_mix(np.concatenate([s, 1 - s], axis=1))
        for name, d in delta_obs.items():
            if d is None:
                continue
            dp = vb[name] - va[name]
            ok = np.isfinite(dp)
            # a tolerance keeps float rounding of an identical statistic from deciding a tie
            tol = 1e-12 * max(1.0, abs(d))
            exceed[name] += int(np.sum(np.abs(dp[ok]) >= abs(d) - tol))
            n_valid[name] += int(ok.sum())
        done += b
        progress.report("permutations", done, n_perm, "permutations")
    out: dict[str, PairedResult] = {}
    for name, d in delta_obs.items():
        reps = np.concatenate(parts[name]) if parts.get(name) else np.zeros(0)
        p = None
        if d is not None and n_valid[name]:
            p = (1 + exceed[name]) / (1 + n_valid[name])
        out[name] = PairedResult(
            a=point_a[name],
            b=point_b.get(name),
            delta=d,
            ci=percentile_interval(reps, level) if d is not None else None,
            p_value=p,
        )
    return out
