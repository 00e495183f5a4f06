"""A weight counts relative to the others: multiplying every weight by c changes no number.

For c from 1e-300 to 1e300 (and any c hypothesis draws in between) the whole JSON report
(losses, loss_stats, metrics, per_class, confusion_matrix, slices, bootstrap intervals, the
thresholds sweep) equals the report of the weights as they are, to 1e-12 relative. Weighted
counts (confusion cells, support, thresholds' tp/fp/fn/tn) are in units of the mean weight:
equal weights give the unweighted counts, and the confusion matrix sums to the evaluated rows.
"""

from __future__ import annotations

import json
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics as skm
from helpers import assert_same_json, invoke, run_json
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

N = 120
RNG = np.random.default_rng(14)
WEIGHTS = RNG.uniform(0.1, 3.0, N)
WEIGHTS[::17] = 0.0  # zero weights leave rows out, at any scale
GROUPS = RNG.choice(["eu", "us"], N)


def _columns(task: str) -> tuple[dict[str, np.ndarray], list[str]]:
    """The data of one task (without the weights) and the options that evaluate it."""
    rng = np.random.default_rng(zlib.crc32(task.encode()))  # the same data in every run
    if task in ("binary", "binary-binned"):
        y = rng.integers(0, 2, N)
        p = np.clip(0.35 * y + rng.random(N) * 0.65, 0.0, 1.0)
        opts = ["--loss", "all", "--group-by", "g"]
        opts += ["--auc-bins", "40"] if task == "binary-binned" else ["--bootstrap", "25"]
        return {"label": y, "prob": p}, opts
    if task == "multiclass":
        y = rng.integers(0, 4, N)
        y[::9] = -100  # ignored rows too
        z = rng.normal(size=(N, 4)) + 1.5 * np.eye(4)[np.clip(y, 0, 3)]
        cols = {"label": y, **{f"z{j}": z[:, j] for j in range(4)}}
        return cols, ["--loss", "all", "--top-k", "2", "--group-by", "g", "--pred-cols", "z*"]
    if task == "multilabel":
        y = rng.integers(0, 2, (N, 3))
        z = rng.normal(size=(N, 3)) + 2 * y - 1
        cols = {**{f"y{j}": y[:, j] for j in range(3)}, **{f"z{j}": z[:, j] for j in range(3)}}
        opts = ["--loss", "all", "--label-col", "y0,y1,y2", "--pred-cols", "z0,z1,z2"]
        return cols, opts + ["--task", "multilabel"]
    y = np.abs(rng.normal(size=N)) * 3 + 1  # positive, as msle needs
    return {"target": y, "pred": np.abs(y + rng.normal(size=N))}, ["--loss", "all"]


def _write(path: Path, cols: dict[str, np.ndarray], w: np.ndarray) -> Path:
    names = [*cols, "w", "g"]
    lines = [",".join(names)]
    for i in range(N):
        vals = [repr(float(cols[c][i])) for c in cols] + [repr(float(w[i])), str(GROUPS[i])]
        lines.append(",".join(vals))
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(command: str, path: Path, opts: list[str]) -> dict:
    r = invoke(command, path, "--weight-col", "w", "--format", "json", *opts)
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout.replace(json.dumps(str(path))[1:-1], "<input>"))  # notes name it
    d.pop("inputs", None)
    return d


TASKS = ["binary", "binary-binned", "multiclass", "multilabel", "regression"]
_DIR = Path(tempfile.mkdtemp(prefix="losscli-weight-scale-"))
_BASE: dict[str, dict] = {}


def _base(command: str, task: str) -> dict:
    key = f"{command}-{task}"
    if key not in _BASE:
        cols, opts = _columns(task)
        path = _write(_DIR / f"{key}-base.csv", cols, WEIGHTS)
        _BASE[key] = _run(command, path, opts if command == "compute" else [])
    return _BASE[key]


SCALES = st.floats(min_value=1e-290, max_value=1e290, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("task", TASKS)
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(c=SCALES)
@example(c=1e-200)
@example(c=1e-30)
@example(c=1e30)
@example(c=1e160)
@example(c=3.7)
@example(c=1e300)
@example(c=1e-300)
def test_scaling_every_weight_changes_no_number(task, c):
    cols, opts = _columns(task)
    path = _write(_DIR / f"compute-{task}-scaled.csv", cols, WEIGHTS * c)
    assert_same_json(_run("compute", path, opts), _base("compute", task), rel=1e-12, abs=1e-14)


@settings(max_examples=4, deadline=None)
@given(c=SCALES)
@example(c=1e-200)
@example(c=1e160)
@example(c=3.7)
def test_thresholds_sweep_is_scale_free(c):
    cols, _ = _columns("binary")
    path = _write(_DIR / "thresholds-scaled.csv", cols, WEIGHTS * c)
    assert_same_json(
        _run("thresholds", path, []), _base("thresholds", "binary"), rel=1e-12, abs=1e-14
    )


@pytest.mark.parametrize("c", [1.0, 1e-200, 1e160, 3.7])
def test_weighted_confusion_matrix_is_in_units_of_the_mean_weight(tmp_path, c):
    cols, _ = _columns("multiclass")
    path = _write(tmp_path / "p.csv", cols, WEIGHTS * c)
    d = _run("compute", path, ["--pred-cols", "z*"])
    y, z = cols["label"], np.stack([cols[f"z{j}"] for j in range(4)], axis=1)
    kept = y != -100
    w = WEIGHTS[kept]
    # scikit-learn's weighted confusion matrix of the weights rescaled to mean 1
    want = skm.confusion_matrix(y[kept], z[kept].argmax(1), sample_weight=w * w.size / w.sum())
    np.testing.assert_allclose(d["confusion_matrix"], want, rtol=1e-12)
    assert np.sum(d["confusion_matrix"]) == pytest.approx(d["n_evaluated"], rel=1e-12)
    support = [row["support"] for row in d["per_class"]]
    np.testing.assert_allclose(support, want.sum(axis=1), rtol=1e-12)
    # the ratios are scikit-learn's with the weights as given (at any scale)
    assert d["metrics"]["mcc"] == pytest.approx(
        skm.matthews_corrcoef(y[kept], z[kept].argmax(1), sample_weight=w), rel=1e-12
    )


def test_equal_weights_give_the_unweighted_report(tmp_path):
    cols, opts = _columns("binary-binned")
    path = _write(tmp_path / "p.csv", cols, np.full(N, 1e-250))
    weighted = _run("compute", path, opts)
    plain = run_json("compute", path, "--format", "json", "--pred-cols", "prob", *opts)
    plain.pop("inputs")
    for key in ("losses", "metrics", "per_class", "confusion_matrix", "groups"):
        assert_same_json(weighted[key], plain[key], key, rel=1e-12, abs=1e-14)


def test_partitions_share_the_weights_scale(tmp_path):
    # a distributed run evaluates each part with the client's plan: its weight exponent (from
    # the first positive weight) must be the one every part uses, or the merged sums mix units
    from losscli.engine import Evaluation, Options, evaluate

    cols, _ = _columns("binary")
    folder = tmp_path / "parts"
    folder.mkdir()
    half = N // 2
    for i, (lo, hi, c) in enumerate(((0, half, 1e-150), (half, N, 1e120))):
        part = {k: v[lo:hi] for k, v in cols.items()}
        lines = ["label,prob,w"] + [
            f"{int(part['label'][j])},{float(part['prob'][j])!r},{float(WEIGHTS[lo + j] * c)!r}"
            for j in range(hi - lo)
        ]
        (folder / f"part-{i}.csv").write_text("\n".join(lines) + "\n")
    opts = dict(weight_col="w", losses=["bce", "dice"])
    ev = Evaluation(str(folder), None, Options(**opts))
    plan = ev.decide()
    assert plan.weight_exp is not None
    for part in ev.pred_table.parts:
        sub = Evaluation(part.path, None, Options(**opts), plan=plan)
        sub.consume(allow_empty=True)
        ev.absorb(sub.state())
    merged = ev.report().to_dict()
    local = evaluate(str(folder), **opts).to_dict()
    for key in ("losses", "metrics", "per_class", "confusion_matrix"):
        assert_same_json(merged[key], local[key], key, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("c", [1e-300, 1e-200, 1e-30, 3.7, 1e30, 1e160, 1e300])
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_metrics_api_is_scale_free(task, c):
    # the accumulator on its own (no engine rescaling): MCC, kappa and the weighted AUC / AP
    # scale their counts by powers of two, so 1e300 or 1e-300 weights do not over/underflow
    from losscli.metrics import ClassificationAccumulator

    rng = np.random.default_rng(5)
    k = 3 if task != "binary" else 2
    if task == "binary":
        y = rng.integers(0, 2, N).astype(float)
        p = np.clip(0.4 * y + 0.6 * rng.random(N), 0, 1)
    elif task == "multiclass":
        y = rng.integers(0, k, N)
        p = rng.dirichlet(np.ones(k), N)
    else:
        y = rng.integers(0, 2, (N, k)).astype(float)
        p = rng.random((N, k))
    w = WEIGHTS / WEIGHTS.max()  # the largest weight 1, so that c * w stays finite

    def metrics(scale: float) -> dict:
        acc = ClassificationAccumulator(task, k)
        acc.update(y, p, sample_weight=w * scale)
        return acc.result().metrics

    want, got = metrics(1.0), metrics(c)
    assert None not in want.values()
    assert_same_json(got, want, rel=1e-12, abs=1e-14)
    if task == "multiclass":
        pred = p.argmax(1)
        assert want["mcc"] == pytest.approx(
            skm.matthews_corrcoef(y, pred, sample_weight=w), rel=1e-12
        )
        assert want["cohen_kappa"] == pytest.approx(
            skm.cohen_kappa_score(y, pred, sample_weight=w), rel=1e-12
        )
    if task == "binary":
        assert want["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p, sample_weight=w), rel=1e-12)
