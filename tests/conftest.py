"""Make the tests' shared helper modules (``synthetic``) importable in importlib mode."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
