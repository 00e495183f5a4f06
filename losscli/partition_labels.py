"""The labels a dask worker reads for its partition (``--engine dask``).

- A labels **file joined by id** (:func:`joined_labels`): the worker reads it whole and keeps
  the rows whose ids its partition holds.
- A labels **folder paired by part name** (:func:`paired_labels`): the worker opens the one
  labels part paired with its prediction part (``io.pair_datasets`` on the client), so each
  pair is read together, as the local engine reads it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.pipeline.labels import id_keys


def paired_labels(job: Any, chunk: int) -> Any:
    """The labels part paired with this partition's prediction part, as a one-part dataset
    of the labels dataset's columns.

    Args:
        job: the :class:`~losscli.distributed.PartJob` (``labels_part``: the part, its path
            absolute; ``labels_name``: the labels dataset as the user named it;
            ``labels_schema``: its columns).
        chunk: the chunk size.

    Returns:
        A :class:`~losscli.io.DatasetTable` of that one part.

    >>> import os, tempfile
    >>> from types import SimpleNamespace
    >>> from losscli.io import Part
    >>> from losscli.pipeline.options import Options
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "p-1.csv"), "w").write("label\\n1\\n0\\n")
    >>> part = Part(os.path.join(d, "p-1.csv"), "labels/p-1.csv", "p-1.csv")
    >>> job = SimpleNamespace(labels_part=part, labels_name="labels", labels_schema=None,
    ...                       opts=Options())
    >>> t = paired_labels(job, 100)
    >>> t.name, [c.where(0) for c in t.chunks(["label"])]
    ('labels', ['p-1.csv, line 2'])
    """
    from losscli.io import DatasetTable

    read = job.opts.spec.read
    return DatasetTable(
        job.labels_name,
        "labels",
        chunk,
        [job.labels_part],
        read.labels_format or read.input_format,
        schema=job.labels_schema,
        header=read.header if read.labels_header is None else read.labels_header,
    )


def joined_labels(table: Any, job: Any, chunk: int) -> tuple[Any, np.ndarray]:
    """The rows of the labels file whose ids occur in this partition, as a table.

    Args:
        table: the partition's predictions table.
        job: the :class:`~losscli.distributed.PartJob` (``labels``: the labels file's
            absolute path, ``id_col``, the run's options).
        chunk: the chunk size.

    Returns:
        ``(labels, used)``: a :class:`~losscli.io.MemoryTable` of the labels rows whose ids
        the partition holds (None when it has no rows), and the packed mask of those rows
        over the labels file (``np.packbits``).
    """
    from losscli import io
    from losscli.io import MemoryTable, concat_exact

    read = job.opts.spec.read
    id_col = job.id_col
    assert id_col is not None, "a labels join needs an id column"
    parts = [c.ids(id_col) for c in table.chunks([], exact=[id_col])]
    fmt = read.labels_format or read.input_format
    with io.open_table(
        job.labels, fmt=fmt, chunk_size=chunk, role="labels", header=read.header
    ) as lt:
        lt.name = job.labels_name or lt.name
        others = [c for c in lt.columns if c != id_col]
        cols: dict[str, list[np.ndarray]] = {c: [] for c in others}
        id_parts: list[np.ndarray] = []
        for c in lt.chunks(others, exact=[id_col]):
            for name in others:
                cols[name].append(c.column(name))
            id_parts.append(c.ids(id_col))
        data = {
            k: np.concatenate(v)
            if v
            else np.empty(0, dtype=object if lt.kinds[k] == "text" else float)
            for k, v in cols.items()
        }
        label_ids = concat_exact(id_parts)
        if not parts:
            return None, np.packbits(np.zeros(len(label_ids), dtype=bool))
        ids = concat_exact(parts)
        text = ids.dtype == object or label_ids.dtype == object
        keep = np.isin(id_keys(label_ids, text), id_keys(ids, text))
        rows = np.flatnonzero(keep)
        data[id_col] = np.zeros(len(label_ids))  # a placeholder: the id is read exactly
        sub = MemoryTable(
            lt.name,
            "labels",
            chunk,
            list(lt.columns),
            dict(lt.kinds),
            {k: v[rows] for k, v in data.items()},
            rows,
            lt.unit,
            exact={id_col: label_ids[rows]},
        )
    return sub, np.packbits(keep)
