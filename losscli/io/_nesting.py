"""How deep JSON text nests, found before a parser recurses into it.

pyarrow's JSON reader recurses once per level of ``[`` / ``{`` and overflows the C stack
(a segmentation fault) somewhere past 10,000 levels; Python's :func:`json.loads` raises
RecursionError past about 1,000. losscli reads nothing deeper than an object of lists (JSON
Lines, 2 levels) or an object of objects (``--threshold @FILE``, 3), so text nesting more
than :data:`MAX_DEPTH` levels is refused (:func:`deep_line`) before any parser sees it.

The check is a few passes of C-speed ``bytes`` operations over the brackets, the quotes and
the backslashes alone (strings, whose brackets do not nest, are cut out first), so it costs
little beside the parse.
"""

from __future__ import annotations

import json
import re

MAX_DEPTH = 32
"""Levels of ``[`` / ``{`` a JSON value may nest (losscli's own inputs need 2 or 3)."""

_KEEP = b'[]{}"\\\n'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_STRING = re.compile(rb'"[^"\n]*"')
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))


def _brackets(text: bytes) -> bytes:
    """The brackets (and line breaks) of JSON text, without those inside strings: a
    bracket-free string drops out as ``""``, escapes first, then the strings left."""
    kept = text.translate(None, _DROP)
    if b"\\" in kept:
        kept = kept.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = kept.replace(b'""', b"")
    return _STRING.sub(b"", kept) if b'"' in kept else kept


def _depth(value: object) -> int:
    """Levels of lists and objects in a parsed JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def _too_deep(line: bytes, limit: int) -> bool:
    """One line the quick passes could not clear: parse it (Python's parser stops with
    RecursionError, never a crash) and measure it. Invalid JSON is left to the reader's
    own message, unless it already opens more than ``limit`` levels."""
    try:
        return _depth(json.loads(line)) > limit
    except RecursionError:
        return True
    except ValueError:
        import numpy as np

        marks = np.frombuffer(_brackets(line), dtype=np.uint8)
        steps = np.isin(marks, _OPEN).astype(np.int64) - np.isin(marks, _CLOSE)
        return bool(steps.size) and int(np.cumsum(steps).max()) > limit


def deep_line(data: bytes, limit: int = MAX_DEPTH) -> int | None:
    """The index of the first line of ``data`` (split at ``\\n``) whose JSON nests more than
    ``limit`` levels of lists and objects, or None.

    Args:
        data: JSON text, one value per line (JSON Lines), or one value with its line
            breaks replaced by spaces.
        limit: the deepest nesting allowed.

    Returns:
        The 0-based index of that line among ``data.split(b"\\n")`` (blank lines included),
        or None when every line nests at most ``limit`` levels.

    >>> deep_line(b'{"label": 1, "probs": [0.1, 0.9]}\\n{"label": 0, "probs": [0.8, 0.2]}')
    >>> deep_line(b'{"a": 1}\\n{"a": ' + b"[" * 40 + b"]" * 40 + b"}")
    1
    >>> deep_line(b'{"name": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    """
    left = _brackets(data)
    if left.count(b"[") + left.count(b"{") <= limit:
        return None
    for _ in range(limit // 2):  # a pass clears one or two levels: what clears is in limit
        shorter = left.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(left):
            break
        left = shorter
    if not left.translate(None, b'\n"\\'):
        return None  # every line balanced within `limit` levels
    lines = data.split(b"\n")
    for i, rest in enumerate(left.split(b"\n")):
        if rest.translate(None, b'"\\') and _too_deep(lines[i], limit):
            return i
    return None
