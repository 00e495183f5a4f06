"""The plain numpy floor losscli is measured against (contender "floor").

The least work a Python program can do for losscli's default report, written plainly:
``pyarrow.csv.read_csv`` (or ``np.load`` with ``mmap_mode='r'``) into one float64 matrix, one
vectorised pass for log-softmax, cross-entropy, probabilities and argmax, one ``np.bincount`` for
the confusion matrix (every count-based metric comes from it), and one ``argsort`` per class for
the exact one-vs-rest ROC AUC and average precision (ties handled as scikit-learn does). No
chunking, no validation, no label encoding: it trusts the file. Prints the same JSON keys as
``losscli compute --format json``.

Usage::

    python benchmarks/floor.py FILE.csv                 # 'label' column + score columns
    python benchmarks/floor.py LOGITS.npy --npy LABELS.npy

One score column means binary probabilities (P(label == 1)); several mean multi-class logits.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

ECE_BINS = 15


def read_csv(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels (int64) and scores (float64, (N,) or (N, K)) from a CSV with a 'label' column."""
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)
    y = table.column("label").to_numpy().astype(np.int64, copy=False)
    names = [c for c in table.column_names if c not in ("label", "id")]
    scores = np.empty((table.num_rows, len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        scores[:, j] = table.column(name).to_numpy()
    del table
    return y, scores[:, 0] if len(names) == 1 else scores


def from_confusion(cm: np.ndarray) -> dict[str, float]:
    """Every count-based metric of losscli's default report from one confusion matrix."""
    cm = cm.astype(np.float64)
    n = cm.sum()
    tp = np.diag(cm)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        denom = precision + recall
        f1 = np.where(denom > 0, 2 * precision * recall / denom, 0.0)
    weights = support / n
    accuracy = tp.sum() / n
    cov_tp = tp.sum() * n - support @ predicted
    cov_pp = n * n - predicted @ predicted
    cov_tt = n * n - support @ support
    mcc = cov_tp / np.sqrt(cov_tt * cov_pp) if cov_tt * cov_pp > 0 else 0.0
    expected = support @ predicted / n**2
    kappa = (accuracy - expected) / (1 - expected) if expected != 1 else 0.0
    out = {"accuracy": accuracy, "balanced_accuracy": recall[support > 0].mean()}
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        out[f"{name}_macro"] = values.mean()
        out[f"{name}_micro"] = accuracy
        out[f"{name}_weighted"] = values @ weights
    out["mcc"] = mcc
    out["cohen_kappa"] = kappa
    return out


def ranking(score: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Exact ROC AUC and average precision from one sort (ties as in scikit-learn)."""
    order = np.argsort(score)[::-1]
    s = score[order]
    pos = positive[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(pos, dtype=np.int64)[ends].astype(np.float64)
    fps = ends + 1.0 - tps
    n_pos, n_neg = tps[-1], fps[-1]
    if n_pos == 0 or n_neg == 0:
        return float("nan"), float("nan")
    tpr = np.r_[0.0, tps]
    fpr = np.r_[0.0, fps]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / (2.0 * n_pos * n_neg))
    ap = float(np.sum(np.diff(tpr) / n_pos * (tps / (tps + fps))))
    return auc, ap


def ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error, equal-width bins [lo, hi) (the last [lo, 1]), by bincount."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.searchsorted(edges[1:-1], confidence, side="right")
    conf = np.bincount(idx, weights=confidence, minlength=n_bins)
    hits = np.bincount(idx, weights=correct, minlength=n_bins)
    return float(np.sum(np.abs(hits - conf)) / len(confidence))


def multiclass(y: np.ndarray, z: np.ndarray) -> dict:
    n, k = z.shape
    rows = np.arange(n)
    pred = z.argmax(axis=1)
    m = z[rows, pred]
    e = np.exp(z - m[:, None])
    s = e.sum(axis=1)
    lse = m + np.log(s)
    ce = lse - z[rows, y]
    e /= s[:, None]
    p = e  # probabilities, in place
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    metrics = from_confusion(cm)
    metrics["log_loss"] = float(ce.mean())
    metrics["brier"] = float(np.mean(np.einsum("ij,ij->i", p, p) - 2.0 * p[rows, y] + 1.0))
    metrics["ece"] = ece(1.0 / s, pred == y)
    aucs, aps = zip(*(ranking(p[:, c], y == c) for c in range(k)), strict=True)
    metrics["roc_auc_macro"] = float(np.nanmean(aucs))
    metrics["average_precision_macro"] = float(np.nanmean(aps))
    return {
        "task": "multiclass",
        "n_samples": n,
        "losses": {"ce": float(ce.mean())},
        "metrics": {key: float(v) for key, v in metrics.items()},
        "confusion_matrix": cm.tolist(),
    }


def binary(y: np.ndarray, p: np.ndarray) -> dict:
    pos = y == 1
    pred = p > 0.5
    with np.errstate(divide="ignore"):
        bce = -np.maximum(np.where(pos, np.log(p), np.log1p(-p)), -100.0)
    cm = np.bincount(2 * y + pred, minlength=4).reshape(2, 2)
    (tn, fp), (fn, tp) = cm.tolist()
    metrics = from_confusion(cm)
    metrics["precision"] = tp / (tp + fp) if tp + fp else 0.0
    metrics["recall"] = tp / (tp + fn) if tp + fn else 0.0
    pr = metrics["precision"] + metrics["recall"]
    metrics["f1"] = 2 * metrics["precision"] * metrics["recall"] / pr if pr else 0.0
    metrics["specificity"] = tn / (tn + fp) if tn + fp else 0.0
    metrics["log_loss"] = float(bce.mean())
    metrics["brier"] = float(np.mean((p - y) ** 2))
    metrics["ece"] = ece(p, pos)  # binary: reliability of P(positive), as torchmetrics
    metrics["roc_auc"], metrics["average_precision"] = ranking(p, pos)
    return {
        "task": "binary",
        "n_samples": len(y),
        "losses": {"bce": float(bce.mean())},
        "metrics": {key: float(v) for key, v in metrics.items()},
        "confusion_matrix": cm.tolist(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", help="CSV with a 'label' column, or an .npy of scores")
    ap.add_argument("--npy", metavar="LABELS", help="labels .npy when FILE is an .npy")
    args = ap.parse_args(argv)
    if args.npy:
        scores = np.load(args.file, mmap_mode="r")
        y = np.load(args.npy).astype(np.int64, copy=False)
    else:
        y, scores = read_csv(args.file)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    result = binary(y, scores) if scores.ndim == 1 else multiclass(y, scores)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
