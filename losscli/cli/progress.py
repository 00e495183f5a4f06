"""The progress bar on stderr: :mod:`losscli.progress`'s callback drawn with rich.

:func:`progress_bar` installs, for the block it wraps, a callback that draws one bar per stage
(reading, bootstrap resamples, permutations, Dask tasks) on stderr, with the amount done, the
total when known and the time left. It draws only when it helps a person watching: stderr is
a terminal (not a pipe, not a file, not a CI log), ``TERM`` is not ``dumb``, ``CI`` is not
set, ``-q`` was not given; and only once the run has taken more than :data:`DELAY` seconds,
so a quick run never flickers. The bar is transient: it is erased when the block ends, before
the report and the warnings are written. stdout is never touched.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DELAY = 1.0
"""Seconds a run takes before its progress bar appears (``LOSSCLI_PROGRESS_DELAY`` sets
another, e.g. 0 to always see it)."""


def _delay() -> float:
    try:
        value = float(os.environ.get("LOSSCLI_PROGRESS_DELAY", DELAY))
    except ValueError:
        return DELAY
    return value if value >= 0 else DELAY


_TITLES = {
    "read": "reading",
    "resamples": "bootstrap",
    "permutations": "permutations",
    "tasks": "dask tasks",
}


def wanted(quiet: bool = False) -> bool:
    """Whether a progress bar may be drawn: stderr is a terminal, not ``-q``, not in CI."""
    if quiet or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def amount(done: float, total: float | None, unit: str) -> str:
    """``done/total unit`` for people: bytes in KB/MB/GB, counts with thousands separators.

    >>> amount(1_500_000, 10_000_000, "bytes"), amount(256, 1000, "resamples")
    ('1.5/10.0 MB', '256/1,000 resamples')
    >>> amount(131072, None, "rows")
    '131,072 rows'
    """
    if unit == "bytes":
        top = total if total else done
        scale, name = next(
            ((s, n) for s, n in ((1e9, "GB"), (1e6, "MB"), (1e3, "KB")) if top >= s), (1, "B")
        )
        if total is None:
            return f"{done / scale:.1f} {name}"
        return f"{done / scale:.1f}/{total / scale:.1f} {name}"
    if total is None:
        return f"{int(done):,} {unit}"
    return f"{int(done):,}/{int(total):,} {unit}"


class _Bars:
    """The callback: remembers each stage's state, draws once :data:`DELAY` has passed."""

    def __init__(self, delay: float = DELAY) -> None:
        self.start = time.monotonic()
        self.delay = delay
        self.lock = threading.Lock()
        self.state: dict[str, tuple[float, float | None, str]] = {}
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: float, total: float | None, unit: str) -> None:
        with self.lock:
            self.state[stage] = (done, total, unit)
            if self.progress is None:
                if time.monotonic() - self.start < self.delay:
                    return
                self._open()
                for name, (d, t, u) in self.state.items():  # every stage seen so far
                    self._draw(name, d, t, u)
                return
            self._draw(stage, done, total, unit)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TextColumn("{task.fields[amount]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            refresh_per_second=5,
        )
        self.progress.start()

    def _draw(self, stage: str, done: float, total: float | None, unit: str) -> None:
        text = amount(done, total, unit)
        task = self.tasks.get(stage)
        if task is None:
            self.tasks[stage] = self.progress.add_task(
                _TITLES.get(stage, stage), total=total, completed=done, amount=text
            )
        else:
            self.progress.update(task, total=total, completed=done, amount=text)

    def close(self) -> None:
        with self.lock:
            if self.progress is not None:
                try:
                    self.progress.stop()
                except (OSError, ValueError):  # stderr went away: nothing to erase
                    pass
                self.progress = None


@contextmanager
def progress_bar(quiet: bool = False, *, delay: float | None = None) -> Iterator[None]:
    """Draw the run's progress on stderr inside the block, when :func:`wanted`.

    Args:
        quiet: ``-q``: never draw.
        delay: seconds before the first bar appears (default :data:`DELAY`, or
            ``LOSSCLI_PROGRESS_DELAY``).
    """
    from losscli.progress import reporting

    if not wanted(quiet):
        yield
        return
    bars = _Bars(_delay() if delay is None else delay)
    try:
        with reporting(bars):
            yield
    finally:
        bars.close()
