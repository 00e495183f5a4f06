"""The terminal view: rich tables for the summary, losses, metrics, classes and a heat grid."""

from __future__ import annotations

import io
from typing import Any

from losscli.metrics import catalog
from losscli.render.text import (
    ci_header,
    ci_text,
    fmt_num,
    slice_names,
    slice_value,
    worst_slices,
)

_ORDER = catalog.TABLE_FIRST  # shown first, in this order; anything else follows


def _heat(frac: float) -> str:
    """Background colour for a confusion-matrix cell: white to deep blue by row share."""
    level = max(0.0, min(1.0, frac))
    r = int(255 - 200 * level)
    g = int(255 - 150 * level)
    return f"on rgb({r},{g},255)" if level > 0 else ""


def text_console(color: bool, width: int | None) -> tuple[Any, io.StringIO]:
    """A rich console that renders into a string buffer (ANSI codes only when ``color``)."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        color_system="truecolor" if color else None,
        width=width or 100,
        highlight=False,
    )
    return console, buf


def to_table(
    d: dict[str, Any],
    *,
    color: bool = True,
    width: int | None = None,
    histograms: dict[str, Any] | None = None,
) -> str:
    """Render the report dict as rich tables and return the text (ANSI codes when ``color``).

    ``histograms`` (from :func:`losscli.render.histogram.text_histograms`) adds text
    histograms of the per-sample loss and of the predicted probabilities by class.
    """
    from rich.table import Table
    from rich.text import Text

    console, buf = text_console(color, width)
    inp = d.get("inputs", {})
    head = Text()
    head.append("losscli ", style="bold")
    head.append(f"{d['task']}", style="bold cyan")
    head.append(f" · scores {d['scores']} · {d['n_samples']} samples")
    if d.get("n_ignored"):
        head.append(
            f" · {d['n_evaluated']} evaluated, {d['n_ignored']} ignored (--ignore-index)",
            style="yellow",
        )
    if d.get("n_dropped"):
        head.append(f" · {d['n_dropped']} dropped", style="yellow")
    console.print(head)
    src = inp.get("predictions", "")
    if inp.get("labels"):
        src += f" + {inp['labels']}"
    console.print(f"input: {src}", style="dim")
    for note in d.get("inference", []):
        console.print(f"inferred {note}", style="dim")
    console.print()

    if d["losses"]:
        t = Table(title="Losses", title_justify="left", show_edge=False)
        for col in ("loss", "mean", "std", "min", "max"):
            t.add_column(col, justify="left" if col == "loss" else "right")
        if d.get("ci"):
            t.add_column(ci_header(d), justify="right")
        for name, value in d["losses"].items():
            s = d["loss_stats"].get(name, {})
            cells = [fmt_num(s.get(k)) for k in ("std", "min", "max")]
            if d.get("ci"):
                cells.append(ci_text(d, catalog.loss_key(name)))
            t.add_row(name, fmt_num(value), *cells)
        console.print(t)
        console.print()

    if d["metrics"]:
        names = [n for n in _ORDER if n in d["metrics"]]
        names += [n for n in d["metrics"] if n not in names]
        t = Table(title="Metrics", title_justify="left", show_edge=False)
        t.add_column("metric")
        t.add_column("value", justify="right")
        if d.get("ci"):
            t.add_column(ci_header(d), justify="right")
        for n in names:
            t.add_row(n, fmt_num(d["metrics"][n]), *([ci_text(d, n)] if d.get("ci") else []))
        console.print(t)
        console.print()

    if d.get("groups"):
        _slices(console, d, color)

    if d["per_class"]:
        keys = [k for k in d["per_class"][0] if k != "class"]
        t = Table(title="Per class", title_justify="left", show_edge=False)
        t.add_column("class")
        for k in keys:
            t.add_column(k, justify="right")
        for row in d["per_class"]:
            t.add_row(str(row["class"]), *[fmt_num(row.get(k), 4) for k in keys])
        console.print(t)
        console.print()

    if len(d.get("per_output") or []) > 1:
        keys = [k for k in d["per_output"][0] if k != "output"]
        t = Table(title="Per output", title_justify="left", show_edge=False)
        t.add_column("output")
        for k in keys:
            t.add_column(k, justify="right")
        for row in d["per_output"]:
            t.add_row(str(row["output"]), *[fmt_num(row.get(k), 4) for k in keys])
        console.print(t)
        console.print()

    cm = d.get("confusion_matrix")
    if cm and d["task"] != "multilabel":
        classes = d["classes"]
        console.print("[bold]Confusion matrix[/bold] [dim](rows true, columns predicted)[/dim]")
        t = Table(show_edge=False)
        t.add_column("true \\ pred")
        for c in classes:
            t.add_column(str(c), justify="right")
        for i, row in enumerate(cm):
            total = sum(row) or 1
            cells = [Text(fmt_num(v), style=_heat(v / total) if color else "") for v in row]
            t.add_row(str(classes[i]), *cells)
        console.print(t)
        console.print()
    elif cm:
        t = Table(title="Per-label confusion (tn fp fn tp)", title_justify="left", show_edge=False)
        for col in ("label", "tn", "fp", "fn", "tp"):
            t.add_column(col, justify="left" if col == "label" else "right")
        for name, mat in zip(d["classes"], cm):
            t.add_row(
                str(name), *[fmt_num(v) for v in (mat[0][0], mat[0][1], mat[1][0], mat[1][1])]
            )
        console.print(t)
        console.print()

    if histograms:
        from losscli.render.histogram import histogram_lines

        for hist in histograms.values():
            for line in histogram_lines(hist, 60):
                console.print(line, markup=False, highlight=False)
            console.print()
    for w in d["warnings"]:
        console.print(f"warning: {w}", style="yellow")
    console.print(d["signature"], style="dim", overflow="ignore", crop=False, soft_wrap=True)
    return buf.getvalue()


def _slices(console: Any, d: dict[str, Any], color: bool) -> None:
    """Slices of ``--group-by`` side by side: one row per value, the worst one marked."""
    from rich.table import Table
    from rich.text import Text

    names = slice_names(d)
    worst = worst_slices(d, names)
    t = Table(
        title=f"Slices by {d['group_by']} (▼ the worst slice)",
        title_justify="left",
        show_edge=False,
    )
    t.add_column(str(d["group_by"]))
    t.add_column("n", justify="right")
    for n in names:
        t.add_column(n, justify="right")
    for key, part in d["groups"].items():
        cells = []
        for n in names:
            text = fmt_num(slice_value(part, n), 4)
            if worst.get(n) == key:
                cells.append(Text(text + " ▼", style="bold red" if color else ""))
            else:
                cells.append(Text(text))
        t.add_row(key, str(part["n_samples"]), *cells)
    t.add_row(
        Text("all", style="bold"),
        str(d["n_samples"]),
        *[fmt_num(slice_value(d, n), 4) for n in names],
        end_section=False,
    )
    console.print(t)
    console.print()
