"""Binary and multi-label losses (numpy only).

Each function takes ``y_true`` and ``y_pred`` of shape (N,) for a binary task or (N, L) for a
multi-label task (elementwise, then the per-sample value is the mean over the L labels, as
torch's ``reduction='mean'`` over all elements), and returns per-sample losses of shape (N,).
Scores: "logits", "probs" or "log-probs" (log p of the positive class). Margin losses use
decision values: logits as given, probabilities ``2p - 1``; labels {0, 1} map to {-1, +1}.
"""

from __future__ import annotations

import numpy as np

from losscli.losses._common import (
    BINARY_SCORES,
    binary_log_terms,
    binary_probs,
    check_01,
    check_scores,
    decision_values,
    f64,
    row_mean,
    same_shape,
)

__all__ = [
    "bce",
    "dice",
    "exponential",
    "focal",
    "hinge",
    "jaccard",
    "overlap_stats",
    "squared_hinge",
    "zero_one",
]


def _prep(
    y_true: np.ndarray, y_pred: np.ndarray, scores: str, loss: str
) -> tuple[np.ndarray, np.ndarray]:
    check_scores(scores, BINARY_SCORES, loss)
    y_true, y_pred = f64(y_true), f64(y_pred)
    same_shape(y_true, y_pred, loss)
    return y_true, y_pred


def bce(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "probs",
    pos_weight: float | tuple[float, ...] | None = None,
    label_weights: float | tuple[float, ...] | None = None,
    eps: float | None = None,
) -> np.ndarray:
    """Binary cross-entropy per sample (torch BCELoss / BCEWithLogitsLoss, reduction='none').

    Formula: ``-lw * (pw * y * log p + (1 - y) * log(1 - p))``. Logits use the stable softplus
    form ``(1-y) x + (1 + (pw-1) y) softplus(-x)`` (torch BCEWithLogitsLoss); probabilities
    clamp each log at -100 (torch BCELoss), or with ``eps`` clip p to [eps, 1-eps].

    Args:
        y_true: targets in [0, 1] (soft allowed), shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".
        pos_weight: weight of the positive term; a number, or one per label (L,).
        label_weights: rescaling of each label's term (torch ``weight=`` of shape (L,)); a
            number, or one per label.
        eps: optional probability clip (ignored for logits).

    Returns:
        (N,) losses; multi-label rows are the mean over the L labels.

    Reference: torch.nn.BCEWithLogitsLoss (logits), torch.nn.BCELoss (probabilities).

    >>> float(bce(np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.1, 0.4])).mean())  # torch BCELoss
    0.375671
    >>> bce(np.array([1.0, 0.0]), np.array([1e4, 1e4]), scores="logits")
    array([    0., 10000.])
    >>> bce(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]), label_weights=(2.0, 0.0))
    array([0.693147])
    """
    y_true, y_pred = _prep(y_true, y_pred, scores, "bce")
    log_p, log_q = binary_log_terms(y_pred, scores, eps)
    pw = 1.0 if pos_weight is None else f64(pos_weight)
    loss = -(pw * y_true * log_p + (1.0 - y_true) * log_q)
    if label_weights is not None:
        loss = loss * f64(label_weights)
    return row_mean(loss)


def focal(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "logits",
    focal_gamma: float = 2.0,
    focal_alpha: float = 0.25,
    eps: float | None = None,
) -> np.ndarray:
    """Sigmoid focal loss per sample (torchvision ``sigmoid_focal_loss``, reduction='none').

    Formula: ``alpha_t * (1 - p_t)^gamma * BCE`` with ``p_t = p y + (1-p)(1-y)`` and
    ``alpha_t = alpha y + (1-alpha)(1-y)``; ``alpha < 0`` drops ``alpha_t``. BCE is computed as
    in :func:`bce` (softplus form for logits, clamped logs for probabilities).

    Args:
        y_true: targets in [0, 1] (soft allowed), shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".
        focal_gamma: focusing exponent >= 0 (0 gives BCE).
        focal_alpha: positive-class weight <= 1; negative disables it.
        eps: optional probability clip (ignored for logits).

    Returns:
        (N,) losses; multi-label rows are the mean over the L labels.

    Reference: torchvision.ops.sigmoid_focal_loss (Lin et al. 2017).

    >>> focal(np.array([1.0, 0.0]), np.array([0.0, 2.0]))
    array([0.0433217 , 1.23755863])
    """
    y_true, y_pred = _prep(y_true, y_pred, scores, "focal")
    log_p, log_q = binary_log_terms(y_pred, scores, eps)
    ce = -(y_true * log_p + (1.0 - y_true) * log_q)
    p = binary_probs(y_pred, scores)
    if eps is not None:
        p = np.clip(p, eps, 1.0 - eps)
    p_t = p * y_true + (1.0 - p) * (1.0 - y_true)
    loss = ce * (1.0 - p_t) ** focal_gamma
    if focal_alpha >= 0:
        loss = (focal_alpha * y_true + (1.0 - focal_alpha) * (1.0 - y_true)) * loss
    return row_mean(loss)


def hinge(
    y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "logits", margin: float = 1.0
) -> np.ndarray:
    """Hinge loss per sample (scikit-learn ``hinge_loss`` for margin 1).

    Formula: ``max(0, margin - y f)`` with ``y = 2 y_true - 1`` in {-1, +1} and ``f`` the
    decision value (logits as given, probabilities ``2p - 1``).

    Args:
        y_true: labels in {0, 1}, shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".
        margin: margin > 0.

    Returns:
        (N,) losses.

    Reference: sklearn.metrics.hinge_loss.

    >>> hinge(np.array([1.0, 0.0, 1.0]), np.array([2.0, 0.5, -0.3]), scores="logits")
    array([0. , 1.5, 1.3])
    """
    y_true, y_pred = _prep(y_true, y_pred, scores, "hinge")
    check_01(y_true, "hinge")
    f = decision_values(y_pred, scores)
    return row_mean(np.maximum(0.0, margin - (2.0 * y_true - 1.0) * f))


def squared_hinge(
    y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "logits", margin: float = 1.0
) -> np.ndarray:
    """Squared hinge loss per sample (Keras ``squared_hinge``).

    Formula: ``max(0, margin - y f)^2`` with ``y`` in {-1, +1} and ``f`` the decision value.

    Args:
        y_true: labels in {0, 1}, shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".
        margin: margin > 0.

    Returns:
        (N,) losses.

    Reference: tf.keras.losses.SquaredHinge.

    >>> squared_hinge(np.array([1.0, 0.0]), np.array([0.9, 0.2]), scores="probs")
    array([0.04, 0.16])
    """
    y_true, y_pred = _prep(y_true, y_pred, scores, "squared_hinge")
    check_01(y_true, "squared_hinge")
    f = decision_values(y_pred, scores)
    return row_mean(np.maximum(0.0, margin - (2.0 * y_true - 1.0) * f) ** 2)


def exponential(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "logits") -> np.ndarray:
    """Exponential (AdaBoost) loss per sample.

    Formula: ``exp(-y f)`` with ``y`` in {-1, +1} and ``f`` the decision value. It overflows
    to ``inf`` once ``-y f > 709`` (the true value exceeds the float64 range).

    Args:
        y_true: labels in {0, 1}, shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".

    Returns:
        (N,) losses.

    Reference: sklearn.ensemble GradientBoosting loss="exponential" (exp(-(2y-1) f)).

    >>> exponential(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    array([1.        , 2.71828183])
    """
    y_true, y_pred = _prep(y_true, y_pred, scores, "exponential")
    check_01(y_true, "exponential")
    f = decision_values(y_pred, scores)
    with np.errstate(over="ignore"):
        return row_mean(np.exp(-(2.0 * y_true - 1.0) * f))


def zero_one(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "probs") -> np.ndarray:
    """0-1 loss per sample: 1 when the prediction is wrong (multi-label: any label wrong).

    Formula: ``[ (p > 0.5) != y ]``; for (N, L) rows ``max_l [ (p_l > 0.5) != y_l ]``
    (exact match fails). Logits are turned into probabilities with the sigmoid first.

    Args:
        y_true: labels in {0, 1}, shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".

    Returns:
        (N,) losses in {0, 1}.

    Reference: sklearn.metrics.zero_one_loss.

    >>> zero_one(np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.6, 0.5]))
    array([0., 1., 1.])
    """
    y_true, y_pred = _prep(y_true, y_pred, scores, "zero_one")
    check_01(y_true, "zero_one")
    wrong = (binary_probs(y_pred, scores) > 0.5) != (y_true == 1.0)
    if wrong.ndim == 2:
        wrong = wrong.any(axis=1)
    return wrong.astype(np.float64)


def overlap_stats(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "probs") -> np.ndarray:
    """Per-row sufficient statistics of Dice/Jaccard: ``[sum p y, sum p, sum y, n]``.

    Args:
        y_true: targets in [0, 1], shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".

    Returns:
        (N, 4) array (sums over the L labels; n is 1 or L).

    >>> overlap_stats(np.array([[1.0, 0.0]]), np.array([[0.8, 0.4]]))
    array([[0.8, 1.2, 1. , 2. ]])
    """
    y_true, y_pred = _prep(y_true, y_pred, scores, "dice")
    p = binary_probs(y_pred, scores)
    if p.ndim == 1:
        p, y_true = p[:, None], y_true[:, None]
    n = np.full(p.shape[0], float(p.shape[1]))
    return np.stack([(p * y_true).sum(axis=1), p.sum(axis=1), y_true.sum(axis=1), n], axis=1)


def dice_from_stats(inter: np.ndarray, sp: np.ndarray, sy: np.ndarray, smooth: float) -> np.ndarray:
    """Dice loss from overlap sums: ``1 - (2 I + s) / (P + Y + s)``; 0 when ``P + Y + s = 0``.

    Args:
        inter: sum of p*y, any shape.
        sp: sum of p, same shape.
        sy: sum of y, same shape.
        smooth: s >= 0.

    Returns:
        float64 array of the same shape.

    >>> dice_from_stats(np.array([0.8, 0.0]), np.array([1.2, 0.0]), np.array([1.0, 0.0]), 0.0)
    array([0.27272727, 0.        ])
    """
    den = sp + sy + smooth
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - (2.0 * inter + smooth) / den
    return np.where(den == 0, 0.0, out)


def jaccard_from_stats(
    inter: np.ndarray, sp: np.ndarray, sy: np.ndarray, smooth: float
) -> np.ndarray:
    """Jaccard loss from overlap sums: ``1 - (I + s) / (P + Y - I + s)``; 0 when that
    denominator is 0 (empty prediction and target).

    Args:
        inter: sum of p*y, any shape.
        sp: sum of p, same shape.
        sy: sum of y, same shape.
        smooth: s >= 0.

    Returns:
        float64 array of the same shape.

    >>> jaccard_from_stats(np.array([0.8]), np.array([1.2]), np.array([1.0]), 0.0)
    array([0.42857143])
    """
    den = sp + sy - inter + smooth
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - (inter + smooth) / den
    return np.where(den == 0, 0.0, out)


def dice(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "probs",
    dice_smooth: float = 1e-5,
) -> np.ndarray:
    """Soft Dice loss per row (the soft Sørensen–Dice coefficient of each row).

    Formula: ``1 - (2 sum(p y) + s) / (sum(p) + sum(y) + s)`` with ``p`` the probabilities
    (sigmoid of logits). The per-sample value sums over the row's labels (a binary row is one
    element); the dataset value (``compute``/``finalize``) sums over ALL elements.
    A row with empty prediction and target and ``s = 0`` has loss 0.

    Args:
        y_true: targets in [0, 1], shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".
        dice_smooth: smoothing constant s >= 0.

    Returns:
        (N,) per-row Dice losses.

    Reference: the soft Dice loss of Milletari et al. 2016 (V-Net) with the linear
    denominator ``sum(p) + sum(y)``, as MONAI ``DiceLoss`` (``smooth_nr = smooth_dr = 1e-5``).

    >>> dice(np.array([[1.0, 0.0]]), np.array([[0.8, 0.4]]))
    array([0.27272603])
    """
    st = overlap_stats(y_true, y_pred, scores=scores)
    return dice_from_stats(st[:, 0], st[:, 1], st[:, 2], dice_smooth)


def jaccard(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "probs",
    dice_smooth: float = 1e-5,
) -> np.ndarray:
    """Soft Jaccard (IoU) loss per row.

    Formula: ``1 - (sum(p y) + s) / (sum(p) + sum(y) - sum(p y) + s)``. Per-sample value per
    row; the dataset value sums over all elements (like :func:`dice`).

    Args:
        y_true: targets in [0, 1], shape (N,) or (N, L).
        y_pred: scores of the same shape.
        scores: "logits", "probs" or "log-probs".
        dice_smooth: smoothing constant s >= 0 (``--dice-smooth``).

    Returns:
        (N,) per-row Jaccard losses.

    Reference: soft Jaccard / IoU loss (e.g. segmentation_models_pytorch JaccardLoss).

    >>> jaccard(np.array([[1.0, 0.0]]), np.array([[0.8, 0.4]]))
    array([0.42856837])
    """
    st = overlap_stats(y_true, y_pred, scores=scores)
    return jaccard_from_stats(st[:, 0], st[:, 1], st[:, 2], dice_smooth)
