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


# Confusion-matrix cells: a background scale with an explicit text colour on every step, so a
# cell reads the same on dark and light themes (no near-white cell under a theme's white
# text). Diagonal (right) cells on blues, off-diagonal (confused) cells on oranges; the first
# step is already a mid tone. Zero cells keep the theme's colours, dimmed.
_BLUES = ((198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107))
_ORANGES = ((253, 208, 162), (253, 141, 60), (166, 54, 3), (103, 32, 4))


def heat_style(frac: float, diagonal: bool) -> str:
    """The rich style of a confusion cell holding ``frac`` of its true class's rows.

    >>> heat_style(0.0, False), heat_style(1.0, True)
    ('dim', 'rgb(255,255,255) on rgb(8,48,107)')
    >>> heat_style(0.05, False)
    'rgb(0,0,0) on rgb(253,208,162)'
    """
    level = max(0.0, min(1.0, frac))
    if level <= 0:
        return "dim"
    scale = _BLUES if diagonal else _ORANGES
    r, g, b = scale[min(len(scale) - 1, int(level * len(scale)))]
    light = 0.299 * r + 0.587 * g + 0.114 * b > 140
    fg = "rgb(0,0,0)" if light else "rgb(255,255,255)"
    return f"{fg} on rgb({r},{g},{b})"


MIN_WIDTH = 40
DEFAULT_WIDTH = 100


def text_console(color: bool, width: int | None) -> tuple[Any, io.StringIO]:
    """A rich console that renders into a string buffer (ANSI codes only when ``color``),
    ``width`` columns wide (:data:`DEFAULT_WIDTH` when None, at least :data:`MIN_WIDTH`)."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        color_system=color_system() if color else None,
        width=max(MIN_WIDTH, width or DEFAULT_WIDTH),
        highlight=False,
        emoji=False,
    )
    return console, buf


def color_system() -> str:
    """The colours the terminal takes: ``truecolor`` when ``COLORTERM`` says so, ``256`` for a
    ``TERM`` naming 256 colours, else the 16 ``standard`` ones (rich maps the scale down)."""
    import os

    if os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    if "256" in os.environ.get("TERM", ""):
        return "256"
    return "standard"


def _plain(cell: Any) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)


def print_fitted(
    console: Any,
    title: str,
    key_header: str,
    keys: list[Any],
    columns: list[tuple[str, list[Any], str]],
    *,
    row_styles: list[str | None] | None = None,
    key_justify: str = "left",
    section_after: int | None = None,
) -> None:
    """Print a table of ``keys`` (its first column) and ``columns`` (header, cells, justify)
    within the console's width: no cell wraps. Columns that do not fit beside the first one
    go to a second (third, ...) table that repeats the first column; a first-column label
    wider than a third of the width (and what leaves room for one more column) is cut with
    ``…``. ``section_after``: a rule below that many rows (the worst classes above the
    best)."""
    from rich.table import Table

    from losscli.render.classes import cell_width

    width = console.width
    widths = [
        max([cell_width(h), *(cell_width(_plain(c)) for c in cells)]) for h, cells, _ in columns
    ]
    key_w = max([cell_width(key_header), *(cell_width(_plain(k)) for k in keys)])
    room = width - 2 - (max(widths, default=0) + 3)
    key_max = max(min(key_w, max(12, width // 3)), min(key_w, room)) if widths else width - 2
    key_max = max(4, min(key_max, room if widths else width - 2))
    groups = _split(widths, width - (min(key_w, key_max) + 2))
    for n, group in enumerate(groups):
        label = title if n == 0 or not title else f"{title} (continued)"
        t = Table(title=label or None, title_justify="left", show_edge=False)
        t.add_column(
            key_header, justify=key_justify, no_wrap=True, max_width=key_max, overflow="ellipsis"
        )
        for i in group:
            t.add_column(columns[i][0], justify=columns[i][2], no_wrap=True)
        for r, key in enumerate(keys):
            style = row_styles[r] if row_styles else None
            t.add_row(
                key,
                *[columns[i][1][r] for i in group],
                style=style,
                end_section=section_after is not None and r == section_after - 1,
            )
        console.print(t)


def _split(widths: list[int], room: int) -> list[list[int]]:
    """Columns (each ``w + 3`` wide with its padding and rule) in order, into as few tables as
    fit ``room``, balanced so that no table is much wider than the others.

    >>> _split([9, 6, 6, 7, 11, 7, 17], 71)
    [[0, 1, 2, 3], [4, 5, 6]]
    >>> _split([5, 5], 100)
    [[0, 1]]
    """

    def pack(cap: int) -> list[list[int]]:
        groups: list[list[int]] = [[]]
        used = 0
        for i, w in enumerate(widths):
            if groups[-1] and used + w + 3 > cap:
                groups.append([])
                used = 0
            groups[-1].append(i)
            used += w + 3
        return groups

    fewest = len(pack(room))
    total = sum(w + 3 for w in widths)
    cap = -(-total // fewest)
    while cap < room and len(pack(cap)) > fewest:
        cap += 1
    return pack(min(cap, room))


def print_signature(console: Any, signature: str) -> None:
    """The signature, dim, folded after a ``|`` so that no line is wider than the console."""
    from rich.text import Text

    lines, line = [], ""
    for part in signature.split("|"):
        piece = part if not line else "|" + part
        if line and len(line) + len(piece) > console.width:
            lines.append(line)
            piece = "|" + part
            line = ""
        line += piece
    lines.append(line)
    for text in lines:
        console.print(Text(text, style="dim"), overflow="fold")


def to_table(
    d: dict[str, Any],
    *,
    color: bool = True,
    width: int | None = None,
    histograms: dict[str, Any] | None = None,
    all_classes: bool = False,
) -> str:
    """Render the report dict as rich tables and return the text (ANSI codes when ``color``).

    ``width`` (default 100) bounds every line: tables that would be wider are split, a
    confusion matrix that does not fit becomes its largest confusions, and past
    :data:`losscli.render.classes.MAX_CLASS_ROWS` classes the per-class table shows the worst
    and best (``all_classes`` shows every class). ``histograms`` (from
    :func:`losscli.render.histogram.text_histograms`) adds text histograms of the per-sample
    loss and of the predicted probabilities by class.
    """
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
    console.print(Text(f"input: {src}", style="dim"), overflow="fold")
    for note in d.get("inference", []):
        console.print(Text(f"inferred {note}", style="dim"))
    console.print()

    ci = [ci_header(d)] if d.get("ci") else []
    if d["losses"]:
        names = list(d["losses"])
        stats = [d["loss_stats"].get(n, {}) for n in names]
        cols = [("mean", [fmt_num(d["losses"][n]) for n in names], "right")]
        cols += [(k, [fmt_num(s.get(k)) for s in stats], "right") for k in ("std", "min", "max")]
        if ci:
            cols.append((ci[0], [ci_text(d, catalog.loss_key(n)) for n in names], "right"))
        print_fitted(console, "Losses", "loss", names, cols)
        console.print()

    if d["metrics"]:
        names = [n for n in _ORDER if n in d["metrics"]]
        names += [n for n in d["metrics"] if n not in names]
        cols = [("value", [fmt_num(d["metrics"][n]) for n in names], "right")]
        if ci:
            cols.append((ci[0], [ci_text(d, n) for n in names], "right"))
        print_fitted(console, "Metrics", "metric", names, cols)
        console.print()

    if d.get("groups"):
        _slices(console, d, color)

    if d["per_class"]:
        _per_class(console, d, all_classes)

    if len(d.get("per_output") or []) > 1:
        keys = [k for k in d["per_output"][0] if k != "output"]
        rows = d["per_output"]
        cols = [(k, [fmt_num(r.get(k), 4) for r in rows], "right") for k in keys]
        print_fitted(console, "Per output", "output", [str(r["output"]) for r in rows], cols)
        console.print()

    cm = d.get("confusion_matrix")
    if cm and d["task"] != "multilabel":
        _confusion(console, d, color, all_classes)
    elif cm:
        _label_confusion(console, d, all_classes)

    if histograms:
        from losscli.render.histogram import histogram_lines

        for hist in histograms.values():
            for line in histogram_lines(hist, min(60, console.width)):
                console.print(line, markup=False, highlight=False, overflow="crop")
            console.print()
    for w in d["warnings"]:
        console.print(Text(f"warning: {w}", style="yellow"))
    print_signature(console, d["signature"])
    return buf.getvalue()


def _per_class(console: Any, d: dict[str, Any], all_classes: bool) -> None:
    """The per-class table (every class, or the worst and best; see render/classes.py)."""
    from rich.text import Text

    from losscli.render.classes import class_headers, class_rows

    shown = class_rows(d["per_class"], all_classes)
    keys = [k for k in d["per_class"][0] if k != "class"]
    rows = shown.rows
    labels = [str(r["class"]) for r in rows]
    heads = class_headers(d, keys)
    cols = [(h, [fmt_num(r.get(k), 4) for r in rows], "right") for h, k in zip(heads, keys)]
    title = "Per class"
    if shown.hidden:
        title += f" ({shown.gap} worst, {len(rows) - (shown.gap or 0)} best by {shown.key})"
    styles: list[str | None] = [None] * len(rows)
    print_fitted(console, title, "class", labels, cols, row_styles=styles, section_after=shown.gap)
    if shown.hidden:
        console.print(Text(shown.note(), style="dim"))
    console.print()


def _label_confusion(console: Any, d: dict[str, Any], all_classes: bool) -> None:
    """Multi-label: ``tn fp fn tp`` per label, for the labels the per-class table shows (all
    of them, or its worst and best: the same rule, the same order)."""
    from rich.text import Text

    from losscli.render.classes import class_rows

    names = [str(c) for c in d["classes"]]
    order = list(range(len(names)))
    shown = class_rows(d["per_class"], all_classes) if d["per_class"] else None
    if shown is not None and shown.hidden:
        index = {str(r["class"]): i for i, r in enumerate(d["per_class"])}
        order = [index[str(r["class"])] for r in shown.rows]
    cm = [d["confusion_matrix"][i] for i in order]
    cols = [
        (name, [fmt_num(mat[i][j]) for mat in cm], "right")
        for name, (i, j) in (("tn", (0, 0)), ("fp", (0, 1)), ("fn", (1, 0)), ("tp", (1, 1)))
    ]
    title = "Per-label confusion"
    print_fitted(
        console,
        title,
        "label",
        [names[i] for i in order],
        cols,
        section_after=shown.gap if shown is not None and shown.hidden else None,
    )
    if shown is not None and shown.hidden:
        console.print(Text(f"the labels of the per-class table; {shown.note()}", style="dim"))
    console.print()


def _confusion(console: Any, d: dict[str, Any], color: bool, all_classes: bool) -> None:
    """The confusion matrix when it fits the width (class names, else class indices as the
    column headers), else its largest off-diagonal cells."""
    from rich.table import Table
    from rich.text import Text

    from losscli.render.classes import N_CONFUSIONS, matrix_width, top_confusions

    classes = [str(c) for c in d["classes"]]
    cm = d["confusion_matrix"]
    width = console.width
    headers, labels = classes, classes
    if matrix_width(classes, classes, 1) > width:
        headers = [str(i) for i in range(len(classes))]
        labels = [f"{i} {c}" for i, c in enumerate(classes)]
    # a matrix too wide even with one-character cells is never formatted (1,000 classes)
    cells = (
        [[fmt_num(v) for v in row] for row in cm]
        if matrix_width(headers, labels, 1) <= width
        else []
    )
    widest = max((len(c) for row in cells for c in row), default=1)
    if cells and matrix_width(headers, labels, widest) > width and headers is classes:
        headers = [str(i) for i in range(len(classes))]
        labels = [f"{i} {c}" for i, c in enumerate(classes)]
    if cells and matrix_width(headers, labels, widest) <= width:
        note = "(rows true, columns predicted"
        note += ", by class index)" if headers is not classes else ")"
        console.print(Text.assemble(("Confusion matrix ", "bold"), (note, "dim")))
        # the cells carry their own padding, so that the colour fills the whole cell
        t = Table(show_edge=False, padding=(0, 0))
        t.add_column(" true \\ pred ", no_wrap=True)
        col_w = [max(len(h), widest) for h in headers]
        for h, w in zip(headers, col_w):
            t.add_column(f" {h:>{w}} ", justify="left", no_wrap=True)
        for i, row in enumerate(cm):
            total = sum(row) or 1
            t.add_row(
                f" {labels[i]} ",
                *[
                    Text(
                        f" {cells[i][j]:>{col_w[j]}} ",
                        style=heat_style(v / total, i == j) if color else "",
                    )
                    for j, v in enumerate(row)
                ],
            )
        console.print(t)
        console.print()
        return
    top = top_confusions(classes, cm, n=None if all_classes else N_CONFUSIONS)
    console.print(
        Text.assemble(
            ("Top confusions ", "bold"),
            (f"(the matrix of {len(classes)} classes is wider than {width} columns)", "dim"),
        )
    )
    keys = [f"{t} -> {p}" for t, p, _, _ in top.cells]
    cols = [
        ("count", [fmt_num(c) for _, _, c, _ in top.cells], "right"),
        ("share", [_share(s) for _, _, _, s in top.cells], "right"),
    ]
    print_fitted(console, "", "true -> predicted", keys, cols)
    console.print(Text(top.note(all_classes) + "; share: of the true class's rows", style="dim"))
    console.print()


def _share(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"


def _slices(console: Any, d: dict[str, Any], color: bool) -> None:
    """Slices of ``--group-by`` side by side: one row per value, the worst one marked."""
    from rich.text import Text

    names = slice_names(d)
    worst = worst_slices(d, names)
    keys: list[Any] = [*d["groups"], Text("all", style="bold")]
    parts = [*d["groups"].values(), d]
    cols: list[tuple[str, list[Any], str]] = [("n", [str(p["n_samples"]) for p in parts], "right")]
    for n in names:
        cells: list[Any] = []
        for key, part in zip(keys, parts):
            text = fmt_num(slice_value(part, n), 4)
            if part is not d and worst.get(n) == key:
                cells.append(Text(text + " ▼", style="bold red" if color else ""))
            else:
                cells.append(Text(text))
        cols.append((n, cells, "right"))
    title = f"Slices by {d['group_by']} (▼ the worst slice)"
    print_fitted(console, title, str(d["group_by"]), keys, cols)
    console.print()
