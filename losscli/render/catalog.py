"""Rendering the loss catalog (``losscli losses``) as JSON, Markdown or a rich view."""

from __future__ import annotations

import io
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
    entries: list[dict[str, Any]], advice: dict[str, str], *, color: bool, detail: bool
) -> str:
    """The catalog for a terminal: an overview table, or one loss in detail."""
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        color_system="truecolor" if color else None,
        width=110,
        highlight=False,
    )
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
    t = Table(title="Losses (losscli losses NAME for one in detail)", title_justify="left")
    t.add_column("name", style="bold")
    t.add_column("tasks")
    t.add_column("parameters")
    t.add_column("when to use it")
    for e in entries:
        t.add_row(
            e["name"],
            ", ".join(e["tasks"]),
            ", ".join(p["option"] for p in e["params"]),
            e["summary"],
        )
    console.print(t)
    console.print()
    for task, text in advice.items():
        console.print(f"[cyan]{task}[/cyan]: {text}")
    return buf.getvalue()
