"""``losscli losses [NAME]``: the loss catalog (:mod:`losscli.catalog`), rendered by
:mod:`losscli.render.catalog`."""

from __future__ import annotations

import sys

import click

from losscli.cli.help import complete_loss_names
from losscli.cli.options import CONTEXT, color_option
from losscli.cli.output import format_for, table_width, use_color

FORMATS = ("table", "json", "markdown")


@click.command("losses", context_settings=CONTEXT)
@click.argument("name", required=False, shell_complete=complete_loss_names)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=None,
    help="Default: a table at a terminal, JSON in a pipe.",
)
@color_option
def losses_command(name: str | None, fmt: str | None, color: str) -> None:
    """The loss catalog: every loss, its tasks, formula, parameters and reference.

    \b
    losscli losses            # all of them
    losscli losses focal      # one in detail
    losscli losses --format json | jq '.[].name'
    """
    from losscli.catalog import ADVICE, entries
    from losscli.render.catalog import catalog_json, catalog_markdown, catalog_table

    items = entries(name)
    fmt = format_for(fmt, None, FORMATS)
    if fmt == "json":
        text = catalog_json(items)
    elif fmt == "markdown":
        text = catalog_markdown(items, ADVICE)
    else:
        text = catalog_table(
            items,
            ADVICE,
            color=use_color(None, color),
            detail=name is not None,
            width=table_width(),
        )
    sys.stdout.write(text)
