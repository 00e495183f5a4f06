"""Parquet reader, streamed with ``pyarrow.parquet.ParquetFile.iter_batches``.

Column kinds come from the schema: integers, floats, booleans, decimals and all-null columns
are number columns (float64, NaN for null); strings and dictionary-encoded strings are text;
dates and timestamps are read as text (ISO strings). A column holding a vector per row
(fixed-size list or list of numbers, e.g. ``logits``) becomes the columns ``logits:0`` …
``logits:C-1``; every row must hold C values (a null vector reads as NaN). Parquet from
stdin or a pipe is first copied to an unlinked temporary file (the format needs its footer),
within ``LOSSCLI_MAX_PIPE_BYTES``. Pages written with a CRC
(pyarrow's ``write_page_checksum=True``; losscli's ``--per-sample`` Parquet has them) are
verified as they are read: a changed byte is an error, not changed numbers; pages without
one are read as they are. Ids and group keys (``exact=``) keep their type: integers as int64,
strings as text (see :func:`~losscli.io._base.arrow_exact`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._base import Chunk, Table, short_cause
from losscli.io._values import arrow_exact, arrow_to_numpy, exact_values


def _corrupt(name: str, exc: BaseException) -> InputError:
    return InputError(
        f"{name}: is not a valid Parquet file (corrupt or truncated): {short_cause(exc)}"
    )


class ParquetTable(Table):
    """A Parquet file, from a path or stdin bytes."""

    unit = "row"

    def __init__(self, name: str, role: str, chunk_size: int, source: str | bytes) -> None:
        super().__init__(name, role, chunk_size)
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        try:
            src = pa.BufferReader(source) if isinstance(source, bytes) else source
            # pages written with a CRC (write_page_checksum) are checked as they are read
            self._pf = pq.ParquetFile(src, page_checksum_verification=True)
            schema = self._pf.schema_arrow
            self.n_rows = int(self._pf.metadata.num_rows)
        except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
            raise _corrupt(name, exc) from None
        # column name -> (base column, plan, index within the vector or None)
        self._plan: dict[str, tuple[str, str, int | None]] = {}
        self._check_width(len(schema))
        for field in schema:
            plan = self._classify(field)
            if plan == "vector":
                width = self._vector_width(field)
                self._check_width(len(self.columns) + width)
                for j in range(width):
                    self._add(f"{field.name}:{j}", field.name, plan, j)
            else:
                self._add(field.name, field.name, plan, None)
        self._check_columns()
        self._widths: dict[str, int] = {}
        for base, plan, j in self._plan.values():
            if plan == "vector":
                self._widths[base] = max(self._widths.get(base, 0), (j or 0) + 1)

    def _add(self, col: str, base: str, plan: str, j: int | None) -> None:
        self.columns.append(col)
        self.kinds[col] = "text" if plan == "text" else "number"
        self._plan[col] = (base, plan, j)

    def _classify(self, field: Any) -> str:
        t = self._pa.types
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
            if t.is_integer(v) or t.is_floating(v) or t.is_boolean(v):
                return "vector"
        raise InputError(
            f"{self.name}: column '{field.name}' has type {field.type}, which is not supported; "
            "store numbers, strings, or one list of numbers per row"
        )

    def _vector_width(self, field: Any) -> int:
        pa = self._pa
        if pa.types.is_fixed_size_list(field.type):
            return int(field.type.list_size)
        import pyarrow.compute as pc

        try:
            for batch in self._pf.iter_batches(batch_size=65536, columns=[field.name]):
                lengths = pc.drop_null(pc.list_value_length(batch.column(0)))
                if len(lengths):
                    return int(lengths[0].as_py())
        except (pa.ArrowException, OSError) as exc:
            raise _corrupt(self.name, exc) from None
        return 0

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        bases = list(dict.fromkeys(self._plan[n][0] for n in names + exact))
        return self._generate(names, bases, exact)

    def _generate(self, names: list[str], bases: list[str], exact: list[str]) -> Iterator[Chunk]:
        pa = self._pa
        if not bases and self.columns:
            bases = [self._plan[self.columns[0]][0]]
        try:
            batches = self._pf.iter_batches(
                batch_size=self.chunk_size, columns=bases, use_threads=True
            )
        except (pa.ArrowException, OSError) as exc:
            raise _corrupt(self.name, exc) from None
        start = 0
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError) as exc:
                if "checksum" in str(exc).lower():
                    raise InputError(
                        f"{self.name}: {self._bad_page(bases, start)} fails its checksum "
                        "(the file is corrupt: changed after it was written); re-create or "
                        "copy the file again"
                    ) from None
                raise InputError(
                    f"{self.name}: cannot read the rows from row {start + 1} on (corrupt or "
                    f"truncated Parquet file): {short_cause(exc)}"
                ) from None
            n = batch.num_rows
            if n == 0:
                continue
            arrays = {b: batch.column(i) for i, b in enumerate(bases)}
            converted: dict[str, Any] = {}
            data: dict[str, Any] = {}
            for col in names:
                base, plan, j = self._plan[col]
                if base not in converted:
                    converted[base] = self._convert(arrays[base], base, plan, start)
                data[col] = converted[base] if j is None else (converted[base], j)
            ids = {}
            for col in exact:
                base, plan, j = self._plan[col]
                if plan != "vector":
                    ids[col] = arrow_exact(arrays[base])
                    continue
                if base not in converted:
                    converted[base] = self._convert(arrays[base], base, plan, start)
                ids[col] = exact_values(converted[base][:, j])  # numbers of a vector
            yield Chunk(self.name, start, n, data, self.kinds, "row", exact=ids)
            start += n

    def _bad_page(self, bases: list[str], start: int) -> str:
        """Where a checksum failed: ``row group 2 (rows 101-200), column 'prob'``.

        Run on the error path only: reads each row group's columns alone until one fails.
        """
        md = self._pf.metadata
        first = 0
        for g in range(md.num_row_groups):
            n = md.row_group(g).num_rows
            if first + n > start:  # the failing batch starts in this row group or later
                for base in bases:
                    try:
                        self._pf.read_row_group(g, columns=[base], use_threads=False)
                    except (self._pa.ArrowException, OSError, ValueError):
                        return (
                            f"row group {g + 1} (rows {first + 1}-{first + n}), column "
                            f"{base!r}: a data page"
                        )
            first += n
        return f"a data page from row {start + 1} on"

    def _convert(self, arr: Any, base: str, plan: str, start: int) -> np.ndarray:
        pa = self._pa
        import pyarrow.compute as pc

        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if plan == "number":
            out = arrow_to_numpy(pc.cast(arr, pa.float64()))
            return out if out.flags.writeable else out.copy()
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
                f"{self.name}: row {start + i + 1}, column '{base}' holds {int(lengths[i])} "
                f"values, the first row holds {width}; every row needs a vector of the same "
                "length"
            )
        flat = arrow_to_numpy(pc.cast(pc.list_flatten(arr), pa.float64()))
        out = np.full((n, width), np.nan)
        if flat.size == n * width:
            out[:] = flat.reshape(n, width)
            out[null] = np.nan
        else:
            out[~null] = flat.reshape(-1, width)
        return out

    def close(self) -> None:
        """Close the Parquet file."""
        pf = getattr(self, "_pf", None)
        if pf is not None:
            try:
                pf.close()
            except Exception:  # noqa: BLE001
                pass
        super().close()
