"""Atomic writers: reports and per-sample outputs, plus the ``@file.json`` reader.

Every file goes through :class:`losscli.io.outputs.OutputSet`: written to a temporary file in
the destination folder, flushed and fsynced, then renamed over the destination
(``os.replace``), so a reader never sees half a file and a failure leaves the previous file
(if any) untouched; special files are written in place. ``"-"`` means stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from losscli import limits
from losscli.errors import InputError, UsageError
from losscli.io._nesting import MAX_DEPTH, deep_line
from losscli.io._values import INT_SPELLING, pa_strings
from losscli.io.outputs import OutputSet, check_output_path, disk_error, writes_in_place

__all__ = [
    "PerSampleWriter",
    "atomic_output",
    "check_output_path",
    "per_sample_format",
    "read_json_file",
]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open ``path`` for binary writing so that it appears whole or not at all.

    A one-output :class:`~losscli.io.outputs.OutputSet`: writes go to a temporary file in the
    same folder, which is fsynced and renamed over ``path`` when the block ends without an
    exception; on any exception the temporary file is removed and an existing ``path`` is
    left untouched. A special file (``/dev/null``, a FIFO, ``/dev/stdout``) is written in
    place, never replaced. ``"-"`` yields stdout's buffer. A full disk raises DiskFullError.

    Args:
        path: the destination.

    Returns:
        A context manager yielding a binary file object.

    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "r.json")
    >>> with atomic_output(target) as f:
    ...     _ = f.write(b"{}")
    >>> open(target).read()
    '{}'
    """
    p = os.fspath(path)
    if p == "-":
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    with OutputSet() as outs:
        outs.add_output(p, p)
        f = outs.open(p)
        try:
            yield f
        except OSError as exc:
            raise disk_error(p, exc) from None
        outs.commit()


_PER_SAMPLE_FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv.gz",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def per_sample_format(path: str) -> str:
    """The per-sample format a file name asks for (UsageError when the extension does not say).

    Stdout (``-``) and special files written in place (``/dev/null``, a FIFO, ``/dev/stdout``)
    get CSV unless their name has a known extension.

    Args:
        path: the ``--per-sample`` file name.

    Returns:
        ``"csv"``, ``"csv.gz"``, ``"jsonl"`` or ``"parquet"``.

    >>> per_sample_format("rows.CSV.gz"), per_sample_format("rows.pq"), per_sample_format("-")
    ('csv.gz', 'parquet', 'csv')
    """
    low = path.lower()
    for ext in sorted(_PER_SAMPLE_FORMATS, key=len, reverse=True):
        if low.endswith(ext):
            return _PER_SAMPLE_FORMATS[ext]
    if path == "-" or writes_in_place(path):  # stdout, /dev/null, a FIFO: CSV unless named
        return "csv"
    raise UsageError(
        f"cannot tell the per-sample output format from '{path}'; "
        "use a name ending in .csv, .csv.gz, .jsonl or .parquet"
    )


def _as_arrow(values: np.ndarray) -> Any:
    """Turn a column into a pyarrow array: numbers keep their dtype, NaN becomes null.

    Built from buffers (``pa.array`` would import pandas).
    """
    import pyarrow as pa

    arr = np.asarray(values)
    n = len(arr)
    if arr.dtype.kind == "f":
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        nan = np.isnan(arr)
        validity = pa.py_buffer(np.packbits(~nan, bitorder="little")) if nan.any() else None
        return pa.Array.from_buffers(
            pa.float64(), n, [validity, pa.py_buffer(arr)], null_count=int(nan.sum())
        )
    if arr.dtype.kind in "iu":
        arr = np.ascontiguousarray(arr, dtype=np.int64)
        return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(arr)])
    if arr.dtype.kind == "b":
        bits = np.packbits(arr.astype(bool), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    items = arr.tolist()
    return pa_strings(*[None if v is None else str(v) for v in items])


def _json_strings(arr: Any) -> Any:
    """Render a pyarrow array as JSON value strings (vectorised; null for null/NaN/inf)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lit = pa_strings("true", "false", "null", '"')
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        if pc.any(pc.match_substring_regex(arr, "[\\x00-\\x1f]")).as_py():  # rare: json.dumps
            values = arr.to_pylist()
            s = pa_strings(
                *[None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
            )
        else:
            s = pc.replace_substring(arr, "\\", "\\\\")
            s = pc.replace_substring(s, '"', '\\"')
            s = pc.binary_join_element_wise(lit[3], s, lit[3], pa_strings("")[0])
    elif pa.types.is_boolean(arr.type):
        s = pc.if_else(arr, lit[0], lit[1])
    else:
        s = pc.cast(arr, pa.string())
        if pa.types.is_floating(arr.type):
            s = pc.if_else(pc.is_finite(arr), s, lit[2])
    return pc.fill_null(s, lit[2])


class PerSampleWriter:
    """Stream per-sample rows to CSV, CSV.gz, JSONL or Parquet, atomically.

    Call :meth:`write` once per chunk with the same keys every time, then :meth:`commit`
    (or use it as a context manager: commit on success, abort on exception). Only one chunk
    is held at a time. ``"-"`` writes CSV to stdout. With ``file`` (a staging file of the
    caller's :class:`~losscli.io.outputs.OutputSet`) the rows go there and :meth:`commit`
    only finishes the format; the set puts the file in place. Floats are written with round-trip
    precision (shortest repr); NaN is an empty CSV cell, ``null`` in JSONL, null in Parquet.

    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> with PerSampleWriter(target) as w:
    ...     w.write({"id": np.array(["a", "b"], dtype=object), "loss": np.array([0.1, np.nan])})
    >>> print(open(target).read())
    id,loss
    "a",0.1
    "b",
    <BLANKLINE>
    """

    def __init__(
        self, path: str | os.PathLike[str], *, fmt: str | None = None, file: IO[bytes] | None = None
    ) -> None:
        p = os.fspath(path)
        self.path = p
        if fmt is not None:
            fmt = fmt.lower().lstrip(".")
            if fmt not in ("csv", "csv.gz", "jsonl", "parquet"):
                raise UsageError(
                    f"per-sample format must be csv, csv.gz, jsonl or parquet; got '{fmt}'"
                )
        self.fmt = fmt or per_sample_format(p)
        self._outs: OutputSet | None = None
        if file is not None:  # the caller's OutputSet stages and commits the file
            self._out: Any = file
        elif p == "-":
            self._out = sys.stdout.buffer
        else:
            self._outs = OutputSet()
            self._outs.add_output("--per-sample", p)
            self._out = self._outs.open("--per-sample")
        self._keys: list[str] | None = None
        self._schema: Any = None
        self._sink: Any = None  # gzip stream or parquet writer
        self._done = False

    def write(self, columns: dict[str, np.ndarray]) -> None:
        """Append one chunk of rows.

        Args:
            columns: column name -> 1-D array, all of the same length; the same keys in the
                same order on every call.
        """
        import pyarrow as pa

        keys = list(columns)
        if self._keys is None:
            self._keys = keys
        elif keys != self._keys:
            raise ValueError(f"PerSampleWriter.write: columns {keys} differ from {self._keys}")
        lengths = {len(np.asarray(v)) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"PerSampleWriter.write: columns have different lengths {lengths}")
        table = pa.table({k: _as_arrow(v) for k, v in columns.items()})
        if self._schema is None:
            self._schema = table.schema
        elif table.schema != self._schema:
            table = self._conform(table)
        try:
            getattr(self, f"_write_{self.fmt.replace('.', '_')}")(table)
        except OSError as exc:
            self.abort()
            raise disk_error(self.path, exc) from None

    def _conform(self, table: Any) -> Any:
        """Cast a chunk to the first chunk's types, unless that would change a value.

        A column of whole numbers that turns to text further on (ids read exactly: ``7``
        then ``007``) is written as it comes to CSV and JSONL; Parquet, one type per column,
        refuses it (casting ``007`` to a number would make it ``7``).
        """
        import pyarrow as pa

        def text(t: Any) -> bool:
            return bool(pa.types.is_string(t) or pa.types.is_large_string(t))

        for field in self._schema:
            new = table.schema.field(field.name).type
            if new == field.type or text(new) == text(field.type):
                continue
            if self.fmt != "parquet":
                return table
            values = [v for v in table.column(field.name).to_pylist() if v is not None]
            odd = [v for v in values if not re.fullmatch(INT_SPELLING, str(v))]
            value = (odd or values or [None])[0]
            first, then = ("text", "numbers") if text(field.type) else ("numbers", "text")
            raise InputError(
                f"cannot write '{self.path}': column '{field.name}' holds {first} in the first "
                f"rows and {then} further on ({value!r}); a Parquet column holds one type: "
                "write the per-sample rows to .csv or .jsonl"
            )
        return table.cast(self._schema)

    def _header(self) -> bytes:
        import csv
        import io

        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(self._keys or [])
        return buf.getvalue().encode("utf-8")

    def _csv_bytes(self, table: Any, header: bool) -> bytes:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        sink = pa.BufferOutputStream()
        pacsv.write_csv(
            table,
            sink,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        body = sink.getvalue().to_pybytes()
        return (self._header() if header else b"") + body

    def _write_csv(self, table: Any) -> None:
        self._out.write(self._csv_bytes(table, header=self._sink is None))
        self._sink = True

    def _write_csv_gz(self, table: Any) -> None:
        import gzip

        first = self._sink is None
        if first:
            self._sink = gzip.GzipFile(fileobj=self._out, mode="wb", mtime=0)
        self._sink.write(self._csv_bytes(table, header=first))

    def _write_jsonl(self, table: Any) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if table.num_rows == 0:
            return
        parts: list[Any] = []
        for i, name in enumerate(table.column_names):
            key = json.dumps(name)
            parts.append(pa_strings(("{" if i == 0 else ",") + key + ":")[0])
            parts.append(_json_strings(table.column(name).combine_chunks()))
        parts.append(pa_strings("}\n")[0])
        line = pc.binary_join_element_wise(*parts, pa_strings("")[0])
        if isinstance(line, pa.ChunkedArray):
            line = line.combine_chunks()
        offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)
        lo, hi = int(offsets[line.offset]), int(offsets[line.offset + len(line)])
        self._out.write(memoryview(line.buffers()[2])[lo:hi])

    def _write_parquet(self, table: Any) -> None:
        import pyarrow.parquet as pq

        if self._sink is None:
            self._sink = pq.ParquetWriter(self._out, self._schema, write_page_checksum=True)
        self._sink.write_table(table)

    def _finish_sink(self) -> None:
        if self.fmt == "csv.gz" and self._sink is None:
            self._write_csv_gz(_empty_table(self._keys or []))
        if self.fmt == "csv" and self._sink is None and self._keys is not None:
            self._out.write(self._header())
        if self.fmt == "parquet" and self._sink is None and self._schema is not None:
            import pyarrow.parquet as pq

            self._sink = pq.ParquetWriter(self._out, self._schema, write_page_checksum=True)
        if self._sink is not None and self._sink is not True:
            self._sink.close()

    def commit(self) -> None:
        """Finish the file and move it into place (or flush stdout)."""
        if self._done:
            return
        self._done = True
        try:
            self._finish_sink()
            self._out.flush()
            if self._outs is not None:
                self._outs.commit()
        except OSError as exc:
            self._done = False
            self.abort()
            raise disk_error(self.path, exc) from None

    def abort(self) -> None:
        """Drop everything written: remove the temporary file (the destination is untouched)."""
        self._done = True
        if self._sink is not None and self._sink is not True:
            with contextlib.suppress(Exception):
                self._sink.close()
        if self._outs is not None:
            self._outs.abort()

    def __enter__(self) -> PerSampleWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def _empty_table(keys: list[str]) -> Any:
    import pyarrow as pa

    return pa.table({k: pa_strings() for k in keys})


def read_json_file(path: str | os.PathLike[str]) -> Any:
    """Read and parse a JSON file (``--threshold @file.json``), with one-line errors.

    Args:
        path: the file (a leading ``@`` is removed).

    Returns:
        The parsed JSON value.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.json")
    >>> _ = open(p, "w").write('{"cat": 0.3')
    >>> try:
    ...     read_json_file(p)
    ... except InputError as e:
    ...     print(str(e).split(": ", 1)[1])
    not valid JSON at line 1, column 12: Expecting ',' delimiter; fix the file
    """
    p = os.fspath(path)
    if p.startswith("@"):
        p = p[1:]
    try:
        with open(p, "rb") as f:
            cap = limits.JSON_BYTES.value()
            raw = f.read(cap + 1)  # a cap, so @/dev/zero or a huge file stops here
    except FileNotFoundError:
        raise InputError(f"{p}: no such file; check the path after '@'") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a JSON file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read the file ({exc.strerror})") from None
    if len(raw) > cap:
        raise InputError(limits.JSON_BYTES.overflow(f"{p}: the JSON file"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{p}: is not UTF-8 text; save it as UTF-8 JSON") from None
    if deep_line(raw.replace(b"\n", b" ")) is not None:
        raise InputError(
            f"{p}: the JSON nests lists or objects more than {MAX_DEPTH} levels deep; a "
            'threshold file holds a number, a list or an object of them, e.g. {"cat": 0.3}'
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{p}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; fix the file"
        ) from None
