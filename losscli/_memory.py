"""Handing memory freed between the phases of a long run back to the operating system.

A process's peak resident memory is not only what it holds at once: allocators keep what was
freed for later. glibc's malloc raises its mmap threshold after a large block is freed (up to
32 MB), so the next arrays of that size come from the heap, whose freed pages it keeps until
a trim; pyarrow's memory pool (mimalloc or jemalloc) keeps the pages of the tables it read.
``compare`` reads two files, then builds large one-off terms for its resamples and swaps, so
without a trim each phase's peak sits on top of the earlier phases' freed pages (about 60 MB
at 1M binary rows after the two reads). :func:`release_freed` returns them: pyarrow's
``MemoryPool.release_unused`` and glibc's ``malloc_trim(0)``. Both only hand back pages
nothing uses; neither changes a result.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

__all__ = ["release_freed"]


@cache
def _glibc() -> Any:  # noqa: ANN401 - a ctypes library
    """glibc (for ``malloc_trim``), or None on another C library or platform."""
    import platform

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    import ctypes

    try:
        lib = ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover
        return None
    return lib if hasattr(lib, "malloc_trim") else None


def release_freed() -> bool:
    """Return the freed pages of pyarrow's pool (when pyarrow is loaded) and of glibc's heap.

    Returns:
        Whether anything was asked to release (False where neither applies).

    >>> isinstance(release_freed(), bool)
    True
    """
    asked = False
    pa = sys.modules.get("pyarrow")
    if pa is not None and hasattr(pa, "default_memory_pool"):
        pool = pa.default_memory_pool()
        if hasattr(pool, "release_unused"):
            pool.release_unused()
            asked = True
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
        asked = True
    return asked
