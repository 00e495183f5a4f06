"""Unweighted micro and one-vs-one ranking from the kept chunks (``metrics/cell_ranking.py``,
issue #20): the same numbers as the whole-matrix implementations (``auc_ap_split`` over the
concatenated cells, ``OvoIndex``) and as scikit-learn (``roc_auc_score(average="micro")``,
``average_precision_score(average="micro")``, ``roc_auc_score(multi_class="ovo")``), at any
chunking, with ties, empty classes and classes on either side of ``OvoRows.SMALL_CLASS``.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli.metrics import ClassificationAccumulator
from losscli.metrics import cell_ranking as cr
from losscli.metrics.averages import OvoIndex
from losscli.metrics.cell_ranking import OvoRows, micro_auc_ap
from losscli.metrics.ranking import auc_ap_split


def _split(a, sizes):
    cuts = np.cumsum(sizes)[:-1]
    return np.split(a, cuts)


def _data(n, c, decimals, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    z = np.round(rng.normal(size=(n, c)) + 1.5 * np.eye(c)[y], decimals)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return y, p / p.sum(axis=1, keepdims=True)


def _sizes(n, k):
    edges = np.linspace(0, n, k + 1).astype(int)
    return [int(b - a) for a, b in zip(edges[:-1], edges[1:])]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 60),
    c=st.integers(2, 6),
    k=st.integers(1, 5),
    decimals=st.sampled_from([1, 2, 6]),
    seed=st.integers(0, 2**16),
)
def test_micro_over_chunks_is_the_micro_of_the_concatenation(n, c, k, decimals, seed):
    y, p = _data(n, c, decimals, seed)
    pos = y[:, None] == np.arange(c)
    sizes = [s for s in _sizes(n, min(k, n)) if s]
    parts = list(zip(_split(p, sizes), _split(pos, sizes)))
    got = micro_auc_ap(parts.__getitem__, len(parts))
    want = auc_ap_split(p[pos], p[~pos])
    assert got[0] == want[0]  # an exact ratio of integers
    assert got[1] == pytest.approx(want[1], rel=1e-12)


@pytest.mark.parametrize("block", [1, 7, 1 << 22])
def test_micro_blocks_of_any_size_give_the_same_numbers(monkeypatch, block):
    y, p = _data(500, 4, 2, 3)
    pos = y[:, None] == np.arange(4)
    parts = list(zip(_split(p, [100] * 5), _split(pos, [100] * 5)))
    monkeypatch.setattr(cr, "_MIN_BLOCK", block)
    monkeypatch.setattr(cr, "_MAX_BLOCK", block)
    got = micro_auc_ap(parts.__getitem__, len(parts))
    y1 = np.eye(4)[y]
    assert got[0] == pytest.approx(skm.roc_auc_score(y1, p, average="micro"), abs=1e-12)
    assert got[1] == pytest.approx(skm.average_precision_score(y1, p, average="micro"), abs=1e-12)


def test_micro_without_a_positive_or_a_negative():
    s = np.array([[0.2, 0.8]])
    assert micro_auc_ap([(s, np.zeros((1, 2), bool))].__getitem__, 1) == (None, None)
    assert micro_auc_ap([(s, np.ones((1, 2), bool))].__getitem__, 1) == (None, 1.0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 80),
    c=st.integers(2, 6),
    k=st.integers(1, 4),
    decimals=st.sampled_from([1, 3]),
    small=st.sampled_from([0, 3, 4096]),  # every class large / mixed / every class small
    seed=st.integers(0, 2**16),
)
def test_ovo_rows_equal_ovo_index_exactly(n, c, k, decimals, small, seed):
    y, p = _data(n, c, decimals, seed)
    y[y == c - 1] = 0  # one class without rows: its pairs are NaN
    sizes = [s for s in _sizes(n, min(k, n)) if s]
    labels = _split(y.astype(np.int16), sizes)
    rows = OvoRows(labels, c)
    rows.SMALL_CLASS = small
    got = np.array([rows.row(_split(p[:, a], sizes), a) for a in range(c)])
    want = OvoIndex(y, lambda a: p[:, a], c).aucs(np.ones(n))
    assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize("small", [0, 4096])
@pytest.mark.parametrize(("n", "c"), [(400, 3), (300, 12)])
def test_accumulator_ovo_and_micro_equal_scikit_learn(small, n, c, monkeypatch):
    monkeypatch.setattr(OvoRows, "SMALL_CLASS", small)
    y, p = _data(n, c, 2, 5)
    acc = ClassificationAccumulator("multiclass", c)
    for a in range(0, n, 64):
        acc.update(y[a : a + 64], p[a : a + 64])
    m = acc.result().metrics
    assert m["roc_auc_ovo_macro"] == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovo", average="macro"), abs=1e-12
    )
    assert m["roc_auc_ovo_weighted"] == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovo", average="weighted"), abs=1e-12
    )
    y1 = np.eye(c)[y]
    assert m["roc_auc_micro"] == pytest.approx(skm.roc_auc_score(y1, p, average="micro"))
    assert m["average_precision_micro"] == pytest.approx(
        skm.average_precision_score(y1, p, average="micro"), abs=1e-12
    )


def test_log_probabilities_of_zero_rank_by_their_log_odds_in_the_micro_ranking():
    """A log-probability of exactly 0 (a class at probability 1) is ranked by its log-odds
    (``class_key``), chunk by chunk as over the whole matrix."""
    lp = np.array([[0.0, -800, -900], [0.0, -750, -760], [-1.0, -0.4, -3], [-2.0, -0.2, -2]])
    lp[2:] -= np.log(np.exp(lp[2:]).sum(axis=1, keepdims=True))
    y = np.array([0, 1, 1, 2])
    acc = ClassificationAccumulator("multiclass", 3, rank_key="log-probs")
    acc.update(y[:2], None, rank_scores=lp[:2])
    acc.update(y[2:], None, rank_scores=lp[2:])
    keys = np.stack([acc.rows.class_key(lp, k) for k in range(3)], axis=1)
    pos = y[:, None] == np.arange(3)
    assert acc.rows.micro_ranking() == auc_ap_split(keys[pos], keys[~pos])
    assert keys[0, 0] == pytest.approx(800.0)  # above every other key


# ----------------------------------------------------------------------------------------------
# kept keys: a copy by default, the caller's array itself with copy=False
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rank_key", ["probs", "log-probs"])
def test_kept_keys_are_a_copy_unless_the_caller_gives_them_up(rank_key):
    y, p = _data(50, 3, 6, 1)  # 6 decimals: float32 is not exact, the keys stay float64
    key = p if rank_key == "probs" else np.log(p)
    kw = {} if rank_key == "probs" else {"rank_scores": key}
    y_prob = p if rank_key == "probs" else None
    copied = ClassificationAccumulator("multiclass", 3, rank_key=rank_key)
    copied.update(y, y_prob, **kw)
    given_up = ClassificationAccumulator("multiclass", 3, rank_key=rank_key)
    given_up.update(y, y_prob, copy=False, **kw)
    assert not np.shares_memory(copied.rows.chunks[0].keys, key)
    assert given_up.rows.chunks[0].keys is key
    before = copied.result().metrics
    assert given_up.result().metrics == before
    assert skm.roc_auc_score(y, p, multi_class="ovr") == pytest.approx(before["roc_auc_macro"])
    key[:] = key[::-1]  # the caller changes its array: the default copy is untouched
    assert copied.result().metrics == before


def test_the_pipeline_keeps_the_shared_log_softmax_without_a_copy(tmp_path):
    from losscli.engine import Evaluation, Options

    y, p = _data(300, 4, 6, 2)
    z = np.log(p) + 1.0  # logits: ranked by their log-softmax
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    ev = Evaluation(tmp_path / "z.npy", tmp_path / "y.npy", Options(chunk_size=100))
    ev.consume()
    kept = [ch.keys for ch in ev.metrics_acc.rows.chunks]
    assert len(kept) == 3 and all(not k.flags.writeable for k in kept)  # the log-softmax itself
    m = ev.report().to_dict()["metrics"]
    assert m["roc_auc_macro"] == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr"))


@pytest.mark.parametrize("block", [3, 1 << 22])
@pytest.mark.parametrize("shift", [0.0, 5.0])  # shift: most negatives below every positive
def test_micro_cells_below_the_lowest_positive_only_counted(monkeypatch, block, shift):
    rng = np.random.default_rng(int(shift) + block)
    n, c = 200, 5
    y = rng.integers(0, c, n)
    s = np.round(rng.normal(size=(n, c)), 1) - shift
    s[np.arange(n), y] = np.round(rng.normal(size=n), 1)  # the positives
    s[0, (y[0] + 1) % c] = s[np.arange(n), y].min()  # a negative tied with the lowest
    monkeypatch.setattr(cr, "_MIN_BLOCK", block)
    monkeypatch.setattr(cr, "_MAX_BLOCK", block)
    parts = [(s[a : a + 30], y[a : a + 30]) for a in range(0, n, 30)]
    got = micro_auc_ap(parts.__getitem__, len(parts))
    y1 = np.eye(c)[y]
    assert got[0] == pytest.approx(skm.roc_auc_score(y1, s, average="micro"), abs=1e-12)
    assert got[1] == pytest.approx(skm.average_precision_score(y1, s, average="micro"), abs=1e-12)
