"""``losscli thresholds``: sweep the decision threshold and pick the best one per label.

The numbers come from :mod:`losscli.thresholds` (numpy only); this module runs the pipeline
(:class:`losscli.engine.Evaluation`, so inputs, task and score inference, logits to
probabilities and weights are exactly those of ``compute``), builds the JSON-able result and
renders it as a rich table, JSON or CSV. A threshold it reports reproduces its scores under
compute's ``p > threshold`` rule: ``compute --threshold @thresholds.json``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click

from losscli.cli.options import input_options, output_options
from losscli.errors import UsageError

_FORMATS = ("table", "json", "csv")
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
_MAX_TABLE_ROWS = 25


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
    ev.run()
    plan = ev.plan
    assert plan is not None
    if plan.task not in ("binary", "multilabel"):
        why = "argmax decides, no threshold" if plan.task == "multiclass" else "no classes"
        raise UsageError(
            f"thresholds needs binary or multi-label data; {ev.predictions_name} is {plan.task} "
            f"({why}); pass --task binary or --task multilabel if that is wrong"
        )
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
    warnings = list(ev.warnings)
    if ev.n_dropped:
        warnings.append(f"{ev.n_dropped} rows with missing, NaN or inf values were dropped")
    bests: list[dict[str, Any]] = []
    tables: list[list[dict[str, Any]]] = []
    for name, (y, s, w), p in named:
        if w is not None and w.sum() > 0:  # counts in units of the mean weight, as compute's
            w = w * (w.size / w.sum())
        full = threshold_sweep(y, s, w, beta=beta, scores=kind)
        n_pos = float(np.sum(y if w is None else y * w))
        n_all = float(y.size if w is None else np.sum(w))
        if n_pos == 0 or n_pos == n_all:
            which = "positive" if n_pos == 0 else "negative"
            warnings.append(
                f"label {name!r} has no {which} samples; its threshold is not meaningful"
            )
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
    if plan.task == "binary":
        out["positive_class"] = named[0][0]
        out["best"] = bests[0]
        out["table"] = tables[0]
    else:
        out["labels"] = [n for n, _, _ in named]
        out["best"] = [{"label": n, **b} for (n, _, _), b in zip(named, bests)]
        out["table"] = [
            {"label": n, **row} for (n, _, _), rows in zip(named, tables) for row in rows
        ]
    out["inputs"] = {
        "predictions": ev.predictions_name,
        "labels": ev.labels_name,
    }
    out["inference"] = list(plan.notes)
    out["warnings"] = warnings
    return out


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


def thresholds_json(result: dict[str, Any]) -> str:
    """The result as JSON text (never NaN)."""
    return json.dumps(result, indent=2, allow_nan=False) + "\n"


def _csv_value(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def thresholds_csv(result: dict[str, Any]) -> str:
    """The sweep table as CSV (full precision); the column ``best`` is 1 on the best rows."""
    rows = result["table"]
    best = result["best"]
    tkey = _cut_key(rows, best)
    best_by_label = (
        {None: best.get(tkey)}
        if isinstance(best, dict)
        else {b["label"]: b.get(tkey) for b in best}
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if not rows:
        return ""
    keys = list(rows[0])
    w.writerow([*keys, "best"])
    for r in rows:
        is_best = bool(tkey) and best_by_label.get(r.get("label")) == r.get(tkey)
        w.writerow([_csv_value(r[k]) for k in keys] + [int(is_best)])
    return buf.getvalue()


def _cut_key(rows: list[dict[str, Any]], best: Any) -> str:
    """The field that identifies the best row among the table rows: ``score_threshold`` for
    logits and log-probabilities; none (``""``) when those rows are a ``--steps`` grid of
    probabilities, which the best cut on the scores' scale is not one of."""
    on_scores = "score_threshold" in (best if isinstance(best, dict) else best[0])
    if not on_scores:
        return "threshold"
    return "score_threshold" if rows and "score_threshold" in rows[0] else ""


def _sample(n: int, keep: list[int], limit: int) -> list[int]:
    import numpy as np

    if n <= limit:
        return list(range(n))
    idx = set(np.rint(np.linspace(0, n - 1, limit - len(keep))).astype(int).tolist())
    return sorted(idx | set(keep))


def thresholds_table(
    result: dict[str, Any], *, color: bool = True, width: int | None = None
) -> str:
    """Rich tables: the best threshold per label, then the sweep (sampled when long)."""
    from rich.table import Table

    from losscli.render.table import text_console
    from losscli.render.text import fmt_num

    console, buf = text_console(color, width)
    best = result["best"]
    bests = [best] if isinstance(best, dict) else best
    crit = result["optimize"]
    console.print(
        f"[bold]losscli thresholds[/bold] {result['task']} · scores {result['scores']} · "
        f"{result['n_samples']} samples · optimise {crit} · positive when "
        + ("score > score_threshold" if "score_threshold" in bests[0] else "p > threshold")
    )
    for note in result.get("inference", []):
        console.print(f"inferred {note}", style="dim")
    console.print()
    t = Table(title=f"Best threshold ({crit})", title_justify="left", show_edge=False)
    cols = ["threshold", "score", "precision", "recall", "f1"]
    if "score_threshold" in bests[0]:
        cols.insert(1, "score_threshold")
    if result["beta"] != 1.0:
        cols.append("fbeta")
    cols += ["specificity", "predicted_positive"]
    if result["task"] == "multilabel":
        t.add_column("label")
    for c in cols:
        t.add_column(c, justify="right")
    for b in bests:
        cells = [fmt_num(b[c], 4) if "threshold" not in c else fmt_num(b[c]) for c in cols]
        if result["task"] == "multilabel":
            cells.insert(0, str(b["label"]))
        t.add_row(*cells)
    console.print(t)
    console.print()

    rows = result["table"]
    tkey = _cut_key(rows, best)
    groups: list[tuple[str | None, list[dict[str, Any]], float]] = []
    if result["task"] == "binary":
        groups.append((None, rows, best.get(tkey)))
    else:
        for b in bests:
            groups.append((b["label"], [r for r in rows if r["label"] == b["label"]], b.get(tkey)))
    limit = _MAX_TABLE_ROWS if len(groups) == 1 else 12
    for label, grows, best_t in groups:
        keys = [k for k in (grows[0] if grows else {}) if k != "label"]
        hit = [i for i, r in enumerate(grows) if tkey and r.get(tkey) == best_t]
        picked = _sample(len(grows), hit, limit)
        title = "Sweep" + (f" · label {label}" if label is not None else "")
        if len(picked) < len(grows):
            title += f" ({len(picked)} of {len(grows)} rows; --steps N or --format csv for all)"
        st = Table(title=title, title_justify="left", show_edge=False)
        for k in keys:
            st.add_column("share_pos" if k == "predicted_positive" else k, justify="right")
        for i in picked:
            r = grows[i]
            style = "bold green" if i in hit else None
            st.add_row(
                *[fmt_num(r[k]) if "threshold" in k else fmt_num(r[k], 4) for k in keys],
                style=style,
            )
        console.print(st)
        console.print()
    for w in result.get("warnings", []):
        console.print(f"warning: {w}", style="yellow")
    return buf.getvalue()


def _format_for(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    if output:
        ext = output.lower().rsplit(".", 1)[-1]
        return {"csv": "csv", "txt": "table"}.get(ext, "json")
    from losscli.cli.app import _stdout_is_terminal

    return "table" if _stdout_is_terminal() else "json"


@click.command("thresholds", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("predictions", metavar="PREDICTIONS")
@click.argument("labels", required=False, metavar="[LABELS]")
@input_options(tasks=("auto", "binary", "multilabel"))
@click.option("--beta", type=float, default=1.0, show_default=True, help="F-beta weight of recall.")
@click.option(
    "--steps",
    type=int,
    default=None,
    metavar="N",
    help="Show thresholds 0, 1/N, ..., 1 instead of every distinct cut point (the best "
    "threshold is still searched over every cut point).",
)
@click.option(
    "--optimize",
    default=None,
    metavar="CRITERION",
    help="f1, fbeta, youden, precision@recall=R or recall@precision=P. "
    "[default: f1, or fbeta with --beta]",
)
@click.option(
    "--write",
    "write_path",
    default=None,
    metavar="FILE",
    help="Save the best thresholds as JSON for 'compute --threshold @FILE'.",
)
@output_options(_FORMATS)
def thresholds(**kw: Any) -> int:
    """Choose the decision threshold: sweep it over PREDICTIONS (binary or multi-label).

    Reports precision, recall, F1 (F-beta with --beta), specificity and the share predicted
    positive at every distinct cut point, and the best threshold per label for --optimize.
    A label is positive when its probability is > threshold: each reported threshold is the
    next lower distinct score (0.0 for "all positive"), so compute reproduces its numbers.
    Logits and log-probabilities are cut on their own scale (score_threshold), which stays
    exact where the probabilities saturate; --write stores it for --threshold @FILE.

    \b
    Examples:
      losscli thresholds sample_data/breast_cancer.csv
      losscli thresholds preds.csv --optimize "precision@recall=0.95" --write t.json
      losscli compute preds.csv --threshold @t.json
    """
    from losscli import io as lio

    fmt_opt, output, write_path, quiet = (
        kw.pop("fmt"),
        kw.pop("output"),
        kw.pop("write_path"),
        kw.pop("quiet"),
    )
    beta, steps, optimize = kw.pop("beta"), kw.pop("steps"), kw.pop("optimize")
    predictions, labels = kw.pop("predictions"), kw.pop("labels")
    if predictions == "-" and labels == "-":
        raise UsageError("only one of PREDICTIONS and LABELS can be '-' (stdin)")
    fmt = _format_for(fmt_opt, output)
    from losscli.cli.app import _declare_inputs

    with lio.OutputSet() as outs:  # nothing is in place until outs.commit()
        outs.add_output("--output", output)
        outs.add_output("--write", write_path)
        _declare_inputs(outs, [("PREDICTIONS", predictions), ("LABELS", labels)], kw)
        outs.check()  # before any input is read
        warnings = _thresholds(
            predictions, labels, beta, steps, optimize, fmt, output, write_path, kw, outs
        )
        outs.commit()
    if not quiet:
        for w in warnings:
            click.echo(f"warning: {w}", err=True)
    return 0


def _thresholds(
    predictions: str,
    labels: str | None,
    beta: float,
    steps: int | None,
    optimize: str | None,
    fmt: str,
    output: str | None,
    write_path: str | None,
    kw: dict[str, Any],
    outs: Any,
) -> list[str]:
    """Run the sweep and stage its result (and the --write file) in ``outs``; the warnings."""
    result = compute_thresholds(
        predictions, labels, beta=beta, steps=steps, optimize=optimize, **kw
    )
    if fmt == "json":
        text = thresholds_json(result)
    elif fmt == "csv":
        text = thresholds_csv(result)
    else:
        from losscli.cli.app import _color, _stdout_is_terminal

        text = thresholds_table(
            result,
            color=_color() and not output,
            width=None if _stdout_is_terminal() else 100,
        )
    if write_path:
        outs.write("--write", thresholds_json(thresholds_file(result)).encode("utf-8"))
    if output:
        outs.write("--output", text.encode("utf-8"))
    else:
        outs.stdout(text)
    return list(result["warnings"])
