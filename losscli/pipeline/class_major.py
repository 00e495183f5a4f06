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
from losscli.pipeline.state import EvalState, chunk_moments

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
    at = None if keep.all() else np.flatnonzero(keep)  # the evaluated elements
    safe = (hard if at is None else np.where(keep, hard, 0)).astype(np.intp)
    cw, smoothing = params.get("class_weights"), float(params.get("label_smoothing") or 0.0)
    w = class_weight_vector(cw, c) if smoothing > 0 else None
    terms = class_major_rows(z, safe, w, smoothing > 0)
    kept = terms if at is None else terms.take(at)
    y_kept = safe if at is None else safe[at]
    per = dense.layout.per_sample  # each evaluated element's image (one image: None)
    n_img = -(-p.chunk.n // per)
    image = None if n_img == 1 else (p.chunk.start + p.rows) // per - p.chunk.start // per
    image_kept = image if image is None or at is None else image[at]
    count, cm = _image_counts(image_kept, y_kept, kept.pred, n_img, c)
    plain = cw is None and smoothing == 0  # ce is the NLL -log p_y
    if plain or perplexity:
        nll = np.negative(kept.logp_true)  # of each evaluated element
        nll_sums = np.array([nll.sum(), float(nll.size)])
        nll_moments = chunk_moments(nll)
    if plain:  # ce's sums are the NLL's, per image too
        sums, moments = nll_sums, nll_moments
        by_image = (
            nll_sums[None]
            if image_kept is None
            else np.stack([np.bincount(image_kept, nll, n_img), count.astype(np.float64)], axis=1)
        )
    else:
        per_el, d = ce_from_log_prob(
            terms.logp_true, terms.wlogp, y_true, c, class_weights=cw,
            label_smoothing=smoothing, ignore_index=ignore,
        )  # fmt: skip
        sums = np.array([per_el.sum(), d.sum()])
        moments = chunk_moments(per_el if at is None else per_el[at])
        by_image = _by_image(image, n_img, sums, per_el, d)
    for name in loss_names:
        state.loss_acc[name].add(sums, moments)
    if perplexity:
        state.loss_acc["perplexity"].add(nll_sums, nll_moments)
    if at is not None:
        state.n_ignored += int(keep.size - at.size)
    add_class_major(state.metrics_acc, y_kept, kept, cm.sum(axis=0) if n_img > 1 else cm[0])
    images = dense.update(
        p.chunk.start,
        p.chunk.n,
        p.rows,
        hard,
        terms.pred,
        None if at is None else keep,
        dict.fromkeys(loss_names, by_image),
        lambda n, s: losses.finalize(n, plan.task, s, params=params),
        counts=(count, cm.astype(np.float64)),
    )
    sums = samplewise_sums(images)
    state.dense = sums if state.dense is None else state.dense + sums
    if per_sample is not None:
        per_sample.write(images)
    state.n_rows += int(p.rows.size)
    return True


def _image_counts(
    image: np.ndarray | None, y: np.ndarray, pred: np.ndarray, n_img: int, c: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per image the evaluated elements (int64 ``(n_img,)``) and the confusion counts (int64
    ``(n_img, C, C)``, rows true): one ``bincount``, shared by the per-image rows and the
    metrics (their sum over the images)."""
    key = y * c + pred if image is None else (image * c + y) * c + pred
    cm = np.bincount(key, minlength=n_img * c * c).reshape(n_img, c, c)
    count = np.array([y.size]) if image is None else np.bincount(image, minlength=n_img)
    return count.astype(np.int64), cm


def _by_image(
    image: np.ndarray | None, n_img: int, sums: np.ndarray, per: np.ndarray, d: np.ndarray
) -> np.ndarray:
    """``(n_img, 2)`` a loss's sums per image (``[sum l, sum d]``) from its per-element terms
    ``per`` and denominators ``d`` (``image``: each one's image; None: one image, ``sums``)."""
    if image is None:
        return sums[None]
    return np.stack([np.bincount(image, per, n_img), np.bincount(image, d, n_img)], axis=1)
