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
one vector per sample (about ``8 (2 C B + C^2 + k)`` bytes with C classes and B
``--auc-bins``), whatever the number of elements. ``compare`` pairs by sample: the same
counts for A and B, and the randomisation test swaps whole samples between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.metrics.catalog import loss_key
from losscli.pipeline.dense import DenseLayout, dense_metrics
from losscli.pipeline.intervals import finite, perplexity
from losscli.pipeline.state import PERPLEXITY, update_metrics

__all__ = ["ImageSums", "UNIT_NOTE", "dense_ci", "dense_intervals"]

UNIT_NOTE = (
    "--bootstrap resamples whole samples (axis 0: images, sequences), each with all its "
    "elements, not single elements: the elements of one sample are not independent"
)
"""The inference note of a dense ``--bootstrap`` run."""


class ImageSums:
    """Per-sample sufficient statistics of a dense run, resampled by sample.

    Args:
        layout: the run's :class:`~losscli.pipeline.dense.DenseLayout`.
        metrics_acc: the run's metrics accumulator (its settings, binned ranking); each
            sample's sums come from a fresh accumulator of the same settings.
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
        self.parts: list[np.ndarray] = []  # (n_img, D) per chunk
        self.n_images = 0

    def _fresh(self) -> Any:
        return type(self.acc)(self.acc.settings)

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
        per = self.layout.per_sample
        n_img = -(-n // per)
        local = (start + rows) // per - start // per
        bounds = np.searchsorted(local, np.arange(n_img + 1), side="left")
        blocks: list[np.ndarray] = []
        for name in self.loss_names:  # an ignored element's rows add 0 (as the point value)
            lr = loss_rows[name]
            self.widths[name] = lr.shape[1]
            blocks.append(
                np.stack([np.bincount(local, lr[:, j], n_img) for j in range(lr.shape[1])], 1)
            )
        metric = np.empty((n_img, 0))
        for i in range(n_img):
            a, b = bounds[i], bounds[i + 1]
            acc = self._fresh()
            part = slice(a, b)
            update_metrics(
                acc,
                hard[part],
                probs[part],
                None,
                None if keep is None else keep[part],
                None if key is None else key[part],
            )
            flat = _flatten(acc.sums)
            if i == 0:
                metric = np.empty((n_img, flat.size))
            metric[i] = flat
        blocks.append(metric)
        for name in ("miou", "mdice"):
            v = np.asarray(images.get(name, np.full(n_img, np.nan)), dtype=np.float64)
            blocks.append(np.where(np.isnan(v), 0.0, v)[:, None])
        blocks.append((~np.isnan(np.asarray(images.get("miou", np.full(n_img, np.nan)))))[:, None])
        self.parts.append(np.concatenate([b.astype(np.float64) for b in blocks], axis=1))
        self.n_images += n_img

    def matrix(self) -> np.ndarray:
        """(n_images, D): every sample's sums, one row each."""
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
        mat = self.matrix()
        if then is not None:
            mat = np.concatenate([mat, then.matrix()])
        acc, task, zd = self.acc, self.acc.task, self.zero_division
        spans: list[tuple[str, int, int]] = []
        col = 0
        for name in self.loss_names:
            spans.append((name, col, col + self.widths[name]))
            col += self.widths[name]
        m_lo = col
        m_hi = mat.shape[1] - 3
        template = self._fresh().sums

        def stat(counts: np.ndarray) -> dict[str, np.ndarray]:
            sums = np.asarray(counts, dtype=np.float64) @ mat  # (b, D)
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
                s = _unflatten(template, row[m_lo:m_hi])
                metrics = dict(acc.metrics_of(s, zd))
                metrics.update(dense_metrics(s.cm, task, self.no_background))
                iou, dice, scored = row[m_hi:]
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


def _flatten(sums: Any) -> np.ndarray:
    """Every sum of a :class:`~losscli.metrics.state.Sums`, raveled in its specs' order."""
    return np.concatenate(
        [np.ravel(np.asarray(getattr(sums, s.name), dtype=np.float64)) for s in sums.specs]
    )


def _unflatten(template: Any, flat: np.ndarray) -> Any:
    """A :class:`~losscli.metrics.state.Sums` of ``template``'s shapes from :func:`_flatten`."""
    from losscli.metrics.state import Sums

    values: dict[str, Any] = {}
    at = 0
    for spec in template.specs:
        ref = getattr(template, spec.name)
        if isinstance(ref, np.ndarray):
            values[spec.name] = flat[at : at + ref.size].reshape(ref.shape).astype(ref.dtype)
            at += ref.size
        else:
            values[spec.name] = float(flat[at])
            at += 1
    return Sums(template.specs, values)


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
    """With ``--bootstrap`` (``spec``: the run's ``IntervalSpec``), the dense report's
    ``ci`` section by :func:`dense_intervals` over ``images``, and :data:`UNIT_NOTE` in its
    inference list; nothing without ``--bootstrap``."""
    if not spec.bootstrap or images is None:
        return
    report.ci = dense_intervals(
        images,
        report.losses,
        report.metrics,
        report.warnings,
        n_boot=spec.bootstrap,
        level=spec.ci_level,
        seed=spec.seed,
    )
    report.inference.append(UNIT_NOTE)
