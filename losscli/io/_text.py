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

Line 1 is the header unless ``--no-header`` (then the columns are ``0`` … ``C-1``, as for
NPY, and line 1 is data); a line 1 of numbers only is decided by
:func:`~losscli.io._csvcheck.decide_header` (a header ``0,1,2`` as pandas writes it, else an
error suggesting ``--no-header``).

Line numbers: the header is line 1 and data row ``r`` (0-based) is line ``r + 2`` (``r + 1``
with ``--no-header``); blank lines
(skipped) and line breaks inside quoted fields are not counted.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._base import Chunk, Table, recut, short_cause
from losscli.io._cells import convert, infer_kind, to_string
from losscli.io._csvcheck import (
    check_delimiter,
    data_start,
    decide_header,
    locate_parse_error,
    second_line,
    without_comment_mark,
)
from losscli.io._lines import (
    BlockReader,
    SafeStream,
    read_first_line,
)
from losscli.io._values import (
    arrow_to_numpy,
    is_int_spelling,
    strings_exact,
)

BLOCK_BYTES = 8 << 20
"""Bytes read per block (measured: 4-16 MiB all read a 1e6 x 12 CSV at the same speed)."""


def _typed_or_none(parse: Callable[[], Any]) -> Any:
    """``parse()``, or None when pyarrow refuses a value (``ArrowInvalid``)."""
    import pyarrow as pa

    try:
        return parse()
    except pa.ArrowInvalid:
        return None


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
        header: bool | None = None,
    ) -> None:
        super().__init__(name, role, chunk_size)
        self._header = header  # --header / --no-header; None: decide_header's rule
        self._others = tuple(others)  # the binary formats a NUL byte suggests
        self._opener = opener
        self._reopenable = reopenable
        self._reader: BlockReader | None = None
        self.unnamed_columns: set[str] = set()
        self._ikinds: dict[str, str] = {}
        self._int_ids: dict[str, bool] = {}
        self._lines_before = 1  # the header
        stream = opener()
        try:
            self._open(stream, delimiter)
        except BaseException:
            stream.close()
            raise

    # -- opening -------------------------------------------------------------------------

    def _read_header(self, stream: SafeStream) -> tuple[bytes, bytes, bool]:
        return read_first_line(stream, self.name, self._others, min(1 << 16, BLOCK_BYTES))

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
        header = without_comment_mark(self.name, header, self._header, self.readings)
        if delimiter is None:
            delimiter = "\t" if ("\t" in header and "," not in header) else ","
        self.delimiter, self.format = delimiter, "tsv" if delimiter == "\t" else "csv"
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
        self.headed, reading = decide_header(
            self.name, names, second_line(pending, delimiter), self._header, self.role
        )
        if reading:
            self.readings.append(reading)
        if not self.headed:  # line 1 is data: columns 0 .. C-1, as NPY's
            names = [str(i) for i in range(len(names))]
            pending = data_start(raw_header, pending)
            self._lines_before = 0
            self.unit = "bare line"
        self.columns = [n if n else f"Unnamed: {i}" for i, n in enumerate(names)]
        unnamed = {self.columns[i] for i, n in enumerate(names) if not n}
        self.unnamed_columns = unnamed
        self._check_columns()
        self._pa_types = None
        self._pa_typed, self._ikinds = None, dict.fromkeys(self.columns, "number")  # numbers
        reader = BlockReader(stream, pending, eof, self.name, BLOCK_BYTES)
        first = reader.next()
        if first is not None:
            tbl = _typed_or_none(lambda: self._parse(first, self.columns, 0, typed=True))
            if raw := tbl is None:  # not all numbers (or bad rows): infer each column's kind
                self._pa_typed, tbl = None, self._parse(first, self.columns, 0)
            for c in self.columns:
                if raw:
                    kind, evidence = infer_kind(tbl.column(c), self.name, c, self._line0(0))
                    self._ikinds[c] = kind
                    if evidence:
                        self.text_evidence[c] = evidence
                if c in unnamed and tbl.column(c).null_count == tbl.num_rows:
                    self.blank_columns.add(c)
            reader.pushed.append(first)
            if reader.eof and not reader.pending:
                self.n_rows = tbl.num_rows
        else:
            self.n_rows = 0
        self.kinds = {c: ("text" if k == "text" else "number") for c, k in self._ikinds.items()}
        self._reader = reader

    def _check_delimiter(self, header: str, pending: bytes, delimiter: str) -> None:
        check_delimiter(self.name, self.role, header, pending, delimiter)

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
            text = {
                n: to_string(tbl.column(n), self.name, n, self._line0(rows_before)) for n in exact
            }
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
        return locate_parse_error(
            self.name,
            block,
            self._line0(rows_before),
            exc,
            self.delimiter,
            self.columns,
            self.unnamed_columns,
            self._lines_before == 1,
        )

    def _line0(self, rows_before: int) -> int:
        """The line number of data row ``rows_before`` (0-based)."""
        return rows_before + self._lines_before + 1

    def _convert(self, arr: Any, col: str, rows_before: int) -> np.ndarray:
        return convert(arr, self._ikinds[col], self.name, col, self._line0(rows_before))

    # -- iteration -----------------------------------------------------------------------

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        reader = self._reader
        self._reader = None
        if reader is None and not self._reopenable:
            raise RuntimeError(f"{self.name}: stdin can be read only once")
        return self._generate(reader, names, exact)

    def _reopen(self) -> BlockReader:
        stream = self._opener()
        try:
            first_line, pending, eof = self._read_header(stream)
            if not self.headed:
                pending = data_start(first_line, pending)
        except BaseException:
            stream.close()
            raise
        return BlockReader(stream, pending, eof, self.name, BLOCK_BYTES)

    def _generate(
        self, reader: BlockReader | None, names: list[str], exact: list[str]
    ) -> Iterator[Chunk]:
        if reader is None:
            reader = self._reopen()
        self._stream = reader.stream  # Table.position: bytes of this pass
        try:
            for start, n, cols, ids in recut(self._blocks(reader, names, exact), self.chunk_size):
                yield Chunk(self.name, start, n, cols, self.kinds, self.unit, exact=ids)
        finally:
            reader.stream.close()

    def _blocks(
        self, reader: BlockReader, names: list[str], exact: list[str]
    ) -> Iterator[tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]]:
        parse_names = list(dict.fromkeys(names + exact)) or self.columns[:1]
        rows_before = 0
        while True:
            block = reader.next()
            if block is None:
                return
            m, cols, exact_cols = self._block_columns(
                block, parse_names, set(names), rows_before, frozenset(exact)
            )
            rows_before += m
            yield m, {n: cols[n] for n in names}, exact_cols  # in the order asked for

    def close(self) -> None:
        """Close the underlying file."""
        if self._reader is not None:
            self._reader.stream.close()
            self._reader = None
        super().close()
