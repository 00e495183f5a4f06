"""A 2-D NPY file is read chunk by chunk with plain file reads (issue #20), as the dense path
reads its batches: every chunk holds the values ``np.load`` gives, whatever the dtype, the
chunk size and the memory order, and the pages read are not kept mapped (the resident
memory holds a chunk, not the file). Reference: ``numpy.load`` itself.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from helpers import run_json

from losscli import io


def _all_rows(path, chunk):
    table = io.open_table(path, chunk_size=chunk)
    cols = list(table.columns)
    return np.concatenate([ch.matrix(cols) for ch in table.chunks(cols)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int16])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_chunks_hold_the_values_np_load_gives(tmp_path, dtype, order, chunk):
    rng = np.random.default_rng(0)
    a = np.asarray((rng.normal(size=(257, 5)) * 100).astype(dtype), order=order)
    np.save(tmp_path / "a.npy", a)
    got = _all_rows(tmp_path / "a.npy", chunk)
    assert got.dtype == np.float64
    assert np.array_equal(got, np.load(tmp_path / "a.npy").astype(np.float64))


def test_one_column_file(tmp_path):
    a = np.linspace(0, 1, 33)
    np.save(tmp_path / "a.npy", a)
    assert np.array_equal(_all_rows(tmp_path / "a.npy", 5)[:, 0], a)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_reading_a_large_file_keeps_no_page_of_it_mapped(tmp_path):
    def rss_file_kb():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("RssFile"))

    a = np.random.default_rng(1).random((8192, 1024))  # 64 MB
    np.save(tmp_path / "big.npy", a)
    table = io.open_table(tmp_path / "big.npy", chunk_size=1024)
    cols = list(table.columns)
    before = rss_file_kb()
    total = 0.0
    for ch in table.chunks(cols):
        total += float(ch.matrix(cols)[:, 0].sum())
    assert total == pytest.approx(float(a[:, 0].sum()))
    assert rss_file_kb() - before < 16 * 1024  # a memory map read through would add 64 MB


def test_a_run_on_the_file_reads_gives_scikit_learns_numbers(tmp_path):
    import sklearn.metrics as skm

    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 500)
    z = rng.normal(size=(500, 4)) + 2.0 * np.eye(4)[y]
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    d = run_json("compute", tmp_path / "z.npy", tmp_path / "y.npy", "--chunk-size", "64",
                 "--format", "json")  # fmt: skip
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert d["losses"]["ce"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert d["metrics"]["roc_auc_macro"] == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovr")
    )
