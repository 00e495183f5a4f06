"""Small text histograms for the terminal view: per-sample loss and predicted probabilities.

:func:`text_histograms` turns a finished run's report and plain arrays
(:class:`~losscli.render.data.RunData`) into a small, JSON-able dict of bins and counts;
:func:`histogram_lines` renders one of its histograms as a few rows of unicode bars (no rich,
no matplotlib), at most ~12 lines each.

- Probabilities: 10 equal bins over [0, 1] (bin ``[lo, hi)``, the last one closed, as the
  calibration bins), one series per true class. Binary: p(positive class) by true class;
  multi-class: the probability given to the true class, per true class; multi-label: every
  label's probability, pooled, by the label's true value (0 / 1).
- Per-sample loss (the first loss): a long-tailed non-negative quantity, so log-spaced bins:
  ``[0, lo)`` then ``n - 1`` geometric bins from ``lo`` to the maximum, with ``lo`` the
  smallest positive value but at least ``max * 1e-4`` (four decades).

Counts are sample counts (weights are not applied).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.render.data import RunData

__all__ = [
    "loss_histogram",
    "probability_histogram",
    "text_histograms",
    "histogram_lines",
]

_SPARK = " ▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉█"
MAX_SERIES = 10


def _bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(edges, values, side="right") - 1
    return np.clip(idx, 0, edges.size - 2)


def loss_histogram(values: np.ndarray, name: str = "loss", n_bins: int = 10) -> dict[str, Any]:
    """Histogram of per-sample losses on log-spaced bins.

    Edges ``[0, lo, lo*r, ..., max]`` with ``lo = max(min positive, max * 1e-4)`` and
    ``r = (max / lo)^(1 / (n_bins - 1))``; non-finite values are left out (and counted).

    Args:
        values: (N,) per-sample losses.
        name: the loss's name, for the title.
        n_bins: number of bins (>= 2).

    Returns:
        ``{"title", "scale": "log", "edges": [n_bins + 1], "series": [{"name", "n",
        "counts"}], "n_nonfinite"}``.

    >>> h = loss_histogram(np.array([0.0, 0.001, 0.01, 0.1, 1.0, 1.0]), "bce", n_bins=4)
    >>> [round(e, 4) for e in h["edges"]], h["series"][0]["counts"]
    ([0.0, 0.001, 0.01, 0.1, 1.0], [1, 1, 1, 3])
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(v)
    v = v[finite]
    n_bins = max(2, int(n_bins))
    hi = float(v.max()) if v.size else 0.0
    if hi <= 0:
        edges = np.linspace(0.0, 1.0 if hi <= 0 else hi, n_bins + 1)
        scale = "linear"
    else:
        pos = v[v > 0]
        lo = max(float(pos.min()), hi * 1e-4)
        if lo >= hi:
            edges = np.linspace(0.0, hi, n_bins + 1)
            scale = "linear"
        else:
            edges = np.r_[0.0, np.geomspace(lo, hi, n_bins)]
            scale = "log"
    counts = np.bincount(_bin_index(v, edges), minlength=n_bins) if v.size else np.zeros(n_bins)
    return {
        "title": f"{name} per sample",
        "scale": scale,
        "edges": edges.tolist(),
        "series": [{"name": name, "n": int(v.size), "counts": counts.astype(int).tolist()}],
        "n_nonfinite": int((~finite).sum()),
    }


def probability_histogram(
    series: list[tuple[str, np.ndarray]], title: str, n_bins: int = 10
) -> dict[str, Any]:
    """Histograms of probabilities on ``n_bins`` equal bins over [0, 1], one per series.

    Args:
        series: ``(name, probabilities (M,))`` pairs.
        title: what the probabilities are.
        n_bins: number of bins.

    Returns:
        ``{"title", "scale": "linear", "edges", "series": [{"name", "n", "counts"}]}``.

    >>> h = probability_histogram([("true 0", np.array([0.05, 0.1, 1.0]))], "p(1)", n_bins=2)
    >>> h["edges"], h["series"][0]["counts"]
    ([0.0, 0.5, 1.0], [2, 1])
    """
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    out = []
    for name, p in series:
        p = np.asarray(p, dtype=np.float64).ravel()
        counts = np.bincount(_bin_index(p, edges), minlength=int(n_bins))
        out.append({"name": str(name), "n": int(p.size), "counts": counts.astype(int).tolist()})
    return {"title": title, "scale": "linear", "edges": edges.tolist(), "series": out}


def text_histograms(report_dict: dict[str, Any], data: RunData) -> dict[str, Any]:
    """Histograms of a finished run: ``{"loss": ..., "probabilities": ...}``.

    ``loss`` needs the run's per-sample values (``data.loss_values``) and is absent without
    them; ``probabilities`` needs the kept scores (``data.scores``) and is absent for
    regression and without scores (``--auc-bins``).

    Args:
        report_dict: ``report.to_dict()`` of the run (its ``task`` and ``classes``).
        data: the run's plain arrays (:class:`~losscli.render.data.RunData`).

    Returns:
        A small JSON-able dict (see :func:`loss_histogram`, :func:`probability_histogram`).

    >>> y, p = np.array([0, 0, 1, 1, 0]), np.array([0.1, 0.35, 0.8, 0.95, 0.75])
    >>> data = RunData(loss_values={"bce": -np.log(np.where(y == 1, p, 1 - p))},
    ...                scores=[(1 - y, 1 - p, None), (y, p, None)])
    >>> h = text_histograms({"task": "binary", "classes": ["0", "1"]}, data)
    >>> h["probabilities"]["title"]
    'p(1) by true class'
    >>> [(s["name"], s["counts"]) for s in h["probabilities"]["series"]]
    [('true 0', [0, 1, 0, 1, 0, 0, 0, 1, 0, 0]), ('true 1', [0, 0, 0, 0, 0, 0, 0, 0, 1, 1])]
    >>> h["loss"]["title"], sum(h["loss"]["series"][0]["counts"])
    ('bce per sample', 5)
    """
    out: dict[str, Any] = {}
    values = data.loss_values  # empty unless the run kept them (keep_loss_values)
    names = list(values)
    if names:
        out["loss"] = loss_histogram(values[names[0]], names[0])
    task = report_dict["task"]
    if task == "regression" or data.scores is None:
        return out  # binned ranking keeps no scores to draw
    scores = data.scores
    classes = [str(c) for c in report_dict["classes"]]
    if task == "binary":
        y, p, _ = scores[1]
        series = [(f"true {classes[0]}", p[y == 0]), (f"true {classes[1]}", p[y == 1])]
        title = f"p({classes[1]}) by true class"
    elif task == "multiclass":
        series = [(f"true {c}", p[y == 1]) for c, (y, p, _) in zip(classes, scores)]
        title = "p(true class) by true class"
    else:
        ys = np.concatenate([y for y, _, _ in scores])
        ps = np.concatenate([p for _, p, _ in scores])
        series = [("label 0", ps[ys == 0]), ("label 1", ps[ys == 1])]
        title = "p(label) by true value, all labels pooled"
    out["probabilities"] = probability_histogram(series, title)
    return out


def _num(x: float) -> str:
    if x == 0:
        return "0"
    return f"{x:.2g}" if abs(x) < 1e-2 or abs(x) >= 1e4 else f"{x:.3g}"


def _bar(frac: float, width: int) -> str:
    eighths = int(round(max(0.0, min(1.0, frac)) * width * 8))
    full, rest = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[rest] if rest else "")).ljust(width)


def histogram_lines(hist: dict[str, Any], width: int = 60) -> list[str]:
    """Render one histogram of :func:`text_histograms` as unicode bar rows.

    One series: one row per bin, ``lo – hi  ████▍  count``. Several series: one sparkline row
    per series (``▁▂▃▅▇``, square-root scaled to the series' own largest bin, so small bins
    stay visible) under a 0 … 1 axis; at most
    :data:`MAX_SERIES` rows, then a count of the rest.

    Args:
        hist: one histogram dict (``{"title", "edges", "series", ...}``).
        width: the total width in characters.

    Returns:
        The lines, without newlines (about 12 at most).

    >>> h = probability_histogram([("true 0", np.array([0.1, 0.15, 0.5]))], "p", n_bins=2)
    >>> for line in histogram_lines(h, width=40):
    ...     print(line)
    p  (n=3)
      0   – 0.5  ████████████████████████  2
      0.5 – 1    ████████████              1
    """
    edges = hist["edges"]
    series = hist["series"]
    lines: list[str] = []
    if len(series) == 1:
        s = series[0]
        counts = s["counts"]
        top = max(counts) if counts and max(counts) > 0 else 1
        scale = ", log-spaced bins" if hist.get("scale") == "log" else ""
        lines.append(f"{hist['title']}  (n={s['n']}{scale})")
        lo = [_num(e) for e in edges[:-1]]
        hi = [_num(e) for e in edges[1:]]
        wl, wh = max(map(len, lo)), max(map(len, hi))
        wc = max(len(str(c)) for c in counts)
        bar_w = max(5, width - (2 + wl + 3 + wh + 2 + 2 + wc))
        for a, b, c in zip(lo, hi, counts):
            lines.append(f"  {a.ljust(wl)} – {b.ljust(wh)}  {_bar(c / top, bar_w)}  {c}")
        return lines
    n_bins = len(edges) - 1
    shown = series[:MAX_SERIES]
    wn = max(len(s["name"]) for s in shown)
    per = max(1, min(3, (width - wn - 4 - 8) // max(1, n_bins)))
    span = per * n_bins
    lines.append(f"{hist['title']}  ({n_bins} bins over [{_num(edges[0])}, {_num(edges[-1])}])")
    axis = list(" " * span)
    for pos, text in ((0, _num(edges[0])), (span // 2, _num((edges[0] + edges[-1]) / 2))):
        axis[pos : pos + len(text)] = text
    end = _num(edges[-1])
    axis[span - len(end) : span] = end
    lines.append("  " + " " * wn + "  " + "".join(axis))
    for s in shown:
        counts = s["counts"]
        top = max(counts) if counts and max(counts) > 0 else 1
        cells = ""
        for c in counts:
            level = 0 if c == 0 else max(1, int(round(np.sqrt(c / top) * 8)))
            cells += _SPARK[level] * per
        lines.append(f"  {s['name'].ljust(wn)}  {cells}  n={s['n']}")
    if len(series) > MAX_SERIES:
        lines.append(f"  … {len(series) - MAX_SERIES} more")
    return lines
