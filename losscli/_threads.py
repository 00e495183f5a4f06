"""Worker threads for numpy work, and keeping OpenBLAS to one thread while they run.

numpy releases the GIL in its array loops, so a few Python threads use a few cores. A
threaded BLAS inside each of them would oversubscribe the cores (and stall when another
process is busy), so :func:`single_threaded_blas` pins the OpenBLAS that numpy loaded to one
thread for the duration (the ``*_set_num_threads`` entry points threadpoolctl also uses). When
it cannot (another BLAS, no such symbol), callers run on one thread.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Background", "blocks_in_order", "cpu_count", "one_ahead", "single_threaded_blas"]

S = TypeVar("S")
#: Below this many elements of work (e.g. cells ranked) :func:`blocks_in_order` runs on the
#: calling thread: starting a pool and pinning BLAS costs milliseconds (about 12 ms of a
#: 10-row ``compute``), more than such work takes on one core.
MIN_PARALLEL_WORK = 1 << 18
T = TypeVar("T")

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def cpu_count() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it).

    >>> cpu_count() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries numpy loaded (Linux: from /proc/self/maps)."""
    import numpy as np

    found: set[str] = set()
    maps = Path("/proc/self/maps")
    if maps.exists():
        for line in maps.read_text().splitlines():
            path = line.split()[-1] if line.split() else ""
            if "openblas" in path.lower() and path.startswith("/"):
                found.add(path)
    if not found:  # macOS / Windows wheels keep it beside the package
        root = Path(np.__file__).resolve().parent
        for folder in (root.parent / "numpy.libs", root / ".dylibs"):
            if folder.is_dir():
                found.update(str(p) for p in folder.iterdir() if "openblas" in p.name.lower())
    return sorted(found)


@cache
def _openblas() -> tuple[Any, Any] | None:
    """``(set_num_threads, get_num_threads)`` of numpy's OpenBLAS, or None."""
    if sys.platform == "win32":  # pragma: no cover - loading by path differs there
        return None
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # pragma: no cover
            continue
        for name in _SETTERS:
            getter_name = name.replace("set_num_threads", "get_num_threads")
            if hasattr(lib, name) and hasattr(lib, getter_name):
                return getattr(lib, name), getattr(lib, getter_name)
    return None


@contextmanager
def single_threaded_blas() -> Iterator[bool]:
    """Pin numpy's OpenBLAS to one thread inside the block; yields whether it could.

    >>> with single_threaded_blas() as pinned:
    ...     isinstance(pinned, bool)
    True
    """
    calls = _openblas()
    if calls is None:
        yield False
        return
    setter, getter = calls
    before = int(getter())
    setter(1)
    try:
        yield True
    finally:
        setter(before)


def blocks_in_order(
    starts: list[int],
    job: Callable[[int, S], T],
    scratch: Callable[[], S],
    *,
    workers: int | None = None,
    name: str = "losscli",
    work: int | None = None,
) -> Iterator[T]:
    """``job(start, buffers)`` for each start, yielded in the order of ``starts``.

    The blocks run on ``workers`` threads (default: the cores, at most 4) with OpenBLAS pinned
    to one thread (:func:`single_threaded_blas`), each thread with its own ``scratch()``
    buffers; on one thread when ``workers`` is 1, there is one block, the ``work`` is below
    :data:`MIN_PARALLEL_WORK`, or BLAS cannot be pinned (a threaded BLAS in every worker
    would oversubscribe the cores). A block's result must not depend on the thread that
    computes it, so neither does the output. When the consumer stops (Ctrl-C, SIGTERM, an
    error), the blocks not yet started are dropped.

    Args:
        starts: the first index of each block.
        job: computes one block from its start and the calling thread's buffers.
        scratch: makes one thread's buffers.
        workers: threads (1: none).
        name: the worker threads' name prefix.
        work: how many elements all the blocks handle together, when the caller knows (None:
            not considered).

    Yields:
        ``job(start, ...)`` for each start, in order.

    >>> list(blocks_in_order([0, 2, 4], lambda a, buf: a + len(buf), lambda: [0], workers=2))
    [1, 3, 5]
    """
    n_workers = min(workers or min(cpu_count(), 4), len(starts))
    if work is not None and work < MIN_PARALLEL_WORK:
        n_workers = 1

    def serial() -> Iterator[T]:
        buffers = scratch()
        for a in starts:
            yield job(a, buffers)

    if n_workers <= 1:
        yield from serial()
        return
    with single_threaded_blas() as pinned:
        if not pinned:
            yield from serial()
            return
        import threading
        from concurrent.futures import ThreadPoolExecutor

        local = threading.local()

        def run(a: int) -> T:
            if not hasattr(local, "buffers"):
                local.buffers = scratch()
            return job(a, local.buffers)

        pool = ThreadPoolExecutor(n_workers, thread_name_prefix=name)
        try:
            yield from pool.map(run, starts)
        finally:  # Ctrl-C or SIGTERM: drop the blocks not started instead of computing them
            pool.shutdown(wait=True, cancel_futures=True)


def one_ahead(
    items: Iterable[S], job: Callable[[S], T], *, name: str = "losscli-read"
) -> Iterator[T]:
    """``job(item)`` for each item, in order, the next item's job running on a worker thread
    while the consumer handles the current result (reading the next chunk while this one is
    computed: numpy frees the GIL in its file reads).

    At most one result waits beyond the one the consumer holds, so memory grows by one
    result. An error of a job is raised to the consumer at that item, in order. When the
    consumer stops (it closes the iterator, or an error or Ctrl-C ends it), the job under way
    finishes and none is started. One item or none: no thread.

    Args:
        items: the jobs' arguments, in order.
        job: computes one result; runs on the worker thread (one at a time, in order).
        name: the worker thread's name prefix.

    Yields:
        ``job(item)`` for each item.

    >>> list(one_ahead(range(4), lambda i: i * i))
    [0, 1, 4, 9]
    """
    todo = list(items)
    if len(todo) <= 1:
        for item in todo:
            yield job(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix=name)
    try:
        current = pool.submit(job, todo[0])
        for item in todo[1:]:
            ahead = pool.submit(job, item)  # runs while the consumer has current's result
            yield current.result()
            current = ahead
        yield current.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Background:
    """``fn(*args)`` on a daemon thread; :meth:`result` waits for it (and raises its error).

    A daemon thread, not a pool's: when the caller stops (Ctrl-C, an error) the process
    exits without waiting for the job under way (``compare``'s bootstrap setup beside the
    swaps' blocks, the swaps' rank sorts beside a model's row terms).

    >>> job = Background(sum, [1, 2, 3])
    >>> job.result()
    6
    >>> Background(int, "x").result()  # the job's error, raised to the caller
    Traceback (most recent call last):
    ...
    ValueError: invalid literal for int() with base 10: 'x'
    """

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        import threading

        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        threading.Thread(
            target=self._run, args=(fn, args), name="losscli-setup", daemon=True
        ).start()

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            self._value = fn(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the caller by result()
            self._error = error
        finally:
            self._done.set()

    def result(self) -> Any:
        """The value of ``fn(*args)``, once it is done (its exception raised here)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        value, self._value = self._value, None
        return value
