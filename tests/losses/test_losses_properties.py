"""Property tests (hypothesis) of the loss core: non-negativity, special cases that must agree
(focal gamma 0 = BCE/CE, smoothing 0 = plain CE, unit class weights = none, labels = one-hot,
smoothing = smoothed soft targets), finiteness at logits of +-1e4 and probabilities 0/1, and
chunk additivity of the sums. Data comes from a numpy RNG seeded by hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli import losses

SETTINGS = settings(max_examples=25, deadline=None)
# the tests parametrized over every (loss, task, score kind) run fewer examples each
PER_COMBO = settings(max_examples=6, deadline=None)
seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 25)


def _scores(rng, shape, scores, task, extreme):
    z = rng.normal(0, 3, shape)
    if extreme:
        mask = rng.random(shape) < 0.3
        z = np.where(mask, rng.choice([-1e4, 1e4], shape), z)
    if scores == "logits":
        return z
    if task == "multiclass":
        lp = z - np.log(np.exp(z - z.max(axis=-1, keepdims=True)).sum(-1, keepdims=True))
        lp -= z.max(axis=-1, keepdims=True)
        p = np.exp(lp)
        if extreme:
            hot = rng.random(shape[0]) < 0.3
            p[hot] = np.eye(shape[1])[rng.integers(0, shape[1], hot.sum())]
        return p if scores == "probs" else np.maximum(np.log(np.maximum(p, 1e-300)), -700.0)
    p = 1 / (1 + np.exp(-np.clip(z, -700, 700)))
    if extreme:
        p = np.where(rng.random(shape) < 0.3, rng.choice([0.0, 1.0], shape), p)
    return p if scores == "probs" else np.log(np.maximum(p, 1e-300))


def make(task, scores, seed, n, c=4, extreme=False, soft=False):
    """(y_true, y_pred) canonical inputs for a task."""
    rng = np.random.default_rng(seed)
    if task == "binary":
        y = rng.uniform(0, 1, n) if soft else rng.integers(0, 2, n).astype(float)
        return y, _scores(rng, (n,), scores, task, extreme)
    if task == "multilabel":
        y = rng.uniform(0, 1, (n, c)) if soft else rng.integers(0, 2, (n, c)).astype(float)
        return y, _scores(rng, (n, c), scores, task, extreme)
    if task == "multiclass":
        if soft:
            y = rng.dirichlet(np.ones(c), n)
        else:
            y = rng.integers(0, c, n)
        return y, _scores(rng, (n, c), scores, task, extreme)
    y = rng.uniform(0, 5, n) if extreme else rng.normal(0, 3, n)
    return y, y + rng.normal(0, 2, n)


COMBOS = [
    (name, task, s)
    for name, spec in losses.REGISTRY.items()
    for task in spec.tasks
    for s in spec.scores[task]
]
SOFT_OK = {"bce", "focal", "dice", "jaccard", "kl", "ce"}


def _data(name, task, s, seed, n, extreme=False):
    soft = name == "kl"
    y, p = make(task, s, seed, n, extreme=extreme or name in ("msle",), soft=soft)
    if name == "msle":
        p = np.abs(p)
    return y, p


@PER_COMBO
@given(seed=seeds, n=sizes)
@pytest.mark.parametrize("name, task, s", COMBOS)
def test_non_negative(name, task, s, seed, n):
    y, p = _data(name, task, s, seed, n)
    chunk = losses.compute(name, task, y, p, scores=s)
    assert chunk.per_sample.shape == (n,)
    assert np.all(chunk.per_sample >= -1e-12), chunk.per_sample.min()
    assert losses.finalize(name, task, chunk.sums) >= -1e-12


@PER_COMBO
@given(seed=seeds, n=sizes)
@pytest.mark.parametrize("name, task, s", [c for c in COMBOS if c[0] != "exponential"])
def test_extreme_scores_stay_finite(name, task, s, seed, n):
    # logits of +-1e4, probabilities exactly 0 and 1 (exponential overflows by definition)
    y, p = _data(name, task, s, seed, n, extreme=True)
    chunk = losses.compute(name, task, y, p, scores=s)
    assert np.all(np.isfinite(chunk.per_sample))
    assert np.isfinite(losses.finalize(name, task, chunk.sums))


@PER_COMBO
@given(seed=seeds, n=sizes, cuts=st.lists(st.integers(0, 25), max_size=4))
@pytest.mark.parametrize("name, task, s", COMBOS)
def test_chunk_sums_add_up(name, task, s, seed, n, cuts):
    y, p = _data(name, task, s, seed, n)
    sw = np.random.default_rng(seed).uniform(0, 2, n)
    params = {"class_weights": (1.0, 2.0, 0.5, 3.0)} if task == "multiclass" else {}
    if name in ("nll",) or (name == "multi_margin"):
        params["ignore_index"] = 2
    whole = losses.compute(name, task, y, p, scores=s, sample_weight=sw, params=params)
    bounds = sorted({0, n, *[min(c, n) for c in cuts]})
    total = np.zeros_like(whole.sums)
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        ch = losses.compute(
            name, task, y[a:b], p[a:b], scores=s, sample_weight=sw[a:b], params=params
        )
        total = total + ch.sums
        parts.append(ch.per_sample)
    np.testing.assert_allclose(total, whole.sums, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.concatenate(parts), whole.per_sample, rtol=1e-12, atol=0)
    v1 = losses.finalize(name, task, whole.sums, params)
    v2 = losses.finalize(name, task, total, params)
    np.testing.assert_allclose(v2, v1, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(seed=seeds, n=sizes, soft=st.booleans())
@pytest.mark.parametrize("task", ["binary", "multilabel"])
@pytest.mark.parametrize("s", ["logits", "probs", "log-probs"])
def test_focal_gamma0_alpha_off_is_bce(task, s, seed, n, soft):
    y, p = make(task, s, seed, n, extreme=True, soft=soft)
    f = losses.focal(y, p, scores=s, focal_gamma=0.0, focal_alpha=-1.0)
    np.testing.assert_allclose(f, losses.bce(y, p, scores=s), rtol=1e-12, atol=0)


@SETTINGS
@given(seed=seeds, n=sizes)
@pytest.mark.parametrize("s", ["logits", "probs", "log-probs"])
def test_multiclass_focal_gamma0_is_ce(s, seed, n):
    y, p = make("multiclass", s, seed, n, extreme=True)
    w = (0.5, 1.0, 2.0, 0.0)
    for kw in ({}, {"class_weights": w}):
        f = losses.value("focal", y, p, task="multiclass", scores=s, focal_gamma=0.0, **kw)
        c = losses.value("ce", y, p, task="multiclass", scores=s, **kw)
        np.testing.assert_allclose(f, c, rtol=1e-12)


@SETTINGS
@given(seed=seeds, n=sizes, ls=st.floats(0.0, 1.0))
@pytest.mark.parametrize("s", ["logits", "probs", "log-probs"])
def test_label_smoothing(s, seed, n, ls):
    y, p = make("multiclass", s, seed, n, extreme=True)
    plain = losses.cross_entropy(y, p, scores=s)
    np.testing.assert_array_equal(losses.cross_entropy(y, p, scores=s, label_smoothing=0.0), plain)
    # hard labels with smoothing e == soft targets (1 - e) one_hot + e / C (both torch paths)
    w = (0.5, 1.0, 2.0, 3.0)
    smoothed = np.eye(4)[y] * (1 - ls) + ls / 4
    hard = losses.cross_entropy(y, p, scores=s, label_smoothing=ls, class_weights=w)
    soft = losses.cross_entropy(smoothed, p, scores=s, class_weights=w)
    np.testing.assert_allclose(hard, soft, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(seed=seeds, n=sizes, ls=st.sampled_from([0.0, 0.1]))
@pytest.mark.parametrize("name", ["ce", "focal", "multi_margin"])
def test_unit_class_weights_equal_none(name, seed, n, ls):
    s = "logits"
    y, p = make("multiclass", s, seed, n, extreme=True)
    extra = {"label_smoothing": ls} if name == "ce" else {}
    a = losses.compute(name, "multiclass", y, p, scores=s, params=extra)
    b = losses.compute(
        name, "multiclass", y, p, scores=s, params={**extra, "class_weights": (1.0,) * 4}
    )
    np.testing.assert_allclose(b.per_sample, a.per_sample, rtol=1e-14, atol=0)
    np.testing.assert_allclose(b.sums, a.sums, rtol=1e-12)


@SETTINGS
@given(seed=seeds, n=sizes, ls=st.sampled_from([0.0, 0.2]))
@pytest.mark.parametrize("s", ["logits", "probs", "log-probs"])
def test_integer_labels_equal_one_hot(s, seed, n, ls):
    y, p = make("multiclass", s, seed, n, extreme=True)
    onehot = np.eye(4)[y]
    a = losses.value("ce", y, p, task="multiclass", scores=s, label_smoothing=ls)
    b = losses.value("ce", onehot, p, task="multiclass", scores=s, label_smoothing=ls)
    np.testing.assert_allclose(a, b, rtol=1e-9)
    # per sample also with class weights (torch's means then differ: sum(w[y]) vs N)
    w = (0.5, 1.0, 2.0, 3.0)
    np.testing.assert_allclose(
        losses.cross_entropy(y, p, scores=s, class_weights=w),
        losses.cross_entropy(onehot, p, scores=s, class_weights=w),
        rtol=1e-12,
    )
    for name in ("hinge", "multi_margin", "zero_one", "kl", "focal"):
        a = losses.compute(name, "multiclass", y, p, scores=s).per_sample
        b = losses.compute(name, "multiclass", onehot, p, scores=s).per_sample
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=name)


@settings(max_examples=10, deadline=None)
@given(seed=seeds, n=sizes)
def test_integer_sample_weights_equal_repeated_rows(seed, n):
    rng = np.random.default_rng(seed)
    reps = rng.integers(0, 4, n)
    for name, task, s in COMBOS:
        y, p = _data(name, task, s, seed, n)
        params = {"class_weights": (1.0, 2.0, 0.5, 3.0)} if name in ("ce", "nll") else {}
        a = losses.compute(name, task, y, p, scores=s, sample_weight=reps, params=params)
        b = losses.compute(
            name,
            task,
            np.repeat(y, reps, axis=0),
            np.repeat(p, reps, axis=0),
            scores=s,
            params=params,
        )
        # dice/jaccard add the unweighted element count (the unit of their smoothing, so that
        # weights count relative to each other); the weighted sums are those of the repeats
        k = 4 if losses.get_spec(name).reduction[task] in ("dice", "jaccard") else None
        np.testing.assert_allclose(a.sums[:k], b.sums[:k], rtol=1e-9, atol=1e-12, err_msg=name)


@SETTINGS
@given(seed=seeds, n=sizes)
def test_bounded_losses(seed, n):
    for task in ("binary", "multilabel"):
        y, p = make(task, "probs", seed, n, extreme=True, soft=True)
        for name in ("dice", "jaccard"):
            out = losses.compute(name, task, y, p, scores="probs").per_sample
            assert np.all((out >= -1e-12) & (out <= 1 + 1e-12))
        yh, ph = make(task, "logits", seed, n)
        zo = losses.compute("zero_one", task, yh, ph, scores="logits").per_sample
        assert set(np.unique(zo)) <= {0.0, 1.0}


def test_bce_with_pos_weight_one_is_plain():
    y, p = make("multilabel", "logits", 3, 9, extreme=True)
    np.testing.assert_array_equal(
        losses.bce(y, p, scores="logits", pos_weight=(1.0,) * 4), losses.bce(y, p, scores="logits")
    )
