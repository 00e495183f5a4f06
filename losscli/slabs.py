"""The per-resample blocks of the linear bootstrap (numpy only): draws, deviations, products.

A block of b resamples is computed slab by slab (``slab`` rows at a time): the resamples'
Poisson counts less one are drawn as int8 (:meth:`losscli.poisson.StreamBlock.fill`,
``FILL`` resamples at a time so the passes stay in the core's cache), converted to float32
in one pass, and multiplied by the slab's matrix in one float32 BLAS product. What the
product multiplies is fixed once per run by a :class:`ProductPlan`:

- only the distinct dense columns: a column equal to an earlier one is copied from its sums,
  and a column that is, on every segment, a constant times the segments' first column (the
  weight column ``w``, or ``w`` times a per-cell 0/1) follows from the segment sums;
- on a slab that meets at most ``FUSED_SEGMENTS`` segments, those segments' columns beside
  the dense ones (zero off their rows), so one product gives both;
- the product of a slab in chunks of ``CHUNK`` rows, one batched ``matmul`` of (chunks, b,
  CHUNK) by (chunks, CHUNK, width), the chunks' results added in float64: OpenBLAS's float32
  product with a narrow right-hand side runs 1.5-3x faster on 1,024-row pieces than on 8,192
  rows at once (it packs the long left operand otherwise).

:func:`linear_block` is the block; :func:`losscli.bootstrap.linear_blocks` runs the blocks.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from losscli.poisson import TAIL_AHEAD, StreamBlock, resample_stream

__all__ = [
    "FILL",
    "slab_product",
    "FUSED_SEGMENTS",
    "CHUNK",
    "SlabBuffers",
    "ProductPlan",
    "linear_block",
    "chunked_product",
]

FILL = 32
"""Resamples per :meth:`~losscli.poisson.StreamBlock.fill`: its passes over (32, SLAB) bytes
stay in the core's cache, where a (128, SLAB) slab would not."""

FUSED_SEGMENTS = 4
"""Most segments a slab may hold for its segment sums to join its dense product."""

BYTES_AHEAD = 4096
"""Byte words a resample's stream reads per call (32 KB, 4 slabs of 8,192 rows): one
``random_raw`` call per resample per 4 slabs, not per slab. Every numpy call of a worker
releases and retakes the GIL, and on these VMs each hand-over to the waiting worker costs
a wake-up (tens of microseconds): the fewer calls per row, the more the two workers
overlap."""

CHUNK = 1024
"""Rows per piece of a slab's product (see the module)."""

BLAS_LOCK = threading.Lock()
"""One worker in BLAS at a time: OpenBLAS serialises concurrent calls with a spinning lock,
which would burn the core the other worker needs for its draws."""


def chunked_product(d: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``d @ x`` in float64 from float32 products of ``CHUNK``-row pieces (see the module).

    Args:
        d: float32 (b, m), unit stride along rows.
        x: float32 (m, w), unit stride along columns.

    Returns:
        float64 (b, w).

    >>> d, x = np.ones((2, 3000), np.float32), np.ones((3000, 2), np.float32)
    >>> chunked_product(d, x).tolist()
    [[3000.0, 3000.0], [3000.0, 3000.0]]
    """
    b, m = d.shape
    j = m // CHUNK
    if j < 2:
        return (d @ x).astype(np.float64)
    head = j * CHUNK
    pieces = d[:, :head].reshape(b, j, CHUNK).transpose(1, 0, 2)
    out = np.matmul(pieces, x[:head].reshape(j, CHUNK, x.shape[1])).sum(axis=0, dtype=np.float64)
    if head < m:
        out += d[:, head:] @ x[head:]
    return out


class SlabBuffers:
    """One thread's scratch arrays for a (block, slab) slab of draws (``counts``: their int8
    counts too) and its product matrix."""

    def __init__(self, block: int, width: int, counts: bool = True) -> None:
        width8 = 8 * ((width + 7) // 8)
        self.c = np.empty((block, width8) if counts else (0, 0), dtype=np.uint8)
        self.d = np.empty((block, width), dtype=np.float32)
        self.x: np.ndarray | None = None  # (slab, kept columns), for unfused slabs
        self.f: np.ndarray | None = None  # (slab, widest fused matrix), for a lazy plan


def _sample_rows(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, max(n - 1, 0), num=min(n, 4096)).astype(np.intp))


class ProductPlan:
    """What the products of a run's :class:`~losscli.bootstrap.LinearTerms` multiply.

    Formula: dense column t's deviation sum ``(c - 1) @ dense[:, t]`` is the product's
    column ``src[t]`` for a kept column; for a column equal to ``a_s seg_cols[:, 0]`` on each
    segment s (``a_s`` float32, the products exact in float64) it is ``sum_s a_s (c - 1)[seg
    s] @ seg_cols[seg s, 0]``, the segments' first sums (float64) times ``a``. Both are the
    same sums up to float rounding (integer columns of integer sums stay exact: a weight 3
    with a column of ones, ``a = 1/3`` in float32, is not derived).

    Attributes:
        keep: intp (K,), the dense columns the products multiply.
        src: intp (T,), each dense column's place among ``keep`` (-1: derived).
        derived: intp (D,), the derived columns; ``coef`` float64 (S, D) their ``a_s``.
        spans: per slab ``(first, k)``, the segments a fused slab's product holds (see
            :meth:`matrix`), or None (unfused); None when the terms have no segments.
        fused: per slab its product matrix X (None: unfused), built once when ``eager``
            (about 4 bytes per row and column); None when not eager (each X is then built
            when its slab comes, in the thread's buffers) or without segments.
    """

    def __init__(self, terms: Any, slab: int, eager: bool = True) -> None:  # noqa: ANN401 - a LinearTerms
        dense = terms.dense
        n, t_cols = dense.shape
        self.slab = slab
        starts = None
        if terms.bounds is not None and terms.seg_cols is not None and n:
            bounds = terms.bounds
            if bounds[0] == 0 and bounds[-1] == n and (np.diff(bounds) > 0).all():
                starts = bounds[:-1]
        rows = _sample_rows(n)
        multiple: dict[int, np.ndarray] = {}  # t: its a_s, where the sample rows agree
        if starts is not None:
            for t in range(t_cols):
                a = self._segment_multiple(terms, starts, t, rows)
                if a is not None:
                    multiple[t] = a
        alike: dict[bytes, list[int]] = {}
        copy_of: dict[int, list[int]] = {}  # t: the earlier columns the sample rows agree with
        for t in range(t_cols):
            if t not in multiple:
                same = alike.setdefault(dense[rows, t].tobytes(), [])
                if same:
                    copy_of[t] = list(same)
                same.append(t)
        self._verify(terms, multiple, copy_of)  # drops the candidates some row contradicts
        keep: list[int] = []
        src = np.full(t_cols, -1, dtype=np.intp)
        derived = [t for t in range(t_cols) if t in multiple]
        for t in range(t_cols):
            if copy_of.get(t):
                src[t] = src[copy_of[t][0]]
            elif t not in multiple:
                src[t] = len(keep)
                keep.append(t)
        coefs = [multiple[t].astype(np.float64) for t in derived]
        self.keep = np.array(keep, dtype=np.intp)
        self.src = src
        self.derived = np.array(derived, dtype=np.intp)
        self.coef = np.stack(coefs, axis=1) if coefs else None
        self.n_keep = len(keep)
        lo = int(self.keep[0]) if keep else 0  # kept columns lo .. lo + K - 1: a view
        self.view = (
            slice(lo, lo + self.n_keep) if keep == list(range(lo, lo + self.n_keep)) else None
        )
        self.spans = self._fused_slabs(terms)
        self.fused = None  # the fused slabs' matrices, built once (eager)
        if eager and self.spans is not None:
            n = dense.shape[0]
            self.fused = [
                None if sp is None else self._fused_matrix(terms, a, min(slab, n - a), *sp)
                for a, sp in zip(range(0, n, slab), self.spans, strict=True)
            ]

    @staticmethod
    def _segment_multiple(
        terms: Any,  # noqa: ANN401 - a LinearTerms
        starts: np.ndarray,
        t: int,
        rows: np.ndarray,
    ) -> np.ndarray | None:
        """``a`` (S,) float32 with ``dense[:, t] == a_s * seg_cols[:, 0]`` on the sample
        ``rows`` of every segment s (exactly, in float32), or None."""
        dense, w = terms.dense, terms.seg_cols[:, 0]
        w0 = w[starts]
        if not w0.all():
            return None
        a = dense[starts, t] / w0  # float32; the checks multiply in float64, exactly
        seg = np.searchsorted(starts, rows, "right") - 1
        exact = a[seg].astype(np.float64) * w[rows] == dense[rows, t]
        return a if exact.all() else None

    @staticmethod
    def _verify(
        terms: Any,  # noqa: ANN401 - a LinearTerms
        multiple: dict[int, np.ndarray],
        copy_of: dict[int, list[int]],
    ) -> None:
        """Check the sample's candidates on every row, in one pass over cache-sized blocks
        of rows (a strided column at a time would read the whole matrix per column)."""
        if not multiple and not copy_of:
            return
        dense, n = terms.dense, terms.dense.shape[0]
        bounds, w = terms.bounds, terms.seg_cols[:, 0]
        step = max(1, (1 << 21) // max(1, dense.strides[0]))  # about 2 MB of rows
        for r0 in range(0, n, step):
            blk = dense[r0 : r0 + step]
            rows = np.arange(r0, r0 + blk.shape[0])
            seg = np.searchsorted(bounds, rows, "right") - 1
            for t in list(multiple):
                # a_s w_i == x_i in float64 (a float32 product is exact there): then the
                # derived sums a_s (sum of c_i w_i) are the column's own, not only up to
                # a_s's rounding
                if not np.array_equal(blk[:, t], multiple[t].astype(np.float64)[seg] * w[rows]):
                    del multiple[t]
            for t, us in list(copy_of.items()):
                us[:] = [u for u in us if np.array_equal(blk[:, t], blk[:, u])]
                if not us:
                    del copy_of[t]
            if not multiple and not copy_of:
                return

    def _fused_slabs(self, terms: Any) -> list[tuple[int, int] | None] | None:  # noqa: ANN401
        """Per slab of rows, ``(first, k)``: the k segments it meets, ``first`` on; None for a
        slab meeting more than ``FUSED_SEGMENTS`` segments (None without segments)."""
        if terms.bounds is None or terms.seg_cols is None:
            return None
        bounds, n = terms.bounds, terms.dense.shape[0]
        out: list[tuple[int, int] | None] = []
        for a in range(0, n, self.slab):
            first = int(np.searchsorted(bounds, a, "right")) - 1
            k = int(np.searchsorted(bounds, min(a + self.slab, n), "left")) - first
            out.append((first, k) if k <= FUSED_SEGMENTS else None)
        return out

    def _fused_matrix(
        self,
        terms: Any,  # noqa: ANN401 - a LinearTerms or SwapTerms
        a: int,
        m: int,
        first: int,
        k: int,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """The (m, K + q k) matrix of a fused slab (see :meth:`matrix`), into ``out``'s first
        rows and columns when given."""
        dense, bounds, cols = terms.dense, terms.bounds, terms.seg_cols
        q, nk = cols.shape[1], self.n_keep
        if out is None:
            x = np.zeros((m, nk + q * k), dtype=np.float32)
        else:
            x = out[:m, : nk + q * k]
            x[:, nk:] = 0
        if self.view is not None:
            x[:, :nk] = dense[a : a + m, self.view]
        else:
            np.take(dense[a : a + m], self.keep, axis=1, out=x[:, :nk])
        for i in range(k):
            lo, hi = max(int(bounds[first + i]), a), min(int(bounds[first + i + 1]), a + m)
            x[lo - a : hi - a, nk + q * i : nk + q * (i + 1)] = cols[lo:hi]
        return x

    def matrix(self, terms: Any, a: int, m: int, bufs: SlabBuffers) -> tuple[np.ndarray, int, int]:  # noqa: ANN401
        """The product matrix of rows ``a .. a + m - 1`` and the segments it holds: ``(X,
        first, k)`` with X (m, K + q k) float32: the kept dense columns, then the columns of
        segments ``first .. first + k - 1`` (k = -1: an unfused slab, none of them). A fused
        slab's X is the one built at the start (``eager``) or is built now in ``bufs``."""
        i = a // self.slab
        span = None if self.spans is None else self.spans[i]
        if span is not None:
            if self.fused is not None:
                return self.fused[i], *span
            width = self.n_keep + terms.seg_cols.shape[1] * FUSED_SEGMENTS
            if bufs.f is None or bufs.f.shape[0] < m or bufs.f.shape[1] != width:
                bufs.f = np.empty((max(m, self.slab), width), dtype=np.float32)
            return self._fused_matrix(terms, a, m, *span, out=bufs.f), *span
        if self.view is not None:
            return terms.dense[a : a + m, self.view], 0, -1
        if bufs.x is None or bufs.x.shape[0] < m or bufs.x.shape[1] != self.n_keep:
            bufs.x = np.empty((max(m, self.slab), self.n_keep), dtype=np.float32)
        x = bufs.x[:m]
        np.take(terms.dense[a : a + m], self.keep, axis=1, out=x)
        return x, 0, -1

    def finish(self, terms: Any, dev: np.ndarray, segs: np.ndarray | None) -> np.ndarray:  # noqa: ANN401
        """The dense sums (b, T), float64: ``base`` plus each column's deviation sum, from
        the kept columns' ``dev`` (b, K) and the segments' deviation sums ``segs`` (b, S, q)."""
        out = np.empty((dev.shape[0], self.src.size))
        kept = self.src >= 0
        out[:, kept] = dev[:, self.src[kept]]
        if self.derived.size:
            assert segs is not None and self.coef is not None
            out[:, self.derived] = segs[:, :, 0] @ self.coef
        out += terms.base
        return out


def _add(
    prod: np.ndarray,
    rows: slice,
    dev: np.ndarray,
    segs: np.ndarray | None,
    first: int,
    k: int,
    q: int,
) -> None:
    """Add a slab's product (rows of the block, K + q k columns) to the kept columns'
    deviation sums and (k > 0) to segments ``first .. first + k - 1``."""
    nk = dev.shape[1]
    dev[rows] += prod[:, :nk]
    if k > 0:
        assert segs is not None
        segs[rows, first : first + k, :] += prod[:, nk : nk + q * k].reshape(-1, k, q)


def slab_product(
    terms: Any,  # noqa: ANN401 - a LinearTerms or SwapTerms
    a: int,
    d: np.ndarray,
    matrix: tuple[np.ndarray, int, int],
    dev: np.ndarray,
    segs: np.ndarray | None,
) -> None:
    """Add ``d @ X`` of the slab at rows ``a .. a + m - 1`` to ``dev`` and ``segs``.

    Formula: ``dev += d @ X[:, :K]`` (the kept dense columns) and, per segment s the slab
    meets, ``segs[:, s] += d[:, seg s] @ seg_cols[seg s]``: from the same product for a fused
    slab, else one product per segment.

    Args:
        terms: the run's terms (``bounds`` and ``seg_cols`` read for an unfused slab).
        a: the slab's first row.
        d: float32 (b, m), the slab's weights per block row (deviations or swap bits).
        matrix: :meth:`ProductPlan.matrix` of the slab.
        dev: float64 (b, K), the kept columns' sums so far.
        segs: float64 (b, S, q), the segments' sums so far (None without segments).

    >>> from types import SimpleNamespace
    >>> t = SimpleNamespace(dense=np.arange(4, dtype=np.float32)[:, None], bounds=None,
    ...                     seg_cols=None)
    >>> plan, dev = ProductPlan(t, 8), np.zeros((2, 1))
    >>> d = np.array([[1, 1, 1, 1], [0, 2, 0, -1]], np.float32)
    >>> slab_product(t, 0, d, plan.matrix(t, 0, 4, SlabBuffers(2, 8)), dev, None)
    >>> dev.tolist()
    [[6.0], [-1.0]]
    """
    x, first, k = matrix
    b, m = d.shape
    bounds, q = terms.bounds, 0 if segs is None else segs.shape[2]
    with BLAS_LOCK:
        _add(chunked_product(d, x), slice(0, b), dev, segs, first, k, q)
        if segs is None or k >= 0:
            return
        assert bounds is not None and terms.seg_cols is not None
        n_seg = bounds.size - 1
        si = max(int(np.searchsorted(bounds, a, "right")) - 1, 0)
        while si < n_seg and bounds[si] < a + m:  # the segments' products
            lo, hi = max(int(bounds[si]), a), min(int(bounds[si + 1]), a + m)
            if hi > lo:
                segs[:, si, :] += d[:, lo - a : hi - a] @ terms.seg_cols[lo:hi]
            if bounds[si + 1] > a + m:
                break
            si += 1


def linear_block(
    terms: Any,  # noqa: ANN401 - a LinearTerms
    plan: ProductPlan,
    seed: int,
    start: int,
    b: int,
    bufs: SlabBuffers,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The sums of resamples ``start .. start + b - 1`` (see
    :func:`losscli.bootstrap.linear_blocks`), drawn in position order.

    Returns:
        ``(dense, segs)``: float64 (b, T) and (b, S, q) (None without segments).
    """
    bounds, slab = terms.bounds, plan.slab
    n = terms.dense.shape[0]
    n_seg = 0 if bounds is None else bounds.size - 1
    q = 0 if terms.seg_cols is None else terms.seg_cols.shape[1]
    ahead = min(TAIL_AHEAD, n // 64 + 16)  # about 1.2% of a resample's rows are tail rows
    streams = StreamBlock(
        [resample_stream(seed, start + i) for i in range(b)],
        ahead,
        bytes_ahead=min(BYTES_AHEAD, (n + 7) // 8),
    )
    dev = np.zeros((b, plan.n_keep))
    segs = np.zeros((b, n_seg, q)) if bounds is not None else None
    for a in range(0, n, slab):
        m = min(slab, n - a)
        matrix = plan.matrix(terms, a, m, bufs)
        # poisson_counts less one, as int8, FILL resamples per pass
        streams.fill(m, None, bufs.c, shift=1, chunk=FILL)
        np.copyto(bufs.d[:b, :m], bufs.c[:b, :m].view(np.int8), casting="unsafe")
        # one product over the block's deviations, which an unfused slab's segment products
        # read too (a product per group of FILL resamples, while their deviations are in
        # cache, takes the BLAS lock four times as often: 10% more wall on two idle cores)
        slab_product(terms, a, bufs.d[:b, :m], matrix, dev, segs)
    out = plan.finish(terms, dev, segs)
    if segs is not None:
        assert terms.seg_base is not None
        segs += terms.seg_base
    return out, segs
