"""``open_table``: pick the reader for a path (or stdin) and open it."""

from __future__ import annotations

import gzip
import os
import stat
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
    short_cause,
    sniff_format,
    stdin_binary,
)

DEFAULT_CHUNK_ROWS = 131_072
"""Rows per chunk: reading speed is flat from ~64k rows, and a 131,072 x 12 float64 chunk is
~12 MB, so the per-chunk temporaries (log-softmax, one-hot, ...) stay a few MB each."""

_GZIP_MAGIC = b"\x1f\x8b"


def _delimiter(kind: str) -> str | None:
    return {"csv": ",", "tsv": "\t"}.get(kind)


class _Source:
    """An input opened once: a regular file (seekable, reopenable by path) or a stream.

    A stream is stdin, a named pipe (FIFO), a ``/dev/fd/N`` from process substitution or a
    character device: it can be read only once, so its first bytes are sniffed into a buffer
    and the same stream (those bytes put back) is what the reader reads on.
    """

    def __init__(self, name: str, role: str, raw: Any, path: str | None, regular: bool) -> None:
        self.name = name
        self.role = role
        self.raw = raw
        self.path = path
        self.regular = regular
        self.gz = False
        from losscli.io._text import SafeStream

        try:
            head = read_exactly(raw, 8)
            if regular:
                raw.seek(0)
        except OSError as exc:
            self.close()
            what = "stdin" if path is None else f"the {role} file"
            raise InputError(f"{name}: cannot read {what} ({short_cause(exc)})") from None
        self.stream: Any = raw if regular else PrefixedStream(head, raw)
        if not regular and head.startswith(_GZIP_MAGIC):
            self.stream = SafeStream(gzip.GzipFile(fileobj=self.stream, mode="rb"), name, gz=True)
            self.gz = True
            head = read_exactly(self.stream, 8)
            if not head:
                where = "on stdin" if path is None else "from the pipe"
                self.close()
                raise InputError(f"{name}: the gzip stream {where} is empty")
            self.stream = PrefixedStream(head, self.stream)
        self.head = head

    def close(self) -> None:
        if self.path is not None:  # stdin is not ours to close
            try:
                self.raw.close()
            except OSError:
                pass


def _open_source(p: str, role: str) -> _Source:
    raw = open_binary(p, role)
    try:
        regular = stat.S_ISREG(os.fstat(raw.fileno()).st_mode)
    except (OSError, ValueError):
        regular = False
    return _Source(p, role, raw, p, regular)


def _open_stdin_source(role: str) -> _Source:
    raw = stdin_binary()
    try:
        tty = raw.isatty()
    except (AttributeError, OSError, ValueError):
        tty = False
    if tty:  # reading would wait for typed input, which looks like a hang
        raise InputError(
            f"{STDIN_NAME}: stdin is a terminal, not data; pipe the {role} in "
            f"(losscli compute - < preds.csv) or pass a file path"
        )
    return _Source(STDIN_NAME, role, raw, None, regular=False)


def _text_opener(src: _Source) -> Any:
    """The opener a TextTable calls for each pass: the opened source first, then (regular
    files only) the path again; a stream can be read once."""
    from losscli.io._text import SafeStream

    first = [src]

    def opener() -> SafeStream:
        if first:
            s = first.pop()
            if s.regular:
                return _gunzip_if(s.raw, s.name, owned=s.raw)
            return SafeStream(s.stream, s.name, gz=s.gz, owned=s.raw if s.path else None)
        if not src.regular:
            raise RuntimeError(f"{src.name}: a pipe can be read only once")
        raw = open_binary(src.path or src.name, src.role)
        return _gunzip_if(raw, src.name, owned=raw)

    return opener


def _gunzip_if(raw: Any, name: str, owned: Any) -> Any:
    from losscli.io._text import SafeStream

    try:
        head = raw.read(2)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise InputError(f"{name}: cannot read the file ({short_cause(exc)})") from None
    if head == _GZIP_MAGIC:
        return SafeStream(gzip.GzipFile(fileobj=raw, mode="rb"), name, gz=True, owned=owned)
    return SafeStream(raw, name, owned=owned)


_MAGIC = {
    "npz": ((b"PK\x03\x04", b"PK\x05\x06"), "the zip magic bytes PK"),
    "parquet": ((b"PAR1",), "the Parquet magic bytes PAR1"),
}


def _spool(src: _Source, kind: str) -> Any:
    """Copy a stream of NPZ/Parquet (formats that need random access) to an unlinked
    temporary file, within the pipe size limit; return the file (removed when closed)."""
    import tempfile

    from losscli import limits

    magics, what = _MAGIC[kind]
    if not src.head.startswith(magics):
        label = "an NPZ" if kind == "npz" else "a Parquet"
        raise InputError(
            f"{src.name}: is not {label} file (it does not start with {what}); "
            "pass --input-format to read it as another format"
        )
    cap = limits.PIPE_BYTES.value()
    out = tempfile.TemporaryFile(prefix="losscli-")  # noqa: SIM115 - the table closes it
    try:
        total = 0
        while True:
            block = src.stream.read(1 << 20)
            if not block:
                break
            total += len(block)
            if total > cap:
                label = "NPZ" if kind == "npz" else "Parquet"
                raise InputError(limits.PIPE_BYTES.overflow(f"{src.name}: the {label} stream"))
            out.write(block)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


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
        src = _open_stdin_source(role)
    else:
        from losscli.io._dataset import is_dataset_path

        if is_dataset_path(p):
            from losscli.io._dataset import open_dataset

            return open_dataset(p, fmt=fmt, chunk_size=chunk_size, role=role)
        check_input_path(p, role)
        src = _open_source(p, role)
    try:
        return _open_source_table(src, fmt, chunk_size, role)
    except BaseException:
        src.close()
        raise


def _open_source_table(src: _Source, fmt: str | None, chunk_size: int, role: str) -> Table:
    name = src.name
    if not src.head:
        if src.path is None:
            raise InputError(
                f"{name}: no input on stdin (0 bytes); pipe the {role} in or pass a file path"
            )
        raise InputError(f"{name}: the {role} input is empty (0 bytes); nothing came through")
    kind = fmt
    if fmt is None:
        sniffed = sniff_format(src.head)
        kind = format_from_name(name) if src.regular else "text"
        if sniffed != "text":
            kind = sniffed  # the content wins over a misleading extension
        elif kind is None:
            raise InputError(
                f"{name}: cannot tell the file format from its extension; pass --input-format "
                "csv, tsv, npy, npz or parquet"
            )
    if kind in ("npy", "npz", "parquet"):
        if src.regular:
            src.close()  # these readers map or seek the file by its path
            source: Any = name
        elif kind == "npy":
            source = src.stream
        else:
            source = _spool(src, kind)
        try:
            table: Table
            if kind == "npy":
                from losscli.io._arrays import NpyTable

                table = NpyTable(name, role, chunk_size, source)
            elif kind == "npz":
                from losscli.io._arrays import NpzTable

                table = NpzTable(name, role, chunk_size, source)
            else:
                from losscli.io._parquet import ParquetTable

                table = ParquetTable(name, role, chunk_size, source)
        except BaseException:
            if kind != "npy" and not src.regular:
                source.close()  # the spooled copy
            raise
        finally:
            if not src.regular:
                src.close()
        if kind != "npy" and not src.regular:
            table.own(source)
        return table
    from losscli.io._text import TextTable

    return TextTable(
        name, role, chunk_size, _text_opener(src), _delimiter(kind), reopenable=src.regular
    )
