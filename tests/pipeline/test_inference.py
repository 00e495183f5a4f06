"""Every inference path asks or says what it read (issue #14): a pandas index column, typo'd
labels, two-valued and single-valued binary labels, class names that look like numbers.

Reference values: scikit-learn live in each test (``accuracy_score``, ``f1_score`` with
``pos_label``, ``roc_auc_score``, ``log_loss``, ``mean_squared_error``), on the data as the
documented reading takes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from helpers import invoke

from losscli import evaluate
from losscli.errors import UsageError


def run(*args):
    return invoke("compute", *args)


def run_json(*args):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def run_error(*args) -> str:
    r = run(*args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
    return r.stderr[len("Error: ") : -1]


def _multiclass(n=300, c=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    p = rng.dirichlet(np.ones(c), n)
    p[np.arange(n), y] += 1.5 * rng.uniform(size=n)
    return y, p / p.sum(axis=1, keepdims=True)


def _binary(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = 1 / (1 + np.exp(-(2.0 * y - 1 + rng.normal(0, 1.2, n))))
    return y, p


# --------------------------------------------------------------------------------------------
# a pandas index column
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["to_csv", "unnamed", "parquet"])
def test_a_pandas_index_is_not_a_class(tmp_path, how):
    y, p = _multiclass()
    df = pd.DataFrame(p, columns=["a", "b", "c"])
    df.insert(0, "label", y)
    if how == "to_csv":  # the default index=True: an empty header name
        path = tmp_path / "p.csv"
        df.to_csv(path)
        assert path.read_text().startswith(",label,a,b,c\n")
        name = "Unnamed: 0"
    elif how == "unnamed":  # read back with its index and written again: 'Unnamed: 0' literally
        path = tmp_path / "p.csv"
        df.to_csv(path)
        pd.read_csv(path).to_csv(path, index=False)
        name = "Unnamed: 0"
    else:
        path = tmp_path / "p.parquet"
        df.index = np.arange(5, 5 + len(df))  # not a RangeIndex: stored as a column
        df.to_parquet(path)
        name = "__index_level_0__"
    d = run_json(path)
    assert d["classes"] == ["a", "b", "c"]
    assert d["inputs"]["prediction_columns"] == ["a", "b", "c"]
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p.argmax(1)), abs=1e-12)
    assert d["losses"]["ce"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert d["inference"][0] == (
        f"{name!r} is a pandas index (row numbers, as DataFrame.to_csv() writes them), not a "
        "prediction: left out; --pred-cols to use it"
    )


def test_binary_with_a_pandas_index(tmp_path):
    y, p = _binary()
    pd.DataFrame({"label": y, "prob": p}).to_csv(tmp_path / "b.csv")
    d = run_json(tmp_path / "b.csv")
    assert d["task"] == "binary" and d["inputs"]["prediction_columns"] == ["prob"]
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)


def test_an_index_named_in_pred_cols_is_kept(tmp_path):
    pd.DataFrame({"label": [0, 1, 1], "prob": [0.2, 0.7, 0.9]}).to_csv(tmp_path / "b.csv")
    d = run_json(tmp_path / "b.csv", "--pred-cols", "Unnamed: 0,prob", "--scores", "probs")
    assert d["inputs"]["prediction_columns"] == ["Unnamed: 0", "prob"]
    assert not any("pandas index" in n for n in d["inference"])


def test_a_labels_file_with_a_pandas_index(tmp_path):
    y, p = _multiclass(n=50)
    np.save(tmp_path / "p.npy", p)
    pd.DataFrame({"cls": y}).to_csv(tmp_path / "y.csv")  # columns '', 'cls'
    d = run_json(tmp_path / "p.npy", tmp_path / "y.csv")
    assert d["inputs"]["label_columns"] == ["cls"]
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p.argmax(1)), abs=1e-12)
    note = (
        f"{tmp_path / 'y.csv'}: 'Unnamed: 0' is a pandas index (row numbers), not labels: left "
        "out; --label-col to use it"
    )
    assert note in d["inference"]


# --------------------------------------------------------------------------------------------
# regression only from clearly continuous labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels,line,value,listed",
    [
        ([0, 1, 1, 0, 2, 1], 6, 2, "0, 1, 2"),  # one typo'd 2 among 0/1
        ([1, 0, 7, 1, 0, 1], 4, 7, "0, 1, 7"),
        ([1, 0, -1, 1, 0, 1], 4, -1, "-1, 0, 1"),  # -1 with 0/1: the rarest is named
        ([3, 1, 0, 2, 2, 1], 2, 3, "0, 1, 2, 3"),
    ],
)
def test_one_typo_does_not_turn_binary_into_regression(tmp_path, labels, line, value, listed):
    rng = np.random.default_rng(1)
    path = tmp_path / "t.csv"
    pd.DataFrame({"label": labels, "prob": rng.uniform(size=len(labels))}).to_csv(path, index=False)
    k = len(listed.split(","))
    assert run_error(path) == (
        f"{path}: line {line}: label {value} makes {k} distinct labels ({listed}) with one "
        "prediction column, which fits neither binary (two labels) nor multi-class (one column "
        "per class); fix the labels, or pass --task regression if they are quantities"
    )


def test_a_typo_in_multilabel_targets_is_an_error(tmp_path):
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, (6, 3)).astype(float)
    y[4, 1] = 2
    p = rng.uniform(size=(6, 3))
    cols = ["a", "b", "c"]
    pd.DataFrame(y.astype(int), columns=cols).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p, columns=cols).to_csv(tmp_path / "p.csv", index=False)
    assert run_error(tmp_path / "p.csv", tmp_path / "y.csv") == (
        f"{tmp_path / 'p.csv'}: line 6: column 'b' holds 2, a whole number outside 0/1, so the "
        "label rows are neither one-hot nor multi-hot; fix the labels, or pass --task regression "
        "if they are quantities"
    )


def test_whole_number_targets_are_regression_with_the_flag(tmp_path):
    rng = np.random.default_rng(3)
    y = rng.integers(20, 300, 80)
    yhat = y + rng.normal(0, 15, 80)
    path = tmp_path / "r.csv"
    pd.DataFrame({"target": y, "prediction": yhat}).to_csv(path, index=False)
    assert "pass --task regression if they are quantities" in run_error(path)
    d = run_json(path, "--task", "regression")
    assert d["task"] == "regression" and d["inference"] == []
    assert d["losses"]["mse"] == pytest.approx(skm.mean_squared_error(y, yhat), rel=1e-12)


def test_continuous_labels_are_regression_and_say_why(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame({"y": [1.0, 2.5, 3.0], "pred": [1.1, 2.0, 3.3]}).to_csv(path, index=False)
    d = run_json(path)
    assert d["task"] == "regression"
    assert d["inference"] == [
        f"task regression: labels are not whole numbers (2.5 at {path}: line 3)"
    ]


def _soft_file(tmp_path, labels, scores, fmt="csv"):
    path = tmp_path / f"soft.{fmt}"
    df = pd.DataFrame({"label": labels, "score": scores})
    if fmt == "parquet":
        df.to_parquet(path)
    else:
        df.to_csv(path, index=False)
    return path


def _soft(kind, n=120, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = {
        # distillation targets, label smoothing 0.1, some rows still hard 0/1
        "teacher": np.clip(0.15 + 0.7 * y + rng.normal(0, 0.1, n), 0.0, 1.0),
        "smoothed": np.where(y == 1, 0.95, 0.05),
        "mixed": np.where(np.arange(n) % 3 == 0, 0.5, y.astype(float)),
    }[kind]
    x = 2.0 * (2 * y - 1) + rng.normal(0, 1.5, n)
    return t, x


@pytest.mark.parametrize("kind", ["teacher", "smoothed", "mixed"])
@pytest.mark.parametrize("scores", ["probs", "logits"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_fractional_labels_within_0_1_ask_soft_or_regression(tmp_path, kind, scores, fmt):
    """One prediction column and labels that are all within [0, 1], some of them fractions:
    soft binary targets (knowledge distillation, label smoothing) and regression onto a
    rate read alike, and the two reports share no number; --task auto asks (it read them
    as regression before). Both flags give their references: torch BCE on soft targets as
    scikit-learn's log_loss of the (1, t) / (0, 1 - t) weighted rows, and mean_squared_error."""
    t, x = _soft(kind)
    p = 1.0 / (1.0 + np.exp(-x))
    path = _soft_file(tmp_path, t, p if scores == "probs" else x, fmt)
    i = int(np.flatnonzero(t != np.round(t))[0])
    where = f"line {i + 2}" if fmt == "csv" else f"row {i + 1}"
    assert run_error(path) == (
        f"{path}: {where}: label {float(t[i])!r} is a fraction and every label is within [0, 1], "
        "which fits soft binary targets (probabilities) and regression targets alike; pass "
        "--task binary for soft targets (the losses take them as given, the metrics count a "
        "target above 0.5 as positive) or --task regression"
    )
    soft = run_json(path, "--task", "binary", "--loss", "bce")
    n = len(t)
    ref = skm.log_loss(np.r_[np.ones(n), np.zeros(n)], np.r_[p, p], sample_weight=np.r_[t, 1 - t])
    assert soft["task"] == "binary" and soft["losses"]["bce"] == pytest.approx(ref, rel=1e-9)
    hard = (t > 0.5).astype(int)
    assert soft["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(hard, (p > 0.5).astype(int)), abs=1e-12
    )
    reg = run_json(path, "--task", "regression")
    assert reg["task"] == "regression"
    yhat = p if scores == "probs" else x
    assert reg["metrics"]["mse"] == pytest.approx(skm.mean_squared_error(t, yhat), rel=1e-12)


@pytest.mark.parametrize(
    "labels",
    [[0.2, 1.5, 0.7, 0.9], [-0.3, 0.2, 0.5, 0.8], [0.0, 1.0, 2.5, 1.0]],
)
def test_fractional_labels_beyond_0_1_stay_regression(tmp_path, labels):
    """A label outside [0, 1] is no probability: regression, as before, and said so."""
    path = _soft_file(tmp_path, labels, [0.3, 1.2, 0.6, 0.8])
    d = run_json(path)
    assert d["task"] == "regression"
    assert d["inference"][0].startswith("task regression: labels are not whole numbers")
    assert d["metrics"]["mse"] == pytest.approx(
        skm.mean_squared_error(labels, [0.3, 1.2, 0.6, 0.8]), rel=1e-12
    )


# --------------------------------------------------------------------------------------------
# two-valued and single-valued binary labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values", [(1, 2), (0, 2), (3, 7), (-1, 1), (0, 1), (1234567, 1234568), (-1000001, 1000001)]
)
def test_two_numbers_follow_scikit_learn(tmp_path, values):
    yb, p = _binary(seed=4)
    neg, pos = values
    y = np.where(yb == 1, pos, neg)
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False)
    d = run_json(path)
    m = d["metrics"]
    pred = np.where(p > 0.5, pos, neg)
    # scikit-learn: the larger label is the positive class (roc_auc_score, log_loss), and
    # f1_score's default pos_label=1 fits 0/1 and -1/+1
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert d["losses"]["bce"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred, pos_label=pos), abs=1e-12)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    support = skm.precision_recall_fscore_support(y, pred, labels=[neg, pos])[3]
    assert [r["support"] for r in d["per_class"]] == support.tolist()
    note = d["inference"][0]
    if values in ((0, 1), (-1, 1)):
        assert "pos_label" not in d["signature"]
        assert note.startswith("task binary: labels are ")
    else:
        # the classes are named as written: ':g' named 1234567 and 1234568 both
        # '1.23457e+06', so class_metrics kept one of them
        assert d["classes"] == list(d["class_metrics"]) == [str(neg), str(pos)]
        assert f"|pos_label={pos}|" in d["signature"]
        assert note == (
            f"task binary: one prediction column; labels take two values, {neg} and {pos}: the "
            f"larger, {pos}, is the positive class (as scikit-learn; --pos-label {neg} for the "
            "other)"
        )


@pytest.mark.parametrize("values", [(1, 2), (0, 1), (-1, 1)])
def test_pos_label_chooses_the_other_class(tmp_path, values):
    yb, p = _binary(seed=5)
    neg, pos = values
    y = np.where(yb == 1, neg, pos)  # the score p is now of the smaller value
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False)
    d = run_json(path, "--pos-label", neg)
    pred = np.where(p > 0.5, neg, pos)
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, pred, pos_label=neg), abs=1e-12)
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y == neg, p), abs=1e-12)
    assert f"|pos_label={neg}|" in d["signature"]
    assert d["inference"][0] == (
        f"task binary: one prediction column; positive class {neg} (--pos-label)"
    )


def test_pos_label_that_changes_nothing_leaves_the_signature(tmp_path):
    y, p = _binary(n=40, seed=6)
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False)
    assert run_json(path, "--pos-label", "1")["signature"] == run_json(path)["signature"]


def test_per_sample_rows_name_the_label_values(tmp_path):
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": [1, 2, 2], "prob": [0.2, 0.9, 0.4]}).to_csv(path, index=False)
    r = run(path, "--per-sample", tmp_path / "per.csv", "--format", "json")
    assert r.exit_code == 0, r.stderr
    rows = pd.read_csv(tmp_path / "per.csv")
    assert rows["label"].tolist() == [1, 2, 2] and rows["prediction"].tolist() == [1, 2, 1]


@pytest.mark.parametrize("values", [(-1, 1), (0, 1), (1, 2), (0, 2)])
@pytest.mark.parametrize("n_cols", [1, 2])
def test_binary_classes_are_named_by_the_label_values(tmp_path, values, n_cols):
    """The report names the binary classes (``classes``, ``per_class``, ``class_metrics``)
    and writes the per-sample ``label`` / ``prediction`` as the file's label values: -1/+1
    labels were reported as classes '0' and '1' and written as 0 in per-sample rows, where
    1/2 labels kept their own names. The per-class numbers are scikit-learn's with the same
    labels (``precision_recall_fscore_support(labels=[neg, pos])``)."""
    yb, p = _binary(n=120, seed=6)
    neg, pos = values
    y = np.where(yb == 1, pos, neg)
    if n_cols == 2 and values not in ((-1, 1), (0, 1)):
        return  # two columns (negative, positive) take 0/1 or -1/+1 labels
    df = pd.DataFrame({"label": y, "prob": p})
    if n_cols == 2:
        df = pd.DataFrame({"label": y, "p_neg": 1 - p, "p_pos": p})
    path = tmp_path / "b.csv"
    df.to_csv(path, index=False)
    task = ["--task", "binary"] if n_cols == 2 else []  # -1 is no class index of 2 columns
    d = run_json(path, "--per-sample", tmp_path / "per.csv", *task)
    pred = np.where(p > 0.5, pos, neg)
    names = ["p_neg", "p_pos"] if n_cols == 2 else [str(neg), str(pos)]
    assert d["classes"] == names and [r["class"] for r in d["per_class"]] == names
    prec, rec, f1, _ = skm.precision_recall_fscore_support(y, pred, labels=[neg, pos])
    for k, name in enumerate(names):
        row = d["class_metrics"][name]
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx(
            (prec[k], rec[k], f1[k]), abs=1e-12
        )
    rows = pd.read_csv(tmp_path / "per.csv")
    assert rows["label"].tolist() == y.tolist()
    assert rows["prediction"].tolist() == pred.tolist()


def test_a_third_value_after_the_decision_rows_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr("losscli.engine.INFER_ROWS", 2)  # decide from rows 1-2 only
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": [1, 2, 1, 3], "prob": [0.2, 0.9, 0.4, 0.5]}).to_csv(path, index=False)
    assert run_error(path, "--chunk-size", "2") == (
        f"{path}: line 5: label 3 is neither 1 nor 2, the two values of the binary labels"
    )


@pytest.mark.parametrize(
    "labels,pos",
    [(["yes", "no", "yes", "no", "no"], "yes"), (["b", "a", "a", "b", "a"], "a")],
)
def test_text_labels_need_the_column_name_or_pos_label(tmp_path, labels, pos):
    p = np.array([0.9, 0.3, 0.6, 0.2, 0.45])
    path = tmp_path / "t.csv"
    pd.DataFrame({"label": labels, "prob": p}).to_csv(path, index=False)
    shown = ", ".join(repr(v) for v in sorted(set(labels)))
    assert run_error(path) == (
        f"binary class-name labels ({shown}) do not include the prediction column's name "
        "'prob', so which class it scores is unknown; pass --pos-label NAME"
    )
    d = run_json(path, "--pos-label", pos)
    y = np.array(labels)
    neg = next(v for v in sorted(set(labels)) if v != pos)
    pred = np.where(p > 0.5, pos, neg)
    assert d["classes"] == [neg, pos]
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, pred, pos_label=pos), abs=1e-12)
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y == pos, p), abs=1e-12)
    assert f"|pos_label={pos}|" in d["signature"]
    assert (
        f"labels: positive class {pos!r} (--pos-label), scored by column 'prob'" in (d["inference"])
    )


def test_text_labels_named_by_the_column_need_no_flag(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"label": ["spam", "ham", "spam"], "spam": [0.8, 0.3, 0.4]}).to_csv(
        path, index=False
    )
    d = run_json(path)
    assert d["classes"] == ["ham", "spam"] and "pos_label" not in d["signature"]
    assert run_error(path, "--pos-label", "ham") == (
        "--pos-label 'ham' contradicts the prediction column 'spam', which names the class it "
        "scores; drop --pos-label or rename the column"
    )
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"label": ["spam", "ham", "spma"], "spam": [0.8, 0.3, 0.4]}).to_csv(
        bad, index=False
    )
    assert run_error(bad) == (
        "binary class-name labels take two values, but there are 3 ('ham', 'spam', 'spma') and "
        "one prediction column; fix the labels, or give one prediction column per class"
    )


@pytest.mark.parametrize("value", ["yes", "2", "7"])
def test_single_valued_labels_need_pos_label(tmp_path, value):
    path = tmp_path / "s.csv"
    pd.DataFrame({"label": [value] * 4, "prob": [0.9, 0.2, 0.7, 0.6]}).to_csv(path, index=False)
    if value == "yes":
        expected = (
            "every label is 'yes' and the prediction column 'prob' names no class, so which "
            "class is positive is unknown; pass --pos-label (e.g. --pos-label yes if 'yes' is "
            "the positive class)"
        )
    else:
        expected = (
            f"every label is {value}, which does not say which class is positive; pass "
            f"--pos-label {value} if it is the positive class, or --task regression if the "
            "labels are quantities"
        )
    assert run_error(path) == expected
    d = run_json(path, "--pos-label", value)
    assert d["classes"] == [f"not {value}", value]
    assert d["metrics"]["recall"] == pytest.approx(3 / 4)  # all positive, 3 of 4 above 0.5
    assert any("the first other" in n and "a third an error" in n for n in d["inference"])


def test_single_valued_labels_with_the_other_class(tmp_path):
    # --pos-label names the class that is absent: every row is negative
    path = tmp_path / "s.csv"
    pd.DataFrame({"label": ["no"] * 3, "prob": [0.9, 0.2, 0.7]}).to_csv(path, index=False)
    d = run_json(path, "--pos-label", "yes")
    assert d["classes"] == ["no", "yes"]
    assert d["metrics"]["specificity"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--pos-label", "5"], "--pos-label 5 is not one of the labels (1, 2)"),
        (
            ["--pos-label", "yes"],
            "--pos-label 'yes' is not a number, but the labels are numbers (1, 2)",
        ),
    ],
)
def test_pos_label_must_be_a_label(tmp_path, args, message):
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": [1, 2, 1], "prob": [0.2, 0.9, 0.4]}).to_csv(path, index=False)
    assert run_error(path, *args) == message


def test_pos_label_is_for_binary_data(tmp_path):
    y, p = _multiclass(n=20)
    path = tmp_path / "m.csv"
    pd.DataFrame({"label": y, "a": p[:, 0], "b": p[:, 1], "c": p[:, 2]}).to_csv(path, index=False)
    assert run_error(path, "--pos-label", "1") == (
        "--pos-label is for binary data; the task is multiclass"
    )


# --------------------------------------------------------------------------------------------
# class names that look like numbers
# --------------------------------------------------------------------------------------------


def _numbered(tmp_path, labels, names=("1", "2", "3"), seed=7):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(len(names)), len(labels))
    path = tmp_path / "n.csv"
    df = pd.DataFrame(p, columns=list(names))
    df.insert(0, "label", labels)
    df.to_csv(path, index=False)
    return path, np.asarray(labels), p


def test_labels_fitting_both_readings_ask(tmp_path):
    path, y, p = _numbered(tmp_path, [1, 2, 2, 1, 2])
    assert run_error(path) == (
        "the labels (1, 2) fit the prediction columns (1, 2, 3) both by name (label 1 is column "
        "'1') and as 0-based indices (label 1 is column '2'); pass --labels-are name or "
        "--labels-are index"
    )
    by_name = run_json(path, "--labels-are", "name")
    names = np.array([1, 2, 3])
    assert by_name["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(y, names[p.argmax(1)]), abs=1e-12
    )
    assert by_name["losses"]["ce"] == pytest.approx(skm.log_loss(y, p, labels=names), rel=1e-9)
    assert "|labels_are=name|" in by_name["signature"]
    by_index = run_json(path, "--labels-are", "index")
    assert by_index["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(y, p.argmax(1)), abs=1e-12
    )
    assert "labels_are" not in by_index["signature"]


@pytest.mark.parametrize(
    "labels,reading",
    [([1, 3, 2, 3], "name"), ([0, 2, 1, 1], "index")],  # 3 is no index; 0 is no name
)
def test_labels_fitting_one_reading_take_it_and_say_so(tmp_path, labels, reading):
    path, y, p = _numbered(tmp_path, labels)
    d = run_json(path)
    expected = np.array([1, 2, 3])[p.argmax(1)] if reading == "name" else p.argmax(1)
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, expected), abs=1e-12)
    if reading == "name":
        assert (
            "labels: labels are the prediction columns' names (1, 2, 3), not 0-based indices"
            in (d["inference"])
        )
    else:
        assert any(
            n.startswith("labels: labels are 0-based column indices") for n in d["inference"]
        )


def test_columns_named_0_to_c_minus_1_are_one_reading(tmp_path):
    path, y, p = _numbered(tmp_path, [0, 2, 1, 1], names=("0", "1", "2"))
    d = run_json(path)
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p.argmax(1)), abs=1e-12)
    assert not any(n.startswith("labels:") for n in d["inference"])


def test_a_label_that_names_no_column(tmp_path):
    path, _, _ = _numbered(tmp_path, [1, 2, 4, 2])
    assert run_error(path, "--labels-are", "name") == (
        f"{path}: line 4: label 4 is not the name of a prediction column; they are '1', '2', "
        "'3' (--labels-are index reads labels as 0-based indices)"
    )


# --------------------------------------------------------------------------------------------
# option values, checked where they enter
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,message",
    [
        (True, "--threshold: the value is true, a boolean; thresholds are numbers in [0, 1]"),
        ([0.3, "a"], '--threshold: item 2 is "a", not a number; thresholds are numbers in [0, 1]'),
        (
            float("nan"),
            "--threshold: the value is nan, not a finite number; thresholds are numbers in [0, 1]",
        ),
        (
            {"a": 1.5},
            "--threshold: the threshold of 'a' is 1.5, outside [0, 1]; thresholds are "
            "probabilities",
        ),
    ],
)
def test_python_api_checks_thresholds_too(value, message):
    with pytest.raises(UsageError) as e:
        evaluate(
            str(Path(__file__).resolve().parents[2] / "sample_data/breast_cancer.csv"),
            threshold=value,
        )
    assert str(e.value) == message


def test_a_threshold_file_from_thresholds_round_trips(tmp_path):
    root = Path(__file__).resolve().parents[2] / "sample_data"
    out = tmp_path / "t.json"
    r = invoke("thresholds", root / "breast_cancer.csv", "--write", out)
    assert r.exit_code == 0, r.stderr
    best = json.loads(out.read_text())["best"]["threshold"]
    d = run_json(root / "breast_cancer.csv", "--threshold", f"@{out}")
    assert f"|threshold={best}|" in d["signature"]


@pytest.mark.parametrize(
    "task,why", [("multiclass", "the prediction is the argmax"), ("regression", "no classes")]
)
def test_a_threshold_that_changes_nothing_is_a_warning(tmp_path, task, why):
    if task == "multiclass":
        y, p = _multiclass(n=30)
        df = pd.DataFrame(p, columns=["a", "b", "c"])
    else:
        y, p = np.array([1.5, 2.0, 3.0]), np.array([1.2, 2.2, 2.9])
        df = pd.DataFrame({"pred": p})
    df.insert(0, "label", y)
    df.to_csv(tmp_path / "d.csv", index=False)
    r = run(tmp_path / "d.csv", "--threshold", "0.3", "--format", "json")
    assert r.exit_code == 0
    assert f"warning: --threshold changes nothing for {task} data ({why})\n" in r.stderr
    r = run(tmp_path / "d.csv", "--threshold", "0.3", "--strict")
    assert r.exit_code == 2 and r.stdout == ""


def _decimal_rows(c: int, total: str) -> np.ndarray:
    """Rows of ``c`` probabilities written with 4 decimals whose decimal sum is ``total``
    (``"0.9999"``, ``"1.0001"``, ...), as ``DataFrame.round(4).to_csv()`` writes them."""
    from decimal import Decimal

    base = (Decimal(1) / c).quantize(Decimal("0.0001"))
    rows = []
    for shift in range(6):  # different rows, the same decimal sum
        row = [base] * c
        row[shift % c] += Decimal("0.0001") * shift
        row[(shift + 1) % c] -= Decimal("0.0001") * shift
        row[-1] += Decimal(total) - sum(row)
        rows.append([float(v) for v in row])
    return np.array(rows)


@pytest.mark.parametrize("c", [3, 4, 7, 10])
@pytest.mark.parametrize("total", ["0.9999", "1.0001"])
def test_rows_off_by_exactly_the_tolerance_are_probabilities(tmp_path, c, total):
    """A row off 1 by 1e-4 is within the documented tolerance ("more than 1e-4" is
    renormalised), though the float sum of its decimals can be off by 1.00000000000001e-4:
    read as probabilities as given, no warning; log loss as scikit-learn's ``log_loss``
    (which takes such rows as given)."""
    p = _decimal_rows(c, total)
    y = np.arange(len(p)) % c
    f = tmp_path / "p.csv"
    pd.DataFrame(p, columns=[f"c{i}" for i in range(c)]).assign(label=y).to_csv(f, index=False)
    r = run(f, "--format", "json")
    assert r.exit_code == 0 and "renormalised" not in r.stderr, r.stderr
    d = json.loads(r.stdout)
    assert d["scores"] == "probs"
    assert d["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=range(c)), rel=1e-12)


def test_the_tolerance_slack_matters_for_some_decimal_rows():
    """The premise of the test above: some of its rows' float sums are off by more than 1e-4."""
    sums = np.concatenate([_decimal_rows(c, t).sum(axis=1) for c in (3, 4, 7, 10)
                           for t in ("0.9999", "1.0001")])  # fmt: skip
    assert np.any(np.abs(sums - 1.0) > 1e-4)


@pytest.mark.parametrize("total", ["0.99989", "1.00011"])
def test_rows_off_by_more_than_the_tolerance_ask(tmp_path, total):
    p = np.array([[0.5, 0.25, float(total) - 0.75]] * 3)
    f = tmp_path / "p.csv"
    pd.DataFrame(p, columns=["a", "b", "c"]).assign(label=[0, 1, 2]).to_csv(f, index=False)
    assert run_error(f) == (
        "cannot tell the score kind: values are in [0, 1] but rows do not sum to 1; "
        "pass --scores probs (rows are renormalised) or --scores logits"
    )


def _columns_file(tmp_path, labels, cols):
    """A CSV with the labels and the named columns, 60 rows of random numbers."""
    rng = np.random.default_rng(7)
    n = len(labels)
    data = {"label": labels}
    for name, kind in cols.items():
        data[name] = {
            "prob": rng.uniform(0.01, 0.99, n),
            "loss": rng.uniform(0.0, 3.0, n),
            "logit": rng.normal(0.0, 2.0, n),
        }[kind]
    path = tmp_path / "cols.csv"
    pd.DataFrame(data).to_csv(path, index=False)
    return path


BINARY_LABELS = [i % 2 for i in range(60)]


@pytest.mark.parametrize(
    "labels, cols",
    [
        (BINARY_LABELS, {"prob": "prob", "loss": "loss", "margin": "logit"}),
        (BINARY_LABELS, {"margin": "logit", "conf": "prob", "w": "loss", "z": "logit"}),
        (
            [(-100 if i % 7 == 0 else i % 2) for i in range(60)],
            {"prob": "prob", "loss": "loss", "margin": "logit"},
        ),
    ],
)
def test_binary_labels_beside_a_probability_and_other_columns_ask(tmp_path, labels, cols):
    """0/1 labels with three or more default columns, exactly one of them within [0, 1]:
    read as one model's logits they would be classes that never occur (scikit-learn's
    roc_auc_score(label, prob) is the number the user meant); losscli asks, and both
    readings it names are one flag away."""
    path = _columns_file(tmp_path, labels, cols)
    prob = next(c for c, k in cols.items() if k == "prob")
    r = run(str(path), "--format", "json")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(
        f"Error: every label is 0 or 1, but the {len(cols)} prediction columns would be "
        f"{len(cols)} classes' logits and only {prob!r} is within [0, 1]; choose the score "
        f"column with --pred-cols {prob}"
    )
    assert run_json(str(path), "--scores", "logits")["task"] == "multiclass"
    df = pd.read_csv(path)
    if (df["label"] == -100).any():
        return  # binary rows have no ignored label (the hostile table's case)
    out = run_json(str(path), "--pred-cols", prob)
    assert out["metrics"]["roc_auc"] == pytest.approx(
        skm.roc_auc_score(df["label"], df[prob]), abs=1e-12
    )


@pytest.mark.parametrize(
    "labels, cols",
    [
        # a third class occurs: three classes' logits are the reading that fits
        ([i % 3 for i in range(60)], {"prob": "prob", "loss": "loss", "margin": "logit"}),
        # no column within [0, 1]: logits of a model whose third class is absent here
        (BINARY_LABELS, {"a": "logit", "b": "logit", "c": "logit"}),
        # two columns within [0, 1]: no one probability stands out
        (BINARY_LABELS, {"p": "prob", "q": "prob", "margin": "logit"}),
    ],
)
def test_logits_that_fit_the_labels_are_taken(tmp_path, labels, cols):
    path = _columns_file(tmp_path, labels, cols)
    out = run_json(str(path))
    assert out["task"] == "multiclass" and out["scores"] == "logits"
    df = pd.read_csv(path)
    x = df[list(cols)].to_numpy()
    pred = x.argmax(axis=1)
    assert out["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(df["label"], pred), abs=1e-12
    )


def _probs_beside(tmp_path, kind, extras, *, names=False):
    """Multi-class scores (probabilities or log-probabilities, rows summing to 1) with
    other numbers beside them (an entropy, a confidence, a margin, a loss, a temperature),
    as a model's evaluation script writes them; 200 rows, 3 classes."""
    rng = np.random.default_rng(11)
    y, p = _multiclass(n=200, c=3, seed=3)
    cls = ["cat", "dog", "bird"] if names else ["a", "b", "c"]
    scores = np.log(p) if kind == "log-probs" else p
    data = {"label": np.array(cls)[y] if names else y}
    data.update({c: scores[:, i] for i, c in enumerate(cls)})
    other = {
        "entropy": -(p * np.log(p)).sum(axis=1),
        "conf": p.max(axis=1),
        "log_conf": np.log(p.max(axis=1)),
        "margin": np.sort(p, axis=1)[:, -1] - np.sort(p, axis=1)[:, -2] + 1.0,
        "loss": -np.log(p[np.arange(len(y)), y]) + rng.uniform(0, 0.1, len(y)),
        "temperature": np.full(len(y), 1.5),
    }
    data.update({e: other[e] for e in extras})
    path = tmp_path / "scores.csv"
    pd.DataFrame(data).to_csv(path, index=False)
    return path, y, p, cls


@pytest.mark.parametrize(
    "kind, extras, names",
    [
        ("probs", ["entropy"], False),
        ("probs", ["temperature"], False),
        ("probs", ["margin"], True),
        ("probs", ["conf", "loss"], False),
        ("log-probs", ["entropy"], False),
        ("log-probs", ["log_conf", "loss"], True),
    ],
)
def test_probabilities_beside_other_numbers_ask(tmp_path, kind, extras, names):
    """Rows of some default columns sum to 1 (probabilities, or log-probabilities by
    sum exp) and the others' do not: read together as logits they would add classes that
    never occur (probabilities beside a temperature 1.5 made every row predict the
    'temperature' class: accuracy 0 with exit 0). losscli asks; --pred-cols gives
    scikit-learn's numbers on the probabilities, --scores logits the other reading."""
    path, y, p, cls = _probs_beside(tmp_path, kind, extras, names=names)
    what = "probabilities (every row sums to 1)"
    if kind == "log-probs":
        what = "log-probabilities (every row sums to 1 as exp)"
    n_cols = 3 + len(extras)
    rest = ", ".join(repr(e) for e in extras)
    assert run_error(str(path)) == (
        f"the prediction columns {', '.join(repr(c) for c in cls)} hold {what} but {rest} "
        f"{'does' if len(extras) == 1 else 'do'} not fit them: read together they would be "
        f"{n_cols} classes' logits; choose the score columns with --pred-cols {','.join(cls)}, "
        f"or pass --scores logits if all {n_cols} are logits"
    )
    out = run_json(str(path), "--pred-cols", ",".join(cls))
    assert out["scores"] == kind and out["classes"] == cls
    m = out["metrics"]
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p.argmax(axis=1)), abs=1e-12)
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert m["roc_auc_macro"] == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr"), abs=1e-9)
    other = run_json(str(path), "--scores", "logits")
    assert other["scores"] == "logits" and len(other["classes"]) == n_cols


@pytest.mark.parametrize("kind", ["probs", "log-probs", "logits"])
def test_scores_alone_are_not_asked_about(tmp_path, kind):
    """The same scores without another number beside them are read as before."""
    y, p = _multiclass(n=200, c=4, seed=5)
    x = {"probs": p, "log-probs": np.log(p), "logits": np.log(p) + 3.0}[kind]
    df = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    df.insert(0, "label", y)
    path = tmp_path / "scores.csv"
    df.to_csv(path, index=False)
    out = run_json(str(path))
    assert out["scores"] == kind and out["classes"] == ["a", "b", "c", "d"]
    assert out["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)


def _multilabel_files(tmp_path, label_names, pred_names=("a", "b", "c", "d")):
    rng = np.random.default_rng(9)
    y = (rng.random((150, 4)) < [0.3, 0.5, 0.6, 0.4]).astype(int)
    x = rng.normal(size=y.shape) + 1.5 * (2 * y - 1)
    pd.DataFrame(x, columns=list(pred_names)).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame(y, columns=list(label_names)).to_csv(tmp_path / "y.csv", index=False)
    return tmp_path / "p.csv", tmp_path / "y.csv", y, x


@pytest.mark.parametrize(
    "label_names, order, note",
    [
        # no names to pair by: by position, and the report says so
        (("t1", "t0", "t2", "t3"), [0, 1, 2, 3], "position"),
        (("l_0", "l_1", "l_2", "l_3"), [0, 1, 2, 3], "position"),
        # the same names, or one prefix / suffix around them: by name
        (("d", "c", "b", "a"), [3, 2, 1, 0], "name"),
        (("y_b", "y_a", "y_c", "y_d"), [1, 0, 2, 3], "name"),
        (("d_true", "c_true", "b_true", "a_true"), [3, 2, 1, 0], "name"),
        # by name, in the written order: nothing to say
        (("a", "b", "c", "d"), [0, 1, 2, 3], None),
        (("y_a", "y_b", "y_c", "y_d"), [0, 1, 2, 3], None),
    ],
)
def test_label_columns_of_a_labels_file_pair_by_name_or_say_by_position(
    tmp_path, label_names, order, note
):
    """Several label columns in LABELS pair with the prediction columns by name when the
    names are the same or one shared prefix / suffix around them (``y_a`` for ``a``), else
    by position; both readings are in ``inference`` unless the names pair them in the
    written order (it was taken by position silently). The numbers are scikit-learn's on
    the columns as paired."""
    p, yf, y, x = _multilabel_files(tmp_path, label_names)
    d = run_json(p, yf)
    notes = [s for s in d["inference"] if s.startswith("label columns of ")]
    if note == "position":
        pairs = ", ".join(f"{a!r} with {b!r}" for a, b in zip(label_names[:3], "abc"))
        assert notes == [
            f"label columns of {yf} paired with the prediction columns by position, their "
            f"names differ: {pairs}, …; name them alike to pair them by name (or give "
            "--label-col and --pred-cols in order)"
        ]
    elif note == "name" and set(label_names) != set("abcd"):
        by_pred = sorted(label_names, key=lambda n: n.replace("y_", "").replace("_true", ""))
        pairs = ", ".join(f"{a!r} with {b!r}" for a, b in zip(by_pred[:3], "abc"))
        assert notes == [
            f"label columns of {yf} paired with the prediction columns by name: {pairs}, … "
            "(not in the order they are written; give --label-col and --pred-cols to pair "
            "them otherwise)"
        ]
    else:
        assert notes == []
    truth = y[:, np.argsort(order)]
    pred = (x > 0).astype(int)
    assert d["metrics"]["f1_macro"] == pytest.approx(
        skm.f1_score(truth, pred, average="macro"), abs=1e-12
    )
    assert d["metrics"]["roc_auc_macro"] == pytest.approx(
        skm.roc_auc_score(truth, x, average="macro"), abs=1e-12
    )


def test_label_and_prediction_columns_given_in_order_need_no_note(tmp_path):
    p, yf, y, x = _multilabel_files(tmp_path, ("t1", "t0", "t2", "t3"))
    d = run_json(p, yf, "--label-col", "t0,t1,t2,t3", "--pred-cols", "a,b,c,d")
    assert not [s for s in d["inference"] if s.startswith("label columns of ")]
    truth = y[:, [1, 0, 2, 3]]
    assert d["metrics"]["f1_macro"] == pytest.approx(
        skm.f1_score(truth, (x > 0).astype(int), average="macro"), abs=1e-12
    )


@pytest.mark.parametrize(
    "first, second",
    [
        ("1", "0"),
        ("p1", "p0"),
        ("prob_1", "prob_0"),
        ("logit_pos", "logit_neg"),
        ("pos_prob", "neg_prob"),
        ("Yes", "No"),
        ("positive", "negative"),
        ("true", "false"),
    ],
)
def test_two_binary_columns_named_positive_first_ask(tmp_path, first, second):
    """Two binary prediction columns whose names say (positive, negative): by position the
    second scores the positive class, by name the first; read by position every number was
    that of the negative class's scores (ROC AUC 1 - AUC) with exit 0. losscli asks; in
    order, the numbers are scikit-learn's on the positive column."""
    y, p = _binary(n=150, seed=8)
    path = tmp_path / "two.csv"
    pd.DataFrame({"label": y, first: p, second: 1 - p}).to_csv(path, index=False)
    assert run_error(path) == (
        f"the prediction columns are named {first!r}, {second!r}: by position the second "
        "scores the positive class 1, by name it scores class 0; put them in order with "
        f"--pred-cols {second},{first}"
    )
    d = run_json(path, "--pred-cols", f"{second},{first}")
    assert d["classes"] == [second, first]
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, (p > 0.5).astype(int)), abs=1e-12)


@pytest.mark.parametrize(
    "first, second",
    [("p0", "p1"), ("neg", "pos"), ("no", "yes"), ("logit_a", "logit_b"), ("m1", "m2")],
)
def test_two_binary_columns_in_order_or_unnamed_are_taken(tmp_path, first, second):
    y, p = _binary(n=150, seed=8)
    path = tmp_path / "two.csv"
    pd.DataFrame({"label": y, first: 1 - p, second: p}).to_csv(path, index=False)
    d = run_json(path)
    assert d["task"] == "binary" and d["classes"] == [first, second]
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)


def _suffixed(tmp_path, names, order, labels_offset=0, c=3, n=240):
    """Probabilities of ``c`` classes in columns ``names`` holding classes ``order``."""
    rng = np.random.default_rng(12)
    y = rng.integers(0, c, n)
    z = rng.normal(size=(n, c)) + 2.0 * np.eye(c)[y]
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    df = pd.DataFrame(p[:, order], columns=names)
    df.insert(0, "label", y + labels_offset)
    path = tmp_path / "suffixed.csv"
    df.to_csv(path, index=False)
    return path, y, p


@pytest.mark.parametrize(
    "names, order",
    [
        (["prob_2", "prob_0", "prob_1"], [2, 0, 1]),
        (["class1", "class0", "class2"], [1, 0, 2]),
        # 12 classes whose columns were sorted as text: prob_0, prob_1, prob_10, prob_11, ...
        (
            sorted(f"prob_{i}" for i in range(12)),
            [int(s[5:]) for s in sorted(f"prob_{i}" for i in range(12))],
        ),
    ],
)
def test_columns_numbered_by_a_suffix_in_another_order_ask(tmp_path, names, order):
    """Prediction columns named one prefix and a class number (``prob_0 …``) in an order
    other than 0, 1, 2, …: a whole-number label is the column with its number, or the
    column at that index, as for columns named ``2, 0, 1``; they were read as indices
    silently (accuracy 0.11 where scikit-learn gives 0.8). losscli asks; --labels-are name
    gives scikit-learn's numbers."""
    c = len(names)
    path, y, p = _suffixed(tmp_path, names, order, c=c, n=60 * c)
    msg = run_error(path)
    assert msg.startswith(f"the labels ({_listed_ints(np.unique(y))}) fit the prediction columns (")
    assert msg.endswith("; pass --labels-are name or --labels-are index")
    d = run_json(path, "--labels-are", "name")
    assert d["classes"] == names
    assert d["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(y, p.argmax(axis=1)), abs=1e-12
    )
    assert d["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)


def _listed_ints(values, limit=6):
    shown = ", ".join(f"{int(v)}" for v in values[:limit])
    return shown + (", …" if len(values) > limit else "")


@pytest.mark.parametrize(
    "names, offset, reading",
    [
        (["class_1", "class_2", "class_3"], 1, "name"),  # labels 1..3: only by name
        (["p0", "p1", "p2"], 0, None),  # 0..C-1 in order: both readings agree
        (["class_1", "class_2", "class_3"], 0, "index"),  # labels 0..2: only as indices
    ],
)
def test_columns_numbered_by_a_suffix_take_the_reading_that_fits(tmp_path, names, offset, reading):
    path, y, p = _suffixed(tmp_path, names, [0, 1, 2], labels_offset=offset)
    d = run_json(path)
    notes = [s for s in d["inference"] if s.startswith("labels: ")]
    if reading == "name":
        assert notes == [
            "labels: labels are the prediction columns' names (class_1, class_2, class_3), "
            "not 0-based indices"
        ]
    elif reading == "index":
        assert notes == [
            "labels: labels are 0-based column indices, not the columns' names (class_1, "
            "class_2, class_3); --labels-are name to read them by name"
        ]
    else:
        assert notes == []
    assert d["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(y, p.argmax(axis=1)), abs=1e-12
    )


@pytest.mark.parametrize("task", ["regression", "multilabel"])
def test_label_columns_in_the_same_file_pair_by_their_names(tmp_path, task):
    """Label columns in the predictions file (``--label-col 'y_*'``) named a prefix around
    the prediction columns' names pair by name whatever the order the columns are written
    in: ``b, a, y_a, y_b`` paired 'b' with 'y_a' (R² -4732 for sklearn's 0.73, exit 0)."""
    rng = np.random.default_rng(13)
    n = 200
    if task == "regression":
        y = np.c_[rng.normal(0, 1, n), rng.normal(100, 10, n)]
        yhat = y + rng.normal(size=y.shape) * [0.5, 5.0]
    else:
        y = (rng.random((n, 2)) < [0.3, 0.6]).astype(int)
        yhat = rng.normal(size=y.shape) + 1.5 * (2 * y - 1)
    path = tmp_path / "same.csv"
    df = pd.DataFrame({"b": yhat[:, 1], "a": yhat[:, 0], "y_a": y[:, 0], "y_b": y[:, 1]})
    df.to_csv(path, index=False)
    d = run_json(path, "--label-col", "y_*", "--task", task)
    assert (
        f"label columns of {path} paired with the prediction columns by name: 'y_b' with 'b', "
        "'y_a' with 'a' (not in the order they are written; give --label-col and --pred-cols "
        "to pair them otherwise)"
    ) in d["inference"]
    if task == "regression":
        assert d["metrics"]["r2"] == pytest.approx(skm.r2_score(y, yhat), rel=1e-9)
        assert [o["output"] for o in d["per_output"]] == ["y_b", "y_a"]
    else:
        pred = (yhat > 0).astype(int)
        assert d["metrics"]["f1_macro"] == pytest.approx(
            skm.f1_score(y, pred, average="macro"), abs=1e-12
        )
        assert d["metrics"]["roc_auc_macro"] == pytest.approx(
            skm.roc_auc_score(y, yhat, average="macro"), abs=1e-12
        )


@pytest.mark.parametrize("name", ["p_neg", "neg_prob", "prob_negative", "prob_no", "False"])
@pytest.mark.parametrize("values", [(0, 1), (-1, 1)])
def test_one_binary_column_named_for_the_negative_class_asks(tmp_path, name, values):
    """One binary column whose name says it scores the negative class (``p_neg``, ``no``),
    beside 0/1 or -1/+1 labels: read as the positive class's score, every number was that
    of the other class (ROC AUC 1 - AUC) with exit 0. losscli asks for --pos-label, as for
    a column named like the negative label value; --pos-label NEG gives scikit-learn's
    numbers with that class positive."""
    yb, p = _binary(n=150, seed=9)
    neg, pos = values
    y = np.where(yb == 1, pos, neg)
    path = tmp_path / "one.csv"
    pd.DataFrame({"label": y, name: 1 - p}).to_csv(path, index=False)
    assert run_error(path) == (
        f"the prediction column is named {name!r}, like the label {neg}, but {pos} is the "
        f"positive class by the labels' values; pass --pos-label {neg} if the column scores "
        f"label {neg}, or --pos-label {pos}"
    )
    d = run_json(path, "--pos-label", str(neg))
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y == neg, 1 - p), abs=1e-12)
    assert d["metrics"]["f1"] == pytest.approx(
        skm.f1_score(y, np.where(1 - p > 0.5, neg, pos), pos_label=neg), abs=1e-12
    )


@pytest.mark.parametrize(
    "name", ["0", "prob", "p1", "prob_1", "logit_pos", "score", "s0", "logits:0", "p0"]
)
def test_one_binary_column_not_named_for_the_negative_class_is_taken(tmp_path, name):
    """A lone column's digit is as often its position as a class (``s0``, ``logits:0``
    of an (N, 1) vector, ``0`` of an NPY column): only words say negative."""
    yb, p = _binary(n=150, seed=9)
    path = tmp_path / "one.csv"
    pd.DataFrame({"label": yb, name: p}).to_csv(path, index=False)
    d = run_json(path)
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(yb, p), abs=1e-12)
