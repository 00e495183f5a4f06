"""Shared helpers of the metrics core: zero-division policy, safe ratios, averages, names.

Undefined ratios are carried as NaN inside the metrics core and replaced at the very end
according to ``zero_division`` (the README's Conventions: default 0 plus a warning naming the
classes; ``0``, ``1`` or ``nan`` on request). Nothing here imports anything but numpy.
"""

from __future__ import annotations

import math

import numpy as np

from losscli.errors import InputError, UsageError

__all__ = [
    "parse_zero_division",
    "safe_ratio",
    "fill_undefined",
    "nan_average",
    "name_list",
    "to_float_or_none",
    "check_sample_weight",
    "compact_floats",
]


def parse_zero_division(zero_division: object) -> tuple[float, bool]:
    """Turn a ``zero_division`` setting into ``(value, warn)``.

    ``"warn"`` means 0 plus a warning (scikit-learn's default); ``0``, ``1`` set the value
    silently; ``"nan"`` or ``float("nan")`` leave the value undefined (reported as null).

    Args:
        zero_division: ``"warn"``, ``0``, ``1``, ``"0"``, ``"1"``, ``"nan"`` or ``float('nan')``.

    Returns:
        The replacement value (0.0, 1.0 or nan) and whether to warn when it is used.

    >>> parse_zero_division("warn")
    (0.0, True)
    >>> parse_zero_division(1)
    (1.0, False)
    >>> parse_zero_division("nan")
    (nan, False)
    """
    if isinstance(zero_division, str):
        text = zero_division.strip().lower()
        if text == "warn":
            return 0.0, True
        if text in ("0", "0.0", "1", "1.0"):
            return float(text), False
        if text == "nan":
            return math.nan, False
    elif isinstance(zero_division, (int, float, np.floating, np.integer)) and not isinstance(
        zero_division, bool
    ):
        value = float(zero_division)
        if math.isnan(value):
            return math.nan, False
        if value in (0.0, 1.0):
            return value, False
    raise UsageError(
        f"zero_division must be 'warn', 0, 1 or 'nan', got {zero_division!r}; "
        "pick one of those (--zero-division 0|1|nan)."
    )


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Element-wise ``num / den`` in float64 with NaN where ``den == 0``.

    Args:
        num: numerators, any shape.
        den: denominators, same shape.

    Returns:
        float64 array of the ratios; NaN marks an undefined (zero-division) entry.

    >>> safe_ratio(np.array([1.0, 0.0]), np.array([2.0, 0.0]))
    array([0.5, nan])
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def fill_undefined(values: np.ndarray, value: float) -> np.ndarray:
    """Replace NaN (undefined) entries by ``value`` (which may itself be NaN).

    Args:
        values: float64 array with NaN for undefined entries.
        value: the zero-division value.

    Returns:
        A new float64 array.

    >>> fill_undefined(np.array([0.5, np.nan]), 0.0)
    array([0.5, 0. ])
    """
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(values), value, values)


def nan_average(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted average ignoring NaN entries (scikit-learn's ``_nanaverage``).

    ``sum(w_i v_i) / sum(w_i)`` over the entries that are not NaN; all NaN (or empty) gives NaN;
    weights that sum to zero fall back to the plain mean, as scikit-learn does.

    Args:
        values: float64 (K,).
        weights: float64 (K,) or None.

    Returns:
        The average as a float (NaN when nothing is defined).

    >>> nan_average(np.array([1.0, np.nan, 3.0]))
    2.0
    >>> nan_average(np.array([1.0, 3.0]), np.array([3.0, 1.0]))
    1.5
    """
    values = np.asarray(values, dtype=np.float64)
    mask = ~np.isnan(values)
    if not mask.any():
        return math.nan
    kept = values[mask]
    if weights is None:
        return float(np.mean(kept))
    w = np.asarray(weights, dtype=np.float64)[mask]
    total = w.sum()
    if total == 0:
        return float(np.mean(kept))
    return float(np.sum(kept * w) / total)


def name_list(names: list[str], idx: np.ndarray, noun: str = "class", limit: int = 10) -> str:
    """Format the names at ``idx`` as ``class 'a'`` or ``classes 'a', 'b'`` for warnings.

    Args:
        names: all class (or label) names.
        idx: indices (or a boolean mask) of the names to list.
        noun: ``"class"`` or ``"label"``.
        limit: at most this many names are spelled out, then ``and N more``.

    Returns:
        A short phrase.

    >>> name_list(["cat", "dog", "bird"], np.array([False, True, True]))
    "classes 'dog', 'bird'"
    >>> name_list(["a", "b"], np.array([0]), noun="label")
    "label 'a'"
    """
    idx = np.asarray(idx)
    if idx.dtype == bool:
        idx = np.flatnonzero(idx)
    chosen = [names[int(i)] for i in idx]
    plural = "classes" if noun == "class" else noun + "s"
    head = ", ".join(f"'{n}'" for n in chosen[:limit])
    if len(chosen) > limit:
        head += f" and {len(chosen) - limit} more"
    return f"{noun if len(chosen) == 1 else plural} {head}"


def to_float_or_none(value: object) -> float | None:
    """Return ``float(value)``, or None for None, NaN or infinity (JSON never holds NaN).

    Args:
        value: a number or None.

    Returns:
        A finite float or None.

    >>> to_float_or_none(np.float64(0.25)), to_float_or_none(float("nan")), to_float_or_none(None)
    (0.25, None, None)
    """
    if value is None:
        return None
    out = float(value)  # type: ignore[arg-type]
    if not math.isfinite(out):
        return None
    return out


def check_sample_weight(sample_weight: object, n: int, first_row: int) -> np.ndarray:
    """Validate per-row sample weights: shape (n,), finite, non-negative.

    ``first_row`` is the row number of the chunk's first row, for the message.

    >>> check_sample_weight([1, 2.5], 2, 0)
    array([1. , 2.5])
    >>> check_sample_weight([1.0, -1.0], 2, 10)
    Traceback (most recent call last):
    ...
    losscli.errors.InputError: sample weights must be finite and non-negative; row 11 is not
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise InputError(
            f"sample_weight has shape {w.shape} but there are {n} rows; give one weight per row"
        )
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = first_row + int(np.flatnonzero(bad)[0])
        raise InputError(f"sample weights must be finite and non-negative; row {row} is not")
    return w


def compact_floats(values: np.ndarray, *, copy: bool = True) -> np.ndarray:
    """A copy of ``values`` as float32 when that is exact for every value, else float64.

    Exact means ``float64(float32(x)) == x`` for each x (checked, never assumed), so keeping
    the copy never changes a number; it halves the memory of e.g. probabilities with few
    significant bits or integer-valued targets.

    Args:
        values: float64 array, any shape.
        copy: False: ``values`` itself when it stays float64 (its owner gives it up).

    Returns:
        A new float32 or float64 array of the same shape (``values`` itself without
        ``copy`` when float32 is not exact).

    >>> compact_floats(np.array([0.5, 0.25])).dtype, compact_floats(np.array([0.1])).dtype
    (dtype('float32'), dtype('float64'))
    """
    head = values.reshape(-1)[:1024]  # most float64 data fails here: no float32 copy of it all
    with np.errstate(over="ignore"):  # beyond float32's range: inf, not equal, kept float64
        if np.array_equal(head.astype(np.float32), head):
            as32 = values.astype(np.float32)
            if np.array_equal(as32, values):
                return as32
            del as32
    return np.array(values, dtype=np.float64, copy=copy or None)
