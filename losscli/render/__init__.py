"""Rendering a :class:`~losscli.report.Report`: JSON, CSV, Markdown, or a rich table."""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("table", "json", "csv", "markdown")


def to_json(report: Any) -> str:
    """The report as JSON text (NaN and infinities are null; never invalid JSON)."""
    return json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"


def render(report: Any, fmt: str, *, color: bool = True, width: int | None = None) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`) and return the text."""
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        from losscli.render.text import to_csv

        return to_csv(report.to_dict())
    if fmt == "markdown":
        from losscli.render.text import to_markdown

        return to_markdown(report.to_dict())
    from losscli.render.table import to_table

    return to_table(report.to_dict(), color=color, width=width, histograms=report.histograms)
