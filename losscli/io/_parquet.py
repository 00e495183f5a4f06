"""Parquet reader, streamed with ``pyarrow.parquet.ParquetFile.iter_batches``.

Column kinds, vector columns and exact ids are those of every Arrow-based reader
(:mod:`losscli.io._arrow`). Parquet from stdin or a pipe is first copied to an unlinked
temporary file (the format needs its footer), within ``LOSSCLI_MAX_PIPE_BYTES``. Pages
written with a CRC (pyarrow's ``write_page_checksum=True``; losscli's ``--per-sample``
Parquet has them) are verified as they are read: a changed byte is an error, not changed
numbers; pages without one are read as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from losscli.errors import InputError
from losscli.io._arrow import ArrowTable
from losscli.io._base import short_cause


def _corrupt(name: str, exc: BaseException) -> InputError:
    return InputError(
        f"{name}: is not a valid Parquet file (corrupt or truncated): {short_cause(exc)}"
    )


class ParquetTable(ArrowTable):
    """A Parquet file, from a path or stdin bytes."""

    def __init__(self, name: str, role: str, chunk_size: int, source: Any) -> None:
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
        self._set_schema(schema)

    def _batches(self, bases: list[str]) -> Iterator[tuple[int, Any]]:
        pa = self._pa
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
            yield start, batch
            start += batch.num_rows

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

    def close(self) -> None:
        """Close the Parquet file."""
        pf = getattr(self, "_pf", None)
        if pf is not None:
            try:
                pf.close()
            except Exception:  # noqa: BLE001
                pass
        super().close()
