"""Partitioned datasets: a directory or a glob of part files read as one table, in order.

A dataset is a list of part files read one after the other with the streaming readers:

- a **directory** is its regular files in sorted (byte-wise) order, skipping names that start
  with ``.`` or ``_`` (``_SUCCESS``, ``_common_metadata``, ``.part-0.crc``), as Spark and
  pyarrow do; subfolders are not read;
- a **glob** (``'data/part-*.parquet'``, ``**`` recurses) is the files it matches, sorted,
  with the same names skipped. ``**`` follows symlinked folders but never a symlink loop (a
  link back to a folder it is already in), and walks a folder reached through two links once.

A file is read once even when several names lead to it (a symlink or hard link to a file
already in the set, the same folder through two links): the parts are deduplicated by
device and inode, keeping the file's own name (else the first name in order). Each skipped
loop, folder or file is said in :attr:`DatasetTable.notes` (the report's warnings).

Each part's format comes from its extension (or ``--input-format``, or its first bytes, as for
one file). Every part must hold the same columns, of the same kinds; the order may differ.
Row numbers run on across the parts (``chunk.start`` is global, so per-sample rows and
positional labels line up as for one file), and a location names the part and its own row:
``part-00003.parquet, row 17`` (``line N`` for CSV).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._arrays import flatten_table
from losscli.io._base import Chunk, Table, check_input_path, location, quote_list
from losscli.io._file import open_file
from losscli.io._walk import file_identity, walk_glob
from losscli.records import record

SKIPPED_PREFIXES = (".", "_")
"""Names that start with these are not data (hidden files, ``_SUCCESS``, ``_metadata``)."""


def is_dataset_path(path: str) -> bool:
    """Return True when ``path`` names a dataset: a directory, or a glob that is not a file.

    Args:
        path: the path as the user gave it.

    Returns:
        True for an existing directory, or for a path with ``*``, ``?`` or ``[`` that does
        not exist as it is (a file may have such characters in its name).

    >>> is_dataset_path("data/part-*.parquet"), is_dataset_path("preds.csv")
    (True, False)
    """
    if os.path.isdir(path):
        return True
    return glob.has_magic(path) and not os.path.lexists(path)


@record(frozen=True)
class Part:
    """One part file of a dataset.

    Attributes:
        path: where to open it (absolute on a dask worker, whose folder may differ).
        name: the path as the user sees it (the glob match, or ``dir/name``); in messages.
        label: how a location names it: the file name in a directory, the match of a glob.
    """

    path: str
    name: str
    label: str


def list_parts(path: str, role: str = "predictions") -> list[Part]:
    """List the part files of a directory or glob, in the order they are read.

    Args:
        path: a directory or a glob pattern.
        role: ``"predictions"`` or ``"labels"``, used in messages only.

    Returns:
        The parts, sorted by name, each file once (see :func:`find_parts`); never empty.

    Raises:
        InputError: the directory holds no data file, or the glob matches none.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> for n in ("part-1.csv", "part-0.csv", "_SUCCESS", ".part-0.csv.crc"):
    ...     _ = open(os.path.join(d, n), "w").write("label,prob\\n1,0.5\\n")
    >>> [p.label for p in list_parts(d)]
    ['part-0.csv', 'part-1.csv']
    >>> [p.label for p in list_parts(os.path.join(d, "*.csv"))] == [
    ...     os.path.join(d, "part-0.csv"), os.path.join(d, "part-1.csv")]
    True
    """
    return find_parts(path, role)[0]


def find_parts(path: str, role: str = "predictions") -> tuple[list[Part], list[str]]:
    """The part files of a directory or glob (as :func:`list_parts`) and notes on what was skipped.

    Args:
        path: a directory or a glob pattern.
        role: ``"predictions"`` or ``"labels"``, used in messages only.

    Returns:
        ``(parts, notes)``: the parts, each file once, and one sentence per symlink loop,
        folder or file left out because it was reached before.

    Raises:
        InputError: the directory holds no data file, or the glob matches none.
    """
    notes: list[str] = []
    if os.path.isdir(path):
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except PermissionError:
            raise InputError(
                f"{path}: permission denied; make the {role} folder readable"
            ) from None
        except OSError as exc:
            raise InputError(f"{path}: cannot list the {role} folder ({exc.strerror})") from None
        parts = [
            Part(os.path.join(path, e.name), os.path.join(path, e.name), e.name)
            for e in entries
            if not e.name.startswith(SKIPPED_PREFIXES) and _is_file(e.path)
        ]
        if parts:
            return _unique_files(path, parts, notes), notes
        if not entries:  # the message a single-file reader gives for a folder
            check_input_path(path, role)
        example = os.path.join(path, "*", "*.parquet")
        raise InputError(
            f"{path}: the folder holds no data file (names starting with '.' or '_' and "
            f"subfolders are skipped); pass a file, or a glob such as '{example}'"
        )
    if "**" in path.split(os.sep):
        matches = sorted(set(walk_glob(path, notes)))
    else:  # one folder level per component: no loop possible
        matches = sorted(glob.glob(path))
    parts = [
        Part(m, m, m)
        for m in matches
        if not os.path.basename(m).startswith(SKIPPED_PREFIXES) and _is_file(m)
    ]
    if not parts:
        what = "no file" if not matches else "no data file (only folders or skipped names)"
        raise InputError(
            f"{path}: {what} matches this pattern; check the path of the {role} files "
            "(and quote the pattern so that the shell leaves it alone)"
        )
    return _unique_files(path, parts, notes), notes


def _unique_files(name: str, parts: list[Part], notes: list[str]) -> list[Part]:
    """Keep one part per file (device, inode): the file's own name, else the first."""
    groups: dict[Any, list[int]] = {}
    for i, part in enumerate(parts):
        groups.setdefault(file_identity(part.path) or ("?", i), []).append(i)
    keep: set[int] = set()
    dropped: list[tuple[str, str]] = []
    for members in groups.values():
        own = [i for i in members if _is_own_name(parts[i].path)]
        kept = own[0] if own else members[0]
        keep.add(kept)
        dropped += [(parts[i].name, parts[kept].name) for i in members if i != kept]
    if dropped:
        shown = "; ".join(f"{a} is {b}" for a, b in dropped[:3])
        more = f"; and {len(dropped) - 3} more" if len(dropped) > 3 else ""
        files = "1 name leads" if len(dropped) == 1 else f"{len(dropped)} names lead"
        notes.append(
            f"{name}: {files} to a file already in the dataset (a link), read once: {shown}{more}"
        )
    return [p for i, p in enumerate(parts) if i in keep]


def _is_own_name(path: str) -> bool:
    """Whether ``path`` names the file itself: no symlink on the way to it."""
    return os.path.realpath(path) == os.path.abspath(path)


def _is_file(path: str) -> bool:
    try:
        return os.path.isfile(path)
    except OSError:  # pragma: no cover - a broken entry is simply not a file
        return False


@record(frozen=True)
class Schema:
    """The columns of a dataset (its first part's) and the part they were read from."""

    columns: list[str]
    kinds: dict[str, str]
    source: str


class PartChunk(Chunk):
    """A chunk of one part, numbered in the dataset (``start``) but located in its part.

    >>> inner = Chunk("d/p1.csv", 4, 2, {"a": np.array([1.0, 2.0])}, {"a": "number"}, "line")
    >>> c = PartChunk.wrap(inner, start=104, label="p1.csv")
    >>> c.start, c.where(1), c.index, c.local
    (104, 'p1.csv, line 7', 0, 4)
    """

    __slots__ = ("label", "local", "inner", "index")

    @classmethod
    def wrap(cls, inner: Chunk, *, start: int, label: str, index: int = 0) -> PartChunk:
        """Re-number a part's chunk: ``start`` in the dataset, ``where()`` in its part.

        Args:
            inner: the chunk as the part's reader made it (``start`` within the part).
            start: the 0-based index of its first row in the dataset.
            label: how locations name the part.
            index: the part's position in its table (``local`` is the row within it).

        Returns:
            A chunk sharing ``inner``'s arrays.
        """
        out = cls(
            inner.name,
            start,
            inner.n,
            inner._data,
            inner._kinds,
            inner._unit,
            inner._copy,
            inner._exact,
        )
        out.label = label
        out.index = int(index)
        out.local = inner.start
        out.inner = inner.locator()  # how the part's reader names a row (no data kept)
        return out

    def where(self, i: int) -> str:
        """Return ``"<part>, line N"`` or ``"<part>, row N"`` (N counted within the part;
        a dense array's ``element [n, i, ..]``, n within the part)."""
        return f"{self.label}, {self.inner.where(int(i))}"


class DatasetTable(Table):
    """Part files read as one table: the parts' chunks one after the other.

    Every part is opened once here to check that its columns match the first part's (and
    to learn its row count where the format stores it), then closed; :meth:`chunks` opens
    one part at a time.

    Args:
        name: the directory or glob as given (the table's name in messages and reports).
        role: ``"predictions"`` or ``"labels"``.
        chunk_size: the most rows a chunk holds (a chunk never spans two parts).
        parts: the part files, in order.
        fmt: the format of every part, or None (each part's own extension).
        start: the dataset row number of the first part's first row (a worker evaluating
            one part of a larger dataset passes the rows before it).
        schema: the whole dataset's :class:`Schema` when this table holds only some of its
            parts: the columns keep the dataset's order, and each part is checked against it.
        header: CSV/TSV parts: ``--header`` / ``--no-header`` (None: from each part's line 1).

    Attributes:
        part_rows: the row count of each part, None where the format does not store it.
        part_shapes: dense arrays: the shape of each part (else None).
        notes: what listing the parts left out (symlink loops, files reached twice), for
            the report's warnings.
        paired: a labels dataset paired with a predictions dataset by part name: the
            :class:`~losscli.io.Pairing` (``io.pair_datasets``), else None.
    """

    notes: list[str]
    paired: Any = None

    def __init__(
        self,
        name: str,
        role: str,
        chunk_size: int,
        parts: Sequence[Part],
        fmt: str | None = None,
        *,
        start: int = 0,
        schema: Schema | None = None,
        header: bool | None = None,
    ) -> None:
        super().__init__(name, role, chunk_size)
        if not parts:
            raise InputError(f"{name}: the dataset has no part files")
        self.parts = list(parts)
        self.fmt = fmt
        self.header = header
        self.start = int(start)
        self.part_rows: list[int | None] = []
        self.notes = []
        self.schema = schema
        if schema is not None:
            self.columns, self.kinds = list(schema.columns), dict(schema.kinds)
        for part in self.parts:
            with self._open_part(part) as table:
                if self.schema is None:
                    self.schema = Schema(list(table.columns), dict(table.kinds), table.name)
                    self.columns, self.kinds = list(table.columns), dict(table.kinds)
                else:
                    self._check_same(table)
                self.unit = table.unit
                self.headed = table.headed
                self.readings = list(dict.fromkeys(self.readings + table.readings))
                self.part_rows.append(table.n_rows)
        known = [n for n in self.part_rows if n is not None]
        self.n_rows = sum(known) if len(known) == len(self.part_rows) else None
        self.shape: tuple[int, ...] | None = self._dense_shape()
        self._dense_axis: tuple[int | None, str | None] | None = None
        self.per_sample: int | None = None

    def _dense_shape(self) -> tuple[int, ...] | None:
        """Parts that are dense arrays (rank > 2), or arrays alike past axis 0 (NPY): the
        dataset's shape, their lengths summed on axis 0 (every part must agree on the other
        axes); else None. Each part's shape is kept in ``part_shapes``."""
        shapes = []
        for part in self.parts:
            with self._open_part(part) as table:
                shapes.append((getattr(table, "shape", None), table.name))
        self.part_shapes = [s for s, _ in shapes]
        if not any(s is not None and len(s) > 2 for s, _ in shapes):
            # arrays of rank <= 2 alike (sequence labels (N, T)): a shape, else none
            rest = {None if s is None else tuple(s[1:]) for s, _ in shapes}
            if None in rest or len(rest) > 1:
                self.part_shapes = None
                return None
        first, where = shapes[0]
        for s, name in shapes:
            if s is None or first is None or s[1:] != first[1:]:
                raise InputError(
                    f"{name}: has shape {s}, but {where} has {first}; every part of a dense "
                    f"{self.name} needs the same shape past axis 0"
                )
        return (sum(s[0] for s, _ in shapes), *first[1:])  # type: ignore[index]

    def flatten(self, class_axis: int | None, partner: str | None = None) -> None:
        """Read the parts' dense arrays as one row per element (``io.flatten_table`` on
        each part as it is read); the dataset's columns and rows follow."""
        flatten_table(self, class_axis, partner)
        self._dense_axis = (class_axis, partner)
        self.part_rows = [None] * len(self.parts)

    def in_order_of(self, parts: Sequence[Part]) -> None:
        """Read the parts in the order of ``parts`` (the same parts; their sizes follow).

        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> for n in ("a.csv", "b.csv"):
        ...     _ = open(os.path.join(d, n), "w").write("y\\n1\\n")
        >>> t = open_dataset(d, chunk_size=10)
        >>> t.in_order_of(t.parts[::-1]); [p.label for p in t.parts]
        ['b.csv', 'a.csv']
        """
        at = {p: i for i, p in enumerate(self.parts)}
        order = [at[p] for p in parts]
        assert sorted(order) == list(range(len(self.parts))), "not a reordering of the parts"
        self.parts = [self.parts[i] for i in order]
        self.part_rows = [self.part_rows[i] for i in order]
        if self.part_shapes is not None:
            self.part_shapes = [self.part_shapes[i] for i in order]

    def _open_part(self, part: Part) -> Table:
        table = open_file(
            part.path, fmt=self.fmt, chunk_size=self.chunk_size, role=self.role, header=self.header
        )
        table.name = part.name  # messages name the part as the user sees it
        return table

    def _check_same(self, table: Table) -> None:
        assert self.schema is not None
        first = self.schema.source
        missing = [c for c in self.columns if c not in table.kinds]
        extra = [c for c in table.columns if c not in self.kinds]
        if missing or extra:
            diff = "; ".join(
                s
                for s in (
                    f"it lacks {quote_list(missing, 5)}" if missing else "",
                    f"it has {quote_list(extra, 5)} too" if extra else "",
                )
                if s
            )
            raise InputError(
                f"{table.name}: its columns differ from those of {first} ({diff}); every part "
                f"of {self.name} needs the same columns"
            )
        for c in self.columns:
            if table.kinds[c] != self.kinds[c]:
                raise InputError(
                    f"{table.name}: column '{c}' holds {_kind_words(table.kinds[c])}, but "
                    f"{_kind_words(self.kinds[c])} in {first}; every part of {self.name} needs "
                    "the same kind of values in a column"
                )

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        start = self.start
        for index, part in enumerate(self.parts):
            rows = 0
            with self._open_part(part) as table:
                if self._dense_axis is not None:
                    table.flatten(*self._dense_axis)
                self._check_same(table)
                for chunk in table.chunks(names, exact=exact):
                    yield PartChunk.wrap(
                        chunk, start=start + chunk.start, label=part.label, index=index
                    )
                    rows = chunk.start + chunk.n
            start += rows


def _kind_words(kind: str) -> str:
    return "text" if kind == "text" else "numbers"


def open_dataset(
    path: str,
    *,
    fmt: str | None = None,
    chunk_size: int,
    role: str = "predictions",
    header: bool | None = None,
) -> DatasetTable:
    """Open a directory or a glob of part files as one :class:`DatasetTable`.

    Args:
        path: a directory or a glob pattern (see :func:`list_parts`).
        fmt: the format of every part, or None (from each part's extension or content).
        chunk_size: the most rows a chunk holds.
        role: ``"predictions"`` or ``"labels"``, used in messages only.
        header: CSV/TSV parts: ``--header`` / ``--no-header`` (None: from line 1).

    Returns:
        The table; its ``parts`` and ``part_rows`` describe the partitions.
    """
    parts, notes = find_parts(path, role)
    table = DatasetTable(path, role, chunk_size, parts, fmt, header=header)
    table.notes = notes
    return table


class MemoryTable(Table):
    """Columns held in memory as a table; locations map back to rows of a source file.

    Used for the rows of a labels file that one partition needs (a dask worker filters
    the labels by the partition's ids).

    Args:
        name: the source's name.
        role: ``"predictions"`` or ``"labels"``.
        chunk_size: the most rows a chunk holds.
        columns: the column names, in order.
        kinds: ``"number"`` or ``"text"`` per column.
        data: column name -> 1-D array (all of the same length).
        rows: the 0-based row of each entry in the source.
        unit: ``"line"`` or ``"row"``, as the source counts.
        exact: column name -> exact values (:meth:`Chunk.ids`), for the columns that have them.

    >>> t = MemoryTable("l.csv", "labels", 10, ["y"], {"y": "number"},
    ...                 {"y": np.array([1.0, 0.0])}, np.array([3, 7]), "line")
    >>> [c.where(1) for c in t.chunks()], t.n_rows
    (['line 9'], 2)
    """

    def __init__(
        self,
        name: str,
        role: str,
        chunk_size: int,
        columns: list[str],
        kinds: dict[str, str],
        data: dict[str, np.ndarray],
        rows: np.ndarray,
        unit: str,
        exact: dict[str, np.ndarray] | None = None,
    ) -> None:
        super().__init__(name, role, chunk_size)
        self.columns = list(columns)
        self.kinds = dict(kinds)
        self.unit = unit
        self._data = data
        self._exact = exact or {}
        self._rows = np.asarray(rows, dtype=np.int64)
        self.n_rows = len(self._rows)

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        for s in range(0, self.n_rows or 0, self.chunk_size):
            e = min(s + self.chunk_size, self.n_rows or 0)
            data = {c: self._data[c][s:e] for c in names}
            ids = {c: self._exact[c][s:e] for c in exact}
            yield _MappedChunk(
                self.name, s, e - s, data, self.kinds, self.unit, self._rows[s:e], ids
            )


class _MappedChunk(Chunk):
    """A chunk of a :class:`MemoryTable`: ``where()`` names the row in the source file."""

    __slots__ = ("rows",)

    def __init__(
        self,
        name: str,
        start: int,
        n: int,
        data: dict[str, Any],
        kinds: dict[str, str],
        unit: str,
        rows: np.ndarray,
        exact: dict[str, np.ndarray] | None = None,
    ) -> None:
        super().__init__(name, start, n, data, kinds, unit, copy=True, exact=exact)
        self.rows = rows

    def where(self, i: int) -> str:
        """Return the location of the ``i``-th row in the source: ``line N`` or ``row N``."""
        row = int(self.rows[int(i)])
        return location(self._unit, row)
