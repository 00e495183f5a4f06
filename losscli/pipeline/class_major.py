"""Dense multi-class chunks added class-major: one pass over each image's ``(C, P)`` logits.

A dense ``(N, C, d1..dk)`` input is read as rows whose transpose is the class-major block
(``io.dense_chunks``, ``Chunk.matrix``). When everything a run asks of a chunk follows from
the per-element terms of :func:`losscli.metrics.class_major.class_major_rows` (the argmax,
``log p_y``, ``p_y``, the confidence, the Brier term, the smoothing sum), the chunk is added
from them: ``ce`` (:func:`losscli.losses.multiclass.ce_from_log_prob`), ``perplexity``, the
metrics accumulator (:func:`~losscli.metrics.class_major.add_class_major`) and the per-image
statistics, each term computed once and no ``(P, C)`` copy made. The numbers are those of the
row path (``Accumulation.add``) to float rounding.

The row path stays for the rest (:func:`class_major_run` says which): other losses than
``ce``, scores other than logits, channels-last ``(N, d.., C)`` arrays (their rows are already
contiguous), ranking (``--auc-bins``), ``--top-k``, ``--bootstrap`` / ``compare`` (the
per-image resampling sums) and ``losscli thresholds`` (binary and multi-label only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli import losses
from losscli.losses.multiclass import ce_from_log_prob, class_weight_vector
from losscli.metrics.class_major import add_class_major, class_major_rows, fits_class_major
from losscli.pipeline.dense import DenseLayout, DenseStats, samplewise_sums
from losscli.pipeline.encode import metric_labels
from losscli.pipeline.plan import Plan
from losscli.pipeline.prepare import Prepared
from losscli.pipeline.state import EvalState

__all__ = ["add_class_major_chunk", "class_major_run"]


def class_major_run(
    plan: Plan, loss_names: list[str], dense: DenseLayout | None, *, keep_images: bool
) -> bool:
    """Whether a run's chunks can be added class-major: dense multi-class logits on axis 1,
    the losses ``ce`` only (or none), no per-image resampling sums (``keep_images``).

    >>> lay = DenseLayout("multiclass", 1, None, 2, (4,))
    >>> class_major_run(Plan("multiclass", "logits", "index"), ["ce"], lay, keep_images=False)
    True
    >>> class_major_run(Plan("multiclass", "logits", "index"), ["focal"], lay, keep_images=False)
    False
    """
    return (
        dense is not None
        and dense.task == "multiclass"
        and dense.score_axis == 1
        and plan.task == "multiclass"
        and plan.scores == "logits"
        and all(losses.get_spec(n).name == "ce" for n in loss_names)
        and not keep_images
    )


def add_class_major_chunk(
    p: Prepared,
    state: EvalState,
    *,
    plan: Plan,
    loss_names: list[str],
    params: dict[str, Any],
    dense: DenseStats,
    perplexity: bool,
    per_sample: Any = None,  # noqa: ANN401 - the per-sample writer
) -> bool:
    """Add one prepared chunk class-major (see the module); False, having added nothing,
    when the chunk does not fit (weights, slices, a metrics accumulator
    :func:`~losscli.metrics.class_major.fits_class_major` refuses): the caller adds it by rows.

    Args:
        p: the prepared chunk (``p.y_pred.T`` the ``(C, m)`` class-major logits: C-contiguous
            as ``io.dense_chunks`` reads them; strided when the plan's first rows or
            ``--drop-invalid`` copied them as rows: slower, the same numbers).
        state: the run's state.
        plan, loss_names, params: the run's plan, losses and checked loss parameters.
        dense: the run's :class:`~losscli.pipeline.dense.DenseStats`.
        perplexity: the state keeps ``perplexity``'s NLL sums.
        per_sample: the ``--per-sample`` writer (one row per image), or None.
    """
    z = p.y_pred.T
    y_true = p.y_true
    if (
        y_true.ndim != 1
        or p.weights is not None
        or p.groups is not None
        or not fits_class_major(state.metrics_acc)
    ):
        return False
    c = z.shape[0]
    ignore = params.get("ignore_index", -100)
    keep = y_true != ignore
    hard = metric_labels(plan, y_true)
    safe = np.where(keep, hard, 0).astype(np.intp)
    cw, smoothing = params.get("class_weights"), float(params.get("label_smoothing") or 0.0)
    w = class_weight_vector(cw, c) if smoothing > 0 else None
    terms = class_major_rows(z, safe, w, smoothing > 0)
    all_kept = bool(keep.all())
    results: dict[str, Any] = {}
    kept = None
    for name in loss_names:
        per, d = ce_from_log_prob(
            terms.logp_true, terms.wlogp, y_true, c, class_weights=cw,
            label_smoothing=smoothing, ignore_index=ignore,
        )  # fmt: skip
        results[name] = _chunk(per, d)
        kept = per if all_kept else per[keep]
        state.loss_acc[name].update(kept, results[name].sums)
    if perplexity:
        if cw is None and smoothing == 0 and loss_names:  # ce is the plain NLL: its sums
            state.loss_acc["perplexity"].update(kept, results[loss_names[0]].sums)
        else:
            res = _chunk(*_nll(terms.logp_true, keep))
            nll = res.per_sample if all_kept else res.per_sample[keep]
            state.loss_acc["perplexity"].update(nll, res.sums)
    if not all_kept:
        state.n_ignored += int(keep.size - np.count_nonzero(keep))
    at = None if all_kept else np.flatnonzero(keep)
    add_class_major(
        state.metrics_acc,
        hard if at is None else hard[at],
        terms if at is None else terms.take(at),
    )
    images = dense.update(
        p.chunk.start,
        p.chunk.n,
        p.rows,
        hard,
        terms.pred,
        None if all_kept else keep,
        {n: results[n].rows for n in loss_names},
        lambda n, s: losses.finalize(n, plan.task, s, params=params),
    )
    sums = samplewise_sums(images)
    state.dense = sums if state.dense is None else state.dense + sums
    if per_sample is not None:
        per_sample.write(images)
    state.n_rows += int(p.rows.size)
    return True


def _chunk(per: np.ndarray, d: np.ndarray) -> Any:  # noqa: ANN401 - a LossChunk
    """The :class:`~losscli.losses.LossChunk` of per-element losses and denominators,
    unweighted (as ``losses.compute`` gives it)."""
    rows = np.stack([per, d], axis=1)
    return losses.LossChunk(per_sample=per, sums=rows.sum(axis=0), rows=rows)


def _nll(logp_true: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The unweighted NLL ``-log p_y`` (0 where ignored) and its count, for ``perplexity``."""
    return np.where(keep, -logp_true, 0.0), keep.astype(np.float64)
