"""``compare``: is model B better than model A on the same rows, beyond chance?

Both prediction files are evaluated exactly as ``compute`` does (same options, same plan),
keeping each row's terms. Then, on the same rows:

- a paired percentile bootstrap of ``delta = b - a`` (resample j draws the same rows for both
  models), and
- approximate randomisation: each row's A and B outputs are swapped with probability 1/2 and
  the p-value is the share of swaps whose ``|delta|`` is at least the observed one (two-sided,
  ``(1 + hits) / (1 + n_permutations)``).

The bootstrap takes the linear path of ``--bootstrap`` when both runs qualify for it
(:func:`losscli.pipeline.intervals.paired_linear_deltas`: binary or multi-class, at least
``LINEAR_MIN_ROWS`` rows, no ignored rows), resample j weighing row i alike in A and B; else
each resample is evaluated exactly. ``test.evaluation`` says which (``"linear"`` or
``"exact"``). The randomisation test's swaps take the linear path under the same conditions
(and no ``max_fpr``): :func:`losscli.pipeline.intervals.paired_swap_deltas`, the swapped
sums ``base_A + s @ (X_B - X_A)`` (its own swaps: one fair bit per row, drawn in the order
of the swap terms, :func:`losscli.swaps.swap_bits`); every statistic but the average
precision is then exact to float32 rounding of the sums (AP: first order, named in
``test.permutation_first_order``). ``test.permutation_evaluation`` says which path ran.

Dense arrays (segmentation masks, token sequences) pair by sample, not element: resample j
draws whole samples (images, sequences) for both models, and a swap exchanges a whole
sample's outputs between A and B (:class:`losscli.pipeline.dense_resample.ImageSums`, the
per-sample sums); ``test.unit`` is then ``"sample"`` and ``n_samples`` counts the samples.

A difference is significant when the p-value is below ``1 - level``; ``better`` then names the
model with the better value (lower for losses and error metrics, higher otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

from losscli import __version__, limits
from losscli.errors import InputError, UsageError
from losscli.metrics.catalog import loss_key
from losscli.records import record
from losscli.report import _jsonable, build_signature, lower_is_better

__all__ = ["Comparison", "compare"]


@record
class Comparison:
    """The result of comparing two prediction files on the same rows."""

    version: str
    signature: str
    task: str
    n_samples: int
    a: str
    b: str
    test: dict[str, Any]
    metrics: dict[str, dict[str, Any]]
    losses: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def worse(self, name: str) -> bool:
        """Whether B is significantly worse than A on ``name`` (a loss or metric)."""
        if name not in self.metrics:
            known = ", ".join(self.metrics)
            raise UsageError(f"--fail-if-worse: no loss or metric {name!r}; choose from {known}")
        return self.metrics[name]["better"] == "a"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``metrics: {name: {a, b, delta, ci, p_value, significant, better}}``."""
        return _jsonable(
            {
                "version": self.version,
                "signature": self.signature,
                "task": self.task,
                "n_samples": self.n_samples,
                "a": self.a,
                "b": self.b,
                "test": self.test,
                "metrics": self.metrics,
                "warnings": self.warnings,
            }
        )


def compare(
    predictions_a: Any,
    predictions_b: Any,
    labels: Any = None,
    *,
    bootstrap: int = 1000,
    n_permutations: int = 1000,
    ci_level: float = 0.95,
    seed: int = 0,
    **options: Any,
) -> Comparison:
    """Compare two prediction files on the same rows (paired bootstrap + randomisation).

    Args:
        predictions_a, predictions_b: the two files (each as ``compute`` takes it); labels
            come from each file's label column or from ``labels``.
        labels: an optional labels file shared by both.
        bootstrap: bootstrap resamples for the interval of ``b - a`` (``--bootstrap``; the
            name of :class:`losscli.engine.Options`' field).
        n_permutations: random swaps for the p-value.
        ci_level: confidence level of the interval (``--ci``); ``1 - ci_level`` is the
            significance level.
        seed: seed of the resamples and swaps.
        **options: any :class:`losscli.engine.Options` field (``task``, ``losses``, ...).

    Returns:
        A :class:`Comparison`.

    Raises:
        InputError: the files do not hold the same rows (labels, weights and ids in order) or
            their task, score kind or classes differ.
    """
    from losscli.bootstrap import paired_test
    from losscli.engine import Evaluation
    from losscli.pipeline.options import Options, check_seed

    check_seed(seed)
    if bootstrap < 0 or n_permutations < 0:
        raise UsageError("--bootstrap and --permutations must be >= 0")
    if bootstrap == 0 and n_permutations == 0:
        raise UsageError("--bootstrap and --permutations cannot both be 0")
    limits.BOOTSTRAP.check_option("--bootstrap", bootstrap)
    limits.PERMUTATIONS.check_option("--permutations", n_permutations)
    if not 0.0 < ci_level < 1.0:
        raise UsageError(f"--ci must be a level between 0 and 1, e.g. 0.95; got {ci_level}")
    runs = []
    for pred in (predictions_a, predictions_b):
        ev = Evaluation(pred, labels, Options(**options, keep_rows=True))
        ev.consume()
        runs.append(ev)
    ev_a, ev_b = runs
    pa, pb = ev_a.plan, ev_b.plan
    assert pa is not None and pb is not None
    name_a, name_b = ev_a.predictions_name, ev_b.predictions_name
    for what, va, vb in (
        ("task", pa.task, pb.task),
        ("score kind", pa.scores, pb.scores),
        ("classes", pa.classes, pb.classes),
    ):
        if va != vb:
            raise InputError(
                f"{name_a} and {name_b} differ in {what} ({va} vs {vb}); compare needs two "
                "models' outputs for the same task (pass --task/--scores to pin them)"
            )
    if ev_a.n_rows != ev_b.n_rows:
        raise InputError(
            f"{name_a} has {ev_a.n_rows} rows and {name_b} has {ev_b.n_rows}; compare needs "
            "both models' outputs for the same rows"
        )
    if ev_a.rows_digest != ev_b.rows_digest:
        raise InputError(
            f"{name_a} and {name_b} do not hold the same rows (labels, weights or ids differ, or "
            "the rows are in another order); compare pairs row i of A with row i of B"
        )
    rep_a, rep_b = ev_a.report(), ev_b.report()
    point_a = {**{loss_key(n): v for n, v in rep_a.losses.items()}, **rep_a.metrics}
    point_b = {**{loss_key(n): v for n, v in rep_b.losses.items()}, **rep_b.metrics}
    from losscli.pipeline.dense_resample import ImageSums

    deltas = swapped = None
    kept_a, kept_b = ev_a.kept_rows(), ev_b.kept_rows()
    unit = "row"
    if isinstance(kept_a, ImageSums) and isinstance(kept_b, ImageSums):
        # dense arrays: the sample (image, sequence) is the unit, resampled and swapped whole
        unit, names = "sample", list(point_a)
        stats = (kept_a.stat(names), kept_b.stat(names), kept_a.stat(names, then=kept_b))
        n_units = kept_a.n_images
    else:
        from losscli._memory import pin_mmap_threshold, release_freed
        from losscli._threads import Background
        from losscli.pipeline.intervals import (
            paired_linear_deltas,
            paired_linear_setup,
            paired_swap_deltas,
        )

        # each phase's one-off terms are large: start each on the pages the last one freed,
        # the swaps (the higher peak: their 2n-item ranking) first, while the least is held;
        # the bootstrap's setup (serial numpy work) then runs on a thread beside the swaps'
        # blocks, once the swap terms are built; every large array on a mapping of its own
        # (unmapped when freed: the phases' one-off arrays, made on two threads side by
        # side, do not leave fragmented heaps behind)
        pin_mmap_threshold()
        release_freed()
        pending: list[Background] = []

        def start_setup() -> None:
            release_freed()  # the swap terms' one-off peak, handed back first
            if bootstrap:
                pending.append(Background(paired_linear_setup, kept_a, kept_b))

        if n_permutations:
            swapped = paired_swap_deltas(kept_a, kept_b, n_permutations, seed, on_terms=start_setup)
        setup = pending.pop().result() if pending else None
        release_freed()
        if bootstrap:
            deltas = paired_linear_deltas(kept_a, kept_b, bootstrap, seed, setup)
            del setup
        stats = (  # the exact statistics built only if a path needs them
            _lazy(ev_a.resample_stat),
            _lazy(ev_b.resample_stat),
            _lazy(lambda: ev_a.resample_stat(then=ev_b)),
        )
        n_units = ev_a.n_rows
    results = paired_test(
        *stats,
        n_units,
        point_a=point_a,
        point_b=point_b,
        n_boot=bootstrap,
        n_perm=n_permutations,
        level=ci_level,
        seed=seed,
        deltas=deltas,
        swap_deltas=swapped,
    )
    alpha = 1.0 - ci_level
    losses = [loss_key(n) for n in rep_a.losses]
    metrics: dict[str, dict[str, Any]] = {}
    for name, r in results.items():
        significant = r.p_value is not None and r.p_value < alpha
        better = None
        if significant and r.delta:
            b_better = r.delta < 0 if lower_is_better(name, losses) else r.delta > 0
            better = "b" if b_better else "a"
        metrics[name] = {
            "a": r.a,
            "b": r.b,
            "delta": r.delta,
            "ci": None if r.ci is None else list(r.ci),
            "p_value": r.p_value,
            "significant": significant,
            "better": better,
            "lower_is_better": lower_is_better(name, losses),
        }
    settings = dict(rep_a.settings)
    settings.update(
        n_boot=bootstrap,
        n_permutations=n_permutations,
        ci_level=ci_level,
        ci_method="paired percentile",
        seed=seed,
    )
    warnings = [f"A: {w}" for w in rep_a.warnings] + [f"B: {w}" for w in rep_b.warnings]
    first_order: list[str] = []
    if swapped is not None:  # the linear swaps: the p-values from first-order differences
        from losscli.metrics.swap_linear import SWAP_FIRST_ORDER

        first_order = [n for n in SWAP_FIRST_ORDER if metrics.get(n, {}).get("p_value")]
    return Comparison(
        version=__version__,
        signature=build_signature(settings),
        task=pa.task,
        n_samples=n_units,
        a=name_a,
        b=name_b,
        test={
            "level": ci_level,
            "alpha": alpha,
            "n_boot": bootstrap,
            "n_permutations": n_permutations,
            "seed": seed,
            "interval": "paired percentile bootstrap of b - a",
            "evaluation": "exact" if deltas is None else "linear",
            "p_value": f"approximate randomisation (swap A and B per {unit}), two-sided",
            "permutation_evaluation": "exact" if swapped is None else "linear",
            "permutation_first_order": first_order,
            **({} if unit == "row" else {"unit": unit, "n_units": n_units}),
        },
        metrics=metrics,
        losses=losses,
        warnings=warnings,
    )


def _lazy(make: Callable[[], Any]) -> Callable[[Any], Any]:
    """A statistic function built by ``make()`` on its first call (not at all when the linear
    paths leave it unused: the 2n-row one copies an accumulator's kept rows)."""
    built: list[Any] = []

    def stat(counts: Any) -> Any:
        if not built:
            built.append(make())
        return built[0](counts)

    return stat
