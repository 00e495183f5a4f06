"""Inputs that must not read as data: changed Parquet pages, files reached twice, link loops.

The exact one-line errors for spoilt Parquet files are in the hostile table
(``tests/cli/test_hostile.py``); here: what still reads (files with and without page checksums),
losscli's own Parquet output carrying checksums, and datasets whose globs or folders reach a
file twice or run into a symlink loop.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import invoke

from losscli.io._dataset import find_parts, list_parts


def report(*args) -> dict:
    r = invoke("compute", *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def table(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({"label": rng.integers(0, 2, n).astype(float), "prob": rng.random(n)})


# --- Parquet page checksums -------------------------------------------------------------------


@pytest.mark.parametrize("checksum", [True, False])
@pytest.mark.parametrize("compression", ["none", "snappy", "zstd"])
def test_intact_parquet_reads_with_or_without_checksums(tmp_path, checksum, compression):
    t = table(300)
    f = tmp_path / "p.parquet"
    pq.write_table(t, f, write_page_checksum=checksum, compression=compression, row_group_size=70)
    d = report(f)
    y, p = t["label"].to_numpy(), t["prob"].to_numpy()
    bce = -np.mean(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    assert d["n_samples"] == 300 and d["losses"]["bce"] == pytest.approx(bce, rel=1e-12)


@pytest.mark.parametrize("compression", ["none", "snappy", "zstd"])
@pytest.mark.parametrize("dictionary", [False, True])
def test_changed_byte_in_any_checksummed_page_is_refused(tmp_path, compression, dictionary):
    good = io.BytesIO()
    pq.write_table(table(300), good, write_page_checksum=True, compression=compression,
                   use_dictionary=dictionary, row_group_size=100)  # fmt: skip
    raw = good.getvalue()
    md = pq.ParquetFile(io.BytesIO(raw)).metadata
    for g in range(md.num_row_groups):
        for c, name in enumerate(("label", "prob")):
            col = md.row_group(g).column(c)
            begin = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
            bad = bytearray(raw)
            bad[begin + col.total_compressed_size - 2] ^= 0x04  # inside the last page's data
            f = tmp_path / f"bad-{g}-{c}.parquet"
            f.write_bytes(bytes(bad))
            r = invoke("compute", f)
            assert (r.exit_code, r.stdout) == (2, "")
            assert r.stderr == (
                f"Error: {f}: row group {g + 1} (rows {100 * g + 1}-{100 * g + 100}), column "
                f"'{name}': a data page fails its checksum (the file is corrupt: changed after "
                "it was written); re-create or copy the file again\n"
            )


def test_per_sample_parquet_is_written_with_page_checksums(tmp_path):
    f = tmp_path / "p.parquet"
    pq.write_table(table(50), f)
    out = tmp_path / "rows.parquet"
    assert invoke("compute", f, "--per-sample", out).exit_code == 0
    raw = bytearray(out.read_bytes())
    md = pq.ParquetFile(out).metadata
    col = md.row_group(0).column(md.num_columns - 1)  # the loss column
    begin = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
    raw[begin + col.total_compressed_size - 2] ^= 0x04
    with pytest.raises(OSError, match="CRC checksum verification failed"):
        pq.ParquetFile(pa.BufferReader(bytes(raw)), page_checksum_verification=True).read()


# --- datasets: each file once, no loop --------------------------------------------------------


@pytest.fixture
def tree(tmp_path):
    """root/p0.parquet, root/a/p1.parquet, root/b/p2.parquet (10, 20, 30 rows)."""
    root = tmp_path / "root"
    for i, sub in enumerate(("", "a", "b")):
        (root / sub).mkdir(parents=True, exist_ok=True)
        pq.write_table(table(10 * (i + 1), seed=i), root / sub / f"p{i}.parquet")
    return root


def names(parts, root: Path) -> list[str]:
    return [os.path.relpath(p.name, root) for p in parts]


def test_symlink_loop_under_double_star_is_not_followed(tree):
    (tree / "a" / "loop").symlink_to("..", target_is_directory=True)  # a/loop -> root
    (tree / "b" / "deeper").mkdir()
    (tree / "b" / "deeper" / "up").symlink_to("../..", target_is_directory=True)
    pattern = str(tree / "**" / "*.parquet")
    parts, notes = find_parts(pattern)
    assert names(parts, tree) == ["a/p1.parquet", "b/p2.parquet", "p0.parquet"]
    assert notes == [
        f"{pattern}: {tree}/a/loop is a symlink loop (it leads back to {tree}); not followed",
        f"{pattern}: {tree}/b/deeper/up is a symlink loop (it leads back to {tree}); not followed",
    ]
    d = report(pattern)
    assert d["n_samples"] == 60
    assert d["warnings"][:2] == notes


def test_two_loops_do_not_explode(tree):
    # with glob.glob every loop multiplies the paths (40 levels deep): 2 loops would not end
    for sub in ("a", "b"):
        (tree / sub / "x").symlink_to("..", target_is_directory=True)
        (tree / sub / "y").symlink_to("..", target_is_directory=True)
    parts = list_parts(str(tree / "**" / "*.parquet"))
    assert names(parts, tree) == ["a/p1.parquet", "b/p2.parquet", "p0.parquet"]


def test_link_to_a_file_already_in_the_set_is_read_once(tree):
    (tree / "a" / "alias.parquet").symlink_to(tree / "p0.parquet")
    os.link(tree / "b" / "p2.parquet", tree / "b" / "hard.parquet")
    (tree / "c").symlink_to(tree / "a", target_is_directory=True)  # the same folder twice
    pattern = str(tree / "**" / "*.parquet")
    parts, notes = find_parts(pattern)
    # the file's own name is kept (a hard link has two own names: the first in order)
    assert names(parts, tree) == ["a/p1.parquet", "b/hard.parquet", "p0.parquet"]
    assert notes == [
        f"{pattern}: {tree}/c is the same folder as {tree}/a (a link); walked once",
        f"{pattern}: 2 names lead to a file already in the dataset (a link), read once: "
        f"{tree}/a/alias.parquet is {tree}/p0.parquet; {tree}/b/p2.parquet is "
        f"{tree}/b/hard.parquet",
    ]
    assert report(pattern)["n_samples"] == 60


@pytest.mark.parametrize("how", ["folder", "glob"])
def test_folder_and_plain_glob_read_a_linked_file_once(tree, how):
    (tree / "z.parquet").symlink_to(tree / "p0.parquet")
    (tree / "y.parquet").symlink_to(tree / "a" / "p1.parquet")  # new to this folder: kept
    path = str(tree) if how == "folder" else str(tree / "*.parquet")
    parts, notes = find_parts(path)
    assert names(parts, tree) == ["p0.parquet", "y.parquet"]
    assert notes == [
        f"{path}: 1 name leads to a file already in the dataset (a link), read once: "
        f"{tree}/z.parquet is {tree}/p0.parquet"
    ]
    assert report(path)["n_samples"] == 30


def test_double_star_matches_what_glob_matches_without_links(tree):
    import glob

    (tree / "a" / "deep" / "er").mkdir(parents=True)
    pq.write_table(table(5), tree / "a" / "deep" / "er" / "q.parquet")
    (tree / ".hidden").mkdir()
    pq.write_table(table(5), tree / ".hidden" / "h.parquet")
    for pattern in ("**/*.parquet", "a/**/*.parquet", "**/er/*.parquet", "**", "*/**/q.*"):
        full = str(tree / pattern)
        want = sorted(p for p in glob.glob(full, recursive=True) if os.path.isfile(p))
        assert [p.path for p in list_parts(full)] == [
            p for p in want if not os.path.basename(p).startswith((".", "_"))
        ], pattern
