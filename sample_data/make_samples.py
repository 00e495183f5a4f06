"""Make the sample model-output files in sample_data/ from real scikit-learn models.

Run by hand from the repository root (needs scikit-learn, pandas, pyarrow; NOT part of the
losscli package and never imported by it; the tests import it only to rerun its dense part)::

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
5. Segmentation (dense, ``(N, C, H, W)``) -- the same digits split, each 8x8 image upsampled
   to 16x16 (``scipy.ndimage.zoom(order=1, grid_mode=True, mode="nearest")``, intensities
   0..16).  The true mask labels every pixel by that intensity: 0 = background (< 4),
   1 = faint stroke (4..10), 2 = solid stroke (>= 10); a pixel within 0.5 of a boundary (4 or
   10) is ambiguous and marked void, 255 (as Cityscapes / mmseg mark unlabeled pixels).
   The model sees only a low-resolution view: the image 2x2 average-pooled to 4x4 and
   upsampled back to 16x16 the same way.  Per pixel features: that view's 3x3 neighbourhood
   and the pixel's position (y, x, (y - 1/2)^2, (x - 1/2)^2, in [0, 1]).  Model:
   ``make_pipeline(StandardScaler(), LogisticRegression(...))`` (softmax, 3 classes) fitted
   on every non-void pixel of the first ``SEG_TRAIN`` training images; written for the first
   ``SEG_TEST`` test images.
   * ``seg_logits.npy`` float32 (60, 3, 16, 16): decision_function per pixel, class axis 1.
   * ``seg_masks.npy``  uint8 (60, 16, 16): the true masks, 255 = void.
6. Token tagging (dense, ``(N, T, C)`` channels last) -- word segmentation of English text
   with the spaces removed.  Text: the dataset descriptions scikit-learn ships
   (``sklearn/datasets/descr/{TAG_DESCR}.rst``), one sequence per line that has at least 8
   letters, split into tokens ``[A-Za-z]+ | [0-9]+ | one other non-space character``
   and joined without spaces; a line is cut after its last whole token that fits in
   ``TAG_T`` = 64 characters.  Each character is tagged 0 = B (begins a word), 1 = I (inside
   a word), 2 = O (a digit or punctuation).  Lines split ``train_test_split(test_size=0.3,
   random_state=0)``.  Features per character: one-hot of the characters at offsets -2..+2
   (a..z case-folded, digit, other, outside the line) and whether it is upper case.  Model:
   ``LogisticRegression(...)`` (softmax, 3 classes) on the training lines' characters.
   * ``tags_logits.npy`` float32 (82, 64, 3): decision_function per position, the class axis
     last (as Hugging Face token classifiers); positions past the line's end hold the model's
     logits for "outside the line" too, as a padded batch does.
   * ``tags_labels.npy`` int64 (82, 64): the tags, -100 past the line's end (PyTorch's
     ``ignore_index`` default, as Hugging Face pads labels).

At the end the script reads every file back from disk, checks the copies agree, and prints
each file's shape and a sanity metric (accuracy / log loss / R^2 / mIoU) so a reader can see
the models are real.  ``tests/io/test_dense_samples.py`` runs the two dense makers
(:func:`make_segmentation`, :func:`make_tagging`) into a scratch folder and checks the files
come out byte for byte as shipped.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.ndimage import zoom
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
SEG_SIZE = 16  # the masks' height and width
SEG_TRAIN = 400  # training images the segmentation model sees
SEG_TEST = 60  # test images written
SEG_BOUNDS = (4.0, 10.0)  # intensity boundaries: background | faint stroke | solid stroke
VOID = 255
TAG_DESCR = ("iris", "wine_data", "breast_cancer", "diabetes", "digits", "linnerud")
TAG_T = 64  # characters per sequence
TAG_WINDOW = 2  # characters each side the tagger sees
PAD = -100


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


def upsample(img: np.ndarray) -> np.ndarray:
    """A square image bilinearly resized to SEG_SIZE x SEG_SIZE."""
    return zoom(img, SEG_SIZE / img.shape[-1], order=1, grid_mode=True, mode="nearest")


def seg_mask(img: np.ndarray) -> np.ndarray:
    """The true mask of an 8x8 digit: classes by upsampled intensity, 255 near a boundary."""
    u = upsample(img)
    mask = np.digitize(u, SEG_BOUNDS).astype(np.uint8)
    near = np.zeros(u.shape, dtype=bool)
    for b in SEG_BOUNDS:
        near |= np.abs(u - b) < 0.5
    mask[near] = VOID
    return mask


def seg_features(img: np.ndarray) -> np.ndarray:
    """(SEG_SIZE**2, 13) per-pixel features of the low-resolution (4x4 pooled) view."""
    low = upsample(img.reshape(4, 2, 4, 2).mean(axis=(1, 3)))
    pad = np.pad(low, 1, mode="edge")
    s = SEG_SIZE
    around = [
        pad[1 + dy : 1 + dy + s, 1 + dx : 1 + dx + s] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
    ]
    yy, xx = np.mgrid[0:s, 0:s] / (s - 1)
    f = np.stack([*around, yy, xx, (yy - 0.5) ** 2, (xx - 0.5) ** 2], axis=-1)
    return f.reshape(-1, f.shape[-1])


def make_segmentation(out: Path = OUT) -> None:
    """``seg_logits.npy`` (N, 3, H, W) and ``seg_masks.npy`` (N, H, W): see item 5."""
    X = load_digits().images  # (1797, 8, 8), the rows of digits_split
    *_, id_tr, id_te = digits_split()
    train = id_tr[:SEG_TRAIN]
    feats = np.concatenate([seg_features(X[i]) for i in train])
    masks = np.concatenate([seg_mask(X[i]).ravel() for i in train])
    ok = masks != VOID
    model = make_pipeline(StandardScaler(), logreg()).fit(feats[ok], masks[ok])
    assert list(model.classes_) == [0, 1, 2]
    test = id_te[:SEG_TEST]
    s = SEG_SIZE
    logits = np.stack(
        [
            model.decision_function(seg_features(X[i])).reshape(s, s, 3).transpose(2, 0, 1)
            for i in test
        ]
    )
    np.save(out / "seg_logits.npy", logits.astype(np.float32))
    np.save(out / "seg_masks.npy", np.stack([seg_mask(X[i]) for i in test]))


def tag_lines() -> list[list[str]]:
    """The tagging sequences: each kept description line's tokens (joined, its characters)."""
    text = "\n".join(
        files("sklearn.datasets.descr").joinpath(f"{name}.rst").read_text(encoding="utf-8")
        for name in TAG_DESCR
    )
    out = []
    for line in text.splitlines():
        tokens = re.findall(r"[A-Za-z]+|[0-9]+|[^\sA-Za-z0-9]", line)
        if sum(len(t) for t in tokens if t.isalpha()) < 8:
            continue
        kept: list[str] = []
        for t in tokens:
            if sum(map(len, kept)) + len(t) > TAG_T:
                break
            kept.append(t)
        out.append(kept)
    return out


def tag_labels(tokens: list[str]) -> np.ndarray:
    """(TAG_T,) int64: 0 = B, 1 = I, 2 = O per character, PAD past the end."""
    tags = [2 if not t.isalpha() else int(i > 0) for t in tokens for i in range(len(t))]
    return np.array(tags + [PAD] * (TAG_T - len(tags)), dtype=np.int64)


def char_code(ch: str | None) -> int:
    """a..z (case-folded) 0..25, outside the line 26, digit 27, anything else 28."""
    if ch is None:
        return 26
    c = ch.lower()
    if "a" <= c <= "z":
        return ord(c) - ord("a")
    return 27 if c.isdigit() else 28


def tag_features(chars: str) -> np.ndarray:
    """(TAG_T, 5 * 29 + 1) one-hot characters at offsets -2..+2, and the upper-case flag."""
    w, v = TAG_WINDOW, 29
    f = np.zeros((TAG_T, (2 * w + 1) * v + 1))
    for t in range(TAG_T):
        for k in range(-w, w + 1):
            j = t + k
            f[t, (k + w) * v + char_code(chars[j] if 0 <= j < len(chars) else None)] = 1.0
        f[t, -1] = float(t < len(chars) and chars[t].isupper())
    return f


def make_tagging(out: Path = OUT) -> None:
    """``tags_logits.npy`` (N, T, 3) and ``tags_labels.npy`` (N, T), -100 padding: item 6."""
    lines = tag_lines()
    id_tr, id_te = train_test_split(np.arange(len(lines)), test_size=0.3, random_state=SEED)
    feats = np.concatenate([tag_features("".join(lines[i])) for i in id_tr])
    labels = np.concatenate([tag_labels(lines[i]) for i in id_tr])
    ok = labels != PAD
    model = logreg().fit(feats[ok], labels[ok])
    assert list(model.classes_) == [0, 1, 2]
    logits = np.stack([model.decision_function(tag_features("".join(lines[i]))) for i in id_te])
    np.save(out / "tags_logits.npy", logits.astype(np.float32))
    np.save(out / "tags_labels.npy", np.stack([tag_labels(lines[i]) for i in id_te]))


def mean_iou(y: np.ndarray, pred: np.ndarray, c: int) -> tuple[float, np.ndarray]:
    """mIoU and the per-class IoU from the pixel counts (y, pred: flat class indices)."""
    cm = np.bincount(y * c + pred, minlength=c * c).reshape(c, c)
    tp = np.diag(cm)
    iou = tp / (cm.sum(0) + cm.sum(1) - tp)
    return float(iou.mean()), iou


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

    sz, sm = np.load(OUT / "seg_logits.npy"), np.load(OUT / "seg_masks.npy")
    assert sz.dtype == np.float32 and sm.dtype == np.uint8
    ok = sm != VOID
    pred = sz.argmax(1)
    miou, iou = mean_iou(sm[ok].astype(np.int64), pred[ok], 3)
    report(
        "seg_logits.npy",
        sz.shape,
        f"pixel_accuracy={np.mean(pred[ok] == sm[ok]):.4f} miou={miou:.4f} "
        f"iou per class={np.round(iou, 3).tolist()}",
    )
    report(
        "seg_masks.npy",
        sm.shape,
        f"void={int((~ok).sum())} pixels per class={np.bincount(sm[ok]).tolist()}",
    )
    tz, tl = np.load(OUT / "tags_logits.npy"), np.load(OUT / "tags_labels.npy")
    assert tz.dtype == np.float32 and tl.dtype == np.int64
    ok = tl != PAD
    tp = tz.argmax(-1)
    report(
        "tags_logits.npy",
        tz.shape,
        f"accuracy={np.mean(tp[ok] == tl[ok]):.4f} "
        f"log_loss={log_loss(tl[ok], softmax(tz[ok].astype(np.float64)), labels=range(3)):.4f}",
    )
    report(
        "tags_labels.npy",
        tl.shape,
        f"padding={int((~ok).sum())} tags B/I/O={np.bincount(tl[ok]).tolist()}",
    )


def main() -> None:
    make_breast_cancer()
    make_digits()
    make_digits_baseline()
    make_digit_attrs()
    make_diabetes()
    make_segmentation()
    make_tagging()
    check()


if __name__ == "__main__":
    main()
