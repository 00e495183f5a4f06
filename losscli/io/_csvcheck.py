"""Diagnoses of malformed CSV/TSV: the wrong delimiter, a row of the wrong width.

Run on the error path only (and once on a one-field header), so the reader itself stays the
fast path: :func:`check_delimiter` names the delimiter a file really uses and the option that
reads it; :func:`locate_parse_error` re-scans a block pyarrow refused and names the first line
whose field count differs, with the fix (often a trailing delimiter).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence

from losscli.errors import InputError
from losscli.io._base import short_cause


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
    if found is None:
        return
    other, what, n = found
    said = "tab" if delimiter == "\t" else "comma"
    flag = "--labels-format" if role == "labels" else "--input-format"
    if other in ("\t", ","):
        fix = f"pass {flag} {'tsv' if other == chr(9) else 'csv'}"
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
