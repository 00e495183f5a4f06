"""Readers and writers: CSV/TSV (optionally .gz), NPY, NPZ, Parquet and stdin, in chunks.

``open_table(path)`` returns a :class:`Table` whose :meth:`Table.chunks` yields
:class:`Chunk` objects of at most ``chunk_size`` rows, so a 10 GB file streams in bounded
memory. Writers (:func:`atomic_output`, :class:`PerSampleWriter`, and :class:`OutputSet`,
which every command's outputs go through) replace their destination atomically, and only
when the run succeeded. pyarrow is imported lazily, only by the CSV/TSV/Parquet readers and
the writers that need it; pandas is never imported.

The input formats are the rows of :mod:`losscli.io.formats` (:data:`INPUT_FORMATS`); a
partitioned dataset (folder or glob of part files) reads as one :class:`DatasetTable`.

Locations in messages are 1-based: ``line N`` in CSV/TSV (the header is line 1) and
``row N`` in NPY/NPZ/Parquet.
"""

from __future__ import annotations

from losscli.io._base import Chunk, Table, short_cause
from losscli.io._dataset import DatasetTable, MemoryTable, Part
from losscli.io._file import chunk_rows_for
from losscli.io._open import DEFAULT_CHUNK_ROWS, open_table
from losscli.io._values import concat_exact, ids_as_text
from losscli.io.formats import (
    FORMATS,
    INPUT_FORMATS,
    InputFormat,
    format_from_name,
    option_help,
    sniff_format,
)
from losscli.io.outputs import OutputSet
from losscli.io.writers import (
    PerSampleWriter,
    atomic_output,
    check_output_path,
    read_json_file,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "chunk_rows_for",
    "FORMATS",
    "INPUT_FORMATS",
    "Chunk",
    "DatasetTable",
    "InputFormat",
    "MemoryTable",
    "OutputSet",
    "Part",
    "PerSampleWriter",
    "Table",
    "atomic_output",
    "check_output_path",
    "concat_exact",
    "format_from_name",
    "ids_as_text",
    "open_table",
    "option_help",
    "read_json_file",
    "short_cause",
    "sniff_format",
]
