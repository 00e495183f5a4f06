"""The single list of losses (``REGISTRY``) and the lookups over it.

``REGISTRY`` describes each loss once: name, aliases, tasks, accepted score kinds, parameters,
formula, reference implementation, a one-line summary and the per-sample function of each
task. The CLI's ``--loss`` choices, ``losscli losses``, the docs and the parity tests read it.
The reduction each row names is done in :mod:`losscli.losses.reduce`:

Reduction lives there and only there. ``compute`` returns a :class:`LossChunk`: per-sample
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
from dataclasses import field

import numpy as np

from losscli.errors import UsageError
from losscli.kinds import SCORE_KINDS, TASKS
from losscli.losses import binary, multiclass, regression
from losscli.records import record

__all__ = [
    "DEFAULT_LOSS",
    "REGISTRY",
    "LossSpec",
    "TASKS",
    "get_spec",
    "names_for",
]

_CLS = SCORE_KINDS  # the classification score kinds (losscli.kinds)

DEFAULT_LOSS = {"binary": "bce", "multiclass": "ce", "multilabel": "bce", "regression": "mse"}


@record(frozen=True)
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
