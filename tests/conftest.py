"""What every test shares: the helper modules (``synthetic``, ``helpers``) made importable in
importlib mode, the CLI runner as fixtures, the hypothesis profile of CI, and an environment
that does not change what the commands print (:func:`hermetic_environment`).

Use ``from helpers import invoke, run_json, assert_refused, assert_same_json`` at module level
(in fixtures and parametrizations too), or ask for the ``invoke`` / ``run_json`` fixture.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(1, str(ROOT))  # this checkout's losscli, whatever the cwd or an installed copy

import helpers  # noqa: E402 (importable only once tests/ is on the path)

# CI runs the property tests on hypothesis' fixed sequence of examples, so a landing is never
# decided by a random draw; local runs keep exploring new examples.
if os.environ.get("CI"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None)
    settings.load_profile("ci")

#: Variables of the caller's terminal that change what losscli, rich or click print: the
#: width (a CI runner or a shell often exports COLUMNS), colour, the terminal kind.
TERMINAL_VARIABLES = (
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "COLORTERM",
    "TERM",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
)


@pytest.fixture(scope="session", autouse=True)
def hermetic_environment():
    """Every test, in process and in the subprocesses it starts (which copy ``os.environ``),
    sees the same environment wherever the suite runs:

    - no :data:`TERMINAL_VARIABLES` and no ``LOSSCLI_*`` / ``_LOSSCLI_*`` variable (limits,
      ``LOSSCLI_DEBUG``, the progress delay, shell completion): a test that is about one sets
      it itself (``invoke(..., env=...)``, ``monkeypatch.setenv``, a subprocess's ``env``);
    - this checkout first on ``PYTHONPATH``, so that ``python -m losscli`` in a subprocess
      runs the code under test whatever the cwd and whichever losscli is installed.

    Session-scoped, so that module fixtures (the Dask workers they start) see it too.
    """
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name in TERMINAL_VARIABLES or name.startswith(("LOSSCLI_", "_LOSSCLI_")):
                mp.delenv(name)
        path = os.environ.get("PYTHONPATH")
        mp.setenv("PYTHONPATH", str(ROOT) + (os.pathsep + path if path else ""))
        yield


@pytest.fixture
def invoke():
    """``invoke(*args, input=None, env=None)``: ``losscli ARGS`` in process (``helpers.invoke``)."""
    return helpers.invoke


@pytest.fixture
def run_json():
    """``run_json(*args)``: ``losscli ARGS`` that must exit 0, its stdout as JSON
    (``helpers.run_json``)."""
    return helpers.run_json
