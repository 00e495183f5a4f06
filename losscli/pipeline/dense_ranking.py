"""Ranking metrics of dense arrays: left out unless ``--auc-bins N`` asks for them.

Exact ROC AUC / average precision keep every element's scores (8 bytes per element and
class: gigabytes for a segmentation set), so a dense run leaves them out (null in the report,
said in its ``inference``) unless ``--auc-bins N`` asks for them binned over N bins (memory
O(N) per class; the warnings give the error bound). A ``--fail-if`` gate on a ranking metric
left out is refused (``Report.left_out``, :func:`losscli.gates.check_gates`), not failed.
"""

from __future__ import annotations

from typing import Any

from losscli.errors import UsageError

__all__ = ["RANKING_GATE_FIX", "RANKING_LEFT_OUT_NOTE", "leave_out_ranking", "ranking_left_out"]

RANKING_LEFT_OUT_NOTE = (
    "roc_auc and average_precision left out for dense arrays (reported as null): exact "
    "ranking keeps every element's scores; --auc-bins N computes them binned over N bins "
    "(memory bounded, independent of the number of elements; the warnings give the error bound)"
)
"""The ``inference`` note of a dense run without ``--auc-bins`` (not of ``thresholds``)."""

RANKING_GATE_FIX = (
    "dense arrays compute ranking metrics only when asked: add --auc-bins N (e.g. --auc-bins "
    "1000, binned with a stated error bound)"
)
"""How a ``--fail-if`` gate on a ranking metric left out of a dense run is fixed."""


def ranking_left_out(opts: Any) -> str:  # noqa: ANN401 - the run's Options
    """The inference note of a dense run without ``--auc-bins``; ``--max-fpr`` (a ranking
    metric asked for by name) is refused, naming ``--auc-bins``.

    >>> ranking_left_out(type("O", (), {"max_fpr": None})) == RANKING_LEFT_OUT_NOTE
    True
    """
    if opts.max_fpr is not None:
        raise UsageError(
            "--max-fpr: roc_auc_partial is a ranking metric, left out for dense arrays "
            f"unless asked; {RANKING_GATE_FIX}"
        )
    return RANKING_LEFT_OUT_NOTE


def leave_out_ranking(report: Any) -> None:  # noqa: ANN401 - a losscli.report.Report
    """Mark a dense report's ranking metrics (catalog group ``ranking``; null) as left out
    (``report.left_out``, with :data:`RANKING_GATE_FIX`) and drop the accumulator's "not
    computed" warning: :data:`RANKING_LEFT_OUT_NOTE` in the inference says it.

    >>> from losscli.report import Report
    >>> r = Report("0", "", "binary", "probs", 2, [], {}, {}, {"f1": 0.5, "roc_auc": None}, [], [])
    >>> leave_out_ranking(r)
    >>> list(r.left_out)
    ['roc_auc']
    """
    from losscli.metrics import catalog
    from losscli.metrics.result import ranking_off_warning

    for name in report.metrics:
        if catalog.known(name) and catalog.info(name).group == "ranking":
            report.left_out[name] = RANKING_GATE_FIX
    off = ranking_off_warning(report.task)
    report.warnings = [w for w in report.warnings if w != off]
