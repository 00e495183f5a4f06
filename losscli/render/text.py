"""Plain-text renderers: a long-format CSV and Markdown tables."""

from __future__ import annotations

import csv
import io
from typing import Any

from losscli.metrics import catalog


def fmt_num(value: Any, digits: int = 6) -> str:
    """Format a number for text output; None as empty (CSV) is the caller's choice.

    >>> fmt_num(0.123456789), fmt_num(None), fmt_num(12)
    ('0.123457', '—', '12')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return f"{value:.{digits}g}" if value != 0 else "0"
        return f"{value:.{digits}g}"
    return str(value)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_csv(d: dict[str, Any]) -> str:
    """The report in long form: one ``section,name,class,value`` row per number.

    Sections: ``info``, ``loss``, ``loss_stats`` (name ``ce.std`` ...), ``metric``,
    ``per_class`` (name is the statistic, class the class), ``per_output`` (regression: class
    is the output), ``confusion`` (class is the true
    class, name the predicted one), ``ci`` (``--bootstrap``: name ``f1.low``/``f1.high``),
    ``group``/``group_loss``/``group_metric`` (``--group-by``: class is the slice),
    ``warning``. Full float precision; empty for undefined.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "name", "class", "value"])
    for key in ("task", "scores", "n_samples", "n_evaluated", "n_ignored", "n_dropped"):
        if key in d:
            w.writerow(["info", key, "", _csv_value(d[key])])
    w.writerow(["info", "signature", "", _csv_value(d["signature"])])
    for name, value in d["losses"].items():
        w.writerow(["loss", name, "", _csv_value(value)])
    for name, stats in d["loss_stats"].items():
        for stat, value in stats.items():
            w.writerow(["loss_stats", f"{name}.{stat}", "", _csv_value(value)])
    for name, value in d["metrics"].items():
        w.writerow(["metric", name, "", _csv_value(value)])
    for row in d["per_class"]:
        for stat, value in row.items():
            if stat != "class":
                w.writerow(["per_class", stat, row["class"], _csv_value(value)])
    for row in d.get("per_output") or []:
        for stat, value in row.items():
            if stat != "output":
                w.writerow(["per_output", stat, row["output"], _csv_value(value)])
    cm = d.get("confusion_matrix")
    classes = d.get("classes") or []
    if cm and d["task"] != "multilabel":
        for i, cm_row in enumerate(cm):
            for j, value in enumerate(cm_row):
                w.writerow(["confusion", classes[j], classes[i], _csv_value(value)])
    elif cm:
        for k, mat in enumerate(cm):
            for i, cell_row in enumerate(mat):
                for j, value in enumerate(cell_row):
                    w.writerow(
                        ["confusion", f"pred={j}", f"{classes[k]}:true={i}", _csv_value(value)]
                    )
    if d.get("ci"):
        for name, iv in d["ci"]["intervals"].items():
            low, high = iv if iv else (None, None)
            w.writerow(["ci", f"{name}.low", "", _csv_value(low)])
            w.writerow(["ci", f"{name}.high", "", _csv_value(high)])
    for key, part in (d.get("groups") or {}).items():
        for count in ("n_samples", "n_evaluated", "n_ignored"):
            if count in part:
                w.writerow(["group", count, key, _csv_value(part[count])])
        for name, value in part["losses"].items():
            w.writerow(["group_loss", name, key, _csv_value(value)])
        for name, value in part["metrics"].items():
            w.writerow(["group_metric", name, key, _csv_value(value)])
    for text in d["warnings"]:
        w.writerow(["warning", "", "", text])
    return buf.getvalue()


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        return fmt_num(v).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _marked(value: float | None, worst: bool) -> str:
    return fmt_num(value) + (" ▼" if worst else "")


def to_markdown(d: dict[str, Any]) -> str:
    """The report as Markdown: a summary line, then tables of losses, metrics, classes."""
    out = [
        "## losscli report",
        "",
        f"**task** {d['task']} · **scores** {d['scores']} · **samples** {d['n_samples']}"
        + (
            f" · **evaluated** {d['n_evaluated']} · **ignored** {d['n_ignored']} (--ignore-index)"
            if d.get("n_ignored")
            else ""
        )
        + (f" · **dropped** {d['n_dropped']}" if d["n_dropped"] else ""),
        "",
    ]
    ci = [ci_header(d)] if d.get("ci") else []
    if d["losses"]:
        rows = [
            [n, v, d["loss_stats"][n]["std"], d["loss_stats"][n]["min"], d["loss_stats"][n]["max"]]
            + ([ci_text(d, catalog.loss_key(n))] if ci else [])
            for n, v in d["losses"].items()
        ]
        header = ["loss", "mean", "std", "min", "max", *ci]
        out += ["### Losses", "", _md_table(header, rows), ""]
    if d["metrics"]:
        rows = [[n, v] + ([ci_text(d, n)] if ci else []) for n, v in d["metrics"].items()]
        out += ["### Metrics", "", _md_table(["metric", "value", *ci], rows), ""]
    if d.get("groups"):
        names = slice_names(d)
        worst = worst_slices(d, names)
        rows = [
            [f"`{key}`", part["n_samples"]]
            + [_marked(slice_value(part, n), worst.get(n) == key) for n in names]
            for key, part in d["groups"].items()
        ]
        rows.append(["**all**", d["n_samples"], *[slice_value(d, n) for n in names]])
        out += [
            f"### Slices by `{d['group_by']}` (▼ the worst slice)",
            "",
            _md_table([d["group_by"], "n", *names], rows),
            "",
        ]
    if d["per_class"]:
        keys = [k for k in d["per_class"][0] if k != "class"]
        rows = [[r["class"], *[r.get(k) for k in keys]] for r in d["per_class"]]
        out += ["### Per class", "", _md_table(["class", *keys], rows), ""]
    if len(d.get("per_output") or []) > 1:
        keys = [k for k in d["per_output"][0] if k != "output"]
        rows = [[r["output"], *[r.get(k) for k in keys]] for r in d["per_output"]]
        out += ["### Per output", "", _md_table(["output", *keys], rows), ""]
    cm = d.get("confusion_matrix")
    if cm and d["task"] != "multilabel":
        classes = d["classes"]
        rows = [[f"**{classes[i]}**", *row] for i, row in enumerate(cm)]
        out += [
            "### Confusion matrix (rows true, columns predicted)",
            "",
            _md_table(["true \\ pred", *classes], rows),
            "",
        ]
    if d["warnings"]:
        out += ["### Warnings", ""] + [f"- {w}" for w in d["warnings"]] + [""]
    out += [f"`{d['signature']}`", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# bootstrap intervals and --group-by slices (shared by the table, CSV and Markdown views)
# --------------------------------------------------------------------------------------------


def ci_text(d: dict[str, Any], name: str, digits: int = 4) -> str:
    """``± half-width [low, high]`` of a bootstrap interval, or ``""`` without one.

    >>> d = {"ci": {"intervals": {"f1": [0.8, 0.9]}}}
    >>> ci_text(d, "f1"), ci_text(d, "ce"), ci_text({}, "f1")
    ('± 0.05 [0.8, 0.9]', '', '')
    """
    ci = d.get("ci")
    iv = ci["intervals"].get(name) if ci else None
    if not iv:
        return ""
    low, high = iv
    half = (high - low) / 2
    return f"± {fmt_num(half, digits)} [{fmt_num(low, digits)}, {fmt_num(high, digits)}]"


def ci_header(d: dict[str, Any]) -> str:
    """The column title of the intervals, e.g. ``95% CI (1000 resamples)``."""
    ci = d["ci"]
    return f"{ci['level']:.0%} CI ({ci['n_boot']} resamples)"


_SLICE_METRICS = tuple(catalog.headline())  # the catalog's headline metrics, in its order


def slice_names(d: dict[str, Any]) -> list[str]:
    """The losses and headline metrics shown per slice (all of them are in the JSON)."""
    names = list(d["losses"])
    names += [m for m in _SLICE_METRICS if m in d["metrics"] and m not in names]
    return names


def slice_value(part: dict[str, Any], name: str) -> float | None:
    """A loss or metric of one slice (or of the whole report)."""
    if name in part["losses"]:
        return part["losses"][name]
    return part["metrics"].get(name)


def worst_slices(d: dict[str, Any], names: list[str]) -> dict[str, str]:
    """For each name, the slice with the worst value (highest loss, lowest accuracy, ...).

    >>> d = {"losses": {"ce": 0.3}, "metrics": {"accuracy": 0.8}, "groups": {
    ...     "a": {"losses": {"ce": 0.2}, "metrics": {"accuracy": 0.9}},
    ...     "b": {"losses": {"ce": 0.4}, "metrics": {"accuracy": 0.7}}}}
    >>> worst_slices(d, ["ce", "accuracy"])
    {'ce': 'b', 'accuracy': 'b'}
    """
    from losscli.report import lower_is_better

    out: dict[str, str] = {}
    groups = d.get("groups") or {}
    for name in names:
        values = [(k, slice_value(g, name)) for k, g in groups.items()]
        values = [(k, v) for k, v in values if v is not None]
        if len(values) < 2:
            continue
        pick = max if lower_is_better(name, d["losses"]) else min
        out[name] = pick(values, key=lambda kv: kv[1])[0]
    return out
