"""Tables whose rows come as Arrow record batches: Parquet, Arrow IPC, JSON Lines, in memory.

:class:`ArrowTable` holds what these readers share: column kinds from the Arrow schema,
vector columns, the conversion of a batch to numpy, and the re-cutting of batches of any size
into chunks of ``chunk_size`` rows. A reader only says where its schema and its batches come
from (:meth:`ArrowTable._batches`).

Column kinds: integers, floats, booleans, decimals and all-null columns are number columns
(float64, NaN for null); strings and dictionary-encoded strings are text; dates and
timestamps are read as text (ISO strings). A column holding a vector per row (fixed-size
list or list of numbers, e.g. ``logits``) becomes the columns ``logits:0`` …
``logits:C-1``; every row must hold C values (a null vector reads as NaN). Ids and group
keys (``exact=``) keep their type: integers as int64, strings as text (see
:func:`~losscli.io._values.arrow_exact`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._base import Chunk, Table, recut
from losscli.io._values import arrow_exact, arrow_to_numpy, exact_values


class ArrowTable(Table):
    """A table read as Arrow record batches; subclasses give the schema and the batches.

    A subclass calls :meth:`_set_schema` once and implements :meth:`_batches`; it may
    override :meth:`_vector_width` (how wide a variable-length list column is).
    """

    unit = "row"
    field_word = "column"  # how messages name a column of the source

    def _set_schema(self, schema: Any) -> None:
        """Decide the columns and their kinds from an Arrow schema."""
        # column name -> (base column, plan, index within the vector or None)
        self._plan: dict[str, tuple[str, str, int | None]] = {}
        self._widths: dict[str, int] = {}
        self._check_width(len(schema))
        for field in schema:
            plan = self._classify(field)
            if plan == "vector":
                width = self._vector_width(field)
                self._widths[field.name] = width
                self._check_width(len(self.columns) + width)
                for j in range(width):
                    self._add(f"{field.name}:{j}", field.name, plan, j)
            else:
                self._add(field.name, field.name, plan, None)
        self._check_columns()

    def _add(self, col: str, base: str, plan: str, j: int | None) -> None:
        self.columns.append(col)
        self.kinds[col] = "text" if plan == "text" else "number"
        self._plan[col] = (base, plan, j)

    def _classify(self, field: Any) -> str:
        import pyarrow as pa

        t = pa.types
        typ = field.type
        if t.is_dictionary(typ):
            typ = typ.value_type
        if t.is_integer(typ) or t.is_floating(typ) or t.is_boolean(typ) or t.is_null(typ):
            return "number"
        if t.is_decimal(typ):
            return "number"
        if t.is_string(typ) or t.is_large_string(typ) or t.is_temporal(typ):
            return "text"
        if t.is_fixed_size_list(typ) or t.is_list(typ) or t.is_large_list(typ):
            v = typ.value_type
            if t.is_integer(v) or t.is_floating(v) or t.is_boolean(v) or t.is_null(v):
                return "vector"
        shown = str(field.type)
        if len(shown) > 80:  # a list nested 60 deep is a 1,600-character type
            shown = f"{shown[:60]}… ({len(shown):,} characters)"
        raise InputError(
            f"{self.name}: {self.field_word} '{field.name}' has type {shown}, which is not "
            "supported; "
            "store numbers, strings, or one list of numbers per row"
        )

    def _vector_width(self, field: Any) -> int:
        """The width of a list column: its fixed size, else the length of its first vector."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_fixed_size_list(field.type):
            return int(field.type.list_size)
        for _, batch in self._batches([field.name]):
            lengths = pc.drop_null(pc.list_value_length(batch.column(field.name)))
            if len(lengths):
                return int(lengths[0].as_py())
        return 0

    def _batches(self, bases: list[str]) -> Iterator[tuple[int, Any]]:  # pragma: no cover
        """Yield ``(lines_before, batch)`` from the top: a RecordBatch or Table holding at
        least the columns ``bases``, and (for readers that count lines) how many rows of the
        source came before it; ``lines_before`` is ignored by row-counted readers."""
        raise NotImplementedError

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        bases = list(dict.fromkeys(self._plan[n][0] for n in names + exact))
        if not bases and self.columns:
            bases = [self._plan[self.columns[0]][0]]
        return self._generate(names, bases, exact)

    def _generate(self, names: list[str], bases: list[str], exact: list[str]) -> Iterator[Chunk]:
        for start, n, whole, ids in recut(self._blocks(names, bases, exact), self.chunk_size):
            data: dict[str, Any] = {}
            for col in names:
                base, _, j = self._plan[col]
                data[col] = whole[base] if j is None else (whole[base], j)
            yield Chunk(self.name, start, n, data, self.kinds, self.unit, exact=ids)

    def _blocks(
        self, names: list[str], bases: list[str], exact: list[str]
    ) -> Iterator[tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]]:
        for rows_before, batch in self._batches(bases):
            if batch.num_rows:
                converted, ids = self._convert_batch(batch, names, exact, rows_before)
                yield batch.num_rows, converted, ids

    def _convert_batch(
        self, batch: Any, names: list[str], exact: list[str], rows_before: int
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """One batch's requested columns as numpy (by base column) and their exact values."""
        converted: dict[str, np.ndarray] = {}
        for col in names:
            base, plan, _ = self._plan[col]
            if base not in converted:
                converted[base] = self._convert(batch.column(base), base, plan, rows_before)
        ids = {}
        for col in exact:
            base, plan, j = self._plan[col]
            if plan != "vector":
                ids[col] = arrow_exact(batch.column(base))
                continue
            if base not in converted:
                converted[base] = self._convert(batch.column(base), base, plan, rows_before)
            ids[col] = exact_values(converted[base][:, j])  # numbers of a vector
        return converted, ids

    def _where(self, i: int, rows_before: int) -> str:
        """Where row ``i`` of a batch is, for messages: ``row N`` (see :meth:`Chunk.where`)."""
        return f"row {rows_before + i + 1}"

    def _convert(self, arr: Any, base: str, plan: str, rows_before: int) -> np.ndarray:
        import pyarrow as pa

        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if plan == "number":
            out = _plain_numbers(arr)
            if out is None:
                import pyarrow.compute as pc

                # unsafe for integers only: one beyond 2**53 becomes its nearest float64,
                # as a CSV reader parses it (a safe cast raised ArrowInvalid: exit 3)
                safe = not pa.types.is_integer(arr.type)
                out = arrow_to_numpy(pc.cast(arr, pa.float64(), safe=safe))
            return out if out.flags.writeable else out.copy()
        import pyarrow.compute as pc

        if plan == "text":
            return arrow_to_numpy(pc.cast(arr, pa.string()), object)
        width = self._widths.get(base, 0)
        n = len(arr)
        lengths = arrow_to_numpy(pc.list_value_length(arr))
        null = np.asarray(arrow_to_numpy(pc.is_null(arr)), dtype=bool)
        bad = (~null) & (np.nan_to_num(lengths.astype(np.float64), nan=width) != width)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"{self.name}: {self._where(i, rows_before)}, {self.field_word} '{base}' holds "
                f"{int(lengths[i])} values, the first row holds {width}; every row needs a "
                "vector of the same length"
            )
        values = pc.list_flatten(arr)
        safe = not pa.types.is_integer(values.type)
        flat = arrow_to_numpy(pc.cast(values, pa.float64(), safe=safe))
        out = np.full((n, width), np.nan)
        if flat.size == n * width:
            out[:] = flat.reshape(n, width)
            out[null] = np.nan
        else:
            out[~null] = flat.reshape(-1, width)
        return out


_EXACT_INT = 2**53  # pyarrow's safe cast of an integer to float64 refuses one beyond it


def _plain_numbers(arr: Any) -> np.ndarray | None:  # noqa: ANN401 - a pyarrow Array
    """A float64 array, or an int32 / int64 one without nulls whose values a float64 holds
    exactly, as float64 without ``pyarrow.compute`` (whose import is most of a small file's
    read); None for anything else, which ``pc.cast`` converts (and refuses as before).

    >>> import pyarrow as pa
    >>> _plain_numbers(pa.array([1, 2]))
    array([1., 2.])
    >>> _plain_numbers(pa.array([2**53 + 1])), _plain_numbers(pa.array([1, None]))
    (None, None)
    """
    name = str(arr.type)
    if name == "double":
        return arrow_to_numpy(arr)
    if name not in ("int32", "int64") or arr.null_count:
        return None
    ints = arrow_to_numpy(arr)
    if ints.size and (ints.max() > _EXACT_INT or ints.min() < -_EXACT_INT):
        return None
    return ints.astype(np.float64)
