"""The threshold sweep use case: run the pipeline, sweep the decision threshold per label and
pick the best one.

Inputs, task and score inference, logits to probabilities and weights are exactly those of
``compute`` (:class:`losscli.engine.Evaluation`); the numbers come from
:mod:`losscli.thresholds` (numpy only). A threshold reported here reproduces its scores under
compute's ``p > threshold`` rule: ``compute --threshold @thresholds.json``. The command line
(``losscli thresholds``) and the renderers (:mod:`losscli.render.thresholds`) read the plain
dict this returns.
"""

from __future__ import annotations

from typing import Any

from losscli.errors import UsageError

_TABLE_KEYS = (
    "threshold",
    "score_threshold",  # logits / log-probs only: the cut on the scores' own scale
    "precision",
    "recall",
    "f1",
    "fbeta",
    "specificity",
    "youden",
    "predicted_positive",
    "tp",
    "fp",
    "fn",
    "tn",
)


def _rows(sweep: dict[str, Any], beta: float, weighted: bool) -> list[dict[str, Any]]:
    import numpy as np

    keys = [k for k in _TABLE_KEYS if (k != "fbeta" or beta != 1.0) and k in sweep]
    cols: dict[str, list[Any]] = {}
    for k in keys:
        a = sweep[k]
        if k in ("tp", "fp", "fn", "tn") and not weighted:
            cols[k] = np.rint(a).astype(np.int64).tolist()
        else:
            cols[k] = a.astype(np.float64).tolist()
    n = len(sweep["threshold"])
    return [{k: cols[k][i] for k in keys} for i in range(n)]


def compute_thresholds(
    predictions: Any,
    labels: Any = None,
    *,
    beta: float = 1.0,
    steps: int | None = None,
    optimize: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Sweep the threshold of binary or multi-label predictions and pick the best per label.

    The best threshold is searched over every distinct cut point (exact, whatever ``steps``
    is); ``steps`` only changes the rows of the table (``0, 1/steps, ..., 1``).

    Args:
        predictions: the predictions file (as ``compute``).
        labels: an optional labels file.
        beta: F-beta weight of recall; ``fbeta`` rows are added when != 1.
        steps: show an evenly spaced grid of ``steps + 1`` thresholds instead of every cut
            point.
        optimize: ``f1``, ``fbeta``, ``youden``, ``precision@recall=R`` or
            ``recall@precision=P``; default ``f1`` (``fbeta`` when ``beta != 1``).
        **options: input options of :class:`losscli.engine.Options` (``task``, ``scores``,
            ``activation``, ``label_col``, ``pred_cols``, ``id_col``, ``weight_col``,
            ``input_format``, ``labels_format``, ...).

    Returns:
        ``{"task", "scores", "n_samples", "optimize", "beta", "rule", "best", "table",
        "warnings", ...}``; binary: ``best`` a dict, ``table`` its rows; multi-label: ``best``
        one dict per label (with ``"label"``), ``table`` rows with a ``"label"`` key.
    """
    import numpy as np

    from losscli import __version__
    from losscli.engine import Evaluation, Options
    from losscli.thresholds import best_threshold, grid_thresholds, threshold_sweep

    if optimize is None:
        optimize = "f1" if float(beta) == 1.0 else "fbeta"
    from losscli.thresholds import check_beta, parse_criterion

    parse_criterion(optimize)  # a bad --optimize fails before the data is read
    check_beta(beta)
    grid = grid_thresholds(steps) if steps is not None else None
    ev = Evaluation(predictions, labels, Options(**options))
    if ev.inputs.dense is not None:  # streamed counts at a grid: memory not per element
        ev.decide()
        _check_task(ev)
        return dense_thresholds(ev, beta=beta, steps=steps, optimize=optimize)
    ev.run()
    plan = ev.plan
    assert plan is not None
    _check_task(ev)
    from losscli.metrics.accumulator import key_to_prob

    # the sweep cuts the ranking key: the probabilities, or the scores' own scale (logits,
    # log-probabilities), which stays distinct where the probabilities saturate
    kind = ev.rank_key
    on_scores = kind != "probs"
    keys, probs = ev.rank_scores(), ev.scores()
    if plan.task == "binary":
        named = [(str(plan.classes[1]), keys[1], probs[1][1])]
    else:
        named = [(str(c), k, p[1]) for c, k, p in zip(plan.classes, keys, probs)]
    weighted = ev.cols.weight is not None
    warnings = _run_warnings(ev)
    bests: list[dict[str, Any]] = []
    tables: list[list[dict[str, Any]]] = []
    for name, (y, s, w), p in named:
        if w is not None and w.sum() > 0:  # counts in units of the mean weight, as compute's
            w = w * (w.size / w.sum())
        full = threshold_sweep(y, s, w, beta=beta, scores=kind)
        n_pos = float(np.sum(y if w is None else y * w))
        warnings += _one_sided(name, n_pos, float(y.size if w is None else np.sum(w)))
        best = best_threshold(full, optimize, label=name if plan.task == "multilabel" else None)
        if on_scores:
            cut = best["threshold"]
            best = {**best, "threshold": float(key_to_prob(np.array(cut), kind))}
            best["score_threshold"] = cut
            above = full["threshold"][full["threshold"] > cut]
            t_prob = best["threshold"]
            if above.size and float(key_to_prob(above[:1], kind)[0]) <= t_prob:
                warnings.append(
                    f"label {name!r}: its best threshold lies where the probabilities saturate "
                    f"({kind} {cut!r} and {float(above[0])!r} both give p = {t_prob!r}), so "
                    f"p > {t_prob!r} does not reproduce it; its score_threshold {cut!r} (on "
                    "the scores' own scale) does, and compute --threshold @FILE of --write "
                    "uses it"
                )
            full["score_threshold"] = full["threshold"]
            full["threshold"] = key_to_prob(full["score_threshold"], kind)
        if grid is None:
            shown = full
        else:  # the grid is of probabilities: compute's p > t rule on the probabilities
            shown = threshold_sweep(y, p, w, thresholds=grid, beta=beta)
        bests.append(best)
        tables.append(_rows(shown, beta, weighted))
    out: dict[str, Any] = {
        "version": __version__,
        "task": plan.task,
        "scores": plan.scores,
        "n_samples": ev.n_rows,
        "optimize": optimize.strip().lower().replace(" ", ""),
        "beta": float(beta),
        "rule": "a label is positive when its probability is > threshold",
        "cut_points": "every distinct score" if grid is None else f"grid of {steps} steps",
    }
    if on_scores:
        out["rule"] = (
            f"a label is positive when its score ({kind}) is > score_threshold; threshold is "
            "its probability (p > threshold gives the same unless the probabilities saturate)"
        )
    return _finish(out, ev, [n for n, _, _ in named], bests, tables, warnings)


def _run_warnings(ev: Any) -> list[str]:
    """The evaluation's warnings, and how many rows were dropped (a sweep's own list)."""
    warnings = list(ev.warnings)
    if ev.n_dropped:
        warnings.append(f"{ev.n_dropped} rows with missing, NaN or inf values were dropped")
    return warnings


def _one_sided(name: str, n_pos: float, n_all: float) -> list[str]:
    """The warning for a label whose samples are all negative or all positive, if it is."""
    if n_pos != 0 and n_pos != n_all:
        return []
    which = "positive" if n_pos == 0 else "negative"
    return [f"label {name!r} has no {which} samples; its threshold is not meaningful"]


def _finish(
    out: dict[str, Any],
    ev: Any,
    names: list[str],
    bests: list[dict[str, Any]],
    tables: list[list[dict[str, Any]]],
    warnings: list[str],
) -> dict[str, Any]:
    """The result's per-label part (binary: one best and table; multi-label: per label)."""
    plan = ev.plan
    if plan.task == "binary":
        out["positive_class"] = names[0]
        out["best"] = bests[0]
        out["table"] = tables[0]
    else:
        out["labels"] = names
        out["best"] = [{"label": n, **b} for n, b in zip(names, bests)]
        out["table"] = [{"label": n, **row} for n, rows in zip(names, tables) for row in rows]
    out["inputs"] = {
        "predictions": ev.predictions_name,
        "labels": ev.labels_name,
    }
    notes = plan.notes
    if ev.inputs.dense is not None:  # no roc_auc / average_precision in a sweep
        from losscli.pipeline.dense_ranking import RANKING_LEFT_OUT_NOTE

        notes = [n for n in notes if n != RANKING_LEFT_OUT_NOTE]
    out["inference"] = [*notes, *out.pop("notes", [])]
    out["warnings"] = warnings
    return out


DENSE_STEPS = 1000
"""The threshold grid of dense arrays without ``--steps``: 0, 0.001, ..., 1."""


def dense_thresholds(ev: Any, *, beta: float, steps: int | None, optimize: str) -> dict[str, Any]:
    """The sweep of dense arrays (a planned :class:`~losscli.engine.Evaluation`): counts
    streamed at the grid ``0, 1/N, ..., 1`` (``--steps N``, default :data:`DENSE_STEPS`),
    memory O(labels x N) whatever the number of elements
    (:class:`~losscli.thresholds.GridCounts`); each row's counts are exact under compute's
    ``p > t``. The best threshold is the grid's; ``score_bound`` in each best is the most the
    criterion reaches at any threshold in [0, 1] (:func:`~losscli.thresholds.grid_bound`).
    Logits and log-probabilities: every row and best also has its ``score_threshold``, the
    grid point on the scores' scale (:func:`~losscli.thresholds.score_cuts`), and the
    elements are counted there: the counts are exact under ``score > score_threshold``,
    which the ``--write`` file stores, as for 2-D rows.
    """
    from losscli import __version__
    from losscli.thresholds import (
        GridCounts,
        best_threshold,
        grid_bound,
        grid_thresholds,
        score_cuts,
        sweep_from_counts,
    )

    n = DENSE_STEPS if steps is None else steps
    grid = grid_thresholds(n)
    kind = ev.plan.scores  # binary / multi-label: the ranking key is the scores themselves
    on_scores = kind != "probs"
    cuts = score_cuts(grid, kind) if on_scores else grid
    counts = GridCounts(cuts)
    ev.watch.append(lambda y, p, keep, key: counts.add(y, p if key is None else key, keep))
    ev.consume()
    plan = ev.plan
    names = [str(plan.classes[1])] if plan.task == "binary" else [str(c) for c in plan.classes]
    warnings = _run_warnings(ev)
    bests, tables = [], []
    for j, name in enumerate(names):
        c = counts.confusion(j)
        sweep = sweep_from_counts(grid, c["tp"], c["fp"], c["fn"], c["tn"], beta=beta)
        if on_scores:
            sweep["score_threshold"] = cuts
        n_pos = float(c["tp"][0] + c["fn"][0])
        warnings += _one_sided(name, n_pos, n_pos + float(c["fp"][0] + c["tn"][0]))
        best = best_threshold(sweep, optimize, label=name if plan.task == "multilabel" else None)
        best["score_bound"] = grid_bound(sweep, optimize, beta)
        if on_scores:
            best["score_threshold"] = float(cuts[grid == best["threshold"]][0])
        bests.append(best)
        tables.append(_rows(sweep, beta, False))
    out: dict[str, Any] = {
        "version": __version__,
        "task": plan.task,
        "scores": plan.scores,
        "n_samples": ev.inputs.dense.n_samples,
        "n_elements": ev.n_rows,
        "optimize": optimize.strip().lower().replace(" ", ""),
        "beta": float(beta),
        "rule": "a label is positive when its probability is > threshold",
        "cut_points": f"grid of {n} steps",
        "notes": [
            f"dense arrays: the sweep counts the elements at the {n + 1} thresholds 0, 1/{n}, "
            "..., 1 (exact counts at each, memory independent of the elements), not at every "
            "distinct score; the best threshold is the grid's, and score_bound is the most "
            f"{optimize} reaches at any threshold in [0, 1] (--steps N refines the grid)"
        ],
    }
    if on_scores:
        out["rule"] = (
            f"a label is positive when its score ({kind}) is > score_threshold; threshold is "
            "its probability (score_threshold is where the probability crosses threshold, so "
            "p > threshold gives the same counts but for scores within a few float64 ulps of "
            "score_threshold)"
        )
        formula = "log(t / (1 - t))" if kind == "logits" else "log t"
        out["notes"].append(
            f"dense {kind}: each grid threshold t has its score_threshold, the score where the "
            f"probability crosses t ({formula} up to rounding); the elements are counted on "
            "the scores' scale, score > score_threshold, which --write stores for compute "
            "--threshold @FILE"
        )
    return _finish(out, ev, names, bests, tables, warnings)


def _check_task(ev: Any) -> None:
    """Refuse a plan that is not binary or multi-label (no threshold to sweep)."""
    task = ev.plan.task
    if task not in ("binary", "multilabel"):
        why = "argmax decides, no threshold" if task == "multiclass" else "no classes"
        raise UsageError(
            f"thresholds needs binary or multi-label data; {ev.predictions_name} is {task} "
            f"({why}); pass --task binary or --task multilabel if that is wrong"
        )


def thresholds_file(result: dict[str, Any]) -> dict[str, Any]:
    """The ``--write`` content: what ``compute --threshold @FILE`` reads, plus the best rows.

    Binary: ``{"threshold": t, "best": {...}}``; multi-label:
    ``{"thresholds": {label: t, ...}, "best": [...]}``. Logits and log-probabilities add
    ``"scores"`` and ``"score_threshold"`` (``"score_thresholds"``): the cut on the scores'
    own scale, which compute applies as ``score > score_threshold`` (exact where the
    probabilities saturate).

    >>> thresholds_file({"task": "binary", "optimize": "f1", "best": {"threshold": 0.3}})
    {'threshold': 0.3, 'optimize': 'f1', 'best': {'threshold': 0.3}}
    """
    best = result["best"]
    if isinstance(best, dict):
        out: dict[str, Any] = {"threshold": best["threshold"]}
        if "score_threshold" in best:
            out.update(scores=result["scores"], score_threshold=best["score_threshold"])
    else:
        out = {"thresholds": {b["label"]: b["threshold"] for b in best}}
        if best and "score_threshold" in best[0]:
            out["scores"] = result["scores"]
            out["score_thresholds"] = {b["label"]: b["score_threshold"] for b in best}
    out.update(optimize=result["optimize"], best=best)
    return out
