"""Parity of every loss x score kind x parameter variant with PyTorch / scikit-learn.

Source of the expected values: tests/golden/losses.json, written once by
tests/golden/make_loss_golden.py from torch.nn.functional, torchvision's sigmoid_focal_loss
formula and scikit-learn (versions recorded in the file's "meta"). torch is not imported here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from losscli import losses

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "losses.json").read_text())
INPUTS = {k: np.asarray(v["data"], dtype=v["dtype"]) for k, v in GOLDEN["inputs"].items()}
CASES = GOLDEN["cases"]
RTOL, ATOL = 1e-6, 1e-12


def _close(got, want) -> None:
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_golden_file_is_complete():
    # every registry loss x task appears, and the metadata names the reference libraries
    assert {"torch", "sklearn", "numpy", "generated"} <= set(GOLDEN["meta"])
    covered = {(c["loss"], c["task"]) for c in CASES}
    for name, spec in losses.REGISTRY.items():
        for task in spec.tasks:
            assert (name, task) in covered, (name, task)
    scores = {(c["loss"], c["task"], c["scores"]) for c in CASES}
    for name, spec in losses.REGISTRY.items():
        for task in spec.tasks:
            for s in spec.scores[task]:
                assert (name, task, s) in scores, (name, task, s)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_case(case):
    y_true, y_pred = INPUTS[case["y_true"]], INPUTS[case["y_pred"]]
    chunk = losses.compute(
        case["loss"], case["task"], y_true, y_pred, scores=case["scores"], params=case["params"]
    )
    assert chunk.per_sample.shape == (y_pred.shape[0],)
    _close(chunk.per_sample, case["per_sample"])
    value = losses.finalize(case["loss"], case["task"], chunk.sums, case["params"])
    _close(value, case["value"])
    # the public per-sample function gives the same values as compute
    spec = losses.get_spec(case["loss"])
    kwargs = {k: v for k, v in losses.validate_params(case["params"]).items()}
    kwargs = {k: kwargs[k] for k in spec.params_for(case["task"])}
    fn = spec.functions[case["task"]]
    _close(fn(y_true, y_pred, scores=case["scores"], **kwargs), case["per_sample"])
