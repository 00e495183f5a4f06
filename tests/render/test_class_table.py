"""The per-class table of ``compute --format table`` (rich) shows each class's Jaccard index and
F1 for every classification task, named IoU and Dice for dense arrays (segmentation masks,
token sequences), with the report's own values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import invoke, run_json

from losscli.render.text import fmt_num

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def _dense_binary(d: Path) -> list:
    rng = np.random.default_rng(0)
    y = (rng.random((5, 6, 7)) > 0.6).astype(np.uint8)
    np.save(d / "bin_x.npy", (rng.normal(size=(5, 1, 6, 7)) + 2 * (y[:, None] - 0.5)))
    np.save(d / "bin_y.npy", y)
    return [d / "bin_x.npy", d / "bin_y.npy"]


def _dense_multilabel(d: Path) -> list:
    rng = np.random.default_rng(1)
    y = (rng.random((4, 3, 5, 5)) > 0.6).astype(np.uint8)
    np.save(d / "ml_x.npy", rng.normal(size=y.shape) + 2 * (y - 0.5))
    np.save(d / "ml_y.npy", y)
    return [d / "ml_x.npy", d / "ml_y.npy", "--task", "multilabel"]


CASES = {  # name: (arguments, dense)
    "segmentation": (
        lambda d: [SAMPLES / "seg_logits.npy", SAMPLES / "seg_masks.npy", "--ignore-index", 255],
        True,
    ),
    "tagging": (lambda d: [SAMPLES / "tags_logits.npy", SAMPLES / "tags_labels.npy"], True),
    "dense-binary": (_dense_binary, True),
    "dense-multilabel": (_dense_multilabel, True),
    "binary": (lambda d: [SAMPLES / "breast_cancer.csv"], False),
    "multiclass": (lambda d: [SAMPLES / "digits_logits.csv"], False),
    "multilabel": (
        lambda d: [SAMPLES / "digit_attrs_logits.csv", SAMPLES / "digit_attrs_labels.csv"],
        False,
    ),
}


def _per_class_table(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """The header cells and each class's cells of the first "Per class" table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Per class"))
    header = [c.strip() for c in lines[start + 1].split("┃")]
    rows = {}
    for line in lines[start + 3 :]:
        if "│" not in line:
            break
        cells = [c.strip() for c in line.split("│")]
        rows[cells[0]] = cells
    return header, rows


@pytest.mark.parametrize("case", CASES)
def test_per_class_table_shows_jaccard_and_f1(case, tmp_path):
    make, dense = CASES[case]
    args = ["compute", *make(tmp_path)]
    d = run_json(*args, "--format", "json")
    r = invoke(*args, "--format", "table", env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.stderr
    header, rows = _per_class_table(r.stdout)
    iou, dice = ("jaccard (IoU)", "f1 (Dice)") if dense else ("jaccard", "f1")
    assert iou in header and dice in header
    assert ("jaccard" in header) is not dense  # one name per column
    assert [str(c["class"]) for c in d["per_class"]] == list(rows)
    for c in d["per_class"]:
        cells = rows[str(c["class"])]
        assert cells[header.index(iou)] == fmt_num(c["jaccard"], 4)
        assert cells[header.index(dice)] == fmt_num(c["f1"], 4)
    if dense:  # the class IoUs the table shows average to the reported miou
        ious = [c["jaccard"] for c in d["per_class"] if c["jaccard"] is not None]
        if d["task"] != "binary" or len(ious) == 2:
            assert d["metrics"]["miou"] == pytest.approx(np.mean(ious), rel=1e-12)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_markdown_and_html_name_iou_and_dice(fmt):
    args = ["compute", SAMPLES / "seg_logits.npy", SAMPLES / "seg_masks.npy", "--ignore-index"]
    r = invoke(*args, 255, "--format", fmt)
    assert r.exit_code == 0, r.stderr
    assert "jaccard (IoU)" in r.stdout and "f1 (Dice)" in r.stdout
    r = invoke("compute", SAMPLES / "digits_logits.csv", "--format", fmt)
    assert "jaccard" in r.stdout and "(IoU)" not in r.stdout
