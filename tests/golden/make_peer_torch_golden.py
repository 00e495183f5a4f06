"""Generate tests/golden/peers_torch.json: PyTorch's own loss test cases, evaluated by PyTorch.

PyTorch ships its module tests' case definitions and reference implementations in
``torch/testing/_internal/common_nn.py``. This script takes the cases that fall in losscli's
scope, draws their inputs exactly as each case's ``input_fn`` / target does (seeded), and
records torch's value (``reduction="mean"``, or ``"batchmean"`` for KL), the per-sample values
of the case's ``reference_fn``, and the losscli command that should reproduce them. The test
(tests/peers/test_peers_torch.py) runs those commands through the CLI and needs no torch.

Run: ``pip install torch==2.13.0 expecttest && python tests/golden/make_peer_torch_golden.py``
(common_nn imports expecttest).
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.testing._internal import common_nn as cnn

OUT = Path(__file__).with_name("peers_torch.json")
SRC = "torch/testing/_internal/common_nn.py"
torch.set_default_dtype(torch.float64)


def _list(x: torch.Tensor) -> list:
    return x.detach().to(torch.float64).tolist() if x.is_floating_point() else x.tolist()


def _draw(factory, seed: int):
    """The case dict of a common_nn factory, its input and its target, seeded."""
    torch.manual_seed(seed)
    case = factory()
    if "input" in case:
        i = case["input"]
    elif "input_fn" in case:
        i = case["input_fn"]()
    else:
        i = torch.randn(case["input_size"])  # common_nn's default input for input_size
    i = i.to(torch.float64)
    t = case["cpp_var_map"].get("t", case["cpp_var_map"].get("target"))
    return case, i, t


CASES: list[dict] = []


def add(**kw) -> None:
    kw["value"] = float(kw["value"])
    if kw.get("per_sample") is not None:
        kw["per_sample"] = _list(kw["per_sample"])
    CASES.append(kw)


# --------------------------------------------------------------------------- BCE (multi-label)
for seed, factory, scores in (
    (1, cnn.bceloss_no_reduce_test, "probs"),
    (2, cnn.bce_with_logistic_no_reduce_test, "logits"),
    (3, cnn.bce_with_logistic_legacy_enum_test, "logits"),
):
    case, i, t = _draw(factory, seed)
    ref = case["reference_fn"](i, None, None)
    value = (
        F.binary_cross_entropy(i, t)
        if scores == "probs"
        else F.binary_cross_entropy_with_logits(i, t)
    )
    add(
        id=case["fullname"],
        source=f"{SRC}::{factory.__name__}",
        task="multilabel",
        loss="bce",
        scores=scores,
        options=[],
        y_true=_list(t),
        y_pred=_list(i),
        value=value,
        per_sample=ref.mean(dim=1),
        reference=f"torch F.binary_cross_entropy{'' if scores == 'probs' else '_with_logits'}",
    )

# BCE, one sample (the _scalar case)
case, i, t = _draw(cnn.bceloss_no_reduce_scalar_test, 4)
add(
    id=case["fullname"],
    source=f"{SRC}::bceloss_no_reduce_scalar_test",
    task="binary",
    loss="bce",
    scores="probs",
    options=[],
    y_true=[_list(t)],
    y_pred=[_list(i)],
    value=F.binary_cross_entropy(i, t),
    per_sample=case["reference_fn"](i, None, None).reshape(1),
    reference="torch F.binary_cross_entropy",
)

# MultiLabelSoftMarginLoss without weights = the multi-label BCE-with-logits per sample
case, i, t = _draw(cnn.multilabelsoftmarginloss_no_reduce_test, 5)
t = t.to(torch.float64)
add(
    id=case["fullname"],
    source=f"{SRC}::multilabelsoftmarginloss_no_reduce_test",
    task="multilabel",
    loss="bce",
    scores="logits",
    options=[],
    y_true=_list(t),
    y_pred=_list(i),
    value=F.multilabel_soft_margin_loss(i, t),
    per_sample=case["reference_fn"](i, None, None),
    reference="torch F.multilabel_soft_margin_loss",
)

# --------------------------------------------------------------------------- regression
REG_REF = {
    "mae": "torch F.l1_loss",
    "mse": "torch F.mse_loss",
    "smooth_l1": "torch F.smooth_l1_loss",
    "huber": "torch F.huber_loss",
}
for seed, factory, loss, opts, fn in (
    (10, cnn.l1loss_no_reduce_test, "mae", [], lambda i, t: F.l1_loss(i, t)),
    (11, cnn.mseloss_no_reduce_test, "mse", [], lambda i, t: F.mse_loss(i, t)),
    (12, cnn.smoothl1loss_no_reduce_test, "smooth_l1", [], lambda i, t: F.smooth_l1_loss(i, t)),
    (
        13,
        cnn.smoothl1loss_beta_test,
        "smooth_l1",
        ["--smooth-l1-beta", "0.5"],
        lambda i, t: F.smooth_l1_loss(i, t, beta=0.5),
    ),
    (
        14,
        cnn.smoothl1loss_zero_beta_test,
        "smooth_l1",
        ["--smooth-l1-beta", "0"],
        lambda i, t: F.smooth_l1_loss(i, t, beta=0.0),
    ),
    (
        15,
        cnn.huberloss_delta_test,
        "huber",
        ["--huber-delta", "0.5"],
        lambda i, t: F.huber_loss(i, t, delta=0.5),
    ),
):
    case, i, t = _draw(factory, seed)
    t = t.to(torch.float64)
    ref = case["reference_fn"](i, None, None)
    add(
        id=case["fullname"],
        source=f"{SRC}::{factory.__name__}",
        task="regression",
        loss=loss,
        scores="values",
        options=opts,
        y_true=_list(t.reshape(-1)),
        y_pred=_list(i.reshape(-1)),
        value=fn(i, t),
        per_sample=ref.reshape(-1),
        reference=REG_REF[loss],
    )

# --------------------------------------------------------------------------- NLL
# The cases' inputs are log(rand), rows whose exponentials need not sum to 1. torch's NLLLoss
# picks -x[y] as given; losscli renormalises a row whose sum of exp is off 1 by more than 1e-4
# (x - logsumexp(x), like probability rows; README Conventions) with a warning. The value is
# then torch's NLLLoss on F.log_softmax(x) (the per-sample values common_nn.nllloss_reference's
# on it), and the case records the warning's count, worst row and its sum of exp.
for seed, factory, ignore in (
    (20, cnn.nllloss_no_reduce_test, -100),
    (21, cnn.nllloss_no_reduce_ignore_index_test, 2),
    (22, cnn.nllloss_no_reduce_weights_test, -100),
    (23, cnn.nllloss_no_reduce_weights_ignore_index_test, 2),
    (24, cnn.nllloss_no_reduce_weights_ignore_index_neg_test, -1),
):
    case, i, t = _draw(factory, seed)
    weight = case["cpp_var_map"].get("weight")
    weight = None if weight is None else weight.to(torch.float64)
    opts = []
    if weight is not None:
        opts += ["--class-weights", ",".join(repr(float(w)) for w in weight.tolist())]
    if ignore != -100:
        opts += ["--ignore-index", str(ignore)]
    if bool((i > 0).any()):
        # the weighted cases draw log(rand + 0.01): some "log-probabilities" are above 0, which
        # losscli refuses (exit 2, naming --scores); record the refusal, and the same case
        # shifted by -log(1.01) (every value <= 0) with torch's value on the shifted input
        add(
            id=case["fullname"] + " (as drawn: refused)",
            source=f"{SRC}::{factory.__name__}",
            task="multiclass",
            loss="nll",
            scores="log-probs",
            options=opts,
            y_true=t.tolist(),
            y_pred=_list(i),
            value=F.nll_loss(i, t, weight=weight, ignore_index=ignore),
            per_sample=None,
            refused="is > 0 but --scores is 'log-probs'",
            reference="torch F.nll_loss(x, y, weight, ignore_index)",
        )
        i = i - math.log(1.01)
        case["fullname"] += " (shifted by -log 1.01)"
    sums = i.exp().sum(dim=1)
    dev = (sums - 1).abs()
    worst = int(dev.argmax())
    renormalised = {"rows": int((dev > 1e-4).sum()), "worst": worst, "sum": float(sums[worst])}
    lsm = F.log_softmax(i, dim=1)
    per = cnn.nllloss_reference(lsm, t, weight=weight, ignore_index=ignore, reduction="none")
    add(
        id=case["fullname"],
        source=f"{SRC}::{factory.__name__}",
        task="multiclass",
        loss="nll",
        scores="log-probs",
        options=opts,
        y_true=t.tolist(),
        y_pred=_list(i),
        value=F.nll_loss(lsm, t, weight=weight, ignore_index=ignore),
        per_sample=per,
        per_sample_weighted=weight is not None,
        ignore_index=ignore,
        renormalised=renormalised,
        reference="torch F.nll_loss(F.log_softmax(x, 1), y, weight, ignore_index); "
        "common_nn.nllloss_reference per sample",
    )

# --------------------------------------------------------------------------- multi-margin
for seed, factory, opts, kw in (
    (30, cnn.multimarginloss_no_reduce_test, [], {}),
    (31, cnn.multimarginloss_p_no_reduce_test, ["--multi-margin-p", "2"], {"p": 2}),
    (32, cnn.multimarginloss_margin_no_reduce_test, ["--margin", "0.5"], {"margin": 0.5}),
    (33, cnn.multimarginloss_weights_no_reduce_test, None, None),
):
    case, i, t = _draw(factory, seed)
    weights = case["cpp_var_map"].get("weights")
    if opts is None:
        opts = ["--class-weights", ",".join(repr(float(w)) for w in weights.tolist())]
        kw = {"weight": weights}
    add(
        id=case["fullname"],
        source=f"{SRC}::{factory.__name__}",
        task="multiclass",
        loss="multi_margin",
        scores="logits",
        options=opts,
        y_true=t.tolist(),
        y_pred=_list(i),
        value=F.multi_margin_loss(i, t, **kw),
        per_sample=case["reference_fn"](i, None, None),
        reference="torch F.multi_margin_loss; common_nn.multimarginloss_reference per sample",
    )

# --------------------------------------------------------------------------- cross-entropy
# common_nn.cross_entropy_loss_reference (the reference of torch's CrossEntropyLoss module
# tests) on seeded logits: index targets with label smoothing, class weights, ignore_index;
# probability targets with label smoothing.
for seed, n, c, ls, weighted, ignore in (
    (40, 15, 10, 0.15, False, -100),
    (41, 15, 10, 0.3, True, -100),
    (42, 20, 6, 0.1, True, 2),
    (43, 12, 4, 0.0, True, 1),
    (44, 12, 4, 1.0, False, -100),
):
    torch.manual_seed(seed)
    z = torch.randn(n, c)
    y = torch.randint(0, c, (n,))
    w = torch.rand(c) if weighted else None
    opts = ["--label-smoothing", repr(ls)] if ls else []
    if w is not None:
        opts += ["--class-weights", ",".join(repr(float(v)) for v in w.tolist())]
    if ignore != -100:
        opts += ["--ignore-index", str(ignore)]
    ref = cnn.cross_entropy_loss_reference(z, y, weight=w, ignore_index=ignore, label_smoothing=ls)
    value = F.cross_entropy(z, y, weight=w, ignore_index=ignore, label_smoothing=ls)
    assert torch.allclose(ref, value)
    add(
        id=f"CrossEntropyLoss_indices_ls{ls}_{'weights_' if weighted else ''}ignore{ignore}",
        source=f"{SRC}::cross_entropy_loss_indices_target_reference",
        task="multiclass",
        loss="ce",
        scores="logits",
        options=opts,
        y_true=y.tolist(),
        y_pred=_list(z),
        value=value,
        per_sample=None,
        ignore_index=ignore,
        reference="torch F.cross_entropy(z, y, weight, ignore_index, label_smoothing)",
    )

for seed, n, c, ls in ((50, 10, 5, 0.0), (51, 10, 5, 0.2)):
    torch.manual_seed(seed)
    z = torch.randn(n, c)
    target = torch.softmax(torch.randn(n, c) * 2, dim=1)
    ref = cnn.cross_entropy_loss_prob_target_reference(z, target, label_smoothing=ls)
    value = F.cross_entropy(z, target, label_smoothing=ls)
    assert torch.allclose(ref, value)
    per = cnn.cross_entropy_loss_prob_target_reference(
        z, target, label_smoothing=ls, reduction="none"
    )
    add(
        id=f"CrossEntropyLoss_prob_target_ls{ls}",
        source=f"{SRC}::cross_entropy_loss_prob_target_reference",
        task="multiclass",
        loss="ce",
        scores="logits",
        options=["--label-smoothing", repr(ls)] if ls else [],
        y_true=_list(target),
        y_pred=_list(z),
        value=value,
        per_sample=per,
        reference="torch F.cross_entropy(z, soft_target, label_smoothing)",
    )

# --------------------------------------------------------------------------- KL
# kldivloss_no_reduce_test draws log(rand) inputs and rand targets (rows not summing to 1);
# losscli's kl takes probability rows, so the rows are normalised first (softmax of the input,
# target / row sum) and the value is common_nn.kldivloss_reference with "batchmean".
case, i, t = _draw(cnn.kldivloss_no_reduce_test, 60)
logp = torch.log_softmax(i, dim=1)
tn = t / t.sum(dim=1, keepdim=True)
value = F.kl_div(logp, tn, reduction="batchmean")
assert torch.allclose(value, cnn.kldivloss_reference(logp, tn, reduction="batchmean"))
add(
    id="KLDivLoss_no_reduce (rows normalised)",
    source=f"{SRC}::kldivloss_no_reduce_test",
    task="multiclass",
    loss="kl",
    scores="log-probs",
    options=[],
    y_true=_list(tn),
    y_pred=_list(logp),
    value=value,
    per_sample=cnn.kldivloss_reference(logp, tn, reduction="none").sum(dim=1),
    reference='torch F.kl_div(log p, t, reduction="batchmean")',
)

meta = {
    "torch": torch.__version__,
    "generated": datetime.date.today().isoformat(),
    "generator": "tests/golden/make_peer_torch_golden.py",
    "source": SRC,
}
OUT.write_text(json.dumps({"meta": meta, "cases": CASES}, separators=(",", ":")) + "\n")
print(f"wrote {len(CASES)} cases to {OUT}")
