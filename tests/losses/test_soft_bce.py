"""BCE on soft (probability) targets and ``--label-weights``, end to end through the CLI,
against torch values recorded once in tests/golden/soft_bce.json (made by
tests/golden/make_soft_bce_golden.py: ``F.binary_cross_entropy(_with_logits)`` with
``weight=`` and ``pos_weight=``); the metrics of soft targets against scikit-learn on the
hard labels ``t > 0.5``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn import metrics as skm

from losscli.cli import cli

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "soft_bce.json").read_text())


def run(*args):
    return CliRunner().invoke(
        cli, [str(a) for a in args], catch_exceptions=False, prog_name="losscli"
    )


def write(path: Path, values: np.ndarray, prefix: str) -> Path:
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    names = [f"{prefix}{j}" for j in range(values.shape[1])]
    lines = [",".join(names)] + [",".join(repr(float(v)) for v in row) for row in values]
    path.write_text("\n".join(lines) + "\n")
    return path


def case_id(c):
    return f"{c['task']}-{c['scores']}-lw{c['label_weights']}-pw{c['pos_weight']}".replace(" ", "")


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=case_id)
def test_bce_matches_torch(tmp_path, case):
    preds = write(tmp_path / "p.csv", case["x"], "s")
    labels = write(tmp_path / "y.csv", case["y"], "t")
    args = ["compute", preds, labels, "--task", case["task"], "--scores", case["scores"]]
    args += ["--loss", "bce", "--format", "json", "--chunk-size", "7"]
    if case["label_weights"] is not None:
        args += ["--label-weights", ",".join(map(str, case["label_weights"]))]
    if case["pos_weight"] is not None:
        args += ["--pos-weight", ",".join(map(str, case["pos_weight"]))]
    r = run(*args)
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["losses"]["bce"] == pytest.approx(case["value"], rel=1e-9, abs=1e-12)
    assert d["inputs"]["label_encoding"] == "soft"
    assert any(n.startswith("soft targets:") for n in d["inference"])


@pytest.mark.parametrize("task", ["binary", "multilabel"])
def test_metrics_of_soft_targets_count_above_one_half(tmp_path, task):
    case = next(c for c in GOLDEN["cases"] if c["task"] == task and c["scores"] == "probs")
    y = np.asarray(case["y"]).reshape(len(case["y"]), -1)
    p = np.asarray(case["x"]).reshape(len(case["x"]), -1)
    preds = write(tmp_path / "p.csv", p, "s")
    labels = write(tmp_path / "y.csv", y, "t")
    r = run("compute", preds, labels, "--task", task, "--format", "json")
    assert r.exit_code == 0, r.stderr
    m = json.loads(r.stdout)["metrics"]
    hard = (y > 0.5).astype(int)
    assert y.ravel()[2] == 0.5 and hard.ravel()[2] == 0  # the tie is negative
    if task == "binary":
        assert m["f1"] == pytest.approx(skm.f1_score(hard[:, 0], p[:, 0] > 0.5))
        assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(hard[:, 0], p[:, 0]))
    else:
        assert m["f1_macro"] == pytest.approx(skm.f1_score(hard, p > 0.5, average="macro"))
        assert m["roc_auc_macro"] == pytest.approx(skm.roc_auc_score(hard, p, average="macro"))


def test_unit_label_weights_equal_none(tmp_path):
    case = next(c for c in GOLDEN["cases"] if c["task"] == "multilabel")
    preds = write(tmp_path / "p.csv", case["x"], "s")
    labels = write(tmp_path / "y.csv", case["y"], "t")
    base = ["compute", preds, labels, "--task", "multilabel", "--loss", "bce", "--format", "json"]
    plain = json.loads(run(*base).stdout)["losses"]["bce"]
    ones = json.loads(run(*base, "--label-weights", "1,1,1,1").stdout)["losses"]["bce"]
    one = json.loads(run(*base, "--label-weights", "1").stdout)["losses"]["bce"]
    assert plain == ones == one


@pytest.mark.parametrize(
    "extra,task,message",
    [
        (
            ["--label-weights", "1,2"],
            "multilabel",
            "Error: --label-weights has 2 values but there are 3 labels; give one number, or one "
            "per label",
        ),
        (
            ["--label-weights", "1,2"],
            "binary",
            "Error: --label-weights takes one number for a binary task, got 2",
        ),
        (
            ["--label-weights", "-1"],
            "multilabel",
            "Error: --label-weights values must be >= 0, got -1.0",
        ),
    ],
)
def test_label_weight_errors(tmp_path, extra, task, message):
    n_lab = 1 if task == "binary" else 3
    preds = write(tmp_path / "p.csv", np.full((4, n_lab), 0.3), "s")
    labels = write(
        tmp_path / "y.csv", np.array([[0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]])[:, :n_lab], "t"
    )
    out = tmp_path / "r.json"
    r = run("compute", preds, labels, "--task", task, "--loss", "bce", "-o", out, *extra)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.strip().splitlines()[-1] == message
    assert not out.exists()


def test_label_weights_refused_for_multiclass(tmp_path):
    preds = write(tmp_path / "p.csv", np.array([[0.2, 0.8], [0.6, 0.4]]), "s")
    labels = write(tmp_path / "y.csv", np.array([1, 0]), "t")
    r = run("compute", preds, labels, "--task", "multiclass", "--label-weights", "1,2")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        "Error: --label-weights applies to --task binary or multilabel; the task is multiclass "
        "(use --class-weights for multiclass)"
    )


def test_soft_target_outside_unit_interval_names_the_line(tmp_path):
    y = np.full(140_000, 0.25)  # soft in the rows the reading is decided from
    y[-1] = 1.5
    np.save(tmp_path / "p.npy", np.full(y.shape, 0.5))
    np.save(tmp_path / "y.npy", y)
    r = run("compute", tmp_path / "p.npy", tmp_path / "y.npy", "--task", "binary")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().endswith(
        "row 140000: target 1.5 is outside [0, 1]; soft targets are probabilities"
    ), r.stderr


def test_soft_values_after_hard_first_rows_are_refused(tmp_path):
    y = np.zeros((200_000, 2))
    y[::2, 0] = 1
    y[-1, 1] = 0.25
    preds = tmp_path / "p.npy"
    labels = tmp_path / "y.npy"
    np.save(preds, np.full(y.shape, 0.5))
    np.save(labels, y)
    r = run("compute", preds, labels, "--task", "multilabel")
    assert r.exit_code == 2 and r.stdout == ""
    assert "multi-label target 0.25 is not 0 or 1" in r.stderr
