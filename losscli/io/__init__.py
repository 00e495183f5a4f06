"""Readers and writers: CSV/TSV (optionally .gz), NPY, NPZ, Parquet and stdin, in chunks.

``open_table(path)`` returns a :class:`Table` whose :meth:`Table.chunks` yields
:class:`Chunk` objects of at most ``chunk_size`` rows, so a 10 GB file streams in bounded
memory. Writers (:func:`atomic_output`, :class:`PerSampleWriter`, and :class:`OutputSet`,
which every command's outputs go through) replace their destination atomically, and only
when the run succeeded. pyarrow is imported lazily, only by the CSV/TSV/Parquet readers and
the writers that need it; pandas is never imported.

Locations in messages are 1-based: ``line N`` in CSV/TSV (the header is line 1) and
``row N`` in NPY/NPZ/Parquet.
"""

from __future__ import annotations

from losscli.io._base import FORMATS, Chunk, Table, format_from_name, sniff_format
from losscli.io._open import DEFAULT_CHUNK_ROWS, open_table
from losscli.io.outputs import OutputSet
from losscli.io.writers import (
    PerSampleWriter,
    atomic_output,
    check_output_path,
    read_json_file,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "FORMATS",
    "Chunk",
    "OutputSet",
    "PerSampleWriter",
    "Table",
    "atomic_output",
    "check_output_path",
    "format_from_name",
    "open_table",
    "read_json_file",
    "sniff_format",
]
