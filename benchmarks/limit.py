"""The limit: the fastest plain script for losscli's default report (issue 20).

What a careful numpy programmer writes when only speed matters and the file is trusted (no
validation, no inference, no options): it computes every number of ``losscli compute FILE
--format json``'s ``losses``, ``loss_stats``, ``metrics``, ``per_class`` and
``confusion_matrix`` (default settings: CE or BCE, threshold 0.5, 15 ECE bins, exact ROC AUC and
average precision with ties as scikit-learn) and prints them as JSON, equal to losscli's to
1e-9 (``bench_limit.py`` checks every shared number).

How it is fast:

* **Reading.** CSV: pyarrow's threaded ``read_csv`` with the column types given (no type
  inference; the fastest parse measured, on both cores), then record batches of 131,072 rows,
  each column taken zero-copy. NPY: ``np.load(mmap_mode="r")``, row blocks.
* **One pass per block**, class-major (C, B): max, argmax, ``exp(z - max)``, row sums,
  log-sum-exp, CE, probabilities in place, Brier as ``sum p^2 - 2 p_y + 1``, ECE bins and the
  confusion cells by ``bincount``; CE's sum, sum of squares about the block mean (Chan's merge),
  min and max.
* **Ranking: one ``int64`` sort per class, the label in the key.** A probability is a
  non-negative float64, so its bit pattern read as int64 is ordered like the value;
  ``key = bits << 1 | is_positive`` sorts by score and puts a tie's negatives before its
  positives. One ``np.sort`` (no argsort, no gathers), then the tie groups' label counts by one
  cumulative sum give the Mann-Whitney U (exact integer) and the AP step sum. Negatives scored
  below the class's lowest positive are only counted (each adds 2 to 2U per positive, nothing
  to AP), not sorted: most of them with many classes. Binary: one sort serves class 1 and
  class 0 (class 0 is the same groups read in the other direction).
* **The averages of the default multi-class report** (support-weighted AUC / AP, micro AUC /
  AP, one-vs-one AUC macro / weighted, linear and quadratic kappa, perplexity). Micro: the N
  positive cells sorted and searched into the cells sorted a block (at least 4M cells) at a
  time. One-vs-one (Hand & Till), from the same class column as the one-vs-rest: a class of
  at most 4,096 rows sorted and the other rows at or above its lowest searched into it, the
  counts summed by class (``bincount``); a larger class searched into each other class's
  sorted rows.

Usage::

    python benchmarks/limit.py FILE.csv                  # 'label' column + score columns
    python benchmarks/limit.py LOGITS.npy --npy LABELS.npy

One score column means binary probabilities P(label == 1); several mean multi-class logits.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys

# one OpenBLAS thread, as the losscli command sets it (losscli/_cpu.py): its worker thread,
# woken by the dot products, would spin on the other core beside this script's own threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ECE_BINS = 15
EPS = float(np.finfo(np.float64).eps)
EDGES = np.linspace(0.0, 1.0, ECE_BINS + 1)[1:-1]


class Moments:
    """Sum, min, max and the sum of squared deviations of a stream (Chan's merge)."""

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self.m2 = 0.0
        self.lo = math.inf
        self.hi = -math.inf

    def add(self, x: np.ndarray) -> None:
        n = x.size
        if not n:
            return
        s = float(x.sum())
        d = x - s / n
        m2 = float(np.dot(d, d))
        if self.n:
            delta = s / n - self.total / self.n
            self.m2 += m2 + delta * delta * self.n * n / (self.n + n)
        else:
            self.m2 = m2
        self.n += n
        self.total += s
        self.lo = min(self.lo, float(x.min()))
        self.hi = max(self.hi, float(x.max()))

    def stats(self) -> dict:
        return {
            "sum": self.total,
            "std": math.sqrt(self.m2 / self.n),
            "min": self.lo,
            "max": self.hi,
        }


def groups_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per tie group of sorted keys (ascending score): (#label-1, #label-0) in the group."""
    score = keys >> 1
    ends = np.flatnonzero(score[1:] != score[:-1])
    ends = np.append(ends, keys.size - 1)
    ones = np.cumsum(keys & 1)[ends]
    n1 = np.diff(ones, prepend=0)
    n0 = np.diff(ends, prepend=-1) - n1
    return n1, n0


def auc_ap_groups(
    w: np.ndarray, o: np.ndarray, below: int = 0
) -> tuple[float | None, float | None]:
    """AUC and AP from per-group positives ``w`` and negatives ``o``, groups by rising score.

    ``below`` negatives lie under every group (counted, not sorted).
    """
    p = int(w.sum())
    q = int(o.sum()) + below
    if p == 0:
        return None, None
    neg_under = np.cumsum(o) - o + below  # negatives strictly below each group
    u2 = int(np.dot(w, 2 * neg_under + o))
    tp = p - (np.cumsum(w) - w)  # positives >= the group's score
    fp = q - neg_under  # negatives >= the group's score
    ap = float(np.sum(w * (tp / (tp + fp)))) / p
    return (u2 / (2 * p * q) if q else None), ap


def rank_class(prob: np.ndarray, positive: np.ndarray) -> tuple[float | None, float | None]:
    """Exact ROC AUC and AP of one class: one int64 sort of the scores at or above its lowest."""
    pos_scores = prob[positive]
    if pos_scores.size == 0:
        return None, None
    keep = prob >= pos_scores.min()
    below = int(prob.size - np.count_nonzero(keep))
    keys = prob[keep].view(np.int64) << 1
    keys |= positive[keep]
    keys.sort()
    n1, n0 = groups_counts(keys)
    return auc_ap_groups(n1, n0, below)


def kappa(cm: np.ndarray, power: int) -> float:
    """Cohen's kappa with weights ``|i - j| ** power`` (linear 1, quadratic 2)."""
    m = cm.astype(np.float64)
    d = np.abs(np.arange(m.shape[0])[:, None] - np.arange(m.shape[0])[None, :]).astype(float)
    w = d if power == 1 else d * d
    expected = np.outer(m.sum(axis=0), m.sum(axis=1)) / m.sum()
    return float(1.0 - np.sum(w * m) / np.sum(w * expected))


def micro_auc_ap(blocks: list[np.ndarray], y: np.ndarray) -> tuple[float, float]:
    """Micro AUC / AP of every (row, class) cell: the N positive cells sorted, searched into
    the cells sorted a block (>= 4M cells) at a time; the negatives' counts are all cells'
    less the positives' own."""
    pos, a = [], 0
    for blk in blocks:  # (C, B)
        b = blk.shape[1]
        pos.append(blk[y[a : a + b], np.arange(b)])
        a += b
    p = np.sort(np.concatenate(pos))
    n_pos = p.size
    lt = np.zeros(n_pos, dtype=np.int64)
    le = np.zeros(n_pos, dtype=np.int64)
    total = 0
    group: list[np.ndarray] = []
    held = 0
    for i, blk in enumerate(blocks):
        group.append(blk.reshape(-1))
        held += blk.size
        if held >= max(16 * n_pos, 1 << 22) or i == len(blocks) - 1:
            flat = np.concatenate(group)
            group, held = [], 0
            flat.sort()
            lt += np.searchsorted(flat, p, "left")
            le += np.searchsorted(flat, p, "right")
            total += flat.size
            del flat
    pos_lt = np.searchsorted(p, p, "left")
    neg_lt = lt - pos_lt
    neg_le = le - np.searchsorted(p, p, "right")
    n_neg = total - n_pos
    tps = n_pos - pos_lt
    ap = float(np.sum(tps / (tps + n_neg - neg_lt))) / n_pos
    return (int(neg_lt.sum()) + int(neg_le.sum())) / (2 * n_pos * n_neg), ap


def ovo_row(col: np.ndarray, y: np.ndarray, a: int, counts: np.ndarray, by_class) -> np.ndarray:
    """``AUC(a | b)`` for every b (unweighted): a small class's rows sorted and the others
    searched into them; a large class searched into each other class's sorted rows."""
    mine = np.sort(col[y == a])
    n_a = mine.size
    if n_a <= 4096:
        keep = col >= mine[0]
        s = col[keep]
        cnt = np.searchsorted(mine, s, "left") + np.searchsorted(mine, s, "right")
        twice = 2.0 * n_a * counts - np.bincount(y[keep], weights=cnt, minlength=counts.size)
    else:
        order, bounds = by_class()
        s = col[order]
        twice = np.zeros(counts.size)
        for b in range(counts.size):
            if b != a and counts[b]:
                g = np.sort(s[bounds[b] : bounds[b + 1]])
                lo = np.searchsorted(g, mine, "left")
                hi = np.searchsorted(g, mine, "right")
                twice[b] = int(lo.sum()) + int(hi.sum())
    out = 0.5 * twice / (n_a * counts.astype(np.float64))
    out[a] = np.nan
    return out


def ovo_average(aucs: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """Hand & Till: macro and prevalence-weighted means of (AUC(a|b) + AUC(b|a)) / 2."""
    iu = np.triu_indices(aucs.shape[0], 1)
    pair = (aucs[iu] + aucs.T[iu]) / 2.0
    prevalence = (counts[iu[0]] + counts[iu[1]]).astype(np.float64)
    return float(np.mean(pair)), float(np.dot(prevalence / prevalence.sum(), pair))


def counts_metrics(cm: np.ndarray) -> tuple[dict, list[dict]]:
    """The count-based metrics (flat and per class) of one confusion matrix."""
    cmf = cm.astype(np.float64)
    n = cmf.sum()
    tp = np.diag(cmf)
    support = cmf.sum(axis=1)
    predicted = cmf.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        den = precision + recall
        f1 = np.where(den > 0, 2 * precision * recall / den, 0.0)
        neg = n - support
        specificity = np.where(neg > 0, (n - support - predicted + tp) / neg, 0.0)
    weights = support / n
    accuracy = tp.sum() / n
    cov_tp = tp.sum() * n - support @ predicted
    cov_pp = n * n - predicted @ predicted
    cov_tt = n * n - support @ support
    mcc = cov_tp / math.sqrt(cov_tt * cov_pp) if cov_tt * cov_pp > 0 else 0.0
    expected = support @ predicted / n**2
    out = {"accuracy": accuracy, "balanced_accuracy": recall[support > 0].mean()}
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        out[f"{name}_macro"] = values.mean()
        out[f"{name}_micro"] = accuracy
        out[f"{name}_weighted"] = values @ weights
    union = support + predicted - tp
    jaccard = np.where(union > 0, tp / np.where(union > 0, union, 1.0), 0.0)
    out["jaccard_macro"] = jaccard.mean()
    out["jaccard_micro"] = tp.sum() / union.sum() if union.sum() else 0.0
    out["jaccard_weighted"] = jaccard @ weights
    out["mcc"] = mcc
    out["cohen_kappa"] = (accuracy - expected) / (1 - expected) if expected != 1 else 0.0
    per = [
        {
            "precision": precision[c],
            "recall": recall[c],
            "f1": f1[c],
            "support": int(cm[c].sum()),
            "specificity": specificity[c],
            "jaccard": jaccard[c],
        }
        for c in range(cm.shape[0])
    ]
    return out, per


class Multiclass:
    """Streaming state for logits; blocks arrive class-major (C, B)."""

    def __init__(self, k: int, n_hint: int = 0) -> None:
        self.k = k
        self.ce = Moments()
        self.log_loss = 0.0
        self.brier = 0.0
        self.cells = np.zeros(k * k, dtype=np.int64)
        self.ece_conf = np.zeros(ECE_BINS)
        self.ece_hit = np.zeros(ECE_BINS)
        self.probs: list[np.ndarray] = []  # (C, B) blocks
        self.labels: list[np.ndarray] = []

    def add(self, z: np.ndarray, y: np.ndarray) -> None:
        """z: float64 (C, B) logits, C-contiguous (overwritten); y: (B,) int labels."""
        b = y.size
        cols = np.arange(b)
        pred = z.argmax(axis=0)
        m = z[pred, cols]
        z -= m
        zy = z[y, cols]  # z_y - max
        np.exp(z, out=z)
        s = z.sum(axis=0)
        ls = np.log(s)
        ce = ls - zy
        self.ce.add(ce)
        self.log_loss += float(np.clip(ce, -math.log1p(-EPS), -math.log(EPS)).sum())
        z *= 1.0 / s
        py = z[y, cols]
        sq = np.einsum("ij,ij->j", z, z)
        self.brier += float(np.sum(sq - 2.0 * py + 1.0))
        conf = z[pred, cols]
        idx = np.searchsorted(EDGES, conf, side="right")
        self.ece_conf += np.bincount(idx, weights=conf, minlength=ECE_BINS)
        self.ece_hit += np.bincount(idx, weights=pred == y, minlength=ECE_BINS)
        self.cells += np.bincount(y * self.k + pred, minlength=self.k * self.k)
        self.probs.append(z)
        self.labels.append(y.astype(np.int16 if self.k < 32768 else np.int32))

    def result(self) -> dict:
        k = self.k
        n = self.ce.n
        cm = self.cells.reshape(k, k)
        metrics, per = counts_metrics(cm)
        y = np.concatenate(self.labels)
        self.labels.clear()
        aucs, aps = [], []
        col = np.empty(n)
        counts = np.bincount(y, minlength=k)
        grouped: list = []

        def by_class():  # rows grouped by class, once (for the large classes' one-vs-one)
            if not grouped:
                grouped.extend((np.argsort(y, kind="stable"), np.r_[0, np.cumsum(counts)]))
            return grouped

        ovo = np.full((k, k), np.nan)
        for c in range(k):
            a = 0
            for blk in self.probs:
                col[a : a + blk.shape[1]] = blk[c]
                a += blk.shape[1]
            auc, ap = rank_class(col, y == c)
            ovo[c] = ovo_row(col, y, c, counts, by_class)
            per[c]["roc_auc"], per[c]["average_precision"] = auc, ap
            aucs.append(auc)
            aps.append(ap)
        metrics["roc_auc_macro"] = float(np.mean([a for a in aucs if a is not None]))
        metrics["average_precision_macro"] = float(np.mean([a for a in aps if a is not None]))
        metrics["roc_auc_weighted"] = float(np.dot(aucs, counts) / n)
        metrics["average_precision_weighted"] = float(np.dot(aps, counts) / n)
        micro = micro_auc_ap(self.probs, y)
        metrics["roc_auc_micro"], metrics["average_precision_micro"] = micro
        metrics["roc_auc_ovo_macro"], metrics["roc_auc_ovo_weighted"] = ovo_average(ovo, counts)
        metrics["cohen_kappa_linear"] = kappa(cm, 1)
        metrics["cohen_kappa_quadratic"] = kappa(cm, 2)
        metrics["log_loss"] = self.log_loss / n
        metrics["brier"] = self.brier / n
        metrics["ece"] = float(np.abs(self.ece_hit - self.ece_conf).sum() / n)
        stats = self.ce.stats()
        metrics["perplexity"] = math.exp(stats["sum"] / n)
        return {
            "task": "multiclass",
            "n_samples": n,
            "losses": {"ce": stats["sum"] / n},
            "loss_stats": {"ce": stats},
            "metrics": {key: float(v) for key, v in metrics.items()},
            "per_class": [
                {
                    "class": str(c),
                    **{
                        key: (v if v is None else float(v) if key != "support" else v)
                        for key, v in row.items()
                    },
                }
                for c, row in enumerate(per)
            ],
            "confusion_matrix": cm.tolist(),
        }


class Binary:
    """Streaming state for P(label == 1); the ranking keys are kept, 8 bytes a row."""

    def __init__(self) -> None:
        self.bce = Moments()
        self.log_loss = 0.0
        self.brier = 0.0
        self.cells = np.zeros(4, dtype=np.int64)
        self.ece_conf = np.zeros(ECE_BINS)
        self.ece_hit = np.zeros(ECE_BINS)
        self.keys: list[np.ndarray] = []

    def add(self, p: np.ndarray, y: np.ndarray) -> None:
        pos = y == 1
        q = np.where(pos, p, 1.0 - p)
        bce = -np.maximum(np.log(q), -100.0)
        self.bce.add(bce)
        self.log_loss -= float(np.log(np.clip(q, EPS, 1.0 - EPS)).sum())
        d = p - y
        self.brier += float(np.dot(d, d))
        pred = p > 0.5
        self.cells += np.bincount(2 * y + pred, minlength=4)
        idx = np.searchsorted(EDGES, p, side="right")
        self.ece_conf += np.bincount(idx, weights=p, minlength=ECE_BINS)
        self.ece_hit += np.bincount(idx, weights=pos, minlength=ECE_BINS)
        key = p.view(np.int64) << 1
        key |= pos
        self.keys.append(key)

    def result(self) -> dict:
        n = self.bce.n
        cm = self.cells.reshape(2, 2)
        metrics, per = counts_metrics(cm)
        keys = np.concatenate(self.keys)
        self.keys.clear()
        keys.sort()
        n1, n0 = groups_counts(keys)
        del keys
        auc1, ap1 = auc_ap_groups(n1, n0)
        auc0, ap0 = auc_ap_groups(n0[::-1], n1[::-1])  # class 0: lower p ranks higher
        per[1]["roc_auc"], per[1]["average_precision"] = auc1, ap1
        per[0]["roc_auc"], per[0]["average_precision"] = auc0, ap0
        (tn, fp), (fn, tp) = cm.tolist()
        flat = {
            "accuracy": metrics["accuracy"],
            "balanced_accuracy": metrics["balanced_accuracy"],
            "precision": per[1]["precision"],
            "recall": per[1]["recall"],
            "f1": per[1]["f1"],
            "specificity": per[1]["specificity"],
            "jaccard": per[1]["jaccard"],
            **{k: v for k, v in metrics.items() if k not in ("accuracy", "balanced_accuracy")},
            "roc_auc": auc1,
            "average_precision": ap1,
            "log_loss": self.log_loss / n,
            "brier": self.brier / n,
            "ece": float(np.abs(self.ece_hit - self.ece_conf).sum() / n),
        }
        stats = self.bce.stats()
        return {
            "task": "binary",
            "n_samples": n,
            "losses": {"bce": stats["sum"] / n},
            "loss_stats": {"bce": stats},
            "metrics": {key: float(v) for key, v in flat.items()},
            "per_class": [
                {
                    "class": str(c),
                    **{
                        key: (v if key == "support" or v is None else float(v))
                        for key, v in row.items()
                    },
                }
                for c, row in enumerate(per)
            ],
            "confusion_matrix": cm.tolist(),
        }


def run_csv(path: str) -> dict:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, newline="") as fh:
        header = next(csv.reader(fh))
    types = {n: pa.int64() if n == "label" else pa.float64() for n in header}
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    names = [n for n in header if n not in ("label", "id")]
    state = Binary() if len(names) == 1 else Multiclass(len(names))
    for batch in table.to_batches(max_chunksize=1 << 17):
        y = batch.column("label").to_numpy()
        if len(names) == 1:
            state.add(batch.column(names[0]).to_numpy(), y)
        else:
            z = np.empty((len(names), batch.num_rows))
            for c, name in enumerate(names):
                z[c] = batch.column(name).to_numpy()
            state.add(z, y)
    return state.result()


def run_npy(path: str, labels: str) -> dict:
    scores = np.load(path, mmap_mode="r")
    y_all = np.load(labels, mmap_mode="r")
    if scores.ndim == 1 or scores.shape[1] == 1:
        state = Binary()
        p = scores.reshape(-1)
        for a in range(0, p.size, 1 << 20):
            state.add(np.array(p[a : a + (1 << 20)]), np.array(y_all[a : a + (1 << 20)]))
        return state.result()
    n, k = scores.shape
    state = Multiclass(k)
    block = max(1024, (1 << 21) // k)  # about 16 MB of float64 per block
    for a in range(0, n, block):
        state.add(np.ascontiguousarray(scores[a : a + block].T), np.array(y_all[a : a + block]))
    return state.result()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", help="CSV with a 'label' column, or an .npy of scores")
    ap.add_argument("--npy", metavar="LABELS", help="labels .npy when FILE is an .npy")
    args = ap.parse_args(argv)
    result = run_npy(args.file, args.npy) if args.npy else run_csv(args.file)
    sys.stdout.write(json.dumps(result))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
