"""Plain-text renderers: a long-format CSV and Markdown tables."""

from __future__ import annotations

import csv
import io
import re
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


CSV_COLUMNS = ("section", "name", "class", "value", "text")
"""The long CSV's columns: ``value`` holds numbers only (empty when undefined or for a text
row), ``text`` the text values (task, scores, signature, warnings); ``section``, ``name`` and
``class`` are always text."""


def to_csv(d: dict[str, Any]) -> str:
    """The report in long form: one ``section,name,class,value,text`` row per number or text.

    One type per column: ``value`` is a number (full float precision; empty when undefined),
    ``text`` a text value (``info`` task / scores / signature, ``warning``), the others text.
    Sections: ``info``, ``loss``, ``loss_stats`` (name ``ce.std`` ...), ``metric``,
    ``per_class`` (name is the statistic, class the class), ``per_output`` (regression: class
    is the output), ``confusion`` (class is the true
    class, name the predicted one), ``ci`` (``--bootstrap``: name ``f1.low``/``f1.high``),
    ``group``/``group_loss``/``group_metric`` (``--group-by``: class is the slice),
    ``warning``.

    >>> print(to_csv({"task": "binary", "signature": "s", "losses": {"bce": 0.25},
    ...     "loss_stats": {}, "metrics": {}, "per_class": [], "warnings": ["w"]}), end="")
    section,name,class,value,text
    info,task,,,binary
    info,signature,,,s
    loss,bce,,0.25,
    warning,,,,w
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)

    def number(section: str, name: Any, cls: Any, value: Any) -> None:
        w.writerow([section, name, cls, _csv_value(value), ""])

    def text(section: str, name: str, value: Any) -> None:
        w.writerow([section, name, "", "", _csv_value(value)])

    for key in ("task", "scores"):
        if key in d:
            text("info", key, d[key])
    for key in ("n_samples", "n_evaluated", "n_ignored", "n_dropped"):
        if key in d:
            number("info", key, "", d[key])
    text("info", "signature", d["signature"])
    for name, value in d["losses"].items():
        number("loss", name, "", value)
    for name, stats in d["loss_stats"].items():
        for stat, value in stats.items():
            number("loss_stats", f"{name}.{stat}", "", value)
    for name, value in d["metrics"].items():
        number("metric", name, "", value)
    for row in d["per_class"]:
        for stat, value in row.items():
            if stat != "class":
                number("per_class", stat, row["class"], value)
    for row in d.get("per_output") or []:
        for stat, value in row.items():
            if stat != "output":
                number("per_output", stat, row["output"], value)
    cm = d.get("confusion_matrix")
    classes = d.get("classes") or []
    if cm and d["task"] != "multilabel":
        for i, cm_row in enumerate(cm):
            for j, value in enumerate(cm_row):
                number("confusion", classes[j], classes[i], value)
    elif cm:
        for k, mat in enumerate(cm):
            for i, cell_row in enumerate(mat):
                for j, value in enumerate(cell_row):
                    number("confusion", f"pred={j}", f"{classes[k]}:true={i}", value)
    if d.get("ci"):
        for name, iv in d["ci"]["intervals"].items():
            low, high = iv if iv else (None, None)
            number("ci", f"{name}.low", "", low)
            number("ci", f"{name}.high", "", high)
    for key, part in (d.get("groups") or {}).items():
        for count in ("n_samples", "n_evaluated", "n_ignored"):
            if count in part:
                number("group", count, key, part[count])
        for name, value in part["losses"].items():
            number("group_loss", name, key, value)
        for name, value in part["metrics"].items():
            number("group_metric", name, key, value)
    for message in d["warnings"]:
        text("warning", "", message)
    return buf.getvalue()


class Md(str):
    """Text that is Markdown already (written by losscli): :func:`md_cell` keeps it as is."""


_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(text: Any) -> str:
    r"""Any text (a class name, a slice value, a warning) as Markdown that shows it literally
    and keeps a table row one row: HTML escaped (``&lt;b&gt;``), a line break as ``<br>``,
    and the characters Markdown reads (``| * ` [ ] ~ \\``, ``_`` at a word's edge)
    backslash-escaped.

    >>> md_text("a|b"), md_text("<b>x</b>"), md_text("two\nlines"), md_text("f1_macro")
    ('a\\|b', '&lt;b&gt;x&lt;/b&gt;', 'two<br>lines', 'f1_macro')
    """
    out = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), out)
    return out.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


def md_code(text: str) -> str:
    """``text`` as an inline code span outside a table (a fence longer than any backtick run
    in it; line breaks become spaces).

    >>> md_code("a|b"), md_code("x`y")
    ('`a|b`', '``x`y``')
    """
    text = " ".join(str(text).splitlines())
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_cell(value: Any) -> str:
    """One Markdown table cell: a number formatted, :class:`Md` as is, other text escaped."""
    if isinstance(value, Md):
        return str(value)
    if value is None or isinstance(value, (int, float)):
        return fmt_num(value)
    return md_text(value)


def _md_table(header: list[Any], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _marked(value: float | None, worst: bool) -> Md:
    return Md(fmt_num(value) + (" ▼" if worst else ""))


def to_markdown(d: dict[str, Any], *, all_classes: bool = False) -> str:
    """The report as Markdown: a summary line, then tables of losses, metrics, classes.

    Every class name, slice value and warning is escaped (:func:`md_text`). Past
    :data:`losscli.render.classes.MAX_CLASS_ROWS` classes the per-class table shows the worst
    and best, and a confusion matrix wider than
    :data:`losscli.render.classes.MARKDOWN_WIDTH` its largest confusions, as the terminal
    does (``all_classes``: every class and the whole matrix), so that 100 classes stay within
    a GitHub comment (65,536 characters).
    """
    from losscli.render.classes import (
        MARKDOWN_WIDTH,
        class_headers,
        class_rows,
        matrix_width,
        top_confusions,
    )

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
            + ([Md(ci_text(d, catalog.loss_key(n)))] if ci else [])
            for n, v in d["losses"].items()
        ]
        header = ["loss", "mean", "std", "min", "max", *ci]
        out += ["### Losses", "", _md_table(header, rows), ""]
    if d["metrics"]:
        rows = [[n, v] + ([Md(ci_text(d, n))] if ci else []) for n, v in d["metrics"].items()]
        out += ["### Metrics", "", _md_table(["metric", "value", *ci], rows), ""]
    if d.get("groups"):
        names = slice_names(d)
        worst = worst_slices(d, names)
        rows = [
            [key, part["n_samples"]]
            + [_marked(slice_value(part, n), worst.get(n) == key) for n in names]
            for key, part in d["groups"].items()
        ]
        rows.append([Md("**all**"), d["n_samples"], *[slice_value(d, n) for n in names]])
        out += [
            f"### Slices by {md_code(d['group_by'])} (▼ the worst slice)",
            "",
            _md_table([d["group_by"], "n", *names], rows),
            "",
        ]
    if d["per_class"]:
        shown = class_rows(d["per_class"], all_classes)
        keys = [k for k in d["per_class"][0] if k != "class"]
        rows = [[str(r["class"]), *[r.get(k) for k in keys]] for r in shown.rows]
        title = "### Per class"
        if shown.hidden:
            title += (
                f" ({shown.gap} worst, {len(shown.rows) - (shown.gap or 0)} best by {shown.key})"
            )
        out += [title, "", _md_table(["class", *class_headers(d, keys)], rows), ""]
        if shown.hidden:
            out += [f"_{shown.note()}_", ""]
    if len(d.get("per_output") or []) > 1:
        keys = [k for k in d["per_output"][0] if k != "output"]
        rows = [[r["output"], *[r.get(k) for k in keys]] for r in d["per_output"]]
        out += ["### Per output", "", _md_table(["output", *keys], rows), ""]
    cm = d.get("confusion_matrix")
    if cm and d["task"] != "multilabel":
        classes = [str(c) for c in d["classes"]]
        widest = max((len(fmt_num(max(row))) for row in cm), default=1)
        if all_classes or matrix_width(classes, classes, widest) <= MARKDOWN_WIDTH:
            rows = [[Md(f"**{md_text(classes[i])}**"), *row] for i, row in enumerate(cm)]
            out += [
                "### Confusion matrix (rows true, columns predicted)",
                "",
                _md_table([Md("true \\ pred"), *classes], rows),
                "",
            ]
        else:
            top = top_confusions(classes, cm)
            rows = [
                [f"{t} -> {p}", c, Md(f"{s:.1%}" if s is not None else "—")]
                for t, p, c, s in top.cells
            ]
            out += [
                f"### Top confusions (the matrix of {len(classes)} classes is too wide)",
                "",
                _md_table(["true -> predicted", "count", "share"], rows),
                "",
                f"_{top.note(all_classes)}; share: of the true class's rows_",
                "",
            ]
    if d["warnings"]:
        out += ["### Warnings", ""] + [f"- {md_text(w)}" for w in d["warnings"]] + [""]
    out += [md_code(d["signature"]), ""]
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
