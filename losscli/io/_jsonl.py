"""JSON Lines reader (``.jsonl``, ``.ndjson``, optionally gzip-compressed, or stdin).

One JSON object per line, as ``pandas.DataFrame.to_json(orient="records", lines=True)`` and
most evaluation harnesses write. The stream is cut into blocks of whole lines (about
:data:`BLOCK_BYTES`, so memory stays bounded) and pyarrow parses each block; the fields of
the first block are the columns, and their kinds come from the values there, as Parquet's
come from its schema (:mod:`losscli.io._arrow`): numbers, booleans and ``null`` are number
columns, strings are text, a list of numbers (``"probs": [0.1, 0.7, 0.2]``) is a vector
column read as ``probs:0`` … ``probs:C-1``. A field missing from a line is null there. A
later line whose value does not fit its column (text in a number column, a list of another
length, a field the first block does not have) is an InputError naming the line and field.

Line numbers: line 1 is the first object (there is no header); blank lines are skipped and
not counted, as in CSV/TSV.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._arrow import ArrowTable
from losscli.io._base import short_cause
from losscli.io._cells import bad_value
from losscli.io._lines import BlockReader, SafeStream, check_text
from losscli.io._nesting import MAX_DEPTH, deep_line

BLOCK_BYTES = 8 << 20
"""Bytes parsed per block (as for CSV/TSV)."""


def _kind_of_value(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return "null"


def _scan_block(
    name: str, block: bytes, line0: int, exc: BaseException, strings: Sequence[str] = ()
) -> InputError:
    """Locate why pyarrow refused a block: the first line that is not one JSON object, or
    the first field whose value changes type (run on the error path only). ``strings``: the
    fields earlier blocks hold strings in."""
    first_seen: dict[str, tuple[str, str]] = {f: ("a string", "the lines above") for f in strings}
    line = line0
    for raw in block.split(b"\n"):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as err:
            cause = (
                f"{err.msg} at character {err.colno}"
                if isinstance(err, json.JSONDecodeError)
                else short_cause(err)
            )
            return InputError(
                f"{name}: line {line} is not valid JSON ({cause}); write one JSON object per line"
            )
        if not isinstance(obj, dict):
            return InputError(
                f"{name}: line {line} is {_kind_of_value(obj)}, not a JSON object; write one "
                'object per line, e.g. {"label": 1, "prob": 0.9}'
            )
        for key, value in obj.items():
            kind = _kind_of_value(value)
            if kind == "null":
                continue
            if key not in first_seen:
                first_seen[key] = (kind, f"line {line}")
            elif first_seen[key][0] != kind and {kind, first_seen[key][0]} != {
                "a number",
                "a boolean",
            }:
                was, where = first_seen[key]
                has = "has" if where.startswith("line ") else "have"
                return InputError(
                    f"{name}: line {line}, field '{key}' is {kind}, {where} {has} {was} "
                    "there; give each field one type"
                )
        line += 1
    return InputError(f"{name}: cannot parse the lines from line {line0} on: {short_cause(exc)}")


class JsonLinesTable(ArrowTable):
    """A JSON Lines file (or stdin), read in blocks; see the module docstring for the rules."""

    unit = "bare line"
    field_word = "field"

    def __init__(
        self,
        name: str,
        role: str,
        chunk_size: int,
        opener: Callable[[], SafeStream],
        reopenable: bool,
        others: Sequence[str],
    ) -> None:
        super().__init__(name, role, chunk_size)
        self._opener = opener
        self._reopenable = reopenable
        self._others = tuple(others)
        self._reader: BlockReader | None = None
        stream = opener()
        try:
            self._open(stream)
        except BaseException:
            stream.close()
            raise

    def _open(self, stream: SafeStream) -> None:
        import pyarrow as pa

        self._strings: set[str] = set()  # fields parsed as strings (see _parse)
        reader = BlockReader(stream, b"", False, self.name, BLOCK_BYTES, quoted=False)
        first = reader.next()
        if first is None or not first.strip():
            raise InputError(f"{self.name}: holds no JSON objects; write one object per line")
        check_text(self.name, first[:4096], self._others, "JSON Lines")
        table = self._parse(first, 1)
        reader.pushed.append(first)
        if reader.eof and not reader.pending:
            self.n_rows = table.num_rows
        self._fields = [f.name for f in table.schema]
        self._first_types = {f.name: f.type for f in table.schema}
        self._first: Any = table
        self._set_schema(table.schema)
        self._strings |= {f.name for f in table.schema if pa.types.is_string(f.type)}
        self._first = None  # only the vector widths needed it
        self._reader = reader

    def _parse(self, block: bytes, line0: int) -> Any:
        """Parse a block; strings stay the text written (pyarrow would read ISO dates as
        timestamps: such fields, and every text column after the first block, are read as
        strings)."""
        import pyarrow as pa
        import pyarrow.json as pj

        deep = deep_line(block)
        if deep is not None:  # pyarrow's parser would recurse until the stack overflows
            line = line0 + sum(1 for raw in block.split(b"\n")[:deep] if raw.strip())
            raise InputError(
                f"{self.name}: line {line} nests lists or objects more than {MAX_DEPTH} levels "
                "deep; write one object per line whose values are numbers, strings or lists "
                'of numbers, e.g. {"label": 1, "probs": [0.1, 0.9]}'
            )
        while True:
            opts = pj.ParseOptions(
                explicit_schema=pa.schema([(f, pa.string()) for f in sorted(self._strings)]),
                unexpected_field_behavior="infer",
            )
            try:
                table = pj.read_json(pa.BufferReader(block), parse_options=opts)
            except pa.ArrowInvalid as exc:
                raise _scan_block(self.name, block, line0, exc, sorted(self._strings)) from None
            dates = {f.name for f in table.schema if pa.types.is_temporal(f.type)}
            if not dates - self._strings:
                return table
            self._strings |= dates

    def _vector_width(self, field: Any) -> int:
        """The length of the first vector in the first block (the columns come from there)."""
        import pyarrow.compute as pc

        lengths = pc.drop_null(pc.list_value_length(self._first.column(field.name)))
        return int(lengths[0].as_py()) if len(lengths) else 0

    def _batches(self, bases: list[str]) -> Iterator[tuple[int, Any]]:
        import pyarrow as pa

        reader = self._reader
        self._reader = None
        if reader is None:
            if not self._reopenable:
                raise RuntimeError(f"{self.name}: stdin can be read only once")
            stream = self._opener()
            reader = BlockReader(stream, b"", False, self.name, BLOCK_BYTES, quoted=False)
        rows = 0
        try:
            while True:
                block = reader.next()
                if block is None:
                    return
                table = self._parse(block, rows + 1)
                self._check_fields(table, block, rows + 1)
                for f in self._fields:  # a field in no line of this block: null there
                    if f not in table.schema.names:
                        table = table.append_column(f, pa.nulls(table.num_rows))
                yield rows, table
                rows += table.num_rows
        finally:
            reader.stream.close()

    def _check_fields(self, table: Any, block: bytes, line0: int) -> None:
        extra = [f for f in table.schema.names if f not in self._first_types]
        if not extra:
            return
        line = line0
        for raw in block.split(b"\n"):
            if raw.strip():
                if f'"{extra[0]}"'.encode() in raw:
                    break
                line += 1
        raise InputError(
            f"{self.name}: line {line} has the field '{extra[0]}', which the lines before it do "
            "not have (the columns come from the first lines); give every line the same fields"
        )

    def _where(self, i: int, rows_before: int) -> str:
        return f"line {rows_before + i + 1}"

    def _convert(self, arr: Any, base: str, plan: str, rows_before: int) -> np.ndarray:
        import pyarrow as pa

        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
        t = pa.types
        typ = arr.type
        if t.is_null(typ) and plan == "vector":
            arr = pa.nulls(len(arr), pa.list_(pa.float64()))
        elif not t.is_null(typ):
            number = t.is_integer(typ) or t.is_floating(typ) or t.is_boolean(typ)
            fits = {
                "number": number,
                "text": number or t.is_string(typ) or t.is_temporal(typ),
                "vector": t.is_list(typ) and not t.is_struct(typ.value_type),
            }[plan]
            if not fits:
                import pyarrow.compute as pc

                i = int(np.argmax(~np.asarray(pc.is_null(arr).to_pylist(), dtype=bool)))
                what = {"number": "a number", "text": "text", "vector": "a list of numbers"}
                raise InputError(
                    f"{self.name}: {self._where(i, rows_before)}, field '{base}': "
                    f"{bad_value(arr, i)} is not {what[plan]} like the lines above"
                )
        return super()._convert(arr, base, plan, rows_before)
