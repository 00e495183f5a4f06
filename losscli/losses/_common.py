"""Shared helpers of the loss functions: score conversions, label checks, the log clamp.

Private to ``losscli.losses``; everything is vectorised float64 numpy.
"""

from __future__ import annotations

import numpy as np

from losscli.activations import log1mexp, log_sigmoid, log_softmax, sigmoid
from losscli.errors import InputError, UsageError

#: torch BCELoss / our probability paths clamp log-probabilities at this value.
LOG_CLAMP = -100.0

BINARY_SCORES = ("logits", "probs", "log-probs")


def f64(x: np.ndarray) -> np.ndarray:
    """``x`` as a float64 array (no copy when it already is one)."""
    return np.asarray(x, dtype=np.float64)


def check_scores(scores: str, allowed: tuple[str, ...], loss: str) -> None:
    """Refuse a score kind the loss does not take (UsageError naming ``--scores``)."""
    if scores not in allowed:
        raise UsageError(
            f"loss {loss!r} takes --scores {' or '.join(allowed)}; the scores are {scores!r}"
        )


def same_shape(y_true: np.ndarray, y_pred: np.ndarray, loss: str) -> None:
    """Refuse labels and predictions of different shapes (InputError)."""
    if y_true.shape != y_pred.shape:
        raise InputError(
            f"loss {loss!r}: labels have shape {y_true.shape} but predictions {y_pred.shape}; "
            "give one label per prediction"
        )


def clamp_log(logp: np.ndarray, eps: float | None) -> np.ndarray:
    """Clamp log-probabilities at -100 (torch) or clip the probabilities to [eps, 1-eps]."""
    if eps is None:
        return np.maximum(logp, LOG_CLAMP)
    return np.log(np.clip(np.exp(logp), eps, 1.0 - eps))


def binary_log_terms(
    y_pred: np.ndarray, scores: str, eps: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """``(log p, log(1-p))`` elementwise for binary/multi-label scores.

    Logits use ``log_sigmoid(+-x)`` (exact, never clamped, as torch BCEWithLogitsLoss).
    Probabilities: ``max(log p, -100)``, ``max(log1p(-p), -100)`` (torch BCELoss), or with
    ``eps`` the logs of ``clip(p, eps, 1-eps)``. Log-probabilities: ``log(1-p)`` via
    ``log1mexp``, then the same clamp / clip.
    """
    y_pred = f64(y_pred)
    if scores == "logits":
        return log_sigmoid(y_pred), log_sigmoid(-y_pred)
    if eps is not None:
        p = y_pred if scores == "probs" else np.exp(y_pred)
        p = np.clip(p, eps, 1.0 - eps)
        return np.log(p), np.log1p(-p)
    with np.errstate(divide="ignore"):
        if scores == "probs":
            log_p, log_q = np.log(y_pred), np.log1p(-y_pred)
        else:
            log_p, log_q = y_pred, log1mexp(y_pred)
    return np.maximum(log_p, LOG_CLAMP), np.maximum(log_q, LOG_CLAMP)


def binary_probs(y_pred: np.ndarray, scores: str) -> np.ndarray:
    """Probabilities of the positive class, elementwise (sigmoid / as given / exp)."""
    y_pred = f64(y_pred)
    if scores == "logits":
        return sigmoid(y_pred)
    if scores == "log-probs":
        return np.exp(y_pred)
    return y_pred


def decision_values(y_pred: np.ndarray, scores: str) -> np.ndarray:
    """Binary decision values for margin losses: logits as given, probabilities ``2p - 1``."""
    y_pred = f64(y_pred)
    if scores == "logits":
        return y_pred
    return 2.0 * binary_probs(y_pred, scores) - 1.0


def check_01(y_true: np.ndarray, loss: str) -> None:
    """Refuse labels other than 0 and 1 (InputError naming the first bad row)."""
    bad = (y_true != 0.0) & (y_true != 1.0)
    if bad.any():
        idx = np.argwhere(bad)[0]
        got = float(y_true[tuple(idx)])
        raise InputError(
            f"loss {loss!r} needs labels 0 or 1; row {int(idx[0])} has {got!r} "
            "(soft labels are accepted by bce, focal, dice and jaccard only)"
        )


def row_mean(x: np.ndarray) -> np.ndarray:
    """Per-sample value: ``x`` itself for (N,), the mean over the last axis for (N, L)."""
    return x if x.ndim == 1 else x.mean(axis=-1)


def class_log_probs(y_pred: np.ndarray, scores: str, eps: float | None) -> np.ndarray:
    """Multi-class log-probabilities, (N, C): ``log_softmax`` of logits; probabilities give
    ``max(log p, -100)``; log-probabilities are used as given (torch NLLLoss) except that
    ``-inf`` (p = 0) becomes -100. With ``eps`` the probabilities are clipped to [eps, 1-eps].
    """
    y_pred = f64(y_pred)
    if scores == "logits":
        return log_softmax(y_pred)
    if scores == "probs":
        if eps is not None:
            return np.log(np.clip(y_pred, eps, 1.0 - eps))
        with np.errstate(divide="ignore"):
            return np.maximum(np.log(y_pred), LOG_CLAMP)
    if eps is not None:
        return clamp_log(y_pred, eps)
    # torch NLLLoss takes log-probabilities as given; only log 0 = -inf becomes -100.
    return np.where(y_pred == -np.inf, LOG_CLAMP, y_pred)


def multiclass_targets(
    y_true: np.ndarray, y_pred: np.ndarray, loss: str
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Split multi-class targets into ``(labels, None)`` for class indices, shape (N,), or
    ``(None, soft)`` for (N, C) target rows. Checks the shapes (InputError).
    """
    y_pred = f64(y_pred)
    if y_pred.ndim != 2:
        raise InputError(
            f"loss {loss!r}: multi-class predictions need shape (N, C), got {y_pred.shape}"
        )
    y_true = np.asarray(y_true)
    if y_true.ndim == 1:
        if y_true.shape[0] != y_pred.shape[0]:
            raise InputError(
                f"loss {loss!r}: {y_true.shape[0]} labels for {y_pred.shape[0]} prediction rows"
            )
        if y_true.dtype.kind in "fc":
            if not np.all(np.isfinite(y_true)) or np.any(y_true != np.round(y_true)):
                raise InputError(
                    f"loss {loss!r}: class labels must be whole numbers (class indices)"
                )
        return y_true.astype(np.int64), None
    if y_true.shape != y_pred.shape:
        raise InputError(
            f"loss {loss!r}: target rows have shape {y_true.shape} but predictions "
            f"{y_pred.shape}; give one target column per class"
        )
    return None, f64(y_true)


def index_rows(
    labels: np.ndarray, n_classes: int, ignore_index: int, loss: str
) -> tuple[np.ndarray, np.ndarray]:
    """``(safe labels, valid mask)``: rows equal to ``ignore_index`` are invalid (label set to
    0 so it can index safely); any other label outside [0, C) is an InputError.
    """
    valid = labels != ignore_index
    bad = valid & ((labels < 0) | (labels >= n_classes))
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"loss {loss!r}: row {row} has class index {int(labels[row])}, outside "
            f"0..{n_classes - 1} for {n_classes} classes "
            f"(rows equal to --ignore-index {ignore_index} are skipped)"
        )
    return np.where(valid, labels, 0), valid


def hard_labels(
    y_true: np.ndarray, y_pred: np.ndarray, ignore_index: int, loss: str
) -> tuple[np.ndarray, np.ndarray]:
    """Class indices for losses that need hard labels: ``(safe labels, valid mask)``.

    One-hot target rows are turned into indices; other soft rows are an InputError.
    """
    labels, soft = multiclass_targets(y_true, y_pred, loss)
    if soft is not None:
        onehot = np.all((soft == 0.0) | (soft == 1.0), axis=1) & (soft.sum(axis=1) == 1.0)
        if not onehot.all():
            row = int(np.argmin(onehot))
            raise InputError(
                f"loss {loss!r} needs hard labels (class indices or one-hot rows); "
                f"target row {row} is soft"
            )
        labels = np.argmax(soft, axis=1).astype(np.int64)
    return index_rows(labels, y_pred.shape[1], ignore_index, loss)


def weights_vector(weights: tuple[float, ...] | None, n: int, option: str) -> np.ndarray:
    """Per-class (or per-label) weights as an (n,) array; ``None`` gives ones."""
    if weights is None:
        return np.ones(n)
    w = f64(weights).ravel()
    if w.size == 1:
        return np.full(n, float(w[0]))
    if w.size != n:
        raise UsageError(f"{option} has {w.size} values but there are {n} classes/labels")
    return w
