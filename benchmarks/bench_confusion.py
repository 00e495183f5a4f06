"""Confusion-count metrics for 1,000,000 rows x 10 classes: one np.bincount, no Python loop.

Times losscli's confusion_matrix (a single ``np.bincount`` over ``y_true * C + y_pred``) and the
count-based part of ClassificationAccumulator (keep_scores=False, so no ranking) against
scikit-learn's ``confusion_matrix`` + ``precision_recall_fscore_support``, checks that the
numbers agree, and prints the ratios. Also counts the bincount calls to show there is one per
chunk for the confusion matrix.

    python benchmarks/bench_confusion.py [--rows 1000000] [--classes 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout


def best_of(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from sklearn.metrics import confusion_matrix as sk_confusion_matrix
    from sklearn.metrics import precision_recall_fscore_support

    from losscli.metrics import ClassificationAccumulator, confusion_matrix

    n, c = args.rows, args.classes
    rng = np.random.default_rng(0)
    y = rng.integers(0, c, n)
    probs = rng.dirichlet(np.ones(c), n)
    pred = probs.argmax(axis=1)

    # 1. the confusion matrix alone
    t_ours, cm = best_of(lambda: confusion_matrix(y, pred, c), args.repeat)
    t_sk, cm_sk = best_of(lambda: sk_confusion_matrix(y, pred, labels=np.arange(c)), args.repeat)
    assert np.array_equal(cm, cm_sk)

    # 2. confusion matrix + precision/recall/F1 (all averages) from predictions
    def ours_prf():
        acc = ClassificationAccumulator("multiclass", c, keep_scores=False)
        acc.update(y, probs)
        return acc.result()

    def sk_prf():
        out = {"cm": sk_confusion_matrix(y, pred, labels=np.arange(c))}
        for avg in ("macro", "micro", "weighted"):
            out[avg] = precision_recall_fscore_support(y, pred, average=avg)
        out[None] = precision_recall_fscore_support(y, pred, average=None)
        return out

    t_acc, res = best_of(ours_prf, args.repeat)
    t_skp, ref = best_of(sk_prf, args.repeat)
    for avg in ("macro", "micro", "weighted"):
        assert abs(res.metrics[f"f1_{avg}"] - ref[avg][2]) < 1e-12

    # 3. how many bincount calls build the confusion matrix of one chunk
    real = np.bincount
    calls = []

    def counting(*a, **k):
        calls.append(np.asarray(a[0]).size)
        return real(*a, **k)

    with mock.patch("losscli.metrics.confusion.np.bincount", counting):
        confusion_matrix(y, pred, c)
    cm_calls = len(calls)

    print(f"rows={n:,} classes={c} (best of {args.repeat})")
    print(
        f"confusion matrix      losscli {t_ours * 1e3:8.1f} ms   sklearn {t_sk * 1e3:8.1f} ms"
        f"   sklearn/losscli = {t_sk / t_ours:5.1f}x"
    )
    print(
        f"cm + P/R/F1 (all avg) losscli {t_acc * 1e3:8.1f} ms   sklearn {t_skp * 1e3:8.1f} ms"
        f"   sklearn/losscli = {t_skp / t_acc:5.1f}x"
    )
    print("  (losscli's figure also includes argmax, log loss, Brier, ECE bins and MCC/kappa)")
    print(f"np.bincount calls for the confusion matrix: {cm_calls} (over {calls[0]:,} codes)")


if __name__ == "__main__":
    main()
