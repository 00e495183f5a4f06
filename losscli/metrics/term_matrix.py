"""The (n, T) float32 matrix of per-row terms, written a group of columns at a time.

The linear bootstrap reads its per-row terms row-major (a slab of rows, every column), but
they are computed one column at a time. Writing a column into the (n, T) matrix touches one
cache line per row for 4 bytes of it, so T columns cost T passes over the whole matrix.
:class:`TermMatrix` gathers up to :data:`GROUP` columns (each in the matrix's row order) into
a class-major buffer and writes them together, a tile of rows at a time: one pass per group.
A matrix of at most :data:`GROUP` columns (binary data: about 7) keeps each column as it
comes, in float32 and input order, and gathers them into the matrix at :meth:`close`, a tile
of rows at a time: no buffer that would be a second copy of the whole matrix (for a write
about 20% faster), and the matrix not allocated while the columns are being made.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["GROUP", "KeptColumns", "TermMatrix", "column_of", "width_of"]

#: columns written together (a float32 row of a group: 32 bytes, half a cache line)
GROUP = 8
_TILE = 8192  # rows per tile of the transposed copy


class TermMatrix:
    """``dense[:, j] = col[order]`` and ``base[j] = col.sum()`` for each column put, in order.

    Args:
        order: (n,) int, the row of the input at each row of the matrix.
        width: T, the columns.

    Attributes:
        dense: float32 (n, T); complete once :meth:`close` is called (a matrix of at most
            :data:`GROUP` columns: None until then).
        base: float64 (T,) the columns' sums (in input order, float64).

    >>> tm = TermMatrix(np.array([2, 0, 1]), 2)
    >>> tm.put(0, np.array([1.0, 2.0, 3.0]))
    >>> tm.put(1, np.array([10.0, 20.0, 30.0]))
    >>> tm.close().tolist(), tm.base.tolist()
    ([[3.0, 30.0], [1.0, 10.0], [2.0, 20.0]], [6.0, 60.0])
    """

    def __init__(self, order: np.ndarray, width: int) -> None:
        n = order.shape[0]
        self.order = order
        self.base = np.empty(width)
        wide = width > GROUP  # else the columns kept until close (no second copy)
        self.dense: np.ndarray | None = np.empty((n, width), dtype=np.float32) if wide else None
        self._buf = np.empty((GROUP, n), dtype=np.float32) if wide else None
        self._cols: list[np.ndarray | None] = []  # a narrow matrix's columns, input order
        self._width = width
        self._first = 0  # the first column held in the buffer
        self._held = 0

    def put(self, j: int, col: np.ndarray) -> None:
        """Column ``j`` (the next one: columns come in order 0, 1, ...) in input row order."""
        if j != self._first + self._held:
            raise ValueError(f"column {j} out of order (expected {self._first + self._held})")
        self.base[j] = col.sum()
        if self._buf is None:  # a narrow matrix: kept in float32 until close
            self._cols.append(np.asarray(col, dtype=np.float32))
            self._first += 1
            return
        self._buf[self._held] = col[self.order]
        self._held += 1
        if self._held == self._buf.shape[0]:
            self._flush()

    def close(self) -> np.ndarray:
        """Write the columns still held; returns ``dense``."""
        self._flush()
        self._buf = None
        if self.dense is None:  # a narrow matrix: each column gathered a tile at a time
            order = self.order
            self.dense = np.empty((order.shape[0], self._width), dtype=np.float32)
            for j in range(len(self._cols)):
                col, out = self._cols[j], self.dense[:, j]
                self._cols[j] = None  # freed once written
                assert col is not None
                for a in range(0, order.shape[0], _TILE):
                    out[a : a + _TILE] = col[order[a : a + _TILE]]
                del col
            self._cols = []
        return self.dense

    def _flush(self) -> None:
        k = self._held
        if not k or self._buf is None:
            return
        assert self.dense is not None
        j0, n = self._first, self.dense.shape[0]
        for a in range(0, n, _TILE):
            self.dense[a : a + _TILE, j0 : j0 + k] = self._buf[:k, a : a + _TILE].T
        self._first += k
        self._held = 0


class KeptColumns:
    """Per-row sums kept chunk by chunk, column by column: a column that holds one value
    throughout a chunk (bit for bit: e.g. a mean loss's denominator column of ones) is kept
    as that value, not as n_chunk copies of it.

    ``append`` takes each chunk's (m, k) rows; :meth:`column` and :meth:`matrix` give them
    back, float64 and exactly as appended (a constant is one bit pattern, so ``-0.0``, NaN
    payloads and all come back as they went in).

    >>> kept = KeptColumns()
    >>> kept.append(np.array([[0.5, 1.0], [0.25, 1.0]]))
    >>> kept.append(np.array([[2.0, 0.0], [4.0, 1.0]]))
    >>> kept.width, kept.n, kept.column(1).tolist(), kept.nbytes  # column 1's first chunk: 1.0
    (2, 4, [1.0, 1.0, 0.0, 1.0], 48)
    >>> kept.matrix().tolist()
    [[0.5, 1.0], [0.25, 1.0], [2.0, 0.0], [4.0, 1.0]]
    """

    def __init__(self) -> None:
        self.width = 0
        self.n = 0
        # per column, per chunk: a float64 array of its rows, or (rows, value) when constant
        self._cols: list[list[np.ndarray | tuple[int, float]]] = []

    def append(self, rows: np.ndarray) -> None:
        """One chunk's (m, k) per-row sums (k the same for every chunk)."""
        rows = np.asarray(rows, dtype=np.float64)
        m, k = rows.shape
        if not self._cols:
            self.width = k
            self._cols = [[] for _ in range(k)]
        elif k != self.width:
            raise ValueError(f"a chunk of {k} columns after chunks of {self.width}")
        for j in range(k):
            col = rows[:, j]
            bits = col.view(np.uint64)  # the same item size: a view, strided or not
            if m and (bits == bits[0]).all():
                self._cols[j].append((m, float(col[0])))
            else:
                self._cols[j].append(col.copy())
        self.n += m

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held (the constant columns' values not counted)."""
        return sum(p.nbytes for col in self._cols for p in col if isinstance(p, np.ndarray))

    def column(self, j: int) -> np.ndarray:
        """Column j, float64 (n,), the chunks joined."""
        parts = [np.full(p[0], p[1]) if isinstance(p, tuple) else p for p in self._cols[j]]
        return np.concatenate(parts) if parts else np.zeros(0)

    def matrix(self) -> np.ndarray:
        """The whole (n, k) float64 rows, as appended."""
        out = np.empty((self.n, self.width))
        for j in range(self.width):
            out[:, j] = self.column(j)
        return out


def width_of(rows: Any) -> int:
    """Columns of per-row sums given as an (n, k) array, a list of (n_chunk, k) chunks or
    :class:`KeptColumns`.

    >>> width_of([np.zeros((2, 3)), np.zeros((1, 3))]), width_of(np.zeros((4, 2)))
    (3, 2)
    """
    if isinstance(rows, KeptColumns):
        return rows.width
    return int(rows[0].shape[1] if isinstance(rows, list) else rows.shape[1])


def column_of(rows: Any, i: int) -> np.ndarray:
    """Column i of per-row sums (an (n, k) array, a list of (n_chunk, k) chunks or
    :class:`KeptColumns`), float64 (n,): the chunks joined one column at a time, never the
    whole (n, k) at once.

    >>> column_of([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])], 1).tolist()
    [2.0, 4.0]
    """
    if isinstance(rows, KeptColumns):
        return rows.column(i)
    if isinstance(rows, list):
        return np.concatenate([np.asarray(part[:, i], np.float64) for part in rows])
    return np.asarray(rows[:, i], np.float64)
