"""Ranking metrics of dense arrays (issue 17): left out unless ``--auc-bins N`` asks for them.

Exact ROC AUC / AP over every element would keep every score; a dense run leaves them out
(null, said once in ``inference``), ``--auc-bins N`` computes them binned with the stated
error bound, and 2-D rows keep exact ranking. References: scikit-learn ``roc_auc_score`` /
``average_precision_score`` on the same elements (binned with many bins is within 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import invoke, run_json
from scipy.special import softmax
from sklearn.metrics import average_precision_score, roc_auc_score

from losscli.pipeline.dense_ranking import RANKING_LEFT_OUT_NOTE


def _multiclass(d, rng):
    x = rng.normal(size=(5, 3, 4, 6))
    y = rng.integers(0, 3, (5, 4, 6))
    np.save(d / "s.npy", x)
    np.save(d / "y.npy", y)
    p = np.moveaxis(softmax(x, axis=1), 1, -1).reshape(-1, 3)
    ref = np.mean([roc_auc_score(y.reshape(-1) == k, p[:, k]) for k in range(3)])
    return [], "roc_auc_macro", ref


def _binary(d, rng):
    p = rng.random((5, 4, 6))
    y = (rng.random((5, 4, 6)) < p).astype(np.uint8)
    np.save(d / "s.npy", p)
    np.save(d / "y.npy", y)
    return ["--task", "binary"], "roc_auc", roc_auc_score(y.reshape(-1), p.reshape(-1))


def _multilabel(d, rng):
    p = rng.random((5, 3, 4, 6))
    y = (rng.random((5, 3, 4, 6)) < p).astype(np.uint8)
    np.save(d / "s.npy", p)
    np.save(d / "y.npy", y)
    pf, yf = np.moveaxis(p, 1, -1).reshape(-1, 3), np.moveaxis(y, 1, -1).reshape(-1, 3)
    ref = np.mean([average_precision_score(yf[:, k], pf[:, k]) for k in range(3)])
    return ["--task", "multilabel"], "average_precision_macro", ref


KINDS = {"multiclass": _multiclass, "binary": _binary, "multilabel": _multilabel}


def _ranking_names(d):
    from losscli.metrics import catalog

    return [n for n in d["metrics"] if catalog.info(n).group == "ranking"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_dense_ranking_is_left_out_by_default_and_said(tmp_path, kind):
    extra, _, _ = KINDS[kind](tmp_path, np.random.default_rng(0))
    d = run_json("compute", tmp_path / "s.npy", tmp_path / "y.npy", *extra, "--format", "json")
    names = _ranking_names(d)
    assert names and all(d["metrics"][n] is None for n in names)
    assert all(r["roc_auc"] is None and r["average_precision"] is None for r in d["per_class"])
    assert d["inference"].count(RANKING_LEFT_OUT_NOTE) == 1
    assert not any("roc_auc" in w or "keep_scores" in w for w in d["warnings"])
    assert "auc_bins" not in d["signature"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_auc_bins_asks_for_binned_ranking_with_its_bound(tmp_path, kind):
    extra, name, ref = KINDS[kind](tmp_path, np.random.default_rng(1))
    d = run_json(
        "compute", tmp_path / "s.npy", tmp_path / "y.npy", *extra, "--auc-bins", "1000000",
        "--format", "json",
    )  # fmt: skip
    assert RANKING_LEFT_OUT_NOTE not in d["inference"]
    assert d["metrics"][name] == pytest.approx(ref, abs=1e-5)
    assert any("binned (--auc-bins 1000000" in w and "within" in w for w in d["warnings"])


def test_rows_keep_exact_ranking(tmp_path):
    """The same elements as 2-D rows: exact ROC AUC, no note (unchanged)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 3))
    y = rng.integers(0, 3, 60)
    np.save(tmp_path / "s.npy", x)
    np.save(tmp_path / "y.npy", y)
    d = run_json("compute", tmp_path / "s.npy", tmp_path / "y.npy", "--format", "json")
    ref = roc_auc_score(y, softmax(x, axis=1), multi_class="ovr")
    assert d["metrics"]["roc_auc_macro"] == pytest.approx(ref, abs=1e-12)
    assert RANKING_LEFT_OUT_NOTE not in d["inference"]


@pytest.mark.parametrize("gate", ["roc_auc_macro > 0.1", "average_precision_micro > 0.1"])
def test_a_gate_on_ranking_is_evaluated_once_asked(tmp_path, gate):
    KINDS["multiclass"](tmp_path, np.random.default_rng(3))
    base = ["compute", tmp_path / "s.npy", tmp_path / "y.npy", "--fail-if", gate, "-q"]
    r = invoke(*base, "--auc-bins", "100")
    assert r.exit_code == 1 and "--fail-if gates failed" in r.stderr  # computed, it fails
    r = invoke(*base)
    assert r.exit_code == 2 and "add --auc-bins N" in r.stderr and r.stdout == ""
