"""The reader contract shared by every format: :class:`Table`, :class:`Chunk`, path checks.

Numbers come out as float64 (NaN for empty or null cells), text as object arrays of ``str``
(``None`` for empty cells). Locations in messages are 1-based: ``line N`` for CSV/TSV (the
header is line 1, so data row ``r`` counted from 0 is line ``r + 2``; blank lines and line
breaks inside quoted fields are not counted) and ``row N`` for NPY/NPZ/Parquet (row ``r``
counted from 0 is ``row r + 1``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

import numpy as np

from losscli.errors import InputError, UsageError

FORMATS = ("csv", "tsv", "npy", "npz", "parquet")

# Extension (lower case) -> format. "text" means: CSV or TSV, decided from the first line.
_EXTENSIONS = (
    (".csv.gz", "csv"),
    (".tsv.gz", "tsv"),
    (".tab.gz", "tsv"),
    (".txt.gz", "text"),
    (".csv", "csv"),
    (".tsv", "tsv"),
    (".tab", "tsv"),
    (".txt", "text"),
    (".npy", "npy"),
    (".npz", "npz"),
    (".parquet", "parquet"),
    (".pq", "parquet"),
)

STDIN_NAME = "<stdin>"


def format_from_name(name: str) -> str | None:
    """Return the format a file name's extension implies, or None when it implies none.

    ``"text"`` means CSV or TSV, to be decided from the first line (``.txt``).

    Args:
        name: a file name or path.

    Returns:
        One of ``csv``, ``tsv``, ``text``, ``npy``, ``npz``, ``parquet``, or None.

    >>> format_from_name("runs/preds.CSV.gz"), format_from_name("x.pq"), format_from_name("x.h5")
    ('csv', 'parquet', None)
    """
    low = name.lower()
    for ext, fmt in _EXTENSIONS:
        if low.endswith(ext):
            return fmt
    return None


def sniff_format(head: bytes) -> str:
    """Return the format that the first bytes of a stream look like.

    ``b"\\x93NUMPY"`` is NPY, ``b"PK\\x03\\x04"`` NPZ, ``b"PAR1"`` Parquet, anything else
    text (``"text"``: CSV or TSV, decided later from the first line).

    Args:
        head: the first bytes of the stream (8 are enough).

    Returns:
        ``npy``, ``npz``, ``parquet`` or ``text``.

    >>> sniff_format(b"PAR1...."), sniff_format(b"a,b\\n1,2")
    ('parquet', 'text')
    """
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "npz"
    if head.startswith(b"PAR1"):
        return "parquet"
    return "text"


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

    __slots__ = ("name", "start", "n", "_data", "_kinds", "_unit", "_copy")

    def __init__(
        self,
        name: str,
        start: int,
        n: int,
        data: dict[str, Any],
        kinds: dict[str, str],
        unit: str,
        copy: bool = False,
    ) -> None:
        self.name = name
        self.start = start
        self.n = n
        self._data = data
        self._kinds = kinds
        self._unit = unit
        self._copy = copy

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

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        """Return the given number columns side by side as one float64 matrix.

        Args:
            names: column names (number columns only).

        Returns:
            A C-contiguous float64 array of shape ``(n, len(names))`` (one allocation).
        """
        out = np.empty((self.n, len(names)), dtype=np.float64)
        for j, name in enumerate(names):
            if self._kinds.get(name) == "text":
                raise InputError(
                    f"{self.name}: column '{name}' holds text, not numbers; "
                    "choose number columns for the scores"
                )
            out[:, j] = self._raw(name)
        return out

    def where(self, i: int) -> str:
        """Return where the chunk's ``i``-th row is in its file: ``line N`` or ``row N``.

        Args:
            i: a row index within the chunk (0-based).

        Returns:
            ``"line N"`` (CSV/TSV: header is line 1) or ``"row N"`` (1-based row number).
        """
        if self._unit == "line":
            return f"line {self.start + int(i) + 2}"
        return f"row {self.start + int(i) + 1}"


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
        self._closed = False

    def _check_columns(self) -> None:
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

    def chunks(self, columns: Sequence[str] | None = None) -> Iterator[Chunk]:
        """Yield the rows in chunks of at most ``chunk_size`` rows, from the top.

        Args:
            columns: the columns to read, in that order (None: all).

        Returns:
            An iterator of :class:`Chunk`.
        """
        names = self._resolve(columns)
        if self._closed:
            raise RuntimeError(f"{self.name}: the table is closed")
        return self._iter_chunks(names)

    def _iter_chunks(self, names: list[str]) -> Iterator[Chunk]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Release the file handles this table holds."""
        self._closed = True

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, columns={self.columns!r}, "
            f"n_rows={self.n_rows!r})"
        )


def arrow_to_numpy(arr: Any, dtype: Any = np.float64) -> np.ndarray:
    """Convert a pyarrow Array or ChunkedArray to numpy without importing pandas.

    (pyarrow's own ``to_numpy`` goes through its pandas shim and imports pandas.) Supports
    null, boolean, float64, int32/int64 and string arrays: nulls become NaN in numeric
    arrays (which then come out as float64) and None in string arrays (object dtype).

    Args:
        arr: a pyarrow Array or ChunkedArray.
        dtype: the dtype of the result when there are no chunks.

    Returns:
        A numpy array (possibly a read-only view of the arrow memory).

    >>> import pyarrow as pa, pyarrow.compute as pc
    >>> arrow_to_numpy(pc.cast(pa_strings("1", None, "3"), pa.float64()))
    array([ 1., nan,  3.])
    """
    chunks = arr.chunks if hasattr(arr, "chunks") else [arr]
    parts = [_array_to_numpy(c) for c in chunks]
    if not parts:
        return np.empty(0, dtype=dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


_NUMPY_OF_ARROW = {"double": np.float64, "int32": np.int32, "int64": np.int64}


def _bits(buf: Any, offset: int, n: int) -> np.ndarray:
    raw = np.frombuffer(buf, dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little", count=offset + n)[offset:].astype(bool)


def _array_to_numpy(a: Any) -> np.ndarray:
    import pyarrow as pa

    t = a.type
    n = len(a)
    valid = _bits(a.buffers()[0], a.offset, n) if (a.null_count and n) else None
    if pa.types.is_null(t):
        return np.full(n, np.nan)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = np.empty(n, dtype=object)
        out[:] = a.to_pylist()
        return out
    if n == 0:
        return np.empty(0, dtype=bool if pa.types.is_boolean(t) else np.float64)
    if pa.types.is_boolean(t):
        vals = _bits(a.buffers()[1], a.offset, n)
        return vals if valid is None else vals & valid
    name = str(t)
    if name not in _NUMPY_OF_ARROW:
        import pyarrow.compute as pc

        return _array_to_numpy(pc.cast(a, pa.float64()))
    vals = np.frombuffer(a.buffers()[1], dtype=_NUMPY_OF_ARROW[name])[a.offset : a.offset + n]
    if valid is not None:
        vals = vals.astype(np.float64)
        vals[~valid] = np.nan
    return vals


def pa_strings(*values: str | None) -> Any:
    """Build a pyarrow string array without importing pandas (``pa.array`` does).

    Args:
        values: the strings (None for null).

    Returns:
        A ``pyarrow.StringArray``.

    >>> pa_strings("a", None, "bc").to_pylist()
    ['a', None, 'bc']
    """
    import pyarrow as pa

    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    null = np.array([v is None for v in values], dtype=bool)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    big = offsets[-1] >= 2**31
    return pa.Array.from_buffers(
        pa.large_string() if big else pa.string(),
        len(values),
        [
            validity,
            pa.py_buffer(offsets if big else offsets.astype(np.int32)),
            pa.py_buffer(b"".join(encoded)),
        ],
        null_count=int(null.sum()),
    )
