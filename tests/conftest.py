"""Make the tests' shared helper modules (``synthetic``) importable in importlib mode."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# CI runs the property tests on hypothesis' fixed sequence of examples, so a landing is never
# decided by a random draw; local runs keep exploring new examples.
if os.environ.get("CI"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None)
    settings.load_profile("ci")
