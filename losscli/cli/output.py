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

from losscli.errors import EXIT_GATE_FAILED, UsageError

OUTPUT_EXTENSIONS: dict[str, str] = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "table",
    ".html": "html",
    ".htm": "html",
}
"""``--output``'s extension -> the report format it implies: the one map of extensions to
formats (a new format adds its extension here). A name without an extension (``report``,
``/dev/stdout``) writes JSON; any other extension is refused by :func:`format_for`."""


LONG_WORD = 300
"""A run of non-space characters longer than this is cut in a stderr line (a huge class
name, label or option value), keeping its ends and its length."""
LONG_LINE = 4000
"""A stderr line longer than this keeps its start and its end (where the fix is)."""


def clip(message: str) -> str:
    """``message`` with each run of more than :data:`LONG_WORD` non-space characters cut to
    its first 60 and last 20 characters, then, still over :data:`LONG_LINE`, its middle left
    out, so a hostile value cannot make one ``Error:`` line megabytes long.

    Args:
        message: one stderr line.

    Returns:
        The line, unchanged when it is short enough.

    >>> clip("label 'z' is fine")
    "label 'z' is fine"
    >>> clip("class '" + "z" * 1000 + "' is unknown") == (
    ...     "class '" + "z" * 59 + "…" + "z" * 19 + "' [1,002 characters] is unknown"
    ... )
    True
    """
    if len(message) <= LONG_WORD:
        return message
    import re

    def cut(m: re.Match[str]) -> str:
        w = m.group(0)
        return f"{w[:60]}…{w[-20:]} [{len(w):,} characters]"

    out = re.sub(r"\S{" + str(LONG_WORD + 1) + ",}", cut, message)
    if len(out) > LONG_LINE:
        head, tail = LONG_LINE * 2 // 3, LONG_LINE // 4
        out = f"{out[:head]} … [{len(out) - head - tail:,} characters] … {out[-tail:]}"
    return out


def err(message: str) -> None:
    """Print one line on stderr (:func:`clip`-ped); a closed stderr is ignored (the exit
    code still tells)."""
    try:
        click.echo(clip(message), err=True)
    except (OSError, ValueError, AttributeError):
        pass


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (False when it is closed or has no descriptor)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (where a person reads notes meant for them)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


COLOR_CHOICES = ("auto", "always", "never")


def use_color(output: str | None = None, choice: str = "auto") -> bool:
    """Whether a table gets colours: ``--color always`` / ``never``; else (``auto``) not with
    ``NO_COLOR`` set (to anything but ""), not into an ``--output`` file, yes with
    ``FORCE_COLOR`` set (to anything but "" or "0"), else when stdout is a terminal."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR") or output:
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return stdout_is_terminal()


def table_width() -> int:
    """A table's width: ``COLUMNS`` when it is a whole number, else the terminal's (stdout),
    else 100 columns (the table renderer keeps at least 40)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stdout_is_terminal():
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except (OSError, ValueError, AttributeError):
            pass
    return 100


def warnings_shown(fmt: str, output: str | None) -> bool:
    """Whether the report itself shows its warnings on the screen, so that stderr does not
    repeat them: a table printed to a terminal (its warnings are its last lines)."""
    return fmt == "table" and not output and stdout_is_terminal()


def format_for(fmt: str | None, output: str | None, formats: Sequence[str]) -> str:
    """The format of a result: ``--format``; else ``--output``'s extension
    (:data:`OUTPUT_EXTENSIONS`; JSON for a name without one); else a table at a terminal and
    JSON in a pipe.

    An extension that is not in the map, or names a format the command cannot write, is a
    :class:`~losscli.errors.UsageError` naming the extensions it takes and ``--format``.

    >>> format_for(None, "r.md", ("table", "json", "csv", "markdown"))
    'markdown'
    >>> format_for(None, "/dev/stdout", ("table", "json")), format_for("csv", "r.yaml", ("csv",))
    ('json', 'csv')
    >>> format_for(None, "r.yaml", ("table", "json", "csv"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    losscli.errors.UsageError: --output r.yaml: unknown extension '.yaml'; use .json, ...
    """
    if fmt:
        return fmt
    if output:
        ext = os.path.splitext(os.path.basename(output))[1].lower()
        if not ext:
            return "json"
        implied = OUTPUT_EXTENSIONS.get(ext)
        if implied not in formats:
            first = {}  # each format's first extension (not the aliases .markdown, .htm)
            for e, f in OUTPUT_EXTENSIONS.items():
                first.setdefault(f, e)
            known = [e for f, e in first.items() if f in formats]
            what = (
                f"unknown extension {ext!r}"
                if implied is None
                else f"{ext!r} is {implied}, which this command does not write"
            )
            raise UsageError(
                f"--output {output}: {what}; use {_or(known)}, or pass --format "
                f"({_or(list(formats))})"
            )
        return implied
    return "table" if stdout_is_terminal() else "json"


def _or(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


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
    shown: bool = False,
) -> None:
    """Stage a result for ``--output`` or stdout in ``outs``; print its warnings to stderr
    unless ``quiet`` or the result ``shown`` them on the screen already (a table at a
    terminal: each warning is printed once).

    Nothing reaches the file or stdout before ``outs.commit()``.
    """
    if output:
        outs.write("--output", text.encode("utf-8"))
    elif to_stdout:
        outs.stdout(text)
    if not quiet and not (shown and to_stdout):
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
