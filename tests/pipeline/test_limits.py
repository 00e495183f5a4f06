"""Upper bounds (losscli/limits.py): every limit is refused up front with exit 2 and one line
naming the limit and the variable that raises it; the README table is the code's table."""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import assert_refused, invoke

from losscli import limits

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ok_csv(tmp_path):
    p = tmp_path / "ok.csv"
    p.write_text("label,prob\n1,0.9\n0,0.1\n1,0.4\n0,0.3\n")
    return p


OPTION_CASES = [
    (["compute", "{ok}", "--bootstrap", "1000000000"], "--bootstrap 1,000,000,000", "BOOTSTRAP"),
    (["compute", "{ok}", "--ece-bins", "1000000000"], "--ece-bins 1,000,000,000", "BINS"),
    (["compute", "{ok}", "--auc-bins", "1000001"], "--auc-bins 1,000,001", "BINS"),
    (["compare", "{ok}", "{ok}", "--bootstrap", "100001"], "--bootstrap 100,001", "BOOTSTRAP"),
    (["compare", "{ok}", "{ok}", "--permutations", "10**9"], "--permutations", "PERMUTATIONS"),
    (["thresholds", "{ok}", "--steps", "1000001"], "--steps 1,000,001", "STEPS"),
    (["compute", "{ok}", "--engine", "dask", "--workers", "65"], "--workers 65", "WORKERS"),
]


@pytest.mark.parametrize("args,subject,key", OPTION_CASES, ids=[c[1] for c in OPTION_CASES])
def test_option_above_its_limit_is_refused_before_any_work(ok_csv, args, subject, key):
    args = [str(ok_csv) if a == "{ok}" else a for a in args]
    if args[-1] == "10**9":
        args[-1], subject = str(10**9), subject + " 1,000,000,000"
    lim = getattr(limits, key)
    t = time.perf_counter()
    r = invoke(args)
    # the work refused is hours (10**9 resamples, 65 worker processes); the refusal itself
    # imports what the command needs first (dask: 3.9 s at load 25 on 2 cores)
    assert time.perf_counter() - t < 60
    assert_refused(
        r,
        f"{subject} is above the limit of {lim.default:,} {lim.unit}; set {lim.env}=N to raise it",
    )


def test_a_raised_limit_lets_the_run_through(ok_csv):
    r = invoke(["compute", ok_csv, "--ece-bins", "20"], env={"LOSSCLI_MAX_BINS": "10"})
    assert_refused(
        r, "--ece-bins 20 is above the limit of 10 bins; set LOSSCLI_MAX_BINS=N to raise it"
    )
    r = invoke(["compute", ok_csv, "--ece-bins", "20"], env={"LOSSCLI_MAX_BINS": "20"})
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("value", ["0", "-3", "many", "1.5"])
def test_a_bad_limit_variable_is_a_usage_error(ok_csv, value):
    r = invoke(["compute", ok_csv], env={"LOSSCLI_MAX_BINS": value})
    assert_refused(r, f"LOSSCLI_MAX_BINS must be a positive whole number, got {value!r}")


def _wide_files(d: Path, n: int) -> dict[str, Path]:
    out = {}
    p = d / "wide.csv"
    p.write_text("label," + ",".join(f"c{i}" for i in range(n - 1)) + "\n")
    out["csv"] = p
    np.save(d / "wide.npy", np.zeros((2, n)))
    out["npy"] = d / "wide.npy"
    np.savez(d / "wide.npz", a=np.zeros((2, n // 2)), b=np.zeros((2, n - n // 2)))
    out["npz"] = d / "wide.npz"
    vec = pa.array([[0.0] * (n - 1)] * 2, pa.list_(pa.float64()))
    pq.write_table(pa.table({"label": [0, 1], "v": vec}), d / "wide.parquet")
    out["parquet"] = d / "wide.parquet"
    return out


@pytest.mark.parametrize("kind", ["csv", "npy", "npz", "parquet"])
def test_too_many_columns_is_refused_from_the_header(tmp_path, kind):
    path = _wide_files(tmp_path, 12)[kind]
    r = invoke(["compute", path, tmp_path / "wide.npy"], env={"LOSSCLI_MAX_COLUMNS": "11"})
    assert_refused(
        r,
        f"{path}: the predictions file has 12 columns, above the limit of 11; set "
        "LOSSCLI_MAX_COLUMNS=N to raise it",
    )


@pytest.mark.parametrize("kind", ["csv", "npy", "npz", "parquet"])
def test_too_many_prediction_columns_is_refused_before_reading_rows(tmp_path, kind):
    path = _wide_files(tmp_path, 12)[kind]
    r = invoke(
        ["compute", path, tmp_path / "wide.npy"],
        env={"LOSSCLI_MAX_PRED_COLUMNS": "5", "LOSSCLI_MAX_COLUMNS": "100"},
    )
    n = 12 if kind in ("npy", "npz") else 11  # CSV/Parquet: the label column is not a score
    assert_refused(
        r,
        f"{path}: the predictions have {n} prediction columns, above the limit of 5; set "
        "LOSSCLI_MAX_PRED_COLUMNS=N to raise it",
    )


def test_prediction_columns_limit_counts_the_chosen_columns(tmp_path):
    path = _wide_files(tmp_path, 12)["csv"]
    p = tmp_path / "few.csv"
    p.write_text(path.read_text() + "1," + ",".join(["0.1"] * 11) + "\n")
    r = invoke(
        ["compute", p, "--pred-cols", "c0", "--format", "json"],
        env={"LOSSCLI_MAX_PRED_COLUMNS": "5"},
    )
    assert r.exit_code == 0, r.stderr


def test_100k_columns_refused_fast(tmp_path):
    path = _wide_files(tmp_path, 100_000)["csv"]
    t = time.perf_counter()
    r = invoke(["compute", path])
    assert time.perf_counter() - t < 10
    assert_refused(
        r,
        f"{path}: the predictions file has 100,000 columns, above the limit of 10,000; set "
        "LOSSCLI_MAX_COLUMNS=N to raise it",
    )


@pytest.mark.parametrize("size", [(1 << 20) + 1, 5 << 20])
def test_threshold_file_size_is_capped(ok_csv, tmp_path, size):
    p = tmp_path / "t.json"
    p.write_text("[" + " " * (size - 2) + "]")
    assert_refused(
        invoke(["compute", ok_csv, "--threshold", f"@{p}"]),
        f"{p}: the JSON file is larger than the limit of 1,048,576 bytes; set "
        "LOSSCLI_MAX_JSON_BYTES=N to raise it",
    )


def test_threshold_from_dev_zero_stops(ok_csv):
    assert_refused(
        invoke(["compute", ok_csv, "--threshold", "@/dev/zero"]),
        "/dev/zero: the JSON file is larger than the limit of 1,048,576 bytes; set "
        "LOSSCLI_MAX_JSON_BYTES=N to raise it",
    )


def test_threshold_file_within_the_limit_reads(ok_csv, tmp_path):
    p = tmp_path / "t.json"
    p.write_text('{"threshold": 0.35}' + " " * 1000)
    assert invoke(["compute", ok_csv, "--threshold", f"@{p}"]).exit_code == 0


def _npz_bomb(path: Path, n: int) -> None:
    """An NPZ whose member inflates to n * 8 bytes of zeros (deflate: ~1000x smaller)."""
    np.savez_compressed(path, prob=np.zeros(n), label=np.zeros(n))


def test_npz_member_above_the_array_limit_is_not_inflated(tmp_path):
    p = tmp_path / "bomb.npz"
    _npz_bomb(p, 1_000_000)
    assert p.stat().st_size < 100_000
    r = invoke(["compute", p], env={"LOSSCLI_MAX_ARRAY_BYTES": "1000000"})
    assert_refused(
        r,
        f"{p}: the array 'prob' inflates to 8,000,128 bytes, above the limit of 1,000,000; set "
        "LOSSCLI_MAX_ARRAY_BYTES=N to raise it",
    )


def _lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite a member's uncompressed size in the zip central directory."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    pos = buf.find(b"PK\x01\x02" + bytes(0))
    while pos >= 0:
        name_len = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46 : pos + 46 + name_len]).decode() == member:
            struct.pack_into("<I", buf, pos + 24, size)
            break
        pos = buf.find(b"PK\x01\x02", pos + 1)
    assert info.file_size != size
    return bytes(buf)


def test_npz_directory_that_understates_a_member_stops_inflating_there(tmp_path):
    p = tmp_path / "liar.npz"
    _npz_bomb(p, 1_000_000)
    p.write_bytes(_lie_about_size(p.read_bytes(), "prob.npy", 4096))
    r = invoke(["compute", p])
    assert_refused(
        r, f"{p}: is not a valid NPZ file (corrupt or truncated): Bad CRC-32 for file 'prob.npy'"
    )


def test_npz_array_header_that_overstates_its_data_allocates_nothing(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    p = tmp_path / "huge.npz"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("prob.npy", header.getvalue() + bytes(80))
        zf.writestr("label.npy", header.getvalue() + bytes(80))
    assert_refused(
        invoke(["compute", p]),
        f"{p}: is not a valid NPZ file (corrupt or truncated): the array 'prob' declares "
        f"8,000,000,000,000 bytes of data, its archive member holds {len(header.getvalue()) + 80}",
    )


def test_readme_limits_table_is_the_code_table():
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:] == limits.readme_rows()  # rows[0] is the header
    for lim in limits.ALL:
        assert re.search(rf"\b{lim.env}\b", section)


def test_contracts_limits_table_lists_every_limit():
    text = (ROOT / "docs" / "CONTRACTS.md").read_text()
    section = text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    for lim in limits.ALL:
        assert f"| {lim.what} | {lim.default:,} (`{lim.env}`) |" in section
