"""Arrow IPC reader: the file format (Feather v2) and the stream format, told apart by content.

The file format (``pandas.DataFrame.to_feather``, ``pyarrow.feather.write_feather``,
``pyarrow.ipc.new_file``) starts with the magic bytes ``ARROW1``; the stream format
(``pyarrow.ipc.new_stream``, the ``.arrow`` cache files of Hugging Face ``datasets``) starts
with the continuation marker ``0xFFFFFFFF``. Both are read record batch by record batch
(a file by its path is memory-mapped), re-cut into chunks of ``chunk_size`` rows; column kinds
and vector columns are those of :mod:`losscli.io._arrow`. From stdin or a pipe the bytes are
first copied to an unlinked temporary file, within ``LOSSCLI_MAX_PIPE_BYTES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from losscli.errors import InputError
from losscli.io._arrow import ArrowTable
from losscli.io._base import short_cause

FILE_MAGIC = b"ARROW1"
STREAM_MAGIC = b"\xff\xff\xff\xff"


def _corrupt(name: str, exc: BaseException) -> InputError:
    return InputError(
        f"{name}: is not a valid Arrow IPC file (corrupt or truncated): {short_cause(exc)}"
    )


class ArrowIpcTable(ArrowTable):
    """An Arrow IPC file or stream, from a path or a seekable file object.

    Attributes:
        layout: ``"file"`` (random access, ``ARROW1``) or ``"stream"``.
    """

    def __init__(self, name: str, role: str, chunk_size: int, source: Any) -> None:
        super().__init__(name, role, chunk_size)
        import pyarrow as pa

        self._pa = pa
        self._source = source
        head = self._head()
        if head.startswith(FILE_MAGIC):
            self.layout = "file"
        elif head.startswith(STREAM_MAGIC):
            self.layout = "stream"
        elif head.startswith(b"FEA1"):
            raise InputError(
                f"{name}: is a Feather version 1 file, which losscli does not read; re-save it "
                "as Feather version 2 (pyarrow.feather.write_feather(table, path))"
            )
        else:
            raise InputError(
                f"{name}: is not an Arrow IPC file (it does not start with the Arrow magic "
                "bytes ARROW1 or a stream's 0xFFFFFFFF); pass --input-format to read it as "
                "another format"
            )
        try:
            reader = self._reader()
            schema = reader.schema
            if self.layout == "file":
                self.n_rows = sum(
                    reader.get_batch(i).num_rows for i in range(reader.num_record_batches)
                )
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _corrupt(name, exc) from None
        self._set_schema(schema)

    def _head(self) -> bytes:
        if isinstance(self._source, str):
            with open(self._source, "rb") as f:
                return f.read(8)
        self._source.seek(0)
        head = self._source.read(8)
        self._source.seek(0)
        return head

    def _reader(self) -> Any:
        import pyarrow.ipc as ipc

        src = self._source
        if isinstance(src, str):
            src = self._pa.memory_map(src, "r")
        else:
            src.seek(0)
        return ipc.open_file(src) if self.layout == "file" else ipc.open_stream(src)

    def _batches(self, bases: list[str]) -> Iterator[tuple[int, Any]]:
        pa = self._pa
        try:
            reader = self._reader()
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _corrupt(self.name, exc) from None
        if self.layout == "file":
            batches: Iterator[Any] = (reader.get_batch(i) for i in range(reader.num_record_batches))
        else:
            batches = iter(reader)
        start = 0
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise InputError(
                    f"{self.name}: cannot read the rows from row {start + 1} on (corrupt or "
                    f"truncated Arrow IPC {self.layout}): {short_cause(exc)}"
                ) from None
            yield start, batch
            start += batch.num_rows
