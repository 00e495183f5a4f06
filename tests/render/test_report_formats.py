"""JSON (``class_metrics``, one line per confusion-matrix row), CSV (one type per column) and
Markdown (escaped class names, many classes within a GitHub comment)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import invoke as run

from losscli.render.text import md_text, to_csv, to_markdown

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
TASKS = {
    "binary": [SAMPLES / "breast_cancer.csv"],
    "multiclass": [SAMPLES / "digits_logits.csv"],
    "multilabel": [SAMPLES / "digit_attrs_logits.csv", SAMPLES / "digit_attrs_labels.csv"],
    "regression": [SAMPLES / "diabetes.csv", "--task", "regression"],
}


def invoke(*args):
    r = run(*args)
    assert r.exit_code == 0, r.stderr
    return r


def many_classes(tmp_path: Path, n_classes: int, n_rows: int, names=None) -> Path:
    """Logits of ``n_classes`` classes, right about half the time, in a CSV."""
    rng = np.random.default_rng(n_classes)
    y = rng.integers(0, n_classes, n_rows)
    z = rng.normal(size=(n_rows, n_classes))
    z[np.arange(n_rows), y] += 2.5 * (rng.random(n_rows) < 0.5)
    names = names or [f"c{i}" for i in range(n_classes)]
    df = pd.DataFrame(z, columns=names)
    df.insert(0, "label", y)
    path = tmp_path / f"mc{n_classes}.csv"
    df.to_csv(path, index=False, float_format="%.5f")
    return path


# JSON


@pytest.mark.parametrize("task", list(TASKS))
def test_class_metrics_is_per_class_keyed_by_class(task):
    d = json.loads(invoke("compute", *TASKS[task]).stdout)
    assert list(d["class_metrics"]) == [row["class"] for row in d["per_class"]]
    for row in d["per_class"]:
        assert d["class_metrics"][row["class"]] == {k: v for k, v in row.items() if k != "class"}
    if task == "regression":
        assert d["class_metrics"] == {}


def test_class_metrics_flattens_for_json_normalize_and_jq_paths():
    d = json.loads(invoke("compute", *TASKS["multiclass"]).stdout)
    flat = pd.json_normalize(d).iloc[0]
    assert flat["class_metrics.7.f1"] == d["per_class"][7]["f1"]
    assert d["class_metrics"]["3"]["recall"] == d["per_class"][3]["recall"]


def test_group_by_slices_have_class_metrics():
    d = json.loads(invoke("compute", SAMPLES / "digits_parts", "--group-by", "fold").stdout)
    for part in d["groups"].values():
        assert part["class_metrics"] == {
            r["class"]: {k: v for k, v in r.items() if k != "class"} for r in part["per_class"]
        }


@pytest.mark.parametrize("task", list(TASKS))
def test_json_parses_as_the_indented_dump(task):
    text = invoke("compute", *TASKS[task], "--bootstrap", "20").stdout
    d = json.loads(text)
    assert json.loads(json.dumps(d, indent=2)) == d
    assert text.endswith("}\n") and "NaN" not in text


def test_each_confusion_row_is_one_line(tmp_path):
    n = 120
    text = invoke("compute", many_classes(tmp_path, n, 2000)).stdout
    d = json.loads(text)
    lines = text.splitlines()
    start = lines.index('  "confusion_matrix": [')
    rows = lines[start + 1 : start + 1 + n]
    assert lines[start + 1 + n] == "  ],"
    for line, row in zip(rows, d["confusion_matrix"]):
        assert json.loads(line.strip().rstrip(",")) == row
    # the fields and about 20 lines per class (per_class, class_metrics), not n * n lines
    assert len(lines) < 25 * n < n * n


# CSV


def _typed_columns(text: str) -> dict[str, set[type]]:
    kinds: dict[str, set[type]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        for col, cell in row.items():
            if cell == "":
                continue
            try:
                float(cell)
                kind = float
            except ValueError:
                kind = str
            kinds.setdefault(col, set()).add(kind)
    return kinds


@pytest.mark.parametrize("task", list(TASKS))
def test_csv_value_column_holds_numbers_only(task):
    text = invoke("compute", *TASKS[task], "--format", "csv").stdout
    assert text.splitlines()[0] == "section,name,class,value,text"
    kinds = _typed_columns(text)
    assert kinds["value"] == {float}
    df = pd.read_csv(
        io.StringIO(text), dtype={"section": str, "name": str, "class": str, "text": str}
    )
    assert df["value"].dtype == np.float64
    info = df[df.section == "info"].set_index("name")
    assert info.loc["task", "text"] == task and pd.isna(info.loc["task", "value"])
    assert (
        info.loc["n_samples", "value"]
        == json.loads(invoke("compute", *TASKS[task]).stdout)["n_samples"]
    )


def test_csv_class_names_stay_text(tmp_path):
    names = ["007", "7", "1e3", "a,b"]
    path = many_classes(tmp_path, 4, 200, names=names)
    text = invoke("compute", path, "--format", "csv").stdout
    df = pd.read_csv(io.StringIO(text), dtype={"name": str, "class": str, "text": str})
    per = df[df.section == "per_class"]
    assert sorted(set(per["class"])) == sorted(names)  # '007' is not 7, '1e3' is not 1000
    assert df["value"].dtype == np.float64


def test_csv_warnings_are_text_rows():
    d = {
        "task": "binary",
        "signature": "s",
        "losses": {},
        "loss_stats": {},
        "metrics": {"f1": None},
        "per_class": [],
        "warnings": ["12, a warning"],
    }
    rows = list(csv.reader(io.StringIO(to_csv(d))))
    assert ["metric", "f1", "", "", ""] in rows
    assert ["warning", "", "", "", "12, a warning"] in rows


# Markdown

NASTY = ["a|b", "two\nlines", "<script>alert(1)</script>", "*bold*", "x`y", "[link](u)", "_u_"]


def _cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line.strip()[1:-1])


def _report_with(classes: list[str]) -> dict:
    n = len(classes)
    cm = [[5 if i == j else 1 for j in range(n)] for i in range(n)]
    return {
        "task": "multiclass",
        "scores": "logits",
        "n_samples": 6 * n,
        "n_evaluated": 6 * n,
        "n_ignored": 0,
        "n_dropped": 0,
        "classes": classes,
        "losses": {"ce": 0.5},
        "loss_stats": {"ce": {"sum": 1.0, "std": 0.1, "min": 0.0, "max": 1.0}},
        "metrics": {"accuracy": 0.8},
        "per_class": [{"class": c, "f1": 0.5, "support": 6} for c in classes],
        "confusion_matrix": cm,
        "warnings": [f"class {classes[0]} is odd"],
        "signature": "task=multiclass|losscli=0",
        "group_by": "g|h",
        "groups": {
            c: {"n_samples": 6, "losses": {"ce": 0.5}, "metrics": {"accuracy": 0.8}}
            for c in classes
        },
    }


def test_markdown_tables_keep_their_columns_with_any_class_name():
    md = to_markdown(_report_with(NASTY))
    table_lines = [line for line in md.splitlines() if line.startswith("|")]
    blocks: list[list[str]] = []
    for line in md.splitlines():
        if line.startswith("|"):
            if not blocks or not blocks[-1]:
                blocks.append([])
            blocks[-1].append(line)
        elif blocks and blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    assert len(blocks) >= 4 and table_lines
    for block in blocks:
        widths = {len(_cells(line)) for line in block}
        assert len(widths) == 1, block
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "two\nlines" not in md and "two<br>lines" in md
    assert "a\\|b" in md and "\\*bold\\*" in md


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a|b", "a\\|b"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("l1\r\nl2\nl3", "l1<br>l2<br>l3"),
        ("f1_macro", "f1_macro"),
        ("_x_", "\\_x\\_"),
        ("x`y", "x\\`y"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_md_text(text, expected):
    assert md_text(text) == expected


def test_markdown_class_names_from_a_file_are_escaped(tmp_path):
    path = many_classes(tmp_path, 3, 120, names=["a|b", "<i>c</i>", "d"])
    md = invoke("compute", path, "--format", "markdown").stdout
    header = next(line for line in md.splitlines() if line.startswith("| true"))
    assert _cells(header)[1:] == [" a\\|b ", " &lt;i&gt;c&lt;/i&gt; ", " d "]


@pytest.mark.slow
def test_markdown_of_100_classes_fits_a_github_comment(tmp_path):
    path = many_classes(tmp_path, 100, 3000)
    md = invoke("compute", path, "--format", "markdown").stdout
    assert len(md) < 65_536
    assert "### Top confusions" in md and "### Per class (10 worst, 5 best by f1)" in md
    assert "85 of 100 classes hidden" in md and "--all-classes" in md
    full = invoke("compute", path, "--format", "markdown", "--all-classes").stdout
    assert "### Confusion matrix" in full
    assert sum(line.startswith("| **c") for line in full.splitlines()) == 100  # matrix rows
