"""``compute --plot`` on dense arrays: the per-class IoU / Dice bars and the worst samples'
masks (losscli.plots_dense), and the bounded heap that keeps those samples during the
streamed pass (losscli.pipeline.worst). Brute-force references: the ``--per-sample`` image
rows sorted by IoU, the masks from the arrays themselves."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pytest
from helpers import invoke

from losscli.cli.compute import run_data
from losscli.engine import Evaluation, Options
from losscli.pipeline.worst import NOT_EVALUATED, WorstSamples
from losscli.plots import PIXELS, write_plots

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
SEG = [SAMPLES / "seg_logits.npy", SAMPLES / "seg_masks.npy", "--ignore-index", "255"]
TAGS = [SAMPLES / "tags_logits.npy", SAMPLES / "tags_labels.npy"]
DENSE_FILES = [
    "confusion_matrix.png",
    "confusion_matrix_normalized.png",
    "reliability.png",
    "class_iou.png",
    "worst_samples.png",
]


# -- the bounded heap ------------------------------------------------------------------------


def _brute(scores, k):
    """The k lowest (score, index) pairs, NaN left out."""
    order = sorted((s, i) for i, s in enumerate(scores) if not np.isnan(s))
    return order[:k]


def _run_rows(ev):
    """Run an evaluation with its per-sample rows collected: the report, and each row column
    over every chunk."""
    parts = []

    class Rows:
        def write(self, columns):
            parts.append(columns)

    report = ev.run(Rows())
    return report, {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [0, 1, 3, 50])
def test_heap_keeps_the_k_lowest_whatever_the_chunks(seed, k):
    rng = np.random.default_rng(seed)
    n, grid = 23, (2, 3)
    per = 6
    scores = rng.choice([0.1, 0.25, 0.5, 0.75, np.nan], size=n)  # many ties
    y = rng.integers(0, 3, n * per)
    pred = rng.integers(0, 3, n * per)
    keep = rng.random(n * per) > 0.2
    cuts = np.sort(rng.choice(np.arange(1, n), size=rng.integers(0, 6), replace=False))
    heap = WorstSamples(k, grid)
    for a, b in zip([0, *cuts], [*cuts, n]):
        rows = np.arange((b - a) * per)
        sl = slice(a * per, b * per)
        heap.update(a * per, rows, y[sl], pred[sl], keep[sl], scores[a:b])
        assert len(heap.worst()) <= k  # never more than k masks held
    got = heap.worst()
    assert [(s.score, s.sample) for s in got] == _brute(scores, k)
    for s in got:
        sl = slice(s.sample * per, (s.sample + 1) * per)
        true = np.where(keep[sl], y[sl], NOT_EVALUATED).reshape(grid)
        assert np.array_equal(s.true, true)
        assert np.array_equal(s.pred, pred[sl].reshape(grid))


def test_heap_with_dropped_rows():
    """Rows not read (--drop-invalid) are not evaluated in the true mask, nor in the
    predicted one."""
    heap = WorstSamples(1, (4,))
    rows = np.array([0, 2, 3, 4, 5, 6, 7])  # row 1 dropped
    y = np.array([1, 0, 1, 0, 0, 1, 1])
    heap.update(0, rows, y, y, None, np.array([0.3, 0.9]))
    (s,) = heap.worst()
    assert (s.sample, s.true.tolist(), s.pred.tolist()) == (0, [1, -1, 0, 1], [1, -1, 0, 1])


@pytest.mark.parametrize("chunk", [256, 256 * 7, 256 * 60])
def test_run_keeps_the_lowest_iou_images(chunk):
    """Through an evaluation, in chunks of 1, 7 and 60 images: the kept samples are the K
    lowest per-image IoUs of the --per-sample rows, with the arrays' own masks."""
    ev = Evaluation(
        SAMPLES / "seg_logits.npy",
        SAMPLES / "seg_masks.npy",
        Options(params={"ignore_index": 255}, keep_worst=5, chunk_size=chunk),
    )

    report, rows = _run_rows(ev)
    sample, miou = rows["sample"], rows["miou"]
    expect = _brute(list(miou[np.argsort(sample)]), 5)
    got = report.worst_samples
    assert [(s.score, s.sample) for s in got] == expect
    z, m = np.load(SAMPLES / "seg_logits.npy"), np.load(SAMPLES / "seg_masks.npy")
    for s in got:
        true = np.where(m[s.sample] == 255, NOT_EVALUATED, m[s.sample].astype(np.int64))
        assert np.array_equal(s.true, true)
        assert np.array_equal(s.pred, z[s.sample].argmax(0))
    assert "worst_samples" not in report.to_dict()


def test_no_plot_keeps_nothing():
    ev = Evaluation(*TAGS, Options())
    assert ev.run().worst_samples == []


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_keep_worst_is_checked(bad):
    from losscli.errors import UsageError

    with pytest.raises(UsageError, match="keep_worst"):
        Options(keep_worst=bad)


# -- the pictures ----------------------------------------------------------------------------


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")


def _figures(args, **opts):
    from matplotlib.figure import Figure

    from losscli.plots_dense import dense_figures

    ev = Evaluation(*args[:2], Options(keep_worst=6, **opts))
    report = ev.run()
    data = run_data(ev, curves=True, worst=report.worst_samples)
    return report.to_dict(), data, dense_figures(report.to_dict(), data.worst, Figure)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["segmentation", "tagging"])
def test_cli_writes_valid_pngs(mpl, tmp_path, case):
    from matplotlib.image import imread

    args = SEG if case == "segmentation" else TAGS
    out = tmp_path / "plots"
    r = invoke("compute", *args, "--plot", out, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert sorted(os.listdir(out)) == sorted(DENSE_FILES)
    for name in DENSE_FILES:
        img = imread(out / name)  # matplotlib reads it back
        assert img.shape[:2] == PIXELS[::-1] and img.std() > 0.01, name


@pytest.mark.slow
def test_segmentation_panels(mpl):
    d, data, figs = _figures(SEG, params={"ignore_index": 255})
    assert list(figs) == ["class_iou.png", "worst_samples.png"]
    worst = data.worst
    assert len(worst) == 6 and [s.score for s in worst] == sorted(s.score for s in worst)
    axes = [ax for ax in figs["worst_samples.png"].axes if ax.get_visible() and ax.images]
    assert len(axes) == 12  # true and predicted, side by side, for each of the 6
    for j, s in enumerate(worst):
        a, b = axes[2 * j], axes[2 * j + 1]
        assert a.get_title() == f"sample {s.sample}: true"
        assert b.get_title() == f"predicted (IoU {s.score:.3f})"
        shown_true = a.images[0].get_array()
        shown_pred = b.images[0].get_array()
        void = s.true == NOT_EVALUATED
        assert np.array_equal(np.ma.getmaskarray(shown_true), void)
        assert np.array_equal(shown_true.filled(-1), s.true)
        assert np.array_equal(shown_pred.filled(-1), np.where(void, -1, s.pred))
    # the bars: per class its IoU and Dice, as the report has them
    (ax,) = figs["class_iou.png"].axes
    heights = [p.get_height() for p in ax.patches]
    iou = [c["jaccard"] for c in d["per_class"]]
    dice = [c["f1"] for c in d["per_class"]]
    assert heights == pytest.approx(iou + dice)
    lines = sorted(line.get_ydata()[0] for line in ax.lines)
    assert lines == pytest.approx(sorted([d["metrics"]["miou"], d["metrics"]["mdice"]]))


@pytest.mark.slow
def test_tagging_strips(mpl):
    _, data, figs = _figures(TAGS)
    axes = [ax for ax in figs["worst_samples.png"].axes if ax.images]
    assert len(axes) == 6
    for ax, s in zip(axes, data.worst):
        shown = ax.images[0].get_array()
        assert shown.shape == (2, 64)  # true above predicted
        assert np.array_equal(shown[0].filled(-1), s.true)
        assert ax.get_title() == f"sequence {s.sample}: IoU {s.score:.3f}"


def _save(tmp_path, name, shape_x, shape_y, *args):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, shape_y).astype(np.uint8)
    np.save(tmp_path / f"{name}_x.npy", rng.normal(size=shape_x))
    np.save(tmp_path / f"{name}_y.npy", y)
    return [tmp_path / f"{name}_x.npy", tmp_path / f"{name}_y.npy", *args]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, shape_x, shape_y, args, masks",
    [
        ("binary", (4, 1, 5, 6), (4, 5, 6), [], True),
        ("volume", (3, 2, 4, 4, 4), (3, 4, 4, 4), [], True),  # a 2-D slice of each
        ("multilabel", (3, 2, 5, 5), (3, 2, 5, 5), ["--task", "multilabel"], True),
    ],
)
def test_other_dense_kinds(mpl, tmp_path, name, shape_x, shape_y, args, masks):
    out = tmp_path / "plots"
    r = invoke("compute", *_save(tmp_path, name, shape_x, shape_y, *args), "--plot", out)
    assert r.exit_code == 0, r.stderr
    files = set(os.listdir(out))
    assert "class_iou.png" in files and ("worst_samples.png" in files) is masks


@pytest.mark.slow
def test_auc_bins_with_plot_is_fine_for_dense(mpl, tmp_path):
    r = invoke("compute", *SEG, "--auc-bins", "200", "--plot", tmp_path / "p")
    assert r.exit_code == 0, r.stderr
    assert "class_iou.png" in os.listdir(tmp_path / "p")


@pytest.mark.slow
def test_write_plots_takes_the_report_and_run_data(mpl, tmp_path):
    d, data, _ = _figures(SEG, params={"ignore_index": 255})
    paths = write_plots(d, data, tmp_path)
    assert [os.path.basename(p) for p in paths] == DENSE_FILES


def test_per_sample_rows_unchanged_by_plot(tmp_path):
    """--plot keeps masks aside; the per-image rows are the same."""
    a = invoke("compute", *SEG, "--per-sample", "-")
    b = invoke("compute", *SEG, "--per-sample", "-", "--plot", tmp_path / "p", "-q")
    assert a.exit_code == b.exit_code == 0
    assert list(csv.reader(io.StringIO(a.stdout))) == list(csv.reader(io.StringIO(b.stdout)))


def test_every_picture_has_an_html_title():
    from losscli.plots import PLOT_NAMES
    from losscli.render.html import PLOT_TITLES

    assert set(PLOT_NAMES) == set(PLOT_TITLES)


@pytest.mark.slow
def test_html_report_inlines_the_dense_pictures(mpl, tmp_path):
    r = invoke("compute", *SEG, "--plot", tmp_path / "p", "-o", tmp_path / "r.html")
    assert r.exit_code == 0, r.stderr
    page = (tmp_path / "r.html").read_text()
    assert 'alt="Per-class IoU and Dice"' in page
    assert 'alt="The lowest-IoU samples: true and predicted masks, or outcomes per label"' in page


# -- multi-label targets and samples of three or more axes -----------------------------------


def _brute_slice(true, pred, lead):
    """The leading index with the most evaluated errors (the first on ties), by a loop."""
    best, at = -1, None
    for idx in np.ndindex(*lead):
        t = true[(Ellipsis, *idx, slice(None), slice(None))]
        p = pred[(Ellipsis, *idx, slice(None), slice(None))]
        n = int(((t != NOT_EVALUATED) & (t != p)).sum())
        if n > best:
            best, at = n, idx
    return tuple(int(i) for i in at)


def _brute_labels(scores, m):
    """The m lowest non-NaN label scores' positions, ties to the lower position."""
    return [j for _, j in sorted((v, j) for j, v in enumerate(scores) if not np.isnan(v))][:m]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("grid", [(6,), (3, 4), (3, 2, 4), (2, 3, 2, 3)])
@pytest.mark.parametrize("first_label", [0, 1])
def test_heap_keeps_multilabel_worst_labels(seed, grid, first_label):
    """Multi-label chunks: the k lowest samples, per sample the MAX_LABELS labels with the
    lowest IoU (NaN: absent, never kept), their 0/1 masks; samples of 3+ axes: the slice
    with the most errors over those labels."""
    from losscli.pipeline.worst import MAX_LABELS

    rng = np.random.default_rng(seed)
    n, c, k = 17, 6, 4
    per = int(np.prod(grid))
    scores = rng.choice([0.1, 0.3, 0.5, np.nan], size=n)
    label_scores = rng.choice([0.0, 0.2, 0.4, 0.9, np.nan], size=(n, c - first_label))
    y = rng.integers(0, 2, (n * per, c))
    pred = rng.integers(0, 2, (n * per, c))
    heap = WorstSamples(k, grid)
    cuts = np.sort(rng.choice(np.arange(1, n), size=3, replace=False))
    for a, b in zip([0, *cuts], [*cuts, n]):
        sl = slice(a * per, b * per)
        rows = np.arange((b - a) * per)
        heap.update(a * per, rows, y[sl], pred[sl], None, scores[a:b], label_scores[a:b],
                    first_label)  # fmt: skip
    got = heap.worst()
    assert [(s.score, s.sample) for s in got] == _brute(scores, k)
    for s in got:
        pos = _brute_labels(label_scores[s.sample], MAX_LABELS)
        assert list(s.labels) == [p + first_label for p in pos]
        assert list(s.label_scores) == [label_scores[s.sample][p] for p in pos]
        sl = slice(s.sample * per, (s.sample + 1) * per)
        true = y[sl][:, list(s.labels)].T.reshape(len(pos), *grid)
        guess = pred[sl][:, list(s.labels)].T.reshape(len(pos), *grid)
        if len(grid) >= 3:
            at = _brute_slice(true, guess, grid[:-2])
            assert s.slice == at
            true, guess = true[(slice(None), *at)], guess[(slice(None), *at)]
        else:
            assert s.slice == ()
        assert np.array_equal(s.true, true) and np.array_equal(s.pred, guess)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("grid", [(4, 3, 5), (2, 3, 4, 5), (5, 1, 1)])
def test_heap_keeps_the_worst_slice_of_volumes(seed, grid):
    """Class masks of 3+ axes: the slice (last two axes) with the most evaluated errors,
    ignored elements no error, the first index on ties; the masks of that slice only."""
    rng = np.random.default_rng(seed)
    n, k = 9, 3
    per = int(np.prod(grid))
    scores = rng.random(n)
    y = rng.integers(0, 3, n * per)
    pred = np.where(rng.random(n * per) < 0.3, rng.integers(0, 3, n * per), y)
    keep = rng.random(n * per) > 0.1
    heap = WorstSamples(k, grid)
    for a in range(0, n, 2):  # chunks of two samples
        b = min(a + 2, n)
        sl = slice(a * per, b * per)
        heap.update(a * per, np.arange((b - a) * per), y[sl], pred[sl], keep[sl], scores[a:b])
    got = heap.worst()
    assert [(s.score, s.sample) for s in got] == _brute(scores, k)
    for s in got:
        sl = slice(s.sample * per, (s.sample + 1) * per)
        true = np.where(keep[sl], y[sl], NOT_EVALUATED).reshape(grid)
        guess = pred[sl].reshape(grid)
        at = _brute_slice(true, guess, grid[:-2])
        assert s.slice == at and s.true.shape == grid[-2:]
        assert np.array_equal(s.true, true[at]) and np.array_equal(s.pred, guess[at])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _multilabel_arrays(tmp_path, shape):
    rng = np.random.default_rng(7)
    z = rng.normal(size=shape)
    y = (rng.random(shape) < _sigmoid(2 * z)).astype(np.uint8)
    y[0] = 0  # a sample with no positive target: labels absent unless predicted
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    return z, y


@pytest.mark.parametrize("shape", [(9, 4, 6, 7), (8, 3, 20), (5, 3, 4, 5, 6)])
@pytest.mark.parametrize("no_background", [False, True])
def test_run_keeps_the_lowest_iou_multilabel_samples(tmp_path, shape, no_background):
    """Through an evaluation of multi-label logits (2-D, sequences, volumes): the kept
    samples are the K lowest per-sample IoUs of the --per-sample rows; each one's labels are
    its lowest per-label IoUs, scikit-learn's jaccard_score on that sample's elements
    (a label with no positive target or prediction has none); the masks are the arrays'."""
    from sklearn.metrics import jaccard_score

    from losscli.pipeline.worst import MAX_LABELS

    z, y = _multilabel_arrays(tmp_path, shape)
    opts = Options(task="multilabel", keep_worst=4, no_background=no_background, chunk_size=50)

    report, rows = _run_rows(Evaluation(tmp_path / "z.npy", tmp_path / "y.npy", opts))
    miou = rows["miou"][np.argsort(rows["sample"])]
    got = report.worst_samples
    assert [(s.score, s.sample) for s in got] == _brute(list(miou), 4)
    first = 1 if no_background else 0
    for s in got:
        t, p = y[s.sample], z[s.sample] > 0
        ious = [
            jaccard_score(t[j].ravel(), p[j].ravel()) if (t[j] | p[j]).any() else np.nan
            for j in range(first, shape[1])
        ]
        pos = _brute_labels(ious, MAX_LABELS)
        assert list(s.labels) == [j + first for j in pos]
        assert list(s.label_scores) == pytest.approx([ious[j] for j in pos])
        true, guess = t[list(s.labels)].astype(np.int64), p[list(s.labels)].astype(np.int64)
        if len(shape) >= 5:
            at = _brute_slice(true, guess, shape[2:-2])
            assert s.slice == at
            true, guess = true[(slice(None), *at)], guess[(slice(None), *at)]
        assert np.array_equal(s.true, true) and np.array_equal(s.pred, guess)


@pytest.mark.parametrize("grid", [(6, 8, 10), (2, 3, 8, 10)])
def test_run_keeps_the_worst_slice_of_volumes(tmp_path, grid):
    """Multi-class volumes (N, C, D, H, W) with void voxels through an evaluation: the kept
    samples are the K lowest per-sample IoUs; each keeps the slice with the most errors."""
    rng = np.random.default_rng(8)
    n = 7
    y = rng.integers(0, 3, (n, *grid))
    z = rng.normal(size=(n, 3, *grid)) + 1.5 * (np.arange(3).reshape(1, 3, *[1] * len(grid))
                                                 == y[:, None])  # fmt: skip
    y = np.where(rng.random(y.shape) < 0.1, 255, y).astype(np.uint8)
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    opts = Options(params={"ignore_index": 255}, keep_worst=3, chunk_size=int(np.prod(grid)))

    report, rows = _run_rows(Evaluation(tmp_path / "z.npy", tmp_path / "y.npy", opts))
    miou = rows["miou"]
    got = report.worst_samples
    assert [(s.score, s.sample) for s in got] == _brute(list(miou), 3)
    for s in got:
        true = np.where(y[s.sample] == 255, NOT_EVALUATED, y[s.sample].astype(np.int64))
        guess = z[s.sample].argmax(0)
        at = _brute_slice(true, guess, grid[:-2])
        assert s.slice == at
        assert np.array_equal(s.true, true[at]) and np.array_equal(s.pred, guess[at])


@pytest.mark.slow
@pytest.mark.parametrize(
    "shape, flags",
    [
        ((9, 4, 6, 7), ["--task", "multilabel"]),
        ((8, 3, 20), ["--task", "multilabel"]),
        ((5, 3, 4, 5, 6), ["--task", "multilabel"]),
    ],
)
def test_multilabel_panels(mpl, tmp_path, shape, flags):
    """The picture: a row per kept sample, a panel per kept label coloured by outcome
    (2 pred + true, masked where not evaluated), the slice in the title of volumes; the file
    is a valid PNG."""
    from matplotlib.image import imread

    from losscli.plots_dense import outcome_codes

    _multilabel_arrays(tmp_path, shape)
    d, data, figs = _figures([tmp_path / "z.npy", tmp_path / "y.npy"], task="multilabel")
    axes = [ax for ax in figs["worst_samples.png"].axes if ax.get_visible() and ax.images]
    panels = [(s, i) for s in data.worst for i in range(len(s.labels))]
    assert len(axes) == len(panels) > 0
    for ax, (s, i) in zip(axes, panels):
        at = f" [{', '.join(map(str, s.slice))}, :, :]" if s.slice else ""
        assert ax.get_title() == (
            f"sample {s.sample}{at} (IoU {s.score:.3f})\n"
            f"label {d['classes'][s.labels[i]]}: IoU {s.label_scores[i]:.3f}"
        )
        shown = ax.images[0].get_array()
        expect = outcome_codes(s.true[i], s.pred[i])
        assert np.array_equal(shown.filled(-1), np.atleast_2d(expect.filled(-1)))
    out = tmp_path / "plots"
    r = invoke("compute", tmp_path / "z.npy", tmp_path / "y.npy", *flags, "--plot", out)
    assert r.exit_code == 0, r.stderr
    img = imread(out / "worst_samples.png")
    assert img.shape[:2] == PIXELS[::-1] and img.std() > 0.01


@pytest.mark.slow
def test_volume_panels_name_the_slice(mpl, tmp_path):
    rng = np.random.default_rng(9)
    y = rng.integers(0, 3, (4, 5, 6, 7)).astype(np.uint8)
    np.save(tmp_path / "z.npy", rng.normal(size=(4, 3, 5, 6, 7)))
    np.save(tmp_path / "y.npy", y)
    _, data, figs = _figures([tmp_path / "z.npy", tmp_path / "y.npy"])
    axes = [ax for ax in figs["worst_samples.png"].axes if ax.get_visible() and ax.images]
    assert len(axes) == 2 * len(data.worst) == 8
    for j, s in enumerate(data.worst):
        assert axes[2 * j].get_title() == f"sample {s.sample} [{s.slice[0]}, :, :]: true"
        assert np.array_equal(axes[2 * j].images[0].get_array().filled(-1), s.true)
    assert "2-D slice" in figs["worst_samples.png"].get_suptitle()


@pytest.mark.parametrize(
    "shape_x, shape_y, flags",
    [
        ((3, 2, 5, 5), (3, 2, 5, 5), ["--task", "multilabel"]),
        ((4, 2, 5, 6), (4, 5, 6), []),
        ((3, 2, 7), (3, 2, 7), ["--task", "multilabel"]),
        ((3, 2, 4, 4, 4), (3, 4, 4, 4), []),
        ((3, 2, 4, 4, 4), (3, 2, 4, 4, 4), ["--task", "multilabel"]),
    ],
)
def test_plot_without_matplotlib_is_refused_for_every_dense_kind(
    tmp_path, monkeypatch, shape_x, shape_y, flags
):
    """matplotlib missing: the one error line the other pictures give, exit 2, nothing on
    stdout, no folder made."""
    import sys

    files = _save(tmp_path, "k", shape_x, shape_y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    out = tmp_path / "plots"
    r = invoke("compute", *files, *flags, "--plot", out)
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "Error: --plot needs matplotlib: pip install 'losscli[plot]'\n"
    assert not out.exists()
