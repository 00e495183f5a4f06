"""Tables follow the width (``COLUMNS``, the terminal's): no line is wider, no header or label
is broken, at 60, 80, 120 and 200 columns, for every task and command; many classes are
summarised (worst / best classes, top confusions) unless ``--all-classes``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import invoke as run
from rich.cells import cell_len

from losscli.cli import output
from losscli.render.table import heat_style, to_table

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
WIDTHS = [60, 80, 120, 200]
ANSI = re.compile(r"\x1b\[[0-9;]*m")

COMPUTE = {
    "binary": [SAMPLES / "breast_cancer.csv"],
    "multiclass": [SAMPLES / "digits_logits.csv", "--loss", "ce", "--loss", "focal"],
    "multilabel": [SAMPLES / "digit_attrs_logits.csv", SAMPLES / "digit_attrs_labels.csv"],
    "regression": [SAMPLES / "diabetes.csv", "--task", "regression", "--loss", "all"],
    "bootstrap": [SAMPLES / "breast_cancer.csv", "--bootstrap", "30", "--loss", "all"],
    "group-by": [SAMPLES / "digits_parts", "--group-by", "fold", "--loss", "all"],
}


def invoke(args, width, **env):
    r = run(args, env={"COLUMNS": str(width), "NO_COLOR": None, "FORCE_COLOR": None, **env})
    assert r.exit_code == 0, r.stderr
    return r.stdout


def assert_fits(text: str, width: int, tokens: list[str]) -> None:
    plain = ANSI.sub("", text)
    lines = plain.splitlines()
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, too_wide[:3]
    assert not re.search(r"…\s*(?:[│┃]|$)", plain, re.M)  # no cell or header cut
    for tok in tokens:
        assert re.search(rf"(?<![\w.]){re.escape(tok)}(?![\w])", plain), tok


def tokens_of(d: dict) -> list[str]:
    toks = list(d["losses"]) + list(d["metrics"])
    if d["per_class"]:
        toks += [k for k in d["per_class"][0]] + [r["class"] for r in d["per_class"]]
    return toks


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(COMPUTE))
def test_compute_table_fits(case, width):
    args = ["compute", *COMPUTE[case]]
    d = json.loads(invoke(args, width))
    text = invoke([*args, "--format", "table"], width)
    assert_fits(text, width, tokens_of(d))
    if case == "multiclass":
        assert "Confusion matrix" in text or "Top confusions" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_table_fits(width):
    a, b = SAMPLES / "digits_logits_baseline.csv", SAMPLES / "digits_logits.csv"
    args = ["compare", a, b, "--bootstrap", "20", "--permutations", "20"]
    d = json.loads(invoke(args, width))
    text = invoke([*args, "--format", "table"], width)
    assert_fits(text, width, [*d["metrics"], "p-value", "verdict", "B − A"])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "files",
    [
        [SAMPLES / "breast_cancer_logits.csv"],
        [SAMPLES / "digit_attrs_logits.csv", SAMPLES / "digit_attrs_labels.csv"],
    ],
)
def test_thresholds_table_fits(files, width):
    text = invoke(["thresholds", *files, "--format", "table"], width)
    assert_fits(text, width, ["specificity", "share_pos", "score_threshold", "precision"])


@pytest.mark.parametrize("width", WIDTHS)
def test_losses_catalog_fits(width):
    entries = json.loads(invoke(["losses", "--format", "json"], width))
    text = invoke(["losses", "--format", "table"], width)
    assert_fits(text, width, [e["name"] for e in entries])


def test_columns_follows_the_terminal(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(
        output.os, "get_terminal_size", lambda fd: __import__("os").terminal_size((72, 24))
    )
    assert output.table_width() == 72
    monkeypatch.setenv("COLUMNS", "133")
    assert output.table_width() == 133
    monkeypatch.setenv("COLUMNS", "wide")
    assert output.table_width() == 72
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: False)
    assert output.table_width() == 100


def test_a_10_class_matrix_falls_back_to_class_indices_then_top_confusions():
    names = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
    n = len(names)
    cm = [[50 if i == j else (3 if j == (i + 1) % n else 0) for j in range(n)] for i in range(n)]
    d = {
        "task": "multiclass",
        "scores": "probs",
        "n_samples": 530,
        "n_ignored": 0,
        "n_dropped": 0,
        "classes": names,
        "losses": {},
        "loss_stats": {},
        "metrics": {},
        "per_class": [],
        "confusion_matrix": cm,
        "warnings": [],
        "signature": "s",
    }
    wide = to_table(d, color=False, width=140)
    assert "true \\ pred ┃ airplane ┃ automobile" in wide
    mid = to_table(d, color=False, width=80)
    assert "by class index" in mid and " 1 automobile " in mid
    narrow = to_table(d, color=False, width=40)
    assert "Top confusions" in narrow and "airplane -> automobile" in narrow
    for text, w in ((wide, 140), (mid, 80), (narrow, 40)):
        assert max(cell_len(line) for line in text.splitlines()) <= w


def _many(tmp_path, n_classes, n_rows):
    rng = np.random.default_rng(1)
    y = rng.integers(0, n_classes, n_rows)
    z = rng.normal(size=(n_rows, n_classes)).astype(np.float32)
    z[np.arange(n_rows), y] += 3.0 * (rng.random(n_rows) < 0.6)
    path = tmp_path / "many.npz"
    np.savez(path, logits=z, label=y)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 120])
def test_a_thousand_classes_are_summarised(tmp_path_factory, width):
    path = _many(tmp_path_factory.mktemp("many"), 1000, 3000)
    text = invoke(["compute", path, "--format", "table"], width)
    assert_fits(text, width, ["true -> predicted", "share"])
    assert "985 of 1000 classes hidden: the 10 worst and 5 best by f1 are shown; " in " ".join(
        text.split()
    )
    assert "--all-classes lists every one" in " ".join(text.split())
    assert len(text.splitlines()) < 170  # 8 more metric rows since the averages of issue #18
    d = json.loads(invoke(["compute", path], width))
    worst = sorted(d["per_class"], key=lambda r: r["f1"])[0]
    assert f" {worst['class']} " in text


@pytest.mark.slow
def test_all_classes_lists_every_class(tmp_path):
    path = _many(tmp_path, 40, 800)
    text = invoke(["compute", path, "--format", "table", "--all-classes"], 80)
    d = json.loads(invoke(["compute", path], 80))
    assert "hidden" not in text
    for r in d["per_class"]:
        assert re.search(rf"^ {re.escape(r['class'])} +│", text, re.M), r["class"]
    summary = invoke(["compute", path, "--format", "table"], 80)
    assert "25 of 40 classes hidden" in " ".join(summary.split())


def test_top_confusions_against_the_matrix():
    from losscli.render.classes import top_confusions

    rng = np.random.default_rng(3)
    cm = rng.integers(0, 6, size=(30, 30))
    classes = [f"k{i}" for i in range(30)]
    top = top_confusions(classes, cm.tolist(), n=15)
    off = [(int(cm[i, j]), -i, -j) for i in range(30) for j in range(30) if i != j and cm[i, j]]
    expected = sorted(off, reverse=True)[:15]
    assert [(c, f"k{-i}", f"k{-j}") for c, i, j in expected] == [
        (c, t, p) for t, p, c, _ in top.cells
    ]
    assert top.total == len(off)
    for t, _, c, share in top.cells:
        assert share == pytest.approx(c / cm[int(t[1:])].sum())


@pytest.mark.parametrize("frac", [0.01, 0.1, 0.3, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("diagonal", [True, False])
def test_heat_cells_set_both_colours_with_contrast(frac, diagonal):
    style = heat_style(frac, diagonal)
    fg, bg = (
        re.fullmatch(r"rgb\((\d+),(\d+),(\d+)\) on rgb\((\d+),(\d+),(\d+)\)", style).group(1, 2, 3),
        re.fullmatch(r".* on rgb\((\d+),(\d+),(\d+)\)", style).group(1, 2, 3),
    )

    def lum(rgb):
        c = [int(v) / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5  # WCAG AA, whatever the theme's background


def test_many_labels_summarise_the_per_label_confusion_too(tmp_path):
    rng = np.random.default_rng(0)
    n, labels = 300, 40
    y = (rng.random((n, labels)) < 0.3).astype(int)
    z = rng.normal(size=(n, labels)) + 1.5 * y
    names = [f"l{i}" for i in range(labels)]
    head = "id," + ",".join(names)
    (tmp_path / "p.csv").write_text(
        head + "\n" + "\n".join(f"{i}," + ",".join(f"{v:.4f}" for v in z[i]) for i in range(n))
    )
    (tmp_path / "y.csv").write_text(
        head + "\n" + "\n".join(f"{i}," + ",".join(str(v) for v in y[i]) for i in range(n))
    )
    args = ["compute", tmp_path / "p.csv", tmp_path / "y.csv"]
    d = json.loads(invoke(args, 80))
    text = invoke([*args, "--format", "table"], 80)
    assert_fits(text, 80, ["tn", "fp", "fn", "tp"])
    block = text.split("Per-label confusion")[1].split("\n\n")[0]
    shown = re.findall(r"^ (l\d+) +│", block, re.M)
    worst = [r["class"] for r in sorted(d["per_class"], key=lambda r: r["f1"])[:10]]
    assert len(shown) == 15 and shown[:10] == worst
    every = invoke([*args, "--format", "table", "--all-classes"], 80)
    block = every.split("Per-label confusion")[1].split("\n\n")[0]
    assert re.findall(r"^ (l\d+) +│", block, re.M) == names
