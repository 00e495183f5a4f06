"""``open_table``: a dataset (folder, glob) or one file (or stdin), opened for chunked reading."""

from __future__ import annotations

import os
from typing import Any

from losscli.io._base import Table
from losscli.io._dataset import is_dataset_path, open_dataset
from losscli.io._file import DEFAULT_CHUNK_ROWS, open_file
from losscli.io.formats import check_format
from losscli.lazy import Lazy

#: an in-memory object's reader (imported only when one is given, not for a path)
_MEMORY_TABLE = Lazy("losscli.io._memory", "memory_table")


def open_table(
    path: str | os.PathLike[str] | Table | Any,
    *,
    fmt: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_ROWS,
    role: str = "predictions",
    header: bool | None = None,
) -> Table:
    """Open a file of model outputs or labels (or stdin, ``"-"``) for chunked reading.

    The format is ``fmt`` when given, else the extension (``.csv[.gz] .tsv[.gz] .tab .txt
    .npy .npz .parquet .pq``, the rows of :mod:`losscli.io.formats`), else (stdin) the first
    bytes. Gzip-compressed text is recognised by its magic bytes. A directory, or a glob that
    is not a file name, is a partitioned dataset: its part files read as one table, in order
    (see ``losscli.io._dataset``). An already opened :class:`Table` is returned as it is; a
    numpy array, a pandas or polars DataFrame, a pyarrow Table or a dict of arrays is read as
    the file of that shape would be (``losscli.io._memory``; ``fmt`` applies to files only).
    Every problem a user can cause raises InputError (bad file) or UsageError (bad ``fmt``)
    with a one-line message naming the file.

    Args:
        path: a file path, a directory or glob of part files, ``"-"`` for stdin, a Table, or
            an in-memory object.
        fmt: ``csv``, ``tsv``, ``npy``, ``npz``, ``parquet`` or None (infer).
        chunk_size: the most rows a chunk holds.
        role: ``"predictions"`` or ``"labels"``, used in messages only.
        header: CSV/TSV: line 1 is the header (True), data (False, ``--no-header``), or
            decided from it (None; see :class:`~losscli.io._text.TextTable`).

    Returns:
        A :class:`Table` (also a context manager).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "p.csv"), "w") as f:
    ...     _ = f.write("label,prob\\n1,0.9\\n0,0.2\\n")
    >>> with open_table(os.path.join(d, "p.csv")) as t:
    ...     print(t.columns, t.kinds["prob"], [c.column("prob") for c in t.chunks()])
    ['label', 'prob'] number [array([0.9, 0.2])]
    """
    if isinstance(path, Table):
        return path
    fmt = check_format(fmt)
    if not isinstance(path, (str, bytes, os.PathLike)):  # an array, a DataFrame, a pa.Table
        table = _MEMORY_TABLE.load()(path, role, chunk_size)
        if table is not None:
            return table
    p = os.fspath(path)
    if p != "-" and is_dataset_path(p):
        return open_dataset(p, fmt=fmt, chunk_size=chunk_size, role=role, header=header)
    return open_file(p, fmt=fmt, chunk_size=chunk_size, role=role, header=header)
