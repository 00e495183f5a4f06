"""docs/CONTRACTS.md against the code: every table lists exactly what the code has or emits.

The JSON field tables are compared with the keys the commands write on the sample files (run
through click's CliRunner); the loss and parameter tables with ``losscli.losses.REGISTRY`` and
``PARAMS``; the metric table with the metric names each task reports; the exit codes with
``losscli.errors`` and the CLI. A field, loss, metric or exit code added to the code without a
row here (or a row without the code) fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dense_data import write_dense
from helpers import run_json

from losscli import errors
from losscli.cli import EXIT_BROKEN_PIPE
from losscli.losses import PARAMS, REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA = ROOT / "sample_data"

BINARY = [DATA / "breast_cancer.csv"]
MULTICLASS = [DATA / "digits_logits.csv"]
MULTILABEL = [DATA / "digit_attrs_logits.csv", DATA / "digit_attrs_labels.csv"]
REGRESSION = [DATA / "diabetes.csv", "--task", "regression"]  # whole-number targets
SAMPLES = {
    "binary": BINARY,
    "multiclass": MULTICLASS,
    "multilabel": MULTILABEL,
    "regression": REGRESSION,
}


def section(heading: str, text: str = DOC) -> str:
    """The text under the markdown heading ``heading`` (any level) up to the next heading."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(#+) (.*)$", line)
        if m and m.group(2).strip() == heading:
            level = len(m.group(1))
            out = []
            for nxt in lines[i + 1 :]:
                n = re.match(r"^(#+) ", nxt)
                if n and len(n.group(1)) <= level:
                    break
                out.append(nxt)
            return "\n".join(out)
    raise AssertionError(f"docs/CONTRACTS.md has no heading {heading!r}")


def table(heading: str, text: str = DOC) -> list[list[str]]:
    """The rows of the first table under ``heading``, cells stripped, header row dropped."""
    rows = []
    for line in section(heading, text).splitlines():
        line = line.strip()
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip("|"))]
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        rows.append(cells)
    assert rows, f"no table under {heading!r}"
    return rows[1:]


def _name(cell: str) -> str:
    return cell.strip().strip("`")


def _when(cell: str) -> list[str]:
    """The conditions of a *when* cell: ``always``, or one or more `name` (all must hold)."""
    return re.findall(r"`([^`]+)`", cell) or [_name(cell)]


def fields(heading: str, *when: str) -> list[str]:
    """Field names of a field table whose *when* conditions are ``always`` or all in ``when``."""
    allowed = {"always", *when}
    return [_name(r[0]) for r in table(heading) if set(_when(r[2])) <= allowed]


def compute(task: str, *extra: object) -> dict:
    return run_json("compute", *SAMPLES[task], "--format", "json", "-q", *extra)


# ------------------------------------------------------------------------------ JSON report
def test_every_field_table_has_a_known_when():
    headings = re.findall(r"^### (.+)$", section("JSON report"), flags=re.M)
    known = {"always", "--bootstrap", "--group-by", "binary", "multilabel", "logits", "dense"}
    for h in headings:
        if h == "`--per-sample` rows":
            continue
        for row in table(h):
            assert len(row) == 4, (h, row)
            assert set(_when(row[2])) <= known, (h, row)


@pytest.mark.parametrize("task", list(SAMPLES))
def test_compute_top_level_fields(task):
    d = compute(task, "--loss", "all")
    assert list(d) == fields("compute: top level")
    assert list(d["inputs"]) == fields("`inputs`")
    for stats in d["loss_stats"].values():
        assert list(stats) == fields("`loss_stats.<loss>`")
    for row in d["per_class"]:
        assert list(row) == fields("`per_class[]`")
    assert bool(d["per_class"]) == (task != "regression")


def test_compute_bootstrap_and_group_by_fields(tmp_path):
    d = compute("binary", "--bootstrap", "5")
    assert list(d) == fields("compute: top level", "--bootstrap")
    assert list(d["ci"]) == fields("`ci`")
    f = tmp_path / "g.csv"
    f.write_text("label,prob,g\n1,0.9,a\n0,0.2,a\n1,0.4,b\n0,0.7,b\n1,0.8,b\n")
    d = run_json("compute", f, "--group-by", "g", "--format", "json", "-q")
    assert list(d) == fields("compute: top level", "--group-by")
    for group in d["groups"].values():
        assert list(group) == fields("`groups.<value>`")


def test_compare_fields():
    a, b = DATA / "digits_logits_baseline.csv", DATA / "digits_logits.csv"
    d = run_json("compare", a, b, "--format", "json", "-q", "--bootstrap", "20")
    assert list(d) == fields("compare: top level")
    assert list(d["test"]) == fields("compare `test`")
    for entry in d["metrics"].values():
        assert list(entry) == fields("compare `metrics.<name>`")


@pytest.mark.parametrize(
    "task, files",
    [
        ("binary", SAMPLES["binary"]),
        ("multilabel", SAMPLES["multilabel"]),
        ("binary", [DATA / "breast_cancer_logits.csv"]),  # logits: score_threshold too
    ],
)
def test_thresholds_fields(task, files, tmp_path):
    out = tmp_path / "t.json"
    d = run_json("thresholds", *files, "--format", "json", "-q", "--write", out)
    when = [task] + (["logits"] if d["scores"] in ("logits", "log-probs") else [])
    assert list(d) == fields("thresholds: top level", *when)
    best = d["best"] if task == "multilabel" else [d["best"]]
    for row in best:
        assert list(row) == fields("thresholds `best`", *when)
    for row in d["table"]:
        assert list(row) == fields("thresholds `table[]`", *when)
    written = json.loads(out.read_text())
    assert list(written) == fields("thresholds `--write` file", *when)


# ------------------------------------------------------------------------------ losses
def _options(cell: str) -> list[str]:
    return re.findall(r"`(--[a-z0-9-]+)`", cell)


def test_loss_table_is_the_registry():
    rows = table("Losses")
    assert [_name(r[0]) for r in rows] == list(REGISTRY)
    for r in rows:
        spec = REGISTRY[_name(r[0])]
        aliases = [a.strip() for a in r[1].split(",") if a.strip()]
        assert aliases == list(spec.aliases), spec.name
        assert [t.strip() for t in r[2].split(",")] == list(spec.tasks), spec.name
        used: list[str] = []
        for task in spec.tasks:
            for p in spec.params_for(task):
                if PARAMS[p].option not in used:
                    used.append(PARAMS[p].option)
        assert sorted(_options(r[3])) == sorted(used), spec.name


def test_loss_parameter_table_is_params():
    rows = table("Loss parameters")
    assert [_name(r[0]) for r in rows] == [p.option for p in PARAMS.values()]
    for r in rows:
        param = next(p for p in PARAMS.values() if p.option == _name(r[0]))
        default = "none" if param.default is None else str(param.default)
        assert r[1] == default, param.option
        assert r[2] == param.range_text(), param.option


# ------------------------------------------------------------------------------ metrics
def _documented_metrics(task: str, *when: str) -> set[str]:
    allowed = {"always", *when}
    return {
        _name(r[0])
        for r in table("Metrics")
        if task in [t.strip() for t in r[1].split(",")] and _name(r[2]) in allowed
    }


@pytest.mark.parametrize("task", list(SAMPLES))
def test_metric_names_per_task(task):
    d = compute(task, "--loss", "all")
    nll = ["ce or nll"] if task == "multiclass" else []  # ce is computed: perplexity
    assert set(d["metrics"]) == _documented_metrics(task, *nll)


def test_metric_names_with_top_k():
    d = compute("multiclass", "--top-k", "3")
    assert set(d["metrics"]) == _documented_metrics("multiclass", "--top-k", "ce or nll")


def test_multiclass_without_ce_or_nll_has_no_perplexity():
    d = compute("multiclass", "--loss", "focal")
    assert set(d["metrics"]) == _documented_metrics("multiclass")


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_metric_names_of_dense_arrays(task, tmp_path):
    d = run_json("compute", *write_dense(tmp_path, task), "--format", "json", "-q")
    nll = ["ce or nll"] if task == "multiclass" else []
    assert set(d["metrics"]) == _documented_metrics(task, "dense arrays", *nll)


def test_metric_table_names_only_known_tasks_and_options():
    for r in table("Metrics"):
        assert {t.strip() for t in r[1].split(",")} <= set(SAMPLES), r
        when = {"always", "--top-k", "ce or nll", "dense arrays"}
        when |= {"--top-k K1,K2", "--beta", "--max-fpr"}
        assert _name(r[2]) in when, r


# ------------------------------------------------------------------------------ exit codes
def _code_constants() -> dict[str, int]:
    codes = {k: v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    codes["EXIT_BROKEN_PIPE"] = EXIT_BROKEN_PIPE
    return codes


def test_exit_code_table_is_the_code():
    rows = table("Exit codes")
    assert {_name(r[1]): int(r[0]) for r in rows} == _code_constants()


def test_readme_exit_codes_match_the_doc():
    readme_codes = [int(r[0]) for r in table("Exit codes", README)]
    assert readme_codes == [int(r[0]) for r in table("Exit codes")]


# ------------------------------------------------------------------------------ links
def test_readme_links_the_contracts():
    assert "docs/CONTRACTS.md" in section("Conventions", README)
    assert "docs/CONTRACTS.md" in section("Exit codes", README)


def test_conventions_in_both_tables():
    doc_topics = [r[0] for r in table("Conventions")]
    readme = "\n".join(r[0] for r in table("Conventions", README))
    for topic in doc_topics:
        assert topic in readme, topic
