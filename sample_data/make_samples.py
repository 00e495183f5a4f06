"""Make the sample model-output files in sample_data/ from real scikit-learn models.

Run by hand from the repository root (needs scikit-learn, pandas, pyarrow; NOT part of the
losscli package and never imported by it or by the tests)::

    python sample_data/make_samples.py

Everything is deterministic: only scikit-learn's *bundled* datasets are used (no downloads),
every split and model has ``random_state=0``, and every file is rewritten from scratch.

Common conventions
------------------
* Split: ``train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)`` (the
  regression split is not stratified).  Only the TEST rows are written.
* ``id``: the row's index in the original bundled dataset (so a row can be traced back);
  rows are written in test-split order, and every file of one dataset has the same ids in
  the same order.
* Rounding: every float written to a CSV file AND to the ``.npy`` files is rounded to 6
  significant digits first (``float(f"{v:.6g}")``), so the CSV and ``.npy`` copies hold
  exactly the same numbers.  The Parquet file holds the unrounded float64 probabilities, so
  its rows sum to 1 up to float rounding.
* Models: ``make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, random_state=0))``
  (default C=1.0, lbfgs; for 10 classes this is the multinomial / softmax model).

Files
-----
1. Binary -- ``load_breast_cancer`` (569 rows; 171 test rows).
   scikit-learn codes 0 = malignant, 1 = benign.  Here the label is FLIPPED so that
   ``label`` 1 = malignant (the positive finding) and 0 = benign: ``label = 1 - target``.
   The logistic regression is fitted on that flipped label.
   * ``breast_cancer.csv``        ``id,label,prob``  prob = predict_proba[:, 1] = P(malignant)
   * ``breast_cancer_logits.csv`` ``id,label,logit`` logit = decision_function (log-odds of
     malignant; sigmoid(logit) = prob)
2. Multi-class -- ``load_digits`` (1797 rows of 8x8 images, 10 classes; 540 test rows).
   * ``digits_logits.csv``  ``id,label,0,...,9``: label = integer digit; columns 0..9 are the
     decision_function values (raw logits; softmax of a row = predict_proba).
   * ``digits_logits.npy``  float64 (540, 10), the same logits, same rows.
   * ``digits_labels.npy``  int64 (540,), the same labels, same rows.
   * ``digits_probs.parquet`` (written with pyarrow) ``id`` int64, ``label`` int64, ``0``..``9``
     float64 = predict_proba (unrounded).
   * ``digits_parts/part-0000{0,1,2}.parquet``: the same Parquet rows in three parts, plus a
     text ``fold`` column (``fold1``..``fold3``).
   * ``digits_names.csv``  ``id,label,zero,...,nine``: the same (rounded) logits, but columns
     named by class name and ``label`` holding the name (e.g. ``seven``).
3. Multi-label -- the same digits split; three binary attributes per image:
   ``even`` (digit in {0,2,4,6,8}), ``ge5`` (digit >= 5), ``prime`` (digit in {2,3,5,7}).
   Model: ``make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(...)))``
   fitted on the 3-column multi-hot target (one independent sigmoid model per attribute).
   * ``digit_attrs_logits.csv`` ``id,even,ge5,prime``: decision_function (one logit per
     attribute).
   * ``digit_attrs_labels.csv`` ``id,even,ge5,prime``: the true multi-hot 0/1 labels, same
     ids in the same order.
4. Regression -- ``load_diabetes`` (442 rows; 133 test rows), unscaled target (disease
   progression one year later).  Model: ``Ridge(alpha=1.0)`` on the bundled (already scaled)
   features.
   * ``diabetes.csv`` ``id,target,prediction``.

At the end the script reads every file back from disk, checks the copies agree, and prints
each file's shape and a sanity metric (accuracy / log loss / R^2) so a reader can see the
models are real.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, log_loss, r2_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = Path(__file__).resolve().parent
SEED = 0
NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ATTRS = ["even", "ge5", "prime"]
MAX_BYTES = 200_000


def sig6(a: np.ndarray) -> np.ndarray:
    """Round every element to 6 significant digits (exactly what '%.6g' writes)."""
    a = np.asarray(a, dtype=np.float64)
    return np.vectorize(lambda v: float(f"{v:.6g}"), otypes=[np.float64])(a)


def logreg() -> LogisticRegression:
    return LogisticRegression(max_iter=5000, random_state=SEED)


def write_csv(df: pd.DataFrame, name: str) -> None:
    df.to_csv(OUT / name, index=False, float_format="%.6g", lineterminator="\n")


def make_breast_cancer() -> None:
    data = load_breast_cancer()
    X, y = data.data, 1 - data.target  # 1 = malignant
    ids = np.arange(len(y))
    X_tr, X_te, y_tr, y_te, _, id_te = train_test_split(
        X, y, ids, test_size=0.3, random_state=SEED, stratify=y
    )
    model = make_pipeline(StandardScaler(), logreg()).fit(X_tr, y_tr)
    prob = sig6(model.predict_proba(X_te)[:, 1])
    logit = sig6(model.decision_function(X_te))
    write_csv(pd.DataFrame({"id": id_te, "label": y_te, "prob": prob}), "breast_cancer.csv")
    write_csv(
        pd.DataFrame({"id": id_te, "label": y_te, "logit": logit}), "breast_cancer_logits.csv"
    )


def digits_split() -> tuple[np.ndarray, ...]:
    data = load_digits()
    X, y = data.data, data.target.astype(np.int64)
    ids = np.arange(len(y))
    return train_test_split(X, y, ids, test_size=0.3, random_state=SEED, stratify=y)


def make_digits() -> None:
    X_tr, X_te, y_tr, y_te, _, id_te = digits_split()
    model = make_pipeline(StandardScaler(), logreg()).fit(X_tr, y_tr)
    assert list(model.classes_) == list(range(10))
    logits = sig6(model.decision_function(X_te))
    probs = model.predict_proba(X_te).astype(np.float64)
    cols = [str(c) for c in range(10)]

    df = pd.DataFrame(logits, columns=cols)
    df.insert(0, "label", y_te)
    df.insert(0, "id", id_te)
    write_csv(df, "digits_logits.csv")
    np.save(OUT / "digits_logits.npy", logits.astype(np.float64))
    np.save(OUT / "digits_labels.npy", y_te.astype(np.int64))

    arrays = [pa.array(id_te.astype(np.int64)), pa.array(y_te.astype(np.int64))]
    arrays += [pa.array(probs[:, c]) for c in range(10)]
    table = pa.Table.from_arrays(arrays, names=["id", "label", *cols])
    pq.write_table(table, OUT / "digits_probs.parquet")
    make_digits_parts(table)

    named = pd.DataFrame(logits, columns=NAMES)
    named.insert(0, "label", [NAMES[k] for k in y_te])
    named.insert(0, "id", id_te)
    write_csv(named, "digits_names.csv")


def make_digits_parts(table: pa.Table) -> None:
    """The digits probabilities as a partitioned dataset: three Parquet parts in
    ``digits_parts/`` with a text ``fold`` column (``fold1``..``fold3``, row i in fold i % 3 + 1),
    for folder/glob inputs, ``--group-by`` and ``--engine dask``."""
    n = table.num_rows
    folds = pa.array([f"fold{i % 3 + 1}" for i in range(n)])
    table = table.append_column("fold", folds)
    (OUT / "digits_parts").mkdir(exist_ok=True)
    for k in range(3):
        lo, hi = k * n // 3, (k + 1) * n // 3
        pq.write_table(table.slice(lo, hi - lo), OUT / "digits_parts" / f"part-{k:05d}.parquet")


def make_digits_baseline() -> None:
    """A weaker model on the same rows, for ``losscli compare``: strong L2 (C=0.0005)."""
    X_tr, X_te, y_tr, y_te, _, id_te = digits_split()
    weak = LogisticRegression(C=0.0005, max_iter=5000, random_state=SEED)
    model = make_pipeline(StandardScaler(), weak).fit(X_tr, y_tr)
    df = pd.DataFrame(sig6(model.decision_function(X_te)), columns=[str(c) for c in range(10)])
    df.insert(0, "label", y_te)
    df.insert(0, "id", id_te)
    write_csv(df, "digits_logits_baseline.csv")


def digit_attrs(y: np.ndarray) -> np.ndarray:
    even = (y % 2 == 0).astype(np.int64)
    ge5 = (y >= 5).astype(np.int64)
    prime = np.isin(y, [2, 3, 5, 7]).astype(np.int64)
    return np.column_stack([even, ge5, prime])


def make_digit_attrs() -> None:
    X_tr, X_te, y_tr, y_te, _, id_te = digits_split()
    Y_tr, Y_te = digit_attrs(y_tr), digit_attrs(y_te)
    model = make_pipeline(StandardScaler(), OneVsRestClassifier(logreg())).fit(X_tr, Y_tr)
    logits = sig6(model.decision_function(X_te))
    assert logits.shape == Y_te.shape
    lg = pd.DataFrame(logits, columns=ATTRS)
    lg.insert(0, "id", id_te)
    write_csv(lg, "digit_attrs_logits.csv")
    lb = pd.DataFrame(Y_te, columns=ATTRS)
    lb.insert(0, "id", id_te)
    write_csv(lb, "digit_attrs_labels.csv")


def make_diabetes() -> None:
    data = load_diabetes()
    X, y = data.data, data.target.astype(np.float64)
    ids = np.arange(len(y))
    X_tr, X_te, y_tr, y_te, _, id_te = train_test_split(X, y, ids, test_size=0.3, random_state=SEED)
    model = Ridge(alpha=1.0).fit(X_tr, y_tr)
    pred = sig6(model.predict(X_te))
    write_csv(pd.DataFrame({"id": id_te, "target": sig6(y_te), "prediction": pred}), "diabetes.csv")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def report(name: str, shape: tuple[int, ...], text: str) -> None:
    size = (OUT / name).stat().st_size
    assert size < MAX_BYTES, f"{name} is {size} bytes (limit {MAX_BYTES})"
    print(f"{name:<26} shape={str(shape):<10} {size:>7} B  {text}")


def check() -> None:
    """Read every file back and print its shape and a sanity metric."""
    bc = pd.read_csv(OUT / "breast_cancer.csv")
    bcl = pd.read_csv(OUT / "breast_cancer_logits.csv")
    assert (bc["id"] == bcl["id"]).all() and (bc["label"] == bcl["label"]).all()
    assert np.allclose(sigmoid(bcl["logit"].to_numpy()), bc["prob"], atol=1e-5)
    y = bc["label"].to_numpy()
    p = bc["prob"].to_numpy()
    report(
        "breast_cancer.csv",
        bc.shape,
        f"accuracy={accuracy_score(y, p > 0.5):.4f} log_loss={log_loss(y, p):.4f} "
        f"positives={int(y.sum())}",
    )
    report(
        "breast_cancer_logits.csv",
        bcl.shape,
        f"accuracy={accuracy_score(y, bcl['logit'] > 0):.4f}",
    )

    dl = pd.read_csv(OUT / "digits_logits.csv")
    z = np.load(OUT / "digits_logits.npy")
    lab = np.load(OUT / "digits_labels.npy")
    cols = [str(c) for c in range(10)]
    assert z.dtype == np.float64 and lab.dtype == np.int64
    assert np.array_equal(dl[cols].to_numpy(), z) and np.array_equal(dl["label"], lab)
    report(
        "digits_logits.csv",
        dl.shape,
        f"accuracy={accuracy_score(lab, z.argmax(1)):.4f} "
        f"log_loss={log_loss(lab, softmax(z), labels=range(10)):.4f}",
    )
    report("digits_logits.npy", z.shape, "identical to the CSV logits")
    report("digits_labels.npy", lab.shape, f"classes={sorted(set(lab.tolist()))}")

    pr = pq.read_table(OUT / "digits_probs.parquet").to_pandas()
    P = pr[cols].to_numpy()
    assert (pr["id"] == dl["id"]).all() and (pr["label"] == dl["label"]).all()
    assert np.allclose(P.sum(1), 1.0) and np.allclose(softmax(z), P, atol=1e-4)
    report(
        "digits_probs.parquet",
        pr.shape,
        f"accuracy={accuracy_score(pr['label'], P.argmax(1)):.4f} "
        f"log_loss={log_loss(pr['label'], P, labels=range(10)):.4f}",
    )

    dn = pd.read_csv(OUT / "digits_names.csv")
    assert np.array_equal(dn[NAMES].to_numpy(), z)
    assert list(dn["label"]) == [NAMES[k] for k in lab]
    pred_names = np.array(NAMES)[dn[NAMES].to_numpy().argmax(1)]
    report("digits_names.csv", dn.shape, f"accuracy={np.mean(pred_names == dn['label']):.4f}")

    al = pd.read_csv(OUT / "digit_attrs_logits.csv")
    ab = pd.read_csv(OUT / "digit_attrs_labels.csv")
    assert (al["id"] == ab["id"]).all() and (al["id"] == dl["id"]).all()
    assert np.array_equal(ab[ATTRS].to_numpy(), digit_attrs(lab))
    Yp = (al[ATTRS].to_numpy() > 0).astype(int)
    Yt = ab[ATTRS].to_numpy()
    per = " ".join(f"{a}={accuracy_score(Yt[:, i], Yp[:, i]):.3f}" for i, a in enumerate(ATTRS))
    report(
        "digit_attrs_logits.csv",
        al.shape,
        f"subset_accuracy={accuracy_score(Yt, Yp):.4f} "
        f"hamming_loss={hamming_loss(Yt, Yp):.4f} per-label acc: {per}",
    )
    report(
        "digit_attrs_labels.csv",
        ab.shape,
        f"positives per label={Yt.sum(0).tolist()} "
        f"f1_micro={f1_score(Yt, Yp, average='micro'):.4f}",
    )

    db = pd.read_csv(OUT / "diabetes.csv")
    report("diabetes.csv", db.shape, f"r2={r2_score(db['target'], db['prediction']):.4f}")


def main() -> None:
    make_breast_cancer()
    make_digits()
    make_digits_baseline()
    make_digit_attrs()
    make_diabetes()
    check()


if __name__ == "__main__":
    main()
