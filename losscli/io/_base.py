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
        self.text_evidence: dict[str, str] = {}  # text column -> where a non-number is, e.g.
        # "line 3: 'abc'" (CSV/TSV: the first such cell of the first block)
        self.blank_columns: set[str] = set()  # no header name and no values (trailing commas)
        self._closed = False
        self._owned: list[Any] = []

    def own(self, resource: Any) -> None:
        """Close ``resource`` (e.g. a spooled temporary copy of a pipe) with the table."""
        self._owned.append(resource)

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


# --------------------------------------------------------------------------------------------
# exact values: ids and group keys
# --------------------------------------------------------------------------------------------

INT_SPELLING = r"^(0|-?[1-9][0-9]{0,18})$"
"""How a whole number is written in text to be read as int64: no sign but ``-``, no leading
zero, no spaces, no ``.0`` (so ``007``, ``+7``, `` 7`` and ``7.0`` stay text, distinct from 7)."""

_INT64_MAX = np.iinfo(np.int64).max


def _int_text(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = [str(int(v)) for v in values]
    return out


def exact_values(values: np.ndarray) -> np.ndarray:
    """Turn a numpy column into exact values: int64 when every value is a whole number, else text.

    Integers and booleans stay integers; floats that are all whole numbers (and finite)
    become int64; anything else becomes an object array of ``str`` (whole floats written
    without ``.0``, others by their shortest round-trip repr) with ``None`` for missing
    (NaN, empty strings). Never through float64: ``2**53 + 1`` stays itself.

    Args:
        values: a ``(n,)`` array of any dtype the readers produce.

    Returns:
        ``(n,)`` int64, or an object array of ``str`` / ``None``.

    >>> exact_values(np.array([2**53 + 1, 7])).tolist()
    [9007199254740993, 7]
    >>> exact_values(np.array([312.0, 4.0])).dtype
    dtype('int64')
    >>> exact_values(np.array([1.5, 2.0, np.nan])).tolist()
    ['1.5', '2', None]
    >>> exact_values(np.array(["007", ""])).tolist()
    ['007', None]
    """
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind in "bi":
        return arr.astype(np.int64)
    if kind == "u":
        if arr.size == 0 or int(arr.max()) <= _INT64_MAX:
            return arr.astype(np.int64)
        return _int_text(arr)
    if kind == "f":
        arr = arr.astype(np.float64)
        finite = np.isfinite(arr)
        whole = finite & (arr == np.round(arr)) & (np.abs(arr) < 2.0**63)
        if whole.all():
            return arr.astype(np.int64)
        out = np.empty(len(arr), dtype=object)
        out[whole] = [str(int(v)) for v in arr[whole]]
        rest = ~whole & ~np.isnan(arr)
        out[rest] = [repr(float(v)) for v in arr[rest]]
        return out
    if kind in "US":
        if kind == "S":
            arr = np.char.decode(arr, "utf-8")
        out = arr.astype(object)
        out[arr == ""] = None
        return out
    out = np.empty(len(arr), dtype=object)
    out[:] = [None if v is None or v == "" else str(v) for v in arr.tolist()]
    return out


def arrow_exact(arr: Any) -> np.ndarray:
    """Turn a pyarrow column into exact values (see :func:`exact_values`).

    Integer columns without nulls come out as int64; strings as text; floats as
    :func:`exact_values` reads them; decimals, dates and anything else as their text
    (a decimal of scale 0 as int64). Nulls are ``None`` (the column then is text).

    Args:
        arr: a pyarrow Array or ChunkedArray.

    Returns:
        ``(n,)`` int64, or an object array of ``str`` / ``None``.

    >>> import pyarrow as pa
    >>> arrow_exact(pa.array([2**62 + 1, 3])).tolist()
    [4611686018427387905, 3]
    >>> arrow_exact(pa.array([1, None])).tolist()
    ['1', None]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_null(t):
        return np.full(len(arr), None, dtype=object)
    if pa.types.is_boolean(t):
        arr = pc.cast(arr, pa.int64())
        t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        if arr.null_count:
            text = pc.cast(arr, pa.string()) if pa.types.is_integer(t) else None
            if text is not None:
                return arrow_to_numpy(text, object)
            vals = arrow_to_numpy(pc.cast(arr, pa.float64()))
            return exact_values(vals)
        if pa.types.is_integer(t):
            if pa.types.is_unsigned_integer(t) and t.bit_width == 64:
                return exact_values(np.asarray(arr.to_pylist(), dtype=np.uint64))
            return arrow_to_numpy(pc.cast(arr, pa.int64())).astype(np.int64)
        return exact_values(arrow_to_numpy(pc.cast(arr, pa.float64())))
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arrow_to_numpy(arr, object)
    text = pc.cast(arr, pa.string())
    if pa.types.is_decimal(t) and t.scale == 0:
        return strings_exact(text, as_int=True)
    return arrow_to_numpy(text, object)


def strings_exact(arr: Any, as_int: bool) -> np.ndarray:
    """Ids from a pyarrow string column: int64 if ``as_int`` and all match INT_SPELLING.

    Args:
        arr: a pyarrow string array (nulls for empty cells).
        as_int: read the column as whole numbers when every value is written as one.

    Returns:
        ``(n,)`` int64, or an object array of the strings as written (``None`` for null).

    >>> import pyarrow as pa
    >>> strings_exact(pa.array(["9007199254740993", "7"]), True).tolist()
    [9007199254740993, 7]
    >>> strings_exact(pa.array(["007", "7"]), True).tolist()
    ['007', '7']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if as_int and len(arr) and not arr.null_count and is_int_spelling(arr):
        try:
            return arrow_to_numpy(pc.cast(arr, pa.int64())).astype(np.int64)
        except pa.ArrowInvalid:  # 19 digits beyond int64
            pass
    return arrow_to_numpy(arr, object)


def is_int_spelling(arr: Any) -> bool:
    """True when every non-null value of a pyarrow string column matches INT_SPELLING.

    >>> import pyarrow as pa
    >>> is_int_spelling(pa.array(["12", "-3", None])), is_int_spelling(pa.array(["012"]))
    (True, False)
    """
    import pyarrow.compute as pc

    ok = pc.match_substring_regex(pc.drop_null(arr), INT_SPELLING)
    return bool(pc.all(ok).as_py() is not False)


def concat_exact(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Concatenate exact-value arrays; int64 parts become text when any part is text.

    >>> concat_exact([np.array([7]), np.array(["007"], dtype=object)]).tolist()
    ['7', '007']
    """
    if not parts:
        return np.empty(0, dtype=object)
    if all(p.dtype == np.int64 for p in parts):
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
    return np.concatenate([_int_text(p) if p.dtype == np.int64 else p for p in parts])


def ids_as_text(values: np.ndarray) -> np.ndarray:
    """Exact values as text (int64 written in decimal), for comparing with text ids.

    >>> ids_as_text(np.array([9007199254740993])).tolist()
    ['9007199254740993']
    """
    return _int_text(values) if values.dtype == np.int64 else values
