"""What every command shares at its output end: stderr lines, terminal detection, colour, the
report format, staging a result for stdout or ``--output``, and the gate exit code.

Click only; nothing here computes. Nothing reaches stdout or a file before the command's
``OutputSet.commit()`` (see :class:`losscli.io.OutputSet`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from losscli.errors import EXIT_GATE_FAILED

# --output's extension -> the format it implies (when the command has that format)
_FORMAT_OF_EXTENSION = {"csv": "csv", "md": "markdown", "markdown": "markdown", "txt": "table"}


def err(message: str) -> None:
    """Print one line on stderr; a closed stderr is ignored (the exit code still tells)."""
    try:
        click.echo(message, err=True)
    except (OSError, ValueError, AttributeError):
        pass


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (False when it is closed or has no descriptor)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(output: str | None = None) -> bool:
    """Colour only for a terminal on stdout, without ``NO_COLOR`` and without ``--output``."""
    return stdout_is_terminal() and not os.environ.get("NO_COLOR") and not output


def table_width() -> int | None:
    """A table's width: the terminal's, else 100 columns."""
    return None if stdout_is_terminal() else 100


def format_for(fmt: str | None, output: str | None, formats: Sequence[str]) -> str:
    """The format of a result: ``--format``; else ``--output``'s extension (``.csv``, ``.md``,
    ``.txt``) when the command has that format, else JSON; else a table at a terminal and
    JSON in a pipe.

    >>> format_for(None, "r.md", ("table", "json", "csv", "markdown"))
    'markdown'
    >>> format_for(None, "r.md", ("table", "json", "csv"))
    'json'
    """
    if fmt:
        return fmt
    if output:
        implied = _FORMAT_OF_EXTENSION.get(output.lower().rsplit(".", 1)[-1], "json")
        return implied if implied in formats else "json"
    return "table" if stdout_is_terminal() else "json"


def declare_inputs(
    outs: Any,  # noqa: ANN401 - a losscli.io.OutputSet (imported lazily)
    inputs: Sequence[tuple[str, str | None]],
    threshold: str | None = None,
) -> None:
    """Declare the input files (and a ``--threshold @FILE``) a command reads, for
    ``outs.check()``."""
    for what, path in inputs:
        outs.add_input(what, path)
    if isinstance(threshold, str) and threshold.startswith("@"):
        outs.add_input(f"--threshold {threshold}", threshold[1:])


def emit(
    text: str,
    output: str | None,
    warnings: list[str],
    quiet: bool,
    outs: Any,  # noqa: ANN401 - a losscli.io.OutputSet
    *,
    to_stdout: bool = True,
) -> None:
    """Stage a result for ``--output`` or stdout in ``outs``; print its warnings to stderr.

    Nothing reaches the file or stdout before ``outs.commit()``.
    """
    if output:
        outs.write("--output", text.encode("utf-8"))
    elif to_stdout:
        outs.stdout(text)
    if not quiet:
        for w in warnings:
            err(f"warning: {w}")


def gate_exit(failed: list[str], n_gates: int, what: str) -> int:
    """List the failed checks on stderr; the exit code (1 when any failed, else 0)."""
    if not failed:
        return 0
    for f in failed:
        err(f"failed: {f}")
    err(f"Error: {len(failed)} of {n_gates} {what} failed")
    return EXIT_GATE_FAILED
