"""The reader contract shared by every format: :class:`Table`, :class:`Chunk`, path checks.

Numbers come out as float64 (NaN for empty or null cells), text as object arrays of ``str``
(``None`` for empty cells). Locations in messages are 1-based: ``line N`` for CSV/TSV (the
header is line 1, so data row ``r`` counted from 0 is line ``r + 2``; blank lines and line
breaks inside quoted fields are not counted) and ``row N`` for NPY/NPZ/Parquet (row ``r``
counted from 0 is ``row r + 1``).
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, BinaryIO

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.io._values import concat_exact

STDIN_NAME = "<stdin>"


def check_input_path(path: str, role: str) -> None:
    """Raise InputError unless ``path`` is an existing, readable, non-empty regular file.

    Args:
        path: the path as the user gave it.
        role: ``"predictions"`` or ``"labels"``, used in the messages.

    >>> try:
    ...     check_input_path("no/such/preds.csv", "predictions")
    ... except InputError as e:
    ...     print(e)
    no/such/preds.csv: no such file; check the path of the predictions file
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path of the {role} file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the {role} file readable") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open the {role} file ({exc.strerror})") from None
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a file; pass the {role} file inside it")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied; make the {role} file readable")
    if st.st_size == 0 and os.path.isfile(path):
        raise InputError(f"{path}: the file is empty (0 bytes); pass a {role} file with data")


def open_binary(path: str, role: str) -> BinaryIO:
    """Open a checked path for binary reading, turning OS errors into InputError.

    Args:
        path: a path that passed :func:`check_input_path`.
        role: used in the messages.

    Returns:
        A binary file object.

    >>> try:
    ...     open_binary("no/such/file.npy", "labels")
    ... except InputError as e:
    ...     print(e)
    no/such/file.npy: cannot open the labels file (No such file or directory)
    """
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the {role} file readable") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open the {role} file ({exc.strerror})") from None


def stdin_binary() -> BinaryIO:
    """Return the binary stdin stream (looked up at call time so tests can replace it).

    Returns:
        ``sys.stdin.buffer`` (or ``sys.stdin`` itself when it is already binary).

    >>> hasattr(stdin_binary(), "read")
    True
    """
    stream = sys.stdin
    if stream is None:
        raise InputError(f"{STDIN_NAME}: stdin is closed; pass a file path instead of '-'")
    return getattr(stream, "buffer", stream)


def read_exactly(stream: Any, n: int) -> bytes:
    """Read up to ``n`` bytes, looping over short reads; fewer only at end of stream.

    Args:
        stream: an object with ``read(n) -> bytes``.
        n: how many bytes to read.

    Returns:
        The bytes read (``len <= n``).

    >>> import io
    >>> read_exactly(io.BytesIO(b"abcdef"), 4)
    b'abcd'
    """
    parts = []
    got = 0
    while got < n:
        part = stream.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


class PrefixedStream:
    """A read-only stream that first returns ``prefix`` and then reads from ``stream``.

    Used to put back the bytes read while sniffing stdin.

    >>> import io
    >>> s = PrefixedStream(b"ab", io.BytesIO(b"cd"))
    >>> s.read(3), s.read(5), s.read(1)
    (b'abc', b'd', b'')
    """

    def __init__(self, prefix: bytes, stream: Any) -> None:
        self._prefix = prefix
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        """Return up to ``n`` bytes (all that is left when ``n < 0``)."""
        if n is None or n < 0:
            out = self._prefix + self._stream.read()
            self._prefix = b""
            return out
        if self._prefix:
            out = self._prefix[:n]
            self._prefix = self._prefix[n:]
            if len(out) < n:
                out += self._stream.read(n - len(out))
            return out
        return self._stream.read(n)

    def readable(self) -> bool:
        """Return True: this stream can be read."""
        return True

    def close(self) -> None:
        """Do nothing: stdin is not ours to close."""


def quote_list(names: Sequence[str], limit: int = 12) -> str:
    """Return ``names`` as a short comma-separated list for a message.

    Args:
        names: the names.
        limit: how many to show before ``…``.

    Returns:
        A string such as ``'a', 'b', 'c'``.

    >>> quote_list(["a", "b"])
    "'a', 'b'"
    """
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    if len(names) > limit:
        shown += f", … ({len(names)} in all)"
    return shown


def or_list(names: Sequence[str]) -> str:
    """Return names as a message lists choices: ``csv, tsv or npy``.

    Args:
        names: the names, in order (at least one).

    Returns:
        The names joined by commas, the last by ``or``.

    >>> or_list(["csv", "tsv", "npy"]), or_list(["csv"])
    ('csv, tsv or npy', 'csv')
    """
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def short_cause(exc: BaseException, limit: int = 120) -> str:
    """Return the first line of an exception's message, shortened for a one-line error.

    Args:
        exc: the exception.
        limit: the maximum length.

    Returns:
        A short single-line string.

    >>> short_cause(ValueError("bad thing\\nmore detail"))
    'bad thing'
    >>> print(short_cause(OSError("don't know what type: \\x0e")))
    don't know what type: \\x0e
    """
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # control bytes a library quotes from a corrupt file would garble the one-line error
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


UNITS = {"line": ("line", 2), "bare line": ("line", 1), "row": ("row", 1)}
"""How a reader counts its rows in messages: ``unit -> (word, number of data row 0)``.
``line``: text with a header on line 1 (CSV/TSV); ``bare line``: text whose line 1 is data
(JSON Lines, ``--no-header`` CSV/TSV); ``row``: binary formats and memory."""


def location(unit: str, index: int) -> str:
    """Where data row ``index`` (0-based) of a reader counting in ``unit`` is: ``line N``.

    Args:
        unit: a key of :data:`UNITS`.
        index: the 0-based data row.

    Returns:
        ``"line N"`` or ``"row N"``.

    >>> location("line", 0), location("bare line", 0), location("row", 4)
    ('line 2', 'line 1', 'row 5')
    """
    word, first = UNITS[unit]
    return f"{word} {int(index) + first}"


Columns = dict[str, np.ndarray]


def recut(
    blocks: Iterable[tuple[int, Columns, Columns]], size: int
) -> Iterator[tuple[int, int, Columns, Columns]]:
    """Cut blocks of rows of any size into chunks of exactly ``size`` rows (the last: fewer).

    The one re-cutting every reader shares: a reader parses its source in blocks (a CSV byte
    block, a Parquet or Arrow record batch, a JSON Lines block) and yields them here.

    Args:
        blocks: ``(m, columns, exact)`` per block: its row count, its columns (1-D or 2-D
            arrays of ``m`` rows) and its exact-value columns (:meth:`Chunk.ids`).
        size: the rows per chunk.

    Returns:
        An iterator of ``(start, n, columns, exact)``: the 0-based first row, the row count and
        the columns (fresh or writeable arrays) of each chunk.

    >>> blocks = [(3, {"a": np.arange(3.0)}, {}), (4, {"a": np.arange(3.0, 7.0)}, {})]
    >>> [(s, n, c["a"].tolist()) for s, n, c, _ in recut(blocks, 5)]
    [(0, 5, [0.0, 1.0, 2.0, 3.0, 4.0]), (5, 2, [5.0, 6.0])]
    """
    pieces: dict[str, list[np.ndarray]] = {}
    exact_pieces: dict[str, list[np.ndarray]] = {}
    buffered = 0
    start = 0

    def cut() -> tuple[int, int, Columns, Columns]:
        cols = {}
        for name, parts in pieces.items():
            arr = parts[0] if len(parts) == 1 else np.concatenate(parts)
            cols[name] = arr if arr.flags.writeable else arr.copy()
        exact = {name: concat_exact(parts) for name, parts in exact_pieces.items()}
        return start, buffered, cols, exact

    for m, cols, exact in blocks:
        off = 0
        while off < m:
            take = min(m - off, size - buffered)
            for name, arr in cols.items():
                pieces.setdefault(name, []).append(arr[off : off + take])
            for name, arr in exact.items():
                exact_pieces.setdefault(name, []).append(arr[off : off + take])
            buffered += take
            off += take
            if buffered == size:
                yield cut()
                start += buffered
                buffered = 0
                pieces, exact_pieces = {}, {}
    if buffered:
        yield cut()


class Chunk:
    """A block of consecutive rows of a :class:`Table`, with its columns as numpy arrays.

    ``start`` is the 0-based index of the chunk's first data row in the file and ``n`` its
    number of rows. Number columns come out as float64 (NaN for empty/null), text columns as
    object arrays of ``str`` (``None`` for empty).

    >>> c = Chunk("p.csv", 0, 2, {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])},
    ...           {"a": "number", "b": "number"}, "line")
    >>> c.matrix(["b", "a"])
    array([[3., 1.],
           [4., 2.]])
    >>> c.where(1)
    'line 3'
    """

    __slots__ = ("name", "start", "n", "_data", "_kinds", "_unit", "_copy", "_exact")

    def __init__(
        self,
        name: str,
        start: int,
        n: int,
        data: dict[str, Any],
        kinds: dict[str, str],
        unit: str,
        copy: bool = False,
        exact: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.name = name
        self.start = start
        self.n = n
        self._data = data
        self._kinds = kinds
        self._unit = unit
        self._copy = copy
        self._exact = exact or {}

    @property
    def columns(self) -> list[str]:
        """The names of the columns this chunk holds, in order."""
        return list(self._data)

    def _raw(self, name: str) -> np.ndarray:
        try:
            source = self._data[name]
        except KeyError:
            raise KeyError(
                f"column {name!r} was not requested from {self.name}; "
                f"this chunk holds {quote_list(list(self._data))}"
            ) from None
        if isinstance(source, tuple):  # (2-D array, column index)
            arr, j = source
            return arr[:, j]
        return source

    def column(self, name: str) -> np.ndarray:
        """Return one column: float64 for number columns, an object array for text columns.

        Args:
            name: a column name requested from :meth:`Table.chunks`.

        Returns:
            An array of shape ``(n,)`` that the caller may modify.
        """
        raw = self._raw(name)
        if self._kinds.get(name) == "text":
            return raw
        if self._copy or raw.dtype != np.float64:
            return np.array(raw, dtype=np.float64)
        return raw

    def ids(self, name: str) -> np.ndarray:
        """Return a column read exactly (requested through ``exact=`` of :meth:`Table.chunks`).

        Ids and group keys are never read through float64: see :func:`exact_values` for
        the two forms a column comes in.

        Args:
            name: a column requested with ``exact=``.

        Returns:
            ``(n,)`` int64 (whole numbers, none missing) or an object array of ``str``
            (``None`` for a missing value).

        >>> c = Chunk("p.csv", 0, 2, {}, {}, "line", exact={"id": np.array([7, 2**62])})
        >>> c.ids("id").tolist()
        [7, 4611686018427387904]
        """
        try:
            return self._exact[name]
        except KeyError:
            raise KeyError(f"column {name!r} was not requested exactly from {self.name}") from None

    def locator(self) -> Chunk:
        """Return a copy of this chunk that keeps only what :meth:`where` needs (no data).

        >>> c = Chunk("p.csv", 10, 2, {"a": np.zeros(2)}, {"a": "number"}, "line")
        >>> c.locator().where(1), c.locator().columns
        ('line 13', [])
        """
        out = copy.copy(self)
        out._data, out._exact = {}, {}
        return out

    def matrix(self, names: Sequence[str], *, keep_float32: bool = False) -> np.ndarray:
        """Return the given number columns side by side as one float64 matrix.

        Args:
            names: column names (number columns only).
            keep_float32: the rows of a class-major float32 block as read, a read-only view,
                not widened (:func:`losscli.metrics.class_major.class_major_rows` widens a
                cache-sized tile at a time; the caller widens them for anything else).

        Returns:
            A float64 array of shape ``(n, len(names))``: one allocation, or a read-only view
            when the names are every column of a C-contiguous float64 block. C-contiguous,
            but for the rows of a class-major block (a dense ``(N, C, d..)`` array's,
            ``dense_chunks``): their transpose ``(len(names), n)`` is, the class planes kept
            contiguous (:mod:`losscli.metrics.class_major` reads them so, without a copy).
        """
        for name in names:
            if self._kinds.get(name) == "text":
                raise InputError(
                    f"{self.name}: column '{name}' holds text, not numbers; "
                    "choose number columns for the scores"
                )
        block = self._block(names)
        if block is not None and block.dtype == np.float64 and block.flags.c_contiguous:
            view = block.view()  # every column of a float64 batch (an NPY's): no copy
            view.flags.writeable = False  # read-only: the batch stays as read
            return view
        if block is not None and block.shape[1] > 1 and block.T.flags.c_contiguous:
            if keep_float32 and block.dtype == np.float32:
                view = block.view()
                view.flags.writeable = False
                return view
            return np.array(block.T, dtype=np.float64, order="C").T  # class-major: kept so
        if block is not None:  # adjacent columns of one 2-D array: one copy, row by row
            return np.array(block, dtype=np.float64, order="C")
        out = np.empty((self.n, len(names)), dtype=np.float64)
        for j, name in enumerate(names):
            out[:, j] = self._raw(name)
        return out

    def _block(self, names: Sequence[str]) -> np.ndarray | None:
        """The 2-D slice ``arr[:, j:j + k]`` when ``names`` are adjacent columns of one array."""
        sources = [self._data.get(n) for n in names]
        if not sources or not all(isinstance(src, tuple) for src in sources):
            return None
        arr, j0 = sources[0]
        for k, (a, j) in enumerate(sources):
            if a is not arr or j != j0 + k:
                return None
        return arr[:, j0 : j0 + len(names)]

    def where(self, i: int) -> str:
        """Return where the chunk's ``i``-th row is in its file: ``line N`` or ``row N``.

        Args:
            i: a row index within the chunk (0-based).

        Returns:
            ``"line N"`` (CSV/TSV: header is line 1, unless ``--no-header``) or ``"row N"``
            (1-based row number); see :func:`location`.
        """
        return location(self._unit, self.start + int(i))


class Table:
    """A readable table of model outputs or labels, read in chunks of rows.

    Attributes:
        name: the path as given, or ``"<stdin>"``; used in every message.
        columns: the column names, in file order.
        kinds: ``"number"`` or ``"text"`` for each column.
        n_rows: the number of data rows when known cheaply, else None.
    """

    unit = "row"

    def __init__(self, name: str, role: str, chunk_size: int) -> None:
        if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise UsageError(f"chunk size must be a positive whole number, got {chunk_size!r}")
        self.name = name
        self.role = role
        self.chunk_size = int(chunk_size)
        self.columns: list[str] = []
        self.kinds: dict[str, str] = {}
        self.n_rows: int | None = None
        self.text_evidence: dict[str, str] = {}  # text column -> where a non-number is, e.g.
        # "line 3: 'abc'" (CSV/TSV: the first such cell of the first block)
        self.blank_columns: set[str] = set()  # no header name and no values (trailing commas)
        #: CSV/TSV: whether line 1 was read as the header; None for formats with named columns
        self.headed: bool | None = None
        #: readings the reader took that the data left open, for the report's inference list
        self.readings: list[str] = []
        self._closed = False
        self._owned: list[Any] = []

    def own(self, resource: Any) -> None:
        """Close ``resource`` (e.g. a spooled temporary copy of a pipe) with the table."""
        self._owned.append(resource)

    def position(self) -> tuple[int, int] | None:
        """``(bytes read, size)`` of the file while it is read, when the reader knows them
        (a reader that streams a regular file sets ``_stream``, a ``SafeStream``: CSV/TSV),
        for progress; else None (progress counts rows)."""
        stream = getattr(self, "_stream", None)
        return stream.position() if stream is not None else None

    def _check_width(self, n: int) -> None:
        """Refuse a file wider than the columns limit, before its columns are allocated."""
        from losscli import limits

        limits.COLUMNS.check_input(f"{self.name}: the {self.role} file has", n)

    def _check_columns(self) -> None:
        self._check_width(len(self.columns))
        seen: set[str] = set()
        for c in self.columns:
            if c in seen:
                raise InputError(
                    f"{self.name}: the column name '{c}' appears more than once; "
                    "give every column a distinct name"
                )
            seen.add(c)

    def _resolve(self, columns: Sequence[str] | None) -> list[str]:
        if columns is None:
            return list(self.columns)
        if isinstance(columns, str):
            columns = [columns]
        names = list(columns)
        known = set(self.columns)
        for c in names:
            if c not in known:
                raise InputError(
                    f"{self.name}: no column '{c}' in the {self.role} file; "
                    f"its columns are {quote_list(self.columns)}"
                )
        return names

    def chunks(
        self, columns: Sequence[str] | None = None, *, exact: Sequence[str] = ()
    ) -> Iterator[Chunk]:
        """Yield the rows in chunks of at most ``chunk_size`` rows, from the top.

        Args:
            columns: the columns to read, in that order (None: all).
            exact: columns to read exactly as well (ids, group keys), for
                :meth:`Chunk.ids`; they need not be in ``columns``.

        Returns:
            An iterator of :class:`Chunk`.
        """
        names = self._resolve(columns)
        exact_names = list(dict.fromkeys(self._resolve(list(exact)))) if exact else []
        if self._closed:
            raise RuntimeError(f"{self.name}: the table is closed")
        return self._iter_chunks(names, exact_names)

    def _iter_chunks(
        self, names: list[str], exact: list[str]
    ) -> Iterator[Chunk]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Release the file handles this table holds."""
        self._closed = True
        while self._owned:
            try:
                self._owned.pop().close()
            except Exception:  # noqa: BLE001 - closing must not hide the real error
                pass

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, columns={self.columns!r}, "
            f"n_rows={self.n_rows!r})"
        )
