"""Pure-numpy losses with PyTorch parity, and the registry that describes them.

Public API::

    from losscli import losses
    losses.bce(y_true, y_pred, scores="logits")            # per-sample values, shape (N,)
    losses.value("ce", y, z, task="multiclass", scores="logits", label_smoothing=0.1)
    chunk = losses.compute("focal", "binary", y, z, scores="logits", params=p)
    losses.finalize("focal", "binary", chunk.sums, p)      # torch's reduction='mean' value

Argument order is ``(y_true, y_pred)`` everywhere. ``REGISTRY`` lists every loss once
(the order of docs/CONTRACTS.md); ``PARAMS`` every tunable parameter and its CLI option.
"""

from __future__ import annotations

from losscli.losses.binary import (
    bce,
    dice,
    exponential,
    focal,
    hinge,
    jaccard,
    squared_hinge,
    zero_one,
)
from losscli.losses.choose import choose_losses
from losscli.losses.multiclass import (
    cross_entropy,
    focal_multiclass,
    hinge_multiclass,
    kl_div,
    multi_margin,
    nll,
    weighted_denominator,
    zero_one_multiclass,
)
from losscli.losses.params import PARAMS, Param, validate_params
from losscli.losses.reduce import LossChunk, compute, finalize, value
from losscli.losses.registry import (
    DEFAULT_LOSS,
    REGISTRY,
    TASKS,
    LossSpec,
    get_spec,
    names_for,
)
from losscli.losses.regression import huber, log_cosh, mae, mape, mse, msle, rmse, smooth_l1

__all__ = [
    "DEFAULT_LOSS",
    "PARAMS",
    "REGISTRY",
    "TASKS",
    "LossChunk",
    "LossSpec",
    "Param",
    "bce",
    "choose_losses",
    "compute",
    "cross_entropy",
    "dice",
    "exponential",
    "finalize",
    "focal",
    "focal_multiclass",
    "get_spec",
    "hinge",
    "hinge_multiclass",
    "huber",
    "jaccard",
    "kl_div",
    "log_cosh",
    "mae",
    "mape",
    "mse",
    "msle",
    "multi_margin",
    "names_for",
    "nll",
    "rmse",
    "smooth_l1",
    "squared_hinge",
    "validate_params",
    "value",
    "weighted_denominator",
    "zero_one",
    "zero_one_multiclass",
]
