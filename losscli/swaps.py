"""The random swaps of ``compare``'s randomisation test, as block matrix products (numpy only).

Swap j exchanges the A and B outputs of the row at position p of the terms' order when its
bit ``s_jp`` is 1. The bits are one fair random bit per row and swap (:func:`swap_bits`):
swap j reads ``ceil(n / 64)`` 64-bit words of one PCG64 stream of the seed, from word ``j
ceil(n / 64)`` on (reached with ``PCG64.advance``), position p taking bit ``p % 64`` of its
word ``p // 64``. So any block of swaps can run on any thread in any order and give the
same bits, and the bits come in the terms' order: no gather from row order is needed. Rows
are assigned to positions by the data (e.g. sorted by their confusion cell), but the bits are
i.i.d. fair coins drawn without looking at the data, so every row's swap is a fair coin
independent of every other row's, whatever the order: an equally valid randomisation.

When a statistic of the swapped models is a function of sums of per-row terms, the swapped
sums are ``base_A + s_j @ (X_B - X_A)`` and ``base_B - s_j @ (X_B - X_A)``:
:func:`swap_blocks` computes ``s_j @ D`` for a block of swaps, in slabs of rows, plus the
same product per segment of rows (rows grouped by a key, e.g. their confusion cell and
calibration bin in A and in B).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from losscli.records import record
from losscli.slabs import ProductPlan, SlabBuffers, slab_product

__all__ = ["SWAP_STREAM", "swap_bits", "centred", "SwapTerms", "swap_blocks", "SWAP_BLOCK"]

SWAP_BLOCK = 64
"""Swaps per block of :func:`swap_blocks`. Each numpy call of a worker hands the GIL over,
at the cost of a wake-up of the other worker on these VMs: 16 swaps a block made two
workers slower than one; 64 share each slab's calls."""

SLAB = 8192
"""Rows per matrix product of :func:`swap_blocks` (a multiple of 8: a byte of bits is 8 rows)."""

SPAN_WORDS = 2048
"""Words a swap's generator reads per call (16 KB, 16 slabs): a block holds (64, 2048)
words, 1 MB, not all of its swaps' words (8 MB per 1M rows)."""

SWAP_STREAM = 2
"""The swaps' stream is ``PCG64(SeedSequence([seed, SWAP_STREAM]))`` (the exact path's swaps
draw from ``default_rng([seed, 1])``; the bootstrap's resamples from ``SeedSequence(seed,
spawn_key=(j,))``)."""


def _swap_words(seed: int, start: int, b: int, n: int) -> np.ndarray:
    """The words of swaps ``start .. start + b - 1``: uint64 (b, ceil(n / 64)), one row each."""
    width = (n + 63) // 64
    bitgen = np.random.PCG64(np.random.SeedSequence([seed, SWAP_STREAM]))
    bitgen.advance(start * width)
    return bitgen.random_raw(b * width).reshape(b, width)


def _row_bytes(words: np.ndarray) -> np.ndarray:
    """The words' bytes, least significant first (position p is bit p % 8 of byte p // 8)."""
    return words.astype("<u8", copy=False).view(np.uint8)


def swap_bits(seed: int, j: int, n: int) -> np.ndarray:
    """Swap ``j``'s bits over ``n`` positions (see the module).

    Formula: with ``W = ceil(n / 64)`` and ``u_t`` the t-th 64-bit output of
    ``PCG64(SeedSequence([seed, 2]))``, position p of swap j is bit ``p % 64`` of ``u_{j W
    + p // 64}``: one fair bit per row, each from its own place in the stream.

    Args:
        seed: the run's ``--seed``.
        j: the swap's number.
        n: rows.

    Returns:
        bool (n,), True where the row at position p is swapped.

    >>> u = np.random.PCG64(np.random.SeedSequence([3, 2])).random_raw(4)
    >>> bits = [(int(u[2 + p // 64]) >> (p % 64)) & 1 for p in range(100)]
    >>> swap_bits(3, 1, 100).astype(int).tolist() == bits  # W = 2 words per swap
    True
    """
    by = _row_bytes(_swap_words(seed, j, 1, n))
    return np.unpackbits(by, axis=1, count=n, bitorder="little")[0].view(bool)


def centred(x: np.ndarray) -> tuple[np.ndarray, float]:
    """A column of terms less its shift, in float32, and the shift (:class:`SwapTerms`).

    Formula: the shift is the mean of ``x``, rounded to the terms' grid when they lie on a
    coarse one: the largest power of two 2^g dividing every term (counts, integer weights,
    rank terms with ties: multiples of 1/2, 1/32, ...). ``x - shift`` is then exact in
    float32 wherever ``|x - shift| < 2^(g + 24)`` (a shift off the grid would round every
    term alike and bias the sums); on no grid coarser than float32's, the mean itself.

    Args:
        x: float64 (n,).

    Returns:
        ``(float32 (n,) x - shift, shift)``.

    >>> c, s = centred(np.array([1.0, 2.0, 4.5]))
    >>> c.tolist(), s
    ([-1.5, -0.5, 2.0], 2.5)
    >>> centred(np.array([0.1, 0.2]))[1] == 0.15000000000000002
    True
    >>> centred(np.array([1.0, np.inf]))[1]
    0.0
    """
    mean = float(x.mean()) if x.size else 0.0
    if not np.isfinite(mean):  # an infinite term: nothing to centre on (the sums stay so)
        return x.astype(np.float32), 0.0
    step = _grid(x)
    shift = mean if step is None else round(mean / step) * step
    return (x - shift).astype(np.float32), shift


def _grid(x: np.ndarray) -> float | None:
    """The largest power of two dividing every term of ``x``, if at least float32's step at
    the terms' magnitude (None: no such grid, or all terms 0). Estimated on a sample of the
    terms (the lowest set bit of each), then checked on all of them."""
    peak = float(np.abs(x).max()) if x.size else 0.0
    if not peak > 0 or not np.isfinite(peak):
        return None
    sample = x[:: max(1, x.size // 4096)]
    sample = sample[sample != 0]
    mant, expo = np.frexp(sample)  # sample = mant 2^expo, 1/2 <= |mant| < 1, exactly
    ints = (np.abs(mant) * 2.0**53).astype(np.int64)
    low = np.log2((ints & -ints).astype(np.float64))  # the lowest set bit of each mantissa
    step = 2.0 ** float((expo - 53 + low).min())
    if step < 2.0 ** (np.frexp(peak)[1] - 24):  # finer than float32 holds: no grid
        return None
    scaled = x / step  # a power of two: exact
    return step if np.array_equal(scaled, np.rint(scaled)) else None


@record
class SwapTerms:
    """Per-row terms of the swapped sums, rows in the order the bits are drawn in.

    Attributes:
        dense: float32 (n, T): column t's swapped sum is ``s @ dense[:, t]``; with ``shift``,
            (n, T + 1): column t holds ``x_t - shift[t]`` and the last column ones, so that
            the swapped sum of ``x_t`` is ``s @ dense[:, t] + (s @ 1) shift[t]``. Centred
            columns keep float32's rounding relative to the terms' spread, not their mean
            (a slab's partial sums then grow like a random walk).
        bounds: intp (S + 1,) segment boundaries (positions ``bounds[g] .. bounds[g + 1] - 1``
            form segment g).
        seg_cols: float32 (n, q): segment g's sums are ``s[seg g] @ seg_cols[seg g]``.
        shift: float64 (T,), or None (no shift, no ones column).
    """

    dense: np.ndarray
    bounds: np.ndarray
    seg_cols: np.ndarray
    shift: np.ndarray | None = None


def swap_blocks(
    terms: SwapTerms,
    n_perm: int,
    seed: int,
    block: int = SWAP_BLOCK,
    slab: int = SLAB,
    workers: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``s_j @ dense`` and the per-segment ``s_j @ seg_cols`` of swaps ``0 .. n_perm - 1``.

    Formula: with ``s_j`` = :func:`swap_bits` ``(seed, j, n)``, ``dense_j = s_j @
    terms.dense`` (plus ``(s_j @ 1) shift`` for shifted terms: the sums of the unshifted
    columns) and ``segs_j[g] = s_j[seg g] @ terms.seg_cols[seg g]``. The bits are 0 or 1
    (exact in float32) and the products run in float32 BLAS over slabs of rows, added up in
    float64: the rounding is float32's relative to a slab's sums (small integer columns,
    such as unit weights, stay exact). Blocks of ``block`` swaps run on ``workers`` threads
    (default: the cores, at most 4) with OpenBLAS pinned to one thread each; they come back
    in order, and each swap's bits do not depend on its block, so neither does the result.

    Args:
        terms: the per-row terms (n rows).
        n_perm: number of swaps.
        seed: the run's ``--seed``.
        block: swaps per yielded block.
        slab: rows per matrix product (a multiple of 8).
        workers: threads (1: none).

    Yields:
        ``(dense, segs)``: float64 (b, T) and float64 (b, S, q).

    >>> x = np.array([[10.0], [12.0], [11.0]])  # centred: -1, 1, 0 and a column of ones
    >>> c = SwapTerms(np.array([[-1, 1], [1, 1], [0, 1]], np.float32), np.array([0, 3]),
    ...               np.ones((3, 1), np.float32), shift=np.array([11.0]))
    >>> (d, _), = swap_blocks(c, 2, seed=0)
    >>> bool(np.allclose(d, np.stack([swap_bits(0, j, 3) for j in range(2)]) @ x))
    True
    >>> t = SwapTerms(np.arange(6, dtype=np.float32)[:, None], np.array([0, 2, 6]),
    ...               np.ones((6, 1), np.float32))
    >>> (d, g), = swap_blocks(t, 3, seed=0)
    >>> s = np.stack([swap_bits(0, j, 6) for j in range(3)])
    >>> bool((d[:, 0] == s @ np.arange(6)).all()), bool((g[:, :, 0] == np.stack(
    ...     [s[:, :2].sum(1), s[:, 2:].sum(1)], axis=1)).all())
    (True, True)
    """
    from losscli._threads import blocks_in_order

    assert slab % 8 == 0
    n = terms.dense.shape[0]
    plan = ProductPlan(terms, slab, eager=False)  # compare's peak: no copy of the terms

    def job(a: int, bufs: SlabBuffers) -> tuple[np.ndarray, np.ndarray]:
        return _swap_block(terms, plan, seed, a, min(block, n_perm - a), bufs)

    yield from blocks_in_order(
        list(range(0, n_perm, block)),
        job,
        lambda: SlabBuffers(block, min(slab, max(n, 1)), counts=False),
        workers=workers,
        name="losscli-swap",
    )


class _SwapWords:
    """The words of swaps ``start .. start + b - 1``, read ``SPAN_WORDS`` per swap at a time:
    swap j's word k is word ``j W + k`` of the swaps' stream (``W = ceil(n / 64)``), as in
    :func:`_swap_words`, without holding the block's (b, W) words at once."""

    def __init__(self, seed: int, start: int, b: int, n: int) -> None:
        self.width = (n + 63) // 64
        seq = np.random.SeedSequence([seed, SWAP_STREAM])
        self.gens = []
        for j in range(start, start + b):
            gen = np.random.PCG64(seq)
            gen.advance(j * self.width)
            self.gens.append(gen)
        self.buf = np.empty((b, min(SPAN_WORDS, self.width)), dtype=np.uint64)
        self.lo = self.hi = 0  # the buffer holds words lo .. hi - 1 of every swap

    def row_bytes(self, a: int, m: int) -> np.ndarray:
        """Rows ``a .. a + m - 1``'s bytes of bits, (b, ceil(m / 8)); ``a`` a multiple of 8."""
        w0, w1 = a // 64, (a + m + 63) // 64
        if w1 > self.hi:
            size = min(max(SPAN_WORDS, w1 - w0), self.width - w0)
            if size > self.buf.shape[1]:
                self.buf = np.empty((len(self.gens), size), dtype=np.uint64)
            for i, gen in enumerate(self.gens):  # in order: each generator reads on
                self.buf[i, :size] = gen.random_raw(size)
            self.lo, self.hi = w0, w0 + size
        skip = a % 64 // 8  # the bytes of the first word before row a
        by = _row_bytes(self.buf[:, w0 - self.lo : w1 - self.lo])
        return by[:, skip : skip + (m + 7) // 8]


def _swap_block(
    terms: SwapTerms,
    plan: ProductPlan,
    seed: int,
    start: int,
    b: int,
    bufs: SlabBuffers,
) -> tuple[np.ndarray, np.ndarray]:
    """The products of swaps ``start .. start + b - 1`` (see :func:`swap_blocks`): each slab's
    bits unpacked to float32 and multiplied by the slab's :class:`ProductPlan` matrix."""
    n, slab = terms.dense.shape[0], plan.slab
    q = terms.seg_cols.shape[1]
    words = _SwapWords(seed, start, b, n)
    dev = np.zeros((b, plan.n_keep))
    segs = np.zeros((b, terms.bounds.size - 1, q))
    for a in range(0, n, slab):
        m = min(slab, n - a)
        matrix = plan.matrix(terms, a, m, bufs)
        sm = bufs.d[:b, :m]
        sm[...] = np.unpackbits(words.row_bytes(a, m), axis=1, count=m, bitorder="little")
        slab_product(terms, a, sm, matrix, dev, segs)
    out = plan.finish(_ZeroBase(terms), dev, segs)
    if terms.shift is not None:  # the unshifted columns' sums
        out = out[:, :-1] + out[:, -1:] * terms.shift
    return out, segs


class _ZeroBase:
    """What :meth:`ProductPlan.finish` reads of the terms, its ``base``: zeros for the swaps
    (a swap's sums are ``s @ dense`` alone)."""

    def __init__(self, terms: SwapTerms) -> None:
        self.base = np.zeros(terms.dense.shape[1])
