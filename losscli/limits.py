"""The upper bounds losscli puts on work and memory, one table shared by the code and the README.

Every limit has a default and an environment variable that raises (or lowers) it, e.g.
``LOSSCLI_MAX_BOOTSTRAP=1000000``. A run that would exceed a limit is refused up front, before
the work or the allocation starts, with exit code 2 and one line naming the limit and the
variable. The README's "Limits" section lists the same table (a test checks that they agree).
"""

from __future__ import annotations

import os

from losscli.errors import InputError, UsageError
from losscli.records import record


@record(frozen=True)
class Limit:
    """One upper bound: its default, the environment variable that overrides it, what it counts.

    >>> BOOTSTRAP.default, BOOTSTRAP.env
    (100000, 'LOSSCLI_MAX_BOOTSTRAP')
    """

    key: str
    default: int
    unit: str  # what is counted, plural: "resamples", "bytes", ...
    what: str  # what the limit bounds, for the README
    why: str  # what exceeding it would cost, for the README

    @property
    def env(self) -> str:
        """The environment variable that overrides the default: ``LOSSCLI_MAX_<KEY>``."""
        return f"LOSSCLI_MAX_{self.key.upper()}"

    def value(self) -> int:
        """Return the limit in force: the environment variable when set, else the default.

        Raises:
            UsageError: the variable is set to something other than a positive whole number.

        >>> BINS.value() == BINS.default or "LOSSCLI_MAX_BINS" in os.environ
        True
        """
        raw = os.environ.get(self.env)
        if raw is None or not raw.strip():
            return self.default
        text = raw.strip().replace("_", "")
        try:
            n = int(text)
        except ValueError:
            n = 0
        if n < 1:
            raise UsageError(f"{self.env} must be a positive whole number, got {raw!r}")
        return n

    def exceeded(self, subject: str, n: int) -> str:
        """The one-line message for ``n`` above the limit: what, the limit and how to raise it.

        >>> BOOTSTRAP.exceeded("--bootstrap", 10**9)  # doctest: +NORMALIZE_WHITESPACE
        '--bootstrap 1,000,000,000 is above the limit of 100,000 resamples; set
        LOSSCLI_MAX_BOOTSTRAP=N to raise it'
        """
        return (
            f"{subject} {n:,} is above the limit of {self.value():,} {self.unit}; "
            f"set {self.env}=N to raise it"
        )

    def overflow(self, subject: str) -> str:
        """The message for a stream that went on past the limit (its full size unknown).

        >>> JSON_BYTES.overflow("t.json: the JSON file")  # doctest: +NORMALIZE_WHITESPACE
        't.json: the JSON file is larger than the limit of 1,048,576 bytes; set
        LOSSCLI_MAX_JSON_BYTES=N to raise it'
        """
        return (
            f"{subject} is larger than the limit of {self.value():,} {self.unit}; "
            f"set {self.env}=N to raise it"
        )

    def check_option(self, option: str, n: int | None) -> None:
        """Raise UsageError when the option's value ``n`` is above the limit.

        >>> BINS.check_option("--ece-bins", 15)
        """
        if n is not None and n > self.value():
            raise UsageError(self.exceeded(option, n))

    def check_input(self, subject: str, n: int) -> None:
        """Raise InputError when a file's ``n`` (columns, bytes, ...) is above the limit.

        ``subject`` names the file and the thing counted, e.g. ``"p.csv: the header has"``.

        >>> COLUMNS.check_input("p.csv: the header has", 3)
        """
        if n > self.value():
            raise InputError(
                f"{subject} {n:,} {self.unit}, above the limit of {self.value():,}; "
                f"set {self.env}=N to raise it"
            )


BOOTSTRAP = Limit(
    "bootstrap",
    100_000,
    "resamples",
    "`--bootstrap N` (compute and compare)",
    "time: each resample is one more pass over the kept rows",
)
PERMUTATIONS = Limit(
    "permutations",
    100_000,
    "swaps",
    "`--permutations N` (compare)",
    "time: each swap is one more pass over the kept rows",
)
BINS = Limit(
    "bins",
    1_000_000,
    "bins",
    "`--ece-bins N` and `--auc-bins N`",
    "memory: 24 bytes per `--ece-bins` bin; 16 bytes per `--auc-bins` bin and class",
)
STEPS = Limit(
    "steps",
    1_000_000,
    "steps",
    "`--steps N` (thresholds)",
    "memory and output: one table row per step",
)
WORKERS = Limit(
    "workers",
    64,
    "workers",
    "`--workers N` (the local Dask cluster of `--engine dask`)",
    "one Python process per worker",
)
COLUMNS = Limit(
    "columns",
    10_000,
    "columns",
    "columns of an input file (header fields, NPY/NPZ array columns, Parquet fields and "
    "vector widths)",
    "memory: every column's name and kind; the columns read are bounded apart, below",
)
PRED_COLUMNS = Limit(
    "pred_columns",
    4_096,
    "prediction columns",
    "prediction columns (classes, labels or outputs) of one evaluation",
    "memory and time: about 110 bytes x C² (4,096 classes: 1.9 GB, 24 s for 2,000 rows)",
)
JSON_BYTES = Limit(
    "json_bytes",
    1 << 20,
    "bytes",
    "size of a JSON file read with `--threshold @FILE`",
    "memory: the file is read whole",
)
PIPE_BYTES = Limit(
    "pipe_bytes",
    4 << 30,
    "bytes",
    "NPY, NPZ, Parquet or Arrow IPC data read from stdin or a pipe (held in memory, NPY, or "
    "in a temporary file, NPZ, Parquet and Arrow, since these formats need random access)",
    "memory or temporary disk space",
)
ARRAY_BYTES = Limit(
    "array_bytes",
    4 << 30,
    "bytes",
    "uncompressed size of one NPZ array (as the archive declares it; inflating stops there)",
    "memory: an NPZ array is inflated whole",
)

ALL: tuple[Limit, ...] = (
    BOOTSTRAP,
    PERMUTATIONS,
    BINS,
    STEPS,
    WORKERS,
    COLUMNS,
    PRED_COLUMNS,
    JSON_BYTES,
    PIPE_BYTES,
    ARRAY_BYTES,
)
"""Every limit, in the order of the README table."""


def readme_rows() -> list[str]:
    """The README's Limits table rows (markdown), one per limit, from :data:`ALL`.

    >>> readme_rows()[0].startswith("| `--bootstrap N` (compute and compare) | 100,000 |")
    True
    """
    return [
        f"| {lim.what} | {lim.default:,}{_bytes_note(lim)} | `{lim.env}` | {lim.why} |"
        for lim in ALL
    ]


def _bytes_note(lim: Limit) -> str:
    if lim.unit != "bytes":
        return ""
    for shift, name in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if lim.default % (1 << shift) == 0:
            return f" ({lim.default >> shift} {name})"
    return ""
