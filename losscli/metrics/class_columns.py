"""Every class's column of the kept (n, C) keys, one class at a time, on worker threads.

Exact per-class ranking reads one class's keys of every row several times (its lowest
positive, the rows at or above it, the one-vs-one searches). In the row-major (n, C) chunks
that column is strided: with 8 or more classes, one value per cache line. So the classes are
taken a group at a time, the group's columns copied class-major into a (g, N) buffer, and
each class ranked from its contiguous row of it. The copy goes in tiles of :data:`TILE` rows
(each tile's rows of the group stay in cache while every column of it is written); numpy's
own copy of a transposed block writes one class row at a time and reads every source line
once per class of the group. The groups run on worker threads (:func:`blocks_in_order`:
numpy frees the GIL in its sorts and searches), each thread with its own buffer; the
results come back in class order and do not depend on the thread that computed them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np

from losscli._threads import blocks_in_order, cpu_count

__all__ = ["TILE", "class_group", "class_major", "each_class"]

T = TypeVar("T")

#: rows of a tile of the class-major copy
TILE = 256
# at most this many key values in one class-major buffer (32 MB of float64)
_GROUP_CELLS = 1 << 22


def class_group(n_classes: int, n_rows: int, workers: int = 1) -> int:
    """How many classes to copy class-major at once (1: none, the columns are read in place).

    At most 32 MB of keys (``2**22`` values) a group, and with several workers at most a
    quarter of the classes per worker (but 2 or more), so that the last groups keep every
    thread busy.

    Args:
        n_classes: C.
        n_rows: N, the kept rows.
        workers: the threads the groups are shared among.

    Returns:
        g >= 1; 1 with fewer than 3 classes or more than ``2**22`` rows.

    >>> class_group(10, 10**6), class_group(1000, 50_000), class_group(3, 10**8)
    (4, 83, 1)
    >>> class_group(10, 10**6, workers=2), class_group(1000, 50_000, workers=2)
    (2, 83)
    """
    if n_classes < 3:
        return 1
    g = max(1, min(n_classes, _GROUP_CELLS // max(1, n_rows)))
    if workers > 1 and g > 1:
        g = min(g, max(2, -(-n_classes // (4 * workers))))
    return g


def class_major(keys: list[np.ndarray], k: int, g: int, out: np.ndarray) -> np.ndarray:
    """Columns ``k .. k + g - 1`` of the row blocks ``keys``, class-major: ``out[:g]``.

    Formula: ``out[j, a_i + r] = keys[i][r, k + j]`` with ``a_i`` the rows before block i.

    Args:
        keys: row blocks (n_i, C), in order.
        k: the first class.
        g: how many classes.
        out: a buffer of at least ``g`` rows and ``sum n_i`` columns, of the keys' dtype.

    Returns:
        ``out[:g]``, (g, N).

    >>> blocks = [np.arange(6.0).reshape(2, 3), np.arange(6.0, 9.0).reshape(1, 3)]
    >>> class_major(blocks, 1, 2, np.empty((2, 3))).tolist()
    [[1.0, 4.0, 7.0], [2.0, 5.0, 8.0]]
    """
    wide = out[:g]
    at = 0
    for blk in keys:
        src = blk[:, k : k + g]
        n = src.shape[0]
        for i in range(0, n, TILE):
            tile = src[i : i + TILE]
            wide[:, at + i : at + i + tile.shape[0]] = tile.T
        at += n
    return wide


def each_class(
    keys: list[np.ndarray],
    n_classes: int,
    job: Callable[[int, np.ndarray | None], T],
    *,
    workers: int | None = None,
) -> Iterator[T]:
    """``job(k, column)`` for every class ``k``, in class order, on worker threads.

    ``column`` is class k's keys of every row, contiguous (N,), a row of the thread's
    class-major buffer: valid only during the call (the next group overwrites it); None
    when the groups would be one class each (:func:`class_group`) or there is no row:
    ``job`` then reads the strided columns of ``keys`` itself.

    Args:
        keys: the kept row blocks (n_i, C), in order.
        n_classes: C.
        job: ranks one class; must not depend on the thread it runs on.
        workers: threads (default: the cores, at most 4; 1: none).

    Yields:
        ``job(k, ...)`` for k = 0 .. C - 1.

    >>> blocks = [np.array([[0.1, 0.2, 0.3, 0.4]]), np.array([[0.5, 0.3, 0.1, 0.1]])]
    >>> list(each_class(blocks, 4, lambda k, col: col.tolist(), workers=2))
    [[0.1, 0.5], [0.2, 0.3], [0.3, 0.1], [0.4, 0.1]]
    """
    n = sum(int(b.shape[0]) for b in keys)
    n_workers = workers or min(cpu_count(), 4)
    g = class_group(n_classes, n, n_workers) if n else 1
    if g == 1:
        yield from blocks_in_order(
            list(range(n_classes)),
            lambda k, _: job(k, None),
            list,
            workers=n_workers,
            work=n * n_classes,
        )
        return
    dtype = np.result_type(*keys) if keys else np.float64

    def group(k0: int, buf: np.ndarray) -> list[T]:
        gg = min(g, n_classes - k0)
        wide = class_major(keys, k0, gg, buf)
        return [job(k, wide[k - k0]) for k in range(k0, k0 + gg)]

    for results in blocks_in_order(
        list(range(0, n_classes, g)),
        group,
        lambda: np.empty((g, n), dtype=dtype),
        workers=n_workers,
        name="losscli-rank",
        work=n * n_classes,
    ):
        yield from results
