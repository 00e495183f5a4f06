"""SIGTERM and SIGHUP end a run the way Ctrl-C does: unwinding, so that nothing is left behind.

Python turns SIGINT into KeyboardInterrupt, which runs every ``finally`` and ``with`` exit on
its way out; SIGTERM and SIGHUP would kill the process on the spot and leave the staging
files of :class:`losscli.io.outputs.OutputSet` (``.NAME.XXXX.tmp`` beside an output,
``losscli-*`` spools in the temporary folder). :func:`terminate_on_signals` raises
:class:`~losscli.errors.Terminated` instead; the CLI exits ``128 + signal`` (143, 129).

An exception raised by a signal handler can be lost (C code that clears errors, a
destructor), so the signal is also remembered: :func:`pending` tells
:meth:`OutputSet.commit <losscli.io.outputs.OutputSet.commit>` to refuse, and if the process
is still running :data:`GRACE` seconds later, every live output set is aborted and the
process exits with ``128 + signal`` all the same. No heavy import here: the CLI installs it
before ``--help``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

from losscli.errors import Terminated

SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))
GRACE = 10.0
"""Seconds the unwinding may take before the process is ended by force (staging removed)."""

_state: dict[str, Any] = {"pending": None, "timer": None, "held": 0}


def pending() -> int | None:
    """The number of a SIGTERM/SIGHUP received inside :func:`terminate_on_signals`, or None.

    >>> pending() is None
    True
    """
    return _state["pending"]  # type: ignore[no-any-return]


def _force_exit(signum: int) -> None:
    """The unwinding did not end the process: drop every staging file and exit now."""
    outputs = sys.modules.get("losscli.io.outputs")
    if outputs is not None:
        with contextlib.suppress(Exception):
            outputs.abort_all()
    with contextlib.suppress(Exception):
        sys.stderr.write(f"Terminated ({signal.Signals(signum).name}).\n")
        sys.stderr.flush()
    os._exit(128 + signum)


def _raise_terminated(signum: int, frame: Any) -> None:
    if _state["pending"] is None:
        _state["pending"] = signum
        timer = threading.Timer(GRACE, _force_exit, args=(signum,))
        timer.daemon = True
        timer.start()
        _state["timer"] = timer
    if _state["held"]:
        return  # raised when the held block ends
    raise Terminated(_state["pending"])


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Inside the block a SIGTERM/SIGHUP is remembered, not raised; it is raised as the block
    ends. For steps that must not be cut in two: creating a staging file and recording its
    name (cut in between, nobody would know to remove the file).

    >>> import os, signal
    >>> try:
    ...     with terminate_on_signals():
    ...         with held():
    ...             os.kill(os.getpid(), signal.SIGTERM)
    ...             print("not cut")
    ... except Terminated as e:
    ...     print(e.exit_code)
    not cut
    143
    """
    _state["held"] += 1
    try:
        yield
    finally:
        _state["held"] -= 1
    if not _state["held"] and _state["pending"] is not None:
        raise Terminated(_state["pending"])


@contextlib.contextmanager
def terminate_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`~losscli.errors.Terminated` inside the block.

    The previous handlers come back when the block ends (and a pending forced exit is
    called off). Outside the main thread (where Python cannot set handlers) this does nothing.

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
        if _state["pending"] is not None:  # the exception was lost on the way: end anyway
            raise Terminated(_state["pending"])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if previous:
            if _state["timer"] is not None:
                _state["timer"].cancel()
            _state["pending"] = _state["timer"] = None
