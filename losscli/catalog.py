"""The loss catalog: the registry as plain data for ``losscli losses`` and the docs.

Everything here is read from :data:`losscli.losses.REGISTRY` and
:data:`losscli.losses.PARAMS`; nothing about a loss is written twice.
"""

from __future__ import annotations

from typing import Any

#: The usual choice of loss per task (what PyTorch's and Keras' documentation recommend).
ADVICE = {
    "binary": "one output per sample: sigmoid + BCE (bce on logits is the stable form)",
    "multiclass": "one output per class, exactly one class true: softmax + cross-entropy (ce)",
    "multilabel": "one output per label, any number true: sigmoid + BCE per label (bce)",
    "regression": "mse by default; mae, huber or smooth_l1 when outliers should weigh less",
}


def entries(name: str | None = None) -> list[dict[str, Any]]:
    """One dict per registered loss (or the one named): name, tasks, formula, params, ...

    >>> [e["name"] for e in entries("bce")]
    ['bce']
    """
    from losscli.losses import PARAMS, REGISTRY, get_spec

    specs = [get_spec(name)] if name else list(REGISTRY.values())
    out = []
    for spec in specs:
        params = []
        for pname in spec.params:
            p = PARAMS[pname]
            params.append(
                {
                    "name": p.name,
                    "option": p.option,
                    "default": p.default,
                    "range": p.range_text(),
                    "help": p.help,
                }
            )
        out.append(
            {
                "name": spec.name,
                "aliases": list(spec.aliases),
                "tasks": list(spec.tasks),
                "scores": {t: list(k) for t, k in spec.scores.items()},
                "formula": dict(spec.formula),
                "reference": dict(spec.reference),
                "summary": spec.summary,
                "params": params,
            }
        )
    return out
