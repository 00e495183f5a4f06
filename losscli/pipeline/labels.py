"""Labels from a second file: matched to the predictions by position, or joined by an id
column (:class:`LabelFile`), with the errors for ids missing on either side.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.pipeline.columns import Columns


def _show(value: Any) -> str:
    """A value as a message shows it: ``7`` or ``'abc'``, never ``np.int64(7)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


SHOWN_IDS = 5
"""How many ids a message about ids in one file only names."""


def id_keys(ids: np.ndarray, text: bool) -> np.ndarray:
    """Exact ids as sortable keys: int64 as they are, or (``text``) numpy strings.

    An int64 id and a text id are the same id when the text is the integer written plainly
    (``7`` and ``'7'``, not ``'007'``).

    >>> id_keys(np.array([9007199254740993]), text=True).tolist()
    ['9007199254740993']
    """
    from losscli.io import ids_as_text

    if not text:
        return ids
    return ids_as_text(ids).astype(str)


def _missing_ids(ids: np.ndarray) -> np.ndarray:
    """Mask of missing ids (None) in an exact-values array."""
    if ids.dtype != object:
        return np.zeros(len(ids), dtype=bool)
    return np.fromiter((v is None for v in ids), dtype=bool, count=len(ids))


class MissingIdsError(InputError):
    """Prediction ids that are not in the labels file: how many, and the first few.

    Attributes:
        n: how many prediction rows have an id without a label.
        shown: the first ones (at most ``SHOWN_IDS``): ``(id, location)``.
    """

    def __init__(self, pred_name: str, labels_name: str, id_col: str, n: int, shown: list) -> None:
        self.n, self.shown = n, list(shown)
        self.names = (pred_name, labels_name, id_col)
        super().__init__(
            f"{pred_name}: {_ids_count(n)} {'is' if n == 1 else 'are'} not in {labels_name} "
            f"(column {id_col!r}): {_id_list(self.shown, n)}; every prediction needs the label "
            "of its id: evaluate files that hold the same ids"
        )

    def __reduce__(self) -> tuple[Any, ...]:  # travels back from a dask worker
        return (MissingIdsError, (*self.names, self.n, self.shown))

    def merge(self, other: MissingIdsError) -> MissingIdsError:
        """The error of both (``other``'s rows after this one's)."""
        return MissingIdsError(
            *self.names, self.n + other.n, (self.shown + other.shown)[:SHOWN_IDS]
        )


def _ids_count(n: int) -> str:
    return "1 id" if n == 1 else f"{n} ids"


def _id_list(shown: list[tuple[Any, str]], total: int) -> str:
    text = ", ".join(f"{_show(v)} ({where})" for v, where in shown)
    return text + (", ..." if total > len(shown) else "")


class LabelFile:
    """Labels read whole from a second file (labels are small next to predictions).

    Joined by id (``cols.join``): every id of either file must be in the other, once. Ids are
    compared exactly (:meth:`~losscli.io.Chunk.ids`): as int64 when both files hold whole
    numbers, else as text (an int64 id then reads as its decimal text). ``take()`` refuses
    a duplicate id of the predictions at once, naming both rows; ids without a label are
    counted over the whole predictions file (``scan_missing()``, then ``finish()``).
    """

    def __init__(self, table: Any, cols: Columns, pred_name: str = "the predictions") -> None:
        self.name = table.name
        self.pred_name = pred_name
        self.id_col = cols.id
        self.text = cols.text_labels
        parts: list[np.ndarray] = []
        id_parts: list[np.ndarray] = []
        wheres: list[tuple[int, Any]] = []
        exact = [cols.id] if cols.join and cols.id else []
        paired = None if exact else getattr(table, "paired", None)
        self.paired = paired  # a labels dataset paired by part name: rows per pair
        self.part_rows = [0] * (0 if paired is None else len(paired.pairs))
        for chunk in table.chunks(cols.label, exact=exact):
            parts.append(chunk.column(cols.label[0]) if self.text else chunk.matrix(cols.label))
            if exact:
                id_parts.append(chunk.ids(cols.id))
            wheres.append((chunk.start, chunk.locator()))
            if paired is not None:
                self.part_rows[chunk.index] = chunk.local + chunk.n
        if not parts:
            raise InputError(f"{table.name} has no data rows")
        self.values = np.concatenate(parts)
        self.n = len(self.values)
        self._wheres = wheres
        self.ids: np.ndarray | None = None
        self.first_row: np.ndarray | None = None  # per label row: the prediction row, or -1
        self._index: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        self._pred_wheres: list[tuple[int, Any]] = []
        self.n_missing = 0
        self.first_missing: list[tuple[Any, str]] = []
        self.part_starts = np.concatenate([[0], np.cumsum(self.part_rows)]).astype(np.int64)
        self.pred_rows = [0] * len(self.part_rows)  # paired: prediction rows seen per part
        self.done = 0  # paired: the parts before this one are checked
        self.over: int | None = None  # paired: a prediction part with more rows than its pair
        if exact:
            from losscli.io import concat_exact

            ids = concat_exact(id_parts)
            gone = _missing_ids(ids)
            if gone.any():
                raise InputError(
                    f"{self.where(int(np.flatnonzero(gone)[0]))}: the id (column {cols.id!r}) is "
                    "missing; every row needs an id to join the files"
                )
            self.ids = ids
            text = ids.dtype == object
            order, keys = self._sorted(text)
            dup = np.flatnonzero(keys[1:] == keys[:-1])
            if dup.size:  # the first two rows of the repeated id that comes first in the file
                rows = np.sort(np.concatenate([order[dup], order[dup + 1]]))
                value = id_keys(ids[rows[:1]], text)[0]
                first, second = np.flatnonzero(id_keys(ids, text) == value)[:2].tolist()
                raise InputError(
                    f"{self.name}: id {_show(ids[first])} appears more than once in column "
                    f"{cols.id!r} ({self._where_in(first)} and {self._where_in(second)}); ids "
                    "must be unique to join the files"
                )
            self.first_row = np.full(self.n, -1, dtype=np.int64)

    def _sorted(self, text: bool) -> tuple[np.ndarray, np.ndarray]:
        """The label rows in id order and their sorted keys (int64, or text when ``text``)."""
        if text not in self._index:
            assert self.ids is not None
            keys = id_keys(self.ids, text)
            order = np.argsort(keys)  # ids are unique (checked), so any sort will do
            self._index[text] = (order, keys[order])
        return self._index[text]

    def _where_in(self, row: int) -> str:
        for start, chunk in reversed(self._wheres):
            if row >= start:
                return chunk.where(row - start)
        return f"row {row + 1}"

    def where(self, row: int) -> str:
        """Where a row of the labels file is: ``labels.csv: line N``."""
        return f"{self.name}: {self._where_in(row)}"

    def _pred_where(self, row: int) -> str:
        for start, chunk in reversed(self._pred_wheres):
            if row >= start:
                return chunk.where(row - start)
        return f"row {row + 1}"  # pragma: no cover - every row's chunk is recorded

    def take(self, chunk: Any, ids: np.ndarray | None) -> np.ndarray | None:
        """The labels of one chunk of predictions, or None when some of its ids have none.

        Positional (no join): the next ``chunk.n`` labels. By id: the label of each id;
        a missing or repeated id raises InputError; ids without a label are counted and
        None returned (the caller then calls :meth:`scan_missing` for the rest).
        """
        start, n = chunk.start, chunk.n
        if self.paired is not None:
            return self._take_paired(chunk)
        if self.ids is None:
            if start + n > self.n:
                raise InputError(
                    f"the predictions have more rows than the labels ({self.name} has {self.n}); "
                    "the files must have the same rows in the same order, or pass --id-col"
                )
            return self.values[start : start + n]
        assert ids is not None and self.first_row is not None
        self._pred_wheres.append((start, chunk.locator()))
        gone = _missing_ids(ids)
        if gone.any():
            raise InputError(
                f"{self.pred_name}: {chunk.where(int(np.flatnonzero(gone)[0]))}: the id (column "
                f"{self.id_col!r}) is missing; every row needs an id to join the files"
            )
        text = ids.dtype == object or self.ids.dtype == object
        order, keys = self._sorted(text)
        wanted = id_keys(ids, text)
        pos = np.searchsorted(keys, wanted)
        pos_c = np.minimum(pos, self.n - 1)
        found = (pos < self.n) & (keys[pos_c] == wanted)
        at = np.arange(n) if found.all() else np.flatnonzero(found)
        rows = order[pos_c[at]]
        self._check_unique(chunk, ids, at, rows)
        self.first_row[rows] = start + at
        if at.size < n:
            lost = np.flatnonzero(~found)
            self.n_missing += int(lost.size)
            room = SHOWN_IDS - len(self.first_missing)
            self.first_missing += [(ids[i], chunk.where(int(i))) for i in lost[:room]]
            return None
        return self.values[rows]

    def _take_paired(self, chunk: Any) -> np.ndarray | None:
        """The labels of a chunk of prediction part ``i``: rows of labels part ``i``
        (the pairs were put in the same order); None when the part has more rows."""
        i, lo, n = chunk.index, chunk.local, chunk.n
        self._check_parts(i)
        self.pred_rows[i] = lo + n
        if lo + n > self.part_rows[i]:
            self.over = i
            return None
        at = int(self.part_starts[i]) + lo
        return self.values[at : at + n]

    def _check_parts(self, upto: int) -> None:
        """Refuse the first part before ``upto`` whose prediction rows are not its labels'."""
        for j in range(self.done, upto):
            if self.pred_rows[j] != self.part_rows[j]:
                self._rows_differ(j)
        self.done = max(self.done, upto)

    def _rows_differ(self, j: int) -> None:
        from losscli.io import rows_differ

        pred, labels = self.paired.pairs[j]
        raise rows_differ(pred.name, self.pred_rows[j], labels.name, self.part_rows[j])

    def _check_unique(self, chunk: Any, ids: np.ndarray, at: np.ndarray, rows: np.ndarray) -> None:
        """Refuse a prediction id seen before (in an earlier chunk or this one)."""
        assert self.first_row is not None
        earlier = self.first_row[rows] >= 0
        ranked = np.sort(rows)
        if not earlier.any() and not (ranked[1:] == ranked[:-1]).any():
            return
        o = np.argsort(rows, kind="stable")
        again = np.zeros(rows.size, dtype=bool)
        again[o[1:]] = rows[o[1:]] == rows[o[:-1]]
        bad = earlier | again
        if not bad.any():
            return
        k = int(np.flatnonzero(bad)[0])  # the first row whose id came before
        if earlier[k]:
            before = self._pred_where(int(self.first_row[rows[k]]))
        else:
            before = chunk.where(int(at[int(np.flatnonzero(rows == rows[k])[0])]))
        raise InputError(
            f"{self.pred_name}: id {_show(ids[at[k]])} appears more than once in column "
            f"{self.id_col!r} ({before} and {chunk.where(int(at[k]))}); ids must be unique to "
            "join the files (each prediction takes the label of its id)"
        )

    def scan_missing(self, chunks: Iterator[Any]) -> None:
        """Count the ids without a label in the rest of the predictions, then refuse them
        (paired parts: count the rows of the prediction part that has more, then refuse)."""
        if self.over is not None:
            for chunk in chunks:
                if chunk.index != self.over:
                    break
                self.pred_rows[self.over] = chunk.local + chunk.n
            self._rows_differ(self.over)
        for chunk in chunks:
            self.take(chunk, chunk.ids(self.id_col))
        self.finish(-1)

    def missing_error(self) -> MissingIdsError:
        """The error for prediction ids that are not in the labels file."""
        assert self.id_col is not None
        return MissingIdsError(
            self.pred_name, self.name, self.id_col, self.n_missing, self.first_missing
        )

    def finish(self, n_pred: int) -> None:
        """Refuse what is left unmatched: rows (by position, or per pair of parts) or ids
        (either file's)."""
        if self.paired is not None:
            self._check_parts(len(self.part_rows))
            return
        if self.ids is None:
            if n_pred != self.n:
                raise InputError(
                    f"the predictions have {n_pred} rows but {self.name} has {self.n}; the files "
                    "must have the same rows in the same order, or pass --id-col to join them"
                )
            return
        if self.n_missing:
            raise self.missing_error()
        assert self.first_row is not None
        unused = np.flatnonzero(self.first_row < 0)
        if unused.size:
            n = int(unused.size)
            shown = [(self.ids[i], self._where_in(int(i))) for i in unused[:SHOWN_IDS]]
            raise InputError(
                f"{self.name}: {_ids_count(n)} {'has' if n == 1 else 'have'} no prediction in "
                f"{self.pred_name} (column {self.id_col!r}): {_id_list(shown, n)}; evaluate "
                "files that hold the same ids"
            )
