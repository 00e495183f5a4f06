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
    from rich.text import Text

    from losscli.render.table import print_fitted, text_console
    from losscli.render.text import fmt_num

    console, buf = text_console(color, width)
    best = result["best"]
    bests = [best] if isinstance(best, dict) else best
    crit = result["optimize"]
    console.print(
        f"[bold]losscli thresholds[/bold] {result['task']} · scores {result['scores']} · "
        f"{result['n_samples']} samples"
        + (f" ({result['n_elements']} elements)" if "n_elements" in result else "")
        + f" · optimise {crit} · positive when "
        + ("score > score_threshold" if "score_threshold" in bests[0] else "p > threshold")
    )
    for note in result.get("inference", []):
        console.print(Text(f"inferred {note}", style="dim"))
    console.print()
    cols = ["threshold", "score", "precision", "recall", "f1"]
    if "score_bound" in bests[0]:  # dense arrays: a grid's best and what any threshold reaches
        cols.insert(2, "score_bound")
    if "score_threshold" in bests[0]:
        cols.insert(1, "score_threshold")
    if result["beta"] != 1.0:
        cols.append("fbeta")
    cols += ["specificity", "predicted_positive"]

    def cell(b: dict[str, Any], c: str) -> str:
        if b[c] is None:
            return "-"
        return fmt_num(b[c], 4) if "threshold" not in c else fmt_num(b[c])

    if result["task"] == "multilabel":  # one row per label
        columns = [(c, [cell(b, c) for b in bests], "right") for c in cols]
        keys = [str(b["label"]) for b in bests]
        print_fitted(console, f"Best threshold ({crit})", "label", keys, columns)
    else:  # one best: one row per field
        columns = [("value", [cell(bests[0], c) for c in cols], "right")]
        print_fitted(console, f"Best threshold ({crit})", "field", cols, columns)
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
        styles = ["bold green" if i in hit else "" for i in picked]
        title = "Sweep" + (f" · label {label}" if label is not None else "")
        if len(picked) < len(grows):
            title += f" ({len(picked)} of {len(grows)} rows; --steps N or --format csv for all)"
        shown = [grows[i] for i in picked]
        columns = [
            (
                "share_pos" if k == "predicted_positive" else k,
                [
                    Text(fmt_num(r[k]) if "threshold" in k else fmt_num(r[k], 4), style=style)
                    for r, style in zip(shown, styles)
                ],
                "right",
            )
            for k in keys[1:]
        ]
        first = [Text(fmt_num(r[keys[0]]), style=style) for r, style in zip(shown, styles)]
        print_fitted(console, title, keys[0], first, columns, key_justify="right")
        console.print()
    for w in result.get("warnings", []):
        console.print(Text(f"warning: {w}", style="yellow"))
    return buf.getvalue()
