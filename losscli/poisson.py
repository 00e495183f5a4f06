"""Poisson(1) row multiplicities of the bootstrap: one random byte per row, exact to 2^-64.

Resample j has its own streams (:func:`resample_stream`), so a resample's counts do not depend
on the block, slab or thread that draws them. Row i of a resample reads byte i of its byte
stream: the 256 byte values are shared out ``floor(256 P(k))`` to each count k (94 to 0, 94
to 1, 47 to 2, 15 to 3, 3 to 4; :data:`BYTE_CUTS`), and the 3 bytes left over (253..255,
about 1.2% of the rows) draw one 64-bit word of the resample's tail stream each, which picks
the count from the residual probabilities ``P(k) - floor(256 P(k)) / 256`` (:data:`TAIL_CUTS`).
Every count's probability is Poisson(1)'s ``exp(-1) / k!`` up to the 2^-64 steps of the
tail's thresholds (and float64 rounding of the probabilities), counts up to 20.

The byte to count map is ``v // 94`` plus two comparisons (no table look-up); the tail bytes
are found 8 rows per 64-bit word, and only their rows are visited one by one.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "BYTE_CUTS",
    "TAIL_CUTS",
    "PoissonStream",
    "resample_stream",
    "poisson_counts",
    "fill_counts",
    "StreamBlock",
    "TAIL_AHEAD",
    "draw_counts",
    "tail_counts",
]


def _cuts() -> tuple[tuple[int, ...], int, np.ndarray]:
    """The byte cuts, the first tail byte and the tail's uint64 thresholds (see the module)."""
    probs = [math.exp(-1.0) / math.factorial(k) for k in range(21)]
    shares = [math.floor(256 * p) for p in probs]
    cuts = tuple(int(c) for c in np.cumsum(shares)[:-1] if c < sum(shares))
    first_tail = sum(shares)
    residual = [p - s / 256 for p, s in zip(probs, shares, strict=True)]
    mass = sum(residual)  # (256 - first_tail) / 256 up to rounding
    tail = []
    for k in range(len(residual) - 1):
        above = sum(residual[k + 1 :]) / mass  # P(count > k | tail byte), summed small first
        step = round(above * 2.0**64)
        if step < 1:
            break
        tail.append(2**64 - step)
    return cuts, first_tail, np.array(tail, dtype=np.uint64)


BYTE_CUTS, TAIL_BYTE, TAIL_CUTS = _cuts()
"""``BYTE_CUTS`` = (94, 188, 235, 250): a byte ``v`` below ``TAIL_BYTE`` (253) counts
``#{t : v >= BYTE_CUTS[t]}``; a tail byte counts ``#{t : word >= TAIL_CUTS[t]}`` of its
64-bit tail word."""

_TOP = np.uint64(48)


def _tail_table() -> tuple[np.ndarray, np.ndarray]:
    """The tail count of a word from its top 16 bits: ``(count, ambiguous)`` per prefix.

    ``count[h]`` is the count of the smallest word with prefix h (``h << 48``); the
    prefixes whose 2^48 words do not all share it (a threshold falls inside) are marked
    ambiguous, and their words are searched in full. So the table gives exactly
    ``searchsorted(TAIL_CUTS, word, side="right")``.
    """
    low = np.arange(2**16, dtype=np.uint64) << _TOP
    count = np.searchsorted(TAIL_CUTS, low, side="right").astype(np.uint8)
    high = np.searchsorted(TAIL_CUTS, low | np.uint64(2**48 - 1), side="right")
    return count, high != count


_TAIL_COUNT, _TAIL_AMBIGUOUS = _tail_table()


def tail_counts(words: np.ndarray) -> np.ndarray:
    """The counts of tail words: ``searchsorted(TAIL_CUTS, words, side="right")`` as uint8,
    read from a table of their top 16 bits (only the few words whose prefix holds a
    threshold are searched).

    >>> w = np.array([0, TAIL_CUTS[0] - 1, TAIL_CUTS[0], TAIL_CUTS[3], 2**64 - 1], np.uint64)
    >>> tail_counts(w).tolist() == np.searchsorted(TAIL_CUTS, w, side="right").tolist()
    True
    """
    prefix = (words >> _TOP).astype(np.intp)
    out = _TAIL_COUNT[prefix]
    odd = np.flatnonzero(_TAIL_AMBIGUOUS[prefix])
    if odd.size:
        out[odd] = np.searchsorted(TAIL_CUTS, words[odd], side="right")
    return out


assert TAIL_BYTE == 253 and len(TAIL_CUTS) == 20  # numbers the docs quote
assert BYTE_CUTS[1] == 2 * BYTE_CUTS[0] and 3 * BYTE_CUTS[0] > 255  # v // 94 counts two cuts


class PoissonStream:
    """The two random streams of one resample: bytes (one per row) and tail words.

    Attributes:
        bytes: PCG64 of ``SeedSequence(seed, spawn_key=(j,))``; rows read it 8 per word.
        tail: the same generator jumped by 2^127 (``PCG64.jumped``): one word per tail row.
    """

    def __init__(self, seed: int, j: int) -> None:
        self.bytes = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(j,)))
        self.tail = self.bytes.jumped()


def resample_stream(seed: int, j: int) -> PoissonStream:
    """The streams of resample ``j``: its own, whatever the block or thread.

    >>> a = resample_stream(0, 3).bytes.random_raw(2)
    >>> bool((a == resample_stream(0, 3).bytes.random_raw(2)).all())
    True
    """
    return PoissonStream(seed, j)


TAIL_AHEAD = 1024
"""Tail words a :class:`StreamBlock` of the linear path reads ahead per resample (8 KB): about
10 slabs of 8,192 rows, so one ``random_raw`` call per resample per 10 slabs, not per slab."""


class StreamBlock:
    """The streams of a few resamples, drawn slab after slab, their words read ahead.

    A resample's tail words are read from its tail stream ``ahead`` words at a time into a
    (b, width) buffer and handed out in order, so each tail row gets the same word as when
    drawn one by one (the counts do not depend on ``ahead``); a block of resamples then
    gathers its tail words with a few array operations instead of one call per resample per
    slab. Likewise, with ``bytes_ahead`` > 0, each resample's byte words are read
    ``bytes_ahead`` at a time into a (b, bytes_ahead) buffer that the slabs read in order.
    Words read ahead and never used are dropped with the block (nothing else reads a
    resample's streams), so only ``ahead=0`` and ``bytes_ahead=0`` (exactly the words used)
    leave the streams where :func:`fill_counts` leaves them.

    Args:
        streams: the resamples' streams (:func:`resample_stream`).
        ahead: extra tail words read per refill of a resample.
        bytes_ahead: byte words read per refill of a resample (0: each slab's own, into the
            ``words`` scratch of :meth:`fill`).

    >>> a = np.empty((2, 16), np.uint8)
    >>> blk = StreamBlock([resample_stream(0, 0), resample_stream(0, 1)], ahead=64)
    >>> for lo in (0, 8): blk.fill(8, np.empty((2, 1), np.uint64), a[:, lo:])
    >>> bool((a[1] == poisson_counts(resample_stream(0, 1), 16)).all())
    True
    """

    def __init__(
        self, streams: list[PoissonStream], ahead: int = TAIL_AHEAD, bytes_ahead: int = 0
    ) -> None:
        self.streams = streams
        self.ahead = ahead
        self.tail = np.empty((len(streams), ahead), dtype=np.uint64)
        self.next = np.zeros(len(streams), dtype=np.intp)  # stream i's next unread word
        self.stop = np.zeros(len(streams), dtype=np.intp)  # its words read so far end here
        self.bytes_ahead = bytes_ahead
        self.raw = np.empty((len(streams), bytes_ahead), dtype=np.uint64)
        self.raw_at = self.raw_end = 0  # every stream's unused byte words: raw[:, at:end]
        self.hit = np.empty((0, 0), dtype=bool)

    def byte_words(self, width: int, words: np.ndarray | None) -> np.ndarray:
        """The next ``width`` byte words of every stream, (b, width): read into ``words``
        (``bytes_ahead=0``) or handed out of the read-ahead buffer, refilled with at least
        ``bytes_ahead`` words per stream when it runs short (the streams advance in step)."""
        b = len(self.streams)
        if not self.bytes_ahead:
            assert words is not None, "bytes_ahead=0 reads into the words scratch"
            raw = words[:b, :width]
            for i, s in enumerate(self.streams):
                raw[i] = s.bytes.random_raw(width)
            return raw
        at, end = self.raw_at, self.raw_end
        if end - at < width:
            left = end - at
            size = max(self.bytes_ahead, width)
            if size > self.raw.shape[1]:
                grown = np.empty((b, size), dtype=np.uint64)
                grown[:, :left] = self.raw[:, at:end]
                self.raw = grown
            elif left:
                self.raw[:, :left] = self.raw[:, at:end]
            for i, s in enumerate(self.streams):
                self.raw[i, left:size] = s.bytes.random_raw(size - left)
            at, end = 0, size
            self.raw_end = end
        self.raw_at = at + width
        return self.raw[:, at : at + width]

    def tail_words(self, row: np.ndarray, per: np.ndarray) -> np.ndarray:
        """The next tail word of each of the ``row.size`` tail rows, rows ascending
        (``per = bincount(row)``): stream ``row[k]``'s next unused word, in order."""
        short = np.flatnonzero(per > self.stop - self.next)
        if short.size:
            need = per[short] - (self.stop - self.next)[short] + self.ahead
            width = int((per[short] + self.ahead).max())
            if width > self.tail.shape[1]:
                grown = np.empty((len(self.streams), width), dtype=np.uint64)
                grown[:, : self.tail.shape[1]] = self.tail
                self.tail = grown
            for i, k in zip(short.tolist(), need.tolist(), strict=True):
                left = int(self.stop[i] - self.next[i])
                self.tail[i, :left] = self.tail[i, self.next[i] : self.stop[i]]
                self.tail[i, left : left + k] = self.streams[i].tail.random_raw(k)
                self.next[i], self.stop[i] = 0, left + k
        # tail row k (of stream i, the p-th of its per[i]) reads flat word i W + next[i] + p,
        # p = k - (the number of tail rows of the streams before i)
        off = np.arange(len(self.streams)) * self.tail.shape[1] + self.next
        off += per
        off -= np.cumsum(per)
        at = off[row]
        at += np.arange(row.size)
        self.next += per
        return self.tail.reshape(-1).take(at)

    def fill(
        self,
        m: int,
        words: np.ndarray | None,
        out: np.ndarray,
        shift: int = 0,
        chunk: int = 32,
    ) -> None:
        """The next ``m`` counts of each stream, minus ``shift``, into ``out[i, :m]``.

        The byte to count passes run over ``chunk`` resamples at a time (their bytes stay in
        the core's cache); the tail rows of all the streams are then found and drawn at once,
        so the calls per slab do not grow with the number of streams.

        Args:
            m: rows per resample (a multiple of 8 unless it is the streams' last draw).
            words: uint64 scratch of at least ``(b, ceil(m / 8))`` (None with ``bytes_ahead``).
            out: uint8 or int8 (>= b, >= 8 * ceil(m / 8)), C-contiguous; columns from m on
                are scratch. With ``shift=1`` and int8, ``out`` holds the deviations
                ``c - 1`` (uint8 wraps -1 to 255).
            shift: 0 or 1, subtracted from every count.
            chunk: streams per pass.
        """
        b, width = len(self.streams), (m + 7) // 8
        v_all = self.byte_words(width, words).view(np.uint8)  # (b, 8 * width): byte i is row i
        c_all = out[:b, : 8 * width].view(np.uint8)
        if self.hit.shape[0] < b or self.hit.shape[1] < 8 * width:
            self.hit = np.empty((b, 8 * width), dtype=bool)
        hit_all = self.hit[:b, : 8 * width]
        for r in range(0, b, chunk):  # (chunk, 8 * width) bytes at a time: the passes in cache
            v, c, hit = v_all[r : r + chunk], c_all[r : r + chunk], hit_all[r : r + chunk]
            np.floor_divide(v, BYTE_CUTS[0], out=c)  # the first two cuts: 94, 2 * 94 (3 * 94 > 255)
            np.greater_equal(v, BYTE_CUTS[2], out=hit)
            c += hit.view(np.uint8)
            if shift:  # c + (v >= 250) - 1 = c - (v < 250): the shift costs no pass
                np.less(v, BYTE_CUTS[3], out=hit)
                c -= hit.view(np.uint8)
            else:
                np.greater_equal(v, BYTE_CUTS[3], out=hit)
                c += hit.view(np.uint8)
            np.greater_equal(v, TAIL_BYTE, out=hit)
        # the tail rows of all b resamples at once (a few calls per slab, not per chunk)
        packed = np.ascontiguousarray(hit_all).view(np.uint64)  # 8 rows per word
        flagged = np.flatnonzero(packed != 0)  # the words holding a tail byte
        if not flagged.size:
            return
        at = np.flatnonzero(packed.reshape(-1)[flagged].view(bool))  # (word, lane) as 8 w + l
        pos = flagged[at >> 3]
        pos <<= 3
        at &= 7
        pos += at  # flat position in (b, 8 * width), ascending
        row = pos // (8 * width)
        if m < 8 * width:  # the padding bytes past row m are not rows
            keep = pos - row * (8 * width) < m
            row, pos = row[keep], pos[keep]
        counts = tail_counts(self.tail_words(row, np.bincount(row, minlength=b)))
        if shift:
            counts -= np.uint8(shift)
        if out.shape[1] != 8 * width:  # row r of out starts at r * out.shape[1]
            pos += row * (out.shape[1] - 8 * width)
        out.reshape(-1).view(np.uint8)[pos] = counts


def fill_counts(streams: list[PoissonStream], m: int, words: np.ndarray, out: np.ndarray) -> None:
    """The next ``m`` counts of each stream into ``out[i, :m]`` (see the module's map).

    Args:
        streams: b resample streams, advanced by ``ceil(m / 8)`` byte words each, and by one
            tail word per tail row among the m.
        m: rows per resample (a multiple of 8 unless it is the stream's last draw).
        words: uint64 scratch of at least ``(b, ceil(m / 8))``.
        out: uint8 (>= b, >= 8 * ceil(m / 8)), C-contiguous; columns from m on are scratch.

    >>> s = [resample_stream(1, 0)]
    >>> out = np.empty((1, 16), np.uint8)
    >>> fill_counts(s, 16, np.empty((1, 2), np.uint64), out)
    >>> bool((out == poisson_counts(resample_stream(1, 0), 16)).all())
    True
    """
    StreamBlock(streams, ahead=0).fill(m, words, out)


def poisson_counts(stream: PoissonStream, n: int) -> np.ndarray:
    """The next ``n`` Poisson(1) multiplicities of a resample's streams.

    Row i reads byte i of the byte stream (and, for a tail byte, the next tail word), so
    drawing a resample in slabs of a multiple of 8 rows gives the same counts as drawing it
    at once.

    Args:
        stream: the resample's streams (:func:`resample_stream`).
        n: rows to draw.

    Returns:
        uint8 (n,).

    >>> c = poisson_counts(resample_stream(0, 0), 1_000_000)
    >>> bool(abs(c.mean() - 1) < 0.005 and abs(c.var() - 1) < 0.01), int(c.max()) <= 20
    (True, True)
    """
    width = (n + 7) // 8
    out = np.empty((1, 8 * width), dtype=np.uint8)
    fill_counts([stream], n, np.empty((1, width), dtype=np.uint64), out)
    return out[0, :n]


def draw_counts(seed: int, start: int, b: int, n: int) -> np.ndarray:
    """Row multiplicities of resamples ``start .. start + b - 1`` (Poisson bootstrap).

    Each row of each resample is an independent Poisson(1) count (the Poisson bootstrap:
    Hanley & MacGibbon 2006; Chamandy et al. 2012, and torchmetrics' ``BootStrapper``
    default): for large n it matches the classic index draw, the counts of disjoint rows
    are independent, and a resample needs no pass over the others.

    Args:
        seed: the seed of all resamples.
        start: the first resample's number.
        b: number of resamples.
        n: rows per resample.

    Returns:
        uint8 array (b, n).

    >>> c = draw_counts(0, 0, 3, 5)
    >>> c.shape, c.dtype.name
    ((3, 5), 'uint8')
    >>> bool((draw_counts(0, 1, 2, 5) == c[1:]).all())
    True
    """
    width = (n + 7) // 8
    out = np.empty((b, 8 * width), dtype=np.uint8)
    streams = [resample_stream(seed, start + i) for i in range(b)]
    fill_counts(streams, n, np.empty((b, width), dtype=np.uint64), out)
    return out if n == 8 * width else np.ascontiguousarray(out[:, :n])
