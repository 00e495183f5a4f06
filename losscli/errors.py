"""One exception family for losscli.

Every error a user can cause is a :class:`LossCliError`: it carries the one-line message the
CLI prints after ``Error: `` and the exit code the process ends with. The numeric core raises
these too (they are ``ValueError`` subclasses, so Python callers can catch them as usual).

Exit codes (docs/CONTRACTS.md, the README's "Exit codes"; mapped in one place,
``losscli.cli.exit_code``): 0 success, 1 a ``--fail-if`` gate failed, 2 bad usage or bad input,
3 an internal error, 4 a full disk (stdout included), 130 Ctrl-C, 141 a closed stdout (quietly
for a closed pipe, what a shell reports for SIGPIPE).
SIGTERM and SIGHUP end with 143 and 129 (:class:`Terminated`).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_DISK_FULL = 4
EXIT_INTERRUPTED = 130
EXIT_SIGHUP = 129  # 128 + SIGHUP (Terminated)
EXIT_SIGTERM = 143  # 128 + SIGTERM (Terminated)


class LossCliError(ValueError):
    """Base of every error a user can cause: a message to print and an exit code.

    >>> str(InputError("preds.csv: row 3: not a number"))
    'preds.csv: row 3: not a number'
    >>> InputError("x").exit_code
    2
    """

    exit_code: int = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(LossCliError):
    """The data is unusable as given (a file, a row, a column, a value)."""


class UsageError(LossCliError):
    """An option, or a combination of options, does not fit (names the option and the fix)."""


class StrictWarning(LossCliError):
    """A warning turned into an error by ``--strict``."""


class DiskFullError(LossCliError):
    """Writing an output failed because the disk is full."""

    exit_code = EXIT_DISK_FULL


class Terminated(BaseException):
    """SIGTERM or SIGHUP ended the run (raised by the CLI's handler; unwinds like Ctrl-C).

    A ``BaseException``, as KeyboardInterrupt is, so that no ``except Exception`` swallows it;
    the CLI exits ``128 + signum`` after every staging file is removed.

    >>> Terminated(15).exit_code
    143
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
