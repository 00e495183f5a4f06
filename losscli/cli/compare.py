"""``losscli compare A B [LABELS]``: paired significance test of two models on the same rows.

The numbers come from :func:`losscli.comparison.compare`; this module parses options and
renders the result as a rich table, JSON, CSV or Markdown.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click

from losscli.cli.options import (
    evaluation_options,
    input_options,
    output_options,
    take_evaluation_options,
)
from losscli.errors import UsageError

_FORMATS = ("table", "json", "csv", "markdown")


def _num(value: Any, digits: int = 4) -> str:
    from losscli.render.text import fmt_num

    return fmt_num(value, digits)


def _verdict(m: dict[str, Any]) -> str:
    if m["better"] == "b":
        return "B better"
    if m["better"] == "a":
        return "B worse"
    return "—" if m["p_value"] is None else "not significant"


def _ci(m: dict[str, Any]) -> str:
    return "" if m["ci"] is None else f"[{_num(m['ci'][0])}, {_num(m['ci'][1])}]"


def comparison_csv(d: dict[str, Any]) -> str:
    """One row per loss or metric: ``name,a,b,delta,ci_low,ci_high,p_value,significant,better``.

    >>> print(comparison_csv({"metrics": {"accuracy": {"a": 0.5, "b": 0.75, "delta": 0.25,
    ...     "ci": [0.1, 0.4], "p_value": 0.01, "significant": True, "better": "b"}}}), end="")
    name,a,b,delta,ci_low,ci_high,p_value,significant,better
    accuracy,0.5,0.75,0.25,0.1,0.4,0.01,true,b
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "a", "b", "delta", "ci_low", "ci_high", "p_value", "significant", "better"])

    def v(x: Any) -> str:
        if x is None:
            return ""
        if isinstance(x, bool):
            return str(x).lower()
        return repr(x) if isinstance(x, float) else str(x)

    for name, m in d["metrics"].items():
        low, high = m["ci"] if m["ci"] else (None, None)
        w.writerow(
            [name]
            + [v(x) for x in (m["a"], m["b"], m["delta"], low, high, m["p_value"])]
            + [v(m["significant"]), v(m["better"])]
        )
    return buf.getvalue()


def comparison_markdown(d: dict[str, Any]) -> str:
    """The comparison as a Markdown table (significant rows in bold)."""
    t = d["test"]
    lines = [
        "## losscli compare",
        "",
        f"**A** `{d['a']}` · **B** `{d['b']}` · **task** {d['task']} · **samples** "
        f"{d['n_samples']} · {t['level']:.0%} CI from {t['n_boot']} paired resamples · "
        f"p-value from {t['n_permutations']} swaps",
        "",
        "| name | A | B | B − A | CI | p-value | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in d["metrics"].items():
        verdict = _verdict(m)
        if m["significant"]:
            verdict = f"**{verdict}**"
        cells = [name, _num(m["a"]), _num(m["b"]), _num(m["delta"]), _ci(m)]
        cells += [_num(m["p_value"], 3), verdict]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"`{d['signature']}`", ""]
    return "\n".join(lines)


def comparison_table(d: dict[str, Any], *, color: bool = True, width: int | None = None) -> str:
    """The comparison as a rich table; significant differences marked green (B better) or red."""
    from rich.table import Table
    from rich.text import Text

    from losscli.render.table import text_console

    console, buf = text_console(color, width)
    t = d["test"]
    console.print(Text(f"losscli compare · {d['task']} · {d['n_samples']} paired samples", "bold"))
    console.print(f"A: {d['a']}\nB: {d['b']}", style="dim")
    console.print()
    table = Table(show_edge=False)
    for col in ("name", "A", "B", "B − A", f"{t['level']:.0%} CI", "p-value", "verdict"):
        table.add_column(col, justify="left" if col in ("name", "verdict") else "right")
    for name, m in d["metrics"].items():
        style = ""
        if m["better"] == "b":
            style = "bold green"
        elif m["better"] == "a":
            style = "bold red"
        verdict = Text(_verdict(m), style=style if color else "")
        table.add_row(
            name,
            _num(m["a"]),
            _num(m["b"]),
            _num(m["delta"]),
            _ci(m),
            _num(m["p_value"], 3),
            verdict,
        )
    console.print(table)
    console.print()
    console.print(
        f"interval: paired percentile bootstrap ({t['n_boot']} resamples); p-value: "
        f"approximate randomisation ({t['n_permutations']} swaps); significant: p < "
        f"{t['alpha']:.3g}",
        style="dim",
    )
    for w in d["warnings"]:
        console.print(f"warning: {w}", style="yellow")
    console.print(d["signature"], style="dim", overflow="ignore", crop=False, soft_wrap=True)
    return buf.getvalue()


@click.command("compare", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("predictions_a", metavar="PRED_A")
@click.argument("predictions_b", metavar="PRED_B")
@click.argument("labels", required=False, metavar="[LABELS]")
@input_options()
@evaluation_options
@click.option(
    "--bootstrap",
    "n_boot",
    type=int,
    default=1000,
    show_default=True,
    metavar="N",
    help="Paired bootstrap resamples for the interval of B − A.",
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
    "--ci",
    "level",
    type=float,
    default=0.95,
    show_default=True,
    metavar="LEVEL",
    help="Confidence level; 1 − LEVEL is the significance level of the p-value.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of resamples and swaps.")
@click.option(
    "--fail-if-worse",
    "fail_if_worse",
    multiple=True,
    metavar="NAME",
    help="Exit 1 when B is significantly worse than A on this loss or metric (repeatable).",
)
@output_options(_FORMATS)
def compare_command(**kw: Any) -> int:
    """Compare two models' outputs on the same rows: is B better than A beyond chance?

    PRED_A and PRED_B hold the two models' outputs for the same rows in the same order (labels
    in each file's label column, or in the shared LABELS file). Every loss and metric of
    'compute' is reported for A and B with the paired difference B − A, its bootstrap
    interval and a randomisation p-value.

    \b
    Examples:
      losscli compare old.csv new.csv
      losscli compare old.npy new.npy labels.npy --loss ce --format json
      losscli compare old.csv new.csv --fail-if-worse f1_macro --fail-if-worse ce
    """
    from losscli import io as lio
    from losscli.cli.app import _declare_inputs, _format_for

    fmt_opt, output, quiet = kw.pop("fmt"), kw.pop("output"), kw.pop("quiet")
    fail_if_worse = list(kw.pop("fail_if_worse"))
    if "-" in (kw["predictions_a"], kw["predictions_b"], kw["labels"]):
        raise UsageError("compare reads files, not stdin ('-'): it needs each input once per model")
    fmt = _format_for(fmt_opt, output)
    with lio.OutputSet() as outs:  # nothing is in place until outs.commit()
        outs.add_output("--output", output)
        inputs = [("PRED_A", kw["predictions_a"]), ("PRED_B", kw["predictions_b"])]
        _declare_inputs(outs, [*inputs, ("LABELS", kw["labels"])], kw)
        outs.check()  # before any input is read
        code = _compare(kw, fmt, output, quiet, fail_if_worse, outs)
        outs.commit()  # exit 0 or 1
        return code


def _compare(
    kw: dict[str, Any],
    fmt: str,
    output: str | None,
    quiet: bool,
    fail_if_worse: list[str],
    outs: Any,
) -> int:
    """Run the comparison and stage its result in ``outs``; the exit code."""
    from losscli.cli.app import _color, _stdout_is_terminal, emit, gate_exit
    from losscli.comparison import compare

    kw.update(take_evaluation_options(kw))
    result = compare(kw.pop("predictions_a"), kw.pop("predictions_b"), kw.pop("labels"), **kw)
    worse = [name for name in fail_if_worse if result.worse(name)]
    d = result.to_dict()
    if fmt == "json":
        text = json.dumps(d, indent=2, allow_nan=False) + "\n"
    elif fmt == "csv":
        text = comparison_csv(d)
    elif fmt == "markdown":
        text = comparison_markdown(d)
    else:
        text = comparison_table(
            d, color=_color() and not output, width=None if _stdout_is_terminal() else 100
        )
    emit(text, output, result.warnings, quiet, outs)
    failed = [
        f"B is significantly worse than A on {name} (B − A = "
        f"{_num(result.metrics[name]['delta'], 6)}, p = {_num(result.metrics[name]['p_value'], 3)})"
        for name in worse
    ]
    return gate_exit(failed, len(fail_if_worse), "--fail-if-worse checks")
