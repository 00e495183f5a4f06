"""Progress of a long run, reported through one plain callback (no terminal code here).

The stages that take time call :func:`report` with how far they are: the reading of the
input (``"read"``: bytes of a file whose size is known, else rows, of ``n_rows`` when the
format says), the bootstrap resamples (``"resamples"``), compare's random swaps
(``"permutations"``) and the Dask tasks (``"tasks"``). Nothing happens unless a callback is
installed with :func:`reporting`; the command line installs one that draws a progress bar on
stderr at a terminal (:mod:`losscli.cli.progress`). The numeric code stays free of any
terminal library: it only calls :func:`report`.

>>> seen = []
>>> with reporting(lambda *a: seen.append(a)):
...     report("resamples", 128, 1000, "resamples")
>>> report("resamples", 256, 1000, "resamples")  # no callback: nothing
>>> seen
[('resamples', 128, 1000, 'resamples')]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Callback = Callable[[str, float, "float | None", str], None]
"""``callback(stage, done, total, unit)``: ``total`` None when unknown."""

_lock = threading.Lock()
_callback: Callback | None = None


@contextmanager
def reporting(callback: Callback | None) -> Iterator[None]:
    """Send :func:`report` calls to ``callback`` inside the block (None: nowhere).

    Args:
        callback: called as ``callback(stage, done, total, unit)``, possibly from another
            thread (the Dask client's).
    """
    global _callback
    with _lock:
        previous, _callback = _callback, callback
    try:
        yield
    finally:
        with _lock:
            _callback = previous


def active() -> bool:
    """Whether anyone listens (lets a stage skip the work of measuring itself).

    >>> active()
    False
    """
    return _callback is not None


def report_read(table: Any, rows: int) -> None:  # noqa: ANN401 - a losscli.io.Table
    """Report the reading of ``table``: rows of ``table.n_rows`` when the format knows it,
    else bytes of the file (``table.position()``), else the rows read so far.

    >>> class T:
    ...     n_rows = None
    ...     def position(self):
    ...         return (10, 40)
    >>> seen = []
    >>> with reporting(lambda *a: seen.append(a)):
    ...     report_read(T(), 100)
    >>> seen
    [('read', 10, 40, 'bytes')]
    """
    if _callback is None:
        return
    if table.n_rows:
        report("read", rows, table.n_rows, "rows")
        return
    where = table.position()
    if where is not None:
        report("read", where[0], where[1], "bytes")
    else:
        report("read", rows, None, "rows")


def track_futures(futures: list[Any]) -> None:
    """Report Dask tasks (``"tasks"``) as they finish: each future's done-callback counts it
    (any object with ``add_done_callback(fn)``; the callbacks run on the client's thread).

    >>> class F:
    ...     def add_done_callback(self, fn):
    ...         fn(self)
    >>> seen = []
    >>> with reporting(lambda *a: seen.append(a)):
    ...     track_futures([F(), F()])
    >>> seen
    [('tasks', 0, 2, 'tasks'), ('tasks', 1, 2, 'tasks'), ('tasks', 2, 2, 'tasks')]
    """
    if _callback is None:
        return
    count = threading.Lock(), [0]

    def finished(_future: Any) -> None:  # noqa: ANN401 - a dask Future
        with count[0]:
            count[1][0] += 1
            done = count[1][0]
        report("tasks", done, len(futures), "tasks")

    report("tasks", 0, len(futures), "tasks")
    for future in futures:
        future.add_done_callback(finished)


def report(stage: str, done: float, total: float | None = None, unit: str = "rows") -> None:
    """Say that ``stage`` has done ``done`` of ``total`` ``unit`` (cheap without a callback).

    Args:
        stage: ``"read"``, ``"resamples"``, ``"permutations"`` or ``"tasks"``.
        done: how much is done so far (not an increment).
        total: how much there is, None when unknown.
        unit: what is counted (``"bytes"``, ``"rows"``, ``"resamples"``, ...).
    """
    callback = _callback
    if callback is not None:
        callback(stage, done, total, unit)
