"""The rows the plan is decided from, for wide inputs (issue #20): at most ``INFER_CELLS``
prediction values (``infer_rows_for``), read ahead once and replayed, not held twice.

The decision from that bounded sample is the decision from the whole first ``INFER_ROWS``
rows for every reading (task, score kind, label encoding, classes), at every chunk size; a
row further down that contradicts it is an error naming the flag that settles it, as for
narrow inputs. Reference values: scikit-learn live (``log_loss``, ``accuracy_score``).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import sklearn.metrics as skm
from helpers import assert_same_json, invoke, run_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli.pipeline import plan as plan_mod
from losscli.pipeline.columns import Columns
from losscli.pipeline.plan import infer_rows_for
from losscli.pipeline.read import RawChunk, first_rows


@pytest.mark.parametrize(
    ("width", "rows"),
    [(1, 131_072), (10, 131_072), (32, 131_072), (33, 127_100), (1000, 4194), (10**6, 1024)],
)
def test_infer_rows_for_bounds_the_values_not_the_narrow_rows(width, rows):
    assert infer_rows_for(width) == rows
    assert infer_rows_for(width) * width <= max(plan_mod.INFER_CELLS, 1024 * width)


def test_infer_rows_for_never_exceeds_the_rows_asked_for():
    assert [infer_rows_for(w, 5) for w in (1, 40, 5000)] == [5, 5, 5]


@pytest.fixture
def small_sample(monkeypatch):
    """Wide means: more than 4 columns here (16 values, at least 3 rows)."""
    monkeypatch.setattr(plan_mod, "INFER_CELLS", 16)
    monkeypatch.setattr(plan_mod, "INFER_MIN_ROWS", 3)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _wide(kind, n=40, c=8, seed=0):
    """(labels column(s), prediction matrix, extra CLI args) of a wide input."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    z = np.round(rng.normal(size=(n, c)) + 2.0 * np.eye(c)[y], 3)
    if kind == "logits":
        return y, z, []
    if kind == "probs":
        return y, _softmax(z), []
    if kind == "log-probs":
        return y, np.log(_softmax(z)), []
    if kind == "one-hot":
        return np.eye(c)[y], _softmax(z), []
    if kind == "multi-hot":
        return (rng.random((n, c)) < 0.3).astype(float), 1 / (1 + np.exp(-z)), []
    raise AssertionError(kind)


def _write(tmp_path, y, p):
    np.save(tmp_path / "p.npy", p)
    np.save(tmp_path / "y.npy", y)
    return tmp_path / "p.npy", tmp_path / "y.npy"


@pytest.mark.parametrize("kind", ["logits", "probs", "log-probs", "one-hot", "multi-hot"])
@pytest.mark.parametrize("chunk", [None, "1", "3", "7"])
def test_the_bounded_sample_decides_as_the_whole_first_rows(tmp_path, monkeypatch, kind, chunk):
    y, p, args = _wide(kind)
    pf, yf = _write(tmp_path, y, p)
    extra = [] if chunk is None else ["--chunk-size", chunk]
    whole = run_json("compute", pf, yf, *args, "--format", "json")  # 40 rows: all decide
    monkeypatch.setattr(plan_mod, "INFER_CELLS", 16)  # 8 columns: the first 3 rows decide
    monkeypatch.setattr(plan_mod, "INFER_MIN_ROWS", 3)
    assert infer_rows_for(p.shape[1]) == 3
    bounded = run_json("compute", pf, yf, *args, *extra, "--format", "json")
    assert_same_json(bounded, whole, rel=1e-12, abs=1e-12)
    if kind == "logits":  # and the numbers are scikit-learn's
        ref = skm.log_loss(y, _softmax(p), labels=range(8))
        assert whole["losses"]["ce"] == pytest.approx(ref, rel=1e-9)
        acc = skm.accuracy_score(y, p.argmax(axis=1))
        assert whole["metrics"]["accuracy"] == pytest.approx(acc)


@pytest.mark.parametrize("chunk", [None, "1", "2", "5"])
def test_a_row_past_the_bounded_sample_that_contradicts_it_names_the_flag(
    tmp_path, small_sample, chunk
):
    y, p, _ = _wide("probs", n=12)
    p[6] = p[6] * 3.0  # row 7 (past the 3 rows that decide): not probabilities
    pf, yf = _write(tmp_path, y, p)
    extra = [] if chunk is None else ["--chunk-size", chunk]
    r = invoke("compute", pf, yf, *extra, "--format", "json")
    assert r.exit_code == 2 and r.stdout == "", r.stderr
    assert r.stderr.count("\n") == 1 and "--scores" in r.stderr and "row 7" in r.stderr
    first = invoke("compute", pf, yf, "--format", "json").stderr
    assert r.stderr == first  # the same error at every chunk size


def test_scores_given_take_no_sample_reading(tmp_path, small_sample):
    """The contradiction above is one for ``--scores auto`` only: with the kind given the
    same file runs through, and its numbers are scikit-learn's."""
    y, p, _ = _wide("probs", n=12)
    p[6] = p[6] * 3.0
    pf, yf = _write(tmp_path, y, p)
    d = run_json("compute", pf, yf, "--scores", "logits", "--format", "json")
    assert d["n_samples"] == 12
    ref = skm.log_loss(y, _softmax(p), labels=range(8))
    assert d["losses"]["ce"] == pytest.approx(ref, rel=1e-9)


# ----------------------------------------------------------------------------------------------
# first_rows: the sample of several chunks is one array, the chunks replayed as views of it
# ----------------------------------------------------------------------------------------------


class _Chunk(SimpleNamespace):
    def where(self, i):
        return f"row {i + 1}"


def _chunks(preds, labels, sizes):
    out, a = [], 0
    for m in sizes:
        p, y = preds[a : a + m], labels[a : a + m]
        out.append(RawChunk(_Chunk(n=m), p.copy(), y.copy(), None, None, None))
        a += m
    return out


def _cols(width):
    names = [str(i) for i in range(width)]
    return Columns(label=["label"], pred=names, label_in_preds=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 30),
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=12),
    want=st.integers(1, 40),
    seed=st.integers(0, 2**16),
)
def test_first_rows_sample_is_the_concatenation_and_replays_every_row(n, sizes, want, seed):
    rng = np.random.default_rng(seed)
    total = sum(sizes)
    preds = rng.random((total, 3))
    labels = rng.integers(0, 3, (total, 1)).astype(float)
    chunks = _chunks(preds, labels, sizes)
    rest = iter(chunks)
    buffered, sample = first_rows(rest, want, _cols(3), drop_invalid=False, name="f")
    k = min(want, total)
    # the sample is the first rows, whatever the chunking
    assert np.array_equal(sample.preds, preds[:k]) and np.array_equal(sample.raw, labels[:k])
    # the buffered chunks then the rest replay every row once, in order
    replay = np.concatenate([rc.preds for rc in buffered] + [rc.preds for rc in rest])
    assert np.array_equal(replay, preds)
    # a chunk wholly in a sample of several chunks is a view of it: its rows held once
    if len(buffered) > 1:
        inside = [rc for rc in buffered if np.shares_memory(rc.preds, sample.preds)]
        assert len(inside) >= len(buffered) - 1  # all but the last are wholly in the sample


def test_wide_run_reads_ahead_only_the_bounded_rows(tmp_path, small_sample, monkeypatch):
    """A 1,000-row, 8-column input decides from 3 rows: the plan is decided after the
    first chunks, before the rest is read (counted through the reader)."""
    from losscli.pipeline import read as read_mod

    y, p, _ = _wide("logits", n=200)
    pf, yf = _write(tmp_path, y, p)
    seen = []
    real = read_mod.first_rows

    def spy(items, n_rows, *args, **kwargs):
        buffered, sample = real(items, n_rows, *args, **kwargs)
        seen.append((n_rows, sum(rc.preds.shape[0] for rc in buffered)))
        return buffered, sample

    monkeypatch.setattr("losscli.engine.first_rows", spy)
    d = run_json("compute", pf, yf, "--chunk-size", "2", "--format", "json")
    assert d["n_samples"] == 200
    assert seen == [(3, 4)]  # 3 rows decide: two chunks of 2 read ahead, not 200 rows
    assert json.dumps(d["inference"]).count("scores logits") == 1
