"""What every test shares: the helper modules (``synthetic``, ``helpers``) made importable in
importlib mode, the CLI runner as fixtures, and the hypothesis profile of CI.

Use ``from helpers import invoke, run_json, assert_refused, assert_same_json`` at module level
(in fixtures and parametrizations too), or ask for the ``invoke`` / ``run_json`` fixture.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers  # noqa: E402 (importable only once tests/ is on the path)

# CI runs the property tests on hypothesis' fixed sequence of examples, so a landing is never
# decided by a random draw; local runs keep exploring new examples.
if os.environ.get("CI"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None)
    settings.load_profile("ci")


@pytest.fixture
def invoke():
    """``invoke(*args, input=None, env=None)``: ``losscli ARGS`` in process (``helpers.invoke``)."""
    return helpers.invoke


@pytest.fixture
def run_json():
    """``run_json(*args)``: ``losscli ARGS`` that must exit 0, its stdout as JSON
    (``helpers.run_json``)."""
    return helpers.run_json
