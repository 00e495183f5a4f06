"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

import pytest

from losscli.pipeline import intervals


@pytest.fixture
def small_linear(monkeypatch):
    """The linear path allowed on a few thousand rows (its row and support floors lowered)."""
    import losscli.metrics.linear as linear

    monkeypatch.setattr(intervals, "LINEAR_MIN_ROWS", 1000)
    monkeypatch.setattr(linear, "LINEAR_MIN_RANKED", 300)
