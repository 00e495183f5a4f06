"""Generate tests/golden/dense.json: dense (segmentation / token) losses and metrics from
PyTorch and torchmetrics, for tests/losses/test_dense_golden.py (which needs neither).

Each case holds its arrays (float64 scores, integer labels), the ``losscli compute``
arguments and the reference values:

* ``F.cross_entropy(input (N, C, d..), target (N, d..), weight=, ignore_index=,
  label_smoothing=)`` (``reduction="mean"``), per image the same call on ``x[i:i+1]``, and
  ``exp(F.cross_entropy(x, y, ignore_index=))`` (perplexity: no weights, no smoothing);
* ``F.nll_loss(log_softmax(x), y, weight=, ignore_index=)``;
* ``F.binary_cross_entropy`` over every element (binary masks, multi-label targets);
* torchmetrics ``mean_iou`` (``torchmetrics.functional.segmentation``, per image the mean IoU
  over the classes present in its labels or predictions) averaged over the images, and
  ``DiceScore(average="macro", aggregation_level="samplewise")``, with and without the
  background class, on the argmax predictions.

Run: ``pip install torch==2.13.0 torchmetrics && python tests/golden/make_dense_golden.py``.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import torchmetrics
from torchmetrics.functional.segmentation import mean_iou
from torchmetrics.segmentation import DiceScore

OUT = Path(__file__).with_name("dense.json")
CASES: list[dict] = []


def t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(a))


def add(name: str, scores: np.ndarray, labels: np.ndarray, args: list[str], **ref: object):
    CASES.append(
        {
            "name": name,
            "scores": scores.tolist(),
            "labels": labels.tolist(),
            "labels_dtype": str(labels.dtype),
            "args": args,
            **{
                k: (float(v) if isinstance(v, (float, torch.Tensor)) else v) for k, v in ref.items()
            },
        }
    )


rng = np.random.default_rng(20261201)

# ------------------------------------------------------------ multi-class, (N, C, H, W)
x = rng.normal(size=(3, 4, 5, 6)) * 2
y = rng.integers(0, 4, (3, 5, 6))
y[0, 0, :] = 255  # void pixels
y[2, 1:3, 2:5] = 255
w = [0.5, 1.0, 2.0, 1.5]
for weight, ls in ((None, 0.0), (w, 0.0), (None, 0.1), (w, 0.2)):
    kw = {"ignore_index": 255, "label_smoothing": ls}
    if weight is not None:
        kw["weight"] = torch.tensor(weight, dtype=torch.float64)
    args = ["--ignore-index", "255", "--label-smoothing", str(ls)]
    if weight is not None:
        args += ["--class-weights", ",".join(map(str, weight))]
    add(
        f"ce_nchw_w{weight is not None}_ls{ls}",
        x,
        y.astype(np.uint8),
        args,
        loss="ce",
        value=F.cross_entropy(t(x), t(y), **kw).item(),
        per_image=[
            F.cross_entropy(t(x[i : i + 1]), t(y[i : i + 1]), **kw).item() for i in range(3)
        ],
        perplexity=float(np.exp(F.cross_entropy(t(x), t(y), ignore_index=255).item())),
    )
lp = F.log_softmax(t(x), dim=1).numpy()
add(
    "nll_nchw_weighted",
    lp,
    y.astype(np.int64),
    ["--ignore-index", "255", "--class-weights", "0.5,1,2,1.5", "--loss", "nll"],
    loss="nll",
    value=F.nll_loss(t(lp), t(y), weight=torch.tensor(w, dtype=torch.float64), ignore_index=255),
    perplexity=float(np.exp(F.nll_loss(t(lp), t(y), ignore_index=255).item())),
)

# ------------------------------------------------------------ tokens, (N, T, C), -100 padding
xt = rng.normal(size=(4, 9, 6))
yt = rng.integers(0, 6, (4, 9))
for i, n in enumerate((9, 7, 4, 6)):
    yt[i, n:] = -100
add(
    "ce_tokens_channels_last",
    xt,
    yt.astype(np.int64),
    ["--ignore-index", "-100", "--label-smoothing", "0.2"],
    loss="ce",
    value=F.cross_entropy(t(xt).permute(0, 2, 1), t(yt), ignore_index=-100, label_smoothing=0.2),
    per_image=[
        F.cross_entropy(
            t(xt[i : i + 1]).permute(0, 2, 1),
            t(yt[i : i + 1]),
            ignore_index=-100,
            label_smoothing=0.2,
        ).item()
        for i in range(4)
    ],  # fmt: skip
    perplexity=float(
        np.exp(F.cross_entropy(t(xt).permute(0, 2, 1), t(yt), ignore_index=-100).item())
    ),
)

# ------------------------------------------------------------ binary masks and multi-label
pb = rng.random((3, 5, 6)) * 0.98 + 0.01
yb = (rng.random((3, 5, 6)) < 0.4).astype(np.uint8)
add(
    "bce_binary_masks",
    pb,
    yb,
    ["--task", "binary"],
    loss="bce",
    value=F.binary_cross_entropy(t(pb), t(yb).double()),
    per_image=[F.binary_cross_entropy(t(pb[i]), t(yb[i]).double()).item() for i in range(3)],
)
pm = rng.random((3, 4, 5, 6)) * 0.98 + 0.01
ym = (rng.random((3, 4, 5, 6)) < 0.3).astype(np.uint8)
add(
    "bce_multilabel",
    pm,
    ym,
    ["--task", "multilabel"],
    loss="bce",
    value=F.binary_cross_entropy(t(pm), t(ym).double()),
)

# ------------------------------------------------------------ torchmetrics, argmax masks
xs = rng.normal(size=(5, 4, 6, 7))
ys = rng.integers(0, 4, (5, 6, 7))
ys[1] = np.where(ys[1] == 3, 0, ys[1])  # class 3 absent from image 1's labels ...
xs[1, 3] -= 20  # ... and from its predictions
ys[3] = 2  # image 3: one class in the labels
pred = t(xs.argmax(axis=1))
for bg in (True, False):
    dice = DiceScore(
        num_classes=4,
        include_background=bg,
        average="macro",
        aggregation_level="samplewise",
        input_format="index",
    )
    dice.update(pred, t(ys))
    add(
        f"torchmetrics_background{bg}",
        xs,
        ys.astype(np.uint8),
        [] if bg else ["--no-background"],
        miou_samplewise=mean_iou(
            pred, t(ys), num_classes=4, include_background=bg, input_format="index"
        ).mean(),
        dice_samplewise=dice.compute(),
    )

meta = {
    "generated": datetime.date.today().isoformat(),
    "torch": torch.__version__,
    "torchmetrics": torchmetrics.__version__,
    "numpy": np.__version__,
    "script": "tests/golden/make_dense_golden.py",
}
OUT.write_text(json.dumps({"meta": meta, "cases": CASES}, indent=1) + "\n", encoding="utf-8")
print(f"wrote {OUT} ({len(CASES)} cases)")
