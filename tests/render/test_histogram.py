"""Text histograms for the terminal view (losscli.render.histogram).

Independent source: numpy.histogram for the bin counts; the report's own supports for the
per-class series sizes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.cli.compute import run_data
from losscli.engine import Evaluation, Options
from losscli.render.histogram import (
    MAX_SERIES,
    histogram_lines,
    loss_histogram,
    probability_histogram,
    text_histograms,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"  # whatever the cwd
BREAST = (str(SAMPLES / "breast_cancer.csv"), None)
DIGITS = (str(SAMPLES / "digits_logits.csv"), None)
ATTRS = (str(SAMPLES / "digit_attrs_logits.csv"), str(SAMPLES / "digit_attrs_labels.csv"))
DIABETES = (str(SAMPLES / "diabetes.csv"), None)


def _run(args, keep=True):
    """The text histograms of a run over ``args`` (as ``compute`` builds them), and its report."""
    task = "regression" if args is DIABETES else "auto"  # whole-number targets
    ev = Evaluation(*args, Options(keep_loss_values=keep, task=task))
    report = ev.run()
    return text_histograms(report.to_dict(), run_data(ev)), report


def test_probability_counts_match_numpy_histogram():
    # source: numpy.histogram (10 equal bins over [0, 1], last bin closed)
    rng = np.random.default_rng(0)
    p = np.r_[rng.uniform(size=500), 1.0, 0.0]
    h = probability_histogram([("a", p)], "p")
    expected, _ = np.histogram(p, bins=10, range=(0.0, 1.0))
    assert h["series"][0]["counts"] == expected.tolist()
    assert h["edges"] == pytest.approx(np.linspace(0, 1, 11).tolist())


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.one_of(st.just(0.0), st.floats(1e-9, 1e4, allow_nan=False), st.just(float("inf"))),
        min_size=1,
        max_size=60,
    )
)
def test_loss_histogram_properties(values):
    v = np.array(values)
    h = loss_histogram(v, "bce")
    counts = np.array(h["series"][0]["counts"])
    finite = v[np.isfinite(v)]
    assert counts.sum() == finite.size and h["n_nonfinite"] == int((~np.isfinite(v)).sum())
    edges = np.array(h["edges"])
    assert len(counts) == 10 and edges.size == 11 and edges[0] == 0.0
    assert np.all(np.diff(edges) >= 0)
    if finite.size and finite.max() > 0:
        assert edges[-1] == pytest.approx(finite.max())
        # source: numpy.histogram on the same edges (last bin closed)
        expected, _ = np.histogram(finite, bins=edges)
        assert counts.tolist() == expected.tolist()
    if h["scale"] == "log":
        ratios = edges[2:] / edges[1:-1]
        assert ratios == pytest.approx(np.full(ratios.size, ratios[0]), rel=1e-9)
        assert edges[-1] / edges[1] <= 1e4 * (1 + 1e-9)  # at most four decades


def test_loss_histogram_zeros_go_to_the_first_bin():
    h = loss_histogram(np.array([0.0, 0.0, 0.5, 2.0]), "mse", n_bins=3)
    assert h["series"][0]["counts"][0] == 2 and h["series"][0]["counts"][-1] == 1
    flat = loss_histogram(np.zeros(4), "mse")
    assert sum(flat["series"][0]["counts"]) == 4 and flat["scale"] == "linear"


def test_binary_series_follow_the_true_classes():
    h, report = _run(BREAST)
    json.dumps(h, allow_nan=False)  # JSON-able
    assert h["loss"]["title"] == "bce per sample"
    assert sum(h["loss"]["series"][0]["counts"]) == report.n_samples
    series = h["probabilities"]["series"]
    assert [s["name"] for s in series] == ["true 0", "true 1"]
    support = [row["support"] for row in report.per_class]
    assert [s["n"] for s in series] == support
    # confident model: true 0 piles up in the lowest bin, true 1 in the highest
    assert series[0]["counts"][0] == max(series[0]["counts"])
    assert series[1]["counts"][-1] == max(series[1]["counts"])


def test_multiclass_multilabel_regression_shapes():
    h, report = _run(DIGITS)
    assert h["probabilities"]["title"] == "p(true class) by true class"
    assert [s["n"] for s in h["probabilities"]["series"]] == [
        r["support"] for r in report.per_class
    ]
    h, report = _run(ATTRS)
    names = [s["name"] for s in h["probabilities"]["series"]]
    assert names == ["label 0", "label 1"]
    assert sum(s["n"] for s in h["probabilities"]["series"]) == report.n_samples * 3
    h, _ = _run(DIABETES)
    assert set(h) == {"loss"} and h["loss"]["title"] == "mse per sample"


def test_no_loss_histogram_without_kept_values():
    h, _ = _run(BREAST, keep=False)
    assert set(h) == {"probabilities"}


@pytest.mark.parametrize("args", [BREAST, DIGITS, ATTRS, DIABETES])
@pytest.mark.parametrize("width", [40, 80])
def test_lines_are_compact(args, width):
    h, _ = _run(args)
    for hist in h.values():
        lines = histogram_lines(hist, width)
        assert 2 <= len(lines) <= 12
        assert all(len(line) <= width + 12 for line in lines[1:])  # counts may stick out a bit
        assert any(ch in "".join(lines) for ch in "▁▂▃▄▅▆▇█")


def test_many_series_are_capped():
    rng = np.random.default_rng(1)
    h = probability_histogram([(f"c{i}", rng.uniform(size=20)) for i in range(15)], "p")
    lines = histogram_lines(h, 60)
    assert len(lines) == 2 + MAX_SERIES + 1 and lines[-1].strip() == "… 5 more"


def test_bar_lengths_are_proportional():
    h = probability_histogram([("x", np.array([0.05] * 4 + [0.95] * 2))], "p", n_bins=2)
    lines = histogram_lines(h, 50)
    full = lines[1].count("█")
    half = lines[2].count("█") + (1 if any(c in lines[2] for c in "▏▎▍▌▋▊▉") else 0)
    assert lines[1].rstrip().endswith("4") and lines[2].rstrip().endswith("2")
    assert half == pytest.approx(full / 2, abs=1)
