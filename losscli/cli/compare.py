"""``losscli compare A B [LABELS]``: paired significance test of two models on the same rows.

Click only: the numbers come from :func:`losscli.comparison.compare`, the text from
:mod:`losscli.render.comparison`.
"""

from __future__ import annotations

from typing import Any

import click

from losscli.cli.help import GroupedCommand, complete_file
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
    format_for,
    gate_exit,
    table_width,
    use_color,
    warnings_shown,
)
from losscli.cli.progress import progress_bar
from losscli.errors import UsageError

FORMATS = ("table", "json", "csv", "markdown")


@click.command(
    "compare",
    cls=GroupedCommand,
    context_settings=CONTEXT,
    examples=[
        "losscli compare sample_data/digits_logits_baseline.csv sample_data/digits_logits.csv",
        "losscli compare sample_data/digits_logits_baseline.csv sample_data/digits_logits.csv \\",
        "    --loss ce --format json",
        "losscli compare sample_data/digits_logits_baseline.csv sample_data/digits_logits.csv \\",
        "    --fail-if-worse f1_macro --fail-if-worse ce",
    ],
)
@click.argument("predictions_a", metavar="PRED_A", shell_complete=complete_file)
@click.argument("predictions_b", metavar="PRED_B", shell_complete=complete_file)
@click.argument("labels", required=False, metavar="[LABELS]", shell_complete=complete_file)
@input_options()
@evaluation_options
@uncertainty_options(
    bootstrap=1000,
    bootstrap_help="Paired bootstrap resamples for the interval of B − A.",
    ci_help="Confidence level; 1 − LEVEL is the significance level of the p-value.",
    seed_help="Seed of resamples and swaps.",
)
@click.option(
    "--permutations",
    "n_permutations",
    type=int,
    default=1000,
    show_default=True,
    metavar="N",
    help="Random A/B swaps for the p-value (approximate randomisation).",
)
@click.option(
    "--fail-if-worse",
    "fail_if_worse",
    multiple=True,
    metavar="NAME",
    help="Exit 1 when B is significantly worse than A on this loss or metric (repeatable).",
)
@output_options(FORMATS)
@quiet_option
def compare_command(
    predictions_a: str,
    predictions_b: str,
    labels: str | None,
    *,
    inputs: InputSpec,
    evaluation: EvaluationSpec,
    uncertainty: UncertaintySpec,
    n_permutations: int,
    fail_if_worse: tuple[str, ...],
    out: OutputSpec,
    quiet: bool,
) -> int:
    """Compare two models' outputs on the same rows: is B better than A beyond chance?

    PRED_A and PRED_B hold the two models' outputs for the same rows in the same order (labels
    in each file's label column, or in the shared LABELS file). Every loss and metric of
    'compute' is reported for A and B with the paired difference B − A, its bootstrap
    interval and a randomisation p-value.
    """
    from losscli import io as lio

    if "-" in (predictions_a, predictions_b, labels):
        raise UsageError("compare reads files, not stdin ('-'): it needs each input once per model")
    with lio.OutputSet() as outs:  # nothing is in place until outs.commit()
        outs.add_output("--output", out.output)
        files = [("PRED_A", predictions_a), ("PRED_B", predictions_b), ("LABELS", labels)]
        declare_inputs(outs, files, evaluation.threshold)
        outs.check()  # before any input is read
        fmt = format_for(out.fmt, out.output, FORMATS)
        from losscli.comparison import compare

        fields = {**uncertainty.fields(), **inputs.fields(), **evaluation.fields()}
        with progress_bar(quiet):  # stderr at a terminal; gone before the report is written
            result = compare(
                predictions_a, predictions_b, labels, n_permutations=n_permutations, **fields
            )
        failed = _worse(result, fail_if_worse)  # an unknown name: exit 2 before any output
        text = _render(result.to_dict(), fmt, out)
        shown = warnings_shown(fmt, out.output)
        emit(text, out.output, result.warnings, quiet, outs, shown=shown)
        code = gate_exit(failed, len(fail_if_worse), "--fail-if-worse checks")
        outs.commit()  # exit 0 or 1
        return code


def _render(d: dict[str, Any], fmt: str, out: OutputSpec) -> str:
    if fmt == "json":
        import json

        return json.dumps(d, indent=2, allow_nan=False) + "\n"
    from losscli.render import comparison

    if fmt == "csv":
        return comparison.comparison_csv(d)
    if fmt == "markdown":
        return comparison.comparison_markdown(d)
    return comparison.comparison_table(
        d, color=use_color(out.output, out.color), width=table_width()
    )


def _worse(result: Any, names: tuple[str, ...]) -> list[str]:  # noqa: ANN401 - a Comparison
    """The ``--fail-if-worse`` checks that failed, one line each."""
    from losscli.render.text import fmt_num

    return [
        f"B is significantly worse than A on {name} (B − A = "
        f"{fmt_num(result.metrics[name]['delta'], 6)}, p = "
        f"{fmt_num(result.metrics[name]['p_value'], 3)})"
        for name in names
        if result.worse(name)
    ]
