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

from losscli.lazy import lazy_exports

# each name from its module on first use: `losscli compute tiny.npy` imports the NPY reader,
# not the Parquet, CSV or JSON Lines one, nor the writers it does not use (issue #20)
__getattr__ = lazy_exports(
    __name__,
    {
        "Chunk": "losscli.io._base",
        "Table": "losscli.io._base",
        "short_cause": "losscli.io._base",
        "DatasetTable": "losscli.io._dataset",
        "MemoryTable": "losscli.io._dataset",
        "Part": "losscli.io._dataset",
        "chunk_rows_for": "losscli.io._file",
        "Pairing": "losscli.io._pairing",
        "pair_datasets": "losscli.io._pairing",
        "rows_differ": "losscli.io._pairing",
        "DEFAULT_CHUNK_ROWS": "losscli.io._open",
        "open_table": "losscli.io._open",
        "concat_exact": "losscli.io._values",
        "ids_as_text": "losscli.io._values",
        "FORMATS": "losscli.io.formats",
        "INPUT_FORMATS": "losscli.io.formats",
        "InputFormat": "losscli.io.formats",
        "format_from_name": "losscli.io.formats",
        "option_help": "losscli.io.formats",
        "sniff_format": "losscli.io.formats",
        "OutputSet": "losscli.io.outputs",
        "PerSampleWriter": "losscli.io.writers",
        "atomic_output": "losscli.io.writers",
        "check_output_path": "losscli.io.writers",
        "read_json_file": "losscli.io.writers",
    },
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
    "Pairing",
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
    "pair_datasets",
    "read_json_file",
    "rows_differ",
    "short_cause",
    "sniff_format",
]
