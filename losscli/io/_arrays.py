"""NPY and NPZ readers. Pickled payloads are never loaded (``allow_pickle=False`` always).

NPY files are memory-mapped (``mmap_mode="r"``) for their header and shape, and a C-ordered
one is read chunk by chunk with plain file reads (:func:`_batches`: the pages read are not
kept mapped, so the resident memory holds one chunk, not the file);
NPY from stdin or a pipe is read into memory once, header first (a pipe cannot be mapped),
within ``LOSSCLI_MAX_PIPE_BYTES``. An NPZ member larger than ``LOSSCLI_MAX_ARRAY_BYTES`` (as
the archive declares it) is refused before inflating. NPZ members are
compressed zip entries that numpy cannot map: each requested array is loaded whole when
:meth:`Table.chunks` starts, then served in chunks.

Dense arrays (any rank above 2, an NPY file or an NPZ holding one array): the table has no
columns until :meth:`NpyTable.flatten` says where the class axis is (the pipeline decides it
from both files' shapes, :mod:`losscli.pipeline.dense`); then every element is a row (in
C order of ``(N, d1..dk)``), with the classes as columns ``"0"`` … ``"C-1"`` or one column
``"0"``, read in chunks of whole samples (images, sequences) straight from the memory map.

Columns: a 1-D NPY array is column ``"0"``; a 2-D ``(N, C)`` array gives ``"0"`` …
``"C-1"``. In an NPZ, a 1-D array under key ``k`` is column ``"k"``; a 2-D one gives
``"k:0"`` … ``"k:C-1"``. Booleans, integers and floats are number columns (float64);
unicode/bytes strings are text columns (empty strings read as None). Anything else
(object arrays, complex, dates, records) is refused. Ids and group keys (``exact=``) keep
their dtype: integers as int64, strings as text, never through float64.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._base import Chunk, PrefixedStream, Table, read_exactly, short_cause
from losscli.io._values import exact_values

_NPY_MAGIC = b"\x93NUMPY"

_OBJECT_HINT = (
    "object arrays are not supported (losscli never loads pickled data); "
    "save a numeric or string array, e.g. np.save(path, arr.astype(float))"
)


def _kind_of(name: str, dtype: np.dtype, where: str) -> str:
    """Return "number" or "text" for a numpy dtype, or raise InputError."""
    if dtype.hasobject:
        raise InputError(f"{name}: {where}holds Python objects: {_OBJECT_HINT}")
    if dtype.names is not None:
        raise InputError(
            f"{name}: {where}is a structured (record) array; save plain 1-D or 2-D arrays, "
            "one per column group (np.savez)"
        )
    if dtype.kind in "biuf":
        return "number"
    if dtype.kind in "US":
        return "text"
    raise InputError(
        f"{name}: {where}has dtype {dtype}, which is not supported; save real numbers "
        "(float, int, bool) or strings"
    )


def _check_shape(name: str, shape: tuple[int, ...], where: str, dense: bool = False) -> None:
    if len(shape) == 0:
        raise InputError(
            f"{name}: {where}is a single value (a 0-D array); save a 1-D array (N,) "
            "or a 2-D array (N, C)"
        )
    if len(shape) > 2 and not dense:
        raise InputError(
            f"{name}: {where}is a {len(shape)}-D array of shape {tuple(shape)}; save a 1-D "
            "array (N,) or a 2-D array (N, C), e.g. arr.reshape(len(arr), -1)"
        )
    if len(shape) == 2 and shape[1] == 0:
        raise InputError(f"{name}: {where}has shape {tuple(shape)}: no columns")


def _text_values(arr: np.ndarray) -> np.ndarray:
    """Turn a unicode/bytes array into an object array of str, None for empty strings."""
    if arr.dtype.kind == "S":
        try:
            arr = np.char.decode(np.asarray(arr), "utf-8")
        except UnicodeDecodeError:
            raise InputError("a bytes array holds text that is not UTF-8") from None
    out = np.asarray(arr).astype(object)
    out[np.asarray(arr) == ""] = None
    return out


def _pickle_or_corrupt(name: str, exc: BaseException, what: str) -> InputError:
    text = str(exc)
    big = re.match(r"Header info length \((\d+)\) is large", text)
    if big:  # numpy's message also names allow_pickle, but nothing here is pickled
        return InputError(
            f"{name}: its NPY header is {int(big[1]):,} bytes, above numpy's safe limit of "
            "10,000 (a damaged or hostile file); re-save the array with np.save"
        )
    if "allow_pickle" in text or "Object arrays" in text or "Python objects" in text:
        return InputError(f"{name}: holds pickled Python objects: {_OBJECT_HINT}")
    return InputError(
        f"{name}: is not a valid {what} file (corrupt or truncated): {short_cause(exc)}"
    )


class NpyTable(Table):
    """An NPY file (memory-mapped), NPY bytes from stdin, or a numpy array in memory."""

    unit = "row"

    def __init__(self, name: str, role: str, chunk_size: int, source: str | bytes | Any) -> None:
        super().__init__(name, role, chunk_size)
        if isinstance(source, np.ndarray):  # an array in memory (losscli.evaluate)
            self._set(source)
            return
        if isinstance(source, bytes):
            head = source[:8]
        elif isinstance(source, str):
            with open(source, "rb") as f:
                head = f.read(8)
        else:  # a stream (stdin, a pipe): read once, header first
            self._set(_read_npy_stream(name, source))
            return
        if not head.startswith(_NPY_MAGIC):
            raise _not_npy(name, head)
        try:
            if isinstance(source, bytes):
                arr = np.load(io.BytesIO(source), allow_pickle=False)
            else:
                arr = np.load(source, mmap_mode="r", allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - a mangled header fails in many ways
            raise _pickle_or_corrupt(name, exc, "NPY") from None
        self._set(arr)

    def _set(self, arr: np.ndarray) -> None:
        kind = _kind_of(self.name, arr.dtype, "the array ")
        _check_shape(self.name, arr.shape, "the array ", dense=True)
        self._arr = arr
        self.shape: tuple[int, ...] = tuple(int(d) for d in arr.shape)
        self.dense_axis: tuple[int | None, int] | None = None  # (class axis, elements per sample)
        if arr.ndim > 2:  # columns once flatten() knows the class axis
            if kind == "text":
                raise InputError(
                    f"{self.name}: a {arr.ndim}-D array of strings; dense arrays hold numbers"
                )
            self.kinds = {}
            return
        self._check_width(1 if arr.ndim == 1 else int(arr.shape[1]))
        self.columns = ["0"] if arr.ndim == 1 else [str(j) for j in range(arr.shape[1])]
        self.kinds = dict.fromkeys(self.columns, kind)
        self.n_rows = int(arr.shape[0])

    def flatten(self, class_axis: int | None, partner: str | None = None) -> None:
        """Read the array as one row per element: see :func:`flatten_table`."""
        flatten_table(self, class_axis, partner)

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        arr = self._arr
        if self.dense_axis is not None:
            yield from dense_chunks(self, arr, names)
            return
        if arr.ndim > 2:
            raise InputError(_rank_error(self.name, self.shape, "the array "))
        text = self.kinds[self.columns[0]] == "text"
        for s, raw in _batches(arr, self.chunk_size):  # file reads: no page kept mapped
            block = _text_values(raw) if text else raw
            data: dict[str, Any] = {}
            for n in names:
                data[n] = block if block.ndim == 1 else (block, int(n))
            ids = {n: exact_values(raw if raw.ndim == 1 else raw[:, int(n)]) for n in exact}
            yield Chunk(self.name, s, len(block), data, self.kinds, "row", copy=True, exact=ids)

    def close(self) -> None:
        """Drop the memory map."""
        self._arr = None
        super().close()


def _rank_error(name: str, shape: tuple[int, ...], where: str) -> str:
    return (
        f"{name}: {where}is a {len(shape)}-D array of shape {tuple(shape)}; a dense array "
        "(N, C, d1..dk) needs its labels in a second NPY file (scores and labels), or save a "
        "1-D array (N,) or a 2-D array (N, C)"
    )


def flatten_table(table: Any, class_axis: int | None, partner: str | None = None) -> None:
    """Make a dense table's rows its elements: ``(N, d1..dk)`` in C order.

    Args:
        table: an :class:`NpyTable` (or :class:`NpzTable` of one array) of shape
            ``table.shape``, rank >= 2.
        class_axis: ``1`` (``(N, C, d1..dk)``), ``-1`` (``(N, d1..dk, C)``) or None (no class
            axis: one column, every element a row).
        partner: the other array's name (scores, labels): messages name an element in both.

    After it, ``columns`` are ``"0"`` … ``"C-1"`` (or ``"0"``), ``n_rows = N * prod(d)``,
    ``per_sample = prod(d)`` and chunks hold whole samples (at least one).

    >>> t = NpyTable("x.npy", "predictions", 4, _npy_bytes(np.arange(12.0).reshape(2, 3, 2)))
    >>> t.flatten(1); t.columns, t.n_rows, t.per_sample
    (['0', '1', '2'], 4, 2)
    >>> [c.matrix(t.columns).tolist() for c in t.chunks()][0]
    [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0], [6.0, 8.0, 10.0], [7.0, 9.0, 11.0]]
    """
    shape = table.shape
    grid = shape[1:] if class_axis is None else (shape[2:] if class_axis == 1 else shape[1:-1])
    per = int(np.prod(grid, dtype=np.int64)) if grid else 1
    n_cols = 1 if class_axis is None else int(shape[class_axis])
    from losscli import limits

    limits.COLUMNS.check_input(f"{table.name}: the {table.role} file has", n_cols)
    table.columns = [str(j) for j in range(n_cols)]
    table.kinds = dict.fromkeys(table.columns, "number")
    table.n_rows = int(shape[0]) * per
    table.per_sample = per
    table.grid = tuple(grid)
    table.dense_axis = (class_axis, per)
    table.partner = partner


def _batches(arr: np.ndarray, batch: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, arr[start : start + batch])`` over axis 0. A C-ordered memory-mapped NPY is
    read with plain file reads, one batch at a time, so the pages of what was read are not
    kept mapped (the resident memory stays two batches, not the file): the next batch is
    read on a worker thread while this one is computed (:func:`one_ahead`); else sliced."""
    n = int(arr.shape[0])
    if isinstance(arr, np.memmap) and arr.flags.c_contiguous and arr.filename and n:
        sample = int(np.prod(arr.shape[1:], dtype=np.int64))
        with open(arr.filename, "rb") as f:

            def read(s: int) -> tuple[int, np.ndarray]:
                b = min(batch, n - s)
                f.seek(arr.offset + s * sample * arr.dtype.itemsize)
                block = np.fromfile(f, dtype=arr.dtype, count=b * sample)
                if block.size != b * sample:
                    raise InputError(f"{arr.filename}: the array ends early (truncated file)")
                return s, block.reshape(b, *arr.shape[1:])

            if n <= batch:  # one batch: no thread (nor its imports)
                yield read(0)
                return
            from losscli._threads import one_ahead

            yield from one_ahead(range(0, n, batch), read)
        return
    for s in range(0, n, batch):
        yield s, np.asarray(arr[s : s + batch])


def dense_chunks(table: Any, arr: np.ndarray, names: list[str]) -> Iterator[Chunk]:
    """Chunks of whole samples of a flattened dense array (bounded memory: one batch of
    samples is read at a time, :func:`_batches`)."""
    class_axis, per = table.dense_axis
    batch = max(1, table.chunk_size // max(per, 1))
    for s, block in _batches(arr, batch):
        if class_axis == 1:  # (C, n * P) class-major (a view for one sample), read as its rows
            rows = np.moveaxis(block, 1, 0).reshape(block.shape[1], -1).T
        else:
            rows = block.reshape(-1) if class_axis is None else block.reshape(-1, block.shape[-1])
        data: dict[str, Any] = {c: rows if rows.ndim == 1 else (rows, int(c)) for c in names}
        yield DenseChunk(
            table.name, s * per, rows.shape[0], data, table.kinds, table.grid, table.partner
        )


class DenseChunk(Chunk):
    """A chunk of a flattened dense array: :meth:`where` names the element's index."""

    __slots__ = ("grid", "partner")

    def __init__(self, name: str, start: int, n: int, data: dict[str, Any], kinds: dict[str, str],
                 grid: tuple[int, ...], partner: str | None = None) -> None:  # fmt: skip
        super().__init__(name, start, n, data, kinds, "row", copy=True)
        self.grid = grid
        self.partner = partner

    def where(self, i: int) -> str:
        """``element [n, i, j]``: the index of the element in ``(N, d1..dk)`` (and in the
        partner array, which has the same elements).

        >>> DenseChunk("m.npy", 6, 6, {}, {}, (2, 3)).where(4)
        'element [1, 1, 1]'
        >>> DenseChunk("s.npy", 0, 6, {}, {}, (2, 3), "l.npy").where(4)
        'element [0, 1, 1] (of the scores and of l.npy)'
        """
        flat = self.start + int(i)
        per = int(np.prod(self.grid, dtype=np.int64)) if self.grid else 1
        pos = np.unravel_index(flat % per, self.grid) if self.grid else ()
        at = "element [" + ", ".join(str(int(v)) for v in (flat // per, *pos)) + "]"
        return at if self.partner is None else f"{at} (of the scores and of {self.partner})"


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _not_npy(name: str, head: bytes) -> InputError:
    if head[:1] == b"\x80":
        return InputError(f"{name}: holds pickled Python objects: {_OBJECT_HINT}")
    return InputError(
        f"{name}: is not an NPY file (it does not start with the NPY magic bytes); "
        "pass --input-format to read it as another format"
    )


def _read_npy_stream(name: str, stream: Any) -> np.ndarray:
    """Read an NPY array from a stream that can be read only once (stdin, a pipe).

    The header is read and checked first (dtype, shape, and the data size against the pipe
    limit), then exactly the bytes it declares, so nothing is read past the array and
    nothing is allocated for a header that lies.
    """
    from losscli import limits

    head = read_exactly(stream, 8)
    if not head.startswith(_NPY_MAGIC):
        raise _not_npy(name, head)
    f = PrefixedStream(head, stream)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    except Exception as exc:  # noqa: BLE001 - a mangled header fails in many ways
        raise _pickle_or_corrupt(name, exc, "NPY") from None
    _kind_of(name, dtype, "the array ")
    _check_shape(name, shape, "the array ")
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    limits.PIPE_BYTES.check_input(f"{name}: the NPY array from the stream holds", nbytes)
    data = bytearray(nbytes)
    view = memoryview(data)
    got = 0
    while got < nbytes:
        part = f.read(min(nbytes - got, 1 << 24))
        if not part:
            break
        view[got : got + len(part)] = part
        got += len(part)
    if got < nbytes:
        raise InputError(
            f"{name}: is not a valid NPY file (corrupt or truncated): the header declares "
            f"{nbytes:,} bytes of data, the stream ended after {got:,}"
        )
    arr = np.frombuffer(data, dtype=dtype)
    return arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)


def _read_member_header(f: Any) -> tuple[tuple[int, ...], np.dtype]:
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    else:  # 3.0 has no public reader; load the array to learn its header
        raise _NeedLoad
    return shape, dtype


def _check_member_size(
    name: str, key: str, info: zipfile.ZipInfo, shape: tuple[int, ...], dtype: np.dtype
) -> None:
    """Refuse an NPZ member that would inflate past the array limit, or whose array header
    declares more data than the member holds (numpy would allocate the declared size first).
    Inflating never goes past the size the zip directory declares (zipfile stops there)."""
    from losscli import limits

    limits.ARRAY_BYTES.check_input(
        f"{name}: the array '{key}' inflates to", max(int(info.file_size), 0)
    )
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if nbytes > info.file_size:
        raise InputError(
            f"{name}: is not a valid NPZ file (corrupt or truncated): the array '{key}' "
            f"declares {nbytes:,} bytes of data, its archive member holds {info.file_size:,}"
        )


class _NeedLoad(Exception):
    pass


class NpzTable(Table):
    """An NPZ archive (numpy.savez / savez_compressed), from a path or stdin bytes."""

    unit = "row"

    def __init__(self, name: str, role: str, chunk_size: int, source: str | bytes) -> None:
        super().__init__(name, role, chunk_size)
        self._source = source
        self._members: dict[str, str] = {}
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._col_of: dict[str, tuple[str, int | None]] = {}
        try:
            with self._zip() as zf:
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    if not info.filename.endswith(".npy"):
                        raise InputError(
                            f"{name}: the archive member '{info.filename}' is not an array; "
                            "write the file with numpy.savez"
                        )
                    key = info.filename[:-4]
                    where = f"the array '{key}' "
                    try:
                        with zf.open(info) as f:
                            shape, dtype = _read_member_header(f)
                    except _NeedLoad:
                        loaded = self._load(zf, info.filename, key)
                        shape, dtype = loaded.shape, loaded.dtype
                    kind = _kind_of(name, dtype, where)
                    _check_shape(name, shape, where, dense=True)
                    _check_member_size(name, key, info, shape, dtype)
                    self._members[key] = info.filename
                    self._shapes[key] = tuple(shape)
                    if len(shape) > 2:
                        continue  # a dense array: columns once flatten() is called
                    self._check_width(len(self.columns) + (shape[1] if len(shape) == 2 else 1))
                    if len(shape) == 1:
                        self._add(key, key, None, kind)
                    else:
                        for j in range(shape[1]):
                            self._add(f"{key}:{j}", key, j, kind)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - a mangled archive fails in many ways
            raise _pickle_or_corrupt(name, exc, "NPZ") from None
        if not self._members:
            raise InputError(f"{name}: the NPZ archive holds no arrays")
        self.dense_axis: tuple[int | None, int] | None = None
        self.shape: tuple[int, ...] | None = None  # one array: its shape (a dense reading)
        if len(self._shapes) == 1:
            self.shape = tuple(int(d) for d in next(iter(self._shapes.values())))
        high = [k for k, s in self._shapes.items() if len(s) > 2]
        if high:
            if len(self._shapes) > 1:
                raise InputError(
                    f"{name}: the array '{high[0]}' has shape {self._shapes[high[0]]}; an NPZ of "
                    f"a dense array holds that one array (this one holds {len(self._shapes)}); "
                    "save scores and labels in two files"
                )
            self.columns, self.kinds = [], {}
            return
        lengths = {k: s[0] for k, s in self._shapes.items()}
        if len(set(lengths.values())) > 1:
            k1 = next(iter(lengths))
            k2 = next(k for k, n in lengths.items() if n != lengths[k1])
            n1, n2 = lengths[k1], lengths[k2]
            raise InputError(
                f"{name}: the arrays have different lengths: '{k1}' has {n1} rows, "
                f"'{k2}' has {n2}; save arrays with one row per sample"
            )
        self._check_columns()
        self.n_rows = int(next(iter(lengths.values())))

    def _add(self, col: str, key: str, j: int | None, kind: str) -> None:
        self.columns.append(col)
        self.kinds[col] = kind
        self._col_of[col] = (key, j)

    def _zip(self) -> zipfile.ZipFile:
        if isinstance(self._source, bytes):
            return zipfile.ZipFile(io.BytesIO(self._source))
        return zipfile.ZipFile(self._source)

    def _load(self, zf: zipfile.ZipFile, member: str, key: str) -> np.ndarray:
        try:
            with zf.open(member) as f:
                return np.lib.format.read_array(f, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - a mangled member fails in many ways
            raise _pickle_or_corrupt(self.name, exc, "NPZ") from None

    def flatten(self, class_axis: int | None, partner: str | None = None) -> None:
        """Read the one dense array as one row per element: see :func:`flatten_table`."""
        flatten_table(self, class_axis, partner)

    def _iter_chunks(self, names: list[str], exact: list[str]) -> Iterator[Chunk]:
        if self.dense_axis is not None or (self.shape is not None and len(self.shape) > 2):
            return self._dense_chunks(names)
        keys = list(dict.fromkeys(self._col_of[n][0] for n in names + exact))
        return self._generate(names, keys, exact)

    def _dense_chunks(self, names: list[str]) -> Iterator[Chunk]:
        if self.dense_axis is None:
            raise InputError(_rank_error(self.name, self.shape or (), "the array "))
        key = next(iter(self._members))
        with self._zip() as zf:  # an NPZ member cannot be mapped: loaded whole
            arr = self._load(zf, self._members[key], key)
        if tuple(arr.shape) != self.shape:
            raise InputError(f"{self.name}: the array '{key}' changed while being read")
        yield from dense_chunks(self, arr, names)

    def _generate(self, names: list[str], keys: list[str], exact: list[str]) -> Iterator[Chunk]:
        try:
            with self._zip() as zf:
                arrays = {k: self._load(zf, self._members[k], k) for k in keys}
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _pickle_or_corrupt(self.name, exc, "NPZ") from None
        for k, a in arrays.items():
            if a.shape != self._shapes[k]:
                raise InputError(f"{self.name}: the array '{k}' changed while being read")
        n_rows = self.n_rows or 0
        for s in range(0, n_rows, self.chunk_size):
            e = min(s + self.chunk_size, n_rows)
            blocks = {}
            for k, a in arrays.items():
                b = a[s:e]
                blocks[k] = _text_values(b) if a.dtype.kind in "US" else b
            data: dict[str, Any] = {}
            for n in names:
                k, j = self._col_of[n]
                data[n] = blocks[k] if j is None else (blocks[k], j)
            ids = {}
            for n in exact:
                k, j = self._col_of[n]
                ids[n] = exact_values(arrays[k][s:e] if j is None else arrays[k][s:e, j])
            yield Chunk(self.name, s, e - s, data, self.kinds, "row", copy=True, exact=ids)
