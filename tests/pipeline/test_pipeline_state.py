"""The pipeline's state is the one owner of the counters (issue #16): an ``Evaluation`` reads
and writes its row counters and accumulators through its ``EvalState``, so ``state()`` is that
state (nothing copied back), and absorbing another partition's state adds every counter.
Reference: one pass over the whole file."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.engine import Evaluation, Options

COUNTERS = ["n_rows", "n_dropped", "n_ignored", "n_renormalised", "max_prob_dev"]


def _write(path, rows):
    lines = ["p0,p1,p2,label"] + [",".join(str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _rows(seed: int, n: int):
    """Multi-class probabilities: some rows off 1 by 0.002 (renormalised), one NaN row
    (dropped), one label 2 (ignored with --ignore-index 2)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        p = rng.dirichlet([1, 1, 1])
        if i % 4 == 1:
            p = p * 1.002
        label = int(rng.integers(0, 2)) if i != 3 else 2
        rows.append([*(f"{v:.6f}" for v in p), label])
    rows[5][0] = "nan"
    return rows


OPTS = dict(task="multiclass", scores="probs", drop_invalid=True, params={"ignore_index": 2})


@pytest.fixture
def halves(tmp_path):
    a, b = _rows(1, 20), _rows(2, 24)
    return (
        _write(tmp_path / "a.csv", a),
        _write(tmp_path / "b.csv", b),
        _write(tmp_path / "all.csv", a + b),
    )


@pytest.mark.parametrize("name", COUNTERS + ["loss_acc", "metrics_acc", "negative_seen"])
def test_the_counters_live_on_the_state(halves, name):
    ev = Evaluation(halves[2], None, Options(**OPTS))
    ev.run()
    assert name not in vars(ev)  # no copy on the evaluation to keep in step
    assert ev.state() is ev.accumulated
    assert getattr(ev, name) is getattr(ev.state(), name)


@pytest.mark.parametrize("name", COUNTERS)
def test_absorbing_a_partition_adds_its_counters(halves, name):
    whole = Evaluation(halves[2], None, Options(**OPTS))
    whole.run()
    first = Evaluation(halves[0], None, Options(**OPTS))
    first.consume()
    second = Evaluation(halves[1], None, Options(**OPTS), plan=first.plan)
    second.consume()
    first.absorb(second.state())
    assert getattr(first, name) == pytest.approx(getattr(whole, name), rel=1e-12)
    assert getattr(whole, name) > 0  # the files exercise every counter
    assert first.report().losses == pytest.approx(whole.report().losses, rel=1e-12)


def test_absorbing_its_own_state_changes_nothing(halves):
    ev = Evaluation(halves[2], None, Options(**OPTS))
    ev.consume()
    before = {n: getattr(ev, n) for n in COUNTERS}
    ev.absorb(ev.state())
    assert {n: getattr(ev, n) for n in COUNTERS} == before


@pytest.mark.parametrize("sizes", [[1], [5, 0, 3], [1000, 1, 250]])
def test_loss_moments_added_once_equal_numpy_over_all_values(sizes):
    """``LossAccumulator.add`` of ``chunk_moments`` (one computation for two accumulators:
    the class-major path's ``ce`` and ``perplexity``) equals ``update`` chunk by chunk,
    bit for bit, and numpy's sum / std / min / max over every value at once."""
    from losscli.pipeline.state import LossAccumulator, chunk_moments

    rng = np.random.default_rng(len(sizes))
    chunks = [rng.gamma(2.0, size=n) for n in sizes]
    a, b = LossAccumulator("ce"), LossAccumulator("perplexity")
    for x in chunks:
        sums = np.array([x.sum(), float(x.size)])
        a.update(x, sums)
        b.add(sums, chunk_moments(x))
    assert a.stats() == b.stats() and (a.sums == b.sums).all()
    every = np.concatenate(chunks)
    got = b.stats()
    assert got["sum"] == pytest.approx(every.sum(), rel=1e-13)
    assert got["std"] == pytest.approx(every.std(), rel=1e-12)
    assert (got["min"], got["max"]) == (every.min(), every.max())
