"""PyTorch's own loss test cases (``torch/testing/_internal/common_nn.py``) through the CLI.

``tests/golden/peers_torch.json`` holds, for each case in losscli's scope, the inputs drawn as
the case's ``input_fn`` / target do (seeded), torch's value and the per-sample values of the
case's ``reference_fn``; ``tests/golden/make_peer_torch_golden.py`` regenerates it with torch
(torch is not needed here). Each case names its source (the common_nn factory or reference
function) in ``source``; the test writes the arrays as NPY files in ``tmp_path`` and runs
``losscli compute`` on them (click's CliRunner). Tolerance: the project's torch parity, 1e-6.

Where losscli refuses what torch accepts (NLLLoss on "log-probabilities" above 0, which the
weighted NLLLoss cases draw as ``log(rand + 0.01)``), the case records the refusal (README
Conventions) and a shifted copy of the same draw checks the number. The NLLLoss cases' rows
(``log(rand)``) do not sum to 1 as exp: losscli renormalises them with a warning (README
Conventions), so their value is torch's NLLLoss on ``F.log_softmax(x, 1)`` and the test checks
the warning (count, worst row and its sum of exp, from the generator).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import invoke

GOLDEN = json.loads(
    (Path(__file__).resolve().parents[1] / "golden" / "peers_torch.json").read_text()
)
CASES = GOLDEN["cases"]
RTOL, ATOL = 1e-6, 1e-12


def run(*args: object, refused: str | None = None) -> dict:
    res = invoke(*args)
    if refused is not None:
        # losscli refuses what torch accepts: one Error line naming the option, exit 2
        assert res.exit_code == 2, res.output
        assert res.stdout == ""
        assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1
        assert refused in res.stderr
        return {}
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_golden_file_names_its_sources():
    assert GOLDEN["meta"]["torch"].startswith("2.")
    assert len(CASES) >= 25
    for case in CASES:
        assert case["source"].startswith("torch/testing/_internal/common_nn.py::"), case["id"]
        assert case["reference"].startswith("torch "), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_torch_case_through_the_cli(tmp_path, case):
    y_true = np.asarray(case["y_true"])
    y_pred = np.asarray(case["y_pred"], dtype=np.float64)
    np.save(tmp_path / "pred.npy", y_pred)
    np.save(tmp_path / "true.npy", y_true)
    out = tmp_path / "per_sample.jsonl"
    scores = [] if case["scores"] == "values" else ["--scores", case["scores"]]
    d = run(
        "compute",
        tmp_path / "pred.npy",
        tmp_path / "true.npy",
        "--task",
        case["task"],
        *scores,
        "--loss",
        case["loss"],
        *case["options"],
        "--per-sample",
        out,
        "--format",
        "json",
        "-q",
        refused=case.get("refused"),
    )
    if case.get("refused"):
        assert not out.exists()
        return
    if case.get("renormalised"):
        r = case["renormalised"]
        assert r["rows"] > 0
        assert d["warnings"][0] == (
            f"{r['rows']} rows of log-probabilities did not sum to 1 (worst: {tmp_path}/pred.npy: "
            f"row {r['worst'] + 1}, sum of exp {r['sum']:.6g}); they were renormalised for the "
            "losses and the metrics"
        )
    else:
        assert not any("did not sum to 1" in w for w in d["warnings"])
    got = d["losses"][case["loss"]]
    np.testing.assert_allclose(got, case["value"], rtol=RTOL, atol=ATOL)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(y_pred)
    if case["per_sample"] is None:
        return
    # torch's reduction="none" values (w[y] * l for a class-weighted loss); an ignored row is a
    # null loss in losscli's per-sample file and 0 in torch's
    per = [r[case["loss"]] for r in rows]
    ignore = case.get("ignore_index", -100)
    ignored = y_true == ignore if y_true.ndim == 1 else np.zeros(len(y_true), dtype=bool)
    assert [p is None for p in per] == ignored.tolist()
    kept = [p for p, ig in zip(per, ignored) if not ig]
    want = np.asarray(case["per_sample"])[~ignored]
    np.testing.assert_allclose(kept, want, rtol=RTOL, atol=ATOL)
