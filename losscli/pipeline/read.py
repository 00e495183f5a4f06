"""Reading: the inputs opened (:func:`open_inputs`), the chunks of the predictions (and
their labels) as arrays, the rows that are usable, and the first usable rows the plan is
decided from.

The functions take values (tables, :class:`~losscli.pipeline.columns.Columns`, arrays);
invalid rows (a missing, NaN or inf prediction, label or weight) are refused with the row
named, or dropped with ``--drop-invalid``; a negative weight is always refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from losscli import progress
from losscli._gc import startup_done
from losscli.errors import InputError, UsageError
from losscli.pipeline.columns import Columns, resolve_columns
from losscli.pipeline.dense import DenseLabels, dense_notes
from losscli.pipeline.groups import group_keys
from losscli.pipeline.infer import Where, first_bad
from losscli.pipeline.infer import show_number as num
from losscli.pipeline.labels import LabelFile
from losscli.pipeline.options import ReadSpec
from losscli.records import record

__all__ = [
    "Inputs",
    "RawChunk",
    "Sample",
    "Usable",
    "first_rows",
    "invalid_rows",
    "located",
    "open_inputs",
    "open_table",
    "read_chunks",
    "refuse_invalid",
    "usable_rows",
]


@record
class RawChunk:
    """One chunk as read: the prediction matrix, the labels (numbers or text), and the
    weights, ids and ``--group-by`` keys of its rows (None when there is no such column)."""

    chunk: Any
    preds: np.ndarray  # (n, P) float64, or a dense array's float32 class-major rows as read
    raw: np.ndarray  # (n, L) float64 label columns, or (n,) object class names
    weights: np.ndarray | None
    ids: np.ndarray | None
    groups: np.ndarray | None


@record
class Usable:
    """A chunk's usable rows (invalid ones dropped, weights checked), before encoding."""

    chunk: Any
    rows: np.ndarray  # positions of the kept rows in the chunk
    preds: np.ndarray
    raw: np.ndarray
    weights: np.ndarray | None
    ids: np.ndarray | None
    groups: np.ndarray | None
    n_dropped: int  # rows --drop-invalid left out
    where: Where  # a kept row's position -> how messages name it


@record
class Sample:
    """The first usable rows of a run, the plan's evidence; ``where`` names a sample row."""

    raw: np.ndarray
    preds: np.ndarray
    where: Where


def located(name: str, chunk: Any) -> Where:
    """Row position in ``chunk`` -> ``"name: row N"`` (as the chunk counts its rows)."""
    return lambda i: f"{name}: {chunk.where(i)}"


def read_chunks(
    pred_table: Any, label_table: Any | None, cols: Columns, *, allow_empty: bool = False
) -> Iterator[RawChunk]:
    """Every chunk of ``pred_table`` with its labels (a column, or ``label_table``'s rows by
    position or joined by id), weights, ids and slice keys. The predictions are float64,
    but the rows of a dense array's float32 class-major block stay as read
    (``Chunk.matrix(keep_float32=True)``): the plan's sample and every chunk not added
    class-major are widened (``engine.scores_to_encode``), the validity checks take them so.

    Raises:
        InputError: the predictions have no data rows (unless ``allow_empty``), or the
            labels file has ids without a prediction row, or rows without a label.
    """
    wanted = list(cols.pred)
    if cols.label_in_preds:
        wanted += [c for c in cols.label if c not in wanted]
    if cols.weight and cols.weight not in wanted:
        wanted.append(cols.weight)
    exact = [c for c in (cols.id, cols.group) if c]  # ids and slice keys: never as floats
    labels_file: Any = None
    if getattr(label_table, "per_sample", None) is not None:  # flattened dense labels
        labels_file = DenseLabels(label_table, cols.label)
    elif label_table is not None:
        labels_file = LabelFile(label_table, cols, pred_table.name)
    n_seen = 0
    chunks = pred_table.chunks(wanted, exact=exact)
    for chunk in chunks:
        preds = chunk.matrix(cols.pred, keep_float32=True)
        ids = chunk.ids(cols.id) if cols.id else None
        if labels_file is None:
            raw = chunk.column(cols.label[0]) if cols.text_labels else chunk.matrix(cols.label)
        else:
            raw = labels_file.take(chunk, ids)
            if raw is None:  # ids without a label: count them all, then refuse
                labels_file.scan_missing(chunks)
        weights = chunk.column(cols.weight) if cols.weight else None
        groups = group_keys(chunk.ids(cols.group)) if cols.group else None
        n_seen += chunk.n
        progress.report_read(pred_table, n_seen)
        yield RawChunk(chunk, preds, raw, weights, ids, groups)
        startup_done()  # a chunk is through: the command line's start-up is over (losscli._gc)
    if n_seen == 0 and not allow_empty:
        raise InputError(f"{pred_table.name} has no data rows")
    if labels_file is not None:
        labels_file.finish(n_seen)


def invalid_rows(
    preds: np.ndarray, raw: np.ndarray, weights: np.ndarray | None, *, text_labels: bool
) -> np.ndarray:
    """(n,) bool: rows with a missing, NaN or inf prediction, label or weight.

    >>> invalid_rows(np.array([[0.1], [np.nan]]), np.array([[1.0], [0.0]]), None,
    ...              text_labels=False).tolist()
    [False, True]
    """
    if preds.size and np.isfinite(np.add.reduce(preds, axis=None)):  # no NaN, no inf
        rows = np.zeros(preds.shape[0], dtype=bool)
    else:
        rows = ~np.isfinite(preds).all(axis=1)
    if text_labels:
        rows |= np.array([v is None or v == "" for v in raw], dtype=bool)
    else:
        bad = ~np.isfinite(raw)
        rows |= bad if bad.ndim == 1 else bad.any(axis=1)
    if weights is not None:
        rows |= ~np.isfinite(weights)
    return rows


def refuse_invalid(rc: RawChunk, rows: np.ndarray, cols: Columns, where: Where) -> None:
    """Raise the error for the first of ``rows`` (the invalid rows' mask), naming what is
    wrong with it and ``--drop-invalid``."""
    preds, raw = rc.preds, rc.raw
    bad_pred = ~np.isfinite(preds)
    if cols.text_labels:
        bad_label = np.array([v is None or v == "" for v in raw], dtype=bool)
    else:
        bad_label = ~np.isfinite(raw)
    i = first_bad(rows)
    if bad_pred[i].any():
        col = cols.pred[int(np.flatnonzero(bad_pred[i])[0])]
        what = f"prediction column {col!r} is {preds[i][bad_pred[i]][0]} (missing, NaN or inf)"
    elif bad_label[i].any() if bad_label.ndim == 2 else bad_label[i]:
        what = "the label is missing, NaN or inf"
    else:
        what = f"weight column {cols.weight!r} is missing, NaN or inf"
    raise InputError(f"{where(i)}: {what}; fix the file or pass --drop-invalid to skip such rows")


def _refuse_negative(weights: np.ndarray, at: np.ndarray, where: Where) -> None:
    """Raise for the first negative weight among ``weights[at]`` (``where`` names ``at``'s
    positions)."""
    neg = weights[at] < 0
    if np.any(neg):
        i = int(at[first_bad(neg)])
        raise InputError(
            f"{where(i)}: sample weight {num(weights[i])} is negative; weights must be >= 0 "
            "(0 leaves a row out)"
        )


def usable_rows(rc: RawChunk, cols: Columns, *, drop_invalid: bool, name: str) -> Usable:
    """The chunk's usable rows: invalid ones dropped (``drop_invalid``) or refused, and a
    negative weight refused.

    Args:
        rc: the chunk as read.
        cols: the column roles.
        drop_invalid: ``--drop-invalid``.
        name: the predictions' name, for messages.

    Returns:
        The :class:`Usable` rows (possibly none) and how many were dropped.
    """
    chunk, preds, raw = rc.chunk, rc.preds, rc.raw
    weights, ids, groups = rc.weights, rc.ids, rc.groups
    where = located(name, chunk)
    bad = invalid_rows(preds, raw, weights, text_labels=cols.text_labels)
    rows = np.arange(chunk.n)
    n_dropped = 0
    if bad.any():
        if not drop_invalid:
            refuse_invalid(rc, bad, cols, where)
        keep = ~bad
        n_dropped = int(bad.sum())
        preds, raw, rows = preds[keep], raw[keep], rows[keep]
        weights = weights[keep] if weights is not None else None
        ids = ids[keep] if ids is not None else None
        groups = groups[keep] if groups is not None else None

    def where_kept(i: int, _w: Where = where, _r: np.ndarray = rows) -> str:
        return _w(int(_r[i]))

    if weights is not None:
        _refuse_negative(weights, np.arange(weights.size), where_kept)
    return Usable(chunk, rows, preds, raw, weights, ids, groups, n_dropped, where_kept)


def first_rows(
    items: Iterable[RawChunk], n_rows: int, cols: Columns, *, drop_invalid: bool, name: str
) -> tuple[list[RawChunk], Sample | None]:
    """Read ahead to the first ``n_rows`` usable rows (those ``drop_invalid`` keeps), over as
    many chunks as they take, so that every chunk size decides the plan from the same rows.

    An invalid row (without ``drop_invalid``) or a negative weight among them is refused
    first, as it would be in one pass.

    Returns:
        The chunks read (to be evaluated next, in order) and the :class:`Sample` of their
        first usable rows (None when there is none).
    """
    buffered: list[RawChunk] = []
    raws: list[np.ndarray] = []
    preds_s: list[np.ndarray] = []
    at: list[tuple[Any, np.ndarray]] = []  # (chunk, its rows in the sample)
    n = 0
    for rc in items:
        buffered.append(rc)
        chunk, preds, raw, weights = rc.chunk, rc.preds, rc.raw, rc.weights
        good = ~invalid_rows(preds, raw, weights, text_labels=cols.text_labels)
        rows = np.flatnonzero(good)[: n_rows - n]
        full = n + rows.size >= n_rows
        end = int(rows[-1]) + 1 if full else chunk.n  # the rows the sample covers
        if not drop_invalid and not good[:end].all():
            refuse_invalid(rc, ~good, cols, located(name, chunk))
        if weights is not None:
            _refuse_negative(weights, rows, located(name, chunk))
        if rows.size:
            whole = rows.size == preds.shape[0]  # the chunk itself, not a copy of it
            raws.append(raw if whole else raw[rows])
            preds_s.append(preds if whole else preds[rows])
            at.append((chunk, rows))
            n += rows.size
        if n >= n_rows:
            break
    if not n:
        return buffered, None
    starts = np.cumsum([0] + [r.size for _, r in at])

    def where(i: int) -> str:
        k = int(np.searchsorted(starts, i, side="right")) - 1
        chunk, rows = at[k]
        return located(name, chunk)(int(rows[i - starts[k]]))

    if len(preds_s) == 1:
        return buffered, Sample(raws[0], preds_s[0], where)
    raw_s, pred_s = np.concatenate(raws), np.concatenate(preds_s)
    del raws, preds_s
    # a chunk wholly in the sample is replayed as a view of it: its rows are held once
    span = {id(chunk): (int(a), rows.size) for (chunk, rows), a in zip(at, starts)}
    for i, rc in enumerate(buffered):
        a, m = span.get(id(rc.chunk), (0, 0))
        if m and m == rc.preds.shape[0]:
            buffered[i] = replace(rc, preds=pred_s[a : a + m], raw=raw_s[a : a + m])
    return buffered, Sample(raw_s, pred_s, where)


@record
class Inputs:
    """A run's opened inputs: the predictions' table, the labels file's table (None when
    the labels are a column of the predictions), the column roles, the readers' notes."""

    predictions: Any
    labels: Any | None
    columns: Columns
    notes: list[str]  # e.g. a file a dataset read once: report warnings
    dense: Any = None  # dense arrays: their DenseLayout (pipeline.dense), else None
    pairing: Any = None  # a labels dataset paired with the predictions' by part name


def open_table(
    path: Any, fmt: str | None, chunk_size: int | None, role: str, header: bool | None = None
) -> Any:
    """:func:`losscli.io.open_table` with the run's format, chunk size (None: io's) and
    ``--header`` / ``--no-header``."""
    from losscli import io

    kwargs: dict[str, Any] = {"fmt": fmt, "role": role, "header": header}
    if chunk_size is not None:
        kwargs["chunk_size"] = chunk_size
    return io.open_table(path, **kwargs)


def open_inputs(
    predictions: Any,
    labels: Any,
    read: ReadSpec,
    group_by: str | None = None,
    dense: Any = None,
) -> Inputs:
    """Open the predictions (a path, ``-``, or a table) and the optional labels file, and
    decide the column roles (:func:`~losscli.pipeline.columns.resolve_columns`).

    Args:
        predictions: what :func:`losscli.io.open_table` opens (a table is taken as it is).
        labels: the labels file, or None.
        read: the read options (formats, columns, chunk size).
        group_by: the ``--group-by`` column, or None.
        dense: ``(pred_table, label_table) -> DenseLayout | None``, called before the
            columns are resolved: flattens dense arrays into element rows
            (:func:`losscli.pipeline.dense.apply_layout`).

    Returns:
        The :class:`Inputs`.
    """
    pred_table = open_table(
        predictions, read.input_format, read.chunk_size, "predictions", read.header
    )
    label_table = (
        None
        if labels is None
        else open_table(
            labels,
            read.labels_format or read.input_format,
            read.chunk_size,
            "labels",
            read.header if read.labels_header is None else read.labels_header,
        )
    )
    tables = [t for t in (pred_table, label_table) if t is not None]
    flags = (
        ("--header", "--no-header", read.header, tables),
        ("--labels-header", "--labels-no-header", read.labels_header, tables[1:]),
    )
    for yes, no, value, applies in flags:  # a header flag with no CSV/TSV file to apply to
        if value is None or any(t.headed is not None for t in applies):
            continue
        flag = yes if value else no
        if not applies:
            raise UsageError(f"{flag} is for a LABELS file, and there is none: leave it out")
        one = len(applies) == 1
        raise UsageError(
            f"{flag} is for CSV/TSV files; {' and '.join(t.name for t in applies)} "
            f"{'has' if one else 'have'} column names of {'its' if one else 'their'} own: "
            f"leave {flag} out"
        )
    layout = None if dense is None else dense(pred_table, label_table)
    cols = resolve_columns(pred_table, label_table, read, group_by)
    pairing = getattr(label_table, "paired", None)  # dense: paired by apply_layout
    if layout is not None:
        cols.notes[:] = dense_notes(layout, cols.notes, label_table.name, pairing)
    elif not cols.join and _both_datasets(pred_table, label_table):
        from losscli import io

        pairing = io.pair_datasets(pred_table, label_table)
        pairing.check_rows(pred_table.part_rows, label_table.part_rows)
        cols.notes[:] = [
            f"labels: {pairing.describe()}; row i of each labels part labels row i of its "
            f"prediction part ({n.split('): ', 1)[-1]})"  # why, and --id-col to join by id
            if n.startswith("labels matched by position")
            else n
            for n in cols.notes
        ]
    if read.chunk_size is None and pred_table is not predictions:
        from losscli import io  # wide inputs: chunks of a bounded number of cells

        rows = io.chunk_rows_for(len(cols.pred))
        for table in (pred_table, label_table):
            if table is not None and rows < table.chunk_size:
                table.chunk_size = rows
    notes: list[str] = []
    for table in tables:
        notes += getattr(table, "notes", [])
        cols.notes += table.readings  # readings a reader took (line 1 as a header): inference
    return Inputs(pred_table, label_table, cols, notes, layout, pairing)


def _both_datasets(pred_table: Any, label_table: Any) -> bool:
    """Whether the predictions and the labels are both datasets (folders or globs)."""
    from losscli import io

    return isinstance(pred_table, io.DatasetTable) and isinstance(label_table, io.DatasetTable)
