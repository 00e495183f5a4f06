"""Dense outputs against PyTorch and torchmetrics (tests/golden/dense.json, generated once by
tests/golden/make_dense_golden.py; versions in its ``meta``): K-dimensional
``F.cross_entropy`` with class weights, label smoothing and ``ignore_index`` (channels first
and channels last), ``F.nll_loss``, ``F.binary_cross_entropy`` of binary masks and multi-label
targets, per image the same call on that image alone, perplexity ``exp(F.cross_entropy)``,
and torchmetrics' samplewise mean IoU / Dice. Agreement 1e-9 for torch's float64 values,
1e-6 for torchmetrics' float32 ones."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from losscli.cli import cli

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "dense.json").read_text())
CASES = GOLDEN["cases"]


def run(case: dict, tmp: Path, *extra: str) -> dict:
    s, lab = tmp / "scores.npy", tmp / "labels.npy"
    np.save(s, np.array(case["scores"], dtype=np.float64))
    np.save(lab, np.array(case["labels"], dtype=case["labels_dtype"]))
    loss = ["--loss", case["loss"]] if case.get("loss") and "--loss" not in case["args"] else []
    args = ["compute", str(s), str(lab), *case["args"], *loss, "--format", "json", "-q", *extra]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_golden_records_its_versions():
    assert GOLDEN["meta"]["torch"].startswith("2.13.0")
    assert GOLDEN["meta"]["torchmetrics"]


@pytest.mark.parametrize("case", [c for c in CASES if "loss" in c], ids=lambda c: c["name"])
def test_loss_equals_torch(case, tmp_path):
    d = run(case, tmp_path)
    assert d["losses"][case["loss"]] == pytest.approx(case["value"], rel=1e-9, abs=1e-12)
    if "perplexity" in case:
        assert d["metrics"]["perplexity"] == pytest.approx(case["perplexity"], rel=1e-9)
    labels = np.array(case["labels"])
    ignored = int(np.isin(labels, (255, -100)).sum()) if labels.dtype.kind in "iu" else 0
    if case["loss"] in ("ce", "nll"):
        assert d["n_samples"] == labels.shape[0]
        assert d["n_ignored"] == ignored
        assert d["n_evaluated"] == labels.size - ignored


@pytest.mark.parametrize("case", [c for c in CASES if "per_image" in c], ids=lambda c: c["name"])
def test_per_sample_rows_are_images_with_torch_loss(case, tmp_path):
    out = tmp_path / "per.csv"
    run(case, tmp_path, "--per-sample", str(out))
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [int(r["sample"]) for r in rows] == list(range(len(case["per_image"])))
    got = [float(r[case["loss"]]) for r in rows]
    assert got == pytest.approx(case["per_image"], rel=1e-9)
    labels = np.array(case["labels"])
    kept = ~np.isin(labels, (255, -100)) if case["loss"] == "ce" else np.ones(labels.shape, bool)
    assert [int(r["n_elements"]) for r in rows] == kept.reshape(len(rows), -1).sum(1).tolist()


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["name"].startswith("torchmetrics")], ids=lambda c: c["name"]
)
def test_samplewise_iou_and_dice_equal_torchmetrics(case, tmp_path):
    m = run(case, tmp_path)["metrics"]
    assert m["miou_samplewise"] == pytest.approx(case["miou_samplewise"], abs=1e-6)
    assert m["dice_samplewise"] == pytest.approx(case["dice_samplewise"], abs=1e-6)
