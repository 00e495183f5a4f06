"""Cell values of one parsed block of text: raw bytes columns (pyarrow) to numpy, located.

The CSV/TSV reader parses a block with every column as raw bytes, then converts each column
here by its kind (``number``, ``bool``, ``text``, decided from the first block by
:func:`infer_kind`). A value that does not fit raises InputError naming the file, the line and
the column; ``line0`` is the line number of the column's first value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._values import arrow_to_numpy, pa_strings


def first_bad(arr: Any, check: Callable[[Any], Any]) -> int:
    """Return the index of the first element of ``arr`` for which ``check`` raises.

    Bisection over slices: O(n) work in vectorised calls. ``check(arr)`` must raise.

    >>> import pyarrow as pa, pyarrow.compute as pc
    >>> first_bad(pa.array(["1", "2", "x", "y"]), lambda a: pc.cast(a, pa.float64()))
    2
    """
    lo, hi = 0, len(arr)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            check(arr.slice(lo, mid - lo))
            lo = mid
        except Exception:  # noqa: BLE001 - any failure means "bad value in this half"
            hi = mid
    return lo


def bad_value(arr: Any, i: int) -> str:
    """The ``i``-th value of ``arr`` as a message quotes it (at most 40 characters).

    >>> bad_value(pa_strings("ok", "x" * 50), 1)[-3:]
    'xx…'
    """
    value = arr[i].as_py()
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    value = str(value)
    return value if len(value) <= 40 else value[:39] + "…"


def to_string(arr: Any, name: str, col: str, line0: int) -> Any:
    """The column as a pyarrow string array; InputError naming the line if it is not UTF-8."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(arr, pa.string())
    except pa.ArrowInvalid:
        i = first_bad(arr, lambda a: pc.cast(a, pa.string()))
        raise InputError(
            f"{name}: line {line0 + i}, column '{col}' is not UTF-8 text; re-save the file as UTF-8"
        ) from None


def numbers_or_na(trimmed: Any) -> Any:
    """Trimmed strings as float64, R's missing value ``NA`` (``write.csv``) as null, like an
    empty cell; ``pyarrow.ArrowInvalid`` at another non-number.

    >>> numbers_or_na(pa_strings("1.5", "NA", None)).to_pylist()
    [1.5, None, None]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    na = pc.fill_null(pc.equal(trimmed, "NA"), False)
    return pc.cast(pc.if_else(na, pa.scalar(None, pa.string()), trimmed), pa.float64())


def to_float(arr: Any, name: str, col: str, line0: int) -> np.ndarray:
    """The column as float64 (spaces around numbers allowed, ``NA`` missing); InputError at
    a non-number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        out = pc.cast(arr, pa.float64())
    except pa.ArrowInvalid:
        trimmed = pc.utf8_trim_whitespace(to_string(arr, name, col, line0))
        try:
            out = numbers_or_na(trimmed)
        except pa.ArrowInvalid:
            i = first_bad(trimmed, numbers_or_na)
            raise InputError(
                f"{name}: line {line0 + i}, column '{col}': "
                f"'{bad_value(trimmed, i)}' is not a number"
            ) from None
    return arrow_to_numpy(out)


def to_bool(arr: Any, name: str, col: str, line0: int) -> np.ndarray:
    """A true/false column as float64 1/0 (NaN for empty); InputError at another value."""
    import pyarrow.compute as pc

    s = pc.utf8_lower(pc.utf8_trim_whitespace(to_string(arr, name, col, line0)))
    true = arrow_to_numpy(pc.is_in(s, value_set=pa_strings("true", "1")))
    false = arrow_to_numpy(pc.is_in(s, value_set=pa_strings("false", "0")))
    null = arrow_to_numpy(pc.is_null(s))
    bad = ~(true | false | null)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"{name}: line {line0 + i}, column '{col}': "
            f"'{bad_value(s, i)}' is not true/false like the rows above"
        )
    out = true.astype(np.float64)
    out[null] = np.nan
    return out


def infer_kind(arr: Any, name: str, col: str, line0: int) -> tuple[str, str | None]:
    """The kind of a column from its first block, and where a text column's first non-number is.

    Returns:
        ``("number" | "bool" | "text", evidence)``; evidence is ``"line 3: 'abc'"`` for text.

    >>> infer_kind(pa_strings("1", " 2 ", None), "p.csv", "a", 2)
    ('number', None)
    >>> infer_kind(pa_strings("True", "false"), "p.csv", "a", 2)
    ('bool', None)
    >>> infer_kind(pa_strings("1", "abc"), "p.csv", "a", 2)
    ('text', "line 3: 'abc'")
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if arr.null_count == len(arr):
        return "number", None
    try:
        pc.cast(arr, pa.float64())
        return "number", None
    except pa.ArrowInvalid:
        pass
    trimmed = pc.utf8_trim_whitespace(to_string(arr, name, col, line0))
    try:
        numbers_or_na(trimmed)  # R's NA is a missing number, as an empty cell
        return "number", None
    except pa.ArrowInvalid:
        pass
    low = pc.utf8_lower(trimmed)
    if pc.all(pc.is_in(low, value_set=pa_strings("true", "false"))).as_py() is not False:
        return "bool", None
    i = first_bad(trimmed, numbers_or_na)
    return "text", f"line {line0 + i}: '{bad_value(trimmed, i)}'"


def convert(arr: Any, kind: str, name: str, col: str, line0: int) -> np.ndarray:
    """A raw column of one block as numpy by its kind: float64, 1/0 floats, or object str."""
    if kind == "number":
        return to_float(arr, name, col, line0)
    if kind == "bool":
        return to_bool(arr, name, col, line0)
    return arrow_to_numpy(to_string(arr, name, col, line0), object)
