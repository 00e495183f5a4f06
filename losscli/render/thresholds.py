"""Rendering the result of :func:`losscli.sweep.compute_thresholds`: JSON, CSV or rich tables."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

_MAX_TABLE_ROWS = 25


def thresholds_json(result: dict[str, Any]) -> str:
    """The result as JSON text (never NaN)."""
    return json.dumps(result, indent=2, allow_nan=False) + "\n"


def _csv_value(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def thresholds_csv(result: dict[str, Any]) -> str:
    """The sweep table as CSV (full precision); the column ``best`` is 1 on the best rows."""
    rows = result["table"]
    best = result["best"]
    tkey = _cut_key(rows, best)
    best_by_label = (
        {None: best.get(tkey)}
        if isinstance(best, dict)
        else {b["label"]: b.get(tkey) for b in best}
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if not rows:
        return ""
    keys = list(rows[0])
    w.writerow([*keys, "best"])
    for r in rows:
        is_best = bool(tkey) and best_by_label.get(r.get("label")) == r.get(tkey)
        w.writerow([_csv_value(r[k]) for k in keys] + [int(is_best)])
    return buf.getvalue()


def _cut_key(rows: list[dict[str, Any]], best: Any) -> str:
    """The field that identifies the best row among the table rows: ``score_threshold`` for
    logits and log-probabilities; none (``""``) when those rows are a ``--steps`` grid of
    probabilities, which the best cut on the scores' scale is not one of."""
    on_scores = "score_threshold" in (best if isinstance(best, dict) else best[0])
    if not on_scores:
        return "threshold"
    return "score_threshold" if rows and "score_threshold" in rows[0] else ""


def _sample(n: int, keep: list[int], limit: int) -> list[int]:
    import numpy as np

    if n <= limit:
        return list(range(n))
    idx = set(np.rint(np.linspace(0, n - 1, limit - len(keep))).astype(int).tolist())
    return sorted(idx | set(keep))


def thresholds_table(
    result: dict[str, Any], *, color: bool = True, width: int | None = None
) -> str:
    """Rich tables: the best threshold per label, then the sweep (sampled when long)."""
    from rich.table import Table

    from losscli.render.table import text_console
    from losscli.render.text import fmt_num

    console, buf = text_console(color, width)
    best = result["best"]
    bests = [best] if isinstance(best, dict) else best
    crit = result["optimize"]
    console.print(
        f"[bold]losscli thresholds[/bold] {result['task']} · scores {result['scores']} · "
        f"{result['n_samples']} samples · optimise {crit} · positive when "
        + ("score > score_threshold" if "score_threshold" in bests[0] else "p > threshold")
    )
    for note in result.get("inference", []):
        console.print(f"inferred {note}", style="dim")
    console.print()
    t = Table(title=f"Best threshold ({crit})", title_justify="left", show_edge=False)
    cols = ["threshold", "score", "precision", "recall", "f1"]
    if "score_threshold" in bests[0]:
        cols.insert(1, "score_threshold")
    if result["beta"] != 1.0:
        cols.append("fbeta")
    cols += ["specificity", "predicted_positive"]
    if result["task"] == "multilabel":
        t.add_column("label")
    for c in cols:
        t.add_column(c, justify="right")
    for b in bests:
        cells = [fmt_num(b[c], 4) if "threshold" not in c else fmt_num(b[c]) for c in cols]
        if result["task"] == "multilabel":
            cells.insert(0, str(b["label"]))
        t.add_row(*cells)
    console.print(t)
    console.print()

    rows = result["table"]
    tkey = _cut_key(rows, best)
    groups: list[tuple[str | None, list[dict[str, Any]], float]] = []
    if result["task"] == "binary":
        groups.append((None, rows, best.get(tkey)))
    else:
        for b in bests:
            groups.append((b["label"], [r for r in rows if r["label"] == b["label"]], b.get(tkey)))
    limit = _MAX_TABLE_ROWS if len(groups) == 1 else 12
    for label, grows, best_t in groups:
        keys = [k for k in (grows[0] if grows else {}) if k != "label"]
        hit = [i for i, r in enumerate(grows) if tkey and r.get(tkey) == best_t]
        picked = _sample(len(grows), hit, limit)
        title = "Sweep" + (f" · label {label}" if label is not None else "")
        if len(picked) < len(grows):
            title += f" ({len(picked)} of {len(grows)} rows; --steps N or --format csv for all)"
        st = Table(title=title, title_justify="left", show_edge=False)
        for k in keys:
            st.add_column("share_pos" if k == "predicted_positive" else k, justify="right")
        for i in picked:
            r = grows[i]
            style = "bold green" if i in hit else None
            st.add_row(
                *[fmt_num(r[k]) if "threshold" in k else fmt_num(r[k], 4) for k in keys],
                style=style,
            )
        console.print(st)
        console.print()
    for w in result.get("warnings", []):
        console.print(f"warning: {w}", style="yellow")
    return buf.getvalue()
