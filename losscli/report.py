"""The evaluation report: a plain dataclass and its JSON form (the schema in
docs/CONTRACTS.md).

No rendering here; ``losscli.render`` turns a report into a table, CSV or Markdown.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any

from losscli.metrics import catalog
from losscli.records import record


def _jsonable(value: Any) -> Any:
    """Replace NaN and infinities by None and numpy scalars by Python ones, recursively.

    >>> _jsonable({"a": float("nan"), "b": [1.5, float("inf")], "c": (1, 2)})
    {'a': None, 'b': [1.5, None], 'c': [1, 2]}
    """
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if set(map(type, value)) <= {int}:  # e.g. a confusion row: nothing to replace
            return list(value)
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy
        if getattr(value, "dtype", None) is not None and value.dtype.kind in "iub":
            return value.tolist()  # whole numbers and booleans: no NaN to replace
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def lower_is_better(name: str, losses: Any = ()) -> bool:
    """Whether a smaller value of this loss or metric is better.

    Losses always are; among metrics those the catalog (:mod:`losscli.metrics.catalog`) marks
    ``higher_is_better=False``: the error and calibration measures.

    >>> lower_is_better("ce", {"ce"}), lower_is_better("f1_macro"), lower_is_better("brier")
    (True, False, True)
    """
    return name in losses or catalog.lower_is_better(name)


def _short(v: float) -> str:
    s = f"{v:g}"
    return s if float(s) == v else repr(v)


def build_signature(settings: dict[str, Any]) -> str:
    """One string that pins every setting that changes a number.

    A list's numbers are written short (``1,2``) unless that would change one: weights
    ``1.0000001,2`` and ``1,2`` give two signatures.

    >>> build_signature({"task": "binary", "scores": "probs", "threshold": 0.5})
    'task=binary|scores=probs|threshold=0.5|losscli=0.1.0'
    >>> build_signature({"class_weights": [1.0, 2.0]})
    'class_weights=1,2|losscli=0.1.0'
    >>> build_signature({"class_weights": [1.0000001, 2.0]})
    'class_weights=1.0000001,2|losscli=0.1.0'
    """
    from losscli import __version__

    parts = []
    for key, value in settings.items():
        if isinstance(value, (list, tuple)):
            value = ",".join(_short(v) if isinstance(v, float) else str(v) for v in value)
        elif value is None:
            value = "none"
        elif isinstance(value, bool):
            value = str(value).lower()
        parts.append(f"{key}={value}")
    parts.append(f"losscli={__version__}")
    return "|".join(parts)


def class_metrics(per_class: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The ``per_class`` rows keyed by class name (``class_metrics["cat"]["f1"]``), each row
    without its ``class``: what ``jq .class_metrics.cat.f1``, DVC and ``json_normalize`` read.

    >>> class_metrics([{"class": "cat", "f1": 0.5}, {"class": "dog", "f1": 0.75}])
    {'cat': {'f1': 0.5}, 'dog': {'f1': 0.75}}
    """
    return {str(row["class"]): {k: v for k, v in row.items() if k != "class"} for row in per_class}


def _with_class_metrics(part: dict[str, Any]) -> dict[str, Any]:
    """A ``--group-by`` slice with its ``class_metrics`` after ``per_class``."""
    out: dict[str, Any] = {}
    for key, value in part.items():
        out[key] = value
        if key == "per_class":
            out["class_metrics"] = class_metrics(value)
    return out


@record
class Report:
    """Everything one evaluation found. ``to_dict()`` is the JSON contract of docs/CONTRACTS.md."""

    version: str
    signature: str
    task: str
    scores: str
    n_samples: int
    classes: list[str]
    losses: dict[str, float | None]
    loss_stats: dict[str, dict[str, float | None]]
    metrics: dict[str, float | None]
    per_class: list[dict[str, Any]]
    confusion_matrix: Any
    warnings: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    inference: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    n_dropped: int = 0
    n_ignored: int = 0  # rows in n_samples with the --ignore-index label (in no statistic)
    n_elements: int | None = None  # dense inputs: the elements (rows); n_samples the images
    histograms: dict[str, Any] = field(default_factory=dict)  # table view only, not in JSON
    worst_samples: list[Any] = field(default_factory=list)  # dense --plot only, not in JSON
    # metrics this run left out (null in the JSON) -> how to ask for them; a --fail-if gate
    # on one is refused (gates.check_gates). Not in the JSON: the inference notes say it.
    left_out: dict[str, str] = field(default_factory=dict)
    ci: dict[str, Any] | None = None  # --bootstrap: level, n_boot, method, seed, intervals
    group_by: str | None = None  # --group-by: the column
    groups: dict[str, dict[str, Any]] | None = None  # its value -> that slice's report
    per_output: list[dict[str, Any]] = field(default_factory=list)  # regression, per output

    def value(self, name: str) -> float | None:
        """Look up a flat metric or loss name (``losses.ce`` / ``metrics.f1`` also work).

        With ``--bootstrap``, ``NAME.low`` and ``NAME.high`` are the interval's bounds.
        """
        for end, i in ((".low", 0), (".high", 1)):
            if self.ci and name.endswith(end):
                interval = self.interval(name[: -len(end)])
                return None if interval is None else interval[i]
        if name.startswith("losses."):
            return self.losses[name[7:]]
        if name.startswith("metrics."):
            return self.metrics[name[8:]]
        if name in self.metrics:
            return self.metrics[name]
        return self.losses[name]

    def names(self) -> list[str]:
        """Every name a ``--fail-if`` gate can use: the flat names, ``losses.NAME`` and
        ``metrics.NAME``, and with ``--bootstrap`` each of them as ``NAME.low`` / ``NAME.high``
        (an interval that is undefined on this data looks up as None, which fails its gate).

        >>> Report("0", "", "binary", "probs", 2, [], {"bce": 0.1}, {}, {"f1": 0.5}, [], []).names()
        ['f1', 'bce', 'losses.bce', 'metrics.f1']
        """
        names = list(self.metrics) + [n for n in self.losses if n not in self.metrics]
        names += [f"losses.{n}" for n in self.losses] + [f"metrics.{n}" for n in self.metrics]
        if self.ci:
            names += [f"{n}.{end}" for n in names for end in ("low", "high")]
        return names

    def interval(self, name: str) -> tuple[float, float] | None:
        """The bootstrap interval of a loss or metric, None without ``--bootstrap``.

        >>> r = Report("0", "", "binary", "probs", 2, [], {}, {}, {"f1": 0.5}, [], [])
        >>> r.interval("f1") is None
        True
        """
        if not self.ci:
            return None
        if name.startswith("losses.") and name in self.ci["intervals"]:
            value = self.ci["intervals"][name]  # a loss named like a metric (catalog.loss_key)
        else:
            for prefix in ("losses.", "metrics."):
                if name.startswith(prefix):
                    name = name[len(prefix) :]
            value = self.ci["intervals"].get(name)
        return None if value is None else (value[0], value[1])

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict (NaN and infinities become None)."""
        out = self._core()
        if self.ci is not None:
            out["ci"] = self.ci
        if self.groups is not None:
            out["group_by"] = self.group_by
            out["groups"] = {key: _with_class_metrics(part) for key, part in self.groups.items()}
        return _jsonable(out)

    def _core(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "signature": self.signature,
            "task": self.task,
            "scores": self.scores,
            "n_samples": self.n_samples,
            "n_evaluated": (self.n_samples if self.n_elements is None else self.n_elements)
            - self.n_ignored,
            "n_ignored": self.n_ignored,
            "n_dropped": self.n_dropped,
            "classes": self.classes,
            "losses": self.losses,
            "loss_stats": self.loss_stats,
            "metrics": self.metrics,
            "per_class": self.per_class,
            "class_metrics": class_metrics(self.per_class),
            "per_output": self.per_output,
            "confusion_matrix": self.confusion_matrix,
            "warnings": self.warnings,
            "inputs": self.inputs,
            "inference": self.inference,
        }
