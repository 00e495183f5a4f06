"""Multi-class losses (numpy only).

``y_pred`` is (N, C). ``y_true`` is either int class indices (N,) or float target rows (N, C)
(one-hot or soft). Rows whose index equals ``ignore_index`` get loss 0 (and, in the dataset
mean, weight 0), as in torch CrossEntropyLoss; the margin and 0-1 losses skip them the same
way. Every function returns per-sample losses of shape (N,) equal to torch's
``reduction='none'`` output where torch has the loss.

Log-probabilities: logits go through ``log_softmax``; probabilities give ``max(log p, -100)``
(the clamp of torch BCELoss, so p = 0 stays finite); given log-probabilities are used as they
are (torch NLLLoss), except that ``-inf`` (p = 0) becomes -100 where torch would return inf.
With ``eps`` the probabilities are clipped to [eps, 1-eps] instead. Probability rows are
assumed to sum to 1 (the caller validates them).
"""

from __future__ import annotations

import numpy as np

from losscli.kinds import SCORE_KINDS
from losscli.losses._common import (
    check_scores,
    class_log_probs,
    f64,
    hard_labels,
    index_rows,
    multiclass_targets,
    weights_vector,
)

__all__ = [
    "MULTICLASS_SCORES",
    "ce_from_log_prob",
    "ce_terms",
    "class_weight_vector",
    "cross_entropy",
    "focal_multiclass",
    "hinge_multiclass",
    "kl_div",
    "multi_margin",
    "nll",
    "weighted_denominator",
    "zero_one_multiclass",
]

MULTICLASS_SCORES = SCORE_KINDS  # every classification score kind (losscli.kinds)


def weighted_denominator(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    class_weights: tuple[float, ...] | None = None,
    ignore_index: int = -100,
) -> np.ndarray:
    """torch's per-sample denominator weight of the 'mean' reduction of CE / NLL.

    Formula: ``d_n = w[y_n]`` (1 without class weights), 0 for ``ignore_index`` rows; soft
    target rows have ``d_n = 1`` (torch divides by N for probability targets).

    Args:
        y_true: class indices (N,) or target rows (N, C).
        y_pred: scores (N, C) (only the shape is used).
        class_weights: optional per-class weights (C,).
        ignore_index: label value whose rows are skipped.

    Returns:
        (N,) denominators.

    >>> weighted_denominator(np.array([0, 2, -100]), np.zeros((3, 3)), class_weights=(1, 2, 3))
    array([1., 3., 0.])
    """
    labels, soft = multiclass_targets(y_true, y_pred, "ce")
    if soft is not None:
        return np.ones(soft.shape[0])
    n_classes = np.shape(y_pred)[1]
    safe, valid = index_rows(labels, n_classes, ignore_index, "ce")
    w = weights_vector(class_weights, n_classes, "--class-weights")
    return np.where(valid, w[safe], 0.0)


def _ce_from_logp(
    y_true: np.ndarray,
    logp: np.ndarray,
    class_weights: tuple[float, ...] | None,
    label_smoothing: float,
    ignore_index: int,
    loss: str,
) -> np.ndarray:
    n, n_classes = logp.shape
    w = weights_vector(class_weights, n_classes, "--class-weights")
    labels, soft = multiclass_targets(y_true, logp, loss)
    if soft is not None:
        t = soft
        if label_smoothing > 0:
            t = t * (1.0 - label_smoothing) + label_smoothing / n_classes
        return -(t * w * logp).sum(axis=1)
    safe, valid = index_rows(labels, n_classes, ignore_index, loss)
    wlogp = (logp * w).sum(axis=1) if label_smoothing > 0 else None
    return ce_terms(logp[np.arange(n), safe], wlogp, safe, valid, w, label_smoothing)


def class_weight_vector(class_weights: tuple[float, ...] | None, n_classes: int) -> np.ndarray:
    """The (C,) class weights of ``--class-weights`` (ones without; one value for all).

    >>> class_weight_vector(None, 2), class_weight_vector((1.0, 3.0), 2)
    (array([1., 1.]), array([1., 3.]))
    """
    return weights_vector(class_weights, n_classes, "--class-weights")


def ce_from_log_prob(
    logp_true: np.ndarray,
    wlogp: np.ndarray | None,
    labels: np.ndarray,
    n_classes: int,
    *,
    class_weights: tuple[float, ...] | None = None,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-entropy per element and torch's mean denominators, from ``log p_y`` (and, with
    label smoothing, ``sum_c w_c log p_c``) computed elsewhere (class-major:
    :func:`losscli.metrics.class_major.class_major_rows`): what :func:`cross_entropy` and
    :func:`weighted_denominator` give from the ``(N, C)`` scores.

    Args:
        logp_true: (N,) ``log p_y`` (any value where the label is ``ignore_index``).
        wlogp: (N,) ``sum_c w_c log p_c``, or None without label smoothing.
        labels: (N,) class indices (``ignore_index`` for skipped elements).
        n_classes: C.
        class_weights, label_smoothing, ignore_index: as :func:`cross_entropy`.

    Returns:
        ``(losses, denominators)``, both (N,): ``d_n = w[y_n]``, 0 where ignored.

    >>> ce_from_log_prob(np.log(np.array([0.5, 0.9])), None, np.array([0, -100]), 2)
    (array([0.69314718, 0.        ]), array([1., 0.]))
    """
    w = weights_vector(class_weights, n_classes, "--class-weights")
    safe, valid = index_rows(labels, n_classes, ignore_index, "ce")
    per = ce_terms(logp_true, wlogp, safe, valid, w, label_smoothing)
    if (w != 1.0).any():
        return per, np.where(valid, w[safe], 0.0)
    return per, valid.astype(np.float64)  # w[y] is 1 for every class


def ce_terms(
    logp_true: np.ndarray,
    wlogp: np.ndarray | None,
    safe: np.ndarray,
    valid: np.ndarray,
    w: np.ndarray,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Cross-entropy per element from the log-probability of its class (and the smoothing sum).

    Formula: ``(1 - e) * w_y * (-log p_y) + e / C * (-sum_c w_c log p_c)``, 0 where not
    ``valid`` (torch CrossEntropyLoss, ``reduction='none'``); the rows' terms
    (:func:`cross_entropy`) and the class-major ones
    (:func:`losscli.metrics.class_major.class_major_rows`) both end here.

    Args:
        logp_true: (N,) ``log p_y``.
        wlogp: (N,) ``sum_c w_c log p_c`` (needed when ``label_smoothing > 0``), or None.
        safe: (N,) class indices (ignored elements: any class).
        valid: (N,) bool, the elements not ignored.
        w: (C,) class weights (ones without them).
        label_smoothing: e in [0, 1].

    Returns:
        (N,) losses.

    >>> ce_terms(np.log(np.array([0.5, 0.25])), None, np.array([0, 1]), np.array([True, False]),
    ...          np.ones(2))
    array([0.69314718, 0.        ])
    """
    weighted = bool((w != 1.0).any())  # x * 1.0 is x: no gather without class weights
    out = -logp_true * w[safe] if weighted else -logp_true
    if label_smoothing > 0:
        out = (1.0 - label_smoothing) * out + (label_smoothing / w.shape[0]) * -wlogp
    return np.where(valid, out, 0.0)


def cross_entropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "logits",
    class_weights: tuple[float, ...] | None = None,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
    eps: float | None = None,
) -> np.ndarray:
    """Cross-entropy per sample (torch CrossEntropyLoss, reduction='none').

    Formula (class index y, log-probabilities l = log_softmax(z), weights w, smoothing e):
    ``(1 - e) * w_y * (-l_y) + e / C * sum_c w_c * (-l_c)``; 0 for ignored rows.
    Soft targets t: ``-sum_c w_c t'_c l_c`` with ``t' = (1 - e) t + e / C``. The dataset mean
    divides by ``sum(w[y_n])`` (see :func:`weighted_denominator`), as torch does.

    Args:
        y_true: class indices (N,) or target rows (N, C).
        y_pred: scores (N, C).
        scores: "logits", "probs" or "log-probs" (log-probs: NLL).
        class_weights: optional weights (C,) >= 0.
        label_smoothing: e in [0, 1].
        ignore_index: label value whose rows are skipped (default -100).
        eps: optional probability clip (ignored for logits).

    Returns:
        (N,) losses.

    Reference: torch.nn.CrossEntropyLoss.

    >>> cross_entropy(np.array([0]), np.array([[2.0, 1.0, 0.1]]))  # torch CrossEntropyLoss
    array([0.41703])
    """
    check_scores(scores, MULTICLASS_SCORES, "ce")
    logp = class_log_probs(y_pred, scores, eps)
    return _ce_from_logp(y_true, logp, class_weights, label_smoothing, ignore_index, "ce")


def nll(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "log-probs",
    class_weights: tuple[float, ...] | None = None,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
    eps: float | None = None,
) -> np.ndarray:
    """Negative log-likelihood per sample (torch NLLLoss, reduction='none').

    Formula: ``-w_y * l_y`` on log-probabilities ``l`` (clamped at -100), with label
    smoothing, soft targets and ``ignore_index`` exactly as :func:`cross_entropy`.

    Args:
        y_true: class indices (N,) or target rows (N, C).
        y_pred: log-probabilities (N, C).
        scores: must be "log-probs".
        class_weights: optional weights (C,) >= 0.
        label_smoothing: e in [0, 1].
        ignore_index: label value whose rows are skipped (default -100).
        eps: optional probability clip.

    Returns:
        (N,) losses.

    Reference: torch.nn.NLLLoss.

    >>> nll(np.array([1, 0]), np.log(np.array([[0.2, 0.8], [0.5, 0.5]])))
    array([0.22314355, 0.69314718])
    """
    check_scores(scores, ("log-probs",), "nll")
    logp = class_log_probs(y_pred, scores, eps)
    return _ce_from_logp(y_true, logp, class_weights, label_smoothing, ignore_index, "nll")


def focal_multiclass(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "logits",
    focal_gamma: float = 2.0,
    class_weights: tuple[float, ...] | None = None,
    ignore_index: int = -100,
    eps: float | None = None,
) -> np.ndarray:
    """Multi-class focal loss per sample.

    Formula: ``w_y * (1 - p_y)^gamma * (-log p_y)``; soft targets
    ``-sum_c w_c t_c (1 - p_c)^gamma log p_c``. The dataset mean divides by ``sum(w[y_n])``
    like CE (it is ``F.nll_loss((1 - p)^gamma * log p, y, weight=w)``). ``--focal-alpha`` does
    not apply here; use class weights.

    Args:
        y_true: class indices (N,) or target rows (N, C).
        y_pred: scores (N, C).
        scores: "logits", "probs" or "log-probs".
        focal_gamma: focusing exponent >= 0 (0 gives CE).
        class_weights: optional weights (C,) >= 0.
        ignore_index: label value whose rows are skipped.
        eps: optional probability clip (ignored for logits).

    Returns:
        (N,) losses.

    Reference: Lin et al. 2017 focal loss, as F.nll_loss(((1-p)**gamma) * log_softmax(z), y,
    weight) (e.g. kornia.losses.focal_loss with alpha=1).

    >>> focal_multiclass(np.array([0]), np.array([[2.0, 1.0, 0.1]]))
    array([0.04849234])
    """
    check_scores(scores, MULTICLASS_SCORES, "focal")
    logp = class_log_probs(y_pred, scores, eps)
    mod = -((1.0 - np.exp(logp)) ** focal_gamma) * logp
    return _ce_from_logp(y_true, -mod, class_weights, 0.0, ignore_index, "focal")


def hinge_multiclass(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "logits",
    margin: float = 1.0,
    ignore_index: int = -100,
) -> np.ndarray:
    """Crammer–Singer multi-class hinge loss per sample (scikit-learn ``hinge_loss``).

    Formula: ``max(0, margin - (f_y - max_{c != y} f_c))`` on the decision values ``f`` (the
    scores as given). Needs hard labels.

    Args:
        y_true: class indices (N,) or one-hot rows (N, C).
        y_pred: decision values (N, C), C >= 2.
        scores: "logits", "probs" or "log-probs" (used as given).
        margin: margin > 0 (scikit-learn uses 1).
        ignore_index: label value whose rows are skipped.

    Returns:
        (N,) losses.

    Reference: sklearn.metrics.hinge_loss (multi-class).

    >>> hinge_multiclass(np.array([0, 1]), np.array([[2.0, 0.5, 0.1], [0.3, 0.2, 0.0]]))
    array([0. , 1.1])
    """
    check_scores(scores, MULTICLASS_SCORES, "hinge")
    f = f64(y_pred)
    safe, valid = hard_labels(y_true, f, ignore_index, "hinge")
    rows = np.arange(f.shape[0])
    f_y = f[rows, safe]
    others = f.copy()
    others[rows, safe] = -np.inf
    out = np.maximum(0.0, margin - (f_y - others.max(axis=1)))
    return np.where(valid, out, 0.0)


def multi_margin(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "logits",
    margin: float = 1.0,
    multi_margin_p: int = 1,
    class_weights: tuple[float, ...] | None = None,
    ignore_index: int = -100,
) -> np.ndarray:
    """Multi-class margin loss per sample (torch MultiMarginLoss, reduction='none').

    Formula: ``sum_{c != y} w_y * max(0, margin - f_y + f_c)^p / C`` on the scores as given.
    torch's mean divides by N (the class weight does not enter the denominator).

    Args:
        y_true: class indices (N,) or one-hot rows (N, C).
        y_pred: decision values (N, C).
        scores: "logits", "probs" or "log-probs" (used as given).
        margin: margin > 0.
        multi_margin_p: 1 or 2.
        class_weights: optional weights (C,) >= 0.
        ignore_index: label value whose rows are skipped.

    Returns:
        (N,) losses.

    Reference: torch.nn.MultiMarginLoss.

    >>> multi_margin(np.array([3]), np.array([[0.1, 0.2, 0.4, 0.8]]))
    array([0.325])
    """
    check_scores(scores, MULTICLASS_SCORES, "multi_margin")
    f = f64(y_pred)
    safe, valid = hard_labels(y_true, f, ignore_index, "multi_margin")
    n, n_classes = f.shape
    rows = np.arange(n)
    z = np.maximum(0.0, margin - f[rows, safe][:, None] + f)
    z[rows, safe] = 0.0
    h = z if multi_margin_p == 1 else z * z
    w = weights_vector(class_weights, n_classes, "--class-weights")
    out = w[safe] * h.sum(axis=1) / n_classes
    return np.where(valid, out, 0.0)


def kl_div(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "logits",
    ignore_index: int = -100,
    eps: float | None = None,
) -> np.ndarray:
    """Kullback–Leibler divergence KL(t || p) per sample (torch ``kl_div``, 'batchmean').

    Formula: ``sum_c t_c (log t_c - log p_c)`` with ``0 log 0 = 0``. Class indices are taken
    as one-hot targets (then KL equals CE).

    Args:
        y_true: target rows (N, C) (probability distributions) or class indices (N,).
        y_pred: scores (N, C).
        scores: "logits", "probs" or "log-probs".
        ignore_index: with class indices, label value whose rows are skipped.
        eps: optional probability clip (ignored for logits).

    Returns:
        (N,) losses; their mean is torch's ``reduction='batchmean'``.

    Reference: torch.nn.KLDivLoss(reduction="batchmean") on log_softmax inputs.

    >>> kl_div(np.array([[0.5, 0.5]]), np.log(np.array([[0.25, 0.75]])), scores="log-probs")
    array([0.14384104])
    """
    check_scores(scores, MULTICLASS_SCORES, "kl")
    logp = class_log_probs(y_pred, scores, eps)
    labels, soft = multiclass_targets(y_true, logp, "kl")
    if soft is None:
        safe, valid = index_rows(labels, logp.shape[1], ignore_index, "kl")
        out = -logp[np.arange(logp.shape[0]), safe]
        return np.where(valid, out, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tlogt = np.where(soft > 0, soft * np.log(np.where(soft > 0, soft, 1.0)), 0.0)
    return (tlogt - soft * logp).sum(axis=1)


def zero_one_multiclass(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "logits",
    ignore_index: int = -100,
) -> np.ndarray:
    """0-1 loss per sample: 1 when the arg-max class (ties: lowest index) is not the label.

    Formula: ``[argmax_c f_c != y]``.

    Args:
        y_true: class indices (N,) or one-hot rows (N, C).
        y_pred: scores (N, C).
        scores: "logits", "probs" or "log-probs".
        ignore_index: label value whose rows are skipped.

    Returns:
        (N,) losses in {0, 1}.

    Reference: sklearn.metrics.zero_one_loss.

    >>> zero_one_multiclass(np.array([0, 1, 2]), np.array([[1.0, 1.0, 0], [0, 2, 1], [3, 0, 1]]))
    array([0., 0., 1.])
    """
    check_scores(scores, MULTICLASS_SCORES, "zero_one")
    f = f64(y_pred)
    safe, valid = hard_labels(y_true, f, ignore_index, "zero_one")
    wrong = np.argmax(f, axis=1) != safe
    return np.where(valid, wrong.astype(np.float64), 0.0)
