"""Plain-text renderers: a long-format CSV and Markdown tables."""

from __future__ import annotations

import csv
import io
from typing import Any


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
    ``per_class`` (name is the statistic, class the class), ``confusion`` (class is the true
    class, name the predicted one), ``warning``. Full float precision; empty for undefined.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "name", "class", "value"])
    for key in ("task", "scores", "n_samples", "n_dropped", "signature"):
        w.writerow(["info", key, "", _csv_value(d[key])])
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
    for text in d["warnings"]:
        w.writerow(["warning", "", "", text])
    return buf.getvalue()


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        return fmt_num(v).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(d: dict[str, Any]) -> str:
    """The report as Markdown: a summary line, then tables of losses, metrics, classes."""
    out = [
        "## losscli report",
        "",
        f"**task** {d['task']} · **scores** {d['scores']} · **samples** {d['n_samples']}"
        + (f" · **dropped** {d['n_dropped']}" if d["n_dropped"] else ""),
        "",
    ]
    if d["losses"]:
        rows = [
            [n, v, d["loss_stats"][n]["std"], d["loss_stats"][n]["min"], d["loss_stats"][n]["max"]]
            for n, v in d["losses"].items()
        ]
        out += ["### Losses", "", _md_table(["loss", "mean", "std", "min", "max"], rows), ""]
    if d["metrics"]:
        rows = [[n, v] for n, v in d["metrics"].items()]
        out += ["### Metrics", "", _md_table(["metric", "value"], rows), ""]
    if d["per_class"]:
        keys = [k for k in d["per_class"][0] if k != "class"]
        rows = [[r["class"], *[r.get(k) for k in keys]] for r in d["per_class"]]
        out += ["### Per class", "", _md_table(["class", *keys], rows), ""]
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
