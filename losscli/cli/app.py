"""The ``losscli`` command line: click commands only (options, calls, rendering, exit codes).

No numerics and no file parsing live here: ``losscli.engine.evaluate`` does the work and
``losscli.render`` prints its report. Heavy imports (pandas, pyarrow, rich) happen inside the
commands, so ``losscli --help`` stays instant.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from losscli import __version__
from losscli.cli.options import evaluation_options, input_options, take_evaluation_options
from losscli.errors import (
    EXIT_BAD_INPUT,
    EXIT_DISK_FULL,
    EXIT_GATE_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    LossCliError,
    Terminated,
    UsageError,
)

EXIT_BROKEN_PIPE = 141  # what a shell reports for a program ended by SIGPIPE
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _err(message: str) -> None:
    try:
        click.echo(message, err=True)
    except (OSError, ValueError, AttributeError):  # stderr closed: the exit code still tells
        pass


class LossCliGroup(click.Group):
    """A click group whose every outcome is a documented exit code (see :func:`exit_code`).

    click's own ``main`` turns a closed pipe into exit 1 (the gate-failed code) even with
    ``standalone_mode=False``, so this one parses and invokes the command itself, flushes
    stdout inside the same guard (a small report is only written by that flush) and maps
    whatever happened through :func:`exit_code`. It ends with ``sys.exit(code)``;
    :func:`main` (the console script) takes the same path through :meth:`run`.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,  # noqa: ARG002 - always "standalone": an exit code
        **extra: Any,  # noqa: ANN401 - click's signature
    ) -> NoReturn:
        sys.exit(self.run(args, prog_name, complete_var, **extra))

    def run(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        **extra: Any,  # noqa: ANN401 - click's context settings
    ) -> int:
        """Parse ``args``, run the command, flush stdout; the exit code (never raises)."""
        from losscli._signals import terminate_on_signals

        try:
            argv = sys.argv[1:] if args is None else list(args)
            prog = prog_name or "losscli"
            self._main_shell_completion(extra, prog, complete_var)
            with terminate_on_signals():  # SIGTERM/SIGHUP unwind like Ctrl-C: no litter
                with self.make_context(prog, argv, **extra) as ctx:
                    rv = self.invoke(ctx)
            code = rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
        except BaseException as e:  # noqa: BLE001 - every outcome becomes an exit code
            code = exit_code(e)
        try:
            _flush(sys.stdout)
        except BaseException as e:  # noqa: BLE001 - a closed pipe or a full disk, mapped
            code = exit_code(e)
        return code


class StdoutError(OSError):
    """Writing stdout failed (raised by the stdout that :func:`main` installs)."""


def _debug() -> bool:
    """``LOSSCLI_DEBUG`` is on only as ``1``, ``true`` or ``yes`` (``0`` or ``no`` is off)."""
    return os.environ.get("LOSSCLI_DEBUG", "").strip().lower() in ("1", "true", "yes")


def exit_code(e: BaseException) -> int:
    """The exit code of an exception that reached the command line, after its stderr line.

    The one place that maps outcomes to the README's exit codes: click usage errors and
    :class:`~losscli.errors.LossCliError` print ``Error: …`` (2, or the error's own code);
    a closed pipe on stdout ends quietly with 141 (as if killed by SIGPIPE, what a shell
    shows for ``yes | head``); stdout closed before the start (``>&-``) is 141 too, with one
    line saying nothing was written; a full disk is 4; Ctrl-C 130; anything else is a bug
    (3), with the traceback on stderr when ``LOSSCLI_DEBUG=1`` (the code stays 3).

    >>> exit_code(click.exceptions.Exit(0))
    0
    """
    if isinstance(e, SystemExit):
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        _err(str(e.code))
        return EXIT_GATE_FAILED
    if isinstance(e, click.exceptions.Exit):
        return e.exit_code
    if isinstance(e, click.exceptions.NoArgsIsHelpError):
        # `losscli` alone: the help, on stdout, exit 0 (not an "Error: Usage: …" wall)
        try:
            click.echo(e.ctx.get_help())
            return 0
        except BaseException as inner:  # noqa: BLE001 - e.g. the help into a closed pipe
            return exit_code(inner)
    if isinstance(e, Terminated):  # SIGTERM or SIGHUP: the outputs are already cleaned up
        import signal

        _err(f"Terminated ({signal.Signals(e.signum).name}).")
        return e.exit_code
    if isinstance(e, (KeyboardInterrupt, click.exceptions.Abort)):
        # end the line the terminal's ^C started, then say what happened
        _err("\nInterrupted.")
        return EXIT_INTERRUPTED
    if isinstance(e, click.ClickException):
        hint = ""
        ctx = getattr(e, "ctx", None)
        if isinstance(e, click.UsageError) and ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        _err(f"Error: {e.format_message()}{hint}")
        return EXIT_BAD_INPUT  # every click error is a usage error (click's own code is 1)
    if isinstance(e, LossCliError):
        _err(f"Error: {e.message}")
        return e.exit_code
    if isinstance(e, OSError) and e.errno in (errno.EPIPE, errno.EBADF, errno.ENOSPC, errno.EDQUOT):
        return _output_failed(e)
    return _internal(e)


def _output_failed(e: OSError) -> int:
    """A closed pipe, a closed stdout or a full disk; stdout is pointed at /dev/null so
    the interpreter's final flush of what is still buffered cannot fail again."""
    _quiet_stdout()
    if e.errno == errno.EPIPE:
        return EXIT_BROKEN_PIPE
    if e.errno == errno.EBADF:
        if not isinstance(e, StdoutError):
            return _internal(e)
        _err(
            "Error: stdout is closed, so nothing was written; redirect it (> report.json) or "
            "pass --output FILE"
        )
        return EXIT_BROKEN_PIPE
    what = "stdout" if isinstance(e, StdoutError) else "the output"
    why = "the disk is full" if e.errno == errno.ENOSPC else "disk quota exceeded"
    _err(f"Error: cannot write {what}: {why}; free space and retry")
    return EXIT_DISK_FULL


def _internal(e: BaseException) -> int:
    if _debug():
        import traceback

        try:
            traceback.print_exception(type(e), e, e.__traceback__, file=sys.stderr)
        except (OSError, ValueError, AttributeError):
            pass
    _err(
        f"Error: internal error ({type(e).__name__}: {e}). This is a bug in losscli; rerun with "
        "LOSSCLI_DEBUG=1 for the traceback and report it."
    )
    return EXIT_INTERNAL


def _flush(stream: Any) -> None:  # noqa: ANN401 - any text stream, or None when closed
    if stream is not None:
        stream.flush()


def _quiet_stdout() -> None:
    # Python flushes stdout at exit; point it at devnull so that flush cannot fail again
    # (the Python docs' advice for SIGPIPE). Under CliRunner stdout has no descriptor.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
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
    from losscli.gates import check_bounds_need_bootstrap, parse_gate

    gates = [parse_gate(g) for g in kwargs.pop("gates")]
    check_bounds_need_bootstrap(gates, kwargs["bootstrap"])
    fmt_opt, output, per_sample = kwargs.pop("fmt"), kwargs.pop("output"), kwargs.pop("per_sample")
    quiet, plot_dir = kwargs.pop("quiet"), kwargs.pop("plot_dir")
    engine = _engine_options(kwargs, per_sample, output, plot_dir)
    predictions, labels = kwargs.pop("predictions"), kwargs.pop("labels")
    if predictions == "-" and labels == "-":
        raise UsageError("only one of PREDICTIONS and LABELS can be '-' (stdin)")
    fmt = _format_for(fmt_opt, output)

    if plot_dir and kwargs.get("auc_bins"):
        raise UsageError(
            "--plot draws ROC and precision-recall curves from the scores, which --auc-bins "
            "does not keep; drop one of the two"
        )
    if plot_dir:
        from losscli.plots import require_matplotlib

        require_matplotlib()
    from losscli import io

    with io.OutputSet() as outs:  # nothing is in place until outs.commit()
        _declare_outputs(outs, output, per_sample, plot_dir, dask=engine is not None)
        _declare_inputs(outs, [("PREDICTIONS", predictions), ("LABELS", labels)], kwargs)
        outs.check()  # before any input is read
        kwargs.update(
            take_evaluation_options(kwargs),
            # per-sample losses are kept (float32) only for the pictures and the terminal
            # histograms
            keep_loss_values=bool(plot_dir) or fmt == "table",
        )
        if engine is not None:
            code = _compute_dask(
                predictions, labels, output, fmt, gates, quiet, kwargs, engine, outs
            )
        else:
            code = _compute(
                predictions, labels, per_sample, output, fmt, gates, quiet, plot_dir, kwargs, outs
            )
        outs.commit()  # exit 0 or 1: the report and every other output go in place
        return code


def _declare_outputs(
    outs: Any, output: str | None, per_sample: str | None, plot_dir: str | None, *, dask: bool
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


def _declare_inputs(
    outs: Any, inputs: list[tuple[str, str | None]], kwargs: dict[str, Any]
) -> None:
    """Declare the input files (and a --threshold @FILE) a command reads, for outs.check()."""
    for what, path in inputs:
        outs.add_input(what, path)
    threshold = kwargs.get("threshold")
    if isinstance(threshold, str) and threshold.startswith("@"):
        outs.add_input(f"--threshold {threshold}", threshold[1:])


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
    outs: Any,
) -> int:
    """Run the evaluation, render the report into ``outs``, check the gates; the exit code."""
    import contextlib

    from losscli import io
    from losscli.engine import Evaluation, Options
    from losscli.gates import check_gate_names, check_gates

    ev = Evaluation(predictions, labels, Options(**options))
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
        report = ev.run(sink)
        check_gate_names(gates, report.names())  # a bad name: exit 2 before the commit
    failed = check_gates(gates, report.value, report.names())
    if plot_dir:
        from losscli.plots import write_plots

        write_plots(ev, report.to_dict(), plot_dir, collector=sink, outputs=outs)

    from losscli.render import render

    if fmt == "table":
        from losscli.render.histogram import text_histograms

        report.histograms = text_histograms(ev)
    color = _color() and not output
    text = render(report, fmt, color=color, width=None if _stdout_is_terminal() else 100)
    # with --per-sample -, stdout carries the rows and the report goes only to --output
    emit(text, output, report.warnings, quiet, outs, to_stdout=per_sample != "-")
    return gate_exit(failed, len(gates), "--fail-if gates")


def emit(
    text: str,
    output: str | None,
    warnings: list[str],
    quiet: bool,
    outs: Any,
    *,
    to_stdout: bool = True,
) -> None:
    """Stage a result for ``--output`` or stdout in ``outs``; print its warnings to stderr.

    Nothing reaches the file or stdout before ``outs.commit()``.
    """
    if output:
        outs.write("--output", text.encode("utf-8"))
    elif to_stdout:
        outs.stdout(text)
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
    outs: Any,
) -> int:
    """--engine dask: evaluate on a Dask cluster, then report as _compute does."""
    from losscli.distributed import evaluate_dask
    from losscli.engine import Options
    from losscli.gates import check_gates
    from losscli.render import render

    options["keep_loss_values"] = False
    report = evaluate_dask(predictions, labels, Options(**options), **engine, outputs=outs)
    failed = check_gates(gates, report.value, report.names())
    color = _color() and not output
    text = render(report, fmt, color=color, width=None if _stdout_is_terminal() else 100)
    emit(text, output, report.warnings, quiet, outs)
    return gate_exit(failed, len(gates), "--fail-if gates")


def main() -> NoReturn:
    """Console-script entry point (also ``python -m losscli``): run, flush, ``os._exit``.

    The process ends with ``os._exit`` once every output is complete: the commands close and
    commit their files before they return, :meth:`LossCliGroup.run` has flushed stdout (a
    failure there is already an exit code), and here the non-daemon threads are joined, the
    ``atexit`` handlers run and stderr is flushed -- all that a normal interpreter exit does
    that matters. What is skipped is the C-level teardown after it: static destructors
    of pyarrow's CPU and IO thread pools, which now and then abort a finished run with
    ``terminate called without an active exception`` (exit 134; apache/arrow issue 34314,
    and a hang at exit in 50482). ``use_threads=False`` in the readers would avoid only the
    pools those readers start (pyarrow.compute and the Parquet writer use them too) and cost
    the threaded CSV parse; skipping the teardown covers every pool and costs nothing.
    ``benchmarks/stress_exit.py`` checks it under load (500 runs, no abort).
    """
    _claim_std_fds()
    _buffered_stdout()
    code = cli.run(prog_name="losscli")
    _exit(code)


def _claim_std_fds() -> None:
    """Occupy a closed fd 0, 1 or 2 (``>&-``) so that no file opened later lands on it.

    Python leaves ``sys.stdout`` None when fd 1 was closed; the next ``open`` would get fd 1
    and the report would go into that file. fd 1 gets /dev/null read-only, so writing the
    report fails with EBADF (stdout closed: exit 141 and one line, see :func:`exit_code`).
    """
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_RDONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, flags)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
            except OSError:
                pass


class _StdoutRaw(io.RawIOBase):
    """fd 1 as a raw stream whose write errors are :class:`StdoutError`."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: Any) -> int:  # noqa: ANN401 - a bytes-like object
        try:
            return os.write(self._fd, data)
        except OSError as e:
            raise StdoutError(e.errno, f"stdout: {e.strerror}") from None

    def close(self) -> None:  # fd 1 stays open for whatever runs at exit
        super().close()


def _buffered_stdout() -> None:
    """Replace ``sys.stdout`` with a buffered writer on fd 1 whose errors name stdout.

    With ``PYTHONUNBUFFERED=1`` Python's stdout writes straight to the descriptor and ignores
    a short write, so a pipe closed midway ended with exit 0 and a cut report. A
    ``BufferedWriter`` writes the rest and so meets the error; with it the exit code does not
    depend on PYTHONUNBUFFERED. A terminal stays line-buffered.
    """
    old = sys.stdout
    encoding = getattr(old, "encoding", None) or "utf-8"
    errors = getattr(old, "errors", None) or "strict"
    raw = _StdoutRaw(1)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=encoding,
        errors=errors,
        line_buffering=raw.isatty(),
    )


def _exit(code: int) -> NoReturn:
    """End the process now: threads joined, atexit run, stderr flushed (see :func:`main`)."""
    import atexit
    import threading

    try:
        # what Py_Finalize does first: threading's own exit hooks (idle executors stop),
        # then join every non-daemon thread; then the atexit handlers
        threading._shutdown()  # type: ignore[attr-defined]
    except BaseException:  # noqa: BLE001
        for t in threading.enumerate():
            if t is not threading.main_thread() and not t.daemon and t.is_alive():
                t.join()
    try:
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - a failing handler must not change the code
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            _flush(stream)
        except BaseException:  # noqa: BLE001 - already reported by LossCliGroup.run
            pass
    os._exit(code)


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
    from losscli.cli.compare import compare_command
    from losscli.cli.thresholds import thresholds

    cli.add_command(thresholds)
    cli.add_command(compare_command)


_register_commands()
