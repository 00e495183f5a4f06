"""Rendering the loss catalog (``losscli losses``) as JSON, Markdown or a rich view."""

from __future__ import annotations

import json
from typing import Any


def _fmt_default(value: Any) -> str:
    return "off" if value is None else str(value)


def catalog_json(entries: list[dict[str, Any]]) -> str:
    """The catalog as a JSON list of entries."""
    return json.dumps(entries, indent=2) + "\n"


def catalog_markdown(entries: list[dict[str, Any]], advice: dict[str, str]) -> str:
    """The catalog as Markdown: the advice, then one section per loss."""
    out = ["## Losses", "", "Which loss for which task (from the source articles):", ""]
    out += [f"- **{task}**: {text}" for task, text in advice.items()]
    out.append("")
    for e in entries:
        aka = f" (also: {', '.join(e['aliases'])})" if e["aliases"] else ""
        out += [f"### `{e['name']}`{aka}", "", e["summary"], ""]
        for task in e["tasks"]:
            out.append(
                f"- **{task}** ({', '.join(e['scores'].get(task, []))}): "
                f"`{e['formula'].get(task, '')}` — reference: {e['reference'].get(task, '')}"
            )
        if e["params"]:
            opts = ", ".join(
                f"`{p['option']}` ({_fmt_default(p['default'])}; {p['range']})" for p in e["params"]
            )
            out.append(f"- parameters: {opts}")
        out.append("")
    return "\n".join(out)


def catalog_table(
    entries: list[dict[str, Any]],
    advice: dict[str, str],
    *,
    color: bool,
    detail: bool,
    width: int | None = None,
) -> str:
    """The catalog for a terminal, ``width`` columns wide (default 100): an overview table
    (name, tasks and parameters never wrap; the advice column wraps at word boundaries),
    or, when the width leaves the advice less than 24 columns, one block per loss; or one
    loss in detail."""
    from rich.table import Table
    from rich.text import Text

    from losscli.render.classes import cell_width
    from losscli.render.table import text_console

    console, buf = text_console(color, width)
    if detail:
        for e in entries:
            console.print(f"[bold]{e['name']}[/bold]  {e['summary']}")
            for task in e["tasks"]:
                console.print(f"  [cyan]{task}[/cyan] ({', '.join(e['scores'].get(task, []))})")
                console.print(f"    formula:   {e['formula'].get(task, '')}", markup=False)
                console.print(f"    reference: {e['reference'].get(task, '')}", markup=False)
            for p in e["params"]:
                console.print(
                    f"  {p['option']} = {_fmt_default(p['default'])} ({p['range']}): {p['help']}",
                    markup=False,
                )
        return buf.getvalue()
    rows = [
        (e["name"], ", ".join(e["tasks"]), ", ".join(p["option"] for p in e["params"]), e)
        for e in entries
    ]
    fixed = [
        max([cell_width(h), *(cell_width(r[i]) for r in rows)])
        for i, h in enumerate(("name", "tasks", "parameters"))
    ]
    # four columns: each padded by a space on both sides, three rules between them
    if console.width - (sum(w + 2 for w in fixed) + 3 + 2) >= 24:
        t = Table(
            title="Losses (losscli losses NAME for one in detail)",
            title_justify="left",
            show_edge=False,
        )
        t.add_column("name", style="bold", no_wrap=True)
        t.add_column("tasks", no_wrap=True)
        t.add_column("parameters", no_wrap=True)
        t.add_column("when to use it", overflow="fold")
        for name, tasks, params, e in rows:
            t.add_row(name, tasks, params, e["summary"])
        console.print(t)
    else:
        console.print(Text("Losses (losscli losses NAME for one in detail)", style="italic"))
        for name, tasks, params, e in rows:
            console.print()
            console.print(Text.assemble((name, "bold"), f"  {tasks}"))
            if params:
                console.print(Text(f"  parameters: {params}"))
            console.print(Text(f"  {e['summary']}"))
    console.print()
    for task, text in advice.items():
        console.print(f"[cyan]{task}[/cyan]: {text}")
    return buf.getvalue()
