"""Reading the next chunk while this one is computed (``_threads.one_ahead``, used by the NPY
reader's file reads, issue #20): results in order, the next job under way on a worker thread
while the consumer holds the current result, at most one ahead, an error raised at its own
item, nothing started once the consumer stops; and an NPY file read in many chunks gives the
report of one chunk (multi-class logits, dense arrays), the same figures as scikit-learn.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import sklearn.metrics as skm
from helpers import assert_same_json, run_json

from losscli._threads import one_ahead


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_results_in_order(n):
    assert list(one_ahead(range(n), lambda i: (i, i * i))) == [(i, i * i) for i in range(n)]


def test_the_next_job_runs_on_a_thread_while_the_consumer_holds_this_result():
    started = [threading.Event() for _ in range(3)]
    threads = []

    def job(i):
        threads.append(threading.current_thread().name)
        started[i].set()
        return i

    it = one_ahead(range(3), job)
    assert next(it) == 0
    assert started[1].wait(5)  # job 1 started before the consumer asked for it
    time.sleep(0.05)
    assert not started[2].is_set()  # one ahead, no more
    assert list(it) == [1, 2]
    assert all(name.startswith("losscli-read") for name in threads)


def test_at_most_one_job_ahead_and_none_after_the_consumer_stops():
    calls = []
    it = one_ahead(range(10), calls.append)
    next(it)
    next(it)
    it.close()  # the consumer stops: the job under way finishes, no other starts
    assert calls == sorted(calls)
    assert len(calls) <= 3


def test_an_error_is_raised_at_its_item_after_the_earlier_results():
    def job(i):
        if i == 2:
            raise ValueError("bad item 2")
        return i

    got = []
    with pytest.raises(ValueError, match="bad item 2"):
        for r in one_ahead(range(5), job):
            got.append(r)
    assert got == [0, 1]


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_npy_read_in_chunks_gives_the_one_chunk_report(tmp_path, chunk):
    rng = np.random.default_rng(chunk)
    n, c = 300, 5
    y = rng.integers(0, c, n)
    z = np.round(rng.normal(size=(n, c)) + 2.0 * np.eye(c)[y], 2)
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    files = [tmp_path / "z.npy", tmp_path / "y.npy", "--format", "json"]
    got = run_json("compute", *files, "--chunk-size", chunk)
    whole = run_json("compute", *files, "--chunk-size", 10_000)
    for key in ("metrics", "per_class", "confusion_matrix", "n_samples"):
        assert_same_json(got[key], whole[key], rel=1e-12, abs=1e-15)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert got["metrics"]["roc_auc_macro"] == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovr"), abs=1e-12
    )
    assert got["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p.argmax(axis=1)))
