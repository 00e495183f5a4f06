"""The dense samples in `sample_data/` (a digits segmentation and a character tagger, made by
`sample_data/make_samples.py`): the shipped files are what the README says, losscli's numbers
on them equal scikit-learn's and numpy's on the same arrays, and the script remakes them
byte for byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from helpers import run_json
from scipy.special import log_softmax
from sklearn.metrics import accuracy_score, f1_score, jaccard_score

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
SEG = ("seg_logits.npy", "seg_masks.npy", 255, 1)  # scores, labels, void label, class axis
TAGS = ("tags_logits.npy", "tags_labels.npy", -100, -1)
CASES = {"segmentation": SEG, "tagging": TAGS}


def _arrays(case):
    scores, labels, void, axis = case
    z = np.load(SAMPLES / scores).astype(np.float64)
    y = np.load(SAMPLES / labels).astype(np.int64)
    return np.moveaxis(z, axis, -1), y, void  # channels last


def _run(case, *extra):
    scores, labels, void, _ = case
    args = ["compute", SAMPLES / scores, SAMPLES / labels, "--format", "json", *extra]
    return run_json(*args, *(["--ignore-index", void] if void != -100 else []))


def test_shipped_files():
    z, m = np.load(SAMPLES / "seg_logits.npy"), np.load(SAMPLES / "seg_masks.npy")
    assert (z.dtype, z.shape, m.dtype, m.shape) == (
        np.float32,
        (60, 3, 16, 16),
        np.uint8,
        (60, 16, 16),
    )
    assert set(np.unique(m)) == {0, 1, 2, 255}
    t, y = np.load(SAMPLES / "tags_logits.npy"), np.load(SAMPLES / "tags_labels.npy")
    assert (t.dtype, t.shape, y.dtype, y.shape) == (np.float32, (82, 64, 3), np.int64, (82, 64))
    assert set(np.unique(y)) == {-100, 0, 1, 2}
    pad = y == -100  # padding only at the end of a sequence, every sequence has tags
    assert (np.diff(pad.astype(int), axis=1) >= 0).all() and not pad[:, 0].any()
    for name in (*SEG[:2], *TAGS[:2]):
        assert (SAMPLES / name).stat().st_size < 1_000_000


@pytest.mark.parametrize("name", CASES)
def test_metrics_match_sklearn_and_numpy(name):
    case = CASES[name]
    z, y, void = _arrays(case)
    d = _run(case)
    ok = y != void
    yt, zz = y[ok], z[ok]
    pred = zz.argmax(-1)
    assert (d["n_samples"], d["n_evaluated"], d["n_ignored"]) == (len(y), ok.sum(), (~ok).sum())
    iou = jaccard_score(yt, pred, average=None)
    dice = f1_score(yt, pred, average=None)
    m = d["metrics"]
    assert m["miou"] == pytest.approx(iou.mean(), rel=1e-12)
    assert m["mdice"] == pytest.approx(dice.mean(), rel=1e-12)
    assert m["accuracy"] == pytest.approx(accuracy_score(yt, pred), rel=1e-12)
    assert [c["jaccard"] for c in d["per_class"]] == pytest.approx(iou.tolist(), rel=1e-12)
    nll = -log_softmax(zz, axis=-1)[np.arange(len(yt)), yt]
    assert d["losses"]["ce"] == pytest.approx(nll.mean(), rel=1e-9)
    assert m["perplexity"] == pytest.approx(np.exp(nll.mean()), rel=1e-9)
    # per image / sequence: the mean over the classes in its labels or predictions
    per = []
    for yi, zi, oi in zip(y, z, ok):
        a, b = yi[oi], zi[oi].argmax(-1)
        present = np.union1d(a, b)
        per.append(jaccard_score(a, b, labels=present, average=None).mean())
    assert m["miou_samplewise"] == pytest.approx(np.mean(per), rel=1e-12)


def test_sane_values():
    """A real, imperfect model: the numbers the README quotes, within a range."""
    seg, tags = _run(SEG)["metrics"], _run(TAGS)["metrics"]
    assert 0.55 < seg["miou"] < 0.65 and 0.75 < seg["accuracy"] < 0.85
    assert 0.8 < tags["miou"] < 0.9 and 0.9 < tags["accuracy"] < 0.97
    no_bg = _run(SEG, "--no-background")["metrics"]
    assert no_bg["miou"] < seg["miou"]  # the background is the easy class


@pytest.mark.slow
def test_script_remakes_the_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.make_segmentation(tmp_path)
    script.make_tagging(tmp_path)
    for name in (*SEG[:2], *TAGS[:2]):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_readme_quotes_these_runs():
    """The numbers README's "Dense outputs" section quotes for the two samples."""
    text = (SAMPLES.parent / "README.md").read_text()
    section = text.split("\n## Dense outputs\n", 1)[1].split("\n## ", 1)[0]
    seg, tags = _run(SEG), _run(TAGS)
    no_bg = _run(SEG, "--no-background")["metrics"]
    quoted = {
        "0.604925": seg["metrics"]["miou"],
        "0.730661": seg["metrics"]["mdice"],
        "0.602233": seg["metrics"]["miou_samplewise"],
        "0.406432": seg["losses"]["ce"],
        "0.4784": no_bg["miou"],
        "0.6342": no_bg["mdice"],
        "0.9457": tags["metrics"]["accuracy"],
        "0.1562": tags["losses"]["ce"],
        "0.8624": tags["metrics"]["miou"],
        "0.6624": tags["per_class"][0]["jaccard"],
        "0.9249": tags["per_class"][1]["jaccard"],
    }
    for text_value, value in quoted.items():
        assert text_value in section
        assert f"{value:.{len(text_value) - 2}f}" == text_value
    assert (tags["n_samples"], tags["n_evaluated"], tags["n_ignored"]) == (82, 2909, 2339)
