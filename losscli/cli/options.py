"""Every option that more than one command takes, declared once, and the typed specs they fill.

Each decorator declares a group of options and hands the command one frozen dataclass for
them instead of loose keyword arguments: :func:`input_options` -> :class:`InputSpec`,
:func:`evaluation_options` -> :class:`EvaluationSpec`, :func:`uncertainty_options` ->
:class:`UncertaintySpec`, :func:`output_options` -> :class:`OutputSpec`. A spec holds what
click parsed; its ``fields()`` gives the :class:`losscli.engine.Options` fields, parsed at the
point the command asks (after its outputs and inputs are checked, as before). Click only:
strings become values here, nothing is computed.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import click

from losscli.cli.help import (
    BETA_HELP,
    LABELS_HELP,
    MAX_FPR_HELP,
    TOP_K_HELP,
    complete_file,
    complete_losses,
)
from losscli.errors import UsageError
from losscli.io.formats import FORMATS, option_help
from losscli.kinds import SCORE_KINDS, TASKS
from losscli.records import record

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
"""The click context settings of the group and every command."""

_IN_FORMATS = click.Choice(list(FORMATS))
ALL_TASKS = ("auto", *TASKS)


def _stack(func: Any, decorators: Sequence[Callable[[Any], Any]]) -> Any:
    for deco in reversed(decorators):
        func = deco(func)
    return func


def _into_spec(
    dest: str, build: Callable[[dict[str, Any]], Any], names: Callable[[dict[str, Any]], list[str]]
) -> Callable[[Any], Any]:
    """Wrap a command so that the click values ``names(kwargs)`` reach it as one
    ``dest=build(values)`` argument (the options themselves are declared on the wrapper)."""

    def deco(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - click's values
            values = {name: kwargs.pop(name) for name in names(kwargs)}
            return func(*args, **{dest: build(values)}, **kwargs)

        return wrapper

    return deco


def _field_names(cls: Any) -> Callable[[dict[str, Any]], list[str]]:
    return lambda _kwargs: [f.name for f in dataclasses.fields(cls)]


@record(frozen=True)
class InputSpec:
    """Which file, columns and kinds of numbers: the values of :func:`input_options`.

    Every field has the name and meaning of the :class:`losscli.engine.Options` field.
    """

    task: str = "auto"
    scores: str = "auto"
    activation: str | None = None
    label_col: str | None = None
    pred_cols: str | None = None
    id_col: str | None = None
    weight_col: str | None = None
    pos_label: str | None = None
    labels_are: str | None = None
    input_format: str | None = None
    labels_format: str | None = None
    header: bool | None = None
    labels_header: bool | None = None
    class_axis: str | None = None

    def fields(self) -> dict[str, Any]:
        """The :class:`losscli.engine.Options` fields.

        >>> InputSpec(task="binary").fields()["task"]
        'binary'
        """
        return dataclasses.asdict(self)


@record(frozen=True)
class EvaluationSpec:
    """What is computed and how: the values of :func:`evaluation_options`, as click parsed them.

    ``params`` maps a loss parameter's name (:data:`losscli.losses.PARAMS`) to its option's
    text or number (None when not given); :meth:`fields` parses and checks them.
    """

    losses: tuple[str, ...] = ()
    threshold: str | None = None
    top_k: str | None = None
    beta: float | None = None
    max_fpr: float | None = None
    class_labels: str | None = None  # --labels (the positional LABELS is the labels file)
    zero_division: str = "warn"
    ece_bins: int = 15
    auc_bins: int | None = None
    chunk_size: int | None = None
    drop_invalid: bool = False
    strict: bool = False
    no_background: bool = False
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The :class:`losscli.engine.Options` fields; raises :class:`UsageError` for a bad
        loss parameter list, an unknown ``--loss`` or a bad ``--threshold`` (in that order).

        >>> EvaluationSpec(losses=("ce",), zero_division="0").fields()["zero_division"]
        0
        """
        params = _collect_params(self.params)
        losses = list(self.losses) or None
        if losses:
            _check_losses(losses)
        zd = self.zero_division
        out: dict[str, Any] = {
            "losses": losses,
            "params": params,
            "threshold": parse_threshold(self.threshold),
            "zero_division": {"0": 0, "1": 1}.get(zd, zd),
            "top_k": self.top_k,  # text: checked (one k or several) by Options
            "beta": self.beta,
            "max_fpr": self.max_fpr,
            "class_labels": None if self.class_labels is None else self.class_labels.split(","),
            "ece_bins": self.ece_bins,
            "auc_bins": self.auc_bins,
            "chunk_size": self.chunk_size,
            "drop_invalid": self.drop_invalid,
            "strict": self.strict,
            "no_background": self.no_background,
        }
        if self.threshold is not None and self.threshold.startswith("@"):
            out["threshold_source"] = f"--threshold {self.threshold}"
        return out


@record(frozen=True)
class UncertaintySpec:
    """``--bootstrap N --ci LEVEL --seed S``: resamples, confidence level and their seed.

    The names are those of :class:`losscli.engine.Options` and
    :func:`losscli.comparison.compare` alike.
    """

    bootstrap: int = 0
    ci_level: float = 0.95
    seed: int = 0

    def fields(self) -> dict[str, Any]:
        """``{"bootstrap", "ci_level", "seed"}``.

        >>> UncertaintySpec(bootstrap=200).fields()
        {'bootstrap': 200, 'ci_level': 0.95, 'seed': 0}
        """
        return dataclasses.asdict(self)


@record(frozen=True)
class OutputSpec:
    """``--format`` and ``-o/--output`` of a command printing a result."""

    fmt: str | None = None
    output: str | None = None
    color: str = "auto"


def input_options(tasks: Sequence[str] = ALL_TASKS) -> Callable[[Any], Any]:
    """``--task --scores --activation --label-col --pred-cols --id-col --weight-col
    --pos-label --labels-are --input-format --labels-format``: which file, columns and kinds
    of numbers; the command gets them as ``inputs:`` :class:`InputSpec`."""

    def deco(func: Any) -> Any:
        return _stack(
            _into_spec("inputs", lambda v: InputSpec(**v), _field_names(InputSpec))(func),
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
                    type=click.Choice(["auto", *SCORE_KINDS]),
                    default="auto",
                    show_default=True,
                    help="What the prediction numbers are; auto decides once, from the first "
                    "131,072 usable rows (4,194,304 values when wider than 32 columns; a later "
                    "row that does not fit is an error).",
                ),
                click.option(
                    "--activation",
                    metavar="NAME",
                    default=None,
                    help="Apply an output activation to the raw outputs first (sigmoid, "
                    "softmax, log_softmax, tanh, relu, ...).",
                ),
                click.option(
                    "--label-col",
                    default=None,
                    help="Label column(s), comma-separated; shell-style patterns work "
                    "('y_*': every column it matches, in file order, as multi-label or "
                    "one-hot targets). Default: label, labels, label_ids, target, y or y_true.",
                ),
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
                    "--header/--no-header",
                    default=None,
                    help="CSV/TSV: line 1 is the header / line 1 is data (np.savetxt files; "
                    "columns named 0 .. C-1, e.g. --label-col 0). Default: the header, unless "
                    "line 1 is all numbers (then an error asks, but 0,1,..,C-1 above fractions, "
                    "as pandas writes, is a header).",
                ),
                click.option(
                    "--labels-header/--labels-no-header",
                    default=None,
                    help="The same for LABELS. Default: as --header / --no-header.",
                ),
                click.option(
                    "--class-axis",
                    type=click.Choice(["first", "last"]),
                    default=None,
                    help="Dense arrays: the scores' class axis, first (N, C, d..) as PyTorch or "
                    "last (N, d.., C). Default: the axis the label shape leaves; asks when "
                    "both fit.",
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


def output_options(
    formats: Sequence[str],
    *,
    format_help: str = "Default: a table at a terminal, JSON in a pipe.",
    output_help: str = "Write the result to FILE.",
) -> Callable[[Any], Any]:
    """``--format`` (one of ``formats``) and ``-o/--output FILE``; the command gets them as
    ``out:`` :class:`OutputSpec`."""

    def deco(func: Any) -> Any:
        return _stack(
            _into_spec("out", lambda v: OutputSpec(**v), _field_names(OutputSpec))(func),
            [
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(list(formats)),
                    default=None,
                    help=format_help,
                ),
                click.option(
                    "-o",
                    "--output",
                    default=None,
                    metavar="FILE",
                    shell_complete=complete_file,
                    help=output_help,
                ),
                color_option,
            ],
        )

    return deco


color_option = click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colours in the table: auto = at a terminal, not with NO_COLOR, also with FORCE_COLOR.",
)
"""``--color auto|always|never`` (see :func:`losscli.cli.output.use_color`)."""

quiet_option = click.option("-q", "--quiet", is_flag=True, help="Do not print warnings on stderr.")
"""``-q/--quiet``: the command gets ``quiet: bool``."""


def uncertainty_options(
    *, bootstrap: int, bootstrap_help: str, ci_help: str, seed_help: str
) -> Callable[[Any], Any]:
    """``--bootstrap N --ci LEVEL --seed S`` with the command's default resamples and help
    texts; the command gets them as ``uncertainty:`` :class:`UncertaintySpec`. A default of 0
    (no resamples) is not shown in the help."""

    def deco(func: Any) -> Any:
        return _stack(
            _into_spec(
                "uncertainty", lambda v: UncertaintySpec(**v), _field_names(UncertaintySpec)
            )(func),
            [
                click.option(
                    "--bootstrap",
                    type=int,
                    default=bootstrap,
                    show_default=bootstrap != 0,
                    metavar="N",
                    help=bootstrap_help,
                ),
                click.option(
                    "--ci",
                    "ci_level",
                    type=float,
                    default=0.95,
                    show_default=True,
                    metavar="LEVEL",
                    help=ci_help,
                ),
                click.option("--seed", type=int, default=0, show_default=True, help=seed_help),
            ],
        )

    return deco


def evaluation_options(func: Any) -> Any:
    """``--loss --threshold --top-k --zero-division --ece-bins --chunk-size --drop-invalid
    --strict`` and one option per loss parameter: what is computed and how; the command gets
    them as ``evaluation:`` :class:`EvaluationSpec`."""
    func = _loss_param_options(_into_spec("evaluation", _evaluation_spec, _evaluation_names)(func))
    return _stack(
        func,
        [
            click.option(
                "--loss",
                "losses",
                multiple=True,
                metavar="NAME",
                shell_complete=complete_losses,
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
            click.option("--top-k", default=None, metavar="K|K1,K2,..", help=TOP_K_HELP),
            click.option("--beta", type=float, default=None, metavar="B", help=BETA_HELP),
            click.option("--max-fpr", type=float, default=None, metavar="F", help=MAX_FPR_HELP),
            click.option("--labels", "class_labels", metavar="A,B,..", help=LABELS_HELP),
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
            click.option(
                "--no-background",
                is_flag=True,
                help="Dense arrays: leave class 0 out of miou, mdice and the samplewise IoU / "
                "Dice (torchmetrics include_background=False).",
            ),
        ],
    )


def _evaluation_names(kwargs: dict[str, Any]) -> list[str]:
    names = [f.name for f in dataclasses.fields(EvaluationSpec) if f.name != "params"]
    return names + [k for k in kwargs if k.startswith("param_")]


def _evaluation_spec(values: dict[str, Any]) -> EvaluationSpec:
    params = {k[len("param_") :]: values.pop(k) for k in list(values) if k.startswith("param_")}
    return EvaluationSpec(**values, params=params)


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


def _collect_params(given: dict[str, Any]) -> dict[str, Any]:
    from losscli.losses import PARAMS

    params: dict[str, Any] = {}
    for name, param in PARAMS.items():
        value = given.get(name)
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
