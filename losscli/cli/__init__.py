"""The ``losscli`` command line (click only): the group, its exit-code edge and the commands.

``losscli.cli:main`` is the console script (also ``python -m losscli``); ``cli`` is the click
group that tests drive through ``CliRunner``.
"""

from losscli.cli.app import EXIT_BROKEN_PIPE, LossCliGroup, cli, exit_code, main

__all__ = ["EXIT_BROKEN_PIPE", "LossCliGroup", "cli", "exit_code", "main"]
