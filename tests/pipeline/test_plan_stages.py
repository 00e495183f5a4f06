"""The plan and reading stages over explicit values (issue #16): ``decide_plan`` takes arrays,
a ``TaskSpec`` and ``Columns`` (no evaluation object, no file), and gives the same plan as a
whole run on the same rows; ``usable_rows`` / ``first_rows`` drop or refuse invalid rows;
``choose_losses`` picks the losses of a plan."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from losscli.engine import Evaluation, Options
from losscli.errors import InputError, UsageError
from losscli.losses import choose_losses
from losscli.pipeline.columns import Columns
from losscli.pipeline.options import TaskSpec
from losscli.pipeline.plan import binary_names, decide_plan, label_encoding_for
from losscli.pipeline.read import RawChunk, first_rows, usable_rows


def _cols(pred, label=("label",), text=False):
    return Columns(label=list(label), pred=list(pred), label_in_preds=True, text_labels=text)


CASES = [
    # (labels (n, 1) or text, preds (n, P), pred names, spec, task, scores, encoding, classes)
    ([[0], [1], [1]], [[0.2], [0.9], [0.6]], ["p"], {}, "binary", "probs", "binary", ["0", "1"]),
    (
        [[0], [2], [1]],
        [[2.0, -1, 0], [0, 1, 3], [1, 2, -2]],
        ["a", "b", "c"],
        {},
        "multiclass",
        "logits",
        "index",
        ["a", "b", "c"],
    ),  # fmt: skip
    (
        [[1, 0], [1, 1], [0, 0]],
        [[0.2, 0.4], [0.9, 0.7], [0.1, 0.3]],
        ["a", "b"],
        {},
        "multilabel",
        "probs",
        "multi-hot",
        ["a", "b"],
    ),  # fmt: skip
    (
        [[0.5], [2.25], [-1.0]],
        [[0.4], [2.0], [-0.5]],
        ["p"],
        {},
        "regression",
        "values",
        "values",
        ["p"],
    ),  # fmt: skip
    (
        [[1], [2], [2]],
        [[-1.0], [3.0], [0.5]],
        ["p"],
        {"pos_label": "1"},
        "binary",
        "logits",
        "pos-label",
        ["2", "1"],
    ),  # fmt: skip
    (
        [[0], [1], [1]],
        [[0.2], [0.9], [0.6]],
        ["p"],
        {"task": "regression"},
        "regression",
        "values",
        "values",
        ["p"],
    ),  # fmt: skip
]


@pytest.mark.parametrize(
    ("labels", "preds", "names", "spec", "task", "scores", "enc", "classes"), CASES
)
def test_decide_plan_over_values(labels, preds, names, spec, task, scores, enc, classes):
    plan = decide_plan(
        np.array(labels, dtype=np.float64),
        np.array(preds, dtype=np.float64),
        spec=TaskSpec(**spec),
        cols=_cols(names),
    )
    assert (plan.task, plan.scores, plan.label_encoding, plan.classes) == (
        task,
        scores,
        enc,
        classes,
    )
    if "task" not in spec:
        assert any(n.startswith(f"task {task}:") for n in plan.notes)  # the reading is said


@pytest.mark.parametrize(
    ("labels", "preds", "names", "spec", "task", "scores", "enc", "classes"), CASES
)
def test_decide_plan_is_the_plan_of_a_run(
    tmp_path, labels, preds, names, spec, task, scores, enc, classes
):
    rows = [",".join([*map(str, p), *map(str, y)]) for p, y in zip(preds, labels)]
    label_names = ["label"] if len(labels[0]) == 1 else [f"y_{n}" for n in names]
    path = tmp_path / "data.csv"
    path.write_text(",".join([*names, *label_names]) + "\n" + "\n".join(rows) + "\n")
    opts = Options(**spec, label_col=label_names, pred_cols=names)
    run = Evaluation(str(path), None, opts).decide()
    alone = decide_plan(
        np.array(labels, dtype=np.float64),
        np.array(preds, dtype=np.float64),
        lambda i: f"{path}: line {i + 2}",  # as the CSV reader names a row
        spec=opts.spec.task,
        cols=Columns(label=label_names, pred=names, label_in_preds=True, pred_given=True),
    )
    assert alone == run
    assert (run.task, run.scores, run.label_encoding, run.classes) == (task, scores, enc, classes)


def test_decide_plan_asks_when_the_scores_are_ambiguous():
    with pytest.raises(UsageError, match="pass --scores log-probs or --scores logits"):
        decide_plan(
            np.array([[0.0], [1.0]]),
            np.array([[-0.5], [-2.0]]),
            spec=TaskSpec(),
            cols=_cols(["p"]),
        )


@pytest.mark.parametrize(
    ("raw", "column", "pos", "classes", "open_"),
    [
        (["no", "yes", "yes"], "yes", None, ["no", "yes"], False),
        (["yes", "yes"], "yes", None, ["not yes", "yes"], True),
        (["a", "b"], "score", "b", ["a", "b"], False),
    ],
)
def test_binary_names(raw, column, pos, classes, open_):
    got, _, _, negative_open = binary_names(np.array(raw, dtype=object), column, pos)
    assert (got, negative_open) == (classes, open_)


def test_binary_names_asks_for_the_positive_class():
    with pytest.raises(UsageError, match="pass --pos-label NAME"):
        binary_names(np.array(["a", "b"], dtype=object), "score")


@pytest.mark.parametrize(
    ("task", "raw", "preds", "enc"),
    [
        ("multiclass", [[0.0], [2.0]], np.zeros((2, 3)), "index"),
        ("multiclass", [[1.0, 0.0], [0.0, 1.0]], np.zeros((2, 2)), "one-hot"),
        ("multiclass", [[0.3, 0.7], [0.5, 0.5]], np.zeros((2, 2)), "soft"),
        ("binary", [[-1.0], [1.0]], np.zeros((2, 2)), "pm1"),
        ("multilabel", [[1.0, 0.0], [1.0, 1.0]], np.zeros((2, 2)), "multi-hot"),
        ("regression", [[0.5], [1.5]], np.zeros((2, 1)), "values"),
    ],
)
def test_label_encoding_for_a_given_task(task, raw, preds, enc):
    assert label_encoding_for(task, np.array(raw), preds) == enc


def _chunk(preds, labels, weights=None):
    chunk = SimpleNamespace(n=len(preds), where=lambda i: f"row {i + 1}")
    w = None if weights is None else np.array(weights, dtype=np.float64)
    return RawChunk(chunk, np.array(preds, float), np.array(labels, float), w, None, None)


def test_usable_rows_drops_or_refuses_invalid_rows():
    rc = _chunk([[0.2], [np.nan], [0.7]], [[0.0], [1.0], [1.0]])
    kept = usable_rows(rc, _cols(["p"]), drop_invalid=True, name="f.csv")
    assert kept.rows.tolist() == [0, 2] and kept.n_dropped == 1
    assert kept.where(1) == "f.csv: row 3"  # a kept row is named by its place in the file
    with pytest.raises(InputError) as exc:
        usable_rows(rc, _cols(["p"]), drop_invalid=False, name="f.csv")
    assert str(exc.value) == (
        "f.csv: row 2: prediction column 'p' is nan (missing, NaN or inf); fix the file or "
        "pass --drop-invalid to skip such rows"
    )


def test_usable_rows_refuses_a_negative_weight():
    rc = _chunk([[0.2], [0.4]], [[0.0], [1.0]], weights=[1.0, -2.0])
    with pytest.raises(InputError, match=r"^f.csv: row 2: sample weight -2 is negative"):
        usable_rows(rc, _cols(["p"]), drop_invalid=True, name="f.csv")


def test_first_rows_reads_ahead_over_chunks():
    chunks = [_chunk([[0.1], [np.nan]], [[0.0], [1.0]]), _chunk([[0.8], [0.3]], [[1.0], [0.0]])]
    rest = iter(chunks)
    buffered, sample = first_rows(rest, 2, _cols(["p"]), drop_invalid=True, name="f.csv")
    assert len(buffered) == 2 and next(rest, None) is None
    assert sample.preds[:, 0].tolist() == [0.1, 0.8]
    assert sample.where(1) == "f.csv: row 1"  # the second sample row: row 1 of chunk 2


@pytest.mark.parametrize(
    ("requested", "task", "scores", "names"),
    [
        (None, "binary", "logits", ["bce"]),
        (["cross-entropy", "ce"], "multiclass", "probs", ["ce"]),
        (["all"], "multiclass", "log-probs", ["ce", "nll"]),
    ],
)
def test_choose_losses(requested, task, scores, names):
    got = choose_losses(requested, task, scores)
    assert got[: len(names)] == names and len(set(got)) == len(got)


def test_choose_losses_refuses_a_loss_of_another_task():
    with pytest.raises(UsageError, match="loss 'mse' does not fit the binary task"):
        choose_losses(["mse"], "binary", "probs")
