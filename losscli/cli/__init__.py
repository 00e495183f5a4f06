"""The ``losscli`` command line (click only): the group, its exit-code edge and the commands.

``losscli.cli:main`` is the console script (also ``python -m losscli``); ``cli`` is the click
group that tests drive through ``CliRunner``.
"""

from losscli._cpu import one_blas_thread, prefer_avx2_sort

prefer_avx2_sort()  # before numpy is imported (AMD Zen 4: numpy's AVX2 sort is ~5x faster)
one_blas_thread()  # OpenBLAS without a worker thread spinning beside losscli's own

from losscli.cli.app import EXIT_BROKEN_PIPE, LossCliGroup, cli, exit_code, main  # noqa: E402

__all__ = ["EXIT_BROKEN_PIPE", "LossCliGroup", "cli", "exit_code", "main"]
