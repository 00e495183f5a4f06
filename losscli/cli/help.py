"""``--help`` that guides: examples first, then the description, then the options in groups.

:class:`GroupedCommand` is a plain :class:`click.Command` whose help lists its examples right
after the usage line and its options under the titles of
:data:`losscli.cli.options.HELP_GROUPS` (inputs, task and scores, losses and their
parameters, metrics, uncertainty, outputs, gates, performance), in that order. An option no
group names is still listed, under "Other options" (a test keeps that section empty for the
shipped commands). Click only; nothing is imported to format the help.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from losscli.cli.options import HELP_GROUPS, OTHER_OPTIONS, help_group


class GroupedCommand(click.Command):
    """A command whose ``--help`` shows ``examples`` first and its options grouped.

    Args:
        examples: command lines shown as written (not re-wrapped) under "Examples".
        *args, **kwargs: those of :class:`click.Command`.

    >>> @click.command(cls=GroupedCommand, examples=["demo --task binary"])
    ... @click.option("--task")
    ... def demo(task):
    ...     '''Demo.'''
    >>> print(demo.get_help(click.Context(demo, info_name="demo")))
    Usage: demo [OPTIONS]
    <BLANKLINE>
    Examples:
      demo --task binary
    <BLANKLINE>
      Demo.
    <BLANKLINE>
    Task and scores:
      --task TEXT
    <BLANKLINE>
    Other options:
      --help  Show this message and exit.
    """

    def __init__(self, *args: Any, examples: Sequence[str] = (), **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.examples = tuple(examples)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The examples (as written), then the command's description."""
        if self.examples:
            with formatter.section("Examples"):
                for line in self.examples:
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")
        super().format_help_text(ctx, formatter)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options under their group titles, in the groups' order; the rest last."""
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                sections.setdefault(help_group(param.name or ""), []).append(record)
        for title, rows in sorted(sections.items(), key=lambda kv: _order(kv[0])):
            with formatter.section(title):
                formatter.write_dl(rows)


def _order(title: str) -> int:
    titles = [t for t, _ in HELP_GROUPS]
    return titles.index(title) if title in titles else len(titles) + (title == OTHER_OPTIONS)
