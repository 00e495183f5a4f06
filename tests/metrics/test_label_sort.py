"""One sort of label-carrying keys gives scikit-learn's ROC AUC and average precision.

References: ``sklearn.metrics.roc_auc_score`` and ``average_precision_score`` computed live
on the same scores (class 0 of a binary problem scored ``-s``, as scikit-learn ranks
``1 - p``), over scores of every shape the keys handle: probabilities, log-probabilities with
``-0.0``, heavy ties, mixed signs wide enough that the ranks replace the bit patterns, and
float32.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

import losscli.metrics.label_sort as ls
from losscli.metrics.label_sort import auc_ap_label_sorted, label_keys
from losscli.metrics.ranking import auc_ap


def _scores(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if kind == "probs":
        return rng.random(n)
    if kind == "tied-probs":
        return np.round(rng.random(n), 2)
    if kind == "log-probs":
        s = -np.round(rng.exponential(3.0, n), 1)
        s[::7] = -0.0
        return s
    if kind == "few-values":
        return rng.choice([-1.5, -0.0, 0.0, 0.3, 1.9], n)
    if kind == "wide-logits":
        return np.round(rng.normal(0.0, 50.0, n), 1) * rng.choice([1.0, 1e200], n)
    if kind == "float32":
        return rng.random(n).astype(np.float32)
    raise AssertionError(kind)


KINDS = ["probs", "tied-probs", "log-probs", "few-values", "wide-logits", "float32"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("block", [4, 64, 1 << 18])
def test_both_classes_equal_sklearn(kind: str, block: int, monkeypatch) -> None:
    monkeypatch.setattr(ls, "_BLOCK", block)  # blocks end between tie groups, never in one
    rng = np.random.default_rng([KINDS.index(kind), block])
    for _ in range(20):
        n = int(rng.integers(2, 600))
        s = _scores(kind, rng, n)
        y = rng.random(n) < rng.random()
        if y.all() or not y.any():
            y[0] = not y[0]
        keys = label_keys([(s[y], True), (s[~y], False)])
        keys.sort()
        (auc1, ap1), (auc0, ap0) = auc_ap_label_sorted(keys, int(y.sum()), both=True)
        s64 = s.astype(np.float64)
        assert auc1 == pytest.approx(roc_auc_score(y, s64), abs=1e-13)
        assert ap1 == pytest.approx(average_precision_score(y, s64), abs=1e-13)
        assert auc0 == pytest.approx(roc_auc_score(~y, -s64), abs=1e-13)
        assert ap0 == pytest.approx(average_precision_score(~y, -s64), abs=1e-13)


@pytest.mark.parametrize("kind", KINDS)
def test_negatives_below_the_lowest_positive_only_counted(kind: str) -> None:
    rng = np.random.default_rng(KINDS.index(kind) + 100)
    for _ in range(20):
        n = int(rng.integers(3, 500))
        s = _scores(kind, rng, n).astype(np.float64)
        y = rng.random(n) < 0.2
        y[:2] = [True, False]
        keep = s >= s[y].min()
        keys = label_keys([(s[keep], y[keep])])
        keys.sort()
        (auc, ap), none = auc_ap_label_sorted(keys, int(y.sum()), below=int((~keep).sum()))
        assert none is None
        assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-13)
        assert ap == pytest.approx(average_precision_score(y, s), abs=1e-13)


def test_equal_to_the_searchsorted_ranking_and_undefined_cases() -> None:
    rng = np.random.default_rng(5)
    s = np.round(rng.random(5000), 3)
    y = rng.random(5000) < 0.3
    keys = np.sort(label_keys([(s, y)]))
    got = auc_ap_label_sorted(keys, int(y.sum()), both=True)
    assert got[0] == pytest.approx(auc_ap(y, s), abs=1e-14)
    # only positives: AUC undefined for both classes; class 0 has no positive at all
    keys = np.sort(label_keys([(s, True)]))
    assert auc_ap_label_sorted(keys, s.size, both=True) == ((None, 1.0), (None, None))
    # only negatives: class 1 undefined, class 0's AP is 1
    keys = np.sort(label_keys([(s, False)]))
    assert auc_ap_label_sorted(keys, 0, both=True) == ((None, None), (None, 1.0))
    assert auc_ap_label_sorted(np.zeros(0, np.uint64), 0) == ((None, None), None)


def test_keys_order_like_score_then_label() -> None:
    s = np.array([0.5, -0.0, 0.0, -2.0, 0.5, 3.0])
    lab = np.array([True, True, False, False, False, True])
    order = np.argsort(label_keys([(s, lab)]), kind="stable")
    assert s[order].tolist() == [-2.0, 0.0, -0.0, 0.5, 0.5, 3.0]
    assert lab[order].tolist() == [False, False, True, False, True, True]
