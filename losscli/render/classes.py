"""Many classes: when a view lists every class and when it summarises them.

The rules are shared by the terminal table and Markdown (the HTML report may use them too):

- **Per-class table**: every class up to :data:`MAX_CLASS_ROWS` classes; beyond that the
  :data:`N_WORST` worst and :data:`N_BEST` best classes by :func:`rank_key` (``f1``), with a
  line saying how many are hidden and that ``--all-classes`` shows every class.
- **Column headers**: the report's per-class field names; a dense report (one with ``miou``)
  names ``jaccard`` and ``f1`` as what they are per pixel, IoU and Dice
  (:func:`class_headers`).
- **Confusion matrix**: the whole matrix when it fits the width (:func:`matrix_width`); else
  the :data:`N_CONFUSIONS` largest off-diagonal cells as ``true -> predicted, count, share``
  (share of the true class's rows), with the same kind of line; ``--all-classes`` lists every
  non-zero off-diagonal cell.

Plain data in, plain data out (no rich); numbers stay the report's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from losscli.records import record

MAX_CLASS_ROWS = 30
"""Classes listed one per row before the per-class table shows the worst and best only."""
N_WORST = 10
N_BEST = 5
N_CONFUSIONS = 15
"""Off-diagonal cells listed when the confusion matrix does not fit."""
MARKDOWN_WIDTH = 120
"""The width Markdown's confusion matrix must fit (a GitHub comment column)."""
ALL_CLASSES_FLAG = "--all-classes"


@record(frozen=True)
class ClassRows:
    """The per-class rows a view shows: ``rows`` (in order), ``hidden`` (how many are left
    out), ``gap`` (the index in ``rows`` where the worst end and the best begin, or None)."""

    rows: list[dict[str, Any]]
    hidden: int
    gap: int | None
    key: str | None

    def note(self) -> str:
        """The line saying what is shown and how to see every class ("" when all are)."""
        if not self.hidden:
            return ""
        n = len(self.rows) + self.hidden
        return (
            f"{self.hidden} of {n} classes hidden: the {self.gap} worst and "
            f"{len(self.rows) - (self.gap or 0)} best by {self.key} are shown; "
            f"{ALL_CLASSES_FLAG} shows every class"
        )


DENSE_HEADERS = {"jaccard": "jaccard (IoU)", "f1": "f1 (Dice)"}
"""Per-class headers of a dense report: the class's IoU is its Jaccard index, its Dice its F1."""


def class_headers(d: dict[str, Any], keys: Sequence[str]) -> list[str]:
    """The per-class table's column headers for the fields ``keys`` of report ``d``: the
    field names, with ``jaccard`` / ``f1`` named IoU / Dice when the report is of dense
    arrays (its metrics hold ``miou``); the values stay the report's.

    >>> class_headers({"metrics": {"miou": 0.5}}, ["f1", "jaccard", "support"])
    ['f1 (Dice)', 'jaccard (IoU)', 'support']
    >>> class_headers({"metrics": {}}, ["f1", "jaccard"])
    ['f1', 'jaccard']
    """
    dense = "miou" in (d.get("metrics") or {})
    return [DENSE_HEADERS.get(k, k) if dense else k for k in keys]


def rank_key(per_class: Sequence[dict[str, Any]]) -> str | None:
    """The per-class field the worst / best classes are ranked by: ``f1`` when the rows have
    it, else the first numeric field other than ``support``.

    >>> rank_key([{"class": "a", "precision": 0.5, "f1": 0.4}]), rank_key([])
    ('f1', None)
    """
    if not per_class:
        return None
    row = per_class[0]
    if "f1" in row:
        return "f1"
    for k, v in row.items():
        if k not in ("class", "support") and (v is None or isinstance(v, (int, float))):
            return k
    return None


def class_rows(per_class: Sequence[dict[str, Any]], all_classes: bool = False) -> ClassRows:
    """The rows of the per-class table: all of them, or the worst and best by :func:`rank_key`
    (an undefined value counts as the worst; ties keep the report's order).

    >>> rows = [{"class": str(i), "f1": i / 40} for i in range(40)]
    >>> cr = class_rows(rows)
    >>> [r["class"] for r in cr.rows][:3], cr.hidden, cr.gap
    (['0', '1', '2'], 25, 10)
    >>> print(cr.note())
    25 of 40 classes hidden: the 10 worst and 5 best by f1 are shown; --all-classes shows every
    class
    """
    rows = list(per_class)
    key = rank_key(rows)
    if all_classes or len(rows) <= MAX_CLASS_ROWS or key is None:
        return ClassRows(rows, 0, None, key)

    def value(i: int) -> float:
        v = rows[i].get(key)
        return float("-inf") if v is None else float(v)

    order = sorted(range(len(rows)), key=value)  # stable: ties keep the report's order
    worst = order[:N_WORST]
    best = sorted(order[-N_BEST:], key=lambda i: -value(i))
    shown = [rows[i] for i in worst] + [rows[i] for i in best]
    return ClassRows(shown, len(rows) - len(shown), len(worst), key)


@record(frozen=True)
class Confusions:
    """Off-diagonal confusion cells, largest first: ``(true, predicted, count, share)``."""

    cells: list[tuple[str, str, float, float | None]]
    total: int  # non-zero off-diagonal cells in the matrix

    def note(self, all_classes: bool) -> str:
        """The line saying how many cells are shown and how to see every one."""
        if len(self.cells) >= self.total:
            return f"every non-zero off-diagonal cell ({self.total})"
        more = "" if all_classes else f"; {ALL_CLASSES_FLAG} lists every one"
        return f"the {len(self.cells)} largest of {self.total} non-zero off-diagonal cells{more}"


def top_confusions(
    classes: Sequence[str], matrix: Sequence[Sequence[float]], n: int | None = N_CONFUSIONS
) -> Confusions:
    """The ``n`` largest off-diagonal cells of a ``C x C`` confusion matrix (rows true),
    each with its share of the true class's rows (``None`` for a class with no rows); ties
    by the row, then the column. ``n=None``: every non-zero one.

    >>> c = top_confusions(["a", "b", "c"], [[5, 3, 0], [1, 4, 0], [0, 2, 2]], n=2)
    >>> c.cells, c.total
    ([('a', 'b', 3, 0.375), ('c', 'b', 2, 0.5)], 3)
    """
    import numpy as np

    cm = np.asarray(matrix, dtype=np.float64)
    if cm.ndim != 2 or cm.size == 0:
        return Confusions([], 0)
    off = cm.copy()
    np.fill_diagonal(off, 0.0)
    flat = off.ravel()
    nonzero = np.flatnonzero(flat > 0)
    total = int(nonzero.size)
    if n is not None and total > n:
        # the n largest, ties by position (row-major), without sorting every cell
        part = nonzero[np.argpartition(-flat[nonzero], n - 1)[:n]]
        threshold = flat[part].min()
        pick = nonzero[flat[nonzero] >= threshold]
    else:
        pick = nonzero
    pick = pick[np.lexsort((pick, -flat[pick]))]
    if n is not None:
        pick = pick[:n]
    rows = cm.sum(axis=1)
    size = cm.shape[1]
    cells = []
    for idx in pick.tolist():
        i, j = divmod(idx, size)
        count = matrix[i][j]
        share = float(cm[i, j] / rows[i]) if rows[i] > 0 else None
        cells.append((str(classes[i]), str(classes[j]), count, share))
    return Confusions(cells, total)


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes (wide characters count two).

    >>> cell_width("abc"), cell_width("猫")
    (3, 2)
    """
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def matrix_width(headers: Sequence[str], row_labels: Sequence[str], widest_cell: int) -> int:
    """Width of a confusion matrix drawn as a table without outer edges: the row-label column
    and one column per class, each padded by one space on either side, with a one-character
    rule between columns.

    >>> matrix_width(["0", "1"], ["0", "1"], 2)  # 1 + 11 + 1, then 2 x (1 + 2 + 1) and 2 rules
    23
    """
    first = max([cell_width("true \\ pred"), *(cell_width(s) for s in row_labels)])
    cols = [max(cell_width(h), widest_cell) for h in headers]
    return first + 2 + sum(c + 2 for c in cols) + len(cols)
