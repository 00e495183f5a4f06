"""CSV and TSV reader (optionally gzip-compressed), streamed in blocks through pyarrow.

How it works: the raw bytes are cut into blocks of about :data:`BLOCK_BYTES` at a line
break outside quotes; pyarrow parses each block (multi-threaded) with every column read as
raw bytes; the columns are then converted here. Reading the bytes first and converting
afterwards is as fast as letting pyarrow convert (measured), and it lets every bad value be
located exactly: a block that fails is re-scanned, and the message names its line and column.

Kinds are decided from the first block: a column whose values all parse as numbers is a
number column (integers become float64), a column of ``true``/``false`` (any case) is a number
column holding 1/0, an all-empty column is a number column (NaN), anything else is text. A
number column that holds text further down raises InputError naming the line and column.
Only ``""`` (an empty cell) counts as missing; ``nan``/``inf`` parse as numbers. Spaces around
numbers are tolerated; spaces around header names are removed. Empty header names become
``Unnamed: i`` (0-based position, as pandas names them).

Columns read exactly (ids, group keys: ``exact=`` of :meth:`Table.chunks`) are never parsed as
numbers: they are int64 when the first block holds only plain whole numbers (``0`` or
``-?[1-9][0-9]*`` within int64), else the text as written, so ``007`` and ``7`` stay two ids
and ``9007199254740993`` stays itself. A later block that holds another spelling (or an empty
cell) comes out as text.

Line numbers: the header is line 1 and data row ``r`` (0-based) is line ``r + 2``; blank lines
(skipped) and line breaks inside quoted fields are not counted.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._base import Chunk, Table, or_list, read_exactly, short_cause
from losscli.io._values import (
    arrow_to_numpy,
    concat_exact,
    is_int_spelling,
    pa_strings,
    strings_exact,
)

BLOCK_BYTES = 8 << 20
"""Bytes read per block (measured: 4-16 MiB all read a 1e6 x 12 CSV at the same speed)."""

MAX_ROW_BYTES = 64 << 20
"""A single row (or the header) longer than this is refused (usually an unclosed quote)."""

_PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _gzip_error(name: str, exc: BaseException) -> InputError:
    return InputError(
        f"{name}: is not a valid gzip file (corrupt or truncated): {short_cause(exc)}"
    )


class SafeStream:
    """Wrap a byte stream so that read errors become one-line InputErrors.

    >>> SafeStream(io.BytesIO(b"abc"), "x.csv").read(2)
    b'ab'
    """

    def __init__(self, stream: Any, name: str, gz: bool = False, owned: Any = None) -> None:
        self._stream = stream
        self._name = name
        self._gz = gz
        self._owned = owned

    def read(self, n: int = -1) -> bytes:
        """Return up to ``n`` bytes."""
        try:
            return self._stream.read(n)
        except (EOFError, zlib.error) as exc:
            raise _gzip_error(self._name, exc) from None
        except OSError as exc:
            if self._gz:
                raise _gzip_error(self._name, exc) from None
            raise InputError(f"{self._name}: cannot read the file: {short_cause(exc)}") from None

    def close(self) -> None:
        """Close the wrapped stream and the file it was opened from."""
        for s in (self._stream, self._owned):
            if s is not None:
                try:
                    s.close()
                except Exception:  # noqa: BLE001 - closing must not hide the real error
                    pass


def _last_safe_newline(buf: bytes) -> int:
    """Return the index of the last line break in ``buf`` that is outside quotes, or -1.

    >>> _last_safe_newline(b'a,b\\n1,"x\\ny"\\n2,"z')
    11
    """
    cut = buf.rfind(b"\n")
    if cut < 0 or b'"' not in buf:
        return cut
    if buf.count(b'"', 0, cut) % 2 == 0:
        return cut
    arr = np.frombuffer(buf, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    newlines = np.flatnonzero(arr == 10)
    even = (np.searchsorted(quotes, newlines) % 2) == 0
    ok = newlines[even]
    return int(ok[-1]) if ok.size else -1


def _first_safe_newline(buf: bytes) -> int:
    """Return the index of the first line break in ``buf`` that is outside quotes, or -1.

    >>> _first_safe_newline(b'"a\\nb",c\\n1,2\\n')
    7
    """
    pos = buf.find(b"\n")
    while pos >= 0 and buf.count(b'"', 0, pos) % 2:
        pos = buf.find(b"\n", pos + 1)
    return pos


def _check_text(name: str, head: bytes, others: Sequence[str]) -> None:
    """Refuse binary data (or UTF-16/32 text) fast, from the first block, before any parsing.

    >>> _check_text("x.csv", b"label,prob\\n1,0.5\\n", ["npy"])
    >>> try:
    ...     _check_text("/dev/zero", bytes(16), ["npy"])
    ... except InputError as e:
    ...     print(str(e).split(":")[1])
     holds NUL bytes (byte 1 is 0x00)
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: is UTF-16 (or UTF-32) text; re-save the file as UTF-8 CSV/TSV")
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{name}: holds NUL bytes (byte {nul + 1} is 0x00): this is binary data, not "
            f"CSV/TSV text; check the path, or pass --input-format {or_list(others)}"
        )


class _BlockReader:
    """Yield blocks of whole rows from a stream, with push-back of one block."""

    def __init__(self, stream: SafeStream, pending: bytes, eof: bool, name: str) -> None:
        self.stream = stream
        self.pending = pending
        self.eof = eof
        self.name = name
        self.pushed: list[bytes] = []

    def next(self) -> bytes | None:
        if self.pushed:
            return self.pushed.pop()
        while True:
            if not self.eof and len(self.pending) < BLOCK_BYTES:
                want = BLOCK_BYTES - len(self.pending)
                data = read_exactly(self.stream, want)
                if len(data) < want:
                    self.eof = True
                if data:
                    self.pending = self.pending + data if self.pending else data
            if self.eof:
                block, self.pending = self.pending, b""
                return block or None
            cut = _last_safe_newline(self.pending)
            if cut < 0:
                if len(self.pending) > MAX_ROW_BYTES:
                    raise InputError(
                        f"{self.name}: a row is longer than {MAX_ROW_BYTES >> 20} MiB; "
                        'check for a quote (") that is never closed'
                    )
                data = read_exactly(self.stream, BLOCK_BYTES)
                if not data:
                    self.eof = True
                else:
                    self.pending += data
                continue
            block, self.pending = self.pending[: cut + 1], self.pending[cut + 1 :]
            return block


class TextTable(Table):
    """A CSV or TSV file (or stdin) read in chunks; see the module docstring for the rules."""

    unit = "line"

    def __init__(
        self,
        name: str,
        role: str,
        chunk_size: int,
        opener: Callable[[], SafeStream],
        delimiter: str | None,
        reopenable: bool,
        others: Sequence[str],
    ) -> None:
        super().__init__(name, role, chunk_size)
        self._others = tuple(others)  # the binary formats a NUL byte suggests
        self._opener = opener
        self._reopenable = reopenable
        self._reader: _BlockReader | None = None
        self.unnamed_columns: set[str] = set()
        self._ikinds: dict[str, str] = {}
        self._int_ids: dict[str, bool] = {}
        stream = opener()
        try:
            self._open(stream, delimiter)
        except BaseException:
            stream.close()
            raise

    # -- opening -------------------------------------------------------------------------

    def _read_header(self, stream: SafeStream) -> tuple[bytes, bytes, bool]:
        step = min(1 << 16, BLOCK_BYTES)
        first = read_exactly(stream, step)
        eof = len(first) < step
        if not first:
            raise InputError(f"{self.name}: the input is empty (0 bytes); it needs a header row")
        _check_text(self.name, first, self._others)
        buf = bytearray(first)
        searched = 0  # no line break outside quotes before this offset
        while True:
            if buf.find(b"\n", searched) >= 0:
                pos = _first_safe_newline(bytes(buf))
                if pos >= 0:
                    return bytes(buf[:pos]), bytes(buf[pos + 1 :]), eof
            searched = len(buf)
            if eof:
                return bytes(buf), b"", True
            if len(buf) > MAX_ROW_BYTES:
                raise InputError(
                    f"{self.name}: the header line is longer than {MAX_ROW_BYTES >> 20} MiB; "
                    "check that this is a CSV/TSV file"
                )
            more = read_exactly(stream, step)
            eof = len(more) < step
            buf += more

    def _open(self, stream: SafeStream, delimiter: str | None) -> None:
        raw_header, pending, eof = self._read_header(stream)
        if raw_header.startswith(b"\xef\xbb\xbf"):
            raw_header = raw_header[3:]
        raw_header = raw_header.rstrip(b"\r")
        try:
            header = raw_header.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                f"{self.name}: line 1 (the header) is not UTF-8 text; re-save the file as UTF-8"
            ) from None
        if "\x00" in header:
            raise InputError(
                f"{self.name}: line 1 holds NUL bytes; this is not a CSV/TSV text file"
            )
        if not header.strip():
            raise InputError(
                f"{self.name}: line 1 is empty; the first line must be the header row "
                "naming the columns"
            )
        if delimiter is None:
            delimiter = "\t" if ("\t" in header and "," not in header) else ","
        self.delimiter = delimiter
        self.format = "tsv" if delimiter == "\t" else "csv"
        try:
            fields = next(csv.reader([header], delimiter=delimiter))
        except (csv.Error, StopIteration) as exc:
            raise InputError(
                f"{self.name}: cannot read the header on line 1: {short_cause(exc)}"
            ) from None
        self._check_width(len(fields))
        if len(fields) == 1:
            self._check_delimiter(header, pending, delimiter)
        names = [f.strip() for f in fields]
        if names and all(_PLAIN_NUMBER.fullmatch(n) for n in names):
            raise InputError(
                f"{self.name}: has no header row: the first line is all numbers; add a header "
                "such as 'label,0,1,2'"
            )
        self.columns = [n if n else f"Unnamed: {i}" for i, n in enumerate(names)]
        unnamed = {self.columns[i] for i, n in enumerate(names) if not n}
        self.unnamed_columns = unnamed
        self._check_columns()
        self._pa_types = None
        self._pa_typed = None
        reader = _BlockReader(stream, pending, eof, self.name)
        first = reader.next()
        if first is not None:
            tbl = self._parse(first, self.columns, 0)
            for c in self.columns:
                self._ikinds[c] = self._infer_kind(tbl.column(c), c)
                if c in unnamed and tbl.column(c).null_count == tbl.num_rows:
                    self.blank_columns.add(c)
            reader.pushed.append(first)
            if reader.eof and not reader.pending:
                self.n_rows = tbl.num_rows
        else:
            self._ikinds = dict.fromkeys(self.columns, "number")
            self.n_rows = 0
        self.kinds = {c: ("text" if k == "text" else "number") for c, k in self._ikinds.items()}
        self._reader = reader

    def _check_delimiter(self, header: str, pending: bytes, delimiter: str) -> None:
        """A header that is one field but splits on another delimiter, as the first data line
        does into as many fields: the file is not what its name (or --input-format) says."""
        first = pending.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
        found = None
        for other, what in (("\t", "tab"), (",", "comma"), (";", "semicolon"), ("|", "'|'")):
            n = len(header.split(other))
            if other != delimiter and n > 1 and (not first or len(first.split(other)) == n):
                found = (other, what, n)
                break
        if found is None:
            return
        other, what, n = found
        said = "tab" if delimiter == "\t" else "comma"
        flag = "--labels-format" if self.role == "labels" else "--input-format"
        if other in ("\t", ","):
            fix = f"pass {flag} {'tsv' if other == chr(9) else 'csv'}"
        else:
            fix = (
                "losscli reads comma- or tab-separated text: convert the file "
                f"(e.g. tr '{other}' ',')"
            )
        raise InputError(
            f"{self.name}: line 1 is one column when split at {said}s, but {n} columns when "
            f"split at {what}s: the file looks {what}-separated; {fix}"
        )

    # -- parsing -------------------------------------------------------------------------

    def _parse(
        self,
        block: bytes,
        names: list[str],
        rows_before: int,
        typed: bool = False,
        as_text: frozenset[str] = frozenset(),
    ) -> Any:
        """Parse a block with pyarrow: every column as raw bytes, or (``typed``) as its kind.

        A typed parse that fails raises ``pyarrow.ArrowInvalid`` for the caller to fall back
        on the raw parse, which locates the bad value; a raw parse that fails raises
        InputError naming the line. ``as_text`` columns are parsed as strings by the typed
        parse (exact values: ids, group keys).
        """
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if self._pa_types is None:
            self._pa_types = dict.fromkeys(self.columns, pa.binary())
        if typed:
            if self._pa_typed is None:
                to = {"number": pa.float64(), "bool": pa.bool_(), "text": pa.string()}
                self._pa_typed = {c: to[k] for c, k in self._ikinds.items()}
            types = self._pa_typed
            if as_text:
                types = {**types, **dict.fromkeys(as_text, pa.string())}
        else:
            types = self._pa_types

        def read(block_size: int | None = None) -> Any:
            opts = pacsv.ReadOptions(column_names=self.columns, use_threads=True)
            if block_size is not None:
                opts.block_size = block_size
            return pacsv.read_csv(
                pa.BufferReader(block),
                read_options=opts,
                parse_options=pacsv.ParseOptions(delimiter=self.delimiter),
                convert_options=pacsv.ConvertOptions(
                    column_types=types,
                    include_columns=names,
                    strings_can_be_null=True,
                    null_values=[""],
                ),
            )

        try:
            try:
                return read()
            except pa.ArrowInvalid as exc:
                if "straddl" not in str(exc):
                    raise
                # a row longer than pyarrow's block (1 MiB): parse this block as one block
                return read(block_size=len(block) + 1)
        except pa.ArrowInvalid:
            if typed:
                raise
            raise self._locate_parse_error(block, rows_before, sys.exc_info()[1]) from None
        except pa.ArrowException as exc:
            raise self._locate_parse_error(block, rows_before, exc) from None

    def _block_columns(
        self,
        block: bytes,
        parse_names: list[str],
        names: set[str],
        rows_before: int,
        exact: frozenset[str] = frozenset(),
    ) -> tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Parse and convert one block: the fast typed parse, else the raw parse.

        Returns the row count, the columns and the ``exact`` columns (see :meth:`_exact`).
        """
        import pyarrow as pa

        try:
            tbl = self._parse(block, parse_names, rows_before, typed=True, as_text=exact)
        except pa.ArrowInvalid:
            tbl = self._parse(block, parse_names, rows_before)
            cols = {n: self._convert(tbl.column(n), n, rows_before) for n in names}
            text = {n: self._to_string(tbl.column(n), n, rows_before) for n in exact}
            return tbl.num_rows, cols, {n: self._exact(a, n) for n, a in text.items()}
        out = {}
        for n in names:
            col = tbl.column(n)
            kind = self._ikinds[n]
            if n in exact:  # parsed as text for the exact values
                out[n] = self._convert(col, n, rows_before)
            elif kind == "text":
                out[n] = arrow_to_numpy(col, object)
            elif kind == "bool":
                out[n] = arrow_to_numpy(col.cast(pa.float64()))
            else:
                out[n] = arrow_to_numpy(col)
        return tbl.num_rows, out, {n: self._exact(tbl.column(n), n) for n in exact}

    def _exact(self, arr: Any, col: str) -> np.ndarray:
        """A column's exact values: int64 if its first block is all whole numbers, else text.

        The choice is made once, on the first block (every read starts there), like the
        column kinds: a column whose values there are all written as plain whole numbers
        (:data:`~losscli.io._base.INT_SPELLING`: no leading zero, sign ``-`` only) is read as
        int64; otherwise, and for any later block that holds another spelling or an empty
        cell, as the text written (so ``007`` and ``7`` stay two ids).
        """
        if col not in self._int_ids:
            self._int_ids[col] = (
                arr.null_count < len(arr) and self._ikinds[col] != "text" and is_int_spelling(arr)
            )
        return strings_exact(arr, self._int_ids[col])

    def _locate_parse_error(self, block: bytes, rows_before: int, exc: BaseException) -> InputError:
        n_cols = len(self.columns)
        text = block.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        try:
            rows = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
            i = 0
            for row in rows:
                if not row:
                    continue
                if len(row) != n_cols:
                    line = rows_before + i + 2
                    return InputError(
                        f"{self.name}: line {line} has {len(row)} "
                        f"field{'s' if len(row) != 1 else ''}, the header has {n_cols}; "
                        f"{self._trailing_hint(row, n_cols)}"
                    )
                i += 1
        except csv.Error:
            pass
        return InputError(
            f"{self.name}: cannot parse the rows after line {rows_before + 1}: {short_cause(exc)}"
        )

    def _trailing_hint(self, row: list[str], n_cols: int) -> str:
        """The fix for a row of the wrong width; named when a trailing delimiter is the cause."""
        sep = "a tab" if self.delimiter == "\t" else "a comma"
        if len(row) == n_cols + 1 and row[-1] == "":
            return f"the line ends with {sep} (an empty last field): remove it"
        if len(row) + 1 == n_cols and self.columns[-1] in self.unnamed_columns:
            return f"the header ends with {sep} (an empty last name): remove it"
        return "every row needs one value per column"

    def _bad_value(self, arr: Any, i: int) -> str:
        value = arr[i].as_py()
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        value = str(value)
        return value if len(value) <= 40 else value[:39] + "…"

    def _to_string(self, arr: Any, col: str, rows_before: int) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            return pc.cast(arr, pa.string())
        except pa.ArrowInvalid:
            i = _first_bad(arr, lambda a: pc.cast(a, pa.string()))
            raise InputError(
                f"{self.name}: line {rows_before + i + 2}, column '{col}' is not UTF-8 text; "
                "re-save the file as UTF-8"
            ) from None

    def _to_float(self, arr: Any, col: str, rows_before: int) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            out = pc.cast(arr, pa.float64())
        except pa.ArrowInvalid:
            trimmed = pc.utf8_trim_whitespace(self._to_string(arr, col, rows_before))
            try:
                out = pc.cast(trimmed, pa.float64())
            except pa.ArrowInvalid:
                i = _first_bad(trimmed, lambda a: pc.cast(a, pa.float64()))
                raise InputError(
                    f"{self.name}: line {rows_before + i + 2}, column '{col}': "
                    f"'{self._bad_value(trimmed, i)}' is not a number"
                ) from None
        return arrow_to_numpy(out)

    def _to_bool(self, arr: Any, col: str, rows_before: int) -> np.ndarray:
        import pyarrow.compute as pc

        s = pc.utf8_lower(pc.utf8_trim_whitespace(self._to_string(arr, col, rows_before)))
        true = arrow_to_numpy(pc.is_in(s, value_set=pa_strings("true", "1")))
        false = arrow_to_numpy(pc.is_in(s, value_set=pa_strings("false", "0")))
        null = arrow_to_numpy(pc.is_null(s))
        bad = ~(true | false | null)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"{self.name}: line {rows_before + i + 2}, column '{col}': "
                f"'{self._bad_value(s, i)}' is not true/false like the rows above"
            )
        out = true.astype(np.float64)
        out[null] = np.nan
        return out

    def _infer_kind(self, arr: Any, col: str) -> str:
        import pyarrow as pa
        import pyarrow.compute as pc

        if arr.null_count == len(arr):
            return "number"
        try:
            pc.cast(arr, pa.float64())
            return "number"
        except pa.ArrowInvalid:
            pass
        s = self._to_string(arr, col, 0)
        trimmed = pc.utf8_trim_whitespace(s)
        try:
            pc.cast(trimmed, pa.float64())
            return "number"
        except pa.ArrowInvalid:
            pass
        low = pc.utf8_lower(trimmed)
        if pc.all(pc.is_in(low, value_set=pa_strings("true", "false"))).as_py() is not False:
            return "bool"
        i = _first_bad(trimmed, lambda a: pc.cast(a, pa.float64()))
        self.text_evidence[col] = f"line {i + 2}: '{self._bad_value(trimmed, i)}'"
        return "text"

    def _convert(self, arr: Any, col: str, rows_before: int) -> np.ndarray:
        kind = self._ikinds[col]
        if kind == "number":
            return self._to_float(arr, col, rows_before)
        if kind == "bool":
            return self._to_bool(arr, col, rows_before)
        return arrow_to_numpy(self._to_string(arr, col, rows_before), object)

    # -- iteration -----------------------------------------------------------------------

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        reader = self._reader
        self._reader = None
        if reader is None and not self._reopenable:
            raise RuntimeError(f"{self.name}: stdin can be read only once")
        return self._generate(reader, names, exact)

    def _reopen(self) -> _BlockReader:
        stream = self._opener()
        try:
            _, pending, eof = self._read_header(stream)
        except BaseException:
            stream.close()
            raise
        return _BlockReader(stream, pending, eof, self.name)

    def _generate(
        self, reader: _BlockReader | None, names: list[str], exact: list[str]
    ) -> Iterator[Chunk]:
        if reader is None:
            reader = self._reopen()
        parse_names = list(dict.fromkeys(names + exact)) or self.columns[:1]
        exact_set = frozenset(exact)
        size = self.chunk_size
        pieces: dict[str, list[np.ndarray]] = {n: [] for n in names}
        exact_pieces: dict[str, list[np.ndarray]] = {n: [] for n in exact}
        buffered = 0
        start = 0
        rows_before = 0
        try:
            while True:
                block = reader.next()
                if block is None:
                    break
                m, cols, exact_cols = self._block_columns(
                    block, parse_names, set(names), rows_before, exact_set
                )
                if m == 0:
                    continue
                rows_before += m
                off = 0
                while off < m:
                    take = min(m - off, size - buffered)
                    for n in names:
                        pieces[n].append(cols[n][off : off + take])
                    for n in exact:
                        exact_pieces[n].append(exact_cols[n][off : off + take])
                    buffered += take
                    off += take
                    if buffered == size:
                        yield self._emit(start, buffered, pieces, exact_pieces)
                        start += buffered
                        buffered = 0
                        pieces = {n: [] for n in names}
                        exact_pieces = {n: [] for n in exact}
            if buffered:
                yield self._emit(start, buffered, pieces, exact_pieces)
        finally:
            reader.stream.close()

    def _emit(
        self,
        start: int,
        n: int,
        pieces: dict[str, list[np.ndarray]],
        exact_pieces: dict[str, list[np.ndarray]],
    ) -> Chunk:
        data = {}
        for name, parts in pieces.items():
            if len(parts) == 1:
                arr = parts[0]
                if not arr.flags.writeable:
                    arr = arr.copy()
            else:
                arr = np.concatenate(parts)
            data[name] = arr
        exact = {name: concat_exact(parts) for name, parts in exact_pieces.items()}
        return Chunk(self.name, start, n, data, self.kinds, "line", exact=exact)

    def close(self) -> None:
        """Close the underlying file."""
        if self._reader is not None:
            self._reader.stream.close()
            self._reader = None
        super().close()


def _first_bad(arr: Any, check: Callable[[Any], Any]) -> int:
    """Return the index of the first element of ``arr`` for which ``check`` raises.

    Bisection over slices: O(n) work in vectorised calls. ``check(arr)`` must raise.

    >>> import pyarrow as pa, pyarrow.compute as pc
    >>> _first_bad(pa.array(["1", "2", "x", "y"]), lambda a: pc.cast(a, pa.float64()))
    2
    """
    lo, hi = 0, len(arr)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            check(arr.slice(lo, mid - lo))
            lo = mid
        except Exception:  # noqa: BLE001 - any failure means "bad value in this half"
            hi = mid
    return lo
