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


def point_values(ev):
    """A consumed evaluation's losses (by their report key) and metrics."""
    from losscli.metrics.catalog import loss_key

    rep = ev.report()
    return {**{loss_key(n): v for n, v in rep.losses.items()}, **rep.metrics}


def linear_swap_bits(ev_a, ev_b, n_perm, seed):
    """The linear path's swaps in row order, int32 (n_perm, n): swap j's bits
    (``swaps.swap_bits``) are drawn in the order of the swap terms' rows, position p
    swapping row ``order[p]``."""
    from losscli.metrics.swap_linear import SwapClassification
    from losscli.swaps import swap_bits

    order = SwapClassification(ev_a.kept_rows().metrics_acc, ev_b.kept_rows().metrics_acc).order
    n = order.size
    out = np.zeros((n_perm, n), dtype=np.int32)
    for j in range(n_perm):
        out[j, order] = swap_bits(seed, j, n)
    return out


def linear_counts(ev_a, ev_b, n_boot, seed):
    """The linear paired bootstrap's counts in row order, uint8 (n_boot, n): resample j's
    Poisson counts (``bootstrap.draw_counts``) are drawn over the positions of the joint
    terms' order (``pairing.pair_terms``), position p weighing row ``order[p]``."""
    from losscli.bootstrap import LinearTerms, draw_counts
    from losscli.metrics.linear import LinearClassification
    from losscli.pairing import pair_terms

    terms = []
    for ev in (ev_a, ev_b):
        run = ev.kept_rows()
        lin = LinearClassification(run.metrics_acc, run.zero_division)
        terms.append(LinearTerms(lin.dense, lin.base, lin.bounds, lin.seg_cols, lin.seg_base,
                                 lin.order))  # fmt: skip
    order = pair_terms(*terms).terms.order
    drawn = draw_counts(seed, 0, n_boot, order.size)
    out = np.empty_like(drawn)
    out[:, order] = drawn
    return out


def exact_swaps(ev_a, ev_b, bits):
    """The exact swapped differences of the swaps ``bits`` (int (n_perm, n), row order;
    bootstrap.paired_test's loop, block of 16): the 2n rows "A then B" evaluated under counts
    ``[1 - s, s]`` (A') and ``[s, 1 - s]`` (B')."""
    mix = ev_a.resample_stat(then=ev_b)
    out: dict[str, list[np.ndarray]] = {}
    for done in range(0, bits.shape[0], 16):
        s = bits[done : done + 16]
        va = mix(np.concatenate([1 - s, s], axis=1))
        vb = mix(np.concatenate([s, 1 - s], axis=1))
        for name in va:
            out.setdefault(name, []).append(vb[name] - va[name])
    return {name: np.concatenate(v) for name, v in out.items()}


def swaps_both_ways(ev_a, ev_b, n_perm, seed):
    """The linear path's swapped differences (``intervals.paired_swap_deltas``) beside the
    exact path's under the very same swap bits, with both models' point values:
    ``(linear, exact, values_a, values_b)``; the two hold the same names."""
    from losscli.pipeline import intervals

    linear = intervals.paired_swap_deltas(ev_a.kept_rows(), ev_b.kept_rows(), n_perm, seed)
    assert linear is not None
    exact = exact_swaps(ev_a, ev_b, linear_swap_bits(ev_a, ev_b, n_perm, seed))
    assert set(linear) == set(exact)
    return linear, exact, point_values(ev_a), point_values(ev_b)


def p_values(swapped, deltas):
    """``bootstrap.paired_test``'s two-sided p-value of each observed ``deltas[name]`` from
    swapped differences ``{name: (n_perm,)}``: ``(1 + #{|d'| >= |d|}) / (1 + #defined)``, and
    how many swaps lie within ``1e-5`` (relative) of the observed ``|d|`` (the float32
    products may decide those either way)."""
    out = {}
    for name, d in deltas.items():
        dp = swapped[name][np.isfinite(swapped[name])]
        if d is None or not dp.size:
            out[name] = (None, 0)
            continue
        tol = 1e-12 * max(1.0, abs(d))
        near = int(np.sum(np.abs(np.abs(dp) - abs(d)) <= 1e-5 * max(abs(d), 1e-9)))
        out[name] = ((1 + int(np.sum(np.abs(dp) >= abs(d) - tol))) / (1 + dp.size), near)
    return out
