"""``--fail-if`` gates: ``NAME OP NUMBER`` expressions, parsed (never ``eval``-ed).

A gate *fails* when its condition holds: ``--fail-if "f1_macro < 0.9"`` fails the run when the
macro F1 is below 0.9. An undefined value (None) fails its gate too: a CI job cannot confirm it.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence

from losscli.errors import UsageError
from losscli.losses.registry import REGISTRY
from losscli.metrics import catalog
from losscli.records import record

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_GATE = re.compile(
    r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_.@=]*)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


@record(frozen=True)
class Gate:
    """One parsed gate."""

    name: str
    op: str
    threshold: float
    text: str

    def fails(self, value: float | None) -> bool:
        """True when the gate's condition holds (or the value is undefined).

        >>> parse_gate("accuracy < 0.9").fails(0.85)
        True
        >>> parse_gate("accuracy < 0.9").fails(0.95)
        False
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return True
        return OPS[self.op](value, self.threshold)


def parse_gate(text: str) -> Gate:
    """Parse ``NAME OP NUMBER``; raise UsageError with the expected form otherwise.

    Before any data is read, NAME must be a loss (:data:`~losscli.losses.registry.REGISTRY`)
    or a metric of the catalog (:mod:`losscli.metrics.catalog`), optionally as
    ``losses.NAME`` / ``metrics.NAME`` and ``NAME.low`` / ``NAME.high``; an unknown name is a
    UsageError listing the close names. Whether this run's report has it (the task, the
    options) is checked once the report exists (:func:`check_gate_names`).

    >>> parse_gate("ce > 0.35")
    Gate(name='ce', op='>', threshold=0.35, text='ce > 0.35')
    >>> try:
    ...     parse_gate("rocauc > 0.9")
    ... except UsageError as e:
    ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
    --fail-if 'rocauc > 0.9': unknown name 'rocauc';
    close names: roc_auc, roc_auc_micro, roc_auc_macro
    """
    m = _GATE.match(text)
    if not m:
        raise UsageError(
            f"--fail-if {text!r} is not of the form NAME OP NUMBER "
            "(OP one of < <= > >= == !=), e.g. --fail-if 'f1_macro < 0.9'"
        )
    gate = Gate(m["name"], m["op"], float(m["num"]), text.strip())
    if math.isinf(gate.threshold):  # 1e999: a gate that always or never fails
        raise UsageError(
            f"--fail-if {text!r}: {m['num']} is beyond the largest number (about 1.8e308); "
            "give a finite number"
        )
    _check_known(gate)
    return gate


def _check_known(gate: Gate) -> None:
    """UsageError unless the gate's name is some loss or some catalog metric."""
    base = gate.name
    for prefix in ("losses.", "metrics."):
        if base.startswith(prefix):
            base = base[len(prefix) :]
    for end in _BOUNDS:
        if base.endswith(end):
            base = base[: -len(end)]
    known = [*catalog.all_names(), *REGISTRY]
    if base in known or catalog.known(base):
        return
    close = catalog.close_matches(base, known)
    tail = (
        f"close names: {', '.join(close)}"
        if close
        else "see docs/CONTRACTS.md for the metrics and `losscli losses` for the losses"
    )
    raise UsageError(f"--fail-if {gate.text!r}: unknown name {base!r}; {tail}")


def check_gates(
    gates: Sequence[Gate],
    lookup: Callable[[str], float | None],
    names: Sequence[str],
    left_out: Mapping[str, str] | None = None,
) -> list[str]:
    """Evaluate gates against a report; return one message per failed gate.

    ``names`` is every name a gate may use (``Report.names()``: the flat names, their
    ``losses.``/``metrics.`` spellings and, with ``--bootstrap``, ``NAME.low``/``NAME.high``).
    A name outside it is a UsageError listing the flat names; a known name whose value is
    undefined (None or NaN, e.g. the interval of a metric undefined on this data) fails.
    ``left_out`` (``Report.left_out``): metrics the run left out unless asked, each with how
    to ask; a gate on one (or its bounds) is a UsageError saying so, not a failed gate.

    >>> check_gates([parse_gate("f1 < 0.9")], {"f1": 0.8}.get, ["f1"])
    ['f1 < 0.9 (f1 = 0.8)']
    >>> check_gates([parse_gate("f1.low < 0.9")], {}.get, ["f1", "f1.low", "f1.high"])
    ['f1.low < 0.9 (f1.low = undefined)']
    >>> try:
    ...     check_gates([parse_gate("roc_auc < 0.9")], {}.get, ["roc_auc"], {"roc_auc": "add X"})
    ... except UsageError as e:
    ...     print(e)
    --fail-if 'roc_auc < 0.9': roc_auc is left out of this run (reported as null); add X
    """
    check_gate_names(gates, names)
    for gate in gates:
        base = gate.name.removeprefix("metrics.")
        for end in _BOUNDS:
            base = base.removesuffix(end)
        if left_out and base in left_out:
            raise UsageError(
                f"--fail-if {gate.text!r}: {base} is left out of this run (reported as null); "
                f"{left_out[base]}"
            )
    failed = []
    for gate in gates:
        value = lookup(gate.name)
        if gate.fails(value):
            undefined = value is None or (isinstance(value, float) and math.isnan(value))
            shown = "undefined" if undefined else f"{value:.6g}"
            failed.append(f"{gate.text} ({gate.name} = {shown})")
    return failed


_BOUNDS = (".low", ".high")


def check_gate_names(gates: Sequence[Gate], names: Sequence[str]) -> None:
    """Raise UsageError for the first gate whose name the report does not have.

    Called as soon as the report exists, before any output file is committed.

    >>> check_gate_names([parse_gate("f1 < 0.9")], ["f1", "ce"])
    """
    valid = set(names)
    for gate in gates:
        if gate.name not in valid:
            raise UsageError(_unknown_name(gate, names))


def check_bounds_need_bootstrap(gates: Sequence[Gate], bootstrap: int) -> None:
    """Before any data is read: ``NAME.low`` / ``NAME.high`` gates need ``--bootstrap N``.

    >>> check_bounds_need_bootstrap([parse_gate("f1.low < 0.9")], 1000)
    >>> try:
    ...     check_bounds_need_bootstrap([parse_gate("f1.high > 0.2")], 0)
    ... except UsageError as e:
    ...     print(e)  # doctest: +ELLIPSIS
    --fail-if 'f1.high > 0.2': 'f1.high' is a bootstrap interval bound; add --bootstrap N ...
    """
    for gate in gates:
        if gate.name.endswith(_BOUNDS) and not bootstrap:
            raise UsageError(
                f"--fail-if {gate.text!r}: {gate.name!r} is a bootstrap interval bound; "
                "add --bootstrap N (e.g. --bootstrap 1000)"
            )


def _unknown_name(gate: Gate, names: Sequence[str]) -> str:
    flat = [
        n for n in names if not n.startswith(("losses.", "metrics.")) and not n.endswith(_BOUNDS)
    ]
    head = f"--fail-if {gate.text!r}: "
    section, _, rest = gate.name.partition(".")
    if section in ("losses", "metrics"):
        other = "metrics" if section == "losses" else "losses"
        if f"{other}.{rest}" in names:
            kind = {"losses": "loss", "metrics": "metric"}
            return (
                f"{head}{rest!r} is not a {kind[section]} but a {kind[other]}; write {rest!r} "
                f"or '{other}.{rest}'"
            )
    base = gate.name.rsplit(".", 1)[0]
    if (
        gate.name.endswith(_BOUNDS)
        and base in names
        and not any(n.endswith(_BOUNDS) for n in names)
    ):
        return (
            f"{head}{gate.name!r} is a bootstrap interval bound; add --bootstrap N "
            "(e.g. --bootstrap 1000)"
        )
    return f"{head}unknown name {gate.name!r}; this report has " + ", ".join(flat)
