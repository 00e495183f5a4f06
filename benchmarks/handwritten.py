"""The hand-written evaluation script losscli is measured against (contender "handwritten").

What a competent ML engineer writes today: ``pandas.read_csv``, ``scipy.special`` softmax and
log-softmax, cross-entropy by fancy indexing, and scikit-learn's metric functions, each called
once for the figures of losscli's default report. It prints the figures as JSON with the same
keys as ``losscli compute --format json`` (``losses``, ``metrics``, ``confusion_matrix``) so the
benchmark can check that every contender computes the same numbers.

Usage::

    python benchmarks/handwritten.py FILE.csv              # 'label' column + score columns
    python benchmarks/handwritten.py LOGITS.npy --npy LABELS.npy

One score column means binary probabilities (P(label == 1)); several mean multi-class logits.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd
from scipy.special import log_softmax, softmax
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    cohen_kappa_score,
    confusion_matrix,
    log_loss,
    matthews_corrcoef,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

ECE_BINS = 15


def ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error (torchmetrics): equal-width bins [lo, hi), the last [lo, 1]."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    total = 0.0
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        in_bin = (confidence >= lo) & ((confidence < hi) | (i == n_bins - 1))
        if in_bin.any():
            total += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(total)


def prf_block(y, pred) -> dict:
    out = {}
    for avg in ("macro", "micro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y, pred, average=avg, zero_division=0)
        out[f"precision_{avg}"] = float(p)
        out[f"recall_{avg}"] = float(r)
        out[f"f1_{avg}"] = float(f)
    return out


def multiclass(y: np.ndarray, logits: np.ndarray) -> dict:
    n = len(y)
    logp = log_softmax(logits, axis=1)
    probs = softmax(logits, axis=1)
    ce = float(-logp[np.arange(n), y].mean())
    pred = probs.argmax(axis=1)
    classes = np.arange(logits.shape[1])
    y_onehot = label_binarize(y, classes=classes)
    p, r, f, support = precision_recall_fscore_support(y, pred, labels=classes, zero_division=0)
    metrics = {
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        **prf_block(y, pred),
        "mcc": matthews_corrcoef(y, pred),
        "cohen_kappa": cohen_kappa_score(y, pred),
        "log_loss": log_loss(y, probs, labels=classes),
        "brier": float(np.mean(np.sum((probs - y_onehot) ** 2, axis=1))),
        "ece": ece(probs.max(axis=1), pred == y),
        "roc_auc_macro": roc_auc_score(y, probs, multi_class="ovr", average="macro"),
        "average_precision_macro": average_precision_score(y_onehot, probs, average="macro"),
    }
    return {
        "task": "multiclass",
        "n_samples": n,
        "losses": {"ce": ce},
        "metrics": {k: float(v) for k, v in metrics.items()},
        "per_class": [
            {"class": str(c), "precision": a, "recall": b, "f1": d, "support": int(s)}
            for c, a, b, d, s in zip(classes, p, r, f, support, strict=True)
        ],
        "confusion_matrix": confusion_matrix(y, pred, labels=classes).tolist(),
    }


def binary(y: np.ndarray, prob: np.ndarray) -> dict:
    pred = (prob > 0.5).astype(np.int64)
    cm = confusion_matrix(y, pred, labels=[0, 1])
    tn, fp = cm[0]
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    bce = log_loss(y, prob, labels=[0, 1])
    metrics = {
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "precision": p,
        "recall": r,
        "f1": f,
        "specificity": tn / (tn + fp) if tn + fp else 0.0,
        **prf_block(y, pred),
        "mcc": matthews_corrcoef(y, pred),
        "cohen_kappa": cohen_kappa_score(y, pred),
        "log_loss": bce,
        "brier": brier_score_loss(y, prob),
        "ece": ece(prob, y),  # binary: reliability of P(positive)
        "roc_auc": roc_auc_score(y, prob),
        "average_precision": average_precision_score(y, prob),
    }
    return {
        "task": "binary",
        "n_samples": len(y),
        "losses": {"bce": float(bce)},
        "metrics": {k: float(v) for k, v in metrics.items()},
        "confusion_matrix": cm.tolist(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", help="CSV with a 'label' column, or an .npy of scores")
    ap.add_argument("--npy", metavar="LABELS", help="labels .npy when FILE is an .npy")
    args = ap.parse_args(argv)
    if args.npy:
        scores = np.load(args.file).astype(np.float64)
        y = np.load(args.npy).astype(np.int64)
    else:
        df = pd.read_csv(args.file)
        y = df["label"].to_numpy(dtype=np.int64)
        scores = df.drop(columns=["label", "id"], errors="ignore").to_numpy(dtype=np.float64)
        del df
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    result = binary(y, scores) if scores.ndim == 1 else multiclass(y, scores)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
