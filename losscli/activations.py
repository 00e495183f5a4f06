"""Numerically stable activations and score-kind conversions (numpy only).

Every function works in float64 and stays finite for logits of +-1e4 (and beyond): the
exponentials are always taken of non-positive numbers. ``softmax``, ``log_softmax`` and
``logsumexp`` act on the last axis.

``ACTIVATIONS`` maps a ``--activation`` name to ``(function, score kind it produces)``:
"probs" for sigmoid/softmax, "log-probs" for log_sigmoid/log_softmax and ``None`` for the
output activations (tanh, relu, relu6, leaky relu, elu, swish/silu), whose outputs
stay raw scores (decision values).

``to_probs`` and ``to_log_probs`` turn the scores of a classification task into probabilities
or log-probabilities: binary and multi-label scores are elementwise (sigmoid / exp), multi-class
rows use softmax / exp. Log-probabilities of the binary task are ``log p`` of the positive class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from losscli.errors import UsageError
from losscli.kinds import SCORE_KINDS

__all__ = [
    "ACTIVATIONS",
    "elu",
    "leaky_relu",
    "log1mexp",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "swish",
    "tanh",
    "untie_top",
    "rank_key_kind",
    "to_log_probs",
    "to_probs",
    "to_rank_key",
]

_SCORE_KINDS = SCORE_KINDS


def _f64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, computed without overflow.

    Formula: ``1 / (1 + exp(-x))``, evaluated as ``exp(min(x,0)) / (1 + exp(-|x|))``.

    Args:
        x: scores of any shape.

    Returns:
        float64 array of the same shape, in [0, 1].

    >>> sigmoid(np.array([-1e4, 0.0, 2.0, 1e4]))
    array([0.        , 0.5       , 0.88079708, 1.        ])
    """
    x = _f64(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: np.ndarray) -> np.ndarray:
    """Softplus ``log(1 + exp(x))``, stable for large ``|x|``.

    Formula: ``max(x, 0) + log1p(exp(-|x|))``.

    Args:
        x: scores of any shape.

    Returns:
        float64 array of the same shape, >= 0.

    >>> softplus(np.array([-1e4, 0.0, 1e4]))
    array([0.00000000e+00, 6.93147181e-01, 1.00000000e+04])
    """
    x = _f64(x)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """Logarithm of the sigmoid, stable for large ``|x|`` (torch ``F.logsigmoid``).

    Formula: ``log sigmoid(x) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|))``.

    Args:
        x: scores of any shape.

    Returns:
        float64 array of the same shape, <= 0.

    >>> log_sigmoid(np.array([-1e4, 0.0, 1e4]))
    array([-1.00000000e+04, -6.93147181e-01,  0.00000000e+00])
    """
    x = _f64(x)
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def log1mexp(a: np.ndarray) -> np.ndarray:
    """``log(1 - exp(a))`` for ``a <= 0``, accurate near 0 and for very negative ``a``.

    Formula: ``log(-expm1(a))`` when ``a > -log 2``, else ``log1p(-exp(a))`` (Maechler 2012).
    ``a = 0`` gives ``-inf``.

    Args:
        a: log-probabilities (<= 0) of any shape.

    Returns:
        float64 array of the same shape: ``log(1 - p)`` where ``p = exp(a)``.

    >>> log1mexp(np.array([-np.inf, np.log(0.25), -1e-20]))
    array([  0.        ,  -0.28768207, -46.05170186])
    """
    a = _f64(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        near = np.flatnonzero(a > -np.log(2.0))  # each branch only where it is taken
        out = np.exp(a, out=np.empty(a.shape))
        np.negative(out, out=out)
        np.log1p(out, out=out)
        if near.size:
            flat = out.reshape(-1)
            flat[near] = np.log(-np.expm1(np.minimum(a.reshape(-1)[near], 0.0)))
    return out


def logsumexp(x: np.ndarray) -> np.ndarray:
    """Log of the sum of exponentials over the last axis, without overflow.

    Formula: ``m + log(sum_j exp(x_j - m))`` with ``m = max_j x_j``.

    Args:
        x: scores, shape (..., C).

    Returns:
        float64 array of shape (...).

    >>> logsumexp(np.array([[1e4, 1e4], [0.0, 0.0]]))
    array([1.00006931e+04, 6.93147181e-01])
    """
    x = _f64(x)
    m = np.max(x, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=-1)) + m[..., 0]
    return out


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis (torch ``F.log_softmax(x, dim=-1)``).

    Formula: ``log_softmax(x)_c = x_c - logsumexp(x)``, evaluated as
    ``(x_c - m) - log1p(T)`` with ``m = max_j x_j`` and ``T = sum_{j != argmax} exp(x_j - m)``:
    the top class's log-probability ``-log1p(T)`` stays distinct from 0 while ``T`` is a
    float (its class leads the runner-up by less than ~745), where ``x_c - logsumexp(x)``
    rounds it to 0 as soon as ``T`` is below the rounding of ``m``.

    Args:
        x: scores, shape (..., C).

    Returns:
        float64 array of shape (..., C), <= 0.

    >>> log_softmax(np.array([[2.0, 1.0, 0.1]]))
    array([[-0.41703002, -1.41703002, -2.31703002]])
    >>> log_softmax(np.array([[500.0, 450.0]]))[0, 0]  # -exp(-50), not 0
    np.float64(-1.9287498479639178e-22)
    """
    x = _f64(x)
    if _MEMO is None:
        return _log_softmax(x)
    hit = _MEMO.get(id(x))
    if hit is not None and hit[0] is x:
        return hit[1]
    out = _log_softmax(x)
    out.flags.writeable = False  # shared: nobody may change it in place
    _MEMO[id(x)] = (x, out)  # holding x keeps its id from being reused
    return out


def _log_softmax(x: np.ndarray) -> np.ndarray:
    """``(x - m) - log1p(sum of the other classes' exp(x - m))`` (see :func:`log_softmax`)."""
    if x.shape[-1] == 0:
        return x.copy()
    top = np.argmax(x, axis=-1)[..., None]
    m = np.take_along_axis(x, top, axis=-1)  # the max (NaN when there is one), no 2nd pass
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.subtract(x, m, order="C")
    # T by blocks of rows: the exp temporary stays ~1 MB (in cache, reused), not a fresh
    # array the size of x for every chunk; C-ordered, so each row's sum is the same whatever
    # the block and the layout of x; the block's log1p(T) subtracted and its top kept
    # (untie_top) while it is in cache
    rows = out.reshape(-1, out.shape[-1])
    xs = x.reshape(rows.shape)
    tops = top.reshape(-1)
    step = max(1, _EXP_BLOCK // rows.shape[1])
    for a in range(0, rows.shape[0], step):
        blk = rows[a : a + step]
        e = np.exp(blk)
        e[np.arange(e.shape[0]), tops[a : a + step]] = 0.0
        blk -= np.log1p(np.sum(e, axis=-1))[:, None]
        untie_top(blk, xs[a : a + step], tops[a : a + step])
    return out


def untie_top(out: np.ndarray, x: np.ndarray, top: np.ndarray | None = None) -> None:
    """Keep the argmax of ``x`` the argmax of ``out``, a rounded increasing map of ``x``.

    The predicted class is the argmax of the scores as given (ties to the lowest index,
    ``np.argmax`` of ``x``). Rounding in an increasing map (``log_softmax``, dividing by a
    row sum) can make a class whose score is below the top one's equal to the top one in
    ``out``: ``log_softmax([1e-3, nextafter(1e-3)])`` is ``[-log 2, -log 2]``, so the argmax
    of ``out`` would be class 0 where the logits' is class 1. Such entries are moved one
    float down (``nextafter(top value, -inf)``, within a rounding of the exact value, which
    is below the top one), so that ``argmax(out) == argmax(x)`` on every row and ties in
    ``out`` at the top are ties in ``x``. Rows are changed in place; usually none is.

    Args:
        out: float64 (..., C) the mapped values, changed in place.
        x: (..., C) the scores it was computed from.
        top: int (...,) or (..., 1) ``np.argmax(x, axis=-1)`` when known.

    >>> x = np.array([[1e-3, np.nextafter(1e-3, 1.0), -2.0]])
    >>> out = x - np.max(x) - np.log1p(np.exp(x - np.max(x)).sum() - 1)
    >>> out[0, 0] == out[0, 1]
    np.True_
    >>> untie_top(out, x)
    >>> int(np.argmax(out)), out[0, 0] < out[0, 1]
    (1, np.True_)
    """
    c = out.shape[-1]
    if out.size == 0 or c < 2:
        return
    rows, xs = out.reshape(-1, c), np.asarray(x).reshape(-1, c)
    tops = (np.argmax(xs, axis=-1) if top is None else np.asarray(top)).reshape(-1)
    at = np.arange(rows.shape[0])
    best = rows[at, tops]
    eq = rows == best[:, None]
    if np.count_nonzero(eq) == rows.shape[0]:  # only each row's top: nothing tied
        return
    i, j = np.nonzero(eq & (xs < xs[at, tops][:, None]))
    rows[i, j] = np.nextafter(best[i], -np.inf)
    if not np.shares_memory(rows, out):  # out was not C-contiguous: reshape copied it
        out[...] = rows.reshape(out.shape)


_EXP_BLOCK = 1 << 17  # values of log-softmax's exp temporary at a time (1 MB of float64)


_MEMO: dict[int, tuple[np.ndarray, np.ndarray]] | None = None


@contextmanager
def reuse_log_softmax() -> Iterator[None]:
    """Within the block, ``log_softmax`` of the same array object is computed once.

    The engine wraps one chunk in it: the loss (cross-entropy) and the metrics (softmax)
    both need the log-softmax of the same logits. The cached result is read-only, and the
    cache is dropped when the block ends.

    >>> z = np.array([[2.0, 1.0, 0.1]])
    >>> with reuse_log_softmax():
    ...     log_softmax(z) is log_softmax(z)
    True
    """
    global _MEMO
    previous = _MEMO
    _MEMO = {}
    try:
        yield
    finally:
        _MEMO = previous


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis.

    Formula: ``softmax(x)_c = exp(x_c - logsumexp(x))``.

    Args:
        x: scores, shape (..., C).

    Returns:
        float64 array of shape (..., C); each row sums to 1.

    >>> softmax(np.array([[2.0, 1.0, 0.1], [1e4, -1e4, 0.0]]))
    array([[0.65900114, 0.24243297, 0.09856589],
           [1.        , 0.        , 0.        ]])
    """
    return np.exp(log_softmax(x))


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (torch.nn.Tanh): ``2 / (1 + exp(-2x)) - 1``, in [-1, 1].

    Args:
        x: scores of any shape.

    Returns:
        float64 array of the same shape.

    >>> tanh(np.array([-1e4, 0.0, 1.0]))
    array([-1.        ,  0.        ,  0.76159416])
    """
    return np.tanh(_f64(x))


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit (torch.nn.ReLU): ``max(0, x)``.

    Args:
        x: scores of any shape.

    Returns:
        float64 array of the same shape, >= 0.

    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    return np.maximum(_f64(x), 0.0)


def relu6(x: np.ndarray) -> np.ndarray:
    """ReLU6 (torch.nn.ReLU6, MobileNet): ``min(max(0, x), 6)``.

    Args:
        x: scores of any shape.

    Returns:
        float64 array of the same shape, in [0, 6].

    >>> relu6(np.array([-2.0, 3.0, 9.0]))
    array([0., 3., 6.])
    """
    return np.clip(_f64(x), 0.0, 6.0)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """Leaky ReLU (torch.nn.LeakyReLU): ``x`` if ``x >= 0`` else ``negative_slope * x``.

    Args:
        x: scores of any shape.
        negative_slope: slope for negative inputs (torch default 0.01).

    Returns:
        float64 array of the same shape.

    >>> leaky_relu(np.array([-2.0, 3.0]))
    array([-0.02,  3.  ])
    """
    x = _f64(x)
    return np.where(x >= 0, x, negative_slope * x)


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit (torch.nn.ELU): ``max(0, x) + min(0, alpha * (exp(x) - 1))``.

    Args:
        x: scores of any shape.
        alpha: scale of the negative branch (torch default 1.0).

    Returns:
        float64 array of the same shape, > -alpha.

    >>> elu(np.array([-1e4, -1.0, 2.0]))
    array([-1.        , -0.63212056,  2.        ])
    """
    x = _f64(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def silu(x: np.ndarray) -> np.ndarray:
    """SiLU / Swish with beta 1 (torch.nn.SiLU): ``x * sigmoid(x)``.

    Args:
        x: scores of any shape.

    Returns:
        float64 array of the same shape.

    >>> silu(np.array([-1e4, 0.0, 1.0, 1e4]))
    array([-0.00000000e+00,  0.00000000e+00,  7.31058579e-01,  1.00000000e+04])
    """
    x = _f64(x)
    return x * sigmoid(x)


swish = silu

#: ``--activation`` name -> (function, score kind it produces or None for raw scores).
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str | None]] = {
    "sigmoid": (sigmoid, "probs"),
    "softmax": (softmax, "probs"),
    "log_sigmoid": (log_sigmoid, "log-probs"),
    "log_softmax": (log_softmax, "log-probs"),
    "tanh": (tanh, None),
    "relu": (relu, None),
    "relu6": (relu6, None),
    "leaky_relu": (leaky_relu, None),
    "elu": (elu, None),
    "silu": (silu, None),
    "swish": (swish, None),
}


def _check(scores: str, task: str) -> None:
    if scores not in _SCORE_KINDS:
        raise UsageError(
            f"--scores must be one of {', '.join(_SCORE_KINDS)} for probabilities, got {scores!r}"
        )
    if task not in ("binary", "multiclass", "multilabel"):
        raise UsageError(
            f"probabilities need a classification --task (binary, multiclass, multilabel); "
            f"the task is {task}"
        )


def to_probs(y_pred: np.ndarray, scores: str, task: str) -> np.ndarray:
    """Turn classification scores into probabilities.

    Formula: binary/multilabel: ``sigmoid(z)`` for logits, ``exp(l)`` for log-probs;
    multiclass: ``softmax(z)`` over the last axis, ``exp(l)``; probs are returned as float64.

    Args:
        y_pred: scores, shape (N,) for binary, (N, C) for multiclass/multilabel.
        scores: "logits", "probs" or "log-probs".
        task: "binary", "multiclass" or "multilabel".

    Returns:
        float64 probabilities of the same shape.

    >>> to_probs(np.array([0.0, 1e4]), "logits", "binary")
    array([0.5, 1. ])
    >>> to_probs(np.log(np.array([[0.2, 0.8]])), "log-probs", "multiclass")
    array([[0.2, 0.8]])
    """
    _check(scores, task)
    y_pred = _f64(y_pred)
    if scores == "probs":
        return y_pred
    if scores == "log-probs":
        return np.exp(y_pred)
    return softmax(y_pred) if task == "multiclass" else sigmoid(y_pred)


def to_log_probs(y_pred: np.ndarray, scores: str, task: str) -> np.ndarray:
    """Turn classification scores into log-probabilities (unclamped: ``log 0 = -inf``).

    Formula: binary/multilabel: ``log_sigmoid(z)`` for logits, ``log p`` for probs;
    multiclass: ``log_softmax(z)``, ``log p``; log-probs are returned as float64.

    Args:
        y_pred: scores, shape (N,) for binary, (N, C) for multiclass/multilabel.
        scores: "logits", "probs" or "log-probs".
        task: "binary", "multiclass" or "multilabel".

    Returns:
        float64 log-probabilities of the same shape (binary: of the positive class).

    >>> to_log_probs(np.array([0.0, -1e4]), "logits", "binary")
    array([-6.93147181e-01, -1.00000000e+04])
    >>> to_log_probs(np.array([[0.5, 0.5]]), "probs", "multiclass")
    array([[-0.69314718, -0.69314718]])
    """
    _check(scores, task)
    y_pred = _f64(y_pred)
    if scores == "log-probs":
        return y_pred
    if scores == "probs":
        with np.errstate(divide="ignore"):
            return np.log(y_pred)
    return log_softmax(y_pred) if task == "multiclass" else log_sigmoid(y_pred)


def rank_key_kind(scores: str, task: str) -> str:
    """The ranking key of a score kind: what ROC AUC, AP and the threshold sweep rank.

    A strictly increasing function of the model's probability that does not saturate in
    float64: binary and multi-label rank ``logits`` by the logit and ``log-probs`` by the
    log-probability (``sigmoid(z)`` is exactly 1.0 above z ~ 36.7, ``exp(l)`` exactly 0 below
    l ~ -745); multi-class ranks logits and log-probs by the per-class log-probability
    (``log_softmax``); probabilities are ranked as given.

    Args:
        scores: "logits", "probs" or "log-probs".
        task: "binary", "multiclass" or "multilabel".

    Returns:
        "probs", "logits" or "log-probs" (the ``rank_key`` of the metrics accumulator).

    >>> rank_key_kind("logits", "binary"), rank_key_kind("logits", "multiclass")
    ('logits', 'log-probs')
    """
    _check(scores, task)
    if scores == "logits" and task == "multiclass":
        return "log-probs"
    return scores


def to_rank_key(y_pred: np.ndarray, scores: str, task: str) -> np.ndarray:
    """The ranking key of classification scores (see :func:`rank_key_kind`).

    Formula: the scores themselves, except multi-class logits: ``log_softmax(z)``. The
    probabilities are the key's inverse, bit for bit: ``to_probs`` is ``sigmoid(key)``
    (binary / multi-label logits), ``exp(key)`` (log-probs, and multi-class logits, whose
    softmax is ``exp(log_softmax(z))``) or the key (probs).

    Args:
        y_pred: scores, shape (N,) for binary, (N, C) for multiclass/multilabel.
        scores: "logits", "probs" or "log-probs".
        task: "binary", "multiclass" or "multilabel".

    Returns:
        float64 keys of the same shape.

    >>> to_rank_key(np.array([[0.0, 800.0]]), "logits", "multiclass")
    array([[-800.,    0.]])
    >>> to_probs(np.array([[0.0, 800.0]]), "logits", "multiclass")  # the 0 ties with others
    array([[0., 1.]])
    """
    _check(scores, task)
    y_pred = _f64(y_pred)
    if scores == "logits" and task == "multiclass":
        return log_softmax(y_pred)
    return y_pred
