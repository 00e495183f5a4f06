"""``python -m losscli``: the same as the ``losscli`` command."""

from losscli._gc import pause_for_startup

pause_for_startup()  # before the command line's imports (see losscli._gc)

from losscli.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
