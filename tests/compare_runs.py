"""Helpers for the ``compare`` tests: consumed evaluations of model files and the exact
path's swapped differences (the reference the linear swaps are checked against)."""

from __future__ import annotations

import numpy as np

from losscli.engine import Evaluation
from losscli.pipeline.options import Options


def evaluations(files, losses, weighted, zero_division="warn"):
    """Each file evaluated with its rows kept (the ``weight`` column when ``weighted``)."""
    out = []
    for f in files:
        opts = Options(
            keep_rows=True,
            losses=losses,
            weight_col="weight" if weighted else None,
            zero_division=zero_division,
        )
        ev = Evaluation(str(f), None, opts)
        ev.consume()
        out.append(ev)
    return out


def exact_swaps(ev_a, ev_b, n_perm, seed):
    """The exact path's swapped differences (bootstrap.paired_test's loop, block of 16): the
    2n rows "A then B" evaluated under counts ``[1 - s, s]`` (A') and ``[s, 1 - s]`` (B')."""
    mix = ev_a.resample_stat(then=ev_b)
    rng = np.random.default_rng([seed, 1])
    out: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < n_perm:
        b = min(16, n_perm - done)
        s = rng.integers(0, 2, size=(b, ev_a.n_rows), dtype=np.int32)
        va = mix(np.concatenate([1 - s, s], axis=1))
        vb = mix(np.concatenate([s, 1 - s], axis=1))
        for name in va:
            out.setdefault(name, []).append(vb[name] - va[name])
        done += b
    return {name: np.concatenate(v) for name, v in out.items()}
