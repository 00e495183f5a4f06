"""``open_table``: pick the reader for a path (or stdin) and open it."""

from __future__ import annotations

import gzip
import os
from typing import Any

from losscli.errors import InputError, UsageError
from losscli.io._base import (
    FORMATS,
    STDIN_NAME,
    PrefixedStream,
    Table,
    check_input_path,
    format_from_name,
    open_binary,
    read_exactly,
    sniff_format,
    stdin_binary,
)

DEFAULT_CHUNK_ROWS = 131_072
"""Rows per chunk: reading speed is flat from ~64k rows, and a 131,072 x 12 float64 chunk is
~12 MB, so the per-chunk temporaries (log-softmax, one-hot, ...) stay a few MB each."""

_GZIP_MAGIC = b"\x1f\x8b"


def _delimiter(kind: str) -> str | None:
    return {"csv": ",", "tsv": "\t"}.get(kind)


def _text_file_opener(path: str, role: str) -> Any:
    from losscli.io._text import SafeStream

    def opener() -> SafeStream:
        raw = open_binary(path, role)
        try:
            head = raw.read(2)
            raw.seek(0)
        except OSError as exc:
            raw.close()
            raise InputError(f"{path}: cannot read the {role} file ({exc.strerror})") from None
        if head == _GZIP_MAGIC:
            return SafeStream(gzip.GzipFile(fileobj=raw, mode="rb"), path, gz=True, owned=raw)
        return SafeStream(raw, path, owned=raw)

    return opener


def _read_all(stream: Any, name: str) -> bytes:
    from losscli.io._text import SafeStream

    return SafeStream(stream, name).read()


def open_table(
    path: str | os.PathLike[str] | Table,
    *,
    fmt: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_ROWS,
    role: str = "predictions",
) -> Table:
    """Open a file of model outputs or labels (or stdin, ``"-"``) for chunked reading.

    The format is ``fmt`` when given, else the extension (``.csv[.gz] .tsv[.gz] .tab .txt
    .npy .npz .parquet .pq``), else (stdin) the first bytes. Gzip-compressed text is
    recognised by its magic bytes. A directory, or a glob that is not a file name, is a
    partitioned dataset: its part files read as one table, in order (see
    ``losscli.io._dataset``). An already opened :class:`Table` is returned as it is. Every
    problem a user can cause raises InputError (bad file) or UsageError (bad ``fmt``) with a
    one-line message naming the file.

    Args:
        path: a file path, a directory or glob of part files, ``"-"`` for stdin, or a Table.
        fmt: ``csv``, ``tsv``, ``npy``, ``npz``, ``parquet`` or None (infer).
        chunk_size: the most rows a chunk holds.
        role: ``"predictions"`` or ``"labels"``, used in messages only.

    Returns:
        A :class:`Table` (also a context manager).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "p.csv"), "w") as f:
    ...     _ = f.write("label,prob\\n1,0.9\\n0,0.2\\n")
    >>> with open_table(os.path.join(d, "p.csv")) as t:
    ...     print(t.columns, t.kinds["prob"], [c.column("prob") for c in t.chunks()])
    ['label', 'prob'] number [array([0.9, 0.2])]
    """
    if isinstance(path, Table):
        return path
    if fmt is not None:
        fmt = str(fmt).lower()
        if fmt == "txt":
            fmt = None
        elif fmt not in FORMATS:
            raise UsageError(f"--input-format must be one of {', '.join(FORMATS)}; got '{fmt}'")
    p = os.fspath(path)
    if p == "-":
        return _open_stdin(fmt, chunk_size, role)
    from losscli.io._dataset import is_dataset_path

    if is_dataset_path(p):
        from losscli.io._dataset import open_dataset

        return open_dataset(p, fmt=fmt, chunk_size=chunk_size, role=role)
    check_input_path(p, role)
    kind = fmt or format_from_name(p)
    if fmt is None:
        with open_binary(p, role) as f:
            try:
                head = f.read(8)
            except OSError as exc:
                raise InputError(f"{p}: cannot read the {role} file ({exc.strerror})") from None
        sniffed = sniff_format(head)
        if sniffed != "text":
            kind = sniffed  # the content wins over a misleading extension
        elif kind is None:
            raise InputError(
                f"{p}: cannot tell the file format from its extension; pass --input-format "
                "csv, tsv, npy, npz or parquet"
            )
    if kind == "npy":
        from losscli.io._arrays import NpyTable

        return NpyTable(p, role, chunk_size, p)
    if kind == "npz":
        from losscli.io._arrays import NpzTable

        return NpzTable(p, role, chunk_size, p)
    if kind == "parquet":
        from losscli.io._parquet import ParquetTable

        return ParquetTable(p, role, chunk_size, p)
    from losscli.io._text import TextTable

    return TextTable(
        p, role, chunk_size, _text_file_opener(p, role), _delimiter(kind), reopenable=True
    )


def _open_stdin(fmt: str | None, chunk_size: int, role: str) -> Table:
    from losscli.io._text import SafeStream

    name = STDIN_NAME
    raw: Any = stdin_binary()
    try:
        head = read_exactly(raw, 8)
    except OSError as exc:
        raise InputError(f"{name}: cannot read stdin ({exc.strerror})") from None
    if not head:
        raise InputError(
            f"{name}: no input on stdin (0 bytes); pipe the {role} in or pass a file path"
        )
    stream: Any = SafeStream(PrefixedStream(head, raw), name)
    if head.startswith(_GZIP_MAGIC):
        stream = SafeStream(gzip.GzipFile(fileobj=PrefixedStream(head, raw), mode="rb"), name,
                            gz=True)  # fmt: skip
        head = read_exactly(stream, 8)
        if not head:
            raise InputError(f"{name}: the gzip stream on stdin is empty")
        stream = SafeStream(PrefixedStream(head, stream), name)
    kind = fmt or sniff_format(head)
    if kind in ("npy", "npz", "parquet"):
        data = stream.read()
        if kind == "npy":
            from losscli.io._arrays import NpyTable

            return NpyTable(name, role, chunk_size, data)
        if kind == "npz":
            from losscli.io._arrays import NpzTable

            return NpzTable(name, role, chunk_size, data)
        from losscli.io._parquet import ParquetTable

        return ParquetTable(name, role, chunk_size, data)
    from losscli.io._text import TextTable

    used = []

    def opener() -> Any:
        if used:
            raise RuntimeError("stdin can be read only once")
        used.append(True)
        return stream

    return TextTable(name, role, chunk_size, opener, _delimiter(kind), reopenable=False)
