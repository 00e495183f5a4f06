"""The ``losscli`` click group and its exit-code edge: every outcome becomes a documented code.

:class:`LossCliGroup` parses and runs a command and flushes stdout inside one guard;
:func:`exit_code` maps whatever happened to the README's exit codes (the one place that does);
:func:`main` is the console script. The commands live in one module each (``compute``,
``compare``, ``thresholds``, ``losses``), named in :data:`COMMANDS` with the short help that
``losscli --help`` lists; a command's module is imported only when that command runs (or its
own ``--help`` is asked for), so ``losscli compute`` does not import the other three.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any, NoReturn

import click

from losscli import __version__
from losscli._gc import pause_for_startup
from losscli.cli.options import CONTEXT
from losscli.cli.output import err as _err
from losscli.errors import (
    EXIT_BAD_INPUT,
    EXIT_DISK_FULL,
    EXIT_GATE_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    LossCliError,
    Terminated,
)
from losscli.lazy import Lazy

EXIT_BROKEN_PIPE = 141  # what a shell reports for a program ended by SIGPIPE

#: name -> (the command object, by module and name; the first sentence of its help, which
#: ``losscli --help`` lists without importing the module). A test keeps each sentence equal
#: to the command's own.
COMMANDS: dict[str, tuple[Lazy, str]] = {
    "compute": (
        Lazy("losscli.cli.compute", "compute"),
        "Compute losses and metrics for PREDICTIONS (and LABELS, when they are a separate file).",
    ),
    "compare": (
        Lazy("losscli.cli.compare", "compare_command"),
        "Compare two models' outputs on the same rows: is B better than A beyond chance?",
    ),
    "thresholds": (
        Lazy("losscli.cli.thresholds", "thresholds"),
        "Choose the decision threshold: sweep it over PREDICTIONS (binary or multi-label).",
    ),
    "losses": (
        Lazy("losscli.cli.losses", "losses_command"),
        "The loss catalog: every loss, its tasks, formula, parameters and reference.",
    ),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported on first lookup (click's ``Group.commands``).

    ``get_command`` / ``cli.commands[name]`` import the command's module; iterating lists the
    names without importing anything, and :meth:`short_help` gives the help line of one not yet
    imported from the table. A command added with ``add_command`` is kept as it is.

    Args:
        table: name -> (:class:`~losscli.lazy.Lazy` command, first sentence of its help).
    """

    def __init__(self, table: dict[str, tuple[Lazy, str]]) -> None:
        self._table = dict(table)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            self._loaded[name] = self._table[name][0].load()  # KeyError: no such command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._loaded.pop(name, None)
        self._table.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._table, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._table) | set(self._loaded))

    def __contains__(self, name: object) -> bool:
        return name in self._table or name in self._loaded

    def short_help(self, name: str, limit: int) -> str:
        """The help line of a command within ``limit`` characters, as click shortens it.

        Args:
            name: a command name.
            limit: the width left for the line.

        Returns:
            The command's own short help once it is imported, else the table's sentence
            shortened the same way.
        """
        if name in self._loaded:
            return self._loaded[name].get_short_help_str(limit)
        # click's public way to shorten a help text (its make_default_short_help is private
        # and deprecated): a bare command holding the sentence
        return click.Command(name, help=self._table[name][1]).get_short_help_str(limit)


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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands" section of ``losscli --help``, without importing a command's module
        (click's own asks every command object for its help line)."""
        commands = self.commands
        if not isinstance(commands, LazyCommands):
            super().format_commands(ctx, formatter)
            return
        names = self.list_commands(ctx)
        if names:
            limit = formatter.width - 6 - max(len(n) for n in names)
            with formatter.section("Commands"):
                formatter.write_dl([(n, commands.short_help(n, limit)) for n in names])

    def run(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        *,
        import_first: bool = False,
        **extra: Any,  # noqa: ANN401 - click's context settings
    ) -> int:
        """Parse ``args``, run the command, flush stdout; the exit code (never raises).

        ``import_first`` (the console script, :func:`main`): :func:`import_named_command`
        before click parses, inside the same guards (Ctrl-C or SIGTERM during those imports
        ends as anywhere else in the run).
        """
        from losscli._signals import terminate_on_signals

        try:
            argv = sys.argv[1:] if args is None else list(args)
            prog = prog_name or "losscli"
            self._main_shell_completion(extra, prog, complete_var)
            with terminate_on_signals():  # SIGTERM/SIGHUP unwind like Ctrl-C: no litter
                if import_first:
                    import_named_command(argv)
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


@click.group(cls=LossCliGroup, context_settings=CONTEXT, commands=LazyCommands(COMMANDS))
@click.version_option(__version__, "-V", "--version", prog_name="losscli")
def cli() -> None:
    """Exact losses and metrics for a file of model outputs.

    \b
    losscli compute preds.csv                  # labels in a 'label' column
    losscli compute logits.npy labels.npy --loss ce --loss focal
    losscli compute preds.csv --fail-if "f1_macro < 0.9"   # exit 1 in CI
    """


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

    Start-up holds back the cyclic garbage collector (:func:`losscli._gc.pause_for_startup`;
    the evaluation ends that once its first chunk is in).
    """
    pause_for_startup()
    _claim_std_fds()
    _buffered_stdout()
    code = cli.run(prog_name="losscli", import_first=True)
    _exit(code)


#: What every command's run imports, imported first by :func:`import_named_command`: numpy's
#: import tree is the deepest of them (some 13 imports, 1,250 frame slots).
RUN_IMPORTS = ("numpy",)


def import_named_command(args: Sequence[str]) -> None:
    """Import what the command ``args`` name will need, from near the bottom of the call stack
    (:meth:`LossCliGroup.run` for :func:`main`, before click parses).

    CPython 3.11 keeps its Python frames on a stack of 16 KiB chunks and frees a chunk as soon
    as the frame that opened it returns. numpy's import tree is deep (see
    :data:`RUN_IMPORTS`); imported from inside click's command lookup or the command's run,
    5-6 KiB down the stack, it reached into a second chunk, and every call there mapped and
    unmapped one: about 900 times in a 10-row ``losscli compute`` (a ``mmap``, a ``munmap``
    and page faults each, and while OpenBLAS's worker thread spins on another core a TLB
    flush there: on a quiet machine most of that run's CPU time over ``import numpy``, issue
    #20; ``benchmarks/README.md``). Imported from here, :data:`RUN_IMPORTS` and then the
    command's module fit in the first chunk.

    Nothing else changes: the run imports the same modules later (cached lookups), an import
    that fails here is left for that later import to report through :func:`exit_code` as it
    always has, and a command's ``--help`` imports only the command's module (what click's
    help imports anyway).

    Args:
        args: the command line after the program name (``sys.argv[1:]``).

    >>> import_named_command(["--version"])  # no command named: nothing imported
    """
    if not args or args[0] not in COMMANDS:
        return
    helped = any(a in CONTEXT["help_option_names"] for a in args[1:])
    for load in (*(() if helped else RUN_IMPORTS), COMMANDS[args[0]][0].module):
        try:
            importlib.import_module(load)
        except Exception:  # noqa: BLE001, S112 - reported when the run imports it again
            continue


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
