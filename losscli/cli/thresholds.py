"""``losscli thresholds``: sweep the decision threshold and pick the best one per label.

Click only: the sweep is :func:`losscli.sweep.compute_thresholds` (the pipeline of
``compute``, then :mod:`losscli.thresholds`), the text :mod:`losscli.render.thresholds`.
"""

from __future__ import annotations

from typing import Any

import click

from losscli.cli.help import GroupedCommand, complete_file
from losscli.cli.options import (
    CONTEXT,
    InputSpec,
    OutputSpec,
    input_options,
    output_options,
    quiet_option,
)
from losscli.cli.output import (
    declare_inputs,
    err,
    format_for,
    table_width,
    use_color,
    warnings_shown,
)
from losscli.cli.progress import progress_bar
from losscli.errors import UsageError

FORMATS = ("table", "json", "csv")


@click.command(
    "thresholds",
    cls=GroupedCommand,
    context_settings=CONTEXT,
    examples=[
        "losscli thresholds sample_data/breast_cancer.csv",
        'losscli thresholds sample_data/breast_cancer.csv --optimize "precision@recall=0.95" \\',
        "    --write t.json",
        "losscli compute sample_data/breast_cancer.csv --threshold @t.json",
    ],
)
@click.argument("predictions", metavar="PREDICTIONS", shell_complete=complete_file)
@click.argument("labels", required=False, metavar="[LABELS]", shell_complete=complete_file)
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
    shell_complete=complete_file,
    help="Save the best thresholds as JSON for 'compute --threshold @FILE'.",
)
@output_options(FORMATS)
@quiet_option
def thresholds(
    predictions: str,
    labels: str | None,
    *,
    inputs: InputSpec,
    beta: float,
    steps: int | None,
    optimize: str | None,
    write_path: str | None,
    out: OutputSpec,
    quiet: bool,
) -> int:
    """Choose the decision threshold: sweep it over PREDICTIONS (binary or multi-label).

    Reports precision, recall, F1 (F-beta with --beta), specificity and the share predicted
    positive at every distinct cut point, and the best threshold per label for --optimize.
    A label is positive when its probability is > threshold: each reported threshold is the
    next lower distinct score (0.0 for "all positive"), so compute reproduces its numbers.
    Logits and log-probabilities are cut on their own scale (score_threshold), which stays
    exact where the probabilities saturate; --write stores it for --threshold @FILE.
    """
    from losscli import io as lio

    if predictions == "-" and labels == "-":
        raise UsageError("only one of PREDICTIONS and LABELS can be '-' (stdin)")
    with lio.OutputSet() as outs:  # nothing is in place until outs.commit()
        outs.add_output("--output", out.output)
        outs.add_output("--write", write_path)
        declare_inputs(outs, [("PREDICTIONS", predictions), ("LABELS", labels)])
        outs.check()  # before any input is read
        fmt = format_for(out.fmt, out.output, FORMATS)
        from losscli.sweep import compute_thresholds, thresholds_file

        with progress_bar(quiet):  # stderr at a terminal; gone before the table is written
            result = compute_thresholds(
                predictions, labels, beta=beta, steps=steps, optimize=optimize, **inputs.fields()
            )
        text = _render(result, fmt, out)
        if write_path:
            from losscli.render.thresholds import thresholds_json

            outs.write("--write", thresholds_json(thresholds_file(result)).encode("utf-8"))
        if out.output:
            outs.write("--output", text.encode("utf-8"))
        else:
            outs.stdout(text)
        outs.commit()
    if not quiet and not warnings_shown(fmt, out.output):
        for w in result["warnings"]:
            err(f"warning: {w}")
    return 0


def _render(result: dict[str, Any], fmt: str, out: OutputSpec) -> str:
    from losscli.render import thresholds as render

    if fmt == "json":
        return render.thresholds_json(result)
    if fmt == "csv":
        return render.thresholds_csv(result)
    return render.thresholds_table(
        result, color=use_color(out.output, out.color), width=table_width()
    )
