"""losscli: exact losses and metrics for files of model outputs.

Public Python API::

    from losscli import evaluate, losses, metrics
    report = evaluate("preds.csv", losses=["ce"])
    report.to_dict()

Heavy modules (pandas, pyarrow, rich) are imported lazily, so ``import losscli`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "activations", "evaluate", "losses", "metrics", "Report"]

_LAZY = {
    "evaluate": ("losscli.engine", "evaluate"),
    "Report": ("losscli.report", "Report"),
    "activations": ("losscli.activations", None),
    "losses": ("losscli.losses", None),
    "metrics": ("losscli.metrics", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'losscli' has no attribute {name!r}")
    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value
