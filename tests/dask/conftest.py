"""Fixtures shared by the ``--engine dask`` tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes shared by a module's in-process tests."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    ) as c:
        yield c.scheduler_address
