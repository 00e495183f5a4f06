"""The input-format registry: one row per format, everything else derived from it.

Each :class:`InputFormat` row names a format and says how to recognise it (extensions,
magic bytes), how the reader reads it (``access``) and which reader opens it (``reader``).
From :data:`INPUT_FORMATS` come the extension lookup (:func:`format_from_name`), the
sniffing (:func:`sniff_format`), the reader choice (:func:`lookup`, used by
``losscli.io._file``), the ``--input-format`` click choices (:data:`FORMATS`), its help text
(:func:`option_help`) and the format lists in error messages (:data:`FORMATS`,
:data:`BINARY`). Adding an input format is one reader (a :class:`Table` subclass) plus one
row here. A row names its reader's class by module and name (:class:`~losscli.lazy.Lazy`),
imported when a file of the format is first opened: reading a CSV imports no Parquet reader.

``access`` is how the reader reads its source:

- ``"text"``: a (gunzipped, when the bytes say so) byte stream, through an opener called once
  per pass: CSV/TSV. Such formats also accept their extensions followed by ``.gz``.
- ``"stream"``: one forward pass over a binary stream, or the path of a regular file: NPY.
- ``"seekable"``: random access: the path of a regular file, or (stdin, a pipe) a temporary
  copy of the stream, after its magic bytes are checked: NPZ, Parquet, Arrow IPC.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from losscli.errors import UsageError
from losscli.lazy import Lazy
from losscli.records import record

if TYPE_CHECKING:
    from losscli.io._base import Table

Reader = Callable[[str, str, int, Any, bool, "bool | None"], "Table"]
"""``reader(name, role, chunk_size, source, regular, header)``: open ``source`` as a Table.

``source`` is, by ``access``: an opener returning a fresh byte stream (``"text"``); a path or a
binary stream (``"stream"``); a path or a seekable temporary file (``"seekable"``).
``regular`` is True when the input is a regular file (it can be read again by its path).
``header`` is ``--header`` / ``--no-header`` (None: decided from line 1), for CSV/TSV; the
other readers ignore it (their columns have names of their own)."""


@record(frozen=True)
class InputFormat:
    """One input format: its name, how it is recognised, and the reader that opens it.

    Attributes:
        name: the ``--input-format`` value (``csv``); ``text`` is CSV or TSV, decided from the
            first line (``.txt``, stdin), and is no option value.
        extensions: lower-case file name endings (``.csv``); for ``access="text"`` each also
            with ``.gz`` appended.
        magic: byte strings a file of the format starts with (empty for text).
        magic_text: how a message names them (``the Parquet magic bytes PAR1``).
        access: ``"text"``, ``"stream"`` or ``"seekable"`` (see the module docstring).
        reader: the factory that opens a source (see :data:`Reader`).
        label: how a message names the format (``Parquet``).
        article: ``a`` or ``an``, for "is not a Parquet file".
        help: one phrase for the option's help text (the extensions are added to it).
        option: whether ``--input-format`` offers it.
        aliases: other spellings ``open_table(fmt=...)`` accepts for it.
    """

    name: str
    extensions: tuple[str, ...]
    magic: tuple[bytes, ...]
    magic_text: str
    access: str
    reader: Reader
    label: str
    article: str
    help: str
    option: bool = True
    aliases: tuple[str, ...] = ()

    def names_of_files(self) -> tuple[str, ...]:
        """The file name endings of this format, ``.gz`` forms included, longest first.

        Returns:
            A tuple of lower-case endings.

        >>> lookup("tsv").names_of_files()
        ('.tsv.gz', '.tab.gz', '.tsv', '.tab')
        """
        gz = tuple(e + ".gz" for e in self.extensions) if self.access == "text" else ()
        return gz + self.extensions

    def endings_text(self) -> str:
        """The extensions as help text shows them: ``.tsv[.gz], .tab[.gz]``.

        Returns:
            The extensions, comma-separated, ``[.gz]`` after those of text formats.

        >>> lookup("tsv").endings_text(), lookup("parquet").endings_text()
        ('.tsv[.gz], .tab[.gz]', '.parquet, .pq')
        """
        gz = "[.gz]" if self.access == "text" else ""
        return ", ".join(e + gz for e in self.extensions)


_TEXT = Lazy("losscli.io._text", "TextTable")
_JSONL = Lazy("losscli.io._jsonl", "JsonLinesTable")


def _text_reader(delimiter: str | None) -> Reader:
    def read(
        name: str, role: str, chunk_size: int, opener: Any, regular: bool, header: bool | None
    ) -> Table:
        return _TEXT.load()(
            name,
            role,
            chunk_size,
            opener,
            delimiter,
            reopenable=regular,
            others=BINARY,
            header=header,
        )

    return read


def _binary_reader(cls: Lazy) -> Reader:
    """A reader of a format with named columns: ``cls(name, role, chunk_size, source)``."""

    def read(
        name: str, role: str, chunk_size: int, source: Any, regular: bool, header: bool | None
    ) -> Table:
        return cls.load()(name, role, chunk_size, source)

    return read


def _jsonl_reader(
    name: str, role: str, chunk_size: int, opener: Any, regular: bool, header: bool | None
) -> Table:
    return _JSONL.load()(name, role, chunk_size, opener, reopenable=regular, others=BINARY)


INPUT_FORMATS: tuple[InputFormat, ...] = (
    InputFormat(
        "csv", (".csv",), (), "", "text", _text_reader(","), "CSV", "a",
        "comma-separated text",
    ),
    InputFormat(
        "tsv", (".tsv", ".tab"), (), "", "text", _text_reader("\t"), "TSV", "a",
        "tab-separated text",
    ),
    InputFormat(
        "jsonl", (".jsonl", ".ndjson"), (b"{", b"\xef\xbb\xbf{"), "a '{'", "text",
        _jsonl_reader, "JSON Lines", "a", "one JSON object per line",
    ),
    InputFormat(
        "npy", (".npy",), (b"\x93NUMPY",), "the NPY magic bytes \\x93NUMPY", "stream",
        _binary_reader(Lazy("losscli.io._arrays", "NpyTable")), "NPY", "an",
        "one NumPy array",
    ),
    InputFormat(
        "npz", (".npz",), (b"PK\x03\x04", b"PK\x05\x06"), "the zip magic bytes PK", "seekable",
        _binary_reader(Lazy("losscli.io._arrays", "NpzTable")), "NPZ", "an",
        "NumPy arrays by name",
    ),
    InputFormat(
        "parquet", (".parquet", ".pq"), (b"PAR1",), "the Parquet magic bytes PAR1", "seekable",
        _binary_reader(Lazy("losscli.io._parquet", "ParquetTable")), "Parquet",
        "a", "Apache Parquet",
    ),
    InputFormat(
        "arrow", (".arrow", ".arrows", ".feather"), (b"ARROW1", b"\xff\xff\xff\xff"),
        "the Arrow magic bytes ARROW1 (file) or 0xFFFFFFFF (stream)", "seekable",
        _binary_reader(Lazy("losscli.io._ipc", "ArrowIpcTable")),
        "Arrow IPC", "an",
        "Arrow IPC, file or stream format (pandas to_feather, Hugging Face datasets)",
    ),
    InputFormat(
        "text", (".txt",), (), "", "text", _text_reader(None), "CSV/TSV", "a",
        "CSV or TSV, decided from the first line", option=False, aliases=("txt",),
    ),
)  # fmt: skip

_BY_NAME = {f.name: f for f in INPUT_FORMATS}

FORMATS: tuple[str, ...] = tuple(f.name for f in INPUT_FORMATS if f.option)
"""The ``--input-format`` values, in the registry's order."""

BINARY: tuple[str, ...] = tuple(
    f.name for f in INPUT_FORMATS if f.option and f.magic and f.access != "text"
)
"""The option values of the binary formats (recognised by their magic bytes, not text)."""

_ENDINGS = sorted(
    ((end, f.name) for f in INPUT_FORMATS for end in f.names_of_files()),
    key=lambda pair: -len(pair[0]),
)


def lookup(name: str) -> InputFormat:
    """Return the registry row of a format name (``text`` included).

    Args:
        name: a format name.

    Returns:
        The :class:`InputFormat`.

    >>> lookup("parquet").access
    'seekable'
    """
    return _BY_NAME[name]


def check_format(fmt: str | None) -> str | None:
    """Validate an ``--input-format`` value: the format name, or None (infer it).

    An alias of the ``text`` row (``txt``) means: infer, as for no value.

    Args:
        fmt: a format name, any case, or None.

    Returns:
        The lower-case name, or None when the format is to be inferred.

    Raises:
        UsageError: ``fmt`` names no format.

    >>> check_format("CSV"), check_format("txt"), check_format(None)
    ('csv', None, None)
    """
    if fmt is None:
        return None
    fmt = str(fmt).lower()
    if fmt in FORMATS:
        return fmt
    if any(fmt in f.aliases and not f.option for f in INPUT_FORMATS):
        return None
    raise UsageError(f"--input-format must be one of {', '.join(FORMATS)}; got '{fmt}'")


def format_from_name(name: str) -> str | None:
    """Return the format a file name's extension implies, or None when it implies none.

    ``"text"`` means CSV or TSV, to be decided from the first line (``.txt``).

    Args:
        name: a file name or path.

    Returns:
        One of ``csv``, ``tsv``, ``text``, ``npy``, ``npz``, ``parquet``, or None.

    >>> format_from_name("runs/preds.CSV.gz"), format_from_name("x.pq"), format_from_name("x.h5")
    ('csv', 'parquet', None)
    """
    low = name.lower()
    for end, fmt in _ENDINGS:
        if low.endswith(end):
            return fmt
    return None


def sniff_format(head: bytes) -> str:
    """Return the format that the first bytes of a stream look like.

    ``b"\\x93NUMPY"`` is NPY, ``b"PK\\x03\\x04"`` NPZ, ``b"PAR1"`` Parquet, ``ARROW1`` or
    ``0xFFFFFFFF`` Arrow IPC, ``{`` JSON Lines (each row's ``magic``), anything else text
    (``"text"``: CSV or TSV, decided later from the first line).

    Args:
        head: the first bytes of the stream (8 are enough).

    Returns:
        A format name, or ``text``.

    >>> sniff_format(b"PAR1...."), sniff_format(b'{"a": 1}'), sniff_format(b"a,b\\n1,2")
    ('parquet', 'jsonl', 'text')
    """
    for f in INPUT_FORMATS:
        if f.magic and head.startswith(f.magic):
            return f.name
    return "text"


def option_help(what: str) -> str:
    """The help text of an ``--input-format``-style option, with the formats listed.

    Args:
        what: what the option is the format of, and when it applies.

    Returns:
        ``what`` followed by one phrase per format.

    >>> option_help("Format of X.").split(": ")[0]
    'Format of X. Formats'
    """
    listed = "; ".join(
        f"{f.name}: {f.help} ({f.endings_text()})" for f in INPUT_FORMATS if f.option
    )
    return f"{what} Formats: {listed}."
