"""Loss core: worked values (torch calls), the registry, parameter validation, error messages,
sample weights (scikit-learn live as the reference), and the numpy-only import rule."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import (
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    zero_one_loss,
)

from losscli import losses
from losscli.errors import InputError, UsageError

T3 = np.array([[0, 1, 1], [1, 1, 1], [0, 0, 0]], dtype=np.float64)


# ------------------------------------------------------- worked values (torch 2.13, float32)
def test_multilabel_bce_worked_value():
    # torch nn.BCEWithLogitsLoss()(logits, targets) in float32: 0.4113868
    z = np.array([[-0.8858, 0.3241, 0.9456], [1.4887, 1.8076, -0.0565], [-1.6529, -1.8539, 0.6756]])
    v = losses.value("bce", T3, z, task="multilabel", scores="logits")
    assert v == pytest.approx(0.41139, abs=5e-6)
    assert losses.bce(T3, z, scores="logits").mean() == pytest.approx(v, rel=1e-12)


def test_multilabel_bce_and_dice_worked_values():
    # torch nn.BCEWithLogitsLoss (float32): 0.8000068; soft Dice coefficient of the sigmoids,
    # (2 sum(p y) + 1e-5) / (sum(p) + sum(y) + 1e-5) in torch float32: 0.5796486 -> loss 0.4203514
    z = np.array([[1.9072, 1.1079, 1.4906], [-0.6584, -0.0512, 0.7608], [-0.0614, 0.6583, 0.1095]])
    assert losses.value("bce", T3, z, task="multilabel", scores="logits") == pytest.approx(
        0.800007, abs=1e-6
    )
    d = losses.value("dice", T3, z, task="multilabel", scores="logits")
    assert d == pytest.approx(0.420351, abs=1e-6)
    assert 1 - d == pytest.approx(0.579649, abs=1e-6)


def test_bce_and_ce_worked_values():
    # torch nn.BCELoss on probs [0.9, 0.1, 0.4] with labels [1, 0, 1] = 0.375671;
    # nn.CrossEntropyLoss of logits [2.0, 1.0, 0.1] with label 0 = 0.417030
    y, p = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.1, 0.4])
    assert losses.value("bce", y, p, task="binary", scores="probs") == pytest.approx(
        0.375671, abs=1e-6
    )
    z = np.array([[2.0, 1.0, 0.1]])
    assert losses.value("ce", np.array([0]), z, task="multiclass", scores="logits") == (
        pytest.approx(0.417030, abs=1e-6)
    )
    # the same through nll on log-probabilities and ce on probabilities
    lp = z - np.log(np.exp(z).sum())
    assert losses.nll(np.array([0]), lp)[0] == pytest.approx(0.417030, abs=1e-6)
    assert losses.cross_entropy(np.array([0]), np.exp(lp), scores="probs")[0] == pytest.approx(
        0.417030, abs=1e-6
    )


def test_public_api_shape():
    y, z = np.array([1.0, 0.0]), np.array([3.0, -1.0])
    out = losses.bce(y, z, scores="logits")
    assert out.shape == (2,) and out.dtype == np.float64
    assert out[0] == pytest.approx(np.log1p(np.exp(-3.0)), rel=1e-12)


# ---------------------------------------------------------------------------- registry
CONTRACT_NAMES = (  # docs/CONTRACTS.md
    "bce ce nll focal dice jaccard hinge squared_hinge multi_margin exponential zero_one kl "
    "mse rmse mae huber smooth_l1 msle log_cosh mape"
).split()


def test_registry_order_and_contents():
    assert list(losses.REGISTRY) == CONTRACT_NAMES
    for name, spec in losses.REGISTRY.items():
        assert spec.name == name and spec.tasks and spec.summary
        for task in spec.tasks:
            assert task in losses.TASKS
            assert spec.scores[task] and spec.formula[task] and spec.reference[task]
            assert callable(spec.functions[task])
            assert set(spec.params_for(task)) <= set(spec.params)
        assert set(spec.params) <= set(losses.PARAMS)
    assert losses.get_spec("nll").scores == {"multiclass": ("log-probs",)}
    assert losses.get_spec("ce").scores["multiclass"] == ("logits", "probs", "log-probs")
    assert losses.get_spec("mse").scores == {"regression": ("values",)}


def test_names_for_and_defaults():
    assert losses.names_for("binary") == [
        "bce",
        "focal",
        "dice",
        "jaccard",
        "hinge",
        "squared_hinge",
        "exponential",
        "zero_one",
    ]
    assert losses.names_for("multiclass") == [
        "ce",
        "nll",
        "focal",
        "hinge",
        "multi_margin",
        "zero_one",
        "kl",
    ]
    assert losses.names_for("multilabel") == ["bce", "focal", "dice", "jaccard", "zero_one"]
    for task, name in losses.DEFAULT_LOSS.items():
        assert name in losses.names_for(task)


def test_aliases_and_unknown_names():
    assert losses.get_spec("Cross-Entropy").name == "ce"
    assert losses.get_spec("L1").name == "mae"
    assert losses.get_spec("0-1").name == "zero_one"
    aliases = [a for s in losses.REGISTRY.values() for a in (s.name, *s.aliases)]
    assert len(aliases) == len(set(aliases))
    with pytest.raises(UsageError, match=r"unknown loss 'bogus' for --loss; choose from bce, ce"):
        losses.get_spec("bogus")


# ---------------------------------------------------------------------- parameters
def test_param_table():
    p = losses.PARAMS
    assert p["ignore_index"].default == -100 and p["ignore_index"].kind == "int"
    assert p["focal_gamma"].default == 2.0 and p["focal_alpha"].default == 0.25
    assert p["huber_delta"].default == 1.0 and p["smooth_l1_beta"].default == 1.0
    assert p["margin"].default == 1.0 and p["dice_smooth"].default == 1e-5
    assert p["eps"].default is None and p["class_weights"].kind == "floats"
    for param in p.values():
        assert param.option.startswith("--") and param.help


def test_validate_params_defaults_and_coercion():
    out = losses.validate_params({})
    assert set(out) == set(losses.PARAMS)
    assert out["label_smoothing"] == 0.0 and out["class_weights"] is None
    out = losses.validate_params(
        {"class_weights": "1, 2,0.5", "ignore_index": "3", "pos_weight": 2}, task=None
    )
    assert out["class_weights"] == (1.0, 2.0, 0.5)
    assert out["ignore_index"] == 3 and out["pos_weight"] == (2.0,)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"label_smoothing": 1.5}, "--label-smoothing must be in [0, 1], got 1.5"),
        ({"label_smoothing": -0.1}, "--label-smoothing must be in [0, 1], got -0.1"),
        ({"focal_gamma": -1}, "--focal-gamma must be >= 0, got -1"),
        ({"focal_alpha": 1.5}, "--focal-alpha must be <= 1, got 1.5"),
        ({"huber_delta": 0}, "--huber-delta must be > 0, got 0"),
        ({"smooth_l1_beta": -0.5}, "--smooth-l1-beta must be >= 0, got -0.5"),
        ({"margin": 0.0}, "--margin must be > 0, got 0.0"),
        ({"multi_margin_p": 3}, "--multi-margin-p must be one of 1, 2, got 3"),
        ({"dice_smooth": -1e-3}, "--dice-smooth must be >= 0, got -0.001"),
        ({"eps": 0.5}, "--eps must be in (0, 0.5), got 0.5"),
        ({"eps": 0}, "--eps must be in (0, 0.5), got 0"),
        ({"ignore_index": 1.5}, "--ignore-index must be a whole number, got 1.5"),
        ({"class_weights": [1, -2]}, "--class-weights values must be >= 0, got -2"),
        ({"pos_weight": 0}, "--pos-weight values must be > 0, got 0"),
        ({"label_smoothing": "abc"}, "--label-smoothing must be a number, got abc"),
        ({"class_weights": "1,-2"}, "--class-weights values must be >= 0, got -2"),
        ({"margin": np.float64(-1.0)}, "--margin must be > 0, got -1.0"),
        ({"focal_gamma": float("nan")}, "--focal-gamma must be >= 0, got nan"),
    ],
)
def test_validate_params_errors(params, message):
    with pytest.raises(UsageError) as err:
        losses.validate_params(params)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_validate_params_task_and_lengths():
    with pytest.raises(UsageError, match=r"--class-weights has 2 value\(s\) but there are 3"):
        losses.validate_params({"class_weights": [1, 2]}, task="multiclass", n_classes=3)
    with pytest.raises(UsageError, match="--class-weights applies to --task multiclass"):
        losses.validate_params({"class_weights": [1, 2]}, task="binary")
    with pytest.raises(UsageError, match="--pos-weight has 2 values but there are 3 labels"):
        losses.validate_params({"pos_weight": [1, 2]}, task="multilabel", n_classes=3)
    with pytest.raises(UsageError, match="--pos-weight takes one number for a binary task"):
        losses.validate_params({"pos_weight": [1, 2]}, task="binary")
    with pytest.raises(UsageError, match="--pos-weight applies to --task binary or multilabel"):
        losses.validate_params({"pos_weight": 2}, task="multiclass")
    with pytest.raises(ValueError, match="unknown loss parameter"):
        losses.validate_params({"gamma": 2})
    ok = losses.validate_params({"pos_weight": [1, 2, 3]}, task="multilabel", n_classes=3)
    assert ok["pos_weight"] == (1.0, 2.0, 3.0)


# ------------------------------------------------------------------ errors from compute
def test_compute_refuses_wrong_task_and_scores():
    y, z = np.array([1.0, 0.0]), np.array([0.3, -0.2])
    with pytest.raises(UsageError) as err:
        losses.compute("kl", "binary", y, z, scores="logits")
    assert str(err.value) == "loss 'kl' needs --task multiclass; the task is binary"
    with pytest.raises(UsageError, match="loss 'nll' takes --scores log-probs for --task"):
        losses.compute("nll", "multiclass", np.array([0]), np.array([[0.5, 0.5]]), scores="probs")
    with pytest.raises(UsageError, match="--task must be one of"):
        losses.compute("bce", "ranking", y, z, scores="logits")
    with pytest.raises(UsageError, match="takes --scores values"):
        losses.compute("mse", "regression", y, z, scores="logits")


def test_compute_refuses_bad_data():
    with pytest.raises(InputError, match="labels have shape"):
        losses.compute("bce", "multilabel", np.zeros((2, 3)), np.zeros((2, 2)), scores="logits")
    with pytest.raises(InputError, match="row 1 has class index 7, outside 0..2"):
        losses.compute("ce", "multiclass", np.array([0, 7]), np.zeros((2, 3)), scores="logits")
    with pytest.raises(InputError, match="needs labels 0 or 1; row 0 has 0.3"):
        losses.compute("hinge", "binary", np.array([0.3, 1.0]), np.zeros(2), scores="logits")
    with pytest.raises(InputError, match="needs hard labels"):
        soft = np.array([[0.5, 0.5], [1.0, 0.0]])
        losses.compute("hinge", "multiclass", soft, np.zeros((2, 2)), scores="logits")
    with pytest.raises(InputError, match="msle' needs values > -1; the labels have -1.0 at row 1"):
        losses.compute("msle", "regression", np.array([0.0, -1.0]), np.zeros(2), scores="values")
    with pytest.raises(InputError, match="sample weight at row 1"):
        losses.compute(
            "mse", "regression", np.zeros(2), np.ones(2), scores="values", sample_weight=[1, -1]
        )
    with pytest.raises(InputError, match="whole numbers"):
        losses.compute("ce", "multiclass", np.array([0.5]), np.zeros((1, 2)), scores="logits")


def test_message_is_one_line_for_every_user_error():
    cases = [
        lambda: losses.get_spec("nope"),
        lambda: losses.validate_params({"margin": -1}),
        lambda: losses.compute(
            "ce", "multiclass", np.array([9]), np.zeros((1, 2)), scores="logits"
        ),
    ]
    for make in cases:
        with pytest.raises((UsageError, InputError)) as err:
            make()
        assert "\n" not in str(err.value)


# ---------------------------------------------------------------- reductions and sums
def test_ce_weighted_mean_uses_torch_denominator():
    # torch CrossEntropyLoss(weight=w) mean = sum(w[y] * l) / sum(w[y]) (by hand here)
    z = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    y = np.array([0, 1, 0])
    w = (1.0, 3.0)
    nll = -(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[np.arange(3), y]
    expected = (w[0] * nll[0] + w[1] * nll[1] + w[0] * nll[2]) / (w[0] + w[1] + w[0])
    assert losses.value(
        "ce", y, z, task="multiclass", scores="logits", class_weights=w
    ) == pytest.approx(expected, rel=1e-12)


def test_all_rows_ignored_is_nan():
    v = losses.value(
        "ce", np.array([-100, -100]), np.zeros((2, 3)), task="multiclass", scores="logits"
    )
    assert np.isnan(v)
    assert np.isnan(losses.finalize("dice", "binary", np.zeros(4)))


def test_dice_with_empty_prediction_and_target_is_zero():
    y, p = np.zeros((2, 3)), np.zeros((2, 3))
    assert losses.value("dice", y, p, task="multilabel", scores="probs", dice_smooth=0) == 0.0
    np.testing.assert_array_equal(losses.dice(y, p, dice_smooth=0.0), [0.0, 0.0])


def test_rmse_is_sqrt_of_mse_mean():
    y, p = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[3.0, 4.0], [1.0, 2.0]])
    assert losses.value("rmse", y, p, task="regression", scores="values") == pytest.approx(
        np.sqrt(mean_squared_error(y, p)), rel=1e-12
    )


# ------------------------------------------------ sample weights vs scikit-learn (live)
rng = np.random.default_rng(7)
N = 40
SW = rng.uniform(0, 3, N)
YB = rng.integers(0, 2, N).astype(np.float64)
PB = rng.uniform(0.01, 0.99, N)
ZB = rng.normal(0, 2, N)
YC = rng.integers(0, 4, N)
ZC = rng.normal(0, 2, (N, 4))
YR = rng.normal(0, 2, N)
PR = YR + rng.normal(0, 1, N)


def test_sample_weights_match_sklearn():
    # sklearn log_loss / hinge_loss / zero_one_loss / mean_squared_error / mean_absolute_error
    v = losses.value("bce", YB, PB, task="binary", scores="probs", sample_weight=SW)
    assert v == pytest.approx(log_loss(YB, PB, sample_weight=SW), rel=1e-10)
    v = losses.value("hinge", YB, ZB, task="binary", scores="logits", sample_weight=SW)
    assert v == pytest.approx(hinge_loss(YB.astype(int), ZB, sample_weight=SW), rel=1e-10)
    v = losses.value("hinge", YC, ZC, task="multiclass", scores="logits", sample_weight=SW)
    assert v == pytest.approx(hinge_loss(YC, ZC, labels=[0, 1, 2, 3], sample_weight=SW), rel=1e-10)
    v = losses.value("zero_one", YC, ZC, task="multiclass", scores="logits", sample_weight=SW)
    assert v == pytest.approx(zero_one_loss(YC, ZC.argmax(1), sample_weight=SW), rel=1e-10)
    v = losses.value("ce", YC, ZC, task="multiclass", scores="logits", sample_weight=SW)
    probs = np.exp(ZC) / np.exp(ZC).sum(axis=1, keepdims=True)
    assert v == pytest.approx(log_loss(YC, probs, sample_weight=SW), rel=1e-10)
    v = losses.value("mse", YR, PR, task="regression", scores="values", sample_weight=SW)
    assert v == pytest.approx(mean_squared_error(YR, PR, sample_weight=SW), rel=1e-10)
    v = losses.value("mae", YR, PR, task="regression", scores="values", sample_weight=SW)
    assert v == pytest.approx(mean_absolute_error(YR, PR, sample_weight=SW), rel=1e-10)


def test_eps_clips_like_sklearn_keras():
    # probability 0 for a positive with eps=1e-7: -log(1e-7) (Keras/older sklearn clipping)
    y, p = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(losses.bce(y, p, eps=1e-7), [-np.log(1e-7)] * 2, rtol=1e-7)
    np.testing.assert_allclose(losses.bce(y, p), [100.0, 100.0])  # torch clamp at -100


def test_multiclass_log_probs_are_used_as_given():
    # torch NLLLoss takes log-probabilities as they are: -(-250) = 250; -inf (p = 0) -> 100
    lp = np.array([[-250.0, 0.0], [-np.inf, 0.0]])
    np.testing.assert_array_equal(losses.nll(np.array([0, 0]), lp), [250.0, 100.0])


# ------------------------------------------------------------- numpy-only numeric core
def test_numeric_core_imports_numpy_only():
    code = (
        "import sys, losscli.losses, losscli.activations; "
        "bad = [m for m in ('torch','pandas','click','rich','scipy','sklearn','pyarrow') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
