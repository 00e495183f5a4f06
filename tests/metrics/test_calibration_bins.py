"""``calibration_bins`` (the ECE's bin of each confidence, without a search) is
``np.searchsorted(edges, c, side="right") - 1`` clipped, as the ECE defines its bins
(torchmetrics' ``calibration_error`` bins ``[lo, hi)``, the last one closed), bit for bit:
on the edges themselves, one ulp either side of them, 0, 1 and random confidences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.metrics.calibration import calibration_bins, ece_bin_edges


def _searched(conf, n):
    return np.clip(np.searchsorted(ece_bin_edges(n), conf, side="right") - 1, 0, n - 1)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 15, 100, 1000])
def test_on_and_around_every_edge(n):
    e = ece_bin_edges(n)
    conf = np.concatenate([e, np.nextafter(e, -1.0), np.nextafter(e, 2.0)])
    conf = np.clip(conf, 0.0, 1.0)
    assert calibration_bins(conf, n).tolist() == _searched(conf, n).tolist()


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 2000),
    conf=st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=50),
)
def test_any_confidence(n, conf):
    c = np.array(conf)
    assert calibration_bins(c, n).tolist() == _searched(c, n).tolist()
