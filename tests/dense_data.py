"""Small dense arrays (segmentation-like masks, token sequences) written as NPY files for the
tests: ``write_dense(folder, task)`` returns the ``compute`` arguments that read them."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_dense(folder: Path, task: str, seed: int = 0) -> list[str]:
    """Scores and labels of ``task`` in ``folder``; the arguments for ``losscli compute``.

    multiclass: logits (4, 3, 5, 6) (PyTorch's layout), labels (4, 5, 6) with some 255 void
    pixels (``--ignore-index 255``); binary: probabilities (4, 1, 5, 6) and 0/1 masks
    (4, 5, 6); multilabel: probabilities and 0/1 targets (4, 3, 5, 6) (``--task multilabel``).
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    s, lab = folder / f"{task}_scores.npy", folder / f"{task}_labels.npy"
    if task == "multiclass":
        y = rng.integers(0, 3, (4, 5, 6)).astype(np.uint8)
        x = rng.normal(size=(4, 3, 5, 6)).astype(np.float32)
        x[np.arange(4)[:, None, None], y, np.arange(5)[:, None], np.arange(6)] += 1.5
        y[0, 0, :4] = 255
        np.save(s, x)
        np.save(lab, y)
        return [str(s), str(lab), "--ignore-index", "255"]
    if task == "binary":
        y = rng.integers(0, 2, (4, 5, 6)).astype(np.uint8)
        p = np.clip(0.3 * y + 0.7 * rng.random((4, 5, 6)), 0, 1)[:, None]
        np.save(s, p)
        np.save(lab, y)
        return [str(s), str(lab)]
    y = rng.integers(0, 2, (4, 3, 5, 6)).astype(np.uint8)
    p = np.clip(0.3 * y + 0.7 * rng.random((4, 3, 5, 6)), 0, 1)
    np.save(s, p)
    np.save(lab, y)
    return [str(s), str(lab), "--task", "multilabel"]
