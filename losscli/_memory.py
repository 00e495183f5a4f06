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

A trim returns only the free pages at the top of each heap and whole free pages inside it;
the freed arrays of a run whose threads allocate side by side (``compare`` builds its
bootstrap terms on a thread beside the swaps' workers) leave heaps and thread arenas
fragmented, about 100 MB at 1M binary rows. :func:`pin_mmap_threshold` has glibc serve every
block of ``MMAP_THRESHOLD`` bytes or more (a 1M-row column is 4-8 MB) by a mapping of its
own, unmapped when freed: resident memory then follows what the arrays hold. It fixes the
threshold for the rest of the process (glibc stops raising it after large frees), and
changes no result.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

__all__ = ["MMAP_THRESHOLD", "pin_mmap_threshold", "release_freed"]

MMAP_THRESHOLD = 2 << 20
"""Blocks of at least this many bytes (2 MiB) get a mapping of their own once
:func:`pin_mmap_threshold` is called."""

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (glibc malloc.h)


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


def pin_mmap_threshold(nbytes: int = MMAP_THRESHOLD) -> bool:
    """Have glibc's malloc map every block of ``nbytes`` or more on its own, for the rest of
    the process (``mallopt(M_MMAP_THRESHOLD, nbytes)``; see the module).

    Args:
        nbytes: the threshold in bytes (glibc takes up to 32 MiB on 64-bit systems).

    Returns:
        Whether glibc took it (False on another C library or platform).

    >>> isinstance(pin_mmap_threshold(), bool)
    True
    """
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, int(nbytes)))
