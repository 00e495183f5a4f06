"""Random classification rows shared by the metrics property and resampling tests."""

from __future__ import annotations

import numpy as np

N_CLASSES = {"binary": 2, "multiclass": 4, "multilabel": 3}


def make_data(task: str, seed: int, n: int):
    """``(n_classes, y_true, y_prob, weights)`` of ``n`` random rows for ``task``.

    Every third seed uses coarse probabilities (ties, exact 0 / 0.5 / 1); odd seeds carry
    sample weights in [0, 2), even seeds none.
    """
    rng = np.random.default_rng(seed)
    c = N_CLASSES[task]
    tied = seed % 3 == 0
    if task == "binary":
        y = rng.integers(0, 2, n).astype(float)
        p = rng.choice([0.0, 0.5, 1.0], n) if tied else rng.random(n)
    elif task == "multiclass":
        y = rng.integers(0, c, n)
        p = rng.choice([0.1, 0.3], (n, c)) if tied else rng.dirichlet(np.ones(c), n)
    else:
        y = (rng.random((n, c)) < 0.35).astype(float)
        p = rng.choice([0.25, 0.5, 0.75], (n, c)) if tied else rng.random((n, c))
    w = rng.random(n) * 2 if seed % 2 else None
    return c, y, p, w
