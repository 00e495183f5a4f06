"""Options shared by the commands that read predictions (compute, compare, thresholds).

One declaration of each input and evaluation option, so every command spells, documents and
parses them the same way. Click only: strings become values here, nothing is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from losscli.errors import UsageError
from losscli.io.formats import FORMATS, option_help

_IN_FORMATS = click.Choice(list(FORMATS))
ALL_TASKS = ("auto", "binary", "multiclass", "multilabel", "regression")


def _stack(func: Any, decorators: Sequence[Callable[[Any], Any]]) -> Any:
    for deco in reversed(decorators):
        func = deco(func)
    return func


def input_options(tasks: Sequence[str] = ALL_TASKS) -> Callable[[Any], Any]:
    """``--task --scores --activation --label-col --pred-cols --id-col --weight-col
    --pos-label --labels-are --input-format --labels-format``: which file, columns and kinds
    of numbers."""

    def deco(func: Any) -> Any:
        return _stack(
            func,
            [
                click.option(
                    "--task",
                    type=click.Choice(list(tasks)),
                    default="auto",
                    show_default=True,
                    help="What the data is; auto decides from the labels and predictions and "
                    "says why.",
                ),
                click.option(
                    "--scores",
                    type=click.Choice(["auto", "logits", "probs", "log-probs"]),
                    default="auto",
                    show_default=True,
                    help="What the prediction numbers are; auto decides once, from the first "
                    "chunk.",
                ),
                click.option(
                    "--activation",
                    metavar="NAME",
                    default=None,
                    help="Apply an output activation to the raw outputs first (sigmoid, "
                    "softmax, log_softmax, tanh, relu, ...).",
                ),
                click.option("--label-col", default=None, help="Label column(s), comma-separated."),
                click.option(
                    "--pred-cols",
                    default=None,
                    help="Prediction columns, comma-separated; shell-style patterns work "
                    "('logit_*'). Default: every other numeric column.",
                ),
                click.option(
                    "--id-col",
                    default=None,
                    help="Id column: carried to per-sample output; joins two files.",
                ),
                click.option("--weight-col", default=None, help="Sample-weight column."),
                click.option(
                    "--pos-label",
                    default=None,
                    metavar="VALUE",
                    help="Binary: the label of the positive class. Default: 1 for 0/1 and -1/+1 "
                    "labels, the larger of two other numbers (scikit-learn), the prediction "
                    "column's name for class names.",
                ),
                click.option(
                    "--labels-are",
                    type=click.Choice(["index", "name"]),
                    default=None,
                    help="Multi-class whole-number labels: 0-based column indices, or the names "
                    "of prediction columns named like numbers (1,2,3). Default: the reading "
                    "that fits; asks when both fit.",
                ),
                click.option(
                    "--input-format",
                    type=_IN_FORMATS,
                    default=None,
                    help=option_help(
                        "Format of the predictions when the extension does not say (stdin is "
                        "sniffed)."
                    ),
                ),
                click.option(
                    "--labels-format",
                    type=_IN_FORMATS,
                    default=None,
                    help=option_help("Format of LABELS when the extension does not say."),
                ),
            ],
        )

    return deco


def output_options(formats: Sequence[str]) -> Callable[[Any], Any]:
    """``--format``, ``-o/--output`` and ``-q/--quiet`` of a command printing a result."""

    def deco(func: Any) -> Any:
        return _stack(
            func,
            [
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(list(formats)),
                    default=None,
                    help="Default: a table at a terminal, JSON in a pipe.",
                ),
                click.option(
                    "-o", "--output", default=None, metavar="FILE", help="Write the result to FILE."
                ),
                click.option(
                    "-q", "--quiet", is_flag=True, help="Do not print warnings on stderr."
                ),
            ],
        )

    return deco


def evaluation_options(func: Any) -> Any:
    """``--loss --threshold --top-k --zero-division --ece-bins --chunk-size --drop-invalid
    --strict`` and one option per loss parameter: what is computed and how."""
    func = _loss_param_options(func)
    return _stack(
        func,
        [
            click.option(
                "--loss",
                "losses",
                multiple=True,
                metavar="NAME",
                help="A loss to compute (repeatable; 'all' = every loss valid for the task). "
                "Default: bce for binary and multi-label, ce for multi-class, mse for "
                "regression. See 'losscli losses'.",
            ),
            click.option(
                "--threshold",
                default=None,
                metavar="T|T1,T2,..|@FILE",
                help="Probability above which a label is positive: a number, one per label, or "
                "@file.json. [default: 0.5]",
            ),
            click.option(
                "--top-k", type=int, default=None, help="Also report top_k_accuracy (multi-class)."
            ),
            click.option(
                "--zero-division",
                type=click.Choice(["warn", "0", "1", "nan"]),
                default="warn",
                show_default=True,
                help="Value of undefined precision/recall/F1: warn = 0 with a warning "
                "(scikit-learn).",
            ),
            click.option(
                "--ece-bins", type=int, default=15, show_default=True, help="Bins for ece."
            ),
            click.option(
                "--auc-bins",
                type=int,
                default=None,
                metavar="N",
                help="Binned ROC AUC and average precision over N equal-width bins (of the "
                "probability; for logits and log-probs of 1/2 + arctan(log-odds/8)/pi): "
                "memory O(N) per class instead of the scores (8 bytes/row); the report states "
                "the largest possible error. [default: exact]",
            ),
            click.option(
                "--chunk-size", type=int, default=None, help="Rows per chunk when streaming."
            ),
            click.option(
                "--drop-invalid",
                is_flag=True,
                help="Drop rows with missing, NaN or inf values (and count them) instead of "
                "failing.",
            ),
            click.option(
                "--strict", is_flag=True, help="Turn every warning into an error (exit 2)."
            ),
        ],
    )


def take_evaluation_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop the evaluation options from click's kwargs as :class:`~losscli.engine.Options`
    fields (``losses``, ``params``, ``threshold``, ``zero_division``); the rest stay."""
    params = _collect_params(kwargs)
    zd = kwargs.pop("zero_division")
    losses = list(kwargs.pop("losses")) or None
    if losses:
        _check_losses(losses)
    threshold = kwargs.pop("threshold")
    out = {
        "losses": losses,
        "params": params,
        "threshold": parse_threshold(threshold),
        "zero_division": {"0": 0, "1": 1}.get(zd, zd),
    }
    if threshold is not None and threshold.startswith("@"):
        out["threshold_source"] = f"--threshold {threshold}"
    return out


def _float_list(option: str, text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(
            f"{option} takes a number or a comma-separated list of numbers, got {text!r}"
        ) from None


def parse_threshold(text: str | None) -> Any:
    """``--threshold`` text as a value :class:`~losscli.engine.Options` takes.

    ``T``, ``T1,T2,..`` or ``@file.json`` holding a number, a list, ``{"thresholds": ...}``,
    ``{"threshold": ...}`` or the JSON ``losscli thresholds`` writes (``best``); every value
    is checked (numbers in [0, 1], no booleans) by :func:`losscli.engine.check_threshold`.
    """
    from losscli.engine import check_threshold

    if text is None:
        return None
    if text.startswith("@"):
        from losscli.io import read_json_file

        option = f"--threshold {text}"
        data = read_json_file(text[1:])
        on_scores = _score_thresholds(text, data)
        if on_scores is not None:
            return on_scores
        if isinstance(data, dict) and "thresholds" in data:
            data = data["thresholds"]
        elif isinstance(data, dict) and "threshold" in data:
            data = data["threshold"]
        elif isinstance(data, dict) and isinstance(data.get("best"), (dict, list)):
            data = _best_thresholds(data["best"], option)
        if not isinstance(data, (int, float, list, dict)):
            raise UsageError(
                f"{option}: the file must hold a number, a list, or "
                '{"thresholds": {"label": value, ...}}'
                + (f", not {_json_kind(data)}" if data is not None else ", not null")
            )
        return check_threshold(data, option)
    values = _float_list("--threshold", text)
    if not values:
        raise UsageError("--threshold needs a number")
    return check_threshold(values[0] if len(values) == 1 else values)


def _json_kind(value: Any) -> str:
    return "text" if isinstance(value, str) else type(value).__name__


def _best_thresholds(best: Any, option: str) -> Any:
    """The thresholds of ``losscli thresholds`` JSON: ``best`` is one dict or one per label."""
    if isinstance(best, dict):
        if "threshold" not in best:
            raise UsageError(f"{option}: 'best' has no 'threshold'")
        return best["threshold"]
    out: dict[Any, Any] = {}
    for i, b in enumerate(best):
        if not isinstance(b, dict) or "label" not in b or "threshold" not in b:
            raise UsageError(f"{option}: 'best' item {i + 1} needs a 'label' and a 'threshold'")
        if not isinstance(b["label"], str):
            raise UsageError(f"{option}: 'best' item {i + 1} has label {b['label']!r}, not a name")
        out[b["label"]] = b["threshold"]
    return out


def _score_thresholds(text: str, data: Any) -> Any:
    """A ``losscli thresholds --write`` file's thresholds on the scores' own scale, or None.

    The file holds them as ``"scores": "logits"`` (or ``"log-probs"``) with
    ``"score_threshold": number`` (binary) or ``"score_thresholds": {label: number}``; a file
    without them (probabilities, or an older file) gives None: its probability thresholds.
    """
    if not isinstance(data, dict) or data.get("scores") not in ("logits", "log-probs"):
        return None
    from losscli.thresholds import ScoreThreshold

    value = data.get("score_thresholds", data.get("score_threshold"))
    if value is None:
        return None
    numbers = list(value.values()) if isinstance(value, dict) else [value]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        raise UsageError(
            f"--threshold {text}: score_threshold(s) must be numbers (or a label->number "
            "map); fix the file or rerun losscli thresholds --write"
        )
    return ScoreThreshold(data["scores"], value, text)


def _loss_param_options(func: Any) -> Any:
    """Add one option per loss parameter, generated from the loss registry."""
    from losscli.losses import PARAMS

    for param in reversed(list(PARAMS.values())):
        kind = getattr(param, "kind", "float")
        ptype: Any = {"int": int, "float": float}.get(kind, str)
        default = getattr(param, "default", None)
        help_text = getattr(param, "help", "")
        if default is not None and not isinstance(default, (list, tuple)):
            help_text += f" [default: {default}]"
        func = click.option(
            param.option,
            f"param_{param.name}",
            type=ptype,
            default=None,
            metavar="LIST" if ptype is str else kind.upper(),
            help=help_text,
        )(func)
    return func


def _collect_params(kwargs: dict[str, Any]) -> dict[str, Any]:
    from losscli.losses import PARAMS

    params: dict[str, Any] = {}
    for name, param in PARAMS.items():
        value = kwargs.pop(f"param_{name}", None)
        if value is None:
            continue
        if getattr(param, "kind", "float") not in ("int", "float") and isinstance(value, str):
            values = _float_list(param.option, value)
            value = values[0] if len(values) == 1 and param.kind != "floats" else values
        params[name] = value
    return params


def _check_losses(losses: list[str]) -> None:
    from losscli.losses import REGISTRY

    known = {"all"}
    for spec in REGISTRY.values():
        known.update((spec.name, *spec.aliases))
    bad = [name for name in losses if name not in known]
    if bad:
        raise UsageError(
            f"--loss {bad[0]!r} is not a known loss; choose from all, {', '.join(REGISTRY)} "
            "(see 'losscli losses')"
        )
