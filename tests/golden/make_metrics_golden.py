"""Generate tests/golden/metrics_golden.json: expected calibration error from torchmetrics.

Run once by hand (torch and torchmetrics are NOT test or runtime dependencies):

    pip install --no-deps torchmetrics lightning-utilities   # do not let pip upgrade torch
    python tests/golden/make_metrics_golden.py

The inputs are stored in the JSON next to the reference values (floats round-trip exactly
through JSON), so the tests need neither torch nor the random generator used here.
Reference: torchmetrics.classification.BinaryCalibrationError and
MulticlassCalibrationError, norm="l1", float64 inputs.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch
import torchmetrics
from torchmetrics.classification import BinaryCalibrationError, MulticlassCalibrationError

OUT = Path(__file__).with_name("metrics_golden.json")


def binary_ece(y: np.ndarray, p: np.ndarray, n_bins: int) -> float:
    metric = BinaryCalibrationError(n_bins=n_bins, norm="l1")
    return float(metric(torch.tensor(p, dtype=torch.float64), torch.tensor(y, dtype=torch.long)))


def multiclass_ece(y: np.ndarray, probs: np.ndarray, n_bins: int) -> float:
    metric = MulticlassCalibrationError(num_classes=probs.shape[1], n_bins=n_bins, norm="l1")
    return float(
        metric(torch.tensor(probs, dtype=torch.float64), torch.tensor(y, dtype=torch.long))
    )


def main() -> None:
    rng = np.random.default_rng(20240611)
    cases = []

    # binary: a miscalibrated model (p = sigmoid(logit) with labels drawn from a flatter curve)
    n = 300
    logits = rng.normal(0.0, 2.0, n)
    p = 1.0 / (1.0 + np.exp(-logits))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-0.5 * logits))).astype(np.int64)
    for bins in (15, 10):
        cases.append(
            {
                "name": f"binary_{bins}bins",
                "task": "binary",
                "n_bins": bins,
                "y_true": y.tolist(),
                "y_prob": p.tolist(),
                "ece": binary_ece(y, p, bins),
            }
        )

    # multiclass: 4 classes, Dirichlet probabilities, labels partly following the argmax
    n, c = 250, 4
    probs = rng.dirichlet(np.full(c, 0.7), n)
    y = np.where(rng.random(n) < 0.6, probs.argmax(axis=1), rng.integers(0, c, n))
    cases.append(
        {
            "name": "multiclass_15bins",
            "task": "multiclass",
            "n_bins": 15,
            "y_true": y.tolist(),
            "y_prob": probs.tolist(),
            # torchmetrics casts the multiclass confidences to float32 (``.float()``), so this
            # reference agrees with float64 arithmetic to about 1e-8 only
            "ece": multiclass_ece(y, probs, 15),
        }
    )

    # binary with confidences of exactly 1.0 (saturated sigmoids): torchmetrics gives them a
    # bin of their own (bucketize right=True puts 1.0 past the last edge); losscli keeps them
    # in the last bin [14/15, 1]. Stored to document the difference: here the saturated rows
    # are over-confident and the other rows of the top bin under-confident, so the two
    # conventions give different numbers.
    p_sat = np.array([1.0, 1.0, 1.0, 0.95, 0.97, 0.2, 0.1, 0.5])
    y_sat = np.array([1, 0, 1, 1, 1, 0, 1, 1])
    cases.append(
        {
            "name": "binary_saturated",
            "task": "binary",
            "n_bins": 15,
            "y_true": y_sat.tolist(),
            "y_prob": p_sat.tolist(),
            "ece": binary_ece(y_sat, p_sat, 15),
        }
    )

    doc = {
        "generated_by": "tests/golden/make_metrics_golden.py",
        "reference": "torchmetrics BinaryCalibrationError / MulticlassCalibrationError, norm=l1",
        "versions": {
            "torchmetrics": torchmetrics.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
