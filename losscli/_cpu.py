"""CPU-specific choices made before numpy is imported (the console script only).

numpy's AVX-512 sort (x86-simd-sort) is several times slower than its AVX2 sort on AMD Zen 4
(CPU family 25 with AVX-512): the memory form of ``VPCOMPRESS`` is microcoded there
(numpy/x86-simd-sort issue 6). Exact ROC AUC / average precision sort every score, so on
those CPUs the console script sets ``NPY_DISABLE_CPU_FEATURES=X86_V4`` (numpy then dispatches
its AVX2 kernels) before numpy loads. It does nothing when numpy is already imported, when
either ``NPY_DISABLE_CPU_FEATURES`` or ``NPY_ENABLE_CPU_FEATURES`` is set (the user chose),
or on any other CPU (Intel's AVX-512 sort is the faster one).

numpy's OpenBLAS is loaded with one thread (``OPENBLAS_NUM_THREADS=1``, :func:`one_blas_thread`)
unless the variable is set already: losscli runs threads of its own, and its BLAS calls are
dot products and thin matrix products that one core serves at memory speed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

__all__ = ["BLAS_THREADS", "one_blas_thread", "slow_avx512_sort", "prefer_avx2_sort"]


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


BLAS_THREADS = "OPENBLAS_NUM_THREADS"
"""The variable OpenBLAS reads, once, when numpy loads it: its number of threads."""


def one_blas_thread(environ: MutableMapping[str, str] | None = None) -> bool:
    """Have numpy's OpenBLAS run on the calling thread only: ``OPENBLAS_NUM_THREADS=1``
    before numpy is imported, unless the variable is set already (then it is the user's).

    losscli runs its own threads (the next chunk read beside this one's numbers, the
    classes' rankings, the resamples' blocks). OpenBLAS's worker thread, woken by each dot
    product, then spun on the other core: it took that core from losscli's threads, and each
    ``munmap`` of a freed large array had to flush that core's TLB too. The 1M x 10
    ``--bootstrap 1000`` run spent about 7% of its CPU in that spinning thread; with one BLAS
    thread it takes about 5% less wall time and 10% less CPU (issue #20,
    ``benchmarks/README.md``). The resample blocks pin BLAS to one thread anyway
    (:func:`losscli._threads.single_threaded_blas`).

    Args:
        environ: the environment to change (``os.environ``: then only before numpy's import).

    Returns:
        Whether the variable was set.

    >>> env = {}
    >>> one_blas_thread(env), env
    (True, {'OPENBLAS_NUM_THREADS': '1'})
    >>> one_blas_thread({"OPENBLAS_NUM_THREADS": "4"})
    False
    """
    env = os.environ if environ is None else environ
    if environ is None and "numpy" in sys.modules:
        return False  # too late: OpenBLAS started its threads when numpy was imported
    if BLAS_THREADS in env:
        return False
    env[BLAS_THREADS] = "1"
    return True
