"""Inputs that can be read only once: a named pipe (FIFO), ``/dev/fd/N`` (process
substitution), stdin, a character device. Each is opened once, sniffed from a buffer and read
on from the same stream; NPZ/Parquet are spooled to a temporary file that is removed after.

Every run is a subprocess with a timeout, so a hang fails the test instead of hanging CI. The
reference for each piped run is the same command on the regular file."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow  # see pyproject's markers; `-m "not slow"` skips it

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60

LABELS = np.array([0, 1, 1, 0, 1, 0, 0, 1])
PROBS = np.array([0.1, 0.8, 0.35, 0.4, 0.9, 0.2, 0.6, 0.7])


def run(args, *, stdin=None, input=None, pass_fds=(), env=None, cwd=None):
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "losscli", *map(str, args)],
        stdin=stdin,
        input=input,
        capture_output=True,
        timeout=TIMEOUT,
        pass_fds=pass_fds,
        env=full_env,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("pipes")
    csv = "label,prob\n" + "".join(f"{y},{p}\n" for y, p in zip(LABELS, PROBS))
    (d / "p.csv").write_text(csv)
    (d / "p.csv.gz").write_bytes(gzip.compress(csv.encode()))
    (d / "p.tsv").write_text(csv.replace(",", "\t"))
    np.save(d / "p.npy", PROBS)
    np.save(d / "pf.npy", np.asfortranarray(np.stack([1 - PROBS, PROBS], axis=1)))
    np.save(d / "y.npy", LABELS)
    np.savez_compressed(d / "p.npz", label=LABELS, prob=PROBS)
    pq.write_table(pa.table({"label": LABELS, "prob": PROBS}), d / "p.parquet")
    return d


# (file, extra args): every format, each with its labels
KINDS = [
    ("p.csv", []),
    ("p.csv.gz", []),
    ("p.tsv", []),
    ("p.npy", ["{y.npy}"]),
    ("pf.npy", ["{y.npy}"]),
    ("p.npz", []),
    ("p.parquet", []),
]


def _args(d, extra):
    return [str(d / a[1:-1]) if a.startswith("{") else a for a in extra]


def _metrics(r):
    assert r.returncode == 0, r.stderr.decode()
    out = json.loads(r.stdout)
    return out["metrics"], out["losses"]


def _reference(d, name, extra):
    return _metrics(run(["compute", d / name, *_args(d, extra), "--format", "json"]))


def _writer(path: Path, data: bytes) -> threading.Thread:
    def write():
        with open(path, "wb") as f:  # blocks until the reader opens the FIFO
            try:
                f.write(data)
            except BrokenPipeError:
                pass

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("name,extra", KINDS, ids=[k[0] for k in KINDS])
def test_fifo_is_read_once_without_hanging(inputs, tmp_path, name, extra):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = _writer(fifo, (inputs / name).read_bytes())
    r = run(["compute", fifo, *_args(inputs, extra), "--format", "json"])
    writer.join(TIMEOUT)
    assert _metrics(r) == _reference(inputs, name, extra)


@pytest.mark.parametrize("name,extra", KINDS, ids=[k[0] for k in KINDS])
def test_dev_fd_pipe_as_process_substitution_gives(inputs, name, extra):
    rfd, wfd = os.pipe()
    data = (inputs / name).read_bytes()

    def write():
        with os.fdopen(wfd, "wb") as f:
            try:
                f.write(data)
            except BrokenPipeError:
                pass

    t = threading.Thread(target=write, daemon=True)
    try:
        t.start()
        r = run(
            ["compute", f"/dev/fd/{rfd}", *_args(inputs, extra), "--format", "json"],
            pass_fds=(rfd,),
        )
    finally:
        os.close(rfd)
    t.join(TIMEOUT)
    assert _metrics(r) == _reference(inputs, name, extra)


@pytest.mark.parametrize("name,extra", KINDS, ids=[k[0] for k in KINDS])
def test_stdin_pipe_every_format(inputs, tmp_path, name, extra):
    r = run(
        ["compute", "-", *_args(inputs, extra), "--format", "json"],
        input=(inputs / name).read_bytes(),
        env={"TMPDIR": str(tmp_path)},
    )
    assert _metrics(r) == _reference(inputs, name, extra)
    assert list(tmp_path.iterdir()) == []  # the spooled copy is gone


def test_labels_through_a_pipe(inputs):
    rfd, wfd = os.pipe()
    data = (inputs / "y.npy").read_bytes()
    t = threading.Thread(target=lambda: os.write(wfd, data) and os.close(wfd), daemon=True)
    try:
        t.start()
        r = run(
            ["compute", inputs / "p.npy", f"/dev/fd/{rfd}", "--format", "json"], pass_fds=(rfd,)
        )
    finally:
        os.close(rfd)
    assert _metrics(r) == _reference(inputs, "p.npy", ["{y.npy}"])


# bad streams: refused fast (well under the timeout), one line, exit 2
BAD = [
    (
        ["compute", "-"],
        b"\0" * (1 << 20),
        "<stdin>: holds NUL bytes (byte 1 is 0x00): this is binary data, not CSV/TSV text; "
        "check the path, or pass --input-format npy, npz, parquet or arrow",
    ),
    (
        ["compute", "-", "--input-format", "parquet"],
        b"\0" * (1 << 20),
        "<stdin>: is not a Parquet file (it does not start with the Parquet magic bytes PAR1); "
        "pass --input-format to read it as another format",
    ),
    (
        ["compute", "-", "--input-format", "npz"],
        b"label,prob\n1,0.5\n",
        "<stdin>: is not an NPZ file (it does not start with the zip magic bytes PK); "
        "pass --input-format to read it as another format",
    ),
    (
        ["compute", "-", "--input-format", "npy"],
        b"label,prob\n1,0.5\n",
        "<stdin>: is not an NPY file (it does not start with the NPY magic bytes); "
        "pass --input-format to read it as another format",
    ),
    (
        ["compute", "-"],
        "label,prob\n1,0.5\n".encode("utf-16"),
        "<stdin>: is UTF-16 (or UTF-32) text; re-save the file as UTF-8 CSV/TSV",
    ),
]


@pytest.mark.parametrize("args,data,message", BAD, ids=[b[2][9:40] for b in BAD])
def test_bad_streams_are_refused(args, data, message):
    r = run(args, input=data)
    assert (r.returncode, r.stdout, r.stderr.decode()) == (2, b"", f"Error: {message}\n")


def test_truncated_npy_stream(inputs):
    data = (inputs / "p.npy").read_bytes()[:-10]
    r = run(["compute", "-", inputs / "y.npy"], input=data)
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode() == (
        "Error: <stdin>: is not a valid NPY file (corrupt or truncated): the header declares "
        "64 bytes of data, the stream ended after 54\n"
    )


@pytest.mark.parametrize("name,extra", [("p.npy", ["{y.npy}"]), ("p.npz", []), ("p.parquet", [])])
def test_pipe_size_limit(inputs, tmp_path, name, extra):
    r = run(
        ["compute", "-", *_args(inputs, extra)],
        input=(inputs / name).read_bytes(),
        env={"LOSSCLI_MAX_PIPE_BYTES": "32", "TMPDIR": str(tmp_path)},
    )
    assert r.returncode == 2 and r.stdout == b""
    err = r.stderr.decode()
    assert err.startswith("Error: <stdin>: the ") and err.count("\n") == 1
    assert "above the limit of 32" in err or "larger than the limit of 32 bytes" in err
    assert err.endswith("set LOSSCLI_MAX_PIPE_BYTES=N to raise it\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("fmt", [None, "csv", "tsv", "npy", "npz", "parquet"])
def test_dev_zero_is_refused_fast(fmt):
    args = ["compute", "/dev/zero"] + (["--input-format", fmt] if fmt else [])
    r = run(args, env={"LOSSCLI_MAX_PIPE_BYTES": str(1 << 30)})
    assert r.returncode == 2 and r.stdout == b"", r.stderr
    assert r.stderr.decode().startswith("Error: /dev/zero: ")
    with open("/dev/zero", "rb") as zero:
        r2 = run(["compute", "-"] + args[2:], stdin=zero)
    assert r2.returncode == 2 and r2.stderr.decode().startswith("Error: <stdin>: ")


def test_stdin_that_is_a_terminal_is_refused_not_waited_on():
    import pty

    leader, follower = pty.openpty()
    try:
        r = run(["compute", "-"], stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr.decode() == (
        "Error: <stdin>: stdin is a terminal, not data; pipe the predictions in "
        "(losscli compute - < preds.csv) or pass a file path\n"
    )
