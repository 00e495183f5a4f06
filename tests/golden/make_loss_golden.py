"""Generate tests/golden/losses.json: reference loss values from PyTorch and scikit-learn.

Run by hand (NOT part of the test suite; it imports torch):

    python tests/golden/make_loss_golden.py

It builds deterministic inputs from a seeded numpy RNG (including logits of +-1e4 and
probabilities of exactly 0 and 1), computes every loss x score kind x parameter variant with
the reference library in float64, and writes inputs, parameters, the expected mean value and
the expected per-sample values, plus the library versions and the date.

References:
* torch.nn.functional: binary_cross_entropy(_with_logits), cross_entropy (class weights,
  label smoothing, ignore_index, probability targets), nll_loss, multi_margin_loss, kl_div,
  mse_loss, l1_loss, huber_loss, smooth_l1_loss.
* torchvision.ops.sigmoid_focal_loss: torchvision cannot be installed here, so its function
  body is re-implemented below line for line from torchvision's source
  (torchvision/ops/focal_loss.py); for probabilities the BCE inside is torch's BCELoss.
* scikit-learn: hinge_loss, zero_one_loss, mean_squared_log_error,
  mean_absolute_percentage_error, mean_squared_error (rmse).
* Formulas without a library implementation here (squared hinge, exponential, log-cosh,
  Dice/Jaccard, multi-class focal) are written in torch ops, and say so in "reference".
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import numpy as np
import sklearn
import torch
import torch.nn.functional as F
from sklearn.metrics import (
    hinge_loss,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_log_error,
    zero_one_loss,
)

OUT = Path(__file__).with_name("losses.json")
rng = np.random.default_rng(20240601)
T = torch.float64


def t(x: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.asarray(x), dtype=T if np.asarray(x).dtype.kind == "f" else None)


# ----------------------------------------------------------------------------- inputs
INPUTS: dict[str, np.ndarray] = {}

# binary, N = 16: rows 0-3 are the extreme-logit / exact-probability corners
y = rng.integers(0, 2, 16).astype(np.float64)
y[:4] = [1, 0, 1, 0]
INPUTS["bin_y"] = y
INPUTS["bin_y_soft"] = np.round(rng.uniform(0, 1, 16), 6)
z = rng.normal(0, 3, 16)
z[:4] = [1e4, 1e4, -1e4, -1e4]
z[4] = 0.0
INPUTS["bin_logits"] = z
zm = rng.normal(0, 2, 16)  # moderate logits for the exponential loss (exp(1e4) = inf)
INPUTS["bin_logits_mod"] = zm
p = rng.uniform(0, 1, 16)
p[:4] = [1.0, 1.0, 0.0, 0.0]
p[4] = 0.5
INPUTS["bin_probs"] = p
lp = np.log(rng.uniform(0.001, 0.999, 16))
lp[:4] = [0.0, 0.0, -1e4, -1e4]
lp[5] = -1e-6
INPUTS["bin_logp"] = lp

# multilabel, N = 10, L = 4
ym = rng.integers(0, 2, (10, 4)).astype(np.float64)
ym[0] = [1, 0, 1, 0]
INPUTS["ml_y"] = ym
INPUTS["ml_y_soft"] = np.round(rng.uniform(0, 1, (10, 4)), 6)
zml = rng.normal(0, 2.5, (10, 4))
zml[0] = [1e4, 1e4, -1e4, -1e4]
INPUTS["ml_logits"] = zml
pml = rng.uniform(0, 1, (10, 4))
pml[0] = [1.0, 1.0, 0.0, 0.0]
pml[1, 0] = 0.0
INPUTS["ml_probs"] = pml
INPUTS["ml_logp"] = np.log(rng.uniform(0.001, 0.999, (10, 4)))

# multiclass, N = 14, C = 5
yc = rng.integers(0, 5, 14).astype(np.int64)
yc[:3] = [0, 1, 4]
INPUTS["mc_y"] = yc
yci = yc.copy()
yci[[5, 9]] = -100
INPUTS["mc_y_ign"] = yci
zc = rng.normal(0, 2, (14, 5))
zc[0] = [1e4, -1e4, 0.0, 1.0, -1.0]  # correct class far ahead
zc[1] = [1e4, -1e4, 0.0, 1.0, -1.0]  # wrong class far ahead
zc[2] = [0.5, 0.5, -0.3, 0.1, 0.5]  # ties for the argmax
INPUTS["mc_logits"] = zc
pc = rng.dirichlet(np.ones(5), 14)
pc[0] = [1.0, 0, 0, 0, 0]
pc[1] = [1.0, 0, 0, 0, 0]
pc[2] = [0.3, 0.3, 0.1, 0.0, 0.3]
INPUTS["mc_probs"] = pc
zc_mod = rng.normal(0, 2, (14, 5))
INPUTS["mc_logp"] = zc_mod - np.log(np.exp(zc_mod).sum(axis=1, keepdims=True))
INPUTS["mc_soft"] = np.round(rng.dirichlet(np.ones(5) * 0.7, 14), 8)
INPUTS["mc_soft"] /= INPUTS["mc_soft"].sum(axis=1, keepdims=True)
INPUTS["mc_onehot"] = np.eye(5)[yc]

# regression, N = 12 (K = 1) and (12, 3)
yr = rng.normal(2, 3, 12)
yr[0] = 0.0
INPUTS["reg_y"] = yr
INPUTS["reg_pred"] = yr + rng.normal(0, 1.5, 12) * rng.choice([0.2, 1.0, 4.0], 12)
INPUTS["reg_y2"] = rng.normal(0, 2, (12, 3))
INPUTS["reg_pred2"] = INPUTS["reg_y2"] + rng.normal(0, 1.5, (12, 3))
ypos = rng.uniform(0, 10, 12)
ypos[0] = 0.0
ypos[1] = -0.5
INPUTS["reg_ypos"] = ypos
INPUTS["reg_predpos"] = np.abs(ypos + rng.normal(0, 2, 12)) - 0.9

CASES: list[dict] = []


def add(loss, task, scores, y_key, p_key, params, value, per_sample, reference):
    per_sample = np.asarray(per_sample, dtype=np.float64).reshape(-1)
    value = float(value)
    assert math.isfinite(value) and np.all(np.isfinite(per_sample)), (loss, params)
    CASES.append(
        {
            "id": f"{task}/{loss}/{scores}/{y_key}/{p_key}/"
            + ",".join(f"{k}={v}" for k, v in params.items()),
            "loss": loss,
            "task": task,
            "scores": scores,
            "y_true": y_key,
            "y_pred": p_key,
            "params": params,
            "value": value,
            "per_sample": per_sample.tolist(),
            "reference": reference,
        }
    )


def per_row(x: torch.Tensor) -> torch.Tensor:
    return x if x.ndim == 1 else x.mean(dim=1)


# ------------------------------------------------------------- binary and multilabel
def bce_ref(yv, pv, scores, pw=None, eps=None):
    """torch BCE on the three score kinds; pos_weight as BCEWithLogitsLoss."""
    if scores == "logits":
        pwt = None if pw is None else torch.as_tensor(pw, dtype=T)
        return (
            F.binary_cross_entropy_with_logits(pv, yv, pos_weight=pwt, reduction="none"),
            "torch.nn.functional.binary_cross_entropy_with_logits",
        )
    prob = pv if scores == "probs" else torch.exp(pv)
    if eps is not None:
        prob = prob.clamp(eps, 1 - eps)
    if pw is None:
        ref = "torch.nn.functional.binary_cross_entropy"
        return F.binary_cross_entropy(prob, yv, reduction="none"), ref
    pwt = torch.as_tensor(pw, dtype=T)
    log_p = torch.clamp(torch.log(prob), min=-100)
    log_q = torch.clamp(torch.log1p(-prob), min=-100)
    ref = "torch BCELoss terms (log clamped at -100) with BCEWithLogitsLoss pos_weight"
    return -(pwt * yv * log_p + (1 - yv) * log_q), ref


def sigmoid_focal_loss_tv(inputs, targets, alpha=0.25, gamma=2.0, scores="logits"):
    """torchvision.ops.sigmoid_focal_loss (reduction='none'), body as in torchvision's source.

    Only change: for probabilities ``p`` is the input and the BCE is torch's BCELoss.
    """
    if scores == "logits":
        p = torch.sigmoid(inputs)
        ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    else:
        p = inputs if scores == "probs" else torch.exp(inputs)
        ce_loss = F.binary_cross_entropy(p, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss


def probs_of(pv, scores):
    if scores == "logits":
        return torch.sigmoid(pv)
    return pv if scores == "probs" else torch.exp(pv)


def decision(pv, scores):
    return pv if scores == "logits" else 2 * probs_of(pv, scores) - 1


SC = ("logits", "probs", "log-probs")
BIN_P = {"logits": "bin_logits", "probs": "bin_probs", "log-probs": "bin_logp"}
ML_P = {"logits": "ml_logits", "probs": "ml_probs", "log-probs": "ml_logp"}

for task, P, ykeys in (
    ("binary", BIN_P, ("bin_y", "bin_y_soft")),
    ("multilabel", ML_P, ("ml_y", "ml_y_soft")),
):
    yk = ykeys[0]
    Y = t(INPUTS[yk])
    L = Y.shape[1] if Y.ndim == 2 else 1
    pw_variants = [None, 2.5] + ([[0.5, 1.0, 3.0, 0.2]] if task == "multilabel" else [])
    for s in SC:
        X = t(INPUTS[P[s]])
        # bce
        for pw in pw_variants:
            for eps in (None, 1e-7) if s != "logits" else (None,):
                params = {}
                if pw is not None:
                    params["pos_weight"] = pw
                if eps is not None:
                    params["eps"] = eps
                el, ref = bce_ref(Y, X, s, pw, eps)
                add("bce", task, s, yk, P[s], params, el.mean(), per_row(el), ref)
        for yks in ykeys[1:]:  # soft targets
            Ys = t(INPUTS[yks])
            el, ref = bce_ref(Ys, X, s)
            add("bce", task, s, yks, P[s], {}, el.mean(), per_row(el), ref)
            el = sigmoid_focal_loss_tv(X, Ys, 0.25, 2.0, s)
            add("focal", task, s, yks, P[s], {}, el.mean(), per_row(el), "torchvision formula")
        # focal
        for g in (0.0, 2.0, 5.0):
            for a in (0.25, -1.0):
                el = sigmoid_focal_loss_tv(X, Y, a, g, s)
                ref = "torchvision.ops.sigmoid_focal_loss (source re-implemented in torch)"
                add(
                    "focal",
                    task,
                    s,
                    yk,
                    P[s],
                    {"focal_gamma": g, "focal_alpha": a},
                    el.mean(),
                    per_row(el),
                    ref,
                )
        # dice / jaccard (soft Dice, linear denominator, over all elements; per sample per row)
        prob = probs_of(X, s)
        pr = prob if prob.ndim == 2 else prob[:, None]
        yr_ = Y if Y.ndim == 2 else Y[:, None]
        for sm in (1e-5, 0.0, 1.0):
            i_all, p_all, y_all = (pr * yr_).sum(), pr.sum(), yr_.sum()
            i_r, p_r, y_r = (pr * yr_).sum(1), pr.sum(1), yr_.sum(1)
            d_val = 1 - (2 * i_all + sm) / (p_all + y_all + sm)
            den = p_r + y_r + sm
            d_row = torch.where(den == 0, 0.0, 1 - (2 * i_r + sm) / den)
            ref = "soft Dice formula (MONAI DiceLoss form) in torch (float64)"
            add("dice", task, s, yk, P[s], {"dice_smooth": sm}, d_val, d_row, ref)
            j_val = 1 - (i_all + sm) / (p_all + y_all - i_all + sm)
            den = p_r + y_r - i_r + sm
            j_row = torch.where(den == 0, 0.0, 1 - (i_r + sm) / den)
            ref = "soft Jaccard formula in torch (float64)"
            add("jaccard", task, s, yk, P[s], {"dice_smooth": sm}, j_val, j_row, ref)
        # zero_one
        pred = (probs_of(X, s) > 0.5).numpy()
        yt = INPUTS[yk].astype(int)
        zo = zero_one_loss(yt, pred.astype(int))
        wrong = pred != (yt == 1)
        wrong = wrong if wrong.ndim == 1 else wrong.any(axis=1)
        add("zero_one", task, s, yk, P[s], {}, zo, wrong, "sklearn.metrics.zero_one_loss")
        if task != "binary":
            continue
        # hinge / squared hinge / exponential (binary only)
        f = decision(X, s)
        ysign = 2 * Y - 1
        for m in (1.0, 0.5, 2.0):
            el = torch.clamp(m - ysign * f, min=0)
            if m == 1.0:
                val, ref = hinge_loss(INPUTS[yk].astype(int), f.numpy()), "sklearn hinge_loss"
            else:
                val, ref = el.mean(), "max(0, margin - y f) in torch (sklearn form)"
            add("hinge", task, s, yk, P[s], {"margin": m}, val, el, ref)
            el2 = el**2
            ref = "keras SquaredHinge formula max(0, m - y f)^2 in torch"
            add("squared_hinge", task, s, yk, P[s], {"margin": m}, el2.mean(), el2, ref)
        pk = "bin_logits_mod" if s == "logits" else P[s]
        f = decision(t(INPUTS[pk]), s)
        el = torch.exp(-ysign * f)
        ref = "exp(-y f) in torch (sklearn GradientBoosting exponential loss)"
        add("exponential", task, s, yk, pk, {}, el.mean(), el, ref)

# ------------------------------------------------------------------------- multiclass
C = 5
MC_P = {"logits": "mc_logits", "probs": "mc_probs", "log-probs": "mc_logp"}
CW = [0.5, 2.0, 1.0, 0.0, 3.0]


def mc_logp(X, s):
    if s == "logits":
        return X  # cross_entropy applies log_softmax itself
    if s == "probs":
        return torch.clamp(torch.log(X), min=-100)
    return X


def ce_ref(Yv, X, s, cw=None, ls=0.0, ii=-100):
    w = None if cw is None else torch.tensor(cw, dtype=T)
    inp = mc_logp(X, s)
    kw = {"weight": w, "label_smoothing": ls}
    if Yv.dtype == torch.int64:
        kw["ignore_index"] = ii
    el = F.cross_entropy(inp, Yv, reduction="none", **kw)
    val = F.cross_entropy(inp, Yv, reduction="mean", **kw)
    return el, val


CE_VARIANTS = [
    ("mc_y", {}),
    ("mc_y", {"class_weights": CW}),
    ("mc_y", {"label_smoothing": 0.1}),
    ("mc_y", {"label_smoothing": 0.2, "class_weights": CW}),
    ("mc_y_ign", {}),
    ("mc_y_ign", {"label_smoothing": 0.15, "class_weights": CW}),
    ("mc_y", {"ignore_index": 2, "class_weights": CW, "label_smoothing": 0.1}),
    ("mc_soft", {}),
    ("mc_soft", {"label_smoothing": 0.1, "class_weights": CW}),
    ("mc_onehot", {"class_weights": CW}),
]
for s in SC:
    X = t(INPUTS[MC_P[s]])
    for yk, params in CE_VARIANTS:
        Yv = t(INPUTS[yk])
        el, val = ce_ref(
            Yv,
            X,
            s,
            params.get("class_weights"),
            params.get("label_smoothing", 0.0),
            params.get("ignore_index", -100),
        )
        ref = "torch.nn.functional.cross_entropy" + (
            "" if s == "logits" else " on clamp(log p, -100)" if s == "probs" else " on log-probs"
        )
        add("ce", "multiclass", s, yk, MC_P[s], params, val, el, ref)
        if s == "log-probs":
            add("nll", "multiclass", s, yk, MC_P[s], params, val, el, ref)
    if s == "probs":
        for yk, params in (("mc_y", {"eps": 1e-7}), ("mc_y", {"eps": 0.01, "class_weights": CW})):
            inp = torch.log(X.clamp(params["eps"], 1 - params["eps"]))
            w = None if "class_weights" not in params else torch.tensor(CW, dtype=T)
            Yv = t(INPUTS[yk])
            el = F.nll_loss(inp, Yv, weight=w, reduction="none")
            val = F.nll_loss(inp, Yv, weight=w)
            ref = "torch.nn.functional.nll_loss on log(clip(p, eps, 1-eps))"
            add("ce", "multiclass", s, yk, MC_P[s], params, val, el, ref)
    # nll without smoothing but with plain weights via nll_loss itself
    if s == "log-probs":
        Yv = t(INPUTS["mc_y_ign"])
        w = torch.tensor(CW, dtype=T)
        el = F.nll_loss(X, Yv, weight=w, reduction="none")
        val = F.nll_loss(X, Yv, weight=w)
        add(
            "nll",
            "multiclass",
            s,
            "mc_y_ign",
            MC_P[s],
            {"class_weights": CW},
            val,
            el,
            "torch.nn.functional.nll_loss",
        )
    # focal (multi-class): F.nll_loss((1 - p)^gamma * log p, y, weight, ignore_index)
    lpm = F.log_softmax(X, dim=1) if s == "logits" else mc_logp(X, s)
    for g in (0.0, 2.0, 5.0):
        for yk, params in (
            ("mc_y", {}),
            ("mc_y", {"class_weights": CW}),
            ("mc_y_ign", {"class_weights": CW}),
        ):
            Yv = t(INPUTS[yk])
            w = None if "class_weights" not in params else torch.tensor(CW, dtype=T)
            mod = ((1 - torch.exp(lpm)) ** g) * lpm
            el = F.nll_loss(mod, Yv, weight=w, reduction="none")
            val = F.nll_loss(mod, Yv, weight=w)
            ref = "torch F.nll_loss((1 - p)**gamma * log p, y, weight) (multi-class focal)"
            add("focal", "multiclass", s, yk, MC_P[s], {**params, "focal_gamma": g}, val, el, ref)
    # hinge (Crammer-Singer) via sklearn; margin m by shifting the true-class score
    f = INPUTS[MC_P[s]]
    for m in (1.0, 2.0):
        shifted = f.copy()
        shifted[np.arange(14), yc] -= m - 1.0
        val = hinge_loss(yc, shifted, labels=list(range(C)))
        rows = [
            hinge_loss(yc[i : i + 1], shifted[i : i + 1], labels=list(range(C))) for i in range(14)
        ]
        ref = "sklearn.metrics.hinge_loss (multi-class, Crammer-Singer)"
        add("hinge", "multiclass", s, "mc_y", MC_P[s], {"margin": m}, val, rows, ref)
    # multi_margin
    for pp in (1, 2):
        for m in (1.0, 0.5):
            for cw in (None, CW):
                w = None if cw is None else torch.tensor(cw, dtype=T)
                Yv = t(INPUTS["mc_y"])
                el = F.multi_margin_loss(X, Yv, p=pp, margin=m, weight=w, reduction="none")
                val = F.multi_margin_loss(X, Yv, p=pp, margin=m, weight=w)
                params = {"multi_margin_p": pp, "margin": m}
                if cw is not None:
                    params["class_weights"] = cw
                ref = "torch.nn.functional.multi_margin_loss"
                add("multi_margin", "multiclass", s, "mc_y", MC_P[s], params, val, el, ref)
    # kl
    inp = F.log_softmax(X, dim=1) if s == "logits" else mc_logp(X, s)
    for yk in ("mc_soft", "mc_onehot"):
        tv = t(INPUTS[yk])
        el = F.kl_div(inp, tv, reduction="none").sum(dim=1)
        val = F.kl_div(inp, tv, reduction="batchmean")
        add("kl", "multiclass", s, yk, MC_P[s], {}, val, el, "torch F.kl_div(batchmean)")
    # zero_one
    pred = np.argmax(f, axis=1)
    zo = zero_one_loss(yc, pred)
    add("zero_one", "multiclass", s, "mc_y", MC_P[s], {}, zo, pred != yc, "sklearn zero_one_loss")

# ------------------------------------------------------------------------- regression
for yk, pk in (("reg_y", "reg_pred"), ("reg_y2", "reg_pred2")):
    Y, X = t(INPUTS[yk]), t(INPUTS[pk])
    R = "regression"
    el = F.mse_loss(X, Y, reduction="none")
    add("mse", R, "values", yk, pk, {}, F.mse_loss(X, Y), per_row(el), "torch F.mse_loss")
    val = math.sqrt(mean_squared_error(INPUTS[yk], INPUTS[pk]))
    ref = "sqrt(sklearn mean_squared_error)"
    add("rmse", R, "values", yk, pk, {}, val, per_row(el).sqrt(), ref)
    el = F.l1_loss(X, Y, reduction="none")
    add("mae", R, "values", yk, pk, {}, F.l1_loss(X, Y), per_row(el), "torch F.l1_loss")
    for d in (1.0, 0.5, 2.5):
        el = F.huber_loss(X, Y, delta=d, reduction="none")
        val = F.huber_loss(X, Y, delta=d)
        add(
            "huber", R, "values", yk, pk, {"huber_delta": d}, val, per_row(el), "torch F.huber_loss"
        )
    for b in (1.0, 0.0, 0.3, 2.0):
        el = F.smooth_l1_loss(X, Y, beta=b, reduction="none")
        val = F.smooth_l1_loss(X, Y, beta=b)
        ref = "torch F.smooth_l1_loss"
        add("smooth_l1", R, "values", yk, pk, {"smooth_l1_beta": b}, val, per_row(el), ref)
    dd = X - Y
    el = dd + F.softplus(-2.0 * dd) - math.log(2.0)
    ref = "keras LogCosh formula x + softplus(-2x) - log 2 in torch"
    add("log_cosh", R, "values", yk, pk, {}, el.mean(), per_row(el), ref)
    val = mean_absolute_percentage_error(INPUTS[yk], INPUTS[pk])
    eps64 = np.finfo(np.float64).eps
    ape = np.abs(INPUTS[pk] - INPUTS[yk]) / np.maximum(np.abs(INPUTS[yk]), eps64)
    ape = ape if ape.ndim == 1 else ape.mean(axis=1)
    add("mape", R, "values", yk, pk, {}, val, ape, "sklearn mean_absolute_percentage_error")
yv, pv = INPUTS["reg_ypos"], INPUTS["reg_predpos"]
val = mean_squared_log_error(yv, pv)
add(
    "msle",
    "regression",
    "values",
    "reg_ypos",
    "reg_predpos",
    {},
    val,
    (np.log1p(pv) - np.log1p(yv)) ** 2,
    "sklearn mean_squared_log_error",
)


def enc(a: np.ndarray) -> dict:
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "data": a.tolist()}


doc = {
    "meta": {
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "generated": datetime.date.today().isoformat(),
        "generator": "tests/golden/make_loss_golden.py",
        "note": "torchvision.ops.sigmoid_focal_loss re-implemented from its source "
        "(torchvision not installable here)",
    },
    "inputs": {k: enc(v) for k, v in INPUTS.items()},
    "cases": CASES,
}
OUT.write_text(json.dumps(doc, allow_nan=False, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(CASES)} cases)")
