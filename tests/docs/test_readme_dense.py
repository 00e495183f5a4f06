"""The README's "Dense outputs" section runs as written: its Python block makes the arrays, each
`$ losscli …` line of its console block exits 0 in that folder, and the numbers the section
quotes are what the first and the token command print."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from helpers import run_json

ROOT = Path(__file__).resolve().parents[2]
SECTION = (ROOT / "README.md").read_text().split("\n## Dense outputs\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("dense_readme")
    code = re.search(r"```python\n(.*?)```", SECTION, re.S).group(1)
    cwd = Path.cwd()
    try:
        os.chdir(d)
        exec(compile(code, "README Dense outputs", "exec"), {})  # noqa: S102 - our README
    finally:
        os.chdir(cwd)
    return d


def _commands() -> list[list[str]]:
    block = re.search(r"```console\n(.*?)```", SECTION, re.S).group(1)
    return [shlex.split(line[2:]) for line in block.splitlines() if line.startswith("$ losscli")]


@pytest.mark.parametrize("args", _commands(), ids=lambda a: " ".join(a[2:]))
def test_command_runs(folder, args, monkeypatch):
    monkeypatch.chdir(folder)
    d = run_json(*args[1:])
    assert d["n_samples"] in (8, 6)


def test_quoted_numbers(folder, monkeypatch):
    monkeypatch.chdir(folder)
    seg = ["compute", "seg_logits.npy", "seg_masks.npy", "--ignore-index", "255"]
    d = run_json(*seg, "--format", "json")
    assert (d["n_samples"], d["n_evaluated"], d["n_ignored"]) == (8, 11520, 768)
    quoted = {
        "ce": 0.4269,
        "accuracy": 0.8654,
        "balanced_accuracy": 0.8654,
        "perplexity": 1.5325,
        "miou": 0.7627,
        "mdice": 0.8654,
        "miou_samplewise": 0.7625,
        "dice_samplewise": 0.8652,
    }
    for name, value in quoted.items():
        got = d["losses"].get(name, d["metrics"].get(name))
        assert round(got, 4) == value, name
        assert f"`{name}`" in SECTION and f"{value}" in SECTION
    t = run_json("compute", "tok_logits.npy", "tok_labels.npy", "--format", "json")
    assert (t["n_evaluated"], t["n_ignored"]) == (90, 30)
    assert t["inference"][0].startswith("dense multiclass: 5 classes on axis 2, (N, d.., C)")
    if not (folder / "per_image.csv").exists():  # run alone or before test_command_runs
        (writer,) = [a for a in _commands() if "per_image.csv" in a]
        run_json(*writer[1:])
    rows = (folder / "per_image.csv").read_text().splitlines()
    assert rows[0] == "sample,n_elements,ce,pixel_accuracy,miou,mdice" and len(rows) == 9
