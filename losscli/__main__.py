"""``python -m losscli``: the same as the ``losscli`` command."""

from losscli.cli import main

if __name__ == "__main__":
    main()
