"""The plain numpy script for dense segmentation outputs (issue 17, Scale).

What a careful numpy programmer writes to get a segmentation model's cross-entropy, pixel
confusion matrix and mIoU from memory-mapped NPY files, in one pass, one image at a time
(no validation, no inference, no options beyond ``--ignore-index``):

* ``np.load(mmap_mode="r")`` for the logits ``(N, C, H, W)`` (float32) and the masks
  ``(N, H, W)`` (uint8), one image ``(C, H, W)`` at a time, class-major (no transpose);
* per image, in float64 (the float32 logits widened once, ``C x H x W`` at a time):
  ``m = max_c z``, ``lse = m + log sum_c exp(z - m)``, CE's sum over the kept pixels
  ``sum (lse - z[y])`` (``y != ignore``), the predicted class ``argmax_c z`` and the confusion
  cells by one ``bincount`` of ``y * C + pred``;
* at the end ``ce = sum / n_kept`` (``F.cross_entropy(x, y, ignore_index=255)``), per class
  ``IoU = tp / (tp + fp + fn)`` and ``miou`` the mean over the classes with a non-empty union.

Prints JSON: ``ce``, ``n_evaluated``, ``n_ignored``, ``miou``, ``confusion_matrix``.

Usage::

    python benchmarks/dense_limit.py LOGITS.npy MASKS.npy --ignore-index 255
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# one OpenBLAS thread, as the losscli command sets it (losscli/_cpu.py): its worker thread,
# woken by the dot products, would spin on the other core beside this script's own threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logits")
    ap.add_argument("masks")
    ap.add_argument("--ignore-index", type=int, default=-100)
    args = ap.parse_args(argv)
    x = np.load(args.logits, mmap_mode="r")
    y_all = np.load(args.masks, mmap_mode="r")
    n, c = x.shape[:2]
    cm = np.zeros(c * c, dtype=np.int64)
    ce_sum, n_kept, n_ignored = 0.0, 0, 0
    for i in range(n):
        z = np.asarray(x[i], dtype=np.float64).reshape(c, -1)  # (C, P) class-major
        y = np.asarray(y_all[i]).reshape(-1).astype(np.int64)
        keep = y != args.ignore_index
        pred = z.argmax(axis=0)
        m = np.take_along_axis(z, pred[None], axis=0)[0]
        yk = y[keep]
        cols = np.flatnonzero(keep)
        zy = z[yk, cols]  # the true class's logit, before z is overwritten
        np.subtract(z, m, out=z)
        np.exp(z, out=z)
        lse = np.log(z.sum(axis=0)) + m
        ce_sum += float((lse[cols] - zy).sum())
        n_kept += int(cols.size)
        n_ignored += int(y.size - cols.size)
        cm += np.bincount(yk * c + pred[cols], minlength=c * c)
    cm = cm.reshape(c, c)
    tp = np.diag(cm).astype(np.float64)
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    ok = union > 0
    out = {
        "ce": ce_sum / n_kept,
        "n_evaluated": n_kept,
        "n_ignored": n_ignored,
        "miou": float(np.mean(tp[ok] / union[ok])),
        "confusion_matrix": cm.tolist(),
    }
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
