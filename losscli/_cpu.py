"""CPU-specific choices made before numpy is imported (the console script only).

numpy's AVX-512 sort (x86-simd-sort) is several times slower than its AVX2 sort on AMD Zen 4
(CPU family 25 with AVX-512): the memory form of ``VPCOMPRESS`` is microcoded there
(numpy/x86-simd-sort issue 6). Exact ROC AUC / average precision sort every score, so on
those CPUs the console script sets ``NPY_DISABLE_CPU_FEATURES=X86_V4`` (numpy then dispatches
its AVX2 kernels) before numpy loads. It does nothing when numpy is already imported, when
either ``NPY_DISABLE_CPU_FEATURES`` or ``NPY_ENABLE_CPU_FEATURES`` is set (the user chose),
or on any other CPU (Intel's AVX-512 sort is the faster one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

__all__ = ["slow_avx512_sort", "prefer_avx2_sort"]


def slow_avx512_sort(cpuinfo: str) -> bool:
    """Whether ``/proc/cpuinfo`` text describes an AMD Zen 4 CPU with AVX-512 (family 25).

    >>> slow_avx512_sort("vendor_id : AuthenticAMD\\ncpu family : 25\\nflags : sse avx512f")
    True
    >>> slow_avx512_sort("vendor_id : GenuineIntel\\ncpu family : 6\\nflags : avx512f")
    False
    """
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break  # the first processor is enough
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return (
        fields.get("vendor_id") == "AuthenticAMD"
        and fields.get("cpu family") == "25"
        and "avx512f" in fields.get("flags", "").split()
    )


def prefer_avx2_sort(
    environ: MutableMapping[str, str] | None = None, cpuinfo_path: str = "/proc/cpuinfo"
) -> bool:
    """Set ``NPY_DISABLE_CPU_FEATURES=X86_V4`` where numpy's AVX-512 sort is the slow one.

    Args:
        environ: the environment to change (``os.environ``).
        cpuinfo_path: where the CPU is described (Linux).

    Returns:
        Whether the variable was set.

    >>> prefer_avx2_sort({}, "/nonexistent")
    False
    """
    env = os.environ if environ is None else environ
    if environ is None and "numpy" in sys.modules:
        return False  # too late: numpy chose its kernels when it was imported
    if "NPY_DISABLE_CPU_FEATURES" in env or "NPY_ENABLE_CPU_FEATURES" in env:
        return False
    try:
        with open(cpuinfo_path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(1 << 16)
    except OSError:
        return False
    if not slow_avx512_sort(text):
        return False
    env["NPY_DISABLE_CPU_FEATURES"] = "X86_V4"
    return True
