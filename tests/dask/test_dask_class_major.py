"""``--engine dask`` on dense ``(N, C, H, W)`` NPY parts: the class-major path on the workers
gives the local engine's report, every number to rel 1e-9.

Reference: the local engine on the same folders (``evaluate``), itself checked against the
row path (channels-last) in tests/pipeline/test_class_major.py and against torch's
``F.cross_entropy`` formula there. The parts hold near-ties (two logits one float apart),
where a path that predicted from rounded probabilities would part from the class-major
argmax, so the confusion matrix is compared with scikit-learn on ``argmax`` of the logits.
An in-process cluster (threads) checks that the workers add the chunks class-major.
"""

from __future__ import annotations

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from helpers import assert_same_json, spy  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from losscli import distributed as ld  # noqa: E402
from losscli.engine import Options, evaluate  # noqa: E402
from losscli.pipeline import class_major  # noqa: E402

pytestmark = pytest.mark.slow

C = 4
SIZES = (3, 1, 4, 2)  # images per part


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    d = tmp_path_factory.mktemp("dense_parts")
    (d / "scores").mkdir()
    (d / "labels").mkdir()
    rng = np.random.default_rng(17)
    xs, ys = [], []
    for i, n in enumerate(SIZES):
        x = rng.normal(size=(n, C, 5, 6)) * 2.0
        x[:, :, :2] *= 1e-3  # near 0 ...
        x[:, 1, :2] = np.nextafter(x[:, 0, :2], np.inf)  # ... classes 0 and 1 a float apart
        x[:, 3, :2] = -3.1
        y = rng.integers(0, C, (n, 5, 6))
        y[rng.random(y.shape) < 0.1] = 255
        np.save(d / "scores" / f"part-{i:05d}.npy", x)
        np.save(d / "labels" / f"part-{i:05d}.npy", y.astype(np.uint8))
        xs.append(x)
        ys.append(y)
    return d, np.concatenate(xs), np.concatenate(ys)


OPTS = {
    "plain": {"params": {"ignore_index": 255}},
    "class weights": {"params": {"ignore_index": 255, "class_weights": (1.0, 2.0, 0.5, 3.0)}},
    "label smoothing": {"params": {"ignore_index": 255, "label_smoothing": 0.1}},
    "no background": {"params": {"ignore_index": 255}, "no_background": True},
    "one image a chunk": {"params": {"ignore_index": 255}, "chunk_size": 30},
}


@pytest.mark.parametrize("case", list(OPTS), ids=list(OPTS))
def test_dask_equals_local_on_dense_class_major_parts(parts, cluster, case):
    d, x, y = parts
    opts = OPTS[case]
    local = evaluate(str(d / "scores"), str(d / "labels"), **opts).to_dict()
    got = ld.evaluate_dask(
        str(d / "scores"), str(d / "labels"), Options(**opts), scheduler=cluster
    ).to_dict()
    assert_same_json(local, got, rel=1e-9, abs=1e-12)
    keep = y != 255
    pred = np.argmax(x, axis=1)
    want = confusion_matrix(y[keep], pred[keep], labels=list(range(C))).tolist()
    assert got["confusion_matrix"] == want
    assert got["n_evaluated"] == int(keep.sum()) and got["n_ignored"] == int((~keep).sum())


def test_the_workers_add_the_chunks_class_major(parts, monkeypatch):
    """Workers in this process (threads), so a spy on the class-major adder sees their calls."""
    d, _, _ = parts
    calls = spy(monkeypatch, class_major, "add_class_major_chunk")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as c:
        ld.evaluate_dask(
            str(d / "scores"), str(d / "labels"), Options(params={"ignore_index": 255}),
            scheduler=c.scheduler_address,
        )  # fmt: skip
    assert calls and all(calls)
