"""Rendering a :class:`~losscli.report.Report`: JSON, CSV, Markdown, HTML, or a rich table."""

from __future__ import annotations

import json
import math
from typing import Any

FORMATS = ("table", "json", "csv", "markdown", "html")


def to_json(report: Any) -> str:
    """The report as JSON text (NaN and infinities are null; never invalid JSON).

    Indented by two spaces, except that a list of numbers (a confusion-matrix row, an
    interval) is written on one line: 1,000 classes make 1,000 matrix lines, not a million.
    """
    return dumps(report.to_dict()) + "\n"


def dumps(value: Any, indent: int = 0) -> str:
    """``value`` as JSON indented by two spaces, with every list of numbers on one line.

    ``json.loads(dumps(v)) == json.loads(json.dumps(v, indent=2))`` for any JSON value.

    >>> print(dumps({"cm": [[1, 0], [2, 3]], "classes": ["a", "b"], "ci": None}))
    {
      "cm": [
        [1, 0],
        [2, 3]
      ],
      "classes": [
        "a",
        "b"
      ],
      "ci": null
    }
    """
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    pad = "  " * (indent + 1)
    if isinstance(value, dict) and value:
        items = [f"{pad}{_encode_str(str(k))}: {dumps(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, (list, tuple)) and value:
        if set(map(type, value)) <= _PLAIN_NUMBERS or all(_is_number(v) for v in value):
            return json.dumps(value, allow_nan=False)  # one C-encoder call per row
        items = [pad + dumps(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value, allow_nan=False)


_PLAIN_NUMBERS = {int, float, type(None)}  # exact types: a C-level check of a long row
_encode_str = json.encoder.encode_basestring_ascii  # json.dumps's own (ensure_ascii)


def _float(value: float) -> str:
    """A float as ``json.dumps(value, allow_nan=False)`` writes it (its repr)."""
    if value != value or value in (math.inf, -math.inf):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


# exact types written without a json.dumps call each (a report of 1,000 classes has 20,000
# scalars); the text is json.dumps's, character for character
_SCALARS: dict[type, Any] = {
    float: _float,
    int: int.__repr__,
    str: _encode_str,
    bool: lambda v: "true" if v else "false",
    type(None): lambda v: "null",
}


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def render(
    report: Any,
    fmt: str,
    *,
    color: bool = True,
    width: int | None = None,
    all_classes: bool = False,
    images: Any = None,
) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`) and return the text.

    ``width`` bounds the table's lines; ``all_classes`` lists every class in the table,
    Markdown and HTML views (else many classes are summarised; see
    :mod:`losscli.render.classes`); ``images`` (HTML only): the ``--plot`` pictures, file
    name -> PNG bytes, inlined.
    """
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        from losscli.render.text import to_csv

        return to_csv(report.to_dict())
    if fmt == "markdown":
        from losscli.render.text import to_markdown

        return to_markdown(report.to_dict(), all_classes=all_classes)
    if fmt == "html":
        from losscli.render.html import to_html

        return to_html(report.to_dict(), images=images, all_classes=all_classes)
    from losscli.render.table import to_table

    return to_table(
        report.to_dict(),
        color=color,
        width=width,
        histograms=report.histograms,
        all_classes=all_classes,
    )
