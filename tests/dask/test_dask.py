"""``--engine dask``: the same JSON as the local engine, on a LocalCluster and on a cluster of
separate processes.

Reference: the local engine (``losscli compute DIR``), itself checked against one file of the
same rows in tests/io/test_dataset.py. A partitioned Parquet dataset (6 parts of uneven sizes,
one empty) is evaluated three ways: locally; with ``--engine dask`` (a LocalCluster of 2
worker processes started by the command); and with ``--engine dask --scheduler ADDRESS``
against a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1. Every number of
the JSON (losses, loss stats, metrics, per-class AUC, confusion matrix) must agree to
rel 1e-9; everything else must be equal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from helpers import assert_same_json  # noqa: E402

from losscli import distributed as ld  # noqa: E402
from losscli.engine import Options, evaluate  # noqa: E402
from losscli.errors import InputError, UsageError  # noqa: E402

pytestmark = pytest.mark.slow  # see pyproject's markers; `-m "not slow"` skips it

SIZES = (700, 1, 0, 1200, 433, 900)
CLASSES = ["cat", "dog", "bird", "fish"]


def _parts(folder: Path, table: pa.Table, sizes=SIZES) -> Path:
    folder.mkdir()
    start = 0
    for i, n in enumerate(sizes):
        pq.write_table(table.slice(start, n), folder / f"part-{i:05d}.parquet")
        start += n
    (folder / "_SUCCESS").write_text("")
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("dask")
    rng = np.random.default_rng(11)
    n = sum(SIZES)
    y = rng.integers(0, 2, n)
    prob = np.clip(np.round(0.3 * y + 0.7 * rng.random(n), 2), 0.0, 1.0)  # ties for the AUC
    binary = pa.table(
        {
            "id": np.arange(n) + 10_000,
            "label": y,
            "prob": prob,
            "w": rng.uniform(0.5, 2.0, n),
        }
    )
    k = rng.integers(0, 4, n)
    logits = rng.standard_normal((n, 4)) + 1.5 * np.eye(4)[k]
    multi = pa.table(
        {
            "label": pa.array([CLASSES[i] for i in k]),
            **{c: logits[:, j] for j, c in enumerate(CLASSES)},
        }
    )
    labels = pa.table({"id": np.arange(n)[::-1] + 10_000, "label": y[::-1]})
    pq.write_table(labels, d / "labels.parquet")
    return {
        "dir": d,
        "binary": _parts(d / "binary", binary),
        "multi": _parts(d / "multi", multi),
        "probs": _parts(d / "probs", binary.drop(["label"])),
        "labels": d / "labels.parquet",
    }


#: Seconds a dask process may take to start, a CLI run to end: each starts an interpreter that
#: imports dask, distributed, numpy, pandas and pyarrow (about 30 s of wall time for the
#: scheduler and its two workers at load 25 on 2 cores); bounded, so a hang still fails.
START_TIMEOUT = 180
RUN_TIMEOUT = 600


def _written_address(info: Path) -> str | None:
    """The address in the scheduler file, or None until it is written whole (the scheduler
    writes it in place: it can be read empty or cut)."""
    try:
        return json.loads(info.read_text())["address"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1 (random ports)."""
    d = tmp_path_factory.mktemp("cluster")
    info = d / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
                + ["--scheduler-file", str(info)],
                **quiet,
            )
        )
        deadline = time.monotonic() + START_TIMEOUT
        while (address := _written_address(info)) is None:
            assert procs[0].poll() is None, "dask scheduler exited"
            assert time.monotonic() < deadline, f"dask scheduler did not start in {START_TIMEOUT} s"
            time.sleep(0.1)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1"]
                    + ["--no-dashboard", "--local-directory", str(d)],
                    cwd=d,  # not the tests' folder: paths reach the workers absolute
                    **quiet,
                )
            )
        with distributed.Client(address, timeout=f"{START_TIMEOUT}s") as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def run_cli(*args):
    r = subprocess.run(
        [sys.executable, "-m", "losscli", "compute", *map(str, args), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


@pytest.mark.parametrize(
    "which, args",
    [
        ("binary", ["--loss", "all", "--weight-col", "w", "--id-col", "id"]),
        ("multi", ["--loss", "all", "--top-k", "2", "--scores", "logits"]),
        ("binary", ["--weight-col", "w", "--beta", "2", "--max-fpr", "0.2", "--labels", "1"]),
        ("multi", ["--top-k", "1,3", "--beta", "0.5", "--labels", f"{CLASSES[2]},{CLASSES[0]}"]),
    ],
)
def test_local_localcluster_and_scheduler_agree(data, scheduler, which, args):
    local, local_err = run_cli(data[which], *args, "--chunk-size", "256")
    on_local_cluster, err = run_cli(data[which], *args, "--engine", "dask", "--workers", "2")
    on_scheduler, _ = run_cli(data[which], *args, "--engine", "dask", "--scheduler", scheduler)
    assert local["n_samples"] == sum(SIZES)
    metrics = local["metrics"]
    assert ("roc_auc" in metrics) or ("roc_auc_macro" in metrics)
    assert all("roc_auc" in c or "auc" in c for c in local["per_class"]) or which == "binary"
    assert_same_json(local, on_local_cluster, rel=1e-9, abs=1e-12)
    assert_same_json(local, on_scheduler, rel=1e-9, abs=1e-12)
    assert err == local_err  # the same warnings, and no log noise from the cluster


def test_python_api_equals_evaluate(data, cluster):
    opts = dict(losses=["bce", "focal"], weight_col="w", threshold=0.3)
    expected = evaluate(str(data["binary"]), **opts).to_dict()
    got = ld.evaluate_dask(str(data["binary"]), opts=Options(**opts), scheduler=cluster)
    assert_same_json(expected, got.to_dict(), rel=1e-9, abs=1e-12)


def test_labels_joined_by_id(data, cluster):
    opts = dict(id_col="id", losses=["bce"], weight_col="w")  # w: no second score column
    expected = evaluate(str(data["probs"]), str(data["labels"]), **opts).to_dict()
    got = ld.evaluate_dask(
        str(data["probs"]), str(data["labels"]), Options(**opts), scheduler=cluster
    )
    assert_same_json(expected, got.to_dict(), rel=1e-9, abs=1e-12)


def test_label_ids_without_prediction_fail_as_locally(data, cluster, tmp_path):
    few = _parts(tmp_path / "few", pq.read_table(data["probs"]).slice(0, 50), sizes=(20, 30))
    opts = Options(id_col="id")
    with pytest.raises(InputError) as local:
        evaluate(str(few), str(data["labels"]), id_col="id")
    with pytest.raises(InputError) as dask:
        ld.evaluate_dask(str(few), str(data["labels"]), opts, scheduler=cluster)
    assert str(dask.value) == str(local.value)
    assert "have no prediction" in str(local.value)


def _id_parts(folder: Path, ids: list, sizes: tuple[int, ...]) -> Path:
    n = len(ids)
    prob = np.linspace(0.05, 0.95, n)
    return _parts(folder, pa.table({"id": pa.array(ids), "prob": prob}), sizes=sizes)


@pytest.mark.parametrize(
    "case, pred_ids, label_ids, sizes",
    [
        # the same id in two partitions (local: both rows named)
        ("repeated across parts", [1, 2, 3, 4, 2, 5], [1, 2, 3, 4, 5], (3, 3)),
        ("repeated in a part", [1, 2, 2, 3, 4, 5], [1, 2, 3, 4, 5], (4, 2)),
        # ids without a label in two partitions: counted over all of them
        ("missing in two parts", [1, 9, 3, 4, 8, 7], [1, 3, 4], (2, 1, 3)),
        ("label without prediction", [1, 2, 3], [1, 2, 3, 4], (2, 1)),
    ],
)
def test_id_join_errors_are_the_local_ones(cluster, tmp_path, case, pred_ids, label_ids, sizes):
    preds = _id_parts(tmp_path / "p", pred_ids, sizes)
    labels = tmp_path / "y.parquet"
    pq.write_table(pa.table({"id": label_ids, "label": [i % 2 for i in label_ids]}), labels)
    with pytest.raises(InputError) as local:
        evaluate(str(preds), str(labels))
    with pytest.raises(InputError) as dask:
        ld.evaluate_dask(str(preds), str(labels), Options(), scheduler=cluster)
    assert str(dask.value) == str(local.value)
    if case.startswith("repeated"):
        assert "id 2 appears more than once in column 'id' (part-00000.parquet, row 2 and " in str(
            local.value
        )
    if case == "missing in two parts":
        assert str(local.value).startswith(
            f"{preds}: 3 ids are not in {labels} (column 'id'): 9 (part-00000.parquet, row 2), "
            "8 (part-00002.parquet, row 2), 7 (part-00002.parquet, row 3);"
        )


def test_dask_joins_big_and_text_ids_exactly(cluster, tmp_path):
    big = [2**53 + i for i in range(6)]
    for name, ids in (("big", big), ("text", ["007", "7", "07", "a", "b", "0"])):
        preds = _id_parts(tmp_path / name, ids, (2, 4))
        labels = tmp_path / f"{name}.csv"
        labels.write_text("id,label\n" + "".join(f"{i},{k % 2}\n" for k, i in enumerate(ids)))
        expected = evaluate(str(preds), str(labels)).to_dict()
        got = ld.evaluate_dask(str(preds), str(labels), Options(), scheduler=cluster)
        assert_same_json(expected, got.to_dict(), rel=1e-9, abs=1e-12)
        assert expected["n_samples"] == 6


@pytest.mark.parametrize("which", ["binary", "multi"])
def test_per_sample_parts_equal_the_local_rows(data, cluster, tmp_path, which):
    local = tmp_path / "local.parquet"
    opts = {"weight_col": "w"} if which == "binary" else {}  # w: no second score column
    evaluate(str(data[which]), per_sample=str(local), **opts)
    out = tmp_path / "per_sample"
    out.mkdir()
    (out / "part-00009.parquet").write_bytes(b"an old output is replaced")
    ld.evaluate_dask(str(data[which]), opts=Options(**opts), scheduler=cluster, per_sample_dir=out)
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"part-{i:05d}.parquet" for i in (0, 1, 3, 4, 5)]  # part 2 has no row
    parts = pa.concat_tables([pq.read_table(out / n) for n in names])
    whole = pq.read_table(local)
    assert parts.column_names == whole.column_names
    key = "id" if which == "binary" else "row"
    first = 10_000 if which == "binary" else 1
    assert parts.column(key).to_pylist() == list(range(first, first + sum(SIZES)))
    for name in whole.column_names:
        got, want = parts.column(name).to_pylist(), whole.column(name).to_pylist()
        if isinstance(want[0], str):
            assert got == want, name
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left


def test_bad_row_fails_as_locally_and_leaves_no_output(data, cluster, tmp_path):
    table = pq.read_table(data["binary"] / "part-00004.parquet")
    probs = table.column("prob").to_numpy().copy()
    probs[17] = np.nan
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in data["binary"].glob("part-*.parquet"):
        (bad / p.name).write_bytes(p.read_bytes())
    pq.write_table(table.set_column(2, "prob", pa.array(probs)), bad / "part-00004.parquet")
    with pytest.raises(InputError) as local:
        evaluate(str(bad))
    with pytest.raises(InputError) as dask:
        ld.evaluate_dask(str(bad), scheduler=cluster, per_sample_dir=tmp_path / "out")
    assert str(dask.value) == str(local.value)
    assert str(local.value).startswith(f"{bad}: part-00004.parquet, row 18: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"labels": "LABELS"},
            "--engine dask joins a LABELS file by id (give both files an id column, --id-col "
            "NAME) or pairs a labels folder with a predictions folder by part name; one labels "
            "file matched by position needs the local engine",
        ),
        (
            {"per_sample_dir": "-"},
            "--per-sample with --engine dask names a folder (one Parquet file per partition); "
            "'-' (stdout) needs the local engine",
        ),
        (
            {"per_sample_dir": "rows.csv"},
            "--per-sample rows.csv: with --engine dask it names a folder that gets one Parquet "
            "file per partition; choose a folder name such as 'per_sample/'",
        ),
        (
            {"workers": 3, "scheduler": "tcp://127.0.0.1:1"},
            "--workers sizes the local cluster; with --scheduler the cluster's own workers run "
            "the partitions (drop --workers)",
        ),
        ({"predictions": "-"}, "--engine dask reads files, not stdin; pass a file, folder or glob"),
        (
            {"opts": Options(group_by="label")},
            "--group-by is not available with --engine dask yet (a partition's state does not "
            "carry its slices); use --engine local",
        ),
    ],
)
def test_usage_errors(data, cluster, kwargs, message):
    kwargs = dict(kwargs)
    predictions = kwargs.pop("predictions", str(data["probs"]))
    labels = kwargs.pop("labels", None)
    if labels == "LABELS":
        labels = str(data["dir"] / "y.csv")
        Path(labels).write_text("label\n" + "1\n" * sum(SIZES))
    kwargs.setdefault("scheduler", cluster)
    with pytest.raises(UsageError) as e:
        ld.evaluate_dask(predictions, labels, **kwargs)
    assert str(e.value) == message


def test_per_sample_folder_with_other_files(data, cluster, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InputError) as e:
        ld.evaluate_dask(str(data["binary"]), scheduler=cluster, per_sample_dir=out)
    assert str(e.value) == (
        f"cannot write '{out}': the folder holds other files ('notes.txt'); choose a new or "
        "empty folder (a previous per-sample output is replaced)"
    )
    assert (out / "notes.txt").read_text() == "keep me"


def test_unreachable_scheduler(data, monkeypatch):
    monkeypatch.setattr(ld, "CONNECT_TIMEOUT", 1)
    with pytest.raises(UsageError) as e:
        ld.evaluate_dask(
            str(data["binary"]), opts=Options(weight_col="w"), scheduler="tcp://127.0.0.1:9"
        )
    assert str(e.value).startswith("--scheduler tcp://127.0.0.1:9: cannot connect (")
    assert str(e.value).endswith(
        "); start one with 'dask scheduler', or drop --scheduler to run a local cluster"
    )


def test_cli_error_is_one_line(data, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "losscli", "compute", str(data["binary"]), "--engine", "dask"]
        + ["--per-sample", "-"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=RUN_TIMEOUT,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (
        "Error: --per-sample with --engine dask names a folder (one Parquet file per "
        "partition); '-' (stdout) needs the local engine\n"
    )
