"""Text input as bytes: a safe byte stream and blocks of whole lines, for CSV/TSV and JSON Lines.

:class:`SafeStream` turns read errors (a truncated gzip member, an I/O error) into one-line
InputErrors; :class:`BlockReader` cuts a stream into blocks of whole lines (CSV/TSV: at a
line break outside double quotes) that a reader parses one at a time, so memory stays bounded
by the block size; :func:`check_text` refuses binary data and UTF-16 from the first bytes.
"""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.io._base import or_list, read_exactly, short_cause

MAX_ROW_BYTES = 64 << 20
"""A single row (or the header) longer than this is refused (usually an unclosed quote)."""


def gzip_error(name: str, exc: BaseException) -> InputError:
    return InputError(
        f"{name}: is not a valid gzip file (corrupt or truncated): {short_cause(exc)}"
    )


class SafeStream:
    """Wrap a byte stream so that read errors become one-line InputErrors.

    >>> import io
    >>> SafeStream(io.BytesIO(b"abc"), "x.csv").read(2)
    b'ab'
    """

    def __init__(self, stream: Any, name: str, gz: bool = False, owned: Any = None) -> None:
        self._stream = stream
        self._name = name
        self._gz = gz
        self._owned = owned

    def read(self, n: int = -1) -> bytes:
        """Return up to ``n`` bytes."""
        try:
            return self._stream.read(n)
        except (EOFError, zlib.error) as exc:
            raise gzip_error(self._name, exc) from None
        except OSError as exc:
            if self._gz:
                raise gzip_error(self._name, exc) from None
            raise InputError(f"{self._name}: cannot read the file: {short_cause(exc)}") from None

    def position(self) -> tuple[int, int] | None:
        """``(bytes read, size)`` of the regular file under the stream (of the compressed
        file for gzip), for progress; None for stdin or a pipe.

        >>> import io
        >>> SafeStream(io.BytesIO(b"abc"), "x.csv").position() is None
        True
        """
        raw = self._owned
        try:
            st = os.fstat(raw.fileno())
            return (raw.tell(), st.st_size) if stat.S_ISREG(st.st_mode) else None
        except (AttributeError, OSError, ValueError):
            return None

    def close(self) -> None:
        """Close the wrapped stream and the file it was opened from."""
        for s in (self._stream, self._owned):
            if s is not None:
                try:
                    s.close()
                except Exception:  # noqa: BLE001 - closing must not hide the real error
                    pass


def last_safe_newline(buf: bytes) -> int:
    """Return the index of the last line break in ``buf`` that is outside quotes, or -1.

    >>> last_safe_newline(b'a,b\\n1,"x\\ny"\\n2,"z')
    11
    """
    cut = buf.rfind(b"\n")
    if cut < 0 or b'"' not in buf:
        return cut
    if buf.count(b'"', 0, cut) % 2 == 0:
        return cut
    arr = np.frombuffer(buf, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    newlines = np.flatnonzero(arr == 10)
    even = (np.searchsorted(quotes, newlines) % 2) == 0
    ok = newlines[even]
    return int(ok[-1]) if ok.size else -1


def first_safe_newline(buf: bytes) -> int:
    """Return the index of the first line break in ``buf`` that is outside quotes, or -1.

    >>> first_safe_newline(b'"a\\nb",c\\n1,2\\n')
    7
    """
    pos = buf.find(b"\n")
    while pos >= 0 and buf.count(b'"', 0, pos) % 2:
        pos = buf.find(b"\n", pos + 1)
    return pos


def check_text(name: str, head: bytes, others: Sequence[str], what: str = "CSV/TSV") -> None:
    """Refuse binary data (or UTF-16/32 text) fast, from the first block, before any parsing.

    >>> check_text("x.csv", b"label,prob\\n1,0.5\\n", ["npy"])
    >>> try:
    ...     check_text("/dev/zero", bytes(16), ["npy"])
    ... except InputError as e:
    ...     print(str(e).split(":")[1])
     holds NUL bytes (byte 1 is 0x00)
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: is UTF-16 (or UTF-32) text; re-save the file as UTF-8 {what}")
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{name}: holds NUL bytes (byte {nul + 1} is 0x00): this is binary data, not "
            f"{what} text; check the path, or pass --input-format {or_list(others)}"
        )


class BlockReader:
    """Yield blocks of whole lines from a stream, with push-back of one block.

    A block is about ``block_bytes`` long and ends at a line break; with ``quoted`` (CSV/TSV)
    only at one outside double quotes, else (JSON Lines, whose strings hold no raw line break)
    at the last one.

    >>> import io
    >>> s = SafeStream(io.BytesIO(b"2\\n3\\n"), "x.jsonl")
    >>> r = BlockReader(s, b"1\\n", False, "x.jsonl", 4, quoted=False)
    >>> r.next(), r.next(), r.next()
    (b'1\\n2\\n', b'3\\n', None)
    """

    def __init__(
        self,
        stream: SafeStream,
        pending: bytes,
        eof: bool,
        name: str,
        block_bytes: int,
        quoted: bool = True,
    ) -> None:
        self.stream = stream
        self.pending = pending
        self.eof = eof
        self.name = name
        self.block_bytes = block_bytes
        self._cut = last_safe_newline if quoted else (lambda buf: buf.rfind(b"\n"))
        self.pushed: list[bytes] = []

    def next(self) -> bytes | None:
        if self.pushed:
            return self.pushed.pop()
        while True:
            if not self.eof and len(self.pending) < self.block_bytes:
                want = self.block_bytes - len(self.pending)
                data = read_exactly(self.stream, want)
                if len(data) < want:
                    self.eof = True
                if data:
                    self.pending = self.pending + data if self.pending else data
            if self.eof:
                block, self.pending = self.pending, b""
                return block or None
            cut = self._cut(self.pending)
            if cut < 0:
                if len(self.pending) > MAX_ROW_BYTES:
                    raise InputError(
                        f"{self.name}: a row is longer than {MAX_ROW_BYTES >> 20} MiB; "
                        'check for a quote (") that is never closed'
                    )
                data = read_exactly(self.stream, self.block_bytes)
                if not data:
                    self.eof = True
                else:
                    self.pending += data
                continue
            block, self.pending = self.pending[: cut + 1], self.pending[cut + 1 :]
            return block


def read_first_line(
    stream: SafeStream, name: str, others: Sequence[str], step: int
) -> tuple[bytes, bytes, bool]:
    """Read a CSV/TSV stream's first line (up to a line break outside quotes).

    Args:
        stream: the byte stream, at its start.
        name: the input's name, for messages.
        others: the binary formats a NUL byte suggests (``--input-format npy, ...``).
        step: how many bytes to read at a time.

    Returns:
        ``(line, rest, eof)``: the first line without its line break, the bytes read after it,
        and whether the stream ended.

    >>> import io
    >>> read_first_line(SafeStream(io.BytesIO(b'a,"b\\nc"\\n1,2\\n'), "x.csv"), "x.csv", [], 64)
    (b'a,"b\\nc"', b'1,2\\n', True)
    """
    first = read_exactly(stream, step)
    eof = len(first) < step
    if not first:
        raise InputError(f"{name}: the input is empty (0 bytes); it needs a header row")
    check_text(name, first, others)
    buf = bytearray(first)
    searched = 0  # no line break outside quotes before this offset
    while True:
        if buf.find(b"\n", searched) >= 0:
            pos = first_safe_newline(bytes(buf))
            if pos >= 0:
                return bytes(buf[:pos]), bytes(buf[pos + 1 :]), eof
        searched = len(buf)
        if eof:
            return bytes(buf), b"", True
        if len(buf) > MAX_ROW_BYTES:
            raise InputError(
                f"{name}: the header line is longer than {MAX_ROW_BYTES >> 20} MiB; "
                "check that this is a CSV/TSV file"
            )
        more = read_exactly(stream, step)
        eof = len(more) < step
        buf += more
