"""Diagnoses of malformed CSV/TSV: the wrong delimiter, a row of the wrong width.

Run on the error path only (and once on a one-field header), so the reader itself stays the
fast path: :func:`check_delimiter` names the delimiter a file really uses and the option that
reads it; :func:`locate_parse_error` re-scans a block pyarrow refused and names the first line
whose field count differs, with the fix (often a trailing delimiter).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence

from losscli.errors import InputError
from losscli.io._base import short_cause

_NUMBER = re.compile(r"\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|nan|inf|infinity)\s*", re.I)
_WHOLE = re.compile(r"\s*[+-]?\d+\s*")


def data_start(first_line: bytes, pending: bytes) -> bytes:
    """The bytes from line 1 on, when line 1 is data (``--no-header``).

    >>> data_start(b"\\xef\\xbb\\xbf1,2", b"3,4\\n")
    b'1,2\\n3,4\\n'
    """
    return first_line.removeprefix(b"\xef\xbb\xbf") + b"\n" + pending


def without_comment_mark(name: str, header: str, given: bool | None, notes: list[str]) -> str:
    """Line 1 without the ``# `` that ``np.savetxt(header=...)`` writes before a header (its
    default ``comments``), the reading added to ``notes``; as it is with ``--no-header``
    (``given`` False) or when nothing follows the mark.

    >>> notes = []
    >>> without_comment_mark("p.csv", "# label,p0,p1", None, notes), len(notes)
    ('label,p0,p1', 1)
    >>> without_comment_mark("p.csv", "# label,p0,p1", False, notes)
    '# label,p0,p1'
    """
    if not header.startswith("# ") or not header[2:].strip() or given is False:
        return header
    notes.append(
        f"{name}: line 1 read as the header without its leading '# ' (the comment mark "
        "np.savetxt writes before a header)"
    )
    return header[2:]


def second_line(pending: bytes, delimiter: str) -> list[str] | None:
    """Line 2 split at the delimiter and stripped (for :func:`decide_header`), or None.

    >>> second_line(b"0.2, 0.8\\n0.1,0.9\\n", ","), second_line(b"", ",")
    (['0.2', '0.8'], None)
    """
    line = pending.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
    if not line.strip():
        return None
    try:
        return [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return None


def decide_header(
    name: str,
    fields: Sequence[str],
    second: Sequence[str] | None,
    header: bool | None,
    role: str = "predictions",
) -> tuple[bool, str | None]:
    """Whether line 1 of a CSV/TSV file is its header, and the reading to report if guessed.

    The rule (``header`` None, no ``--header`` / ``--no-header``):

    1. line 1 holds a field that is not a number: it is the header;
    2. line 1 is exactly ``0,1,…,C-1`` (the names pandas gives a DataFrame's columns,
       ``pd.DataFrame(probs).to_csv(index=False)``) and line 2 holds a number that is not a
       whole number (``0.25``, ``1e-3``): it is the header, and the reading is reported;
    3. line 1 is ``0,1,…,C-1`` and line 2 is whole numbers too, or missing: it could be either,
       so an error asks for ``--header`` or ``--no-header``;
    4. line 1 is any other row of numbers (``np.savetxt`` writes no header): an error
       suggesting ``--no-header``.

    Args:
        name: the input's name.
        fields: line 1 split at the delimiter, stripped.
        second: line 2 so split, or None when there is none.
        header: ``True`` (``--header``), ``False`` (``--no-header``) or None (the rule).
        role: ``"predictions"`` or ``"labels"`` (the flags named: ``--labels-no-header``).

    Returns:
        ``(is_header, reading)``: reading is the inference note of rule 2, else None.

    >>> decide_header("p.csv", ["label", "0", "1"], ["1", "0.2", "0.8"], None)
    (True, None)
    >>> decide_header("p.csv", ["0", "1"], ["0.2", "0.8"], None)[0]
    True
    >>> try:
    ...     decide_header("p.csv", ["1", "0.2", "0.8"], None, None)
    ... except InputError as e:
    ...     print(str(e).split(":")[1])
     line 1 is all numbers (1,0.2,0.8)
    """
    if header is not None:
        return header, None
    yes, no = (
        ("--labels-header", "--labels-no-header")
        if role == "labels"
        else (
            "--header",
            "--no-header",
        )
    )
    if not fields or not all(_NUMBER.fullmatch(f) for f in fields):
        return True, None
    shown = ",".join(fields)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    c = len(fields)
    names = "0" if c == 1 else f"0 … {c - 1}"
    if list(fields) == [str(i) for i in range(c)]:
        fractional = second is not None and any(
            _NUMBER.fullmatch(v) and not _WHOLE.fullmatch(v) for v in second
        )
        if fractional:
            return True, (
                f"{name}: line 1 ({shown}) read as the header: the column names {names} pandas "
                f"gives a DataFrame's columns, above numbers that are not whole; pass {no} if "
                "it is data"
            )
        raise InputError(
            f"{name}: line 1 ({shown}) could be column names ({names}, as pandas names a "
            f"DataFrame's columns) or data; pass {yes} or {no}"
        )
    raise InputError(
        f"{name}: line 1 is all numbers ({shown}): the file has no header row (as np.savetxt "
        f"writes it); pass {no} to read line 1 as data (columns named {names}, e.g. "
        "--label-col 0), or add a header row"
    )


def check_delimiter(name: str, role: str, header: str, pending: bytes, delimiter: str) -> None:
    """Refuse a header that is one field but splits on another delimiter, as the first data
    line does into as many fields: the file is not what its name (or --input-format) says.

    Args:
        name: the input's name.
        role: ``"predictions"`` or ``"labels"`` (which option to suggest).
        header: the first line, decoded.
        pending: the bytes after it (the first data line is checked too).
        delimiter: the delimiter the file is read with.

    >>> check_delimiter("p.csv", "predictions", "a,b", b"1,2\\n", ",")
    >>> try:
    ...     check_delimiter("p.csv", "predictions", "a\\tb", b"1\\t2\\n", ",")
    ... except InputError as e:
    ...     print(str(e).split("; ")[1])
    pass --input-format tsv
    """
    first = pending.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
    found = None
    for other, what in (("\t", "tab"), (",", "comma"), (";", "semicolon"), ("|", "'|'")):
        n = len(header.split(other))
        if other != delimiter and n > 1 and (not first or len(first.split(other)) == n):
            found = (other, what, n)
            break
    spaced = first.split()  # np.savetxt's default: numbers separated by spaces
    if found is None and 1 < len(spaced) == len(header.split()):
        if all(_NUMBER.fullmatch(v) for v in spaced):
            found = (" ", "space", len(spaced))
    if found is None:
        return
    other, what, n = found
    said = "tab" if delimiter == "\t" else "comma"
    flag = "--labels-format" if role == "labels" else "--input-format"
    if other in ("\t", ","):
        fix = f"pass {flag} {'tsv' if other == chr(9) else 'csv'}"
    elif other == " ":
        fix = (
            "losscli reads comma- or tab-separated text: write it with np.savetxt(..., "
            "delimiter=',') or convert it (e.g. tr -s ' ' ',')"
        )
    else:
        fix = (
            f"losscli reads comma- or tab-separated text: convert the file (e.g. tr '{other}' ',')"
        )
    raise InputError(
        f"{name}: line 1 is one column when split at {said}s, but {n} columns when "
        f"split at {what}s: the file looks {what}-separated; {fix}"
    )


def locate_parse_error(
    name: str,
    block: bytes,
    line0: int,
    exc: BaseException,
    delimiter: str,
    columns: Sequence[str],
    unnamed: Collection[str],
    header: bool,
) -> InputError:
    """The error for a block pyarrow could not parse: the first line of another width.

    Args:
        name: the input's name.
        block: the block's bytes (whole lines).
        line0: the line number of the block's first row.
        exc: pyarrow's error (quoted when no line of another width is found).
        delimiter: the field delimiter.
        columns: the column names (their count is the width every row needs).
        unnamed: the columns without a header name (a trailing delimiter on line 1).
        header: whether line 1 is a header (else its width is the first line's).

    Returns:
        The InputError to raise.

    >>> block = b"1,2\\n3,4,\\n"
    >>> e = locate_parse_error("p.csv", block, 2, ValueError("x"), ",", ["a", "b"], (), True)
    >>> print(str(e).split("; ")[0])
    p.csv: line 3 has 3 fields, the header has 2
    """
    n_cols = len(columns)
    text = block.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    sep = "a tab" if delimiter == "\t" else "a comma"
    try:
        i = 0
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if not row:
                continue
            if len(row) != n_cols:
                if len(row) == n_cols + 1 and row[-1] == "":
                    hint = f"the line ends with {sep} (an empty last field): remove it"
                elif len(row) + 1 == n_cols and columns[-1] in unnamed:
                    hint = f"the header ends with {sep} (an empty last name): remove it"
                else:
                    hint = "every row needs one value per column"
                return InputError(
                    f"{name}: line {line0 + i} has {len(row)} "
                    f"field{'s' if len(row) != 1 else ''}, "
                    f"{'the header' if header else 'line 1'} has {n_cols}; {hint}"
                )
            i += 1
    except csv.Error:
        pass
    return InputError(f"{name}: cannot parse the rows after line {line0 - 1}: {short_cause(exc)}")
