"""Generate tests/golden/soft_bce.json: torch BCE on soft (probability) targets, with and
without ``weight=`` (``--label-weights``) and ``pos_weight=``, binary and multi-label, from
probabilities and from logits, ``reduction="mean"``.

Run: ``pip install torch==2.13.0 && python tests/golden/make_soft_bce_golden.py``. The test
(tests/losses/test_soft_bce.py) reads the JSON and needs no torch.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("soft_bce.json")


def main() -> None:
    rng = np.random.default_rng(20261201)
    cases = []
    for task, shape in (("binary", (40,)), ("multilabel", (30, 4))):
        y = np.round(rng.random(shape), 3)
        y.flat[:3] = [0.0, 1.0, 0.5]  # hard values and the tie mix with soft ones
        z = rng.normal(0, 2, shape)
        p = 1 / (1 + np.exp(-z))
        n_lab = 1 if task == "binary" else shape[1]
        weight_sets = [None, [2.5] if task == "binary" else [0.5, 2.0, 0.0, 1.5]]
        if task == "multilabel":
            weight_sets.append([3.0])
        for scores, x in (("logits", z), ("probs", p)):
            for weights in weight_sets:
                for pos_weight in (None, [1.7] * n_lab):
                    wt = None if weights is None else torch.tensor(weights)
                    pw = None if pos_weight is None else torch.tensor(pos_weight)
                    xt, yt = torch.tensor(x), torch.tensor(y)
                    if scores == "logits":
                        value = F.binary_cross_entropy_with_logits(
                            xt, yt, weight=wt, pos_weight=pw
                        ).item()
                        ref = "torch.nn.functional.binary_cross_entropy_with_logits"
                    else:
                        if pw is not None:
                            continue  # BCELoss has no pos_weight
                        value = F.binary_cross_entropy(xt, yt, weight=wt).item()
                        ref = "torch.nn.functional.binary_cross_entropy"
                    cases.append(
                        {
                            "task": task,
                            "scores": scores,
                            "y": y.tolist(),
                            "x": x.tolist(),
                            "label_weights": weights,
                            "pos_weight": pos_weight,
                            "value": value,
                            "reference": ref,
                        }
                    )
    meta = {
        "torch": torch.__version__,
        "generated": datetime.date.today().isoformat(),
        "generator": "tests/golden/make_soft_bce_golden.py",
    }
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}, separators=(",", ":")))


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
