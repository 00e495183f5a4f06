"""``--fail-if`` gates: ``NAME OP NUMBER`` expressions, parsed (never ``eval``-ed).

A gate *fails* when its condition holds: ``--fail-if "f1_macro < 0.9"`` fails the run when the
macro F1 is below 0.9. An undefined value (None) fails its gate too: a CI job cannot confirm it.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from losscli.errors import UsageError

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


@dataclass(frozen=True)
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

    >>> parse_gate("ce > 0.35")
    Gate(name='ce', op='>', threshold=0.35, text='ce > 0.35')
    """
    m = _GATE.match(text)
    if not m:
        raise UsageError(
            f"--fail-if {text!r} is not of the form NAME OP NUMBER "
            "(OP one of < <= > >= == !=), e.g. --fail-if 'f1_macro < 0.9'"
        )
    return Gate(m["name"], m["op"], float(m["num"]), text.strip())


def check_gates(
    gates: Sequence[Gate], lookup: Callable[[str], float | None], names: Sequence[str]
) -> list[str]:
    """Evaluate gates against a report; return one message per failed gate.

    Unknown names are a UsageError listing the names that exist.

    >>> check_gates([parse_gate("f1 < 0.9")], {"f1": 0.8}.get, ["f1"])
    ['f1 < 0.9 (f1 = 0.8)']
    """
    failed = []
    for gate in gates:
        base = (
            gate.name.split(".", 1)[1]
            if gate.name.startswith(("losses.", "metrics."))
            else gate.name
        )
        if base not in names:
            if base.endswith((".low", ".high")) and base.rsplit(".", 1)[0] in names:
                raise UsageError(
                    f"--fail-if {gate.text!r}: {gate.name!r} is a bootstrap interval bound; "
                    "add --bootstrap N (e.g. --bootstrap 1000)"
                )
            raise UsageError(
                f"--fail-if {gate.text!r}: unknown name {gate.name!r}; this report has "
                + ", ".join(names)
            )
        value = lookup(gate.name)
        if gate.fails(value):
            shown = "undefined" if value is None else f"{value:.6g}"
            failed.append(f"{gate.text} ({gate.name} = {shown})")
    return failed
