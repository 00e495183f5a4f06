"""``compute --plot DIR``: PNG pictures of a finished run (matplotlib, optional).

They draw the report (``Report.to_dict()``) and the plain arrays of a
:class:`~losscli.render.data.RunData` (kept scores, reliability bins, per-sample losses), never
the evaluation object.

matplotlib is the optional extra ``losscli[plot]``; it is imported inside
:func:`write_plots` only (never when losscli is imported), through its object API and the Agg
canvas (no pyplot, no global state, no display needed). Every figure is
``FIGSIZE`` inches at ``DPI`` dots per inch, so every PNG is ``PIXELS`` (800 x 600), and is
written atomically.

Files (classification): ``confusion_matrix.png``, ``confusion_matrix_normalized.png``,
``roc.png``, ``pr.png``, ``reliability.png``, ``probabilities.png``, ``losses.png``.
Dense arrays (a report with ``miou``): the two confusion matrices, ``reliability.png`` (when
``RunData.calibration`` is given), ``class_iou.png`` and ``worst_samples.png``
(:mod:`losscli.plots_dense`; no curves: dense runs keep no per-element scores).
Regression: ``losses.png`` and ``predicted_vs_true.png``. ``losses.png`` needs the per-sample
losses (``RunData.loss_values``); ``predicted_vs_true.png`` needs the labels and predictions,
which the engine does not keep for regression: collect them with :class:`PlotCollector` passed
as the run's ``per_sample`` target.
"""

from __future__ import annotations

import io
import math
import os
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.render.data import RunData

__all__ = [
    "FIGSIZE",
    "DPI",
    "PIXELS",
    "PLOT_NAMES",
    "PlotCollector",
    "require_matplotlib",
    "write_plots",
]

FIGSIZE = (8.0, 6.0)
DPI = 100
PIXELS = (800, 600)
MAX_PANELS = 12
MAX_CURVES = 12
MISSING = "--plot needs matplotlib: pip install 'losscli[plot]'"
PLOT_NAMES = (
    "confusion_matrix.png",
    "confusion_matrix_normalized.png",
    "roc.png",
    "pr.png",
    "reliability.png",
    "probabilities.png",
    "losses.png",
    "predicted_vs_true.png",
    "class_iou.png",
    "worst_samples.png",
)
"""Every file ``--plot DIR`` may write (declared up front, so no input is overwritten)."""


class PlotCollector:
    """A per-sample target that keeps regression labels and predictions for the scatter plot.

    Pass it as ``Evaluation.run(per_sample=...)``; it forwards every chunk to ``inner`` (a
    :class:`~losscli.io.PerSampleWriter` or anything with ``write``) when one is given.
    Only numeric ``label``/``prediction`` (or ``label_<name>``/``prediction_<name>``) columns
    are kept, so classification runs keep nothing.

    >>> c = PlotCollector()
    >>> c.write({"row": np.array([1, 2]), "label": np.array([1.0, 2.0]),
    ...          "prediction": np.array([1.5, 1.0]), "mse": np.array([0.25, 1.0])})
    >>> c.values()
    {'': (array([1., 2.]), array([1.5, 1. ]))}
    """

    def __init__(self, inner: Any = None) -> None:
        self.inner = inner
        self._parts: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}

    def write(self, columns: dict[str, np.ndarray]) -> None:
        """Keep the numeric label/prediction columns of one chunk; forward the chunk."""
        for key, col in columns.items():
            if not key.startswith("label"):
                continue
            name = key[len("label") :].lstrip("_")
            pred = columns.get("prediction" + (f"_{name}" if name else ""))
            if pred is None or col.dtype.kind not in "fiu" or pred.dtype.kind not in "fiu":
                continue
            ys, ps = self._parts.setdefault(name, ([], []))
            ys.append(np.asarray(col, dtype=np.float64))
            ps.append(np.asarray(pred, dtype=np.float64))
        if self.inner is not None:
            self.inner.write(columns)

    def values(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{output name ('' for one output): (y_true, y_pred)}``."""
        return {k: (np.concatenate(ys), np.concatenate(ps)) for k, (ys, ps) in self._parts.items()}


def require_matplotlib() -> None:
    """Fail early, before a long run, when matplotlib is missing (names the extra).

    Raises:
        UsageError: ``--plot needs matplotlib: pip install 'losscli[plot]'``.
    """
    _mpl()


def _mpl() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UsageError(MISSING) from None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matplotlib.rcParams["axes.titlesize"] = "medium"
    return Figure, FigureCanvasAgg


class _Writer:
    def __init__(self, out_dir: str, outputs: Any, keep: dict[str, bytes] | None = None) -> None:
        self.Figure, self.Canvas = _mpl()
        self.out_dir = out_dir
        self.outputs = outputs
        self.keep = keep
        self.written: list[str] = []

    def figure(self) -> Any:
        fig = self.Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        self.Canvas(fig)
        return fig

    def save(self, fig: Any, name: str) -> None:
        path = os.path.join(self.out_dir, name)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        self.outputs.open("--plot", name).write(buf.getvalue())
        if self.keep is not None:
            self.keep[name] = buf.getvalue()
        self.written.append(path)


def _grid(n: int) -> tuple[int, int]:
    cols = min(4, max(1, math.ceil(math.sqrt(n))))
    return math.ceil(n / cols), cols


def _prob_thresholds(data: RunData) -> np.ndarray:
    """The decision thresholds as probabilities (a cut on the scores' scale converted)."""
    t = np.atleast_1d(np.asarray(data.threshold, dtype=np.float64))
    if data.threshold_on == "scores":
        from losscli.metrics.accumulator import key_to_prob

        t = key_to_prob(t, data.rank_key)
    return t


def _needs(value: Any, name: str) -> Any:  # noqa: ANN401 - the RunData field as given
    if value is None:
        raise ValueError(f"write_plots needs RunData.{name} for a classification report")
    return value


def _fmt_t(t: Any) -> str:
    if isinstance(t, (list, tuple, np.ndarray)):
        return "per-label thresholds"
    return f"threshold {float(t):g}"


# -- confusion matrices ----------------------------------------------------------------------


def _matrix_axes(ax: Any, cm: np.ndarray, names: list[str], normalised: bool) -> Any:
    k = cm.shape[0]
    im = ax.imshow(cm, cmap="Blues", vmin=0, vmax=1 if normalised else max(cm.max(), 1))
    ax.set_xticks(range(k), names, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    if k <= 20:
        hi = (1 if normalised else cm.max()) * 0.6
        for i in range(k):
            for j in range(k):
                v = cm[i, j]
                text = f"{v:.2f}" if normalised else (f"{v:g}" if v < 1e5 else f"{v:.3g}")
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=9 if k <= 10 else 6,
                    color="white" if v > hi else "black",
                )
    return im


def _row_normalise(cm: np.ndarray) -> np.ndarray:
    rows = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)


def _confusion(w: _Writer, d: dict[str, Any], data: RunData) -> None:
    cm = np.asarray(d["confusion_matrix"], dtype=np.float64)
    names = [str(c) for c in d["classes"]]
    thr = _fmt_t(data.threshold)
    if data.threshold_on == "scores":
        thr = f"score {thr}"  # a cut on the logits / log-probabilities
    for normalised, name in (
        (False, "confusion_matrix.png"),
        (True, "confusion_matrix_normalized.png"),
    ):
        fig = w.figure()
        what = "row-normalised (each row sums to 1; diagonal = recall)" if normalised else "counts"
        if d["task"] == "multilabel":
            n = min(len(names), MAX_PANELS)
            r, c = _grid(n)
            axes = np.atleast_1d(fig.subplots(r, c)).ravel()
            for i in range(n):
                m = _row_normalise(cm[i]) if normalised else cm[i]
                _matrix_axes(axes[i], m, ["0", "1"], normalised)
                axes[i].set_title(f"label {names[i]}")
            for ax in axes[n:]:
                ax.set_visible(False)
            more = f"; first {n} of {len(names)} labels" if n < len(names) else ""
            fig.suptitle(
                f"Per-label confusion matrices, {what}\nrows: true 0/1, columns: predicted 0/1 "
                f"({thr}){more}"
            )
        else:
            ax = fig.subplots()
            m = _row_normalise(cm) if normalised else cm
            im = _matrix_axes(ax, m, names, normalised)
            fig.colorbar(im, ax=ax, label="share of the true class" if normalised else "samples")
            rule = "argmax" if d["task"] == "multiclass" else thr
            ax.set_title(f"Confusion matrix, {what}\nrows: true class, columns: predicted ({rule})")
        w.save(fig, name)


# -- curves ----------------------------------------------------------------------------------


def _curve_sets(data: RunData, d: dict[str, Any]) -> list[tuple[str, np.ndarray, np.ndarray, Any]]:
    # the ranking key (logits, log-probabilities), as the reported AUC / AP: the curves of
    # saturated probabilities would tie rows the model ranks apart
    scores = _needs(data.rank_scores, "rank_scores")
    names = [str(c) for c in d["classes"]]
    if d["task"] == "binary":
        y, s, sw = scores[1]
        return [(names[1], y, s, sw)]
    return [(n, y, s, sw) for n, (y, s, sw) in zip(names, scores)][:MAX_CURVES]


def _roc_pr(w: _Writer, d: dict[str, Any], data: RunData) -> None:
    from losscli.metrics.ranking import (
        average_precision,
        precision_recall_curve,
        roc_auc,
        roc_curve,
    )

    sets = _curve_sets(data, d)
    n_all = 1 if d["task"] == "binary" else len(d["classes"])
    more = f" (first {len(sets)} of {n_all})" if len(sets) < n_all else ""
    kind = {"binary": "", "multiclass": " one-vs-rest per class", "multilabel": " per label"}[
        d["task"]
    ]
    # ROC
    fig = w.figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="chance (AUC 0.5)")
    for name, y, s, sw in sets:
        auc = roc_auc(y, s, sw)
        if auc is None:
            ax.plot([], [], label=f"{name}: undefined (one class only)")
            continue
        fpr, tpr, _ = roc_curve(y, s, sw)
        ax.plot(fpr, tpr, lw=1.5, label=f"{name}: AUC {auc:.3f}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("False positive rate (1 - specificity)")
    ax.set_ylabel("True positive rate (recall)")
    pos = f" (positive class {sets[0][0]})" if d["task"] == "binary" else ""
    ax.set_title(f"ROC curve{kind}{pos}{more}\nhigher and further left is better")
    ax.legend(loc="lower right", fontsize="small")
    w.save(fig, "roc.png")
    # PR
    fig = w.figure()
    ax = fig.subplots()
    for name, y, s, sw in sets:
        ap = average_precision(y, s, sw)
        if ap is None:
            ax.plot([], [], label=f"{name}: undefined (no positives)")
            continue
        p, r, _ = precision_recall_curve(y, s, sw)
        line = ax.step(r, p, where="post", lw=1.5, label=f"{name}: AP {ap:.3f}")[0]
        wt = np.ones_like(y) if sw is None else sw
        prevalence = float(np.sum(wt * y) / np.sum(wt))
        ax.axhline(prevalence, ls=":", lw=1, color=line.get_color())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Recall (share of true positives found)")
    ax.set_ylabel("Precision (share of predicted positives that are right)")
    ax.set_title(
        f"Precision-recall curve{kind}{pos}{more}\n"
        "dotted: precision of a random guess (the positive share)"
    )
    ax.legend(loc="lower left", fontsize="small")
    w.save(fig, "pr.png")


def _reliability(w: _Writer, d: dict[str, Any], data: RunData) -> None:
    bins = _needs(data.calibration, "calibration")  # weights in mean weights, as the report
    ece = d["metrics"].get("ece")
    lower = np.array([b["lower"] for b in bins])
    upper = np.array([b["upper"] for b in bins])
    weight = np.array([b["weight"] for b in bins])
    conf = np.array([np.nan if b["confidence"] is None else b["confidence"] for b in bins])
    acc = np.array([np.nan if b["accuracy"] is None else b["accuracy"] for b in bins])
    xlabel, ylabel = {
        "binary": ("Predicted probability of the positive class", "Observed share of positives"),
        "multiclass": ("Confidence (probability of the predicted class)", "Accuracy"),
        "multilabel": ("Predicted probability of a label", "Observed share of positive labels"),
    }[d["task"]]
    fig = w.figure()
    ax, hx = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    ok = weight > 0
    ax.bar(
        lower[ok],
        acc[ok],
        width=(upper - lower)[ok],
        align="edge",
        edgecolor="black",
        alpha=0.7,
        label=ylabel.lower() + " per bin",
    )
    ax.plot(conf[ok], acc[ok], "o", color="C3", ms=4, label="mean predicted in the bin")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(ylabel)
    ece_text = "undefined" if ece is None else f"{ece:.4f}"
    ax.set_title(
        f"Reliability diagram ({len(bins)} bins), ECE = {ece_text}\n"
        "bars below the diagonal: over-confident; above: under-confident"
    )
    ax.legend(loc="upper left", fontsize="small")
    hx.bar(lower, weight, width=upper - lower, align="edge", color="grey", edgecolor="black")
    hx.set_yscale(
        "log" if weight.max(initial=0) > 50 * max(weight[ok].min(initial=1), 1) else "linear"
    )
    hx.set_xlim(0, 1)
    hx.set_xlabel(xlabel)
    hx.set_ylabel("samples")
    w.save(fig, "reliability.png")


def _probabilities(w: _Writer, d: dict[str, Any], data: RunData) -> None:
    scores = _needs(data.scores, "scores")
    names = [str(c) for c in d["classes"]]
    edges = np.linspace(0, 1, 21)
    fig = w.figure()
    if d["task"] == "binary":
        y, s, _ = scores[1]
        ax = fig.subplots()
        for k, label in ((0, names[0]), (1, names[1])):
            ax.hist(
                s[y == k],
                bins=edges,
                alpha=0.55,
                label=f"true class {label} (n={int((y == k).sum())})",
            )
        ax.axvline(
            float(_prob_thresholds(data)[0]), color="black", ls="--", lw=1, label="threshold"
        )
        ax.set_xlabel(f"Predicted probability of class {names[1]}")
        ax.set_ylabel("samples")
        ax.set_title(
            "Predicted probabilities by true class\n"
            "well-separated piles = a confident, correct model"
        )
        ax.legend(fontsize="small")
    else:
        n = min(len(names), MAX_PANELS)
        r, c = _grid(n)
        axes = np.atleast_1d(fig.subplots(r, c, sharex=True)).ravel()
        thr = np.broadcast_to(_prob_thresholds(data), (len(names),))
        for i in range(n):
            y, s, _ = scores[i]
            ax = axes[i]
            ax.hist(
                s[y == 0],
                bins=edges,
                alpha=0.55,
                label="not this class" if d["task"] == "multiclass" else "label 0",
            )
            ax.hist(
                s[y == 1],
                bins=edges,
                alpha=0.55,
                label="this class" if d["task"] == "multiclass" else "label 1",
            )
            if d["task"] == "multilabel":
                ax.axvline(float(thr[i]), color="black", ls="--", lw=1)
            ax.set_yscale("log")
            ax.set_title(f"{'class' if d['task'] == 'multiclass' else 'label'} {names[i]}")
            ax.tick_params(labelsize="x-small")
        for ax in axes[n:]:
            ax.set_visible(False)
        axes[0].legend(fontsize="x-small")
        what = "class" if d["task"] == "multiclass" else "label"
        more = f"; first {n} of {len(names)}" if n < len(names) else ""
        fig.supxlabel(f"Predicted probability of the {what}")
        fig.supylabel("samples (log scale)")
        fig.suptitle(
            f"Predicted probability of each {what}, by whether it is the true {what}{more}"
        )
    w.save(fig, "probabilities.png")


def _losses(w: _Writer, data: RunData) -> None:
    values = data.loss_values  # empty unless the run kept them (keep_loss_values)
    names = list(values)
    if not names:
        return
    from losscli.render.histogram import loss_histogram

    names = names[:6]
    fig = w.figure()
    r, c = _grid(len(names))
    axes = np.atleast_1d(fig.subplots(r, c)).ravel()
    for ax, name in zip(axes, names):
        v = np.asarray(values[name], dtype=np.float64)
        v = v[np.isfinite(v)]
        h = loss_histogram(v, name, n_bins=30)
        edges = np.array(h["edges"])
        if h["scale"] == "log":
            edges[0] = edges[1] / 3  # zeros and tiny values go into the first bin
            ax.hist(np.maximum(v, edges[0]), bins=edges)
            ax.set_xscale("log")
            ax.set_xlabel("per-sample loss (log scale)", fontsize="small")
        else:
            ax.hist(v, bins=edges)
            ax.set_xlabel("per-sample loss", fontsize="small")
        mean = float(v.mean()) if v.size else float("nan")
        if v.size and mean > 0:
            ax.axvline(mean, color="C3", ls="--", lw=1, label=f"mean {mean:.4g}")
            ax.legend(fontsize="small")
        ax.set_ylabel("samples")
        ax.set_title(name)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Distribution of per-sample losses: a long right tail = a few very wrong samples\n"
        "(log scale: the first bar also holds the zeros and anything smaller)"
    )
    w.save(fig, "losses.png")


def _scatter(w: _Writer, values: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    if not values:
        return
    names = list(values)[:MAX_PANELS]
    fig = w.figure()
    r, c = _grid(len(names))
    axes = np.atleast_1d(fig.subplots(r, c)).ravel()
    for ax, name in zip(axes, names):
        y, p = values[name]
        lo = float(min(y.min(), p.min())) if y.size else 0.0
        hi = float(max(y.max(), p.max())) if y.size else 1.0
        ax.scatter(y, p, s=8, alpha=0.5)
        ax.plot([lo, hi], [lo, hi], ls="--", color="grey", lw=1, label="perfect (predicted = true)")
        ax.set_xlabel(f"True value{' ' + name if name else ''}")
        ax.set_ylabel("Predicted value")
        ax.legend(fontsize="small", loc="upper left")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    fig.suptitle("Predicted vs true values: points on the dashed line are exact")
    w.save(fig, "predicted_vs_true.png")


def write_plots(
    report_dict: dict[str, Any],
    data: RunData,
    out_dir: str | os.PathLike[str],
    *,
    collector: PlotCollector | None = None,
    outputs: Any = None,
    keep: dict[str, bytes] | None = None,
) -> list[str]:
    """Write the PNG pictures of a finished run into ``out_dir`` (created if needed).

    The pictures are staged and appear together: at the end of this call, or, with
    ``outputs`` (the run's :class:`~losscli.io.outputs.OutputSet`, where ``--plot`` is
    declared with the names :data:`PLOT_NAMES`), when the run commits its outputs.

    Args:
        report_dict: ``report.to_dict()`` of the run.
        data: the run's plain arrays; classification needs ``scores``, ``rank_scores`` and
            ``calibration``; ``losses.png`` needs ``loss_values`` (else it is skipped);
            dense arrays use ``calibration`` and ``worst`` when given.
        out_dir: the folder; created with its parents when missing.
        collector: the :class:`PlotCollector` the run wrote its per-sample rows to (regression
            scatter plot); without it ``predicted_vs_true.png`` is skipped.
        outputs: the run's output set; None stages and commits the pictures here.
        keep: when given, each picture's PNG bytes are also stored there by file name, in
            the order written (the HTML report inlines them).

    Returns:
        The paths written, in order.

    Raises:
        UsageError: matplotlib is missing (names the ``losscli[plot]`` extra), or ``out_dir``
            is a file.
    """
    out = os.fspath(out_dir)
    if outputs is None:
        from losscli.io import OutputSet

        with OutputSet() as own:
            own.add_output("--plot", out, kind="files", names=PLOT_NAMES)
            written = write_plots(
                report_dict, data, out, collector=collector, outputs=own, keep=keep
            )
            own.commit()
            return written
    w = _Writer(out, outputs, keep)
    if "miou" in report_dict["metrics"]:  # dense arrays
        from losscli.plots_dense import dense_figures

        _confusion(w, report_dict, data)
        if data.calibration is not None:
            _reliability(w, report_dict, data)
        for name, fig in dense_figures(report_dict, data.worst, w.figure).items():
            w.save(fig, name)
        return w.written
    if report_dict["task"] == "regression":
        _losses(w, data)
        _scatter(w, collector.values() if collector is not None else {})
        return w.written
    _confusion(w, report_dict, data)
    _roc_pr(w, report_dict, data)
    _reliability(w, report_dict, data)
    _probabilities(w, report_dict, data)
    _losses(w, data)
    return w.written
