"""The cyclic garbage collector held back while the command line starts (issue #20, start-up).

Start-up makes some 45,000 container objects -- numpy's, click's and losscli's modules,
classes, functions and their dicts -- and none of them is garbage: they live as long as the
process. CPython's collector, started every 700 new objects, walks them all the same: about
45 young and 4 older collections, 3-6 ms of a 10-row ``losscli compute`` (22 M of its 578 M
instructions, counted by callgrind). :func:`pause_for_startup` (the console script and
``python -m losscli`` only) raises the young generation's threshold for the start-up, so
nothing is collected then; :func:`startup_done` (the reader calls it once its first chunk
is through: the modules the run needs are imported and its accumulators built) moves what
exists into the collector's permanent generation (``gc.freeze``: never walked again, as the
CPython docs advise for objects that live as long as the process) and puts the threshold
back.

The collector is never off: until :func:`startup_done` it still runs every
:data:`STARTUP_THRESHOLD` new objects (a command that evaluates nothing, or the Dask client,
keeps that), so cyclic garbage stays bounded. Library use (``import losscli``, tests through
``CliRunner``) never pauses it, and :func:`startup_done` is then a no-op.
"""

from __future__ import annotations

import gc

__all__ = ["STARTUP_THRESHOLD", "pause_for_startup", "paused", "startup_done"]

#: The young generation's threshold during start-up: more new container objects than a small
#: run's whole start-up makes (about 45,000), so no collection walks them.
STARTUP_THRESHOLD = 200_000

_saved: list[tuple[int, ...]] = []  # the thresholds before the pause (one entry when paused)


def pause_for_startup() -> None:
    """Raise the young generation's collection threshold to :data:`STARTUP_THRESHOLD` until
    :func:`startup_done` (once; a second call, or a collector already tuned higher, is left
    as it is).

    >>> import gc
    >>> before = gc.get_threshold()
    >>> pause_for_startup(); gc.get_threshold()[0] == STARTUP_THRESHOLD, paused()
    (True, True)
    >>> startup_done(); gc.get_threshold() == before, paused()
    (True, False)
    """
    threshold = gc.get_threshold()
    if _saved or not gc.isenabled() or threshold[0] >= STARTUP_THRESHOLD:
        return
    _saved.append(threshold)
    gc.set_threshold(STARTUP_THRESHOLD, *threshold[1:])


def paused() -> bool:
    """Whether :func:`pause_for_startup` holds the collector back now."""
    return bool(_saved)


def startup_done() -> None:
    """End the pause: freeze what start-up made (``gc.freeze``) and restore the thresholds.

    A no-op unless :func:`pause_for_startup` paused the collector (library use, a second
    evaluation).
    """
    if not _saved:
        return
    threshold = _saved.pop()
    gc.freeze()  # the start-up's modules, classes and functions: never walked again
    gc.set_threshold(*threshold)
