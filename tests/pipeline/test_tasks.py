"""Task and score-kind inference, label encoding (losscli.tasks)."""

import numpy as np
import pytest

from losscli.errors import InputError, UsageError
from losscli.tasks import (
    Plan,
    binary_scores_from_two,
    encode_numeric_labels,
    encode_text_labels,
    infer_scores,
    infer_task,
    normalise_probs,
)


def task_of(labels, preds, text=False, hint=None):
    labels = np.asarray(labels, dtype=object if text else float)
    if not text and labels.ndim == 1:
        labels = labels[:, None]
    preds = np.asarray(preds, dtype=float)
    if preds.ndim == 1:
        preds = preds[:, None]
    names = [str(i) for i in range(preds.shape[1])]
    return infer_task(labels, preds, text_labels=text, pred_names=names, scores_hint=hint)[:2]


@pytest.mark.parametrize(
    "labels,preds,expected",
    [
        ([0, 1, 1], [0.1, 0.8, 0.3], ("binary", "binary")),
        ([-1, 1, 1], [-2.0, 3.0, 0.5], ("binary", "pm1")),
        ([0, 1], [[0.7, 0.3], [0.2, 0.8]], ("binary", "binary")),
        ([2, 0, 1], np.zeros((3, 3)), ("multiclass", "index")),
        ([3.5, 2.0], [3.1, 2.2], ("regression", "values")),
        ([[1, 0, 0], [0, 1, 0]], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1]], ("multiclass", "one-hot")),
        ([[1, 0, 1], [0, 1, 0]], [[0.8, 0.1, 0.9], [0.2, 0.7, 0.1]], ("multilabel", "multi-hot")),
        # one label per row, but independent (sigmoid) probabilities: multi-label
        ([[1, 0, 0], [0, 1, 0]], [[0.8, 0.6, 0.1], [0.2, 0.7, 0.4]], ("multilabel", "multi-hot")),
        ([[0.7, 0.3], [0.5, 0.5]], [[2.0, 1.0], [0.0, 1.0]], ("multiclass", "soft")),
        ([[2.5, 3.5], [1.0, -1.0]], [[2.0, 1.0], [0.0, 1.0]], ("regression", "values")),
    ],
)
def test_infer_task(labels, preds, expected):
    assert task_of(labels, preds) == expected


def test_text_labels():
    assert task_of(["cat", "dog"], np.zeros((2, 3)), text=True) == ("multiclass", "name")
    assert task_of(["spam", "ham"], np.zeros((2, 1)), text=True) == ("binary", "name")


def test_non_integer_labels_with_many_columns_is_an_error():
    with pytest.raises(InputError, match="label 0.5 is not a whole number, but there are 3"):
        task_of([0.5, 1.2], np.zeros((2, 3)))


def test_column_count_mismatch():
    with pytest.raises(InputError, match="there are 2 label columns but 3 prediction columns"):
        task_of([[1, 0], [0, 1]], np.zeros((2, 3)))


@pytest.mark.parametrize(
    "preds,task,kind",
    [
        ([[0.2, 0.8], [0.5, 0.5]], "multiclass", "probs"),
        ([[2.0, -1.0], [0.5, 3.0]], "multiclass", "logits"),
        (np.log([[0.2, 0.8], [0.5, 0.5]]), "multiclass", "log-probs"),
        ([0.1, 0.7], "binary", "probs"),
        ([-3.0, 2.0], "binary", "logits"),
        ([[0.1, 0.9, 0.9]], "multilabel", "probs"),
    ],
)
def test_infer_scores(preds, task, kind):
    assert infer_scores(np.asarray(preds, dtype=float), task)[0] == kind


def test_ambiguous_scores_ask_for_the_flag():
    with pytest.raises(UsageError) as e:
        infer_scores(np.array([-0.5, -2.0]), "binary")
    assert str(e.value) == (
        "cannot tell the score kind: every value is <= 0, which fits log-probabilities and "
        "logits alike; pass --scores log-probs or --scores logits"
    )
    with pytest.raises(UsageError, match="rows do not sum to 1; pass --scores probs"):
        infer_scores(np.array([[0.5, 0.3], [0.1, 0.1]]), "multiclass")


def test_encode_labels_errors_name_the_row():
    plan = Plan("multiclass", "logits", "index", classes=["a", "b", "c"])

    def where(i):
        return f"p.csv: line {i + 2}"

    assert encode_numeric_labels(plan, np.array([[2.0], [0.0]]), where).tolist() == [2, 0]
    with pytest.raises(InputError) as e:
        encode_numeric_labels(plan, np.array([[2.0], [3.0]]), where)
    assert str(e.value) == (
        "p.csv: line 3: label 3 is not a class index 0..2 (there are 3 prediction columns)"
    )
    with pytest.raises(InputError, match=r"line 2: label 'd' is not a known class"):
        encode_text_labels(np.array(["d"], dtype=object), ["a", "b", "c"], where)
    binary = Plan("binary", "probs", "binary", classes=["0", "1"])
    with pytest.raises(InputError, match=r"line 3: label 2 is not 0 or 1"):
        encode_numeric_labels(binary, np.array([[1.0], [2.0]]), where)


def test_two_column_binary_logits_reduce_to_a_difference():
    # softmax([z0, z1])[1] == sigmoid(z1 - z0)
    z = np.array([[0.3, -1.2], [2.0, 5.0]])
    d = binary_scores_from_two(z, "logits")
    p1 = np.exp(z[:, 1]) / np.exp(z).sum(axis=1)
    np.testing.assert_allclose(1 / (1 + np.exp(-d)), p1, rtol=1e-15)


def test_normalise_probs_leaves_near_one_rows_alone():
    p = np.array([[0.5, 0.50004], [0.2, 0.2]])
    out, n, *_ = normalise_probs(p)
    assert n == 1
    assert out[0].tolist() == [0.5, 0.50004]
    np.testing.assert_allclose(out[1], [0.5, 0.5])
