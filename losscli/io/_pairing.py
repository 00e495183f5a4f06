"""A labels dataset beside a predictions dataset: their parts paired by name.

The rule (README "Folders and globs", docs/CONTRACTS.md):

- A part's **name** is its path below the dataset's folder (a directory: the file name; a
  glob: the path below its fixed leading folders, so ``preds/**/*.parquet`` pairs
  ``preds/date=1/part-0.parquet`` with ``labels/date=1/part-0.parquet``) without its format
  extension (``.csv``, ``.csv.gz``, ``.parquet``, ``.npy`` ...; else its last suffix).
  ``preds/part-003.parquet`` pairs with ``labels/part-003.csv``. Two parts of one side
  with the same name (``part-003.csv`` and ``part-003.parquet``) are refused.
- When some names are common to both sides, every part must find its partner by name.
- When **no** name is common (``preds/logits-000.npy`` beside ``labels/labels-000.npy``):
  the parts pair by the numbers in their names (the integers read from the name, so
  ``logits-2`` pairs with ``labels-002``), when every part of both sides has numbers, no two
  parts of one side have the same ones, and some are common; one part on each side pairs
  whatever its name. Otherwise the run is refused, naming the fix. Sorted order is never
  used to pair: it pairs ``logits-10`` with ``labels-002`` when one side pads and the other
  does not, and silently shifts every pair when one side starts at 1.

:func:`pair_datasets` pairs two :class:`~losscli.io.DatasetTable` objects and puts the
labels parts in the order of their prediction parts, so reading both in order reads each
pair together; the row counts (or, for dense arrays, the shapes) of each pair are checked by
the readers with :func:`rows_differ`.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from typing import Any

from losscli.errors import InputError
from losscli.io.formats import INPUT_FORMATS
from losscli.records import record

_ENDINGS = sorted({end for f in INPUT_FORMATS for end in f.names_of_files()}, key=lambda e: -len(e))
_NUMBERS = re.compile(r"\d+")


def dataset_base(name: str) -> str:
    """The folder a dataset's part names are relative to: the directory itself, or the
    leading components of a glob that hold no wildcard.

    Args:
        name: the dataset's path as the user gave it (a directory or a glob).

    Returns:
        The folder (``""`` for a glob in the current folder).

    >>> dataset_base("runs/preds/*.npy"), dataset_base("runs/**/part-*.csv")
    ('runs/preds', 'runs')
    """
    if os.path.isdir(name):
        return name
    comps = name.split(os.sep)
    fixed = []
    for c in comps[:-1]:
        if glob.has_magic(c):
            break
        fixed.append(c)
    if fixed == [""]:
        return os.sep
    return os.sep.join(fixed)


def part_name(path: str, base: str) -> str:
    """The name a part pairs by: its path below ``base`` without its format extension.

    Args:
        path: the part's path (as the user sees it).
        base: :func:`dataset_base` of its dataset.

    Returns:
        The name, e.g. ``part-003`` or ``date=1/part-0``.

    >>> part_name("preds/part-003.csv.gz", "preds"), part_name("l/date=1/p.Parquet", "l")
    ('part-003', 'date=1/p')
    >>> part_name("preds/part-7.dat", "preds")
    'part-7'
    """
    rel = os.path.relpath(path, base or os.curdir)
    low = rel.lower()
    for end in _ENDINGS:
        if low.endswith(end) and len(rel) > len(end):
            return rel[: -len(end)]
    stem, _ = os.path.splitext(rel)
    return stem or rel


def _numbers(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in _NUMBERS.findall(name))


@record(frozen=True)
class Pairing:
    """How the parts of a labels dataset pair with those of a predictions dataset.

    Attributes:
        pairs: ``(prediction part, labels part)`` in the predictions' order.
        how: ``"name"``, ``"number"`` (no name in common: the numbers in the names) or
            ``"single"`` (one part on each side).
        predictions: the predictions dataset's name; ``labels`` the labels dataset's.
    """

    pairs: list[tuple[Any, Any]]
    how: str
    predictions: str
    labels: str

    def describe(self) -> str:
        """The pairing as the report's ``inference`` says it.

        >>> from losscli.io import Part
        >>> a, b = Part("p/x.npy", "p/x.npy", "x.npy"), Part("l/x.csv", "l/x.csv", "x.csv")
        >>> Pairing([(a, b)], "name", "p", "l").describe()
        'parts paired by file name, apart from the extensions (1 part: p/x.npy with l/x.csv)'
        """
        n = len(self.pairs)
        first = f"{self.pairs[0][0].name} with {self.pairs[0][1].name}"
        shown = f"{n} part{'s' if n != 1 else ''}: {first}{', ...' if n > 1 else ''}"
        if self.how == "single":
            return f"one part on each side, paired though their names differ ({first})"
        if self.how == "number":
            return (
                f"the part names differ, so parts are paired by the numbers in their names "
                f"({shown})"
            )
        same = all(os.path.basename(p.name) == os.path.basename(q.name) for p, q in self.pairs)
        aside = "" if same else ", apart from the extensions"
        return f"parts paired by file name{aside} ({shown})"

    def check_rows(self, pred_rows: Sequence[int | None], label_rows: Sequence[int | None]) -> None:
        """Refuse the first pair whose row counts are both known and differ.

        Args:
            pred_rows: the row count of each prediction part (None: not known before reading).
            label_rows: the same for the labels parts, in the pairs' order.

        Raises:
            InputError: :func:`rows_differ` of that pair.
        """
        for (p, q), n, m in zip(self.pairs, pred_rows, label_rows):
            if n is not None and m is not None and n != m:
                raise rows_differ(p.name, n, q.name, m)


def rows_differ(pred: str, n_pred: int, labels: str, n_labels: int) -> InputError:
    """The error for a pair of parts whose row counts differ.

    Args:
        pred: the prediction part's name; ``n_pred`` its rows.
        labels: the labels part's name; ``n_labels`` its rows.

    Returns:
        The InputError to raise.

    >>> print(rows_differ("p/a.csv", 3, "l/a.csv", 2))  # doctest: +ELLIPSIS
    p/a.csv has 3 rows but its labels part l/a.csv has 2 (axis 0 differs); a pair ...
    """
    rows = "1 row" if n_pred == 1 else f"{n_pred} rows"
    return InputError(
        f"{pred} has {rows} but its labels part {labels} has {n_labels} (axis 0 differs); a "
        "pair of parts needs the same rows in the same order: fix the parts, or pass --id-col "
        "to join by id"
    )


def pair_parts(
    preds: Sequence[Any], labels: Sequence[Any], pred_name: str, label_name: str
) -> Pairing:
    """Pair the parts of two datasets by name (see the module's rule).

    Args:
        preds: the prediction parts (:class:`~losscli.io.Part`), in reading order.
        labels: the labels parts.
        pred_name: the predictions dataset as the user named it (a folder or glob).
        label_name: the labels dataset.

    Returns:
        The :class:`Pairing`, its pairs in the order of ``preds``.

    Raises:
        InputError: two parts of one side share a name, a part has no partner, or no name
            pairs at all (each message names both datasets and the file).

    >>> from losscli.io import Part
    >>> ps = [Part(f"p/logits-{i}.npy", f"p/logits-{i}.npy", "") for i in (10, 2)]
    >>> ls = [Part(f"l/labels-{i:03d}.npy", f"l/labels-{i:03d}.npy", "") for i in (2, 10)]
    >>> [(a.name, b.name) for a, b in pair_parts(ps, ls, "p", "l").pairs]
    [('p/logits-10.npy', 'l/labels-010.npy'), ('p/logits-2.npy', 'l/labels-002.npy')]
    """
    pbase, lbase = dataset_base(pred_name), dataset_base(label_name)
    pkeys = _keyed(preds, pbase)
    lkeys = _keyed(labels, lbase)
    if set(pkeys) & set(lkeys):
        return _pair_by(pkeys, lkeys, "name", pred_name, label_name, pbase, lbase)
    if len(preds) == 1 and len(labels) == 1:
        return Pairing([(preds[0], labels[0])], "single", pred_name, label_name)
    pnum = {_numbers(k): p for k, p in pkeys.items()}
    lnum = {_numbers(k): p for k, p in lkeys.items()}
    usable = (
        () not in pnum
        and () not in lnum
        and len(pnum) == len(preds)
        and len(lnum) == len(labels)
        and set(pnum) & set(lnum)
    )
    if usable:
        return _pair_by(pnum, lnum, "number", pred_name, label_name, pbase, lbase)
    eg = os.path.join(lbase, os.path.basename(preds[0].name))
    raise InputError(
        f"the parts of {pred_name} and {label_name} do not pair: no labels part has the name of "
        f"a prediction part ({preds[0].name}, {labels[0].name}, ...), nor the same numbers in "
        f"its name; name each labels part as its prediction part ({eg}) or number both alike "
        "(logits-000.npy with labels-000.npy)"
    )


def _keyed(parts: Sequence[Any], base: str) -> dict[str, Any]:
    """name -> part; two parts of one name refused."""
    out: dict[str, Any] = {}
    for p in parts:
        key = part_name(p.name, base)
        if key in out:
            raise InputError(
                f"{out[key].name} and {p.name} have the same name apart from the extension; "
                "the parts of a predictions and a labels folder pair by name: keep one of them"
            )
        out[key] = p
    return out


def _pair_by(
    pkeys: dict[Any, Any],
    lkeys: dict[Any, Any],
    how: str,
    pred_name: str,
    label_name: str,
    pbase: str,
    lbase: str,
) -> Pairing:
    rule = (
        "parts pair by file name, apart from the extension"
        if how == "name"
        else "the names differ, so parts pair by the numbers in their names"
    )

    def wanted(key: Any, base: str) -> str:
        if how == "number":
            return "no part numbered " + ", ".join(str(n) for n in key)
        return f"no {os.path.join(base, key)}.*"

    for key, p in pkeys.items():
        if key not in lkeys:
            raise InputError(
                f"{p.name} has no labels part in {label_name} ({wanted(key, lbase)}; {rule}); "
                "give each prediction part its labels part"
            )
    for key, q in lkeys.items():
        if key not in pkeys:
            raise InputError(
                f"{q.name} has no prediction part in {pred_name} ({wanted(key, pbase)}; {rule}); "
                "remove it or add its prediction part"
            )
    return Pairing([(p, lkeys[k]) for k, p in pkeys.items()], how, pred_name, label_name)


def pair_datasets(preds: Any, labels: Any) -> Pairing:
    """Pair two :class:`~losscli.io.DatasetTable` objects by part name and read the labels
    parts in the order of their prediction parts (:meth:`DatasetTable.in_order_of`); the
    labels table keeps the pairing in ``paired``.

    Args:
        preds: the predictions dataset.
        labels: the labels dataset (reordered in place).

    Returns:
        The :class:`Pairing`.

    Raises:
        InputError: as :func:`pair_parts`.
    """
    pairing = pair_parts(preds.parts, labels.parts, preds.name, labels.name)
    labels.in_order_of([q for _, q in pairing.pairs])
    labels.paired = pairing
    return pairing
