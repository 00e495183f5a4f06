"""``open_file``: open one file (or stdin) with the reader its format's registry row names.

The format is the caller's, else the extension, else the first bytes (see
:mod:`losscli.io.formats`, the one list of formats); a stream is sniffed into a buffer and
read on from there, and copied to a temporary file for a format that needs random access.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from losscli import limits
from losscli.errors import InputError
from losscli.io._base import (
    STDIN_NAME,
    PrefixedStream,
    Table,
    check_input_path,
    open_binary,
    or_list,
    read_exactly,
    short_cause,
    stdin_binary,
)
from losscli.io._lines import SafeStream
from losscli.io.formats import FORMATS, check_format, format_from_name, lookup, sniff_format

DEFAULT_CHUNK_ROWS = 131_072
"""Rows per chunk: reading speed is flat from ~64k rows, and a 131,072 x 12 float64 chunk is
~12 MB, so the per-chunk temporaries (log-softmax, one-hot, ...) stay a few MB each."""

DEFAULT_CHUNK_CELLS = 1 << 21
"""Cells (rows x prediction columns) per chunk for wide inputs: 16 MB of float64, so a
50,000 x 1,000 file streams in chunks of 2,097 rows instead of one 400 MB chunk whose
temporaries (log-softmax, probabilities, checks) are 400 MB each."""


def chunk_rows_for(width: int) -> int:
    """The default chunk rows for ``width`` prediction columns.

    ``min(DEFAULT_CHUNK_ROWS, max(1024, DEFAULT_CHUNK_CELLS // width))``: 131,072 rows up to
    16 columns, fewer for wider inputs.

    >>> chunk_rows_for(10), chunk_rows_for(1000), chunk_rows_for(10**6)
    (131072, 2097, 1024)
    """
    return min(DEFAULT_CHUNK_ROWS, max(1024, DEFAULT_CHUNK_CELLS // max(1, int(width))))


_GZIP_MAGIC = b"\x1f\x8b"


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
            import gzip  # only .gz input needs it

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
    try:
        head = raw.read(2)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise InputError(f"{name}: cannot read the file ({short_cause(exc)})") from None
    if head == _GZIP_MAGIC:
        import gzip

        return SafeStream(gzip.GzipFile(fileobj=raw, mode="rb"), name, gz=True, owned=owned)
    return SafeStream(raw, name, owned=owned)


def _spool(src: _Source, kind: str) -> Any:
    """Copy a stream of NPZ/Parquet (formats that need random access) to an unlinked
    temporary file, within the pipe size limit; return the file (removed when closed)."""
    import tempfile

    row = lookup(kind)
    if not src.head.startswith(row.magic):
        raise InputError(
            f"{src.name}: is not {row.article} {row.label} file (it does not start with "
            f"{row.magic_text}); "
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
                raise InputError(limits.PIPE_BYTES.overflow(f"{src.name}: the {row.label} stream"))
            out.write(block)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def open_file(
    path: str,
    *,
    fmt: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_ROWS,
    role: str = "predictions",
    header: bool | None = None,
) -> Table:
    """Open one file of model outputs or labels (or stdin, ``"-"``) for chunked reading.

    The format is ``fmt`` when given, else the extension, else (stdin, a pipe) the first
    bytes; content recognised by its magic bytes wins over a misleading extension (see
    :mod:`losscli.io.formats`). A dataset (folder, glob) is :func:`losscli.io.open_table`'s.

    Args:
        path: a file path, or ``"-"`` for stdin.
        fmt: a format name (:data:`~losscli.io.formats.FORMATS`) or None (infer).
        chunk_size: the most rows a chunk holds.
        role: ``"predictions"`` or ``"labels"``, used in messages only.
        header: CSV/TSV: line 1 is the header (True), data (False), or decided from it (None).

    Returns:
        A :class:`Table` (also a context manager).

    Raises:
        InputError: the file is missing, unreadable, empty or not of its format.
        UsageError: ``fmt`` names no format.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "p.tsv"), "w") as f:
    ...     _ = f.write("label\\tprob\\n1\\t0.9\\n")
    >>> with open_file(os.path.join(d, "p.tsv")) as t:
    ...     print(t.columns)
    ['label', 'prob']
    """
    fmt = check_format(fmt)
    if path == "-":
        src = _open_stdin_source(role)
    else:
        check_input_path(path, role)
        src = _open_source(path, role)
    try:
        return _open_source_table(src, fmt, chunk_size, role, header)
    except BaseException:
        src.close()
        raise


def _open_source_table(
    src: _Source, fmt: str | None, chunk_size: int, role: str, header: bool | None
) -> Table:
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
                f"{or_list(FORMATS)}"
            )
    row = lookup(kind)
    if row.access == "text":
        opener = _text_opener(src)
        return row.reader(name, role, chunk_size, opener, src.regular, header)
    if src.regular:
        src.close()  # these readers map or seek the file by its path
        source: Any = name
    elif row.access == "stream":
        source = src.stream
    else:
        source = _spool(src, kind)
    spooled = row.access == "seekable" and not src.regular
    try:
        table = row.reader(name, role, chunk_size, source, src.regular, header)
    except BaseException:
        if spooled:
            source.close()  # the spooled copy
        raise
    finally:
        if not src.regular:
            src.close()
    if spooled:
        table.own(source)
    return table
