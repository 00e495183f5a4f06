"""``RegressionAccumulator``: mergeable MSE, RMSE, MAE, R^2, MAPE, explained variance, RMSLE,
median absolute error and max error.

Per output k the accumulator keeps weighted sums (``W``, ``sum w e^2``, ``sum w |e|``,
``sum w |e| / max(|y|, eps)``, ``sum w (log1p(y_hat) - log1p(y))^2``) and the weighted mean
and M2 of ``y_true`` and of the error ``e`` merged with Chan et al.'s pairwise update
(``M2 = M2_a + M2_b + d^2 W_a W_b / W``), never ``sum(y^2) - sum(y)^2 / n``. The median
absolute error needs every ``|e|``: the accumulator keeps them (float32 where exact, else
float64, plus the weights), 4 to 8 bytes a row and output. Metrics over K outputs are the plain
mean over outputs, as scikit-learn's ``multioutput="uniform_average"`` (RMSE and RMSLE: the
mean of the per-output values); ``r2_variance_weighted`` is scikit-learn's
``multioutput="variance_weighted"``.

Deliberate differences from scikit-learn:

- R^2 of an output whose y_true is constant (min == max over weighted rows) uses a
  denominator of exactly 0 (then 1.0 for a perfect fit, else 0.0, scikit-learn's
  ``force_finite``); scikit-learn's two-pass mean can leave a rounding residue there and
  return a huge negative number.
- R^2 from fewer than two rows is None (scikit-learn: NaN plus a warning).
- ``max_error`` is the largest ``|y - y_hat|`` over all rows and outputs (scikit-learn takes a
  single output only and no weights; weights do not apply to it here either).
- ``rmsle`` of an output with a target or prediction at or below -1 (any row, as scikit-learn
  checks) is None with a warning; scikit-learn raises ``ValueError`` for the whole call.
- ``explained_variance`` of a constant ``y_true`` follows R^2's rule above (``force_finite``),
  and a constant error (over rows of positive weight) has a numerator of exactly 0.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from losscli.errors import InputError
from losscli.metrics._common import check_sample_weight, compact_floats
from losscli.metrics.regression_formulas import (
    RegressionTotals,
    regression_metrics,
    squared_log_errors,
    weighted_median,
)
from losscli.metrics.resample import check_counts
from losscli.metrics.result import MetricsResult
from losscli.metrics.state import REGRESSION_SUMS, REGRESSION_TERMS, Dims, Sums, TermLayout

__all__ = [
    "RegressionAccumulator",
    "RegressionChunk",
    "RegressionTotals",
    "MedianChunk",
    "MAPE_EPS",
    "weighted_median",
    "regression_metrics",
    "regression_resample",
]

MAPE_EPS = float(np.finfo(np.float64).eps)


class RegressionChunk(NamedTuple):
    """One kept chunk: targets and predictions (N, K), weights (N,) or None (float32 if exact)."""

    y_true: np.ndarray
    y_pred: np.ndarray
    weights: np.ndarray | None


class MedianChunk(NamedTuple):
    """One chunk's absolute errors (N, K) (float32 if exact) and weights (N,) or None."""

    abs_err: np.ndarray
    weights: np.ndarray | None


class RegressionAccumulator:
    """Mergeable regression metrics: ``update(chunk)``, ``merge(other)``, ``result()``.

    ``mse = sum w e^2 / W``, ``rmse = sqrt(mse)``, ``mae = sum w |e| / W``,
    ``r2 = 1 - sum w e^2 / sum w (y - ybar_w)^2``, ``mape = sum w |e| / max(|y|, eps) / W``
    (a fraction), ``max_error = max |e|``, with ``e = y_pred - y_true``; each per output, then
    averaged over outputs.

    >>> acc = RegressionAccumulator()
    >>> acc.update(np.array([3.0, -0.5, 2.0, 7.0]), np.array([2.5, 0.0, 2.0, 8.0]))
    >>> m = acc.result().metrics
    >>> m["mse"], m["mae"], round(m["r2"], 6), m["max_error"]
    (0.375, 0.5, 0.948608, 1.0)

    Args:
        keep_rows: keep the rows (targets, predictions, weights; float32 where exact) so that
            :meth:`resample` can give the metrics of re-weighted rows.
    """

    def __init__(self, keep_rows: bool = False) -> None:
        self.keep_rows = bool(keep_rows)
        self._chunks: list[RegressionChunk] = []
        self._abs_errs: list[MedianChunk] = []
        self._rows_cache: Any = None
        self.n_outputs: int | None = None
        self.n_rows = 0
        self.weighted = False
        self.sums = Sums.zeros(REGRESSION_SUMS, Dims("regression", 0))
        self._shift = np.zeros(0)
        self._eshift = np.zeros(0)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deep-copy state without the resample cache (rebuilt on demand)."""
        state = self.__dict__.copy()
        state["_rows_cache"] = None
        return state

    def _init(self, k: int, shift: np.ndarray, eshift: np.ndarray) -> None:
        self.n_outputs = k
        # moments are kept for y - shift and e - eshift (the first row seen): means near zero
        # keep the Chan merge's difference of means precise when |mean| >> spread
        self._shift = np.asarray(shift, dtype=np.float64).copy()
        self._eshift = np.asarray(eshift, dtype=np.float64).copy()
        self.sums = Sums.zeros(REGRESSION_SUMS, Dims("regression", k))

    def update(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> None:
        """Add one chunk of rows.

        Args:
            y_true: float (N,) or (N, K) targets.
            y_pred: predictions of the same shape.
            sample_weight: float (N,) non-negative weights, or None.

        Raises:
            InputError: shapes differ, values are not finite, or weights are invalid.

        >>> acc = RegressionAccumulator()
        >>> acc.update(np.array([[1.0, 10.0], [2.0, 20.0]]), np.array([[1.5, 10.0], [2.0, 22.0]]))
        >>> acc.n_outputs, acc.result().per_output[1]["mse"]
        (2, 2.0)
        """
        yt = np.asarray(y_true, dtype=np.float64)
        yp = np.asarray(y_pred, dtype=np.float64)
        if yt.ndim == 1:
            yt = yt[:, None]
        if yp.ndim == 1:
            yp = yp[:, None]
        if yt.ndim != 2 or yt.shape != yp.shape:
            raise InputError(
                f"y_true has shape {np.shape(y_true)} but y_pred has shape {np.shape(y_pred)}; "
                "give one prediction per target"
            )
        n, k = yt.shape
        if self.n_outputs is not None and k != self.n_outputs:
            raise InputError(
                f"this chunk has {k} outputs but earlier chunks had {self.n_outputs}; "
                "keep the same columns in every chunk"
            )
        for label, arr in (("y_true", yt), ("y_pred", yp)):
            bad = ~np.isfinite(arr)
            if bad.any():
                row = self.n_rows + int(np.flatnonzero(bad.any(axis=1))[0])
                raise InputError(f"{label} holds NaN or infinity at row {row}; drop or fix it")
        if sample_weight is None:
            w = np.ones(n)
        else:
            self.weighted = True
            w = check_sample_weight(sample_weight, n, self.n_rows)
        if self.n_outputs is None:
            if n == 0:
                return
            self._init(k, yt[0], yp[0] - yt[0])
        if n == 0:
            return
        self.n_rows += n
        kept_w = None if sample_weight is None else compact_floats(w)
        if self.keep_rows:
            self._chunks.append(RegressionChunk(compact_floats(yt), compact_floats(yp), kept_w))
            self._rows_cache = None
        err = yp - yt
        abs_err = np.abs(err)
        if not self.keep_rows:  # kept rows give |e| back: not stored twice
            self._abs_errs.append(MedianChunk(compact_floats(abs_err), kept_w))
        sums = self.sums
        sums.sse += w @ (err**2)
        sums.sae += w @ abs_err
        sums.sape += w @ (abs_err / np.maximum(np.abs(yt), MAPE_EPS))
        sums.ssle += w @ squared_log_errors(yt, yp)
        sums.lmin = np.minimum(sums.lmin, np.minimum(yt, yp).min(axis=0))
        sums.max_err = np.maximum(sums.max_err, abs_err.max(axis=0))
        live = w > 0
        if live.any():
            sums.ymin = np.minimum(sums.ymin, yt[live].min(axis=0))
            sums.ymax = np.maximum(sums.ymax, yt[live].max(axis=0))
            sums.emin = np.minimum(sums.emin, err[live].min(axis=0))
            sums.emax = np.maximum(sums.emax, err[live].max(axis=0))
        wc = float(w.sum())
        if wc > 0:
            ys = yt - self._shift
            es = err - self._eshift
            mean_c = (w @ ys) / wc
            emean_c = (w @ es) / wc
            m2_c = w @ ((ys - mean_c) ** 2)
            em2_c = w @ ((es - emean_c) ** 2)
            self._combine(np.full(k, wc), (mean_c, m2_c), (emean_c, em2_c))

    def _combine(
        self,
        wb: np.ndarray,
        y_moments: tuple[np.ndarray, np.ndarray],
        e_moments: tuple[np.ndarray, np.ndarray],
    ) -> None:
        """Chan et al. pairwise merge of (weight, mean, M2) of y and of e into the running ones."""
        sums = self.sums
        wa = sums.w
        total = wa + wb
        safe = np.where(total > 0, total, 1.0)
        for mean_name, m2_name, (mean_b, m2_b) in (
            ("mean", "m2", y_moments),
            ("emean", "em2", e_moments),
        ):
            mean_a = getattr(sums, mean_name)
            delta = mean_b - mean_a
            setattr(sums, mean_name, np.where(total > 0, mean_a + delta * wb / safe, mean_a))
            m2 = getattr(sums, m2_name) + m2_b + np.where(total > 0, delta**2 * wa * wb / safe, 0.0)
            setattr(sums, m2_name, m2)
        sums.w = total

    def merge(self, other: RegressionAccumulator) -> RegressionAccumulator:
        """Add another accumulator's sums and moments into this one and return ``self``.

        Args:
            other: a RegressionAccumulator over the same number of outputs.

        Returns:
            ``self``.

        Raises:
            ValueError: the number of outputs differs.

        >>> a, b = RegressionAccumulator(), RegressionAccumulator()
        >>> a.update(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
        >>> b.update(np.array([3.0]), np.array([2.0]))
        >>> a.merge(b).result().metrics["mae"]
        0.5
        """
        if not isinstance(other, RegressionAccumulator):
            raise ValueError(f"cannot merge a {type(other).__name__} into a RegressionAccumulator")
        if self.keep_rows != other.keep_rows:
            raise ValueError(
                "cannot merge regression accumulators with different settings: "
                f"keep_rows={self.keep_rows} vs {other.keep_rows}"
            )
        if other.n_outputs is None:
            return self
        if self.n_outputs is None:
            self._init(other.n_outputs, other._shift, other._eshift)
        elif self.n_outputs != other.n_outputs:
            raise ValueError(
                f"cannot merge regression accumulators with {self.n_outputs} and "
                f"{other.n_outputs} outputs"
            )
        self._chunks.extend(other._chunks)
        self._abs_errs.extend(other._abs_errs)
        self._rows_cache = None
        self.n_rows += other.n_rows
        self.weighted = self.weighted or other.weighted
        theirs = other.sums
        self._combine(
            theirs.w,
            (theirs.mean + (other._shift - self._shift), theirs.m2),
            (theirs.emean + (other._eshift - self._eshift), theirs.em2),
        )
        self.sums.merge(theirs)  # the add / min / max sums (the moments merged just above)
        return self

    def result(self) -> MetricsResult:
        """Compute the regression metrics (averaged uniformly over outputs).

        Returns:
            A :class:`MetricsResult` with ``metrics`` (mse, rmse, mae, r2, mape, max_error) and
            ``per_output`` (the same per output).

        >>> acc = RegressionAccumulator()
        >>> acc.update(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 3.0]))
        >>> m = acc.result().metrics
        >>> m["rmse"], m["mape"], m["r2"]
        (0.816496580927726, 0.25, 0.5714285714285714)
        """
        s = self.sums
        if self.n_outputs is None or not np.any(s.w > 0):
            return regression_metrics(None, n_rows=self.n_rows)
        if self.keep_rows:
            yt, yp, w = self.kept_rows()
            median = median_abs_error([MedianChunk(np.abs(yp - yt), w)])
        else:
            median = median_abs_error(self._abs_errs)
        totals = RegressionTotals(
            s.w,
            s.sse,
            s.sae,
            s.sape,
            s.m2,
            s.ymin,
            s.ymax,
            s.max_err,
            np.where(s.emin == s.emax, 0.0, s.em2),
            s.ssle,
            s.lmin,
            median,
        )
        return regression_metrics(totals, n_rows=self.n_rows)

    # -- resampling ------------------------------------------------------------------------

    def kept_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The kept rows in update order as float64 ``(y_true (N, K), y_pred, weights)``.

        >>> acc = RegressionAccumulator(keep_rows=True)
        >>> acc.update(np.array([1.0, 2.0]), np.array([1.5, 2.0]))
        >>> acc.kept_rows()[1].ravel().tolist()
        [1.5, 2.0]
        """
        k = self.n_outputs or 0
        chunks = self._chunks
        if not chunks:
            return np.zeros((0, k)), np.zeros((0, k)), None
        yt = np.concatenate([ch.y_true for ch in chunks]).astype(np.float64, copy=False)
        yp = np.concatenate([ch.y_pred for ch in chunks]).astype(np.float64, copy=False)
        if all(ch.weights is None for ch in chunks):
            return yt, yp, None
        w = np.concatenate(
            [np.ones(ch.y_true.shape[0]) if ch.weights is None else ch.weights for ch in chunks]
        ).astype(np.float64, copy=False)
        return yt, yp, w

    def resample(
        self, counts: np.ndarray, zero_division: object = None
    ) -> list[dict[str, float | None]]:
        """The ``result().metrics`` of re-weighted rows: one dict per resample.

        Row i of resample b gets weight ``counts[b, i] * w_i`` (for integer counts: the row
        repeated ``counts[b, i]`` times). ``mse``, ``mae``, ``mape`` and the mean of
        ``y_true`` come from one matrix product per block of resamples; R^2's spread of
        ``y_true`` is summed about each resample's own mean (O(N) per output), and whether
        ``y_true`` is constant, like ``max_error``, looks at the rows with a positive count.
        The "fewer than two rows" rule of R^2 counts ``sum(counts[b])``.

        Args:
            counts: (B, N) non-negative integer (or float) multiplicities, N = ``n_rows`` in
                update order (across merges: this accumulator's rows, then the other's).
            zero_division: ignored (accepted so both accumulators take the same call).

        Returns:
            A list of B dicts with the keys of ``result().metrics``.

        Raises:
            ValueError: built without ``keep_rows=True``, or bad ``counts``.

        >>> acc = RegressionAccumulator(keep_rows=True)
        >>> acc.update(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 3.0]))
        >>> [m["mae"] for m in acc.resample(np.array([[1, 1, 1], [2, 0, 1]]))]
        [0.6666666666666666, 0.3333333333333333]
        """
        if not self.keep_rows:
            raise ValueError("rows were not kept: build the accumulator with keep_rows=True")
        return regression_resample(self, counts)

    def resample_rows(self) -> RegressionRows:
        """The per-row terms of the kept rows, built once per update / merge."""
        if self._rows_cache is None:
            self._rows_cache = RegressionRows(self)
        rows: RegressionRows = self._rows_cache
        return rows


def median_abs_error(chunks: list[MedianChunk]) -> np.ndarray:
    """The weighted median of ``|e|`` per output over kept chunks (float64 (K,)).

    >>> median_abs_error([MedianChunk(np.array([[1.0], [3.0]]), None)]).tolist()
    [2.0]
    """
    abs_err = np.concatenate([ch.abs_err for ch in chunks]).astype(np.float64, copy=False)
    weights = None
    if any(ch.weights is not None for ch in chunks):
        weights = np.concatenate(
            [np.ones(len(ch.abs_err)) if ch.weights is None else ch.weights for ch in chunks]
        ).astype(np.float64, copy=False)
    return np.array([weighted_median(abs_err[:, j], weights) for j in range(abs_err.shape[1])])


class RegressionRows:
    """The per-row terms of a RegressionAccumulator's kept rows, built once.

    ``terms`` is (layout.width, N) in the order of
    :data:`~losscli.metrics.state.REGRESSION_TERMS`: ones (the total weight), then per output
    ``e^2``, ``|e|``, ``|e| / max(|y|, eps)``, ``y - centre``, ``e - centre_e`` and the squared
    log error. ``abs_err`` is (N, K) with ``order`` its per-output argsort (for the median).
    """

    def __init__(self, acc: RegressionAccumulator) -> None:
        yt, yp, w = acc.kept_rows()
        self.n = yt.shape[0]
        self.w = w
        err = yp - yt
        abs_err = np.abs(err)
        ww = np.ones(self.n) if w is None else w
        total = ww.sum()
        # the centre of y_true for the per-resample mean: close to every resample's mean
        self.centre = (ww @ yt) / total if total > 0 else np.zeros(yt.shape[1])
        self.ecentre = (ww @ err) / total if total > 0 else np.zeros(yt.shape[1])
        self.layout = TermLayout(REGRESSION_TERMS, Dims("regression", yt.shape[1]), None)
        cols = {
            "w": np.ones((1, self.n)),
            "sse": (err**2).T,
            "sae": abs_err.T,
            "sape": (abs_err / np.maximum(np.abs(yt), MAPE_EPS)).T,
            "dev": (yt - self.centre).T,
            "edev": (err - self.ecentre).T,
            "ssle": squared_log_errors(yt, yp).T,
        }
        self.terms = np.vstack([cols[t.name] for t in self.layout.terms])
        self.y = np.asfortranarray(yt)  # columns contiguous for the per-output passes
        self.err = np.asfortranarray(err)
        self.abs_err = np.asfortranarray(abs_err)
        self.order = [np.argsort(abs_err[:, j], kind="stable") for j in range(yt.shape[1])]
        self.row_max_err = abs_err.max(axis=1) if self.n else np.zeros(0)
        self.row_lmin = np.minimum(yt, yp) if self.n else np.zeros((0, yt.shape[1]))


def regression_resample(
    acc: RegressionAccumulator, counts: object
) -> list[dict[str, float | None]]:
    """The metrics dict of each resample (``RegressionAccumulator.resample``'s work).

    Resample b: ``v = counts[b] * w``; ``[W, sse, sae, sape, sum v (y - centre)] = terms @ v``
    per output (and ``sum v (e - centre_e)``, the squared log errors); the mean
    ``centre + sum v (y - centre) / W``; ``M2 = sum v (y - mean)^2`` and the error's M2
    directly; ``ymin`` / ``ymax`` over rows with ``v > 0``; ``max_error`` and RMSLE's domain
    over rows with ``counts > 0``; the median of ``|e|`` weighted by ``v`` over the sort made
    once.

    Args:
        acc: an accumulator built with ``keep_rows=True``.
        counts: (B, N) multiplicities (see :func:`check_counts`).

    Returns:
        B dicts with the keys of ``acc.result().metrics``.

    >>> acc = RegressionAccumulator(keep_rows=True)
    >>> acc.update(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0]))
    >>> regression_resample(acc, np.array([[0, 0, 2]]))[0]["mse"]
    1.0
    """
    cnt = check_counts(counts, acc.n_rows)
    rows = acc.resample_rows()
    at = rows.layout.slices
    k = 0 if acc.n_outputs is None else acc.n_outputs
    out: list[dict[str, float | None]] = []
    for b in range(cnt.shape[0]):
        row = cnt[b]
        v = row.astype(np.float64)
        if rows.w is not None:
            v *= rows.w
        d = rows.terms @ v
        wt = float(d[at["w"]][0])
        if k == 0 or not wt > 0:
            out.append(regression_metrics(None).metrics)
            continue
        sse, sae, sape, dev = d[at["sse"]], d[at["sae"]], d[at["sape"]], d[at["dev"]]
        mean = rows.centre + dev / wt
        emean = rows.ecentre + d[at["edev"]] / wt
        live = v > 0
        seen = row > 0
        m2 = np.empty(k)
        em2 = np.empty(k)
        ymin = np.empty(k)
        ymax = np.empty(k)
        lmin = np.empty(k)
        median = np.empty(k)
        for j in range(k):
            col = rows.y[:, j]
            dy = col - mean[j]
            m2[j] = float(v @ (dy * dy))
            ecol = rows.err[:, j]
            de = ecol - emean[j]
            emin = np.min(ecol, where=live, initial=np.inf)
            emax = np.max(ecol, where=live, initial=-np.inf)
            em2[j] = 0.0 if emin == emax else float(v @ (de * de))
            ymin[j] = np.min(col, where=live, initial=np.inf)
            ymax[j] = np.max(col, where=live, initial=-np.inf)
            lmin[j] = np.min(rows.row_lmin[:, j], where=seen, initial=np.inf)
            median[j] = weighted_median(rows.abs_err[:, j], v, rows.order[j])
        max_err = float(np.max(rows.row_max_err, where=seen, initial=0.0))
        totals = RegressionTotals(
            np.full(k, wt),
            sse,
            sae,
            sape,
            m2,
            ymin,
            ymax,
            np.full(k, max_err),
            em2,
            d[at["ssle"]],
            lmin,
            median,
        )
        res = regression_metrics(
            totals,
            n_rows=float(row.sum()),
        )
        out.append(res.metrics)
    return out
