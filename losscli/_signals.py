"""SIGTERM and SIGHUP end a run the way Ctrl-C does: unwinding, so that nothing is left behind.

Python turns SIGINT into KeyboardInterrupt, which runs every ``finally`` and ``with`` exit on
its way out; SIGTERM and SIGHUP would kill the process on the spot and leave the staging
files of :class:`losscli.io.outputs.OutputSet` (``.NAME.XXXX.tmp`` beside an output,
``losscli-*`` spools in the temporary folder). :func:`terminate_on_signals` raises
:class:`~losscli.errors.Terminated` instead; the CLI exits ``128 + signal`` (143, 129).
No heavy import here: the CLI installs it before ``--help``.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

from losscli.errors import Terminated

SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


def _raise_terminated(signum: int, frame: Any) -> None:
    for sig in SIGNALS:  # a second signal must not interrupt the clean-up
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`~losscli.errors.Terminated` inside the block.

    The previous handlers come back when the block ends. Outside the main thread (where
    Python cannot set handlers) this does nothing.

    >>> import os, signal
    >>> try:
    ...     with terminate_on_signals():
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ... except Terminated as e:
    ...     print(e.exit_code)
    143
    """
    previous: dict[int, Any] = {}
    try:
        for sig in SIGNALS:
            previous[sig] = signal.signal(sig, _raise_terminated)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
