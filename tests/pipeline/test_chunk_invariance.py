"""The chunk size never changes a decision (issue #14): the task, score kind, label encoding,
negative class and class names come from the first ``INFER_ROWS`` usable rows at every
``--chunk-size``, and rows further down that contradict them are an error naming the flag that
settles it, never another reading.

Reference values: scikit-learn live (``accuracy_score``, ``roc_auc_score``, ``f1_score``,
``log_loss``) on the reading the README documents.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from helpers import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli import engine

CHUNKS = (1, 2, 3, 7, None)  # None: the default chunk size


def run(path, *args, chunk=None):
    extra = [] if chunk is None else ["--chunk-size", chunk]
    return invoke("compute", path, *args, *extra, "--format", "json")


def outcome(path, *args, chunk=None):
    """(exit code, parsed JSON or the error line) of one run."""
    r = run(path, *args, chunk=chunk)
    if r.exit_code == 0:
        return 0, json.loads(r.stdout)
    assert r.stdout == "" and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    return r.exit_code, r.stderr


def same(a, b) -> bool:
    """Equal reports: every string, count and structure alike, floats to 1e-9 (the order of
    summation differs by chunk size)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12, nan_ok=True)
    return a == b


def error(path, *args, chunk=None) -> str:
    code, out = outcome(path, *args, chunk=chunk)
    assert code == 2, out
    return out[len("Error: ") : -1]


@contextmanager
def infer_rows(n):
    with mock.patch.object(engine, "INFER_ROWS", n):
        yield


def write(path, header, rows):
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


# --------------------------------------------------------------------------------------------
# the reported case: labels {1, 2} sorted, 1s first
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", CHUNKS)
def test_sorted_two_valued_labels_read_the_same_at_every_chunk_size(tmp_path, chunk):
    f = write(tmp_path / "f.csv", "label,prob", [(1, 0.8)] * 5 + [(2, 0.3)] * 5)
    code, d = outcome(f, chunk=chunk)
    assert code == 0, d
    y = np.array([1] * 5 + [2] * 5) == 2  # 2 is the positive class (the larger value)
    p = np.array([0.8] * 5 + [0.3] * 5)
    assert d["classes"] == ["1", "2"]
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5))
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert d["losses"]["bce"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert "the larger, 2, is the positive class" in d["inference"][0]
    assert same(d, outcome(f)[1])


@pytest.mark.parametrize(
    ("header", "rows", "args"),
    [
        ("label,prob", [(1, 0.8)] * 4 + [(2, 0.3)] * 4, []),  # {1, 2} sorted
        ("label,prob", [(0, 0.2)] * 4 + [(1, 0.9)] * 4, []),  # negative class first
        ("label,prob", [(1, 0.9)] * 4 + [(0, 0.2)] * 4, []),  # positive class first
        ("label,prob", [(2, 0.7)] * 4 + [(0, 0.2)] * 4, []),  # {0, 2}
        ("label,pos", [("pos", 0.9)] * 4 + [("neg", 0.2)] * 4, []),  # class names
        ("label,prob", [("yes", 0.9)] * 4 + [("no", 0.2)] * 4, ["--pos-label", "yes"]),
        ("label,prob", [(7, 0.9)] * 4 + [(3, 0.2)] * 4, ["--pos-label", "7"]),
        ("label,a,b", [(0, 0.9, 0.1)] * 4 + [(1, 0.3, 0.7)] * 4, []),  # two columns
        ("label,a,b,c", [(0, 0.8, 0.1, 0.1)] * 3 + [(2, 0.1, 0.2, 0.7)] * 3, []),
        ("label,a,b,c", [(0, 0.8, 0.1, 0.1)] * 3 + [(2, 1.5, 0.2, 0.7)] * 3, []),  # logits
        ("label,1,2,3", [(1, 0.8, 0.1, 0.1)] * 3 + [(3, 0.1, 0.2, 0.7)] * 3, []),  # names
        ("label,0,1,3,2", [(0, 0.7, 0.1, 0.1, 0.1)] * 3 + [(2, 0.1, 0.1, 0.1, 0.7)] * 3, []),
        ("a,b,pa,pb", [(1, 0, 0.9, 0.1)] * 3 + [(1, 1, 0.8, 0.7)] * 3, ["--label-col", "a,b"]),
        ("label,a,b", [(0.5, 0.2, 0.4)] * 3 + [(1, 0.3, 0.6)] * 3, []),  # soft targets
        ("label,a,b", [(0, -0.1, -2.4)] * 3 + [(1, -2.3, -0.105)] * 3, []),  # log-probs
        ("y,pred", [(3, 2.5)] * 3 + [(1.5, 0.5)] * 3, []),  # regression
        ("label,prob", [(0, 0.2)] * 3 + [(1, 1.7)] * 3, []),  # binary logits
    ],
)
def test_every_decision_is_the_same_at_every_chunk_size(tmp_path, header, rows, args):
    f = write(tmp_path / "f.csv", header, rows)
    for n in (2, 3, 4, engine.INFER_ROWS):
        with infer_rows(n):
            outcomes = {c: outcome(f, *args, chunk=c) for c in CHUNKS}
        assert all(same(o, outcomes[None]) for o in outcomes.values()), (n, outcomes)


# --------------------------------------------------------------------------------------------
# rows past the decision rows that contradict it: an error naming the flag
# --------------------------------------------------------------------------------------------


def test_a_label_other_than_0_1_after_0_1_decision_rows_names_pos_label(tmp_path):
    f = write(tmp_path / "f.csv", "label,prob", [(1, 0.8)] * 5 + [(2, 0.3)] * 5)
    with infer_rows(4):
        for chunk in CHUNKS:
            assert error(f, chunk=chunk) == (
                f"{f}: line 7: label 2 is not 0 or 1, but the labels losscli decided from (the "
                "first rows) are 0/1; pass --pos-label (the positive label) if the labels take "
                "two other values, or --task to change the task"
            )
        # --pos-label settles it: labels 1/2 with 2 positive, as one pass reads them
        d = outcome(f, "--pos-label", "2")[1]
    assert same(d["metrics"], outcome(f)[1]["metrics"])


@pytest.mark.parametrize(
    ("header", "labels", "args", "third", "neg"),
    [
        ("label,pos", ["pos"] * 4 + ["neg", "neg", "meh"], [], "'meh'", "'neg'"),
        ("label,prob", ["yes"] * 4 + ["no", "maybe"], ["--pos-label", "yes"], "'maybe'", "'no'"),
        ("label,prob", [2] * 4 + [1, 1, 3], ["--pos-label", "2"], "3", "1"),
    ],
)
def test_an_open_negative_class_closes_on_the_first_other_label(
    tmp_path, header, labels, args, third, neg
):
    rng = np.random.default_rng(0)
    probs = rng.uniform(size=len(labels)).round(3)
    f = write(tmp_path / "bad.csv", header, zip(labels, probs, strict=True))
    line = len(labels) + 1
    with infer_rows(4):  # the decision rows hold only the positive class
        for chunk in CHUNKS:
            assert error(f, *args, chunk=chunk) == (
                f"{f}: line {line}: label {third} is a third class: the binary labels' negative "
                f"class is {neg} ({f}: line 6), and there is one prediction column; fix the "
                "labels, or give one prediction column per class"
            )
    good = write(tmp_path / "good.csv", header, zip(labels[:-1], probs[:-1], strict=True))
    one_pass = outcome(good, *args)[1]
    with infer_rows(4):
        d = outcome(good, *args, chunk=2)[1]
    y = np.array([str(v) for v in labels[:-1]]) == str(labels[0])
    p = probs[:-1]
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert d["metrics"]["f1"] == pytest.approx(skm.f1_score(y, p >= 0.5))
    # the numbers and the class names of one pass; the note says where the negative was found
    assert same(d["metrics"], one_pass["metrics"]) and d["classes"] == one_pass["classes"]
    assert same(d["per_class"], one_pass["per_class"])
    assert f"negative class {neg}: the first other label ({good}: line 6)" in d["inference"]


def test_labels_read_by_name_that_the_index_reading_tells_apart_ask(tmp_path):
    # columns 0, 1, 3, 2: labels 0 and 1 are the same column by name and by index; 2 is not
    rows = [(0, 0.7, 0.1, 0.1, 0.1), (1, 0.1, 0.7, 0.1, 0.1)] * 2 + [(2, 0.1, 0.1, 0.1, 0.7)]
    f = write(tmp_path / "f.csv", "label,0,1,3,2", rows)
    one_pass = error(f)
    assert one_pass.endswith("pass --labels-are name or --labels-are index")
    with infer_rows(4):
        for chunk in CHUNKS:
            assert error(f, chunk=chunk) == (
                f"{f}: line 6: label 2 is column '2' by name but column '3' as a 0-based index "
                "(the labels above fit both readings); pass --labels-are name or --labels-are "
                "index"
            )
        d = outcome(f, "--labels-are", "name", chunk=1)[1]
    y = np.array([0, 1, 0, 1, 3])  # column positions of labels 0, 1, 0, 1, 2 by name
    assert d["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, [0, 1, 0, 1, 3]))


@pytest.mark.parametrize(
    ("last", "scores", "what", "fix"),
    [
        (
            (0, 0.5, 0.3, 0.1),
            "probs",
            "probabilities sum to 0.9",
            "--scores probs to renormalise such rows",
        ),  # fmt: skip
        (
            (0, -0.5, -1.2, -3.0),
            "log-probs",
            "exponentials of the log-probabilities sum to 0.957512",
            "--scores log-probs to renormalise such rows",
        ),  # fmt: skip
    ],
)
def test_multiclass_rows_off_the_inferred_score_kind_name_scores(tmp_path, last, scores, what, fix):
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]] * 2)
    p = np.log(p) if scores == "log-probs" else p
    rows = [(i % 3, *map(float, r)) for i, r in enumerate(p)] + [last]
    f = write(tmp_path / "f.csv", "label,a,b,c", rows)
    with infer_rows(6):
        for chunk in CHUNKS:
            assert error(f, chunk=chunk) == (
                f"{f}: line 8: the {what}, not 1, but --scores auto decided '{scores}' from the "
                f"rows above, where every row sums to 1; pass {fix}, or --scores logits if these "
                "are raw model outputs"
            )
    # in one pass the last row is among the decision rows: probs are then ambiguous (asked),
    # log-probabilities whose exponentials do not sum to 1 are logits
    if scores == "probs":
        assert error(f).startswith("cannot tell the score kind: values are in [0, 1]")
    else:
        assert outcome(f)[1]["scores"] == "logits"


def test_invalid_rows_among_the_decision_rows_are_refused_first(tmp_path):
    # row 2 has no prediction; the labels {1, 2, 3} would be refused too: the row comes first
    f = write(tmp_path / "f.csv", "label,prob", [(1, 0.2), (2, ""), (3, 0.4), (1, 0.5)])
    for chunk in CHUNKS:
        assert error(f, chunk=chunk) == (
            f"{f}: line 3: prediction column 'prob' is nan (missing, NaN or inf); fix the file "
            "or pass --drop-invalid to skip such rows"
        )
    # --drop-invalid decides from the rows it keeps, the same at every chunk size
    g = write(tmp_path / "g.csv", "label,prob", [(1, "")] * 3 + [(1, 0.8), (2, 0.3)] * 3)
    with infer_rows(2):
        seen = {c: outcome(g, "--drop-invalid", chunk=c) for c in CHUNKS}
    assert all(same(o, seen[None]) for o in seen.values())
    assert seen[None][1]["classes"] == ["1", "2"] and seen[None][1]["n_dropped"] == 3


# --------------------------------------------------------------------------------------------
# the property: random small files of every inference kind
# --------------------------------------------------------------------------------------------

_BINARY_SETS = [(0, 1), (1, 2), (0, 2), (-1, 1), (1,), (0, 1, 2), ("pos", "neg"), ("yes", "no")]


@st.composite
def files(draw):
    n = draw(st.integers(1, 9))
    kind = draw(st.sampled_from(["binary", "multiclass", "multilabel", "regression"]))
    rnd = st.floats(0, 1, allow_nan=False).map(lambda v: round(v, 2))
    wide = st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 2))
    args: list[str] = []
    if kind == "binary":
        values = draw(st.sampled_from(_BINARY_SETS))
        labels = draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))
        col = draw(st.sampled_from(["prob", "pos", "1", "2"]))
        scores = draw(st.lists(draw(st.sampled_from([rnd, wide])), min_size=n, max_size=n))
        header, rows = f"label,{col}", list(zip(labels, scores, strict=True))
        if draw(st.booleans()):
            args = ["--pos-label", str(draw(st.sampled_from(values)))]
    elif kind == "multiclass":
        names = draw(st.sampled_from([("0", "1", "2"), ("1", "2", "3"), ("a", "b", "c"),
                                      ("0", "2", "1")]))  # fmt: skip
        labels = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        probs = draw(st.booleans())
        rows = []
        for y in labels:
            r = draw(st.lists(rnd if probs else wide, min_size=3, max_size=3))
            if probs and sum(r) > 0 and draw(st.integers(0, 4)):
                r = [v / sum(r) for v in r]
            rows.append((y, *r))
        header = "label," + ",".join(names)
    elif kind == "multilabel":
        rows = [
            (*draw(st.lists(st.sampled_from([0, 1, 1, 2]), min_size=2, max_size=2)),
             *draw(st.lists(rnd, min_size=2, max_size=2)))
            for _ in range(n)
        ]  # fmt: skip
        header, args = "a,b,pa,pb", ["--label-col", "a,b"]
    else:
        labels = draw(st.lists(st.sampled_from([0, 1, 2.5, 3, -1.25]), min_size=n, max_size=n))
        rows = [(y, draw(wide)) for y in labels]
        header = "y,pred"
    if draw(st.booleans()):  # a missing prediction somewhere
        i = draw(st.integers(0, n - 1))
        rows[i] = (*rows[i][:-1], "")
        args += draw(st.sampled_from([[], ["--drop-invalid"]]))
    return header, rows, args


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=files(), infer=st.sampled_from([1, 2, 3, 5, None]))
def test_the_report_or_the_refusal_is_the_same_at_every_chunk_size(tmp_path, data, infer):
    header, rows, args = data
    f = write(tmp_path / "h.csv", header, rows)
    with infer_rows(infer or engine.INFER_ROWS):
        seen = {c: outcome(f, *args, chunk=c) for c in CHUNKS}
    # the same report, or a refusal at every chunk size (a chunk's checks run one after the
    # other, so two bad rows may be named in another order)
    codes = {c: o[0] for c, o in seen.items()}
    assert len(set(codes.values())) == 1, seen
    if seen[None][0] == 0:
        assert all(same(o, seen[None]) for o in seen.values()), seen


# --------------------------------------------------------------------------------------------
# the files common tools write: a column that is no score is never read as one
# --------------------------------------------------------------------------------------------


def _pandas_files(tmp_path, df):
    """The ways pandas and numpy write a frame's index beside its columns."""
    shifted = df.set_axis(np.arange(100 + len(df), 100, -1))  # not 0..N-1: Parquet stores it
    out = {}
    shifted.to_csv(out.setdefault("to_csv", tmp_path / "a.csv"))  # '' -> 'Unnamed: 0'
    shifted.reset_index().to_csv(out.setdefault("reset_index", tmp_path / "b.csv"), index=False)
    with_index = shifted.reset_index().rename(columns={"index": "x"}).set_index("x")
    with_index.reset_index(names="index").reset_index().to_csv(
        out.setdefault("level_0", tmp_path / "c.csv"), index=False
    )  # columns level_0, index, ...
    shifted.to_parquet(out.setdefault("parquet", tmp_path / "d.parquet"))  # __index_level_0__
    np.savez(out.setdefault("npz", tmp_path / "e.npz"), **shifted.reset_index())
    df.to_csv(out.setdefault("plain", tmp_path / "f.csv"), index=False)  # no index at all
    return out


@pytest.mark.parametrize("kind", ["binary", "binary2", "multiclass"])
def test_a_pandas_index_is_no_prediction_in_any_format(tmp_path, kind):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3 if kind == "multiclass" else 2, 40)
    if kind == "binary":
        df = pd.DataFrame({"label": y, "prob": rng.uniform(size=40).round(3)})
        want = {"accuracy": skm.accuracy_score(y, df.prob >= 0.5)}
        want["roc_auc"] = skm.roc_auc_score(y, df.prob)
    else:
        p = rng.dirichlet(np.ones(3 if kind == "multiclass" else 2), 40)
        df = pd.DataFrame(p, columns=["p0", "p1", "p2"][: p.shape[1]])
        df.insert(0, "label", y)
        want = {"accuracy": skm.accuracy_score(y, p.argmax(1)), "log_loss": skm.log_loss(y, p)}
    cols = [c for c in df.columns if c != "label"]
    for how, path in _pandas_files(tmp_path, df).items():
        code, d = outcome(path)
        assert code == 0, (how, d)
        assert d["inputs"]["prediction_columns"] == cols, how
        for name, value in want.items():
            assert d["metrics"][name] == pytest.approx(value, abs=1e-12), (how, name)
        left_out = [n for n in d["inference"] if "pandas index" in n]
        assert len(left_out) == (0 if how == "plain" else 1), (how, d["inference"])


@pytest.mark.parametrize(
    ("header", "rows", "bad"),
    [
        ("label,fold,prob", [(0, 1, 0.2), (1, 0, 0.9)], "1 + 0.2"),  # a fold column
        ("label,row,prob", [(0, 0, 0.2), (1, 1, 0.9)], "0 + 0.2"),  # row numbers
        ("label,p_a,p_b", [(0, 0.9, 0.8), (1, 0.2, 0.7)], "0.9 + 0.8"),  # two sigmoid heads
    ],
)
def test_two_binary_columns_must_be_a_pair_of_probabilities(tmp_path, header, rows, bad):
    f = write(tmp_path / "f.csv", header, rows)
    msg = error(f)
    assert f"but {bad} is not 1; pass --scores probs" in msg and "--pred-cols" in msg
    # each fix takes a documented reading
    a, b = header.split(",")[1:]
    y = [r[0] for r in rows]
    p = [r[2] for r in rows]
    d = outcome(f, "--pred-cols", b)[1]
    assert d["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert outcome(f, "--scores", "probs")[1]["metrics"] == d["metrics"]
    # a later row that breaks the pair is refused too (past the decision rows)
    g = write(tmp_path / "g.csv", "label,a,b", [(0, 0.8, 0.2), (1, 0.3, 0.7)] * 2 + [(1, 1, 1)])
    with infer_rows(4):
        for chunk in CHUNKS:
            assert error(g, chunk=chunk).startswith(f"{g}: line 6: the prediction columns 'a' ")


@pytest.mark.parametrize("scores", [[0.1, 0.9, 0.2, 1.3], [0, 1, 2, 3], [0.5, 4.0, 0.0, 2.5]])
def test_non_negative_binary_scores_above_1_ask(tmp_path, scores):
    f = write(tmp_path / "f.csv", "y,pred", zip([0, 1, 0, 1], scores, strict=True))
    assert error(f).startswith("cannot tell the score kind: every prediction is >= 0")
    d = outcome(f, "--task", "regression")[1]
    assert d["metrics"]["mse"] == pytest.approx(skm.mean_squared_error([0, 1, 0, 1], scores))
    lg = outcome(f, "--scores", "logits")[1]
    probs = 1 / (1 + np.exp(-np.array(scores, float)))
    assert lg["metrics"]["log_loss"] == pytest.approx(skm.log_loss([0, 1, 0, 1], probs))


@pytest.mark.parametrize(
    ("extra", "values", "fix", "message"),
    [
        ("sample_id", lambda n, rng: 1000 + np.arange(n), ["--id-col", "sample_id"], "holds only "
         "whole numbers (1000, 1001, 1002, 1003, …), unlike 'l0': an id, a count or a predicted "
         "class is no score; choose the score columns with --pred-cols (or pass --id-col "
         "sample_id if it is an id)"),
        ("pred", lambda n, rng: rng.integers(0, 3, n), ["--pred-cols", "l0,l1,l2"], "holds only "
         "whole numbers (0, 1, 2), unlike 'l0': an id, a count or a predicted class is no score; "
         "choose the score columns with --pred-cols (or pass --id-col pred if it is an id)"),
        ("sample_weight", lambda n, rng: rng.uniform(0.5, 2, n).round(2),
         ["--weight-col", "sample_weight"], "is named like sample weights; pass --weight-col "
         "sample_weight to weight the rows by it, or choose the score columns with --pred-cols"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("scores", ["logits", "probs"])
def test_a_column_that_is_no_score_is_not_read_as_one(
    tmp_path, extra, values, fix, message, scores
):
    rng = np.random.default_rng(5)
    n = 30
    y = rng.integers(0, 3, n)
    z = rng.normal(size=(n, 3)).round(3)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    s = z if scores == "logits" else p
    df = pd.DataFrame(s, columns=["l0", "l1", "l2"])
    df.insert(0, extra, values(n, rng))
    df.insert(1, "label", y)
    df.to_csv(tmp_path / "f.csv", index=False)
    assert error(tmp_path / "f.csv") == f"prediction column {extra!r} {message}"
    d = outcome(tmp_path / "f.csv", *fix)[1]
    assert d["inputs"]["prediction_columns"] == ["l0", "l1", "l2"]
    w = df[extra].to_numpy() if extra == "sample_weight" else None
    probs = df[["l0", "l1", "l2"]].to_numpy()
    probs = np.exp(probs) / np.exp(probs).sum(1, keepdims=True) if scores == "logits" else probs
    assert d["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(y, probs.argmax(1), sample_weight=w), abs=1e-12
    )
    assert d["losses"]["ce"] == pytest.approx(
        skm.log_loss(y, probs, sample_weight=w), rel=1e-6 if scores == "probs" else 1e-9
    )
