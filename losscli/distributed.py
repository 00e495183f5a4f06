"""``--engine dask``: evaluate a partitioned dataset on a Dask cluster, with the same numbers.

How a run goes:

1. The client opens the dataset (a directory or glob of part files, or one file: one
   partition), checks that every part holds the same columns, and decides the plan (task,
   score kind, classes) from the first usable chunk, exactly as the local engine does.
2. Each partition is a task: a worker opens its part, evaluates it with the fixed plan into
   an :class:`~losscli.engine.EvalState` (loss sums, metric accumulators, counters) and
   optionally writes its per-sample rows to ``part-NNNNN.parquet``.
3. The states are merged pairwise, neighbours first (a tree of depth log2(parts), in dataset
   order), on the workers; only the merged state travels to the client, which reports it.

Memory on the client: the counts, sums and confusion matrix are small, but the exact ranking
metrics (ROC AUC, average precision) keep every row's label and scores, so the merged state
grows with the rows (see the README); the binned AUC mode keeps O(bins) instead.

Every part must be readable at the same path on the client and the workers (one machine, or
a shared file system); paths are sent as absolute paths. A labels file is joined by id
(``--id-col``): each worker reads it whole and keeps the rows of its partition's ids. A
labels folder (or glob) beside the predictions' is paired by part name on the client
(``io.pair_datasets``): each worker reads its prediction part and the labels part paired with
it, row by row (dense arrays: element by element), as the local engine does. One labels file
matched by position needs the rows read in order: the local engine.

dask is imported here only, inside the functions, so ``losscli --help`` never imports it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import uuid
from typing import Any

import numpy as np

from losscli import progress
from losscli.engine import Evaluation
from losscli.errors import EXIT_INTERNAL, InputError, LossCliError, UsageError
from losscli.partition_labels import joined_labels, paired_labels
from losscli.pipeline.labels import LabelFile, MissingIdsError
from losscli.pipeline.options import Options
from losscli.pipeline.plan import Plan
from losscli.pipeline.read import Inputs
from losscli.pipeline.state import EvalState
from losscli.records import record
from losscli.report import Report

DASK_MISSING = "--engine dask needs the dask extra: pip install 'losscli[dask]'"
CONNECT_TIMEOUT = 10
"""Seconds to wait for a ``--scheduler`` to answer, and for it to have a worker."""

_PART_NAME = "part-{:05d}.parquet"
_TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
_FILE_SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".ndjson", ".tsv")


class ClusterError(LossCliError):
    """The cluster failed the run (a worker died, the scheduler went away): exit 3."""

    exit_code = EXIT_INTERNAL


def require_dask() -> Any:
    """Import ``dask.distributed``, or raise the UsageError that names the extra.

    Returns:
        The ``distributed`` module.
    """
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise UsageError(DASK_MISSING) from None
    return distributed


# --------------------------------------------------------------------------------------------
# what a worker does
# --------------------------------------------------------------------------------------------


@record(frozen=True)
class PartJob:
    """Everything a worker needs to evaluate one partition (picklable).

    Attributes:
        index: the partition's position in the dataset (0-based).
        part: the part file (its ``path`` absolute).
        dataset: the dataset's name as the user gave it, or None for a single file.
        schema: the dataset's columns (a part keeps the dataset's column order).
        start: the dataset row number of the part's first row (0 when unknown).
        opts: the run's options.
        plan: the plan the client decided.
        labels: the labels file (absolute path) to join by id, or None.
        labels_name: the labels file (or dataset) as the user named it (for messages).
        id_col: the id column that joins the labels file.
        per_sample: where to write this partition's per-sample rows, or None.
        labels_part: a labels dataset paired by part name: the part paired with ``part``
            (its ``path`` absolute), else None.
        labels_schema: the labels dataset's columns (with ``labels_part``).
    """

    index: int
    part: Any
    dataset: str | None
    schema: Any
    start: int
    opts: Options
    plan: Plan
    labels: str | None = None
    labels_name: str | None = None
    id_col: str | None = None
    per_sample: str | None = None
    labels_part: Any = None
    labels_schema: Any = None


@record
class PartResult:
    """A partition's state (None when it had no rows) and the labels rows it matched.

    ``used`` is a packed bit mask over the rows of the labels file (``np.packbits``), or None
    without a labels file; merging ORs the masks.
    """

    state: EvalState | None
    used: np.ndarray | None = None
    missing: MissingIdsError | None = None  # prediction ids without a label
    repeated: bool = False  # an id of the labels is used by two partitions

    def merge(self, other: PartResult) -> PartResult:
        """Add ``other`` (the next partitions) into this result and return it."""
        if self.state is None:
            self.state = other.state
        elif other.state is not None:
            self.state.merge(other.state)
        if self.used is not None and other.used is not None:
            self.repeated = self.repeated or other.repeated
            self.repeated |= bool(np.bitwise_and(self.used, other.used).any())
            self.used = np.bitwise_or(self.used, other.used)
        if other.missing is not None:
            self.missing = (
                other.missing if self.missing is None else self.missing.merge(other.missing)
            )
        return self


def merge_results(a: PartResult, b: PartResult) -> PartResult:
    """Merge two neighbouring results (``a`` before ``b`` in the dataset); a dask task.

    ``a`` is updated in place: it is the output of a finished task that nothing else reads.
    """
    return a.merge(b)


class _CountingSink:
    """Forward per-sample rows to a writer and remember whether any came."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.rows = 0

    def write(self, columns: dict[str, np.ndarray]) -> None:
        self.rows += len(next(iter(columns.values()))) if columns else 0
        self.writer.write(columns)


def evaluate_part(job: PartJob) -> PartResult:
    """Evaluate one partition with the client's plan; run by a dask worker.

    Args:
        job: the partition and the run's settings.

    Returns:
        The partition's :class:`PartResult`.
    """
    from losscli import io
    from losscli.io import DatasetTable

    opts = job.opts
    read = opts.spec.read
    chunk = read.chunk_size or io.DEFAULT_CHUNK_ROWS
    table: Any
    if job.dataset is None:
        table = io.open_table(
            job.part.path, fmt=read.input_format, chunk_size=chunk, header=read.header
        )
        table.name = job.part.name
    else:
        table = DatasetTable(
            job.dataset,
            "predictions",
            chunk,
            [job.part],
            read.input_format,
            start=job.start,
            schema=job.schema,
            header=read.header,
        )
    labels: Any = None
    used = None
    if job.labels_part is not None:  # a labels folder: the part paired with this one
        labels = paired_labels(job, chunk)
    elif job.labels is not None:
        labels, used = joined_labels(table, job, chunk)
        if labels is None:  # no rows in this partition
            return PartResult(None, used)
    ev = Evaluation(table, labels, opts, plan=job.plan)
    if job.per_sample is None:
        try:
            ev.consume(allow_empty=True)
        except MissingIdsError as exc:  # counted over every partition by the client
            return PartResult(None, used, missing=exc)
        return PartResult(ev.state(), used)
    writer = io.PerSampleWriter(job.per_sample, fmt="parquet")
    sink = _CountingSink(writer)
    try:
        ev.consume(sink, allow_empty=True)
    except MissingIdsError as exc:
        writer.abort()
        return PartResult(None, used, missing=exc)
    except BaseException:
        writer.abort()
        raise
    if sink.rows:
        writer.commit()
    else:  # no row: no file (an empty Parquet file would have no schema)
        writer.abort()
    return PartResult(ev.state(), used)


# --------------------------------------------------------------------------------------------
# the client
# --------------------------------------------------------------------------------------------


def evaluate_dask(
    predictions: str | os.PathLike[str],
    labels: str | os.PathLike[str] | None = None,
    opts: Options | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    per_sample_dir: str | os.PathLike[str] | None = None,
    outputs: Any = None,
) -> Report:
    """Evaluate a partitioned dataset on a Dask cluster and return its :class:`Report`.

    The numbers equal the local engine's (up to float rounding in the last digits).

    Args:
        predictions: a directory or glob of part files (or one file: one partition).
        labels: an optional labels file, joined by id (``opts.id_col`` or an ``id`` column),
            or a labels folder or glob whose parts pair with the predictions' by name.
        opts: the run's :class:`~losscli.engine.Options`.
        scheduler: the address of a running scheduler (``tcp://host:8786``); None starts a
            ``LocalCluster`` of ``workers`` processes for this run and shuts it down after.
        workers: processes of the local cluster (default 2); not with ``scheduler``.
        per_sample_dir: a folder for per-sample rows, one ``part-NNNNN.parquet`` per
            partition (a partition without rows writes none), put in place atomically.
        outputs: the caller's :class:`~losscli.io.outputs.OutputSet`, where
            ``--per-sample`` is declared as a ``"dir"`` output; the folder is then put in place
            when the caller commits. None: in place when this call succeeds.

    Returns:
        The report, as :meth:`Evaluation.report` makes it.

    Raises:
        UsageError: dask is missing, or an option does not fit a distributed run.
        InputError: bad input (the message names the part file and its row).
        ClusterError: the cluster failed (a worker died).
    """
    from losscli.io import DatasetTable, Part

    distributed = require_dask()
    opts = opts or Options()
    pred_path, label_path = os.fspath(predictions), None if labels is None else os.fspath(labels)
    if pred_path == "-" or label_path == "-":
        raise UsageError("--engine dask reads files, not stdin; pass a file, folder or glob")
    if scheduler is not None and workers is not None:
        raise UsageError(
            "--workers sizes the local cluster; with --scheduler the cluster's own workers run "
            "the partitions (drop --workers)"
        )
    n_workers = 2 if workers is None else int(workers)
    if n_workers < 1:
        raise UsageError(f"--workers must be >= 1, got {n_workers}")
    from losscli import limits

    limits.WORKERS.check_option("--workers", n_workers)
    if opts.spec.slice.group_by:
        raise UsageError(
            "--group-by is not available with --engine dask yet (a partition's state does not "
            "carry its slices); use --engine local"
        )
    if opts.spec.interval.keep_rows:  # --bootstrap sets it
        raise UsageError(
            "--bootstrap is not available with --engine dask yet (it resamples per-row terms "
            "that stay on the workers); use --engine local"
        )
    per_sample = None if per_sample_dir is None else _check_per_sample_dir(per_sample_dir)

    ev = Evaluation(pred_path, label_path, opts)  # opens and checks every part
    inputs = ev.inputs
    table = inputs.predictions
    pairing = inputs.pairing  # a labels folder paired by part name
    if inputs.labels is not None and not inputs.columns.join and pairing is None:
        raise UsageError(
            "--engine dask joins a LABELS file by id (give both files an id column, --id-col "
            "NAME) or pairs a labels folder with a predictions folder by part name; one labels "
            "file matched by position needs the local engine"
        )
    plan = ev.decide()
    if isinstance(table, DatasetTable):
        parts, dataset, schema = table.parts, table.name, table.schema
        rows = table.part_rows
        if inputs.dense is not None:  # element rows: a part's samples times their elements
            rows = [s[0] * inputs.dense.per_sample for s in table.part_shapes]
    else:
        parts, dataset, schema, rows = [Part(pred_path, pred_path, pred_path)], None, None, [0]
    starts = _starts(rows)
    paired = [None] * len(parts) if pairing is None else [q for _, q in pairing.pairs]
    worker_opts = dataclasses.replace(opts, keep_loss_values=False)
    own = outputs is None
    if own:
        from losscli.io import OutputSet

        outputs = OutputSet()
        outputs.add_output("--per-sample", per_sample, kind="dir")
    tmp_dir = outputs.folder("--per-sample") if per_sample else None
    jobs = [
        PartJob(
            index=i,
            part=dataclasses.replace(p, path=os.path.abspath(p.path)),
            dataset=dataset,
            schema=schema,
            start=starts[i],
            opts=worker_opts,
            plan=plan,
            labels=None if label_path is None or q is not None else os.path.abspath(label_path),
            labels_name=label_path,
            id_col=inputs.columns.id,
            per_sample=None if tmp_dir is None else os.path.join(tmp_dir, _PART_NAME.format(i)),
            labels_part=None if q is None else dataclasses.replace(q, path=os.path.abspath(q.path)),
            labels_schema=None if q is None else inputs.labels.schema,
        )
        for i, (p, q) in enumerate(zip(parts, paired))
    ]
    try:
        with _connect(distributed, scheduler, n_workers) as client:
            result = _run(distributed, client, jobs)
        if result.repeated:  # the same id in two partitions: find the rows as locally
            _raise_repeated_id(inputs)
        if result.missing is not None:
            raise result.missing
        if result.state is not None:
            ev.absorb(result.state)
        if result.used is not None:
            _check_all_labels_used(inputs, result.used, ev.state().n_rows)
        report = ev.report()
        if own:
            outputs.commit()
    finally:
        if own:
            outputs.abort()  # nothing left behind on failure (a no-op after commit)
    return report


def _starts(rows: list[int | None]) -> list[int]:
    """Dataset row number of each part's first row; all 0 when a part's size is unknown.

    >>> _starts([3, 5, 2]), _starts([3, None])
    ([0, 3, 8], [0, 0])
    """
    if any(n is None for n in rows):
        return [0] * len(rows)
    return [int(s) for s in np.concatenate([[0], np.cumsum(rows)[:-1]])] if rows else []


@contextlib.contextmanager
def _connect(distributed: Any, scheduler: str | None, n_workers: int) -> Any:
    """A client of the given scheduler, or of a LocalCluster started (and stopped) here.

    The client fetches results straight from the workers (``direct_to_workers``): through the
    scheduler, the merged state (8 bytes per row and more) took 0.9 s instead of 0.05 s at 16M
    rows.
    """
    quiet = logging.CRITICAL  # failures reach the client as exceptions; no log noise
    if scheduler is None:
        import dask

        # The nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which makes glibc map
        # (and page-fault) every temporary array afresh: measured 1.3-2x slower per part.
        with dask.config.set({_TRIM_KEY: None}):
            cluster = distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # its HTTP server (started anyway): a free port
                silence_logs=quiet,
            )
        try:
            with distributed.Client(cluster, direct_to_workers=True) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(
            scheduler, timeout=f"{CONNECT_TIMEOUT}s", direct_to_workers=True
        )
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(
            f"--scheduler {scheduler}: cannot connect ({_short(exc)}); start one with "
            "'dask scheduler', or drop --scheduler to run a local cluster"
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            raise UsageError(
                f"--scheduler {scheduler}: the scheduler has no worker after {CONNECT_TIMEOUT} s; "
                f"start some with 'dask worker {scheduler}'"
            ) from None
        yield client
    finally:
        client.close()


def _short(exc: BaseException) -> str:
    from losscli.io import short_cause

    return short_cause(exc)


def _run(distributed: Any, client: Any, jobs: list[PartJob]) -> PartResult:
    """Submit one task per partition and a tree of merges; return the merged result."""
    token = uuid.uuid4().hex[:8]
    parts = [
        client.submit(evaluate_part, job, key=f"losscli-part-{job.index:05d}-{token}")
        for job in jobs
    ]
    futures = list(parts)
    level, depth = list(parts), 0
    while len(level) > 1:
        depth += 1
        nxt = []
        for i in range(0, len(level) - 1, 2):
            nxt.append(
                client.submit(
                    merge_results, level[i], level[i + 1], key=f"losscli-merge-{depth}-{i}-{token}"
                )
            )
            futures.append(nxt[-1])
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    progress.track_futures(futures)
    try:
        return level[0].result()  # the futures are released when the client closes
    except LossCliError:
        _raise_first_failure(distributed, parts, jobs)
        raise
    except distributed.KilledWorker:
        _raise_first_failure(distributed, parts, jobs)
        raise ClusterError(
            "a dask worker died while evaluating the dataset (out of memory?); give the workers "
            "more memory or use smaller parts"
        ) from None


def _raise_first_failure(distributed: Any, parts: list[Any], jobs: list[PartJob]) -> None:
    """Raise the error of the first failing partition (in dataset order), as the local engine
    would have met it first."""
    distributed.wait(parts)
    for future, job in zip(parts, jobs):
        if future.status != "error":
            continue
        exc = future.exception()
        if isinstance(exc, LossCliError):
            raise exc
        if isinstance(exc, distributed.KilledWorker):
            raise ClusterError(
                f"a dask worker died while evaluating {job.part.name} (out of memory?); give the "
                "workers more memory or use smaller parts"
            ) from None
        raise exc


def _check_all_labels_used(inputs: Inputs, used: np.ndarray, n_rows: int) -> None:
    """Refuse labels whose id no partition holds, with the local engine's message."""
    labels = LabelFile(inputs.labels, inputs.columns, inputs.predictions.name)
    mask = np.unpackbits(used, count=labels.n).astype(bool)
    labels.first_row = np.where(mask, 0, -1)
    labels.finish(n_rows)


def _raise_repeated_id(inputs: Inputs) -> None:
    """Raise the local engine's error for an id that two partitions hold (the error path
    only: one pass over the id column of the dataset)."""
    labels = LabelFile(inputs.labels, inputs.columns, inputs.predictions.name)
    id_col = inputs.columns.id
    for chunk in inputs.predictions.chunks([], exact=[id_col]):
        labels.take(chunk, chunk.ids(id_col))
    raise AssertionError("two partitions share an id, but no row repeats it")  # pragma: no cover


# --------------------------------------------------------------------------------------------
# per-sample folder
# --------------------------------------------------------------------------------------------


def _check_per_sample_dir(path: str | os.PathLike[str]) -> str:
    """Check a per-sample folder name: its parent exists; it is new, empty or a previous output."""
    p = os.fspath(path)
    if p == "-":
        raise UsageError(
            "--per-sample with --engine dask names a folder (one Parquet file per partition); "
            "'-' (stdout) needs the local engine"
        )
    low = p.lower()
    if low.endswith(_FILE_SUFFIXES):
        raise UsageError(
            f"--per-sample {p}: with --engine dask it names a folder that gets one Parquet file "
            "per partition; choose a folder name such as 'per_sample/'"
        )
    p = p.rstrip(os.sep) or p
    parent = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(parent):
        raise InputError(f"cannot write '{p}': folder '{parent}' does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            f"cannot write '{p}': folder '{parent}' is not writable; choose another folder"
        )
    if os.path.lexists(p):
        if not os.path.isdir(p):
            raise InputError(
                f"cannot write '{p}': it is a file; with --engine dask --per-sample names a folder"
            )
        other = [n for n in os.listdir(p) if not _is_part_name(n)]
        if other:
            raise InputError(
                f"cannot write '{p}': the folder holds other files ('{sorted(other)[0]}'); "
                "choose a new or empty folder (a previous per-sample output is replaced)"
            )
    return p


def _is_part_name(name: str) -> bool:
    """True for the names this module writes: ``part-00012.parquet``.

    >>> _is_part_name("part-00012.parquet"), _is_part_name("notes.txt")
    (True, False)
    """
    return name.startswith("part-") and name.endswith(".parquet") and name[5:-8].isdigit()
