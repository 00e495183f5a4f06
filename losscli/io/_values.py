"""Column values: Arrow arrays to numpy, and exact (text) values of id columns.

Numbers come out as float64 (NaN for null); an id column also gets exact values (int64 when
every value is a whole number, else text), so ids match across files and formats whatever
float64 would make of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def arrow_to_numpy(arr: Any, dtype: Any = np.float64) -> np.ndarray:
    """Convert a pyarrow Array or ChunkedArray to numpy without importing pandas.

    (pyarrow's own ``to_numpy`` goes through its pandas shim and imports pandas.) Supports
    null, boolean, float64, int32/int64 and string arrays: nulls become NaN in numeric
    arrays (which then come out as float64) and None in string arrays (object dtype).

    Args:
        arr: a pyarrow Array or ChunkedArray.
        dtype: the dtype of the result when there are no chunks.

    Returns:
        A numpy array (possibly a read-only view of the arrow memory).

    >>> import pyarrow as pa, pyarrow.compute as pc
    >>> arrow_to_numpy(pc.cast(pa_strings("1", None, "3"), pa.float64()))
    array([ 1., nan,  3.])
    """
    chunks = arr.chunks if hasattr(arr, "chunks") else [arr]
    parts = [_array_to_numpy(c) for c in chunks]
    if not parts:
        return np.empty(0, dtype=dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


_NUMPY_OF_ARROW = {"double": np.float64, "int32": np.int32, "int64": np.int64}


def _bits(buf: Any, offset: int, n: int) -> np.ndarray:
    raw = np.frombuffer(buf, dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little", count=offset + n)[offset:].astype(bool)


def _array_to_numpy(a: Any) -> np.ndarray:
    import pyarrow as pa

    t = a.type
    n = len(a)
    valid = _bits(a.buffers()[0], a.offset, n) if (a.null_count and n) else None
    if pa.types.is_null(t):
        return np.full(n, np.nan)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = np.empty(n, dtype=object)
        out[:] = a.to_pylist()
        return out
    if n == 0:
        return np.empty(0, dtype=bool if pa.types.is_boolean(t) else np.float64)
    if pa.types.is_boolean(t):
        vals = _bits(a.buffers()[1], a.offset, n)
        return vals if valid is None else vals & valid
    name = str(t)
    if name not in _NUMPY_OF_ARROW:
        import pyarrow.compute as pc

        return _array_to_numpy(pc.cast(a, pa.float64()))
    vals = np.frombuffer(a.buffers()[1], dtype=_NUMPY_OF_ARROW[name])[a.offset : a.offset + n]
    if valid is not None:
        vals = vals.astype(np.float64)
        vals[~valid] = np.nan
    return vals


def pa_strings(*values: str | None) -> Any:
    """Build a pyarrow string array without importing pandas (``pa.array`` does).

    Args:
        values: the strings (None for null).

    Returns:
        A ``pyarrow.StringArray``.

    >>> pa_strings("a", None, "bc").to_pylist()
    ['a', None, 'bc']
    """
    import pyarrow as pa

    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    null = np.array([v is None for v in values], dtype=bool)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    big = offsets[-1] >= 2**31
    return pa.Array.from_buffers(
        pa.large_string() if big else pa.string(),
        len(values),
        [
            validity,
            pa.py_buffer(offsets if big else offsets.astype(np.int32)),
            pa.py_buffer(b"".join(encoded)),
        ],
        null_count=int(null.sum()),
    )


# --------------------------------------------------------------------------------------------
# exact values: ids and group keys
# --------------------------------------------------------------------------------------------

INT_SPELLING = r"^(0|-?[1-9][0-9]{0,18})$"
"""How a whole number is written in text to be read as int64: no sign but ``-``, no leading
zero, no spaces, no ``.0`` (so ``007``, ``+7``, `` 7`` and ``7.0`` stay text, distinct from 7)."""

_INT64_MAX = np.iinfo(np.int64).max


def _int_text(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = [str(int(v)) for v in values]
    return out


def exact_values(values: np.ndarray) -> np.ndarray:
    """Turn a numpy column into exact values: int64 when every value is a whole number, else text.

    Integers and booleans stay integers; floats that are all whole numbers (and finite)
    become int64; anything else becomes an object array of ``str`` (whole floats written
    without ``.0``, others by their shortest round-trip repr) with ``None`` for missing
    (NaN, empty strings). Never through float64: ``2**53 + 1`` stays itself.

    Args:
        values: a ``(n,)`` array of any dtype the readers produce.

    Returns:
        ``(n,)`` int64, or an object array of ``str`` / ``None``.

    >>> exact_values(np.array([2**53 + 1, 7])).tolist()
    [9007199254740993, 7]
    >>> exact_values(np.array([312.0, 4.0])).dtype
    dtype('int64')
    >>> exact_values(np.array([1.5, 2.0, np.nan])).tolist()
    ['1.5', '2', None]
    >>> exact_values(np.array(["007", ""])).tolist()
    ['007', None]
    """
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind in "bi":
        return arr.astype(np.int64)
    if kind == "u":
        if arr.size == 0 or int(arr.max()) <= _INT64_MAX:
            return arr.astype(np.int64)
        return _int_text(arr)
    if kind == "f":
        arr = arr.astype(np.float64)
        finite = np.isfinite(arr)
        whole = finite & (arr == np.round(arr)) & (np.abs(arr) < 2.0**63)
        if whole.all():
            return arr.astype(np.int64)
        out = np.empty(len(arr), dtype=object)
        out[whole] = [str(int(v)) for v in arr[whole]]
        rest = ~whole & ~np.isnan(arr)
        out[rest] = [repr(float(v)) for v in arr[rest]]
        return out
    if kind in "US":
        if kind == "S":
            arr = np.char.decode(arr, "utf-8")
        out = arr.astype(object)
        out[arr == ""] = None
        return out
    out = np.empty(len(arr), dtype=object)
    out[:] = [None if v is None or v == "" else str(v) for v in arr.tolist()]
    return out


def arrow_exact(arr: Any) -> np.ndarray:
    """Turn a pyarrow column into exact values (see :func:`exact_values`).

    Integer columns without nulls come out as int64; strings as text; floats as
    :func:`exact_values` reads them; decimals, dates and anything else as their text
    (a decimal of scale 0 as int64). Nulls are ``None`` (the column then is text).

    Args:
        arr: a pyarrow Array or ChunkedArray.

    Returns:
        ``(n,)`` int64, or an object array of ``str`` / ``None``.

    >>> import pyarrow as pa
    >>> arrow_exact(pa.array([2**62 + 1, 3])).tolist()
    [4611686018427387905, 3]
    >>> arrow_exact(pa.array([1, None])).tolist()
    ['1', None]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_null(t):
        return np.full(len(arr), None, dtype=object)
    if pa.types.is_boolean(t):
        arr = pc.cast(arr, pa.int64())
        t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        if arr.null_count:
            text = pc.cast(arr, pa.string()) if pa.types.is_integer(t) else None
            if text is not None:
                return arrow_to_numpy(text, object)
            vals = arrow_to_numpy(pc.cast(arr, pa.float64()))
            return exact_values(vals)
        if pa.types.is_integer(t):
            if pa.types.is_unsigned_integer(t) and t.bit_width == 64:
                return exact_values(np.asarray(arr.to_pylist(), dtype=np.uint64))
            return arrow_to_numpy(pc.cast(arr, pa.int64())).astype(np.int64)
        return exact_values(arrow_to_numpy(pc.cast(arr, pa.float64())))
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arrow_to_numpy(arr, object)
    text = pc.cast(arr, pa.string())
    if pa.types.is_decimal(t) and t.scale == 0:
        return strings_exact(text, as_int=True)
    return arrow_to_numpy(text, object)


def strings_exact(arr: Any, as_int: bool) -> np.ndarray:
    """Ids from a pyarrow string column: int64 if ``as_int`` and all match INT_SPELLING.

    Args:
        arr: a pyarrow string array (nulls for empty cells).
        as_int: read the column as whole numbers when every value is written as one.

    Returns:
        ``(n,)`` int64, or an object array of the strings as written (``None`` for null).

    >>> import pyarrow as pa
    >>> strings_exact(pa.array(["9007199254740993", "7"]), True).tolist()
    [9007199254740993, 7]
    >>> strings_exact(pa.array(["007", "7"]), True).tolist()
    ['007', '7']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if as_int and len(arr) and not arr.null_count and is_int_spelling(arr):
        try:
            return arrow_to_numpy(pc.cast(arr, pa.int64())).astype(np.int64)
        except pa.ArrowInvalid:  # 19 digits beyond int64
            pass
    return arrow_to_numpy(arr, object)


def is_int_spelling(arr: Any) -> bool:
    """True when every non-null value of a pyarrow string column matches INT_SPELLING.

    >>> import pyarrow as pa
    >>> is_int_spelling(pa.array(["12", "-3", None])), is_int_spelling(pa.array(["012"]))
    (True, False)
    """
    import pyarrow.compute as pc

    ok = pc.match_substring_regex(pc.drop_null(arr), INT_SPELLING)
    return bool(pc.all(ok).as_py() is not False)


def concat_exact(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Concatenate exact-value arrays; int64 parts become text when any part is text.

    >>> concat_exact([np.array([7]), np.array(["007"], dtype=object)]).tolist()
    ['7', '007']
    """
    if not parts:
        return np.empty(0, dtype=object)
    if all(p.dtype == np.int64 for p in parts):
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
    return np.concatenate([_int_text(p) if p.dtype == np.int64 else p for p in parts])


def ids_as_text(values: np.ndarray) -> np.ndarray:
    """Exact values as text (int64 written in decimal), for comparing with text ids.

    >>> ids_as_text(np.array([9007199254740993])).tolist()
    ['9007199254740993']
    """
    return _int_text(values) if values.dtype == np.int64 else values
