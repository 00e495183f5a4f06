"""The random swaps of ``compare``'s randomisation test, as block matrix products (numpy only).

Swap j exchanges row i's A and B outputs when its bit ``s_ji`` is 1. The bits are those the
exact path draws (:func:`swap_bits`: ``np.random.default_rng([seed, 1]).integers(0, 2, (..,
n), dtype=np.int32)``, row after row), but any swap can be drawn on its own: the stream is
advanced to the swap's first word, so blocks of swaps run on any thread in any order and
give the same bits.

When a statistic of the swapped models is a function of sums of per-row terms, the swapped
sums are ``base_A + s_j @ (X_B - X_A)`` and ``base_B - s_j @ (X_B - X_A)``:
:func:`swap_blocks` computes ``s_j @ D`` for a block of swaps, in slabs of rows, plus the
same product per segment of rows (rows grouped by a key, e.g. their confusion cell and
calibration bin in A and in B).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from losscli.records import record

__all__ = ["swap_bits", "SwapTerms", "swap_blocks", "SWAP_BLOCK"]

SWAP_BLOCK = 16
"""Swaps per block of :func:`swap_blocks`: a (16, 1M) bool block of bits is 16 MB per worker."""

SLAB = 8192
"""Rows per matrix product of :func:`swap_blocks`."""

_HALF = np.uint32(1 << 31)
_BLAS_LOCK = threading.Lock()
"""One worker in BLAS at a time (OpenBLAS serialises concurrent calls with a spinning lock)."""


def swap_bits(seed: int, j: int, n: int) -> np.ndarray:
    """Swap ``j``'s bits over ``n`` rows: row j of the exact path's draws.

    Formula: the exact path draws ``np.random.default_rng([seed, 1]).integers(0, 2, size=(b,
    n), dtype=np.int32)`` block after block; draw ``t = j n + i`` is the top bit of the t-th
    32-bit word of the PCG64 stream (numpy's bounded draw of the range {0, 1} is ``(u * 2) >>
    32``; each 64-bit output gives its low 32 bits, then its high ones). The stream is
    advanced to word ``t // 2``, so swap j costs the same whatever j is.

    Args:
        seed: the run's ``--seed``.
        j: the swap's number.
        n: rows.

    Returns:
        bool (n,), True where row i is swapped.

    >>> s = np.random.default_rng([3, 1]).integers(0, 2, size=(4, 5), dtype=np.int32)
    >>> bool(all((swap_bits(3, j, 5) == s[j]).all() for j in range(4)))
    True
    """
    out = np.empty(n, dtype=bool)
    _bits_into(seed, j, n, out)
    return out


def _bits_into(seed: int, j: int, n: int, out: np.ndarray) -> None:
    """:func:`swap_bits` written into ``out`` (bool (n,))."""
    t0 = j * n
    word = t0 // 2
    off = t0 - 2 * word
    bitgen = np.random.PCG64(np.random.SeedSequence([seed, 1]))
    bitgen.advance(word)
    halves = bitgen.random_raw((off + n + 1) // 2).view(np.uint32)[off : off + n]
    np.greater_equal(halves, _HALF, out=out)


@record
class SwapTerms:
    """Per-row terms of the swapped sums, rows in a fixed order.

    Attributes:
        dense: float64 (n, T): column t's swapped sum is ``s[order] @ dense[:, t]``.
        order: intp (n,), the row at each position.
        bounds: intp (S + 1,) segment boundaries (positions ``bounds[g] .. bounds[g + 1] - 1``
            form segment g).
        seg_cols: float64 (n, q): segment g's sums are ``s[order][seg g] @ seg_cols[seg g]``.
    """

    dense: np.ndarray
    order: np.ndarray
    bounds: np.ndarray
    seg_cols: np.ndarray


def swap_blocks(
    terms: SwapTerms,
    n_perm: int,
    seed: int,
    block: int = SWAP_BLOCK,
    slab: int = SLAB,
    workers: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``s_j @ dense`` and the per-segment ``s_j @ seg_cols`` of swaps ``0 .. n_perm - 1``.

    Formula: with ``s_j`` = :func:`swap_bits` ``(seed, j, n)`` read in ``terms.order``,
    ``dense_j = s_j @ terms.dense`` and ``segs_j[g] = s_j[seg g] @ terms.seg_cols[seg g]``,
    float64 products over slabs of rows. Blocks of ``block`` swaps run on ``workers`` threads
    (default: the cores, at most 4) with OpenBLAS pinned to one thread each; they come back
    in order, and each swap's bits do not depend on its block, so neither does the result.

    Args:
        terms: the per-row terms (n rows).
        n_perm: number of swaps.
        seed: the run's ``--seed``.
        block: swaps per yielded block.
        slab: rows per matrix product.
        workers: threads (1: none).

    Yields:
        ``(dense, segs)``: float64 (b, T) and float64 (b, S, q).

    >>> t = SwapTerms(np.arange(6.0)[:, None], np.arange(6), np.array([0, 2, 6]),
    ...               np.ones((6, 1)))
    >>> (d, g), = swap_blocks(t, 3, seed=0)
    >>> s = np.stack([swap_bits(0, j, 6) for j in range(3)])
    >>> bool(np.allclose(d[:, 0], s @ np.arange(6))), bool((g[:, :, 0] == np.stack(
    ...     [s[:, :2].sum(1), s[:, 2:].sum(1)], axis=1)).all())
    (True, True)
    """
    from losscli._threads import blocks_in_order

    n = terms.dense.shape[0]

    def job(a: int, buffers: _Buffers) -> tuple[np.ndarray, np.ndarray]:
        return _swap_block(terms, seed, a, min(block, n_perm - a), slab, buffers)

    yield from blocks_in_order(
        list(range(0, n_perm, block)),
        job,
        lambda: _Buffers(block, n, slab),
        workers=workers,
        name="losscli-swap",
    )


class _Buffers:
    """One worker thread's scratch arrays, reused block after block: the bits of a block in
    the terms' order, one swap's bits in row order, and a float64 slab of bits."""

    def __init__(self, block: int, n: int, slab: int) -> None:
        self.picked = np.empty((block, n), dtype=bool)
        self.row = np.empty(n, dtype=bool)
        self.slab = np.empty((block, min(slab, max(n, 1))))


def _swap_block(
    terms: SwapTerms, seed: int, start: int, b: int, slab: int, bufs: _Buffers
) -> tuple[np.ndarray, np.ndarray]:
    """The products of swaps ``start .. start + b - 1`` (see :func:`swap_blocks`)."""
    dense, bounds, seg_cols, order = terms.dense, terms.bounds, terms.seg_cols, terms.order
    n, t_cols = dense.shape
    n_seg, q = bounds.size - 1, seg_cols.shape[1]
    picked = bufs.picked[:b]
    for i in range(b):  # one swap's whole row at a time: the gather stays in cache
        _bits_into(seed, start + i, n, bufs.row)
        np.take(bufs.row, order, out=picked[i])
    out = np.zeros((b, t_cols))
    segs = np.zeros((b, n_seg, q))
    s = bufs.slab[:b]
    si = 0
    for a in range(0, n, slab):
        m = min(slab, n - a)
        sm = s[:, :m]
        sm[...] = picked[:, a : a + m]
        with _BLAS_LOCK:
            out += sm @ dense[a : a + m]
            while si < n_seg and bounds[si] < a + m:
                lo, hi = max(int(bounds[si]), a), min(int(bounds[si + 1]), a + m)
                if hi > lo:
                    segs[:, si, :] += sm[:, lo - a : hi - a] @ seg_cols[lo:hi]
                if bounds[si + 1] > a + m:
                    break
                si += 1
    return out, segs
