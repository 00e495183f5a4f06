"""In-memory inputs: numpy arrays, pandas / polars DataFrames, pyarrow Tables, dicts of arrays.

:func:`memory_table` gives such an object the reader a file of the same shape has, so the
pipeline reads it like a file (same columns, kinds, chunks, checks and messages):

- a numpy array (or anything with ``__array__``: a list, a CPU tensor) reads as an NPY file
  does: a 1-D array is column ``0``, a 2-D ``(N, C)`` one the columns ``0`` … ``C-1``;
- a pyarrow Table or RecordBatch, a pandas or polars DataFrame or Series, or any object with
  the Arrow PyCapsule stream interface (``__arrow_c_stream__``) reads as Parquet does: its
  columns by name, a column of lists (``probs``) as ``probs:0`` … ``probs:C-1``; a pandas index
  that is not the default one is a column ``__index_level_0__`` (left out of the predictions,
  as in Parquet);
- a dict of arrays reads as an NPZ archive does: a 1-D array under ``k`` is column ``k``, a
  2-D one the columns ``k:0`` … ``k:C-1``.

The table's name in messages is ``<predictions array>``, ``<labels DataFrame>`` and so on;
locations are ``row N`` (1-based). pandas, polars and pyarrow are imported only when such an
object is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._arrays import NpyTable
from losscli.io._arrow import ArrowTable
from losscli.io._base import Table, short_cause


class ArrowMemoryTable(ArrowTable):
    """A pyarrow Table held in memory, read in record batches of at most ``chunk_size`` rows."""

    def __init__(self, name: str, role: str, chunk_size: int, table: Any) -> None:
        super().__init__(name, role, chunk_size)
        self._table = table
        self.n_rows = int(table.num_rows)
        self._set_schema(table.schema)

    def _batches(self, bases: list[str]) -> Iterator[tuple[int, Any]]:
        start = 0
        for batch in self._table.select(bases).to_batches(max_chunksize=self.chunk_size):
            yield start, batch
            start += batch.num_rows


def _library(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _dict_table(name: str, data: Mapping[Any, Any]) -> Any:
    """A dict of arrays as a pyarrow Table: 2-D arrays as fixed-size lists (vector columns)."""
    import pyarrow as pa

    columns = {}
    for key, value in data.items():
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise InputError(
                f"{name}: the array '{key}' holds Python objects; give numeric or string arrays"
            )
        if arr.ndim == 2:
            columns[str(key)] = pa.FixedSizeListArray.from_arrays(
                pa.array(np.ascontiguousarray(arr).ravel()), arr.shape[1]
            )
        elif arr.ndim == 1:
            columns[str(key)] = pa.array(arr)
        else:
            raise InputError(
                f"{name}: the array '{key}' has shape {arr.shape}; give 1-D arrays (N,) or "
                "2-D arrays (N, C)"
            )
    lengths = [(k, len(v)) for k, v in columns.items()]
    other = [(k, n) for k, n in lengths if n != lengths[0][1]]
    if other:
        (k1, n1), (k2, n2) = lengths[0], other[0]
        raise InputError(
            f"{name}: the arrays have different lengths: '{k1}' has {n1} rows, '{k2}' has {n2}; "
            "give arrays with one row per sample"
        )
    return pa.table(columns)


def _arrow_of(obj: Any) -> tuple[str, Any] | None:
    """``(kind, pyarrow Table)`` for a DataFrame-like object, else None."""
    import pyarrow as pa

    lib = _library(obj)
    if isinstance(obj, pa.RecordBatch):
        return "RecordBatch", pa.Table.from_batches([obj])
    if isinstance(obj, pa.Table):
        return "Table", obj
    if lib == "pandas" and hasattr(obj, "to_frame") and not hasattr(obj, "columns"):
        obj = obj.to_frame(name=obj.name if obj.name is not None else "0")
    if lib == "pandas" and hasattr(obj, "columns"):
        return "DataFrame", pa.Table.from_pandas(obj, preserve_index=None)
    if lib == "polars":
        if hasattr(obj, "to_frame") and not hasattr(obj, "columns"):  # a polars Series
            obj = obj.to_frame()
        return "DataFrame", obj.to_arrow()
    if hasattr(obj, "__arrow_c_stream__"):
        return type(obj).__name__, pa.table(obj)
    return None


def memory_table(obj: Any, role: str, chunk_size: int) -> Table | None:
    """Open an in-memory object as a :class:`Table`, or return None for a path.

    Args:
        obj: a path-like (None is returned), or an in-memory object (see the module docstring).
        role: ``"predictions"`` or ``"labels"``, used in the table's name.
        chunk_size: the most rows a chunk holds.

    Returns:
        The table, or None when ``obj`` is a path (``str``, ``os.PathLike``).

    Raises:
        TypeError: ``obj`` is neither a path nor an object this module reads.
        InputError: the object's data cannot be read (object arrays, 3-D arrays, ...).

    >>> t = memory_table(np.array([[0.9, 0.1], [0.2, 0.8]]), "predictions", 10)
    >>> t.name, t.columns, t.n_rows
    ('<predictions array>', ['0', '1'], 2)
    >>> memory_table("preds.csv", "predictions", 10) is None
    True
    """
    if isinstance(obj, (str, bytes, os.PathLike)):
        return None
    if isinstance(obj, Mapping):
        name = f"<{role} dict>"
        return ArrowMemoryTable(name, role, chunk_size, _dict_table(name, obj))
    if _library(obj) in ("pandas", "polars", "pyarrow") or hasattr(obj, "__arrow_c_stream__"):
        import pyarrow as pa

        try:
            found = _arrow_of(obj)
        except (ValueError, TypeError, pa.ArrowException) as exc:
            raise InputError(
                f"<{role} {type(obj).__name__}>: cannot be read as a table ({short_cause(exc)})"
            ) from None
        if found is not None:
            kind, table = found
            return ArrowMemoryTable(f"<{role} {kind}>", role, chunk_size, table)
    if isinstance(obj, (np.ndarray, list, tuple)) or hasattr(obj, "__array__"):
        name = f"<{role} array>"
        try:
            arr = np.asarray(obj)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}: cannot be read as one array ({exc})") from None
        return NpyTable(name, role, chunk_size, arr)
    raise TypeError(
        f"{role} must be a path, a numpy array, a pandas or polars DataFrame, a pyarrow Table "
        f"or a dict of arrays; got {type(obj).__name__}"
    )
