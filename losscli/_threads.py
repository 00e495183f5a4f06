"""Worker threads for numpy work, and keeping OpenBLAS to one thread while they run.

numpy releases the GIL in its array loops, so a few Python threads use a few cores. A
threaded BLAS inside each of them would oversubscribe the cores (and stall when another
process is busy), so :func:`single_threaded_blas` pins the OpenBLAS that numpy loaded to one
thread for the duration (the ``*_set_num_threads`` entry points threadpoolctl also uses). When
it cannot (another BLAS, no such symbol), callers run on one thread.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["cpu_count", "single_threaded_blas"]

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def cpu_count() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it).

    >>> cpu_count() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries numpy loaded (Linux: from /proc/self/maps)."""
    import numpy as np

    found: set[str] = set()
    maps = Path("/proc/self/maps")
    if maps.exists():
        for line in maps.read_text().splitlines():
            path = line.split()[-1] if line.split() else ""
            if "openblas" in path.lower() and path.startswith("/"):
                found.add(path)
    if not found:  # macOS / Windows wheels keep it beside the package
        root = Path(np.__file__).resolve().parent
        for folder in (root.parent / "numpy.libs", root / ".dylibs"):
            if folder.is_dir():
                found.update(str(p) for p in folder.iterdir() if "openblas" in p.name.lower())
    return sorted(found)


@cache
def _openblas() -> tuple[Any, Any] | None:
    """``(set_num_threads, get_num_threads)`` of numpy's OpenBLAS, or None."""
    if sys.platform == "win32":  # pragma: no cover - loading by path differs there
        return None
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # pragma: no cover
            continue
        for name in _SETTERS:
            getter_name = name.replace("set_num_threads", "get_num_threads")
            if hasattr(lib, name) and hasattr(lib, getter_name):
                return getattr(lib, name), getattr(lib, getter_name)
    return None


@contextmanager
def single_threaded_blas() -> Iterator[bool]:
    """Pin numpy's OpenBLAS to one thread inside the block; yields whether it could.

    >>> with single_threaded_blas() as pinned:
    ...     isinstance(pinned, bool)
    True
    """
    calls = _openblas()
    if calls is None:
        yield False
        return
    setter, getter = calls
    before = int(getter())
    setter(1)
    try:
        yield True
    finally:
        setter(before)
