"""Resampling statistics (numpy only): percentile bootstrap intervals and paired tests.

Every statistic losscli reports is a function of weighted sums over rows, so a resample
never re-runs the pipeline: it is a vector of row multiplicities ``counts`` (an index draw
``rng.integers(0, n, n)`` turned into counts by ``np.bincount``), and the statistic is
recomputed from ``counts``-weighted per-row terms (``counts @ rows`` for the loss sums,
``ClassificationAccumulator.resample(counts)`` for the metrics). This module holds the
parts that do not know what the statistics are: the draws, the percentile interval, the
paired bootstrap and the approximate randomisation test.

A statistic function here takes a block of multiplicities, int32 (b, n), and returns one
value per resample for each name: ``{name: float64 (b,)}``, NaN where undefined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from losscli.report import lower_is_better

__all__ = [
    "BLOCK",
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
"""Resamples per block: a (16, 1M) int32 block of counts is 64 MB."""


def draw_counts(rng: np.random.Generator, n: int, b: int) -> np.ndarray:
    """Row multiplicities of ``b`` bootstrap resamples of ``n`` rows (index draws).

    Formula: ``counts[j, i] = #{k : idx[j, k] == i}`` for ``idx[j] = rng.integers(0, n, n)``.

    Args:
        rng: the random generator (its state advances).
        n: rows per resample.
        b: number of resamples.

    Returns:
        int32 array (b, n); each row sums to ``n``.

    >>> c = draw_counts(np.random.default_rng(0), 5, 3)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    """
    out = np.empty((b, n), dtype=np.int32)
    for j in range(b):  # one resample at a time: its n counters stay in cache
        out[j] = np.bincount(rng.integers(0, n, size=n), minlength=n)
    return out


def count_blocks(n: int, n_boot: int, seed: int, block: int = BLOCK) -> Iterator[np.ndarray]:
    """The ``n_boot`` resamples of ``n`` rows, in blocks of at most ``block``, from ``seed``.

    Resample j is the j-th index draw of ``default_rng(seed)``, whatever the block size.

    >>> [c.shape for c in count_blocks(4, 5, seed=1, block=2)]
    [(2, 4), (2, 4), (1, 4)]
    """
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        yield draw_counts(rng, n, b)
        done += b


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
    for counts in count_blocks(n, n_boot, seed, block):
        for name, values in stat(counts).items():
            parts.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
    reps = {name: np.concatenate(p) for name, p in parts.items()}
    return {name: percentile_interval(v, level) for name, v in reps.items()}, reps


@dataclass
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
    deltas: dict[str, list[np.ndarray]] = {}
    for counts in count_blocks(n, n_boot, seed, block):
        va, vb = stat_a(counts), stat_b(counts)
        for name in point_a:
            deltas.setdefault(name, []).append(vb[name] - va[name])
    exceed = dict.fromkeys(point_a, 0)
    n_valid = dict.fromkeys(point_a, 0)
    delta_obs = {
        name: None if a is None or point_b.get(name) is None else float(point_b[name]) - a
        for name, a in point_a.items()
    }
    done = 0
    while done < n_perm:
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
    out: dict[str, PairedResult] = {}
    for name, d in delta_obs.items():
        reps = np.concatenate(deltas[name]) if deltas.get(name) else np.zeros(0)
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
