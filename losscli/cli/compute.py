"""``losscli compute PREDICTIONS [LABELS]``: losses and metrics of one file of model outputs.

Click only: :class:`losscli.engine.Evaluation` (or :func:`losscli.distributed.evaluate_dask`)
does the work, :mod:`losscli.render` prints its report, :mod:`losscli.gates` checks
``--fail-if``; heavy imports happen inside the command.
"""

from __future__ import annotations

import contextlib
from typing import Any

import click

from losscli.cli.help import GroupedCommand, complete_dir, complete_file
from losscli.cli.options import (
    CONTEXT,
    EvaluationSpec,
    InputSpec,
    OutputSpec,
    UncertaintySpec,
    evaluation_options,
    input_options,
    output_options,
    quiet_option,
    uncertainty_options,
)
from losscli.cli.output import (
    declare_inputs,
    emit,
    err,
    format_for,
    gate_exit,
    stderr_is_terminal,
    table_width,
    use_color,
    warnings_shown,
)
from losscli.cli.progress import progress_bar
from losscli.errors import UsageError

FORMATS = ("table", "json", "csv", "markdown", "html")


@click.command(
    "compute",
    cls=GroupedCommand,
    context_settings=CONTEXT,
    examples=[
        "losscli compute sample_data/digits_logits.csv",
        "losscli compute sample_data/digits_logits.npy sample_data/digits_labels.npy --loss all",
        "losscli compute sample_data/digits_logits.csv --format json | jq .metrics.f1_macro",
        "losscli compute sample_data/breast_cancer.csv --bootstrap 1000",
        'losscli compute sample_data/digits_logits.csv --fail-if "f1_macro < 0.9" '
        '--fail-if "ce > 0.35"',
        "losscli compute sample_data/digits_logits.csv -o report.html --plot plots/",
    ],
)
@click.argument("predictions", metavar="PREDICTIONS", shell_complete=complete_file)
@click.argument("labels", required=False, metavar="[LABELS]", shell_complete=complete_file)
@input_options()
@evaluation_options
@uncertainty_options(
    bootstrap=0,
    bootstrap_help="Add percentile bootstrap intervals from N resamples of the rows to every "
    "loss and metric (e.g. 1000).",
    ci_help="Confidence level of the --bootstrap intervals.",
    seed_help="Seed of the --bootstrap resamples.",
)
@click.option(
    "--group-by",
    default=None,
    metavar="COLUMN",
    help="Also report every slice: one report per value of COLUMN, side by side.",
)
@click.option(
    "--min-group-size",
    type=int,
    default=30,
    show_default=True,
    metavar="N",
    help="Warn about --group-by slices with fewer rows.",
)
@output_options(
    FORMATS,
    format_help="Report format (html: one self-contained page, with the --plot pictures "
    "inlined). Default: a table at a terminal, JSON in a pipe.",
    output_help="Write the report to FILE (atomically) instead of stdout; format from --format "
    "or the extension (.json .csv .md .txt .html; JSON without one; another is refused).",
)
@click.option(
    "--per-sample",
    default=None,
    metavar="FILE|-",
    shell_complete=complete_file,
    help="Write one row per sample (id or row, label, prediction, one column per loss) as .csv, "
    ".jsonl or .parquet; '-' = CSV on stdout (the report then goes only to --output; "
    "without it, it is not written, as stderr notes at a terminal).",
)
@click.option(
    "--all-classes",
    is_flag=True,
    help="Table and Markdown: list every class and confusion (past 30 classes they show the "
    "worst and best classes, and a matrix wider than the terminal its largest confusions).",
)
@click.option(
    "--fail-if",
    "gates",
    multiple=True,
    metavar="EXPR",
    help="Exit 1 when EXPR holds, e.g. 'f1_macro < 0.9' or 'ce > 0.35' (repeatable).",
)
@click.option(
    "--plot",
    "plot_dir",
    default=None,
    metavar="DIR",
    shell_complete=complete_dir,
    help="Write PNG pictures (confusion matrix, ROC, PR, reliability, probability and loss "
    "histograms; dense arrays: per-class IoU / Dice and the worst samples' masks) into DIR "
    "(created if needed); needs matplotlib: pip install 'losscli[plot]'.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: read in order on this machine. dask: one task per part file of a dataset "
    "(a folder or a quoted glob) on a Dask cluster; needs pip install 'losscli[dask]'.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="With --engine dask: a running scheduler (tcp://host:8786); default: start a local "
    "cluster for this run.",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    metavar="N",
    help="With --engine dask and no --scheduler: worker processes of the local cluster "
    "[default: 2].",
)
@quiet_option
def compute(
    predictions: str,
    labels: str | None,
    *,
    inputs: InputSpec,
    evaluation: EvaluationSpec,
    uncertainty: UncertaintySpec,
    group_by: str | None,
    min_group_size: int,
    out: OutputSpec,
    per_sample: str | None,
    all_classes: bool,
    gates: tuple[str, ...],
    plot_dir: str | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    quiet: bool,
) -> int:
    """Compute losses and metrics for PREDICTIONS (and LABELS, when they are a separate file).

    PREDICTIONS is a CSV, TSV (optionally .gz), NPY, NPZ or Parquet file, or '-' for stdin.
    Labels come from a column of PREDICTIONS (--label-col; default the first of label, labels,
    target, y) or from the LABELS file: integer classes, class names matching the prediction
    columns, one-hot, multi-hot or soft rows.
    """
    parsed = []
    if gates:  # losscli.gates (its patterns, the catalog) only when there are gates
        from losscli.gates import check_bounds_need_bootstrap, parse_gate

        parsed = [parse_gate(g) for g in gates]
        check_bounds_need_bootstrap(parsed, uncertainty.bootstrap)
    output = out.output
    dask = _dask_settings(engine, scheduler, workers, per_sample, plot_dir)
    if predictions == "-" and labels == "-":
        raise UsageError("only one of PREDICTIONS and LABELS can be '-' (stdin)")

    keep_worst = 0  # dense arrays: the masks of the lowest-IoU samples, for the pictures
    if plot_dir:
        from losscli.plots import require_matplotlib
        from losscli.plots_dense import WORST_K

        require_matplotlib()
        keep_worst = WORST_K
    from losscli import io

    with io.OutputSet() as outs:  # nothing is in place until outs.commit()
        _declare_outputs(outs, output, per_sample, plot_dir, dask=dask is not None)
        declare_inputs(
            outs, [("PREDICTIONS", predictions), ("LABELS", labels)], evaluation.threshold
        )
        outs.check()  # before any input is read
        fmt = format_for(out.fmt, output, FORMATS)  # after: an output onto an input first
        options = {
            **inputs.fields(),
            **evaluation.fields(),
            **uncertainty.fields(),
            "group_by": group_by,
            "min_group_size": min_group_size,
            # per-sample losses are kept (float32) only for the pictures and the terminal
            # histograms
            "keep_loss_values": bool(plot_dir) or fmt == "table",
            "keep_worst": keep_worst,
        }
        if dask is not None:
            code = _compute_dask(
                predictions, labels, out, fmt, parsed, quiet, options, dask, outs, all_classes
            )
        else:
            code = _compute(
                predictions,
                labels,
                per_sample,
                out,
                fmt,
                parsed,
                quiet,
                plot_dir,
                options,
                outs,
                all_classes,
            )
        outs.commit()  # exit 0 or 1: the report and every other output go in place
        return code


def _declare_outputs(
    outs: Any,  # noqa: ANN401 - a losscli.io.OutputSet
    output: str | None,
    per_sample: str | None,
    plot_dir: str | None,
    *,
    dask: bool,
) -> None:
    """Declare compute's outputs (--output, --per-sample FILE|-|DIR, --plot DIR)."""
    outs.add_output("--output", output)
    if dask:
        outs.add_output("--per-sample", per_sample, kind="dir")
    else:
        if per_sample and per_sample != "-":
            from losscli.io.writers import per_sample_format

            per_sample_format(per_sample)
        outs.add_output("--per-sample", per_sample)
    if plot_dir:
        from losscli.plots import PLOT_NAMES

        outs.add_output("--plot", plot_dir, kind="files", names=PLOT_NAMES)


def _dask_settings(
    engine: str,
    scheduler: str | None,
    workers: int | None,
    per_sample: str | None,
    plot_dir: str | None,
) -> dict[str, Any] | None:
    """--engine, --scheduler, --workers: None for the local engine, else dask's settings."""
    if engine != "dask":
        if scheduler is not None or workers is not None:
            raise UsageError("--scheduler and --workers need --engine dask")
        return None
    if plot_dir:
        raise UsageError(
            "--plot needs the per-sample losses, which stay on the dask workers; drop --plot "
            "or use --engine local"
        )
    return {"scheduler": scheduler, "workers": workers, "per_sample_dir": per_sample}


def _compute(
    predictions: str,
    labels: str | None,
    per_sample: str | None,
    out: OutputSpec,
    fmt: str,
    gates: list[Any],
    quiet: bool,
    plot_dir: str | None,
    options: dict[str, Any],
    outs: Any,  # noqa: ANN401 - a losscli.io.OutputSet
    all_classes: bool,
) -> int:
    """Run the evaluation, render the report into ``outs``, check the gates; the exit code."""
    output = out.output
    from losscli import io
    from losscli.engine import Evaluation, Options

    ev = Evaluation(predictions, labels, Options(**options))
    if plot_dir and options["auc_bins"] and ev.inputs.dense is None:  # dense: no curves
        raise UsageError(
            "--plot draws ROC and precision-recall curves from the scores, which --auc-bins "
            "does not keep; drop one of the two"
        )
    writer = None
    if per_sample:
        writer = io.PerSampleWriter(
            per_sample, fmt="csv" if per_sample == "-" else None, file=outs.open("--per-sample")
        )
    sink = writer
    if plot_dir:
        from losscli.plots import PlotCollector

        sink = PlotCollector(writer)  # keeps regression labels/predictions for the scatter
    # the writer finishes its format on success; outs removes the staging file on any error
    with writer if writer is not None else contextlib.nullcontext():
        with progress_bar(quiet):  # stderr at a terminal; gone before the report is written
            report = ev.run(sink)
        failed = _failed_gates(gates, report)  # a bad name: exit 2 before the commit
    data = None
    if plot_dir or fmt == "table":
        data = run_data(ev, curves=bool(plot_dir), worst=report.worst_samples)
    images: dict[str, bytes] | None = {} if fmt == "html" else None  # inlined in the page
    if plot_dir:
        from losscli.plots import write_plots

        write_plots(report.to_dict(), data, plot_dir, collector=sink, outputs=outs, keep=images)

    if fmt == "table":
        from losscli.render.histogram import text_histograms

        report.histograms = text_histograms(report.to_dict(), data)
    text = _render(report, fmt, out, all_classes, images)
    # with --per-sample -, stdout carries the rows and the report goes only to --output
    emit(
        text,
        output,
        report.warnings,
        quiet,
        outs,
        to_stdout=per_sample != "-",
        shown=warnings_shown(fmt, output),
    )
    if per_sample == "-" and not output and not quiet and stderr_is_terminal():
        err(
            "note: the report is not written: stdout carries the --per-sample rows; "
            "pass -o FILE to keep it"
        )
    return gate_exit(failed, len(gates), "--fail-if gates")


def run_data(ev: Any, *, curves: bool = False, worst: Any = ()) -> Any:  # noqa: ANN401
    """The plain arrays of the finished evaluation ``ev`` that the text histograms (and, with
    ``curves``, the pictures) draw: a :class:`losscli.render.data.RunData`.

    The renderers take these and the report, never ``ev``. ``scores`` is None for regression
    and under ``--auc-bins`` (no scores kept); ``rank_scores`` and ``calibration`` are filled
    only with ``curves``; dense arrays keep no scores, their ``calibration`` is filled with
    ``curves`` all the same (bins, not rows). ``worst``: the report's ``worst_samples``
    (dense arrays).

    >>> import os, tempfile
    >>> from losscli.engine import Evaluation, Options
    >>> path = os.path.join(tempfile.mkdtemp(), "p.csv")
    >>> _ = open(path, "w").write("label,prob\\n0,0.1\\n0,0.35\\n1,0.8\\n1,0.95\\n")
    >>> ev = Evaluation(path, None, Options(keep_loss_values=True))
    >>> _ = ev.run()
    >>> d = run_data(ev)
    >>> list(d.loss_values), len(d.scores), d.rank_scores is None, d.threshold
    (['bce'], 2, True, 0.5)
    """
    from losscli.render.data import RunData

    values = ev.loss_values
    plan = ev.plan
    kept = plan is not None and plan.task != "regression" and not ev.opts.auc_bins
    kept = kept and ev.opts.ranking  # dense arrays without --auc-bins: no scores kept
    bins = kept or (plan is not None and plan.task != "regression" and ev.inputs.dense is not None)
    return RunData(
        loss_values={n: values[n] for n in ev.loss_names if n in values} or values,
        scores=ev.scores() if kept else None,
        rank_scores=ev.rank_scores() if kept and curves else None,
        calibration=ev.calibration() if bins and curves else None,
        threshold=ev.threshold,
        threshold_on=ev.threshold_on,
        rank_key=ev.rank_key if kept else "probs",
        worst=list(worst),
    )


def _compute_dask(
    predictions: str,
    labels: str | None,
    out: OutputSpec,
    fmt: str,
    gates: list[Any],
    quiet: bool,
    options: dict[str, Any],
    dask: dict[str, Any],
    outs: Any,  # noqa: ANN401 - a losscli.io.OutputSet
    all_classes: bool,
) -> int:
    """--engine dask: evaluate on a Dask cluster, then report as _compute does."""
    output = out.output
    from losscli.distributed import evaluate_dask
    from losscli.engine import Options

    options["keep_loss_values"] = False
    with progress_bar(quiet):
        report = evaluate_dask(predictions, labels, Options(**options), **dask, outputs=outs)
    failed = _failed_gates(gates, report)
    text = _render(report, fmt, out, all_classes)
    emit(text, output, report.warnings, quiet, outs, shown=warnings_shown(fmt, output))
    return gate_exit(failed, len(gates), "--fail-if gates")


def _render(
    report: Any,  # noqa: ANN401 - a Report
    fmt: str,
    out: OutputSpec,
    all_classes: bool,
    images: dict[str, bytes] | None = None,
) -> str:
    """The report as text in ``fmt`` with ``out``'s colour choice (:func:`use_color`) and the
    table width (:func:`table_width`): the one rendering call of the local and Dask paths."""
    from losscli.render import render

    return render(
        report,
        fmt,
        color=use_color(out.output, out.color),
        width=table_width(),
        all_classes=all_classes,
        images=images,
    )


def _failed_gates(gates: list[Any], report: Any) -> list[str]:  # noqa: ANN401 - a Report
    """The failed ``--fail-if`` gates (:func:`losscli.gates.check_gates`: a name the report does
    not have is exit 2); :mod:`losscli.gates` is imported only when there are gates."""
    if not gates:
        return []
    from losscli.gates import check_gates

    return check_gates(gates, report.value, report.names(), report.left_out)
