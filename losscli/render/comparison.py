"""Rendering the result of :func:`losscli.comparison.compare` (its ``to_dict()``): CSV,
Markdown or a rich table (JSON is ``json.dumps`` of the dict)."""

from __future__ import annotations

import csv
import io
from typing import Any


def _num(value: Any, digits: int = 4) -> str:
    from losscli.render.text import fmt_num

    return fmt_num(value, digits)


def _verdict(m: dict[str, Any]) -> str:
    if m["better"] == "b":
        return "B better"
    if m["better"] == "a":
        return "B worse"
    return "—" if m["p_value"] is None else "not significant"


def _ci(m: dict[str, Any]) -> str:
    return "" if m["ci"] is None else f"[{_num(m['ci'][0])}, {_num(m['ci'][1])}]"


def comparison_csv(d: dict[str, Any]) -> str:
    """One row per loss or metric: ``name,a,b,delta,ci_low,ci_high,p_value,significant,better``.

    >>> print(comparison_csv({"metrics": {"accuracy": {"a": 0.5, "b": 0.75, "delta": 0.25,
    ...     "ci": [0.1, 0.4], "p_value": 0.01, "significant": True, "better": "b"}}}), end="")
    name,a,b,delta,ci_low,ci_high,p_value,significant,better
    accuracy,0.5,0.75,0.25,0.1,0.4,0.01,true,b
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "a", "b", "delta", "ci_low", "ci_high", "p_value", "significant", "better"])

    def v(x: Any) -> str:
        if x is None:
            return ""
        if isinstance(x, bool):
            return str(x).lower()
        return repr(x) if isinstance(x, float) else str(x)

    for name, m in d["metrics"].items():
        low, high = m["ci"] if m["ci"] else (None, None)
        w.writerow(
            [name]
            + [v(x) for x in (m["a"], m["b"], m["delta"], low, high, m["p_value"])]
            + [v(m["significant"]), v(m["better"])]
        )
    return buf.getvalue()


def comparison_markdown(d: dict[str, Any]) -> str:
    """The comparison as a Markdown table (significant rows in bold); the paths as code spans
    that no backtick in them can break."""
    from losscli.render.text import md_code

    t = d["test"]
    lines = [
        "## losscli compare",
        "",
        f"**A** {md_code(d['a'])} · **B** {md_code(d['b'])} · **task** {d['task']} · **samples** "
        f"{d['n_samples']} · {t['level']:.0%} CI from {t['n_boot']} paired resamples · "
        f"p-value from {t['n_permutations']} swaps",
        "",
        "| name | A | B | B − A | CI | p-value | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in d["metrics"].items():
        verdict = _verdict(m)
        if m["significant"]:
            verdict = f"**{verdict}**"
        cells = [name, _num(m["a"]), _num(m["b"]), _num(m["delta"]), _ci(m)]
        cells += [_num(m["p_value"], 3), verdict]
        lines.append("| " + " | ".join(cells) + " |")
    if t.get("permutation_first_order"):  # the linear swaps: these p-values are first order
        lines += ["", f"p-value of {', '.join(t['permutation_first_order'])}: first-order swaps"
                  " (linear path)"]  # fmt: skip
    lines += ["", md_code(d["signature"]), ""]
    return "\n".join(lines)


def comparison_table(d: dict[str, Any], *, color: bool = True, width: int | None = None) -> str:
    """The comparison as a rich table; significant differences marked green (B better) or red."""
    from rich.text import Text

    from losscli.render.table import print_fitted, print_signature, text_console

    console, buf = text_console(color, width)
    t = d["test"]
    console.print(Text(f"losscli compare · {d['task']} · {d['n_samples']} paired samples", "bold"))
    console.print(Text(f"A: {d['a']}\nB: {d['b']}", style="dim"), overflow="fold")
    console.print()
    names = list(d["metrics"])
    ms = [d["metrics"][n] for n in names]
    verdicts = []
    for m in ms:
        style = {"b": "bold green", "a": "bold red"}.get(m["better"], "")
        verdicts.append(Text(_verdict(m), style=style if color else ""))
    columns = [
        ("A", [_num(m["a"]) for m in ms], "right"),
        ("B", [_num(m["b"]) for m in ms], "right"),
        ("B − A", [_num(m["delta"]) for m in ms], "right"),
        (f"{t['level']:.0%} CI", [_ci(m) for m in ms], "right"),
        ("p-value", [_num(m["p_value"], 3) for m in ms], "right"),
        ("verdict", verdicts, "left"),
    ]
    print_fitted(console, "", "name", names, columns)
    console.print(
        Text(
            f"interval: paired percentile bootstrap ({t['n_boot']} resamples); p-value: "
            f"approximate randomisation ({t['n_permutations']} swaps); significant: p < "
            f"{t['alpha']:.3g}",
            style="dim",
        )
    )
    if t.get("permutation_first_order"):  # the linear swaps: these p-values are first order
        first = ", ".join(t["permutation_first_order"])
        console.print(Text(f"p-value of {first}: first-order swaps (linear path)", style="dim"))
    for w in d["warnings"]:
        console.print(Text(f"warning: {w}", style="yellow"))
    print_signature(console, d["signature"])
    return buf.getvalue()
