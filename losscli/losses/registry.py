"""The single list of losses and the shared reduction (compute / finalize).

``REGISTRY`` describes each loss once: name, aliases, tasks, accepted score kinds, parameters,
formula, reference implementation, a one-line summary and the per-sample function of each
task. The CLI's ``--loss`` choices, ``losscli losses``, the docs and the parity tests read it.

Reduction lives here and only here. ``compute`` returns a :class:`LossChunk`: per-sample
losses and additive sufficient statistics ``sums`` (adding the sums of any split of the rows
equals the sums of one pass); ``finalize`` turns sums into the dataset value, equal to torch's
``reduction='mean'`` on the whole data:

* "mean": ``sums = [sum(sw * l_n), sum(sw * d_n)]`` with ``d_n`` 1, or 0 for ignored rows;
* "weighted_mean" (ce, nll, multi-class focal): ``d_n = w[y_n]`` (torch's weighted mean);
* "dice" / "jaccard": ``sums = [sum p y, sum p, sum y, n]`` over all elements (the soft Dice
  form), weighted, then the unweighted ``n`` (the sums count in units of the mean weight);
* "rmse": ``sums`` of the squared errors as "mean", value ``sqrt(sums[0] / sums[1])``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.kinds import SCORE_KINDS, TASKS
from losscli.losses import binary, multiclass, regression
from losscli.losses.params import validate_params

__all__ = [
    "DEFAULT_LOSS",
    "REGISTRY",
    "LossChunk",
    "LossSpec",
    "TASKS",
    "compute",
    "finalize",
    "get_spec",
    "names_for",
    "value",
]

_CLS = SCORE_KINDS  # the classification score kinds (losscli.kinds)

DEFAULT_LOSS = {"binary": "bce", "multiclass": "ce", "multilabel": "bce", "regression": "mse"}


@dataclass(frozen=True)
class LossSpec:
    """Everything known about one loss.

    ``params`` lists the names (keys of ``PARAMS``) the loss uses in any task;
    ``task_params`` the ones each task's function takes. ``functions`` maps a task to the
    public per-sample function; ``reduction`` a task to "mean", "weighted_mean", "dice",
    "jaccard" or "rmse".
    """

    name: str
    aliases: tuple[str, ...]
    tasks: tuple[str, ...]
    scores: dict[str, tuple[str, ...]]
    params: tuple[str, ...]
    formula: dict[str, str]
    reference: dict[str, str]
    summary: str
    functions: dict[str, Callable[..., np.ndarray]] = field(repr=False)
    reduction: dict[str, str] = field(repr=False)
    task_params: dict[str, tuple[str, ...]] = field(repr=False)

    def __hash__(self) -> int:
        return hash(self.name)

    def params_for(self, task: str) -> tuple[str, ...]:
        """The parameter names the loss uses for ``task``.

        >>> get_spec("focal").params_for("multiclass")
        ('focal_gamma', 'class_weights', 'ignore_index', 'eps')
        """
        return self.task_params.get(task, ())


@dataclass
class LossChunk:
    """Per-sample losses of one chunk, shape (N,), and its additive sums, shape (k,).

    ``rows`` (N, k) holds each row's (weighted) contribution to the sums, so ``sums ==
    rows.sum(axis=0)``; any re-weighting of the rows (a bootstrap resample, a slice) gives its
    sums as ``counts @ rows`` without recomputing the loss.
    """

    per_sample: np.ndarray
    sums: np.ndarray
    rows: np.ndarray | None = None

    def merge(self, other: LossChunk) -> LossChunk:
        """Concatenate the per-sample values and add the sums of two chunks.

        >>> a = LossChunk(np.array([1.0]), np.array([1.0, 1.0]))
        >>> a.merge(a).sums
        array([2., 2.])
        """
        return LossChunk(
            np.concatenate([self.per_sample, other.per_sample]), self.sums + other.sums
        )


def _spec(
    name: str,
    aliases: tuple[str, ...],
    summary: str,
    per_task: Mapping[str, tuple[Callable[..., np.ndarray], tuple[str, ...], tuple[str, ...]]],
    formula: Mapping[str, str],
    reference: Mapping[str, str],
    reduction: Mapping[str, str] | None = None,
) -> LossSpec:
    tasks = tuple(t for t in TASKS if t in per_task)
    params: list[str] = []
    for t in tasks:
        for p in per_task[t][2]:
            if p not in params:
                params.append(p)
    red = {t: "mean" for t in tasks}
    red.update(reduction or {})
    return LossSpec(
        name=name,
        aliases=aliases,
        tasks=tasks,
        scores={t: per_task[t][1] for t in tasks},
        params=tuple(params),
        formula={t: formula.get(t, formula.get("*", "")) for t in tasks},
        reference={t: reference.get(t, reference.get("*", "")) for t in tasks},
        summary=summary,
        functions={t: per_task[t][0] for t in tasks},
        reduction=red,
        task_params={t: per_task[t][2] for t in tasks},
    )


_BIN_ML = ("binary", "multilabel")
_SIGMOID_FOCAL = (
    "alpha_t * (1 - p_t)^gamma * BCE(p, y), p_t = p*y + (1-p)*(1-y), "
    "alpha_t = alpha*y + (1-alpha)*(1-y) (dropped when alpha < 0)"
)


def _both(fn: Callable[..., np.ndarray], scores: tuple[str, ...], params: tuple[str, ...]) -> dict:
    return {t: (fn, scores, params) for t in _BIN_ML}


_SPECS = [
    _spec(
        "bce",
        ("binary_cross_entropy", "binary_crossentropy", "bce_with_logits", "sigmoid_ce"),
        "The default loss for binary and multi-label classification with sigmoid outputs "
        "(maximum likelihood); use it first and change only with a good reason.",
        _both(binary.bce, _CLS, ("pos_weight", "label_weights", "eps")),
        {
            "binary": "-lw*(pw*y*log p + (1-y)*log(1-p)); logits: "
            "lw*((1-y)*x + (1+(pw-1)*y)*softplus(-x))",
            "multilabel": "mean over labels of -lw_l*(pw_l*y*log p + (1-y)*log(1-p))",
        },
        {"*": "torch.nn.BCEWithLogitsLoss (logits), torch.nn.BCELoss (probs)"},
    ),
    _spec(
        "ce",
        (
            "cross_entropy",
            "categorical_crossentropy",
            "sparse_categorical_crossentropy",
            "softmax_ce",
        ),
        "The default loss for single-label multi-class classification with softmax outputs; "
        "class weights counter imbalance, label smoothing counters over-confidence.",
        {
            "multiclass": (
                multiclass.cross_entropy,
                _CLS,
                ("class_weights", "label_smoothing", "ignore_index", "eps"),
            )
        },
        {
            "multiclass": "(1-e)*w_y*(-log p_y) + e/C*sum_c w_c*(-log p_c); "
            "mean divides by sum(w[y_n]); soft targets: -sum_c w_c*t_c*log p_c"
        },
        {"multiclass": "torch.nn.CrossEntropyLoss"},
        {"multiclass": "weighted_mean"},
    ),
    _spec(
        "nll",
        ("nll_loss", "negative_log_likelihood"),
        "Cross-entropy for models whose last layer is log_softmax (PyTorch NLLLoss); "
        "the same value as ce on the logits.",
        {
            "multiclass": (
                multiclass.nll,
                ("log-probs",),
                ("class_weights", "label_smoothing", "ignore_index", "eps"),
            )
        },
        {"multiclass": "-w_y * log p_y (log p given); mean divides by sum(w[y_n])"},
        {"multiclass": "torch.nn.NLLLoss"},
        {"multiclass": "weighted_mean"},
    ),
    _spec(
        "focal",
        ("focal_loss", "sigmoid_focal"),
        "Down-weights easy, well-classified examples so the loss focuses on hard ones; "
        "for heavy class imbalance (dense object detection).",
        {
            **_both(binary.focal, _CLS, ("focal_gamma", "focal_alpha", "eps")),
            "multiclass": (
                multiclass.focal_multiclass,
                _CLS,
                ("focal_gamma", "class_weights", "ignore_index", "eps"),
            ),
        },
        {
            "binary": _SIGMOID_FOCAL,
            "multilabel": "mean over labels of " + _SIGMOID_FOCAL,
            "multiclass": "w_y * (1 - p_y)^gamma * (-log p_y); mean divides by sum(w[y_n])",
        },
        {
            "binary": "torchvision.ops.sigmoid_focal_loss",
            "multilabel": "torchvision.ops.sigmoid_focal_loss",
            "multiclass": "F.nll_loss((1 - p)**gamma * log p, y, weight) (Lin et al. 2017)",
        },
        {"multiclass": "weighted_mean"},
    ),
    _spec(
        "dice",
        ("dice_loss", "soft_dice"),
        "Overlap between predicted and true positives; robust to foreground/background "
        "imbalance (segmentation, multi-label).",
        _both(binary.dice, _CLS, ("dice_smooth",)),
        {"*": "1 - (2*sum(p*y) + s) / (sum(p) + sum(y) + s), over all elements"},
        {"*": "soft Dice (Milletari et al. 2016, V-Net, linear denominator); MONAI DiceLoss form"},
        {"binary": "dice", "multilabel": "dice"},
    ),
    _spec(
        "jaccard",
        ("iou", "jaccard_loss", "soft_iou"),
        "Intersection-over-union counterpart of Dice; stricter on partial overlap.",
        _both(binary.jaccard, _CLS, ("dice_smooth",)),
        {"*": "1 - (sum(p*y) + s) / (sum(p) + sum(y) - sum(p*y) + s), over all elements"},
        {"*": "soft Jaccard / IoU loss (segmentation_models_pytorch JaccardLoss form)"},
        {"binary": "jaccard", "multilabel": "jaccard"},
    ),
    _spec(
        "hinge",
        ("hinge_loss", "svm"),
        "The margin loss of support vector machines; rewards the correct sign by a margin and "
        "is sometimes better than cross-entropy on binary problems.",
        {
            "binary": (binary.hinge, _CLS, ("margin",)),
            "multiclass": (multiclass.hinge_multiclass, _CLS, ("margin", "ignore_index")),
        },
        {
            "binary": "max(0, margin - y*f), y in {-1,+1}, f = logit or 2p-1",
            "multiclass": "max(0, margin - (f_y - max_{c != y} f_c)) (Crammer-Singer)",
        },
        {"*": "sklearn.metrics.hinge_loss"},
    ),
    _spec(
        "squared_hinge",
        ("squared_hinge_loss",),
        "The square of the hinge loss: smoother and numerically easier; try it when hinge "
        "works well.",
        {"binary": (binary.squared_hinge, _CLS, ("margin",))},
        {"binary": "max(0, margin - y*f)^2, y in {-1,+1}, f = logit or 2p-1"},
        {"binary": "tf.keras.losses.SquaredHinge"},
    ),
    _spec(
        "multi_margin",
        ("multi_margin_loss", "multimargin"),
        "Multi-class SVM-style margin loss summed over every wrong class (PyTorch "
        "MultiMarginLoss).",
        {
            "multiclass": (
                multiclass.multi_margin,
                _CLS,
                ("margin", "multi_margin_p", "class_weights", "ignore_index"),
            )
        },
        {"multiclass": "sum_{c != y} w_y * max(0, margin - f_y + f_c)^p / C"},
        {"multiclass": "torch.nn.MultiMarginLoss"},
    ),
    _spec(
        "exponential",
        ("exp_loss", "adaboost"),
        "AdaBoost's loss: punishes confident mistakes exponentially, so it is sensitive to "
        "outliers and label noise.",
        {"binary": (binary.exponential, _CLS, ())},
        {"binary": "exp(-y*f), y in {-1,+1}, f = logit or 2p-1"},
        {"binary": "sklearn GradientBoostingClassifier(loss='exponential')"},
    ),
    _spec(
        "zero_one",
        ("0-1", "01", "zero_one_loss"),
        "The error rate (1 - accuracy; multi-label: 1 - exact-match ratio); a reporting "
        "measure, not differentiable.",
        {
            "binary": (binary.zero_one, _CLS, ()),
            "multiclass": (multiclass.zero_one_multiclass, _CLS, ("ignore_index",)),
            "multilabel": (binary.zero_one, _CLS, ()),
        },
        {
            "binary": "[(p > 0.5) != y]",
            "multiclass": "[argmax_c f_c != y] (ties: lowest index)",
            "multilabel": "[any label with (p > 0.5) != y] (exact match fails)",
        },
        {"*": "sklearn.metrics.zero_one_loss"},
    ),
    _spec(
        "kl",
        ("kl_div", "kld", "kullback_leibler"),
        "How far predicted distributions are from target distributions (soft labels, "
        "distillation); cross-entropy minus the targets' entropy.",
        {"multiclass": (multiclass.kl_div, _CLS, ("ignore_index", "eps"))},
        {"multiclass": "sum_c t_c*(log t_c - log p_c), 0*log 0 = 0; mean over samples"},
        {"multiclass": "torch.nn.KLDivLoss(reduction='batchmean')"},
    ),
    _spec(
        "mse",
        ("l2", "mean_squared_error"),
        "The default regression loss, optimal for Gaussian noise; penalises large errors strongly.",
        {"regression": (regression.mse, ("values",), ())},
        {"regression": "(y_hat - y)^2"},
        {"regression": "torch.nn.MSELoss"},
    ),
    _spec(
        "rmse",
        ("root_mean_squared_error",),
        "MSE on the scale of the target (the square root of the mean squared error).",
        {"regression": (regression.rmse, ("values",), ())},
        {"regression": "sqrt(mean((y_hat - y)^2)); per sample sqrt(mean_k (y_hat - y)^2)"},
        {"regression": "sqrt(sklearn.metrics.mean_squared_error)"},
        {"regression": "rmse"},
    ),
    _spec(
        "mae",
        ("l1", "mean_absolute_error"),
        "Robust to outliers (L1); use it when many points lie far from the mean.",
        {"regression": (regression.mae, ("values",), ())},
        {"regression": "|y_hat - y|"},
        {"regression": "torch.nn.L1Loss"},
    ),
    _spec(
        "huber",
        ("huber_loss",),
        "Quadratic for small errors and linear for large ones: MSE's smoothness with MAE's "
        "robustness to outliers.",
        {"regression": (regression.huber, ("values",), ("huber_delta",))},
        {"regression": "0.5*d^2 if d < delta else delta*(d - 0.5*delta), d = |y_hat - y|"},
        {"regression": "torch.nn.HuberLoss"},
    ),
    _spec(
        "smooth_l1",
        ("smoothl1", "smooth_l1_loss"),
        "Huber loss divided by beta (PyTorch SmoothL1Loss), common in box regression.",
        {"regression": (regression.smooth_l1, ("values",), ("smooth_l1_beta",))},
        {"regression": "0.5*d^2/beta if d < beta else d - 0.5*beta, d = |y_hat - y|"},
        {"regression": "torch.nn.SmoothL1Loss"},
    ),
    _spec(
        "msle",
        ("mean_squared_log_error",),
        "MSE of log1p values: relaxes the penalty on large differences between large values; "
        "for targets spanning orders of magnitude.",
        {"regression": (regression.msle, ("values",), ())},
        {"regression": "(log1p(y_hat) - log1p(y))^2, values > -1"},
        {"regression": "sklearn.metrics.mean_squared_log_error"},
    ),
    _spec(
        "log_cosh",
        ("logcosh",),
        "Like MSE near zero and like MAE for large errors, and twice differentiable.",
        {"regression": (regression.log_cosh, ("values",), ())},
        {"regression": "log(cosh(y_hat - y))"},
        {"regression": "tf.keras.losses.LogCosh"},
    ),
    _spec(
        "mape",
        ("mean_absolute_percentage_error",),
        "Relative error as a fraction of the target; explodes when targets are near zero.",
        {"regression": (regression.mape, ("values",), ())},
        {"regression": "|y_hat - y| / max(|y|, machine eps)"},
        {"regression": "sklearn.metrics.mean_absolute_percentage_error"},
    ),
]

#: name -> spec, in the order docs/CONTRACTS.md lists the names.
REGISTRY: dict[str, LossSpec] = {s.name: s for s in _SPECS}

_LOOKUP: dict[str, str] = {}
for _s in _SPECS:
    for _key in (_s.name, *_s.aliases):
        _LOOKUP[_key.lower().replace("-", "_")] = _s.name


def get_spec(name: str) -> LossSpec:
    """The spec of a loss, by name or alias (case and ``-``/``_`` insensitive).

    Args:
        name: a loss name or alias, e.g. "ce" or "cross-entropy".

    Returns:
        the :class:`LossSpec`.

    Raises:
        UsageError: unknown name (lists the valid names).

    >>> get_spec("Cross-Entropy").name
    'ce'
    """
    key = str(name).strip().lower().replace("-", "_")
    if key in _LOOKUP:
        return REGISTRY[_LOOKUP[key]]
    raise UsageError(f"unknown loss {name!r} for --loss; choose from {', '.join(REGISTRY)}")


def names_for(task: str) -> list[str]:
    """The losses valid for ``task``, in registry order.

    >>> names_for("regression")
    ['mse', 'rmse', 'mae', 'huber', 'smooth_l1', 'msle', 'log_cosh', 'mape']
    """
    return [n for n, s in REGISTRY.items() if task in s.tasks]


def _check_task(spec: LossSpec, task: str, scores: str) -> None:
    if task not in TASKS:
        raise UsageError(f"--task must be one of {', '.join(TASKS)}, got {task!r}")
    if task not in spec.tasks:
        raise UsageError(
            f"loss {spec.name!r} needs --task {' or '.join(spec.tasks)}; the task is {task}"
        )
    allowed = spec.scores[task]
    if scores not in allowed:
        raise UsageError(
            f"loss {spec.name!r} takes --scores {' or '.join(allowed)} for --task {task}; "
            f"the scores are {scores!r}"
        )


def _sample_weight(sample_weight: np.ndarray | None, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.shape != (n,):
        raise InputError(f"sample weights have shape {sw.shape}; expected one per row ({n},)")
    bad = ~(np.isfinite(sw) & (sw >= 0))
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"sample weight at row {row} is {float(sw[row])!r}; weights must be finite and >= 0"
        )
    return sw


def compute(
    name: str,
    task: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str,
    sample_weight: np.ndarray | None = None,
    params: Mapping[str, Any] | None = None,
) -> LossChunk:
    """Per-sample losses and additive sums of one chunk of rows.

    Formula: "mean" losses ``sums = [sum(sw*l_n), sum(sw*d_n)]`` (``d_n = w[y_n]`` for
    class-weighted ce/nll/focal, 0 for ignored rows, else 1); dice/jaccard
    ``sums = [sum sw*I_n, sum sw*P_n, sum sw*Y_n, sum sw*n_n, sum n_n]``.

    Args:
        name: loss name or alias.
        task: "binary", "multiclass", "multilabel" or "regression".
        y_true: labels, (N,) or (N, C|L|K) as the task needs.
        y_pred: scores, (N,) or (N, C|L|K).
        scores: "logits", "probs", "log-probs" or "values" (regression).
        sample_weight: optional (N,) non-negative weights.
        params: loss parameters (validated and completed with defaults here).

    Returns:
        :class:`LossChunk` with per_sample (N,) and sums (k,).

    Raises:
        UsageError: the loss does not fit the task or score kind, or a bad parameter.
        InputError: shapes or labels do not fit.

    >>> c = compute("bce", "binary", np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.1, 0.4]),
    ...             scores="probs")
    >>> c.sums, finalize("bce", "binary", c.sums)  # torch BCELoss: 0.375671
    (array([1.12701176, 3.        ]), 0.375671)
    """
    spec = get_spec(name)
    _check_task(spec, task, scores)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_pred.ndim == 0:
        raise InputError(f"loss {spec.name!r}: predictions must have one row per sample")
    n_classes = (
        y_pred.shape[1] if task in ("multiclass", "multilabel") and y_pred.ndim == 2 else None
    )
    if task in ("multiclass", "multilabel") and y_pred.ndim != 2:
        raise InputError(
            f"loss {spec.name!r}: --task {task} needs predictions of shape (N, C), "
            f"got {y_pred.shape}"
        )
    if task == "binary" and y_pred.ndim != 1:
        raise InputError(
            f"loss {spec.name!r}: --task binary needs one score per row, got shape {y_pred.shape}"
        )
    p = validate_params(params, task=task, n_classes=n_classes)
    kwargs = {k: p[k] for k in spec.params_for(task)}
    sw = _sample_weight(sample_weight, y_pred.shape[0])
    red = spec.reduction[task]
    if red in ("dice", "jaccard"):
        stats = binary.overlap_stats(y_true, y_pred, scores=scores)
        from_stats = binary.dice_from_stats if red == "dice" else binary.jaccard_from_stats
        per_sample = from_stats(stats[:, 0], stats[:, 1], stats[:, 2], p["dice_smooth"])
    else:
        per_sample = spec.functions[task](y_true, y_pred, scores=scores, **kwargs)
        if red == "weighted_mean":
            d = multiclass.weighted_denominator(
                y_true, y_pred, class_weights=p["class_weights"], ignore_index=p["ignore_index"]
            )
        elif task == "multiclass" and np.ndim(y_true) == 1:
            d = (np.asarray(y_true) != p["ignore_index"]).astype(np.float64)
        else:
            d = np.ones(y_pred.shape[0])
        first = per_sample**2 if red == "rmse" else per_sample
        stats = np.stack([first, d], axis=1)
    with np.errstate(invalid="ignore"):
        rows = sw[:, None] * stats
    if red in ("dice", "jaccard"):  # and the unweighted element count: the smoothing's unit
        rows = np.concatenate([rows, stats[:, 3:4]], axis=1)
    return LossChunk(per_sample=per_sample, sums=rows.sum(axis=0), rows=rows)


def finalize(
    name: str, task: str, sums: np.ndarray, params: Mapping[str, Any] | None = None
) -> float:
    """The dataset value from the (summed) sums of :func:`compute`.

    Formula: mean types ``sums[0] / sums[1]``; rmse ``sqrt(sums[0] / sums[1])``; dice/jaccard
    the overlap formula on the summed ``I, P, Y``. ``nan`` when the denominator is 0 (no rows).

    Args:
        name: loss name or alias.
        task: the task the sums were computed for.
        sums: (k,) sums, e.g. the sum over chunks.
        params: loss parameters (``dice_smooth`` is read for dice/jaccard).

    Returns:
        the value as a float (torch's reduction='mean' on the whole data).

    >>> finalize("mse", "regression", np.array([3.0, 0.0]))
    nan
    """
    spec = get_spec(name)
    if task not in spec.tasks:
        raise UsageError(
            f"loss {spec.name!r} needs --task {' or '.join(spec.tasks)}; the task is {task}"
        )
    sums = np.asarray(sums, dtype=np.float64)
    red = spec.reduction[task]
    if red in ("dice", "jaccard"):
        if sums[3] == 0:
            return float("nan")
        smooth = validate_params(params)["dice_smooth"]
        fn = binary.dice_from_stats if red == "dice" else binary.jaccard_from_stats
        # weighted sums in units of the mean weight (sums[4] / sums[3] = n / sum(w); exactly
        # 1 unweighted): the smoothing adds to counts, so equal weights give the plain value
        unit = sums[4] / sums[3] if sums.size > 4 else 1.0
        return float(fn(sums[0] * unit, sums[1] * unit, sums[2] * unit, smooth))
    if sums[1] == 0:
        return float("nan")
    mean = sums[0] / sums[1]
    return float(np.sqrt(mean) if red == "rmse" else mean)


def value(
    name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    task: str,
    scores: str,
    sample_weight: np.ndarray | None = None,
    **params: Any,
) -> float:
    """The dataset value of a loss in one call (``compute`` then ``finalize``).

    Args:
        name: loss name or alias.
        y_true: labels.
        y_pred: scores.
        task: "binary", "multiclass", "multilabel" or "regression".
        scores: "logits", "probs", "log-probs" or "values".
        sample_weight: optional (N,) weights.
        **params: loss parameters by python name (e.g. ``label_smoothing=0.1``).

    Returns:
        the mean loss as a float.

    >>> value("ce", np.array([0]), np.array([[2.0, 1.0, 0.1]]), task="multiclass",
    ...       scores="logits")  # torch CrossEntropyLoss: 0.417030
    0.417030
    """
    chunk = compute(
        name, task, y_true, y_pred, scores=scores, sample_weight=sample_weight, params=params
    )
    return finalize(name, task, chunk.sums, params)
