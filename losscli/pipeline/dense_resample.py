"""``--bootstrap`` and ``compare`` on dense arrays: the sample (image, sequence) is the unit.

The elements of one image are not independent (neighbouring pixels share the object, the
lighting, the model's mistake), so resampling elements would give intervals far too narrow.
A dense run resamples whole samples instead: :class:`ImageSums` keeps, per sample, every
additive sum its statistics are made of (each loss's sums, the metrics accumulator's
:class:`~losscli.metrics.state.Sums`: confusion counts, calibration bins, binned ranking
histograms, ...; the sample's IoU / Dice for the samplewise scores). A resample gives sample
i the Poisson(1) multiplicity ``c_i`` (:func:`losscli.bootstrap.draw_counts`, over the
samples); its sums are ``S = sum_i c_i S_i`` and every statistic is computed from ``S`` by
the formulas of the point value (``losses.finalize``, the accumulator's
:meth:`~losscli.metrics.ClassificationAccumulator.metrics_of`, ``dense_metrics``). Memory is
per sample, whatever its number of elements: a few dense sums, and its confusion-cell /
calibration-bin counts and binned ranking counts kept sparse (:class:`SparseRows`: at most
one entry per element and class, and never more than the ``2 C B`` bins of ``--auc-bins``).
``compare`` pairs by sample: the same counts for A and B, and the randomisation test swaps
whole samples between them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.errors import StrictWarning
from losscli.metrics.catalog import loss_key
from losscli.pipeline.dense import DenseLayout, dense_metrics
from losscli.pipeline.intervals import finite, perplexity
from losscli.pipeline.state import PERPLEXITY, update_metrics

__all__ = ["ImageSums", "SparseRows", "UNIT_NOTE", "dense_ci", "dense_intervals"]

UNIT_NOTE = (
    "--bootstrap resamples whole samples (axis 0: images, sequences), each with all its "
    "elements, not single elements: the elements of one sample are not independent"
)
"""The inference note of a dense ``--bootstrap`` run."""


class SparseRows:
    """Per-sample vectors kept sparse: ``(sample, column, values)`` triplets, summed under
    sample weights (``weighted``). A sample adds at most one entry per element and class
    (a token sequence of 20 tokens: 20 C entries, not 2 C B), so memory follows the data.

    >>> sp = SparseRows(3, 2)
    >>> sp.add(np.array([0, 1, 1]), np.array([2, 0, 2]), np.array([[1, 2, 3], [10, 20, 30.0]]).T)
    >>> sp.weighted(np.array([[2.0, 1.0]])).tolist()  # (values, resamples, columns)
    [[[2.0, 0.0, 5.0]], [[20.0, 0.0, 50.0]]]
    """

    def __init__(self, width: int, n_values: int = 1) -> None:
        self.width = width
        self.n_values = n_values
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.dense: np.ndarray | None = None  # (n_values, n, width) when that is smaller

    def add(self, sample: np.ndarray, col: np.ndarray, vals: np.ndarray) -> None:
        """Add entries: ``vals`` (nnz, n_values) at (sample, column)."""
        self.parts.append((sample.astype(np.int64), col.astype(np.int64), vals))
        self.dense = None

    def stacked(self, other: SparseRows | None, offset: int) -> SparseRows:
        """These entries, then ``other``'s with their samples moved by ``offset``."""
        out = SparseRows(self.width, self.n_values)
        out.parts = list(self.parts)
        if other is not None:
            out.parts += [(r + offset, c, v) for r, c, v in other.parts]
        return out

    def weighted(self, counts: np.ndarray) -> np.ndarray:
        """``sum_i counts[b, i] x_i`` per resample b: (n_values, b, width)."""
        counts = np.asarray(counts, dtype=np.float64)
        b, n = counts.shape
        rows = np.concatenate([r for r, _, _ in self.parts]) if self.parts else np.zeros(0, int)
        cols = np.concatenate([c for _, c, _ in self.parts]) if self.parts else rows
        vals = (
            np.concatenate([v for _, _, v in self.parts])
            if self.parts
            else np.zeros((0, self.n_values))
        )
        if len(self.parts) > 1:  # concatenated once, not per block of resamples
            self.parts = [(rows, cols, vals)]
        if rows.size * 4 >= n * self.width:  # dense is no bigger: one matrix product
            if self.dense is None or self.dense.shape[1] != n:
                self.dense = np.zeros((self.n_values, n, self.width))
                for k in range(self.n_values):
                    np.add.at(self.dense[k], (rows, cols), vals[:, k])
            return np.stack([counts @ self.dense[k] for k in range(self.n_values)])
        out = np.empty((self.n_values, b, self.width))
        for j in range(b):
            cw = counts[j, rows]
            for k in range(self.n_values):
                out[k, j] = np.bincount(cols, cw * vals[:, k], minlength=self.width)
        return out


def _sparse(
    local: np.ndarray, col: np.ndarray, width: int, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (sample, column) the rows' count and the sum of ``weights``: the triplets."""
    key = local.astype(np.int64) * width + col
    uniq, inv = np.unique(key, return_inverse=True)
    vals = [np.bincount(inv, minlength=uniq.size).astype(np.float64)]
    if weights is not None:
        vals.append(np.bincount(inv, weights, minlength=uniq.size))
    return uniq // width, uniq % width, np.stack(vals, axis=1)


class ImageSums:
    """Per-sample sufficient statistics of a dense run, resampled by sample.

    Per sample: each loss's summed rows, the metrics' per-row term sums
    (:class:`~losscli.metrics.resample.ClassificationRows`: total weight, log loss, Brier,
    top-k, multi-label per-row sums), its (confusion cell, calibration bin) counts and
    confidences and its binned ranking counts (:func:`~losscli.metrics.keys.hist_index`),
    the last two as :class:`SparseRows`; its IoU / Dice for the samplewise scores. A
    resample's :class:`~losscli.metrics.state.Sums` come back through the bootstrap's own
    ``TermLayout.fill`` and ``cell_sums``, so its metrics are those of the images repeated.

    Args:
        layout: the run's :class:`~losscli.pipeline.dense.DenseLayout`.
        metrics_acc: the run's metrics accumulator (its settings, binned ranking).
        loss_names: the losses accumulated (``perplexity`` included when kept).
        finalize: ``(name, sums) -> value`` of a loss.
        no_background: ``--no-background`` (class 0 out of ``miou`` / ``mdice``).
        zero_division: ``--zero-division`` of the point values (set again by the run).

    >>> from losscli.metrics import ClassificationAccumulator
    >>> acc = ClassificationAccumulator("binary", 2, auc_bins=4)
    >>> im = ImageSums(DenseLayout("binary", None, None, 2, (2,)), acc, [], None)
    >>> y, p = np.array([1.0, 0.0, 1.0, 1.0]), np.array([0.9, 0.2, 0.1, 0.8])
    >>> im.update(0, 4, np.arange(4), y, p, None, None, {}, {"miou": np.array([1.0, 0.5])})
    >>> im.n_images
    2
    >>> round(float(im.stat([])(np.array([[1, 0]]))["accuracy"][0]), 3)
    1.0
    """

    def __init__(
        self,
        layout: DenseLayout,
        metrics_acc: Any,
        loss_names: list[str],
        finalize: Callable[[str, np.ndarray], float | None] | None,
        no_background: bool = False,
        zero_division: str | float = "warn",
    ) -> None:
        self.layout = layout
        self.acc = metrics_acc
        self.loss_names = list(loss_names)
        self.finalize = finalize
        self.no_background = no_background
        self.zero_division = zero_division
        self.widths: dict[str, int] = {}
        self.parts: list[np.ndarray] = []  # dense (n_img, D) per chunk
        dims = metrics_acc.dims
        self.n_hist = dims.n_classes * dims.auc_bins * 2
        self.n_cells = 0
        self.correct_cells = np.zeros(0, np.intp)
        self.joint: SparseRows | None = None  # (cell, calibration bin): count, confidence
        self.hist = SparseRows(self.n_hist)
        self.n_images = 0

    def update(
        self,
        start: int,
        n: int,
        rows: np.ndarray,
        hard: np.ndarray,
        probs: np.ndarray,
        key: np.ndarray | None,
        keep: np.ndarray | None,
        loss_rows: dict[str, np.ndarray],
        images: dict[str, np.ndarray],
    ) -> None:
        """Add one chunk of whole samples: per sample its loss sums, metric sums and
        IoU / Dice (``images``: :meth:`~losscli.pipeline.dense.DenseStats.update`'s rows).

        Args:
            start, n: the chunk's first element row and its rows (whole samples).
            rows: (m,) the rows read, ascending.
            hard, probs, key: the metrics' labels, probabilities and ranking key (or None).
            keep: (m,) the evaluated elements, or None for all.
            loss_rows: per loss its (m, k) additive rows.
            images: per-sample ``miou`` / ``mdice`` (NaN: no score).
        """
        from losscli.metrics.keys import hist_index
        from losscli.metrics.resample import ClassificationRows

        per = self.layout.per_sample
        n_img = -(-n // per)
        local = (start + rows) // per - start // per
        blocks: list[np.ndarray] = []
        for name in self.loss_names:  # an ignored element's rows add 0 (as the point value)
            lr = loss_rows[name]
            self.widths[name] = lr.shape[1]
            blocks.append(
                np.stack([np.bincount(local, lr[:, j], n_img) for j in range(lr.shape[1])], 1)
            )
        acc = type(self.acc)(dataclasses.replace(self.acc.settings, keep_rows=True))
        update_metrics(acc, hard, probs, None, keep, key)
        lk = local if keep is None else local[keep]
        terms = ClassificationRows(acc, with_ranks=False)
        blocks.append(np.stack([np.bincount(lk, t, n_img) for t in terms.terms], 1))
        n_joint = terms.n_cells * acc.ece_bins
        if self.joint is None:
            self.joint = SparseRows(n_joint, 2)
            self.n_cells, self.correct_cells = terms.n_cells, terms.correct_cells
        r, col, v = _sparse(np.repeat(lk, terms.per_row), terms.joint, n_joint, terms.conf)
        self.joint.add(r + self.n_images, col, v)
        if self.n_hist:
            yt, k, _ = acc.key_rows()
            idx = hist_index(acc.settings, yt, k)
            c = idx.shape[1]
            r, col, v = _sparse(np.repeat(lk, c), idx.ravel(), self.n_hist)
            self.hist.add(r + self.n_images, col, v)
        for name in ("miou", "mdice"):
            v = np.asarray(images.get(name, np.full(n_img, np.nan)), dtype=np.float64)
            blocks.append(np.where(np.isnan(v), 0.0, v)[:, None])
        blocks.append((~np.isnan(np.asarray(images.get("miou", np.full(n_img, np.nan)))))[:, None])
        self.parts.append(np.concatenate([b.astype(np.float64) for b in blocks], axis=1))
        self.n_images += n_img

    def matrix(self) -> np.ndarray:
        """(n_images, D): every sample's dense sums (losses, terms, IoU / Dice), one row each."""
        if len(self.parts) > 1:
            self.parts = [np.concatenate(self.parts)]
        return self.parts[0] if self.parts else np.zeros((0, 0))

    def stat(
        self, names: list[str], then: ImageSums | None = None
    ) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
        """The statistics of a resample of samples: counts (b, n_images) -> ``{name: (b,)}``
        (every name of ``names`` present, NaN where it is not resampled or undefined).

        With ``then`` (the other run of ``compare``, same samples and settings), the samples
        are this run's followed by ``then``'s: counts (b, 2 n_images).
        """
        from losscli.metrics.resample import cell_sums
        from losscli.metrics.state import CLASSIFICATION_SUMS, Sums

        mat = self.matrix()
        joint = self.joint if self.joint is not None else SparseRows(0, 2)
        hist = self.hist
        if then is not None:
            mat = np.concatenate([mat, then.matrix()])
            joint = joint.stacked(then.joint, self.n_images)
            hist = hist.stacked(then.hist, self.n_images)
        acc, task, zd = self.acc, self.acc.task, self.zero_division
        layout, dims = acc.layout, acc.dims
        spans: list[tuple[str, int, int]] = []
        col = 0
        for name in self.loss_names:
            spans.append((name, col, col + self.widths[name]))
            col += self.widths[name]
        t_lo, t_hi = col, col + layout.width
        n_cells, correct = self.n_cells, self.correct_cells

        def stat(counts: np.ndarray) -> dict[str, np.ndarray]:
            counts = np.asarray(counts, dtype=np.float64)
            sums = counts @ mat  # (b, D)
            cells = joint.weighted(counts)  # (2, b, n_joint)
            hists = hist.weighted(counts)[0] if self.n_hist else None
            b = sums.shape[0]
            out = {name: np.full(b, np.nan) for name in names}
            for j in range(b):
                row = sums[j]
                for name, lo, hi in spans:
                    if name == PERPLEXITY:
                        value, key = perplexity(row[lo:hi]), name
                    else:
                        value, key = self._loss(name, row[lo:hi]), loss_key(name)
                    out.setdefault(key, np.full(b, np.nan))[j] = finite(value)
                s = Sums.zeros(CLASSIFICATION_SUMS, dims)
                layout.fill(s, row[t_lo:t_hi])
                cell_sums(s, n_cells, correct, cells[0, j], cells[1, j], task)
                if hists is not None:
                    s.hist = hists[j].reshape(s.hist.shape)
                metrics = dict(acc.metrics_of(s, zd))
                metrics.update(dense_metrics(s.cm, task, self.no_background))
                iou, dice, scored = row[t_hi:]
                metrics["miou_samplewise"] = iou / scored if scored > 0 else None
                metrics["dice_samplewise"] = dice / scored if scored > 0 else None
                for name, value in metrics.items():
                    if isinstance(value, (int, float)) or value is None:
                        out.setdefault(name, np.full(b, np.nan))[j] = finite(value)
            return out

        return stat

    def _loss(self, name: str, sums: np.ndarray) -> float | None:
        assert self.finalize is not None
        return self.finalize(name, sums)


def dense_intervals(
    images: ImageSums,
    losses: dict[str, float | None],
    metrics: dict[str, float | None],
    warnings: list[str],
    *,
    n_boot: int,
    level: float,
    seed: int,
) -> dict[str, Any]:
    """The report's ``ci`` section of a dense run: percentile intervals over resamples of
    whole samples (``unit``: ``"sample"``; ``n_units``: the samples resampled).

    Args:
        images: the run's per-sample sums.
        losses, metrics: the point values (None: undefined, no interval).
        warnings: the run's warnings; one is appended naming the statistics without an
            interval.
        n_boot, level, seed: ``--bootstrap``, ``--ci``, ``--seed``.

    Returns:
        The ``ci`` section (as :func:`losscli.pipeline.intervals.intervals`, plus ``unit``
        and ``n_units``).
    """
    from losscli.bootstrap import bootstrap

    keyed = {loss_key(name): value for name, value in losses.items()}
    points = {**keyed, **metrics}
    names = [n for n, v in points.items() if isinstance(v, (int, float)) and math.isfinite(v)]
    ci, _ = bootstrap(images.stat(names), images.n_images, n_boot=n_boot, level=level, seed=seed)
    out: dict[str, Any] = {}
    for name, value in points.items():
        if value is not None and not isinstance(value, (list, dict)):
            out[name] = None if ci.get(name) is None else list(ci[name])
    missing = [n for n, v in out.items() if v is None]
    if missing:
        warnings.append(
            f"--bootstrap: no interval for {', '.join(missing)} (undefined in too many resamples)"
        )
    return {
        "level": level,
        "n_boot": n_boot,
        "method": "percentile",
        "resampling": "poisson",
        "unit": "sample",
        "n_units": images.n_images,
        "evaluation": "exact",
        "seed": seed,
        "intervals": out,
    }


def dense_ci(report: Any, spec: Any, images: ImageSums | None) -> None:
    """With ``--bootstrap`` (``spec``: the run's ``Specs``), the dense report's ``ci``
    section by :func:`dense_intervals` over ``images``, and :data:`UNIT_NOTE` in its
    inference list; nothing without ``--bootstrap``.

    Raises:
        StrictWarning: ``--strict`` and the bootstrap warned (a statistic without interval).
    """
    interval = spec.interval
    if not interval.bootstrap or images is None:
        return
    before = len(report.warnings)
    report.ci = dense_intervals(
        images,
        report.losses,
        report.metrics,
        report.warnings,
        n_boot=interval.bootstrap,
        level=interval.ci_level,
        seed=interval.seed,
    )
    report.inference.append(UNIT_NOTE)
    if spec.report.strict and len(report.warnings) > before:
        raise StrictWarning(f"--strict: {report.warnings[before]}")
