"""Per-class ranking on worker threads (``metrics/class_columns.py``, issue #20): the
class-major copy in tiles equals numpy's transpose for any group, tile and chunking, and the
exact ranking (one-vs-rest, one-vs-one, micro; multi-class and multi-label; weighted or not)
gives the very same numbers on one thread and on several, whatever the group size, the tile
and the block of the micro ranking. The reference values are scikit-learn's in
``test_cell_ranking.py`` / ``test_metrics_sklearn.py``; here, that threads change nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from losscli import _threads
from losscli.metrics import ClassificationAccumulator
from losscli.metrics import cell_ranking as cr
from losscli.metrics import class_columns as cc
from losscli.metrics.class_columns import class_group, class_major, each_class


@pytest.fixture(autouse=True)
def threads_for_any_work(monkeypatch):
    """Worker threads however small the test data (in use, below
    ``_threads.MIN_PARALLEL_WORK`` cells the ranking stays on the calling thread)."""
    monkeypatch.setattr(_threads, "MIN_PARALLEL_WORK", 0)


@pytest.mark.parametrize(("n", "started"), [(10, False), (60_000, True)])
def test_small_work_starts_no_thread(monkeypatch, n, started):
    # 10 rows x 7 classes: a pool would cost more than the ranking (12 ms of a 10-row
    # compute); 60,000 x 7 cells are above the floor and get the worker threads
    monkeypatch.setattr(_threads, "MIN_PARALLEL_WORK", 1 << 18)
    pools = []
    import concurrent.futures as cf

    real = cf.ThreadPoolExecutor
    monkeypatch.setattr(cf, "ThreadPoolExecutor", lambda *a, **k: pools.append(1) or real(*a, **k))
    monkeypatch.setattr(_threads, "single_threaded_blas", _pinned)
    rng = np.random.default_rng(n)
    blocks = [rng.normal(size=(n, 7))]
    out = list(each_class(blocks, 7, lambda k, col: k, workers=2))
    assert out == list(range(7))
    assert bool(pools) is started


class _pinned:
    """single_threaded_blas as if BLAS could be pinned (it cannot on every machine)."""

    def __enter__(self):
        return True

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("tile", [1, 3, 256])
@pytest.mark.parametrize(
    ("sizes", "c", "k", "g"), [([5], 4, 0, 4), ([7, 1, 9], 6, 2, 3), ([300, 2], 9, 8, 1)]
)
def test_class_major_is_the_transposed_columns(monkeypatch, tile, sizes, c, k, g):
    monkeypatch.setattr(cc, "TILE", tile)
    rng = np.random.default_rng(len(sizes) * 7 + c)
    blocks = [rng.normal(size=(n, c)) for n in sizes]
    out = np.full((g + 2, sum(sizes)), np.nan)
    got = class_major(blocks, k, g, out)
    assert np.array_equal(got, np.concatenate(blocks)[:, k : k + g].T)
    assert got.base is out or got is out  # written into the buffer, not a new array


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("cells", [1, 40, 1 << 22])  # groups of one class, a few, all
def test_each_class_gives_every_column_in_order(monkeypatch, dtype, workers, cells):
    monkeypatch.setattr(cc, "_GROUP_CELLS", cells)
    monkeypatch.setattr(cc, "TILE", 4)
    rng = np.random.default_rng(workers)
    blocks = [rng.normal(size=(n, 7)).astype(dtype) for n in (6, 1, 5)]
    whole = np.concatenate(blocks)

    def job(k, col):
        got = whole[:, k] if col is None else col
        return k, got.dtype, got.copy()

    out = list(each_class(blocks, 7, job, workers=workers))
    assert [k for k, _, _ in out] == list(range(7))
    for k, dt, col in out:
        assert dt == dtype
        assert np.array_equal(col, whole[:, k])


def test_class_group_shares_the_classes_among_the_workers():
    assert class_group(1000, 50_000) == 83  # 32 MB of float64
    assert class_group(10, 10**6, workers=1) == 4
    assert class_group(10, 10**6, workers=2) == 2  # five groups for two threads
    assert class_group(3, 10, workers=4) == 2  # two or more, when grouping at all
    assert class_group(2, 10) == class_group(5, 10**8) == 1


def _results(task, weighted, seed, n=240, c=6):
    rng = np.random.default_rng(seed)
    if task == "multiclass":
        y = rng.integers(0, c, n)
        y[y == c - 1] = 0  # a class without rows
        p = rng.dirichlet(np.ones(c), n).round(2)  # ties
    else:
        y = (rng.random((n, c)) < 0.3).astype(float)
        p = rng.random((n, c)).round(2)
    w = rng.random(n) + 0.5 if weighted else None
    acc = ClassificationAccumulator(task, c)
    for a in range(0, n, 37):
        acc.update(y[a : a + 37], p[a : a + 37], None if w is None else w[a : a + 37])
    r = acc.result()
    return r.metrics, r.per_class


@pytest.mark.parametrize("task", ["multiclass", "multilabel"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("cells", "block"), [(1, 1), (50, 97), (1 << 22, 1 << 22)])
def test_threads_change_no_number(monkeypatch, task, weighted, cells, block):
    monkeypatch.setattr(cc, "TILE", 5)
    monkeypatch.setattr(cc, "_GROUP_CELLS", cells)
    monkeypatch.setattr(cr, "_MIN_BLOCK", block)
    monkeypatch.setattr(cr, "_MAX_BLOCK", block)
    outs = []
    for cores in (1, 2, 4):
        monkeypatch.setattr(cc, "cpu_count", lambda cores=cores: cores)
        monkeypatch.setattr(_threads, "cpu_count", lambda cores=cores: cores)
        outs.append(_results(task, weighted, seed=11))
    one = outs[0]
    assert one[0]["roc_auc_macro"] is not None
    for other in outs[1:]:
        assert other == one  # exactly: the same floats, the same None
