"""``compute --plot DIR`` for dense arrays: per-class IoU / Dice and the worst samples' masks.

Figures only (:func:`dense_figures`); :func:`losscli.plots.write_plots` saves them. They draw
the report (``Report.to_dict()``: ``per_class`` ``jaccard`` / ``f1``, ``miou`` / ``mdice``)
and :attr:`losscli.render.data.RunData.worst` (the samples with the lowest IoU, kept during
the streamed pass by :class:`losscli.pipeline.worst.WorstSamples`), never the evaluation.

- ``class_iou.png``: per class its IoU (``jaccard``) and Dice (``f1``) as bars, with ``miou``
  and ``mdice`` as lines; at most :data:`MAX_BARS` classes (beyond: the lowest IoUs).
- ``worst_samples.png``: for each kept sample, the worst (lowest IoU) first, the true and the
  predicted masks side by side (2-D samples), or a strip of two rows, true above predicted
  (sequences, 1-D); elements not evaluated (``--ignore-index``, dropped) are grey in both.
  Multi-label targets: a row per sample, a panel per label kept (its
  :data:`~losscli.pipeline.worst.MAX_LABELS` lowest-IoU labels in that sample), each element
  coloured by its outcome for that label (:data:`OUTCOMES`: true positive, false negative,
  false positive, true negative; not evaluated grey). Samples of three or more axes
  (volumes): the 2-D slice (the last two axes) the run kept, the one with the most error
  elements, its index in the panel's title (``sample 4 [12, :, :]``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "DENSE_PLOT_NAMES",
    "MAX_BARS",
    "OUTCOMES",
    "WORST_K",
    "dense_figures",
    "mask_colors",
    "outcome_codes",
]

DENSE_PLOT_NAMES = ("class_iou.png", "worst_samples.png")
MAX_BARS = 40
"""Classes ``class_iou.png`` shows at most (the lowest IoUs when there are more)."""
WORST_K = 6
"""Samples ``worst_samples.png`` shows (``compute --plot`` keeps that many)."""
VOID_COLOR = (0.8, 0.8, 0.8, 1.0)
NOT_EVALUATED = -1  # losscli.pipeline.worst.NOT_EVALUATED
OUTCOMES = (
    ("true negative", (0.97, 0.97, 0.97, 1.0)),
    ("false negative (missed)", (0.2, 0.4, 0.85, 1.0)),
    ("false positive", (0.85, 0.2, 0.2, 1.0)),
    ("true positive", (0.2, 0.65, 0.2, 1.0)),
)
"""A multi-label panel's colours by outcome, indexed ``2 * predicted + true``."""


def mask_colors(n_classes: int) -> list[tuple[float, float, float, float]]:
    """One RGBA colour per class: tab10 up to 10 classes, tab20 up to 20, else viridis.

    >>> len(mask_colors(3)), len(mask_colors(25))
    (3, 25)
    """
    from matplotlib import colormaps

    if n_classes <= 10:
        return [colormaps["tab10"](i) for i in range(n_classes)]
    if n_classes <= 20:
        return [colormaps["tab20"](i) for i in range(n_classes)]
    cmap = colormaps["viridis"]
    return [cmap(i / max(n_classes - 1, 1)) for i in range(n_classes)]


def _class_iou(fig: Any, d: dict[str, Any]) -> None:
    rows = list(d["per_class"])
    iou = np.array([np.nan if r.get("jaccard") is None else r["jaccard"] for r in rows])
    dice = np.array([np.nan if r.get("f1") is None else r["f1"] for r in rows])
    names = [str(r["class"]) for r in rows]
    shown = np.arange(len(rows))
    more = ""
    if len(rows) > MAX_BARS:  # the lowest IoUs (undefined first), in class order
        order = np.argsort(np.nan_to_num(iou, nan=-1.0), kind="stable")[:MAX_BARS]
        shown = np.sort(order)
        more = f"; the {MAX_BARS} lowest IoUs of {len(rows)} classes"
    ax = fig.subplots()
    x = np.arange(shown.size)
    ax.bar(x - 0.2, np.nan_to_num(iou[shown]), width=0.4, label="IoU (jaccard)", color="C0")
    ax.bar(x + 0.2, np.nan_to_num(dice[shown]), width=0.4, label="Dice (f1)", color="C1")
    for j, i in enumerate(shown):
        if np.isnan(iou[i]):
            ax.text(j, 0.02, "n/a", ha="center", fontsize="small")
    m = d["metrics"]
    for key, color, label in (("miou", "C0", "mIoU"), ("mdice", "C1", "mDice")):
        if m.get(key) is not None:
            ax.axhline(m[key], color=color, ls="--", lw=1, label=f"{label} {m[key]:.4f}")
    ax.set_xticks(x, [names[i] for i in shown], rotation=45 if shown.size > 8 else 0)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("class")
    ax.set_ylabel("score")
    ax.legend(fontsize="small", loc="best")
    ax.set_title(
        f"Per-class IoU and Dice over every evaluated element{more}\n"
        "IoU = tp / (tp + fp + fn), Dice = 2 tp / (2 tp + fp + fn); dashed: their means"
    )


def _masked(a: np.ndarray) -> np.ndarray:
    return np.ma.masked_equal(a, NOT_EVALUATED)


def _at(s: Any) -> str:
    """`` [12, :, :]``: the slice of a sample of three or more axes shown, else ``""``."""
    return f" [{', '.join(str(i) for i in s.slice)}, :, :]" if s.slice else ""


def _slice_note(worst: list[Any]) -> str:
    """The suptitle's line on slices, for samples of three or more axes."""
    if not worst[0].slice:
        return ""
    return "\neach a 2-D slice [i, .., :, :] of its sample, the one with the most errors"


def outcome_codes(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Each element's outcome for a label, the index into :data:`OUTCOMES`:
    ``2 * pred + true``, masked where not evaluated.

    >>> outcome_codes(np.array([0, 1, 0, 1, -1]), np.array([0, 0, 1, 1, 1])).tolist()
    [0, 1, 2, 3, None]
    """
    return np.ma.masked_where(true == NOT_EVALUATED, 2 * np.maximum(pred, 0) + true)


def _worst_labels(fig: Any, d: dict[str, Any], worst: list[Any]) -> None:
    """Multi-label: a row per sample, a panel per kept label, elements by outcome."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    names = [str(c) for c in d["classes"]]
    colors = [c for _, c in OUTCOMES]
    cmap = ListedColormap(colors).with_extremes(bad=VOID_COLOR)
    style = {"cmap": cmap, "vmin": -0.5, "vmax": 3.5, "interpolation": "nearest"}
    k, m = len(worst), max(len(s.labels) for s in worst)
    axes = np.atleast_2d(fig.subplots(k, m)).reshape(k, m)
    for j, s in enumerate(worst):
        for i, (label, score) in enumerate(zip(s.labels, s.label_scores)):
            ax = axes[j, i]
            codes = outcome_codes(s.true[i], s.pred[i])
            if codes.ndim == 1:  # a sequence: a strip
                ax.imshow(codes[None, :], aspect="auto", **style)
            else:
                ax.imshow(codes, **style)
            ax.set_title(
                f"sample {s.sample}{_at(s)} (IoU {s.score:.3f})\n"
                f"label {names[label]}: IoU {score:.3f}",
                fontsize="x-small",
            )
        for ax in axes[j, len(s.labels) :]:
            ax.set_visible(False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [Patch(color=c, label=n) for n, c in OUTCOMES]
    handles.append(Patch(color=VOID_COLOR, label="not evaluated"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize="small")
    fig.suptitle(
        f"The {k} samples with the lowest IoU (mean over the labels in each), worst first;\n"
        f"per sample its {m} labels with the lowest IoU, each element by its outcome"
        + _slice_note(worst)
    )


def _worst(fig: Any, d: dict[str, Any], worst: list[Any]) -> None:
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    if worst[0].labels:
        _worst_labels(fig, d, worst)
        return
    names = [str(c) for c in d["classes"]]
    c = len(names)
    colors = mask_colors(c)
    cmap = ListedColormap(colors).with_extremes(bad=VOID_COLOR)
    style = {"cmap": cmap, "vmin": -0.5, "vmax": c - 0.5, "interpolation": "nearest"}
    strips = worst[0].true.ndim == 1
    k = len(worst)
    if strips:
        axes = np.atleast_1d(fig.subplots(k, 1)).ravel()
        for ax, s in zip(axes, worst):
            true = s.true
            pred = np.where(true == NOT_EVALUATED, NOT_EVALUATED, s.pred)
            ax.imshow(_masked(np.stack([true, pred])), aspect="auto", **style)
            ax.set_yticks([0, 1], ["true", "predicted"])
            ax.set_title(f"sequence {s.sample}: IoU {s.score:.3f}", fontsize="small")
        axes[-1].set_xlabel("position")
    else:
        rows = math.ceil(k / 2)
        axes = np.atleast_2d(fig.subplots(rows, 4)).reshape(rows, 4)
        for j, s in enumerate(worst):
            a, b = axes[j // 2, 2 * (j % 2)], axes[j // 2, 2 * (j % 2) + 1]
            pred = np.where(s.true == NOT_EVALUATED, NOT_EVALUATED, s.pred)
            a.imshow(_masked(s.true), **style)
            b.imshow(_masked(pred), **style)
            a.set_title(f"sample {s.sample}{_at(s)}: true", fontsize="small")
            b.set_title(f"predicted (IoU {s.score:.3f})", fontsize="small")
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in axes.ravel()[2 * k :]:
            ax.set_visible(False)
    handles = [Patch(color=colors[i], label=names[i]) for i in range(min(c, 12))]
    handles.append(Patch(color=VOID_COLOR, label="not evaluated"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 7))
    fig.suptitle(
        f"The {k} samples with the lowest IoU (mean over the classes in each), worst first"
        + _slice_note(worst)
    )


def dense_figures(
    report_dict: dict[str, Any], worst: list[Any], figure: Callable[[], Any]
) -> dict[str, Any]:
    """The figures of a dense run, by file name, in the order to write them.

    Args:
        report_dict: ``report.to_dict()`` of a dense run (its metrics hold ``miou``).
        worst: :attr:`~losscli.render.data.RunData.worst`, the kept samples
            (:class:`~losscli.pipeline.worst.WorstSample`: ``sample``, ``score``, ``true``
            and ``pred`` masks, ``slice``, ``labels``), the worst first; empty: no
            ``worst_samples.png``.
        figure: makes one empty matplotlib ``Figure``.

    Returns:
        ``{"class_iou.png": Figure, "worst_samples.png": Figure}`` (what applies).
    """
    out: dict[str, Any] = {}
    if report_dict["per_class"]:
        out["class_iou.png"] = fig = figure()
        _class_iou(fig, report_dict)
    if worst:
        out["worst_samples.png"] = fig = figure()
        _worst(fig, report_dict, list(worst))
    return out
