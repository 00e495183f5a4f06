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
from losscli.commands._options import evaluation_options, input_options, take_evaluation_options
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


# --------------------------------------------------------------------------------------------
# compute
# --------------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("predictions", metavar="PREDICTIONS")
@click.argument("labels", required=False, metavar="[LABELS]")
@input_options()
@evaluation_options
@click.option(
    "--bootstrap",
    type=int,
    default=0,
    metavar="N",
    help="Add percentile bootstrap intervals from N resamples of the rows to every loss and "
    "metric (e.g. 1000).",
)
@click.option(
    "--ci",
    "ci_level",
    type=float,
    default=0.95,
    show_default=True,
    metavar="LEVEL",
    help="Confidence level of the --bootstrap intervals.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the --bootstrap resamples."
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
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings on stderr.")
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
    engine = _engine_options(kwargs, per_sample, output, plot_dir)
    if engine is not None:
        per_sample = None  # with --engine dask, a folder that the workers fill
    evaluation = take_evaluation_options(kwargs)
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

    if plot_dir and kwargs.get("auc_bins"):
        raise UsageError(
            "--plot draws ROC and precision-recall curves from the scores, which --auc-bins "
            "does not keep; drop one of the two"
        )
    if plot_dir:
        from losscli.plots import require_matplotlib

        require_matplotlib()
    kwargs.update(
        evaluation,
        # per-sample losses are kept (float32) only for the pictures and the terminal histograms
        keep_loss_values=bool(plot_dir) or fmt == "table",
    )
    try:
        if engine is not None:
            return _compute_dask(predictions, labels, output, fmt, gates, quiet, kwargs, engine)
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
    # with --per-sample -, stdout carries the rows and the report goes only to --output
    emit(text, output, report.warnings, quiet, to_stdout=per_sample != "-")
    if per_sample == "-":
        _flush_per_sample_stdout()
    return gate_exit(failed, len(gates), "--fail-if gates")


def emit(
    text: str, output: str | None, warnings: list[str], quiet: bool, *, to_stdout: bool = True
) -> None:
    """Write a result to ``--output`` (atomically) or stdout, then its warnings to stderr."""
    from losscli import io

    if output:
        with io.atomic_output(output) as fh:
            fh.write(text.encode("utf-8"))
    elif to_stdout:
        sys.stdout.write(text)
    if not quiet:
        for w in warnings:
            _err(f"warning: {w}")


def gate_exit(failed: list[str], n_gates: int, what: str) -> int:
    """List the failed checks on stderr; the exit code (1 when any failed, else 0)."""
    if not failed:
        return 0
    for f in failed:
        _err(f"failed: {f}")
    _err(f"Error: {len(failed)} of {n_gates} {what} failed")
    return EXIT_GATE_FAILED


def _engine_options(
    kwargs: dict[str, Any], per_sample: str | None, output: str | None, plot_dir: str | None
) -> dict[str, Any] | None:
    """Take --engine, --scheduler, --workers; None for the local engine, else dask's settings."""
    engine, scheduler = kwargs.pop("engine"), kwargs.pop("scheduler")
    workers = kwargs.pop("workers")
    if engine != "dask":
        if scheduler is not None or workers is not None:
            raise UsageError("--scheduler and --workers need --engine dask")
        return None
    if plot_dir:
        raise UsageError(
            "--plot needs the per-sample losses, which stay on the dask workers; drop --plot "
            "or use --engine local"
        )
    if per_sample and output and os.path.abspath(output) == os.path.abspath(per_sample):
        raise UsageError("--output and --per-sample must be different files")
    return {"scheduler": scheduler, "workers": workers, "per_sample_dir": per_sample}


def _compute_dask(
    predictions: str,
    labels: str | None,
    output: str | None,
    fmt: str,
    gates: list[Any],
    quiet: bool,
    options: dict[str, Any],
    engine: dict[str, Any],
) -> int:
    """--engine dask: evaluate on a Dask cluster, then report as _compute does."""
    from losscli.distributed import evaluate_dask
    from losscli.engine import Options
    from losscli.gates import check_gates
    from losscli.render import render

    options["keep_loss_values"] = False
    report = evaluate_dask(predictions, labels, Options(**options), **engine)
    failed = check_gates(gates, report.value, report.names())
    color = _color() and not output
    text = render(report, fmt, color=color, width=None if _stdout_is_terminal() else 100)
    emit(text, output, report.warnings, quiet)
    return gate_exit(failed, len(gates), "--fail-if gates")


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
    from losscli.commands.compare import compare_command
    from losscli.commands.thresholds import thresholds

    cli.add_command(thresholds)
    cli.add_command(compare_command)


_register_commands()
