"""``--bootstrap`` intervals and the resampled statistics ``compare`` pairs.

A ``keep_rows`` run keeps, per row, each loss's additive sums and whether the metrics saw the
row (:class:`KeptRows`). From those, :func:`resample_stat` evaluates any resample exactly
(counts (B, n) -> every loss and scalar metric), :func:`linear_replicates` evaluates
``n_boot`` resamples by the linear path on large data, and :func:`intervals` turns either
into the report's ``ci`` section.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from losscli import progress
from losscli.metrics.catalog import loss_key
from losscli.pipeline.state import PERPLEXITY
from losscli.records import record

if TYPE_CHECKING:
    from losscli.metrics.term_matrix import KeptColumns

LINEAR_MIN_ROWS = 50_000
"""Fewest rows for the linear ``--bootstrap`` path; smaller data is resampled exactly."""


@record
class KeptRows:
    """What a ``keep_rows`` run kept to resample its statistics.

    ``loss_rows[name]`` holds that loss's per-row sums, k columns kept chunk by chunk
    (:class:`losscli.metrics.term_matrix.KeptColumns`: a chunk's constant column, e.g. the
    unweighted mean's denominator of ones, as one value),
    ``metric_rows`` one (n_chunk,) bool per chunk (False: an ``--ignore-index`` row the
    metrics left out); ``metrics_acc`` is the run's metrics accumulator (kept rows inside).
    """

    task: str
    loss_names: list[str]
    params: dict[str, Any]
    loss_rows: dict[str, KeptColumns]
    metric_rows: list[np.ndarray]
    metrics_acc: Any
    n_rows: int
    zero_division: str | float = "warn"


def finite(value: float | None) -> float:
    """A statistic as a float, NaN when it is undefined (None, NaN or infinite).

    >>> finite(None), finite(float("inf")), finite(2)
    (nan, nan, 2.0)
    """
    if value is None or not math.isfinite(value):
        return math.nan
    return float(value)


def resample_stat(
    run: KeptRows, then: KeptRows | None = None
) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """The statistics of a resample: counts (b, n_rows) -> ``{name: (b,) values}``.

    Losses come from ``counts @ rows`` of each loss's per-row sums, the metrics from the
    accumulator's ``resample`` (rows an ``--ignore-index`` label kept out of the metrics are
    left out there too). With ``then`` (another run of the same plan), the rows are ``run``'s
    followed by ``then``'s: counts (b, n + n_then).
    """
    from losscli import losses as L

    runs = [run] if then is None else [run, then]
    params = run.params
    rows_t = {  # (k, n): each sum's per-row terms contiguous
        n: np.ascontiguousarray(np.concatenate([r.loss_rows[n].matrix() for r in runs]).T)
        for n in _resampled(run)
    }
    seen_parts = [m for r in runs for m in r.metric_rows]
    seen = np.concatenate(seen_parts) if seen_parts else np.zeros(0, bool)
    metric_cols = None if seen.all() else np.flatnonzero(seen)
    acc = run.metrics_acc
    if then is not None:
        acc = copy.deepcopy(acc).merge(then.metrics_acc)
    task, zd = run.task, run.zero_division

    def stat(counts: np.ndarray) -> dict[str, np.ndarray]:
        b = counts.shape[0]
        out: dict[str, np.ndarray] = {}
        for name, rt in rows_t.items():
            # multiply + sum per resample, not a matmul: a threaded BLAS call stalls for
            # milliseconds whenever the other cores are busy
            out[_key(name)] = np.array(
                [finite(_finalize(L, name, task, (counts[j] * rt).sum(axis=1), params))
                 for j in range(b)]
            )  # fmt: skip
        mc = counts if metric_cols is None else counts[:, metric_cols]
        if task == "regression":
            resampled = acc.resample(mc)
        else:
            resampled = acc.resample(mc, zero_division=zd)
        for j, metrics in enumerate(resampled):
            for name, value in metrics.items():
                if name not in out:
                    out[name] = np.full(b, np.nan)
                out[name][j] = finite(value)
        return out

    return stat


def _resampled(run: KeptRows) -> list[str]:
    """The losses resampled, and ``perplexity`` when its NLL rows were kept."""
    return [*run.loss_names, *([PERPLEXITY] if PERPLEXITY in run.loss_rows else [])]


def _key(name: str) -> str:
    """A resampled statistic's key: ``perplexity`` is a metric, the rest losses."""
    return name if name == PERPLEXITY else loss_key(name)


def _finalize(L: Any, name: str, task: str, sums: np.ndarray, params: Any) -> float | None:
    """A loss from its summed rows; ``perplexity`` is ``exp`` of the unweighted mean NLL."""
    if name == PERPLEXITY:
        return perplexity(sums)
    return L.finalize(name, task, sums, params=params)


def perplexity(sums: np.ndarray | None) -> float | None:
    """``exp(sum NLL / count)`` from ``ce``'s sums (None without evaluated rows or when it
    overflows).

    >>> perplexity(np.array([2 * np.log(4.0), 2.0]))
    4.0
    """
    if sums is None or sums[1] <= 0:
        return None
    with np.errstate(over="ignore"):
        value = float(np.exp(sums[0] / sums[1]))
    return value if math.isfinite(value) else None


def linear_replicates(run: KeptRows, n_boot: int, seed: int) -> dict[str, np.ndarray] | None:
    """Every loss and scalar metric of ``n_boot`` resamples by the linear path.

    The fast path of ``--bootstrap`` (:func:`losscli.bootstrap.linear_blocks` with
    :class:`losscli.metrics.linear.LinearClassification`): binary and multi-class data of
    at least ``LINEAR_MIN_ROWS`` rows whose ranked classes each have enough positives and
    negatives, every row seen by the metrics (no ``--ignore-index`` rows). The loss sums
    and every metric but AUC / AP are exact functions of the resampled sums; AUC / AP use
    their first-order expansion. None when the data does not qualify (the caller then
    evaluates each resample exactly).

    Returns:
        ``{name: float64 (B,)}``, NaN where a statistic is undefined; or None.
    """
    from losscli.bootstrap import linear_blocks

    setup = _linear_setup(run)
    if setup is None:
        return None
    terms, evaluate = setup
    out: dict[str, list[float]] = {}
    done = 0
    for dense, segs in linear_blocks(terms, n_boot, seed):
        evaluate(dense, segs, out)
        done += dense.shape[0]
        progress.report("resamples", done, n_boot, "resamples")
    return {name: np.array(v) for name, v in out.items()}


def paired_linear_setup(run_a: KeptRows, run_b: KeptRows) -> tuple[Any, Any, Any] | None:
    """The joint terms of :func:`paired_linear_deltas` and each run's statistics function:
    ``(paired, eval_a, eval_b)`` (:func:`losscli.pairing.pair_terms` of both runs' linear
    terms), or None unless both runs qualify for :func:`linear_replicates`. Separate so that
    ``compare`` can build it beside the swaps' blocks."""
    from losscli._memory import release_freed
    from losscli.pairing import pair_terms

    # ranking and row terms one after the other, not side by side: this runs beside the
    # swaps' blocks (the cores busy already), so their peaks apart cost little time
    setups = [_linear_setup(run_a, overlap=False)]
    release_freed()  # each setup's one-off peak on the pages the last one freed
    setups.append(_linear_setup(run_b, overlap=False))
    if setups[0] is None or setups[1] is None or run_a.n_rows != run_b.n_rows:
        return None
    (terms_a, eval_a), (terms_b, eval_b) = setups  # type: ignore[misc]
    del setups
    release_freed()
    # both models' terms in one row order: one draw of the counts and one product per slab
    paired = pair_terms(terms_a, terms_b, consume=True)  # each model's terms freed as joined
    return paired, eval_a, eval_b


def paired_linear_deltas(
    run_a: KeptRows,
    run_b: KeptRows,
    n_boot: int,
    seed: int,
    setup: tuple[Any, Any, Any] | None = None,
) -> dict[str, np.ndarray] | None:
    """The ``n_boot`` paired bootstrap replicates of ``b - a`` by the linear path.

    Formula: ``delta_j = stat(B, c_j) - stat(A, c_j)`` where ``c_j`` are the Poisson counts
    of resample j (:func:`losscli.bootstrap.poisson_counts` of stream j) drawn over the
    positions of one row order holding both runs' terms (:func:`losscli.pairing.pair_terms`),
    position p weighing row ``order[p]`` in A and in B alike: one draw per row and resample,
    shared by both models (paired), and no gather from row order
    (:func:`losscli.bootstrap.linear_blocks` of the joint terms). The rows' counts are i.i.d.
    Poisson(1) whatever the order, so this is the Poisson bootstrap; but not the exact path's
    counts of each row (those are drawn in row order). Each run's statistics are those of
    :func:`linear_replicates`. None unless both
    runs qualify for :func:`linear_replicates` (the caller then resamples exactly).

    Args:
        run_a, run_b: the kept rows of the two runs (same rows, same plan).
        n_boot: number of resamples.
        seed: the seed of the draws.
        setup: :func:`paired_linear_setup` of the two runs, when already built.

    Returns:
        ``{name: float64 (B,)}``, NaN where a statistic is undefined in A or B; or None.
    """
    from dataclasses import replace

    from losscli.bootstrap import linear_blocks

    if setup is None:
        setup = paired_linear_setup(run_a, run_b)
    if setup is None:
        return None
    paired, eval_a, eval_b = setup
    del setup
    out_a: dict[str, list[float]] = {}
    out_b: dict[str, list[float]] = {}
    # the counts drawn in the joint order itself (position p: row order[p]), no gather
    blocks = linear_blocks(replace(paired.terms, order=None), n_boot, seed)
    for dense, segs in _collected(blocks, "resamples", n_boot):
        assert segs is not None
        (dense_a, segs_a), (dense_b, segs_b) = paired.split(dense, segs)
        eval_a(dense_a, segs_a, out_a)
        eval_b(dense_b, segs_b, out_b)
    return {name: np.array(out_b[name]) - np.array(v) for name, v in out_a.items() if name in out_b}


def paired_swap_deltas(
    run_a: KeptRows,
    run_b: KeptRows,
    n_perm: int,
    seed: int,
    on_terms: Callable[[], None] | None = None,
) -> dict[str, np.ndarray] | None:
    """``stat(B') - stat(A')`` of the randomisation test's ``n_perm`` swaps, from sums.

    Formula: swap j exchanges the A and B outputs of the row at position p of the swap
    terms' order where its bit ``s_jp`` is 1 (:func:`losscli.swaps.swap_bits`: one fair bit
    per row, drawn in that order, not the exact path's draws); every loss and metric sum of
    the swapped models is ``base_A + s_j @ (X_B - X_A)`` and ``base_B - s_j @ (X_B - X_A)``
    (:func:`losscli.swaps.swap_blocks`), the statistics exact functions of those sums, ROC AUC
    exact and AP to first order (:class:`losscli.metrics.swap_linear.SwapClassification`).
    None unless both runs qualify for :func:`linear_replicates` and no partial AUC is asked
    for (the caller then evaluates each swap exactly).

    Args:
        run_a, run_b: the kept rows of the two runs (same rows, same plan).
        n_perm: number of swaps.
        seed: the run's ``--seed``.
        on_terms: called once the swap terms are built (their one-off peak past), before
            the swaps' blocks run (``compare`` starts the bootstrap's setup there).

    Returns:
        ``{name: float64 (n_perm,)}``, NaN where a statistic is undefined in A' or B'; or None.
    """
    from losscli import losses as L
    from losscli.metrics.swap_linear import SwapClassification
    from losscli.swaps import SwapTerms, swap_blocks

    if not (_qualifies(run_a) and _qualifies(run_b)) or run_a.n_rows != run_b.n_rows:
        return None
    if not SwapClassification.usable(run_a.metrics_acc):
        return None
    names = _resampled(run_a)
    if names != _resampled(run_b):
        return None
    extra = [(run_a.loss_rows[k], run_b.loss_rows[k]) for k in names]  # chunks, joined later
    swap = SwapClassification(run_a.metrics_acc, run_b.metrics_acc, run_a.zero_division, extra)
    if swap.n != run_a.n_rows:
        return None
    terms = SwapTerms(swap.dense, swap.bounds, swap.seg_cols, swap.shift)
    swap.order = None  # type: ignore[assignment]  # the bits are drawn in it: no longer needed
    if on_terms is not None:
        on_terms()
    params, task = run_a.params, run_a.task
    spans = []
    col = swap.n_layout
    for name in names:
        k = run_a.loss_rows[name].width
        spans.append((name, col, col + k))
        col += k
    out: dict[str, list[np.ndarray]] = {}
    for dense, segs in _collected(swap_blocks(terms, n_perm, seed), "permutations", n_perm):
        sums_a, sums_b = swap.extra_sums(dense)
        for name, lo, hi in spans:
            d = [
                finite(_finalize(L, name, task, sums_b[j, lo:hi], params))
                - finite(_finalize(L, name, task, sums_a[j, lo:hi], params))
                for j in range(dense.shape[0])
            ]
            out.setdefault(_key(name), []).append(np.array(d))
        for name, values in swap.deltas(dense, segs).items():
            out.setdefault(name, []).append(values)
    return {name: np.concatenate(v) for name, v in out.items()}


def _collected(blocks: Iterator[Any], stage: str, total: int) -> list[Any]:
    """Every block of a linear path's worker threads, reporting ``stage`` as they come.

    The statistics are built from the blocks afterwards, on the calling thread: built while
    the workers run, that Python code holds the GIL the workers need between their numpy
    calls, and each side waits for the other (about five times slower here at 1M rows).
    A block is small (its sums, not its rows), so holding them all costs little memory.
    """
    out = []
    done = 0
    for block in blocks:
        out.append(block)
        first = block[0] if isinstance(block, list) else block
        done += first[0].shape[0]
        progress.report(stage, done, total, stage)
    return out


def _qualifies(run: KeptRows) -> bool:
    """Whether a run's statistics can be resampled (and swapped) from linear sums: binary
    or multi-class, at least ``LINEAR_MIN_ROWS`` rows, every row seen by the metrics, and
    every ranked class with enough positives and negatives."""
    from losscli.metrics.linear import LinearClassification

    if run.task not in ("binary", "multiclass") or run.n_rows < LINEAR_MIN_ROWS:
        return False
    return all(m.all() for m in run.metric_rows) and LinearClassification.usable(run.metrics_acc)


def _linear_setup(
    run: KeptRows, overlap: bool = True
) -> tuple[Any, Callable[[np.ndarray, Any, dict[str, list[float]]], None]] | None:
    """The linear terms of a run and the function turning a block of sums into statistics
    (appended to ``{name: [values]}``); None when the run does not qualify. ``overlap``: as
    :class:`losscli.metrics.linear.LinearClassification`'s."""
    from losscli import losses as L
    from losscli.bootstrap import LinearTerms
    from losscli.metrics.linear import LinearClassification

    acc = run.metrics_acc
    if not _qualifies(run):
        return None
    # the loss rows as kept (chunks): joined a column at a time, after the ranking's peak
    extra = [run.loss_rows[name] for name in _resampled(run)]
    lin = LinearClassification(acc, run.zero_division, extra=extra, overlap=overlap)
    del extra
    if lin.n != run.n_rows:
        return None
    terms = LinearTerms(lin.dense, lin.base, lin.bounds, lin.seg_cols, lin.seg_base, lin.order)
    # the terms hold the per-row arrays now (metrics_batch needs none of them), so whoever
    # drops the terms (compare, once both models' are joined) frees them
    lin.dense = lin.seg_cols = lin.order = None  # type: ignore[assignment]
    params, task = run.params, run.task
    spans = []
    col = lin.n_metric_cols
    for name in _resampled(run):
        k = run.loss_rows[name].width
        spans.append((name, col, col + k))
        col += k

    def evaluate(dense: np.ndarray, segs: Any, out: dict[str, list[float]]) -> None:
        assert segs is not None
        for b in range(dense.shape[0]):
            row = dense[b]
            for name, lo, hi in spans:
                value = _finalize(L, name, task, row[lo:hi], params)
                out.setdefault(_key(name), []).append(finite(value))
        for name, values in lin.metrics_batch(dense, segs).items():  # the block at once
            out.setdefault(name, []).extend(values.tolist())

    return terms, evaluate


def intervals(
    run: KeptRows,
    losses: dict[str, float | None],
    metrics: dict[str, float | None],
    warnings: list[str],
    *,
    n_boot: int,
    level: float,
    seed: int,
) -> dict[str, Any]:
    """The report's ``ci`` section: a percentile interval of every defined loss and metric.

    Args:
        run: the run's kept rows.
        losses, metrics: the point values (None: undefined, no interval).
        warnings: the run's warnings; one is appended naming the statistics without an
            interval (undefined in too many resamples).
        n_boot: ``--bootstrap``, the number of Poisson resamples.
        level: ``--ci``, e.g. 0.95.
        seed: ``--seed``.

    Returns:
        ``{"level", "n_boot", "method", "resampling", "evaluation", "seed", "intervals"}``,
        ``intervals`` mapping each statistic to ``[low, high]`` or None.
    """
    from losscli.bootstrap import bootstrap, percentile_interval

    reps = linear_replicates(run, n_boot, seed)
    if reps is not None:
        ci = {name: percentile_interval(v, level) for name, v in reps.items()}
    else:
        ci, _ = bootstrap(resample_stat(run), run.n_rows, n_boot=n_boot, level=level, seed=seed)
    out: dict[str, Any] = {}
    keyed = {loss_key(name): value for name, value in losses.items()}
    for name, value in {**keyed, **metrics}.items():
        if value is not None:
            out[name] = None if ci.get(name) is None else list(ci[name])
    skipped: list[str] = []
    if reps is not None:  # the linear path: what it does not resample, said so
        from losscli.metrics.linear import linear_skipped

        skipped = [n for n in linear_skipped(run.metrics_acc) if n in out]
        if skipped:
            warnings.append(
                f"--bootstrap: no interval for {', '.join(skipped)}: the linear path (large "
                "data) does not resample them"
            )
    missing = [n for n, v in out.items() if v is None and n not in skipped]
    if missing:
        warnings.append(
            f"--bootstrap: no interval for {', '.join(missing)} (undefined in too many resamples)"
        )
    return {
        "level": level,
        "n_boot": n_boot,
        "method": "percentile",
        "resampling": "poisson",
        "evaluation": "exact" if reps is None else "linear",
        "seed": seed,
        "intervals": out,
    }
