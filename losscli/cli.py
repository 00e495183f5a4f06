"""The ``losscli`` command line: click commands only (options, calls, rendering, exit codes).

No numerics and no file parsing live here: ``losscli.engine.evaluate`` does the work and
``losscli.render`` prints its report. Heavy imports (pandas, pyarrow, rich) happen inside the
commands, so ``losscli --help`` stays instant.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

from losscli import __version__
from losscli.errors import (
    EXIT_BAD_INPUT,
    EXIT_DISK_FULL,
    EXIT_GATE_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    LossCliError,
    UsageError,
)

EXIT_BROKEN_PIPE = 141  # what a shell reports for a program ended by SIGPIPE
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _err(message: str) -> None:
    click.echo(message, err=True)


class LossCliGroup(click.Group):
    """A click group whose errors are one ``Error: …`` line and a documented exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - click's signature
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            _err("Interrupted.")
            sys.exit(EXIT_INTERRUPTED)
        except click.ClickException as e:
            hint = ""
            ctx = getattr(e, "ctx", None)
            if isinstance(e, click.UsageError) and ctx is not None:
                hint = f" (see '{ctx.command_path} --help')"
            _err(f"Error: {e.format_message()}{hint}")
            sys.exit(EXIT_BAD_INPUT if isinstance(e, click.UsageError) else e.exit_code)
        except LossCliError as e:
            _err(f"Error: {e.message}")
            sys.exit(e.exit_code)
        except BrokenPipeError:
            _quiet_broken_pipe()
            sys.exit(EXIT_BROKEN_PIPE)
        except KeyboardInterrupt:
            _err("Interrupted.")
            sys.exit(EXIT_INTERRUPTED)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                _err(f"Error: no space left on the device writing {e.filename or 'the output'}")
                sys.exit(EXIT_DISK_FULL)
            if e.errno == errno.EPIPE:
                _quiet_broken_pipe()
                sys.exit(EXIT_BROKEN_PIPE)
            return _internal(e)
        except Exception as e:  # noqa: BLE001 - the last line of defence
            return _internal(e)
        if isinstance(rv, int):
            sys.exit(rv)
        return rv


def _internal(e: BaseException) -> None:
    if os.environ.get("LOSSCLI_DEBUG"):
        raise e
    _err(
        f"Error: internal error ({type(e).__name__}: {e}). This is a bug in losscli; rerun with "
        "LOSSCLI_DEBUG=1 for the traceback and report it."
    )
    sys.exit(EXIT_INTERNAL)


def _quiet_broken_pipe() -> None:
    # Python flushes stdout at exit; point it at devnull so that flush cannot fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=LossCliGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="losscli")
def cli() -> None:
    """Exact losses and metrics for a file of model outputs.

    \b
    losscli compute preds.csv                  # labels in a 'label' column
    losscli compute logits.npy labels.npy --loss ce --loss focal
    losscli compute preds.csv --fail-if "f1_macro < 0.9"   # exit 1 in CI
    """


# --------------------------------------------------------------------------------------------
# option parsing helpers (strings to values; no numerics)
# --------------------------------------------------------------------------------------------


def _float_list(option: str, text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(
            f"{option} takes a number or a comma-separated list of numbers, got {text!r}"
        ) from None


def _parse_threshold(text: str | None) -> Any:
    if text is None:
        return None
    if text.startswith("@"):
        from losscli.io import read_json_file

        data = read_json_file(text[1:])
        if isinstance(data, dict) and "thresholds" in data:
            data = data["thresholds"]
        elif isinstance(data, dict) and "threshold" in data:
            data = data["threshold"]
        elif isinstance(data, dict) and isinstance(data.get("best"), (dict, list)):
            best = data["best"]
            data = (
                best["threshold"]
                if isinstance(best, dict)
                else {b["label"]: b["threshold"] for b in best}
            )
        ok = isinstance(data, (int, float, list, dict)) and not isinstance(data, bool)
        if not ok:
            raise UsageError(
                f"--threshold {text}: the file must hold a number, a list, or "
                '{"thresholds": {"label": value, ...}}'
            )
        return data
    values = _float_list("--threshold", text)
    if not values:
        raise UsageError("--threshold needs a number")
    return values[0] if len(values) == 1 else values


def _loss_param_options(func: Any) -> Any:
    """Add one option per loss parameter, generated from the loss registry."""
    from losscli.losses import PARAMS

    for param in reversed(list(PARAMS.values())):
        kind = getattr(param, "kind", "float")
        ptype: Any = {"int": int, "float": float}.get(kind, str)
        default = getattr(param, "default", None)
        help_text = getattr(param, "help", "")
        if default is not None and not isinstance(default, (list, tuple)):
            help_text += f" [default: {default}]"
        func = click.option(
            param.option,
            f"param_{param.name}",
            type=ptype,
            default=None,
            metavar="LIST" if ptype is str else kind.upper(),
            help=help_text,
        )(func)
    return func


def _collect_params(kwargs: dict[str, Any]) -> dict[str, Any]:
    from losscli.losses import PARAMS

    params: dict[str, Any] = {}
    for name, param in PARAMS.items():
        value = kwargs.pop(f"param_{name}", None)
        if value is None:
            continue
        if getattr(param, "kind", "float") not in ("int", "float") and isinstance(value, str):
            values = _float_list(param.option, value)
            value = values[0] if len(values) == 1 and param.kind != "floats" else values
        params[name] = value
    return params


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _color() -> bool:
    return _stdout_is_terminal() and not os.environ.get("NO_COLOR")


def _format_for(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    if output:
        ext = output.lower().rsplit(".", 1)[-1]
        return {"csv": "csv", "md": "markdown", "markdown": "markdown", "txt": "table"}.get(
            ext, "json"
        )
    return "table" if _stdout_is_terminal() else "json"


def _check_losses(losses: list[str]) -> None:
    from losscli.losses import REGISTRY

    known = {"all"}
    for spec in REGISTRY.values():
        known.update((spec.name, *spec.aliases))
    bad = [name for name in losses if name not in known]
    if bad:
        raise UsageError(
            f"--loss {bad[0]!r} is not a known loss; choose from all, {', '.join(REGISTRY)} "
            "(see 'losscli losses')"
        )


# --------------------------------------------------------------------------------------------
# compute
# --------------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("predictions", metavar="PREDICTIONS")
@click.argument("labels", required=False, metavar="[LABELS]")
@click.option(
    "--task",
    type=click.Choice(["auto", "binary", "multiclass", "multilabel", "regression"]),
    default="auto",
    show_default=True,
    help="What the data is; auto decides from the labels and predictions and says why.",
)
@click.option(
    "--scores",
    type=click.Choice(["auto", "logits", "probs", "log-probs"]),
    default="auto",
    show_default=True,
    help="What the prediction numbers are; auto decides once, from the first chunk.",
)
@click.option(
    "--activation",
    metavar="NAME",
    default=None,
    help="Apply an output activation to the raw outputs first (sigmoid, softmax, log_softmax, "
    "tanh, relu, ...).",
)
@click.option(
    "--loss",
    "losses",
    multiple=True,
    metavar="NAME",
    help="A loss to compute (repeatable; 'all' = every loss valid for the task). Default: bce "
    "for binary and multi-label, ce for multi-class, mse for regression. See 'losscli losses'.",
)
@click.option("--label-col", default=None, help="Label column(s), comma-separated.")
@click.option(
    "--pred-cols",
    default=None,
    help="Prediction columns, comma-separated; shell-style patterns work ('logit_*'). "
    "Default: every other numeric column.",
)
@click.option(
    "--id-col", default=None, help="Id column: carried to per-sample output; joins two files."
)
@click.option("--weight-col", default=None, help="Sample-weight column.")
@click.option(
    "--input-format",
    type=click.Choice(["csv", "tsv", "npy", "npz", "parquet"]),
    default=None,
    help="Format of PREDICTIONS when the extension does not say (stdin is sniffed).",
)
@click.option(
    "--labels-format",
    type=click.Choice(["csv", "tsv", "npy", "npz", "parquet"]),
    default=None,
    help="Format of LABELS when the extension does not say.",
)
@click.option(
    "--threshold",
    default=None,
    metavar="T|T1,T2,..|@FILE",
    help="Probability above which a label is positive: a number, one per label, or @file.json. "
    "[default: 0.5]",
)
@click.option("--top-k", type=int, default=None, help="Also report top_k_accuracy (multi-class).")
@click.option(
    "--zero-division",
    type=click.Choice(["warn", "0", "1", "nan"]),
    default="warn",
    show_default=True,
    help="Value of undefined precision/recall/F1: warn = 0 with a warning (scikit-learn).",
)
@click.option("--ece-bins", type=int, default=15, show_default=True, help="Bins for ece.")
@click.option("--chunk-size", type=int, default=None, help="Rows per chunk when streaming.")
@click.option(
    "--drop-invalid",
    is_flag=True,
    help="Drop rows with missing, NaN or inf values (and count them) instead of failing.",
)
@click.option("--strict", is_flag=True, help="Turn every warning into an error (exit 2).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown"]),
    default=None,
    help="Report format. Default: a table at a terminal, JSON in a pipe.",
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE",
    help="Write the report to FILE (atomically) instead of stdout; format from --format or the "
    "extension (.json .csv .md).",
)
@click.option(
    "--per-sample",
    default=None,
    metavar="FILE|-",
    help="Write one row per sample (id or row, label, prediction, one column per loss) as .csv, "
    ".jsonl or .parquet; '-' = CSV on stdout (the report then goes only to --output).",
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
    help="Write PNG pictures (confusion matrix, ROC, PR, reliability, probability and loss "
    "histograms) into DIR (created if needed); needs matplotlib: pip install 'losscli[plot]'.",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings on stderr.")
@_loss_param_options
def compute(**kwargs: Any) -> int:
    """Compute losses and metrics for PREDICTIONS (and LABELS, when they are a separate file).

    PREDICTIONS is a CSV, TSV (optionally .gz), NPY, NPZ or Parquet file, or '-' for stdin.
    Labels come from a column of PREDICTIONS (--label-col; default the first of label, labels,
    target, y) or from the LABELS file: integer classes, class names matching the prediction
    columns, one-hot, multi-hot or soft rows.

    \b
    Examples:
      losscli compute sample_data/digits_logits.csv
      losscli compute sample_data/digits_logits.npy sample_data/digits_labels.npy --loss all
      losscli compute preds.csv --format json | jq .metrics.f1_macro
      losscli compute preds.csv --fail-if "f1_macro < 0.9" --fail-if "ce > 0.35"
    """
    from losscli.gates import parse_gate

    gates = [parse_gate(g) for g in kwargs.pop("gates")]
    fmt_opt, output, per_sample = kwargs.pop("fmt"), kwargs.pop("output"), kwargs.pop("per_sample")
    quiet, plot_dir = kwargs.pop("quiet"), kwargs.pop("plot_dir")
    params = _collect_params(kwargs)
    zd = kwargs.pop("zero_division")
    zero_division: Any = {"0": 0, "1": 1}.get(zd, zd)
    losses = list(kwargs.pop("losses")) or None
    if losses:
        _check_losses(losses)
    threshold = _parse_threshold(kwargs.pop("threshold"))
    predictions, labels = kwargs.pop("predictions"), kwargs.pop("labels")
    if predictions == "-" and labels == "-":
        raise UsageError("only one of PREDICTIONS and LABELS can be '-' (stdin)")
    fmt = _format_for(fmt_opt, output)

    from losscli import io

    if output:
        io.check_output_path(output)
    if per_sample and per_sample != "-":
        io.check_output_path(per_sample)
        if output and os.path.abspath(output) == os.path.abspath(per_sample):
            raise UsageError("--output and --per-sample must be different files")

    if plot_dir:
        from losscli.plots import require_matplotlib

        require_matplotlib()
    kwargs.update(
        losses=losses,
        params=params,
        threshold=threshold,
        zero_division=zero_division,
        # per-sample losses are kept (float32) only for the pictures and the terminal histograms
        keep_loss_values=bool(plot_dir) or fmt == "table",
    )
    try:
        return _compute(
            predictions, labels, per_sample, output, fmt, gates, quiet, plot_dir, kwargs
        )
    finally:
        _drop_spool()


def _compute(
    predictions: str,
    labels: str | None,
    per_sample: str | None,
    output: str | None,
    fmt: str,
    gates: list[Any],
    quiet: bool,
    plot_dir: str | None,
    options: dict[str, Any],
) -> int:
    """Run the evaluation, render and write the report, check the gates; the exit code."""
    import contextlib

    from losscli import io
    from losscli.engine import Evaluation, Options
    from losscli.gates import check_gates

    ev = Evaluation(predictions, labels, Options(**options))
    writer = _per_sample_target(per_sample)
    if isinstance(writer, str):
        writer = io.PerSampleWriter(writer)
    sink = writer
    if plot_dir:
        from losscli.plots import PlotCollector

        sink = PlotCollector(writer)  # keeps regression labels/predictions for the scatter
    # the writer commits on success and removes its temporary file on any error
    with writer if writer is not None else contextlib.nullcontext():
        report = ev.run(sink)
    failed = check_gates(gates, report.value, report.names())
    if plot_dir:
        from losscli.plots import write_plots

        write_plots(ev, report.to_dict(), plot_dir, collector=sink)

    from losscli.render import render

    if fmt == "table":
        from losscli.render.histogram import text_histograms

        report.histograms = text_histograms(ev)
    color = _color() and not output
    text = render(report, fmt, color=color, width=None if _stdout_is_terminal() else 100)
    if output:
        with io.atomic_output(output) as fh:
            fh.write(text.encode("utf-8"))
    elif per_sample != "-":
        sys.stdout.write(text)
    if per_sample == "-":
        _flush_per_sample_stdout()
    if not quiet:
        for w in report.warnings:
            _err(f"warning: {w}")
    if failed:
        for f in failed:
            _err(f"failed: {f}")
        _err(f"Error: {len(failed)} of {len(gates)} --fail-if gates failed")
        return EXIT_GATE_FAILED
    return 0


_STDOUT_SPOOL: list[Any] = []


def _per_sample_target(per_sample: str | None) -> Any:
    """A per-sample destination; stdout is spooled so a failing run prints nothing."""
    if per_sample != "-":
        return per_sample
    import tempfile

    from losscli.io import PerSampleWriter

    spool = tempfile.NamedTemporaryFile(prefix="losscli-", suffix=".csv", delete=False)
    spool.close()
    _STDOUT_SPOOL.append(spool.name)
    return PerSampleWriter(spool.name, fmt="csv")


def _flush_per_sample_stdout() -> None:
    import shutil

    for path in _STDOUT_SPOOL:
        with open(path, "rb") as fh:
            sys.stdout.flush()
            shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()


def _drop_spool() -> None:
    while _STDOUT_SPOOL:
        path = _STDOUT_SPOOL.pop()
        if os.path.exists(path):
            os.unlink(path)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="losscli")


# --------------------------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------------------------


@cli.command("losses", context_settings=CONTEXT)
@click.argument("name", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default=None,
    help="Default: a table at a terminal, JSON in a pipe.",
)
def losses_command(name: str | None, fmt: str | None) -> None:
    """The loss catalog: every loss, its tasks, formula, parameters and reference.

    \b
    losscli losses            # all of them
    losscli losses focal      # one in detail
    losscli losses --format json | jq '.[].name'
    """
    from losscli.catalog import ADVICE, entries
    from losscli.render.catalog import catalog_json, catalog_markdown, catalog_table

    items = entries(name)
    fmt = fmt or ("table" if _stdout_is_terminal() else "json")
    if fmt == "json":
        text = catalog_json(items)
    elif fmt == "markdown":
        text = catalog_markdown(items, ADVICE)
    else:
        text = catalog_table(items, ADVICE, color=_color(), detail=name is not None)
    sys.stdout.write(text)


def _register_commands() -> None:
    from losscli.commands.thresholds import thresholds

    cli.add_command(thresholds)


_register_commands()
