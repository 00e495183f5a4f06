"""``--group-by`` slices: one :class:`~losscli.pipeline.state.EvalState` per distinct value of
a column, updated chunk by chunk with that slice's rows, and one report section per slice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.pipeline.state import EvalState, update_metrics

MAX_GROUPS = 1000
"""Most distinct ``--group-by`` values; more is a usage error (an id column is not a slice)."""


def group_keys(values: np.ndarray) -> np.ndarray:
    """Group keys as strings from exact values (:meth:`~losscli.io.Chunk.ids`).

    Whole numbers as written in decimal (never through float64), text as written, missing
    values ``(missing)``.

    >>> group_keys(np.array([1, 2**53 + 1])).tolist()
    ['1', '9007199254740993']
    >>> group_keys(np.array(["eu", "007", None], dtype=object)).tolist()
    ['eu', '007', '(missing)']
    """
    if values.dtype != object:
        return values.astype(str)
    return np.array(["(missing)" if v is None else str(v) for v in values], dtype=str)


def natural_key(key: str) -> tuple[int, float, str]:
    """Sort numbers numerically before text: ``2`` < ``10`` < ``eu``.

    >>> sorted(["10", "eu", "2", "(missing)"], key=natural_key)
    ['2', '10', '(missing)', 'eu']
    """
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


def accumulate_groups(
    groups: dict[str, EvalState],
    row_keys: np.ndarray,
    results: dict[str, Any],
    hard: np.ndarray,
    probs: np.ndarray,
    weights: np.ndarray | None,
    keep: np.ndarray | None,
    rank: np.ndarray | None,
    *,
    new_state: Callable[[], EvalState],
    column: str | None,
) -> None:
    """Update each slice's state in ``groups`` (in place) with its rows of one chunk.

    Args:
        groups: slice key -> state; a key seen for the first time gets ``new_state()``.
        row_keys: (n,) str, the slice key of each row.
        results: loss name -> its ``LossResult`` on the chunk (``per_sample`` (n,),
            ``rows`` (n, k) per-row sums).
        hard, probs, weights, keep, rank: the chunk's metric inputs, as
            :func:`~losscli.pipeline.state.update_metrics` takes them.
        new_state: makes an empty state of the run's plan.
        column: the ``--group-by`` column, for the message when there are too many slices.

    Raises:
        UsageError: more than :data:`MAX_GROUPS` distinct keys.

    >>> from losscli.metrics import RegressionAccumulator
    >>> g: dict[str, EvalState] = {}
    >>> new = lambda: EvalState({}, RegressionAccumulator())
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> keys = np.array(["b", "a", "b"])
    >>> accumulate_groups(g, keys, {}, y, y, None, None, None, new_state=new, column="k")
    >>> {str(k): s.n_rows for k, s in g.items()}
    {'a': 1, 'b': 2}
    """
    keys, inverse = np.unique(row_keys, return_inverse=True)
    n_new = sum(1 for k in keys if k not in groups)
    if len(groups) + n_new > MAX_GROUPS:
        raise UsageError(
            f"--group-by {column!r} has more than {MAX_GROUPS} distinct values; "
            "group by a column with fewer values (an id column is not a slice)"
        )
    # one stable sort puts each slice's rows together, in chunk order (no mask per slice)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
    for j, key in enumerate(keys.tolist()):  # plain str keys (np.str_ shows as np.str_('a'))
        m = order[bounds[j] : bounds[j + 1]]
        state = groups.get(key)
        if state is None:
            state = groups[key] = new_state()
        k = keep[m] if keep is not None else None
        m_kept = m if k is None else m[k]
        for name, res in results.items():
            state.loss_acc[name].update(res.per_sample[m_kept], res.rows[m].sum(axis=0))
        w = weights[m] if weights is not None else None
        km = rank[m] if rank is not None else None
        update_metrics(state.metrics_acc, hard[m], probs[m], w, k, km)
        state.n_rows += int(m.size)
        if k is not None:
            state.n_ignored += int((~k).sum())


def group_reports(
    groups: dict[str, EvalState],
    results_of: Callable[[EvalState], tuple[Any, Any, Any, list[str]]],
    warnings: list[str],
    *,
    column: str | None,
    min_group_size: int,
    outputs: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """One report section per slice, in the natural order of their keys.

    Args:
        groups: slice key -> its accumulated state.
        results_of: a state -> ``(losses, loss_stats, metrics result, warnings)``.
        warnings: the run's warnings; one is appended naming the slices with fewer than
            ``min_group_size`` evaluated rows.
        column: the ``--group-by`` column (for that warning).
        min_group_size: ``--min-group-size``.
        outputs: the regression outputs' (label columns') names, for ``per_output``.

    Returns:
        ``{key: {"n_samples", "n_evaluated", "n_ignored", "losses", "loss_stats", "metrics",
        "per_class", "per_output", "confusion_matrix", "warnings"}}``.
    """
    out: dict[str, dict[str, Any]] = {}
    small: list[str] = []
    for key in sorted(groups, key=natural_key):
        state = groups[key]
        losses, stats, mres, group_warnings = results_of(state)
        out[key] = {
            "n_samples": state.n_rows,
            "n_evaluated": state.n_rows - state.n_ignored,
            "n_ignored": state.n_ignored,
            "losses": losses,
            "loss_stats": stats,
            "metrics": dict(mres.metrics),
            "per_class": list(mres.per_class),
            "per_output": mres.named_outputs(outputs),
            "confusion_matrix": mres.confusion_matrix,
            "warnings": group_warnings,
        }
        n_evaluated = state.n_rows - state.n_ignored  # the rows its numbers come from
        if n_evaluated < min_group_size:
            small.append(f"{key!r} ({n_evaluated})")
    if small:
        warnings.append(
            f"--group-by {column!r}: {len(small)} slice{'s' if len(small) > 1 else ''} below "
            f"{min_group_size} rows (--min-group-size), so their numbers are "
            f"noisy: {', '.join(small[:10])}{', ...' if len(small) > 10 else ''}"
        )
    return out
