"""``compute --plot``: PNG files of the expected kinds and pixel size (losscli.plots).

The PNG checks read the file signature and the IHDR chunk directly (PNG spec, RFC 2083):
bytes 0-7 are the signature, then the IHDR chunk whose width and height are big-endian
uint32 at offsets 16 and 20.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from losscli.cli.compute import run_data
from losscli.engine import Evaluation, Options
from losscli.errors import UsageError
from losscli.plots import PIXELS, PlotCollector, require_matplotlib, write_plots

pytestmark = pytest.mark.slow  # see pyproject's markers; `-m "not slow"` skips it

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CLASSIFICATION_FILES = [
    "confusion_matrix.png",
    "confusion_matrix_normalized.png",
    "roc.png",
    "pr.png",
    "reliability.png",
    "probabilities.png",
    "losses.png",
]
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"  # whatever the cwd
CASES = {
    "binary": (str(SAMPLES / "breast_cancer.csv"), None),
    "multiclass": (str(SAMPLES / "digits_logits.csv"), None),
    "multilabel": (
        str(SAMPLES / "digit_attrs_logits.csv"),
        str(SAMPLES / "digit_attrs_labels.csv"),
    ),
}


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def _run(args, collector=None, **opts):
    ev = Evaluation(*args, Options(keep_loss_values=True, **opts))
    report = ev.run(collector)
    return run_data(ev, curves=True), report.to_dict()


@pytest.mark.parametrize("case", list(CASES))
def test_classification_pngs(mpl, tmp_path, case):
    data, d = _run(CASES[case], losses=["all"] if case == "binary" else None)
    out = tmp_path / "deep" / "plots"  # parents are created
    paths = write_plots(d, data, out)
    assert [os.path.basename(p) for p in paths] == CLASSIFICATION_FILES
    for p in paths:
        assert png_size(p) == PIXELS
        assert os.path.getsize(p) > 10_000  # something was drawn
    assert sorted(os.listdir(out)) == sorted(CLASSIFICATION_FILES)  # no temp files left


def test_regression_pngs(mpl, tmp_path):
    col = PlotCollector()
    data, d = _run(
        (str(SAMPLES / "diabetes.csv"), None),
        collector=col,
        losses=["mse", "mae"],
        task="regression",
    )
    paths = write_plots(d, data, tmp_path, collector=col)
    assert [os.path.basename(p) for p in paths] == ["losses.png", "predicted_vs_true.png"]
    assert all(png_size(p) == PIXELS for p in paths)
    y, p = col.values()[""]
    assert y.size == d["n_samples"] == p.size
    # without the collector there is nothing to scatter
    paths = write_plots(d, data, tmp_path / "b")
    assert [os.path.basename(p) for p in paths] == ["losses.png"]


def test_no_loss_values_means_no_losses_png(mpl, tmp_path):
    ev = Evaluation(*CASES["binary"], Options())
    d = ev.run().to_dict()
    names = [os.path.basename(p) for p in write_plots(d, run_data(ev, curves=True), tmp_path)]
    assert "losses.png" not in names and "roc.png" in names


def test_out_dir_that_is_a_file(mpl, tmp_path):
    data, d = _run(CASES["binary"])
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UsageError, match="that is a file"):
        write_plots(d, data, f)


def test_missing_matplotlib_names_the_extra(tmp_path, monkeypatch):
    data, d = _run(CASES["binary"])
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(UsageError) as e:
        write_plots(d, data, tmp_path / "p")
    assert str(e.value) == "--plot needs matplotlib: pip install 'losscli[plot]'"
    with pytest.raises(UsageError, match=r"losscli\[plot\]"):
        require_matplotlib()
    assert not (tmp_path / "p").exists()


def test_importing_losscli_does_not_import_matplotlib():
    code = (
        "import sys, losscli, losscli.plots, losscli.cli, losscli.sweep, "
        "losscli.render.histogram; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(  # this checkout's losscli, whatever the cwd or an installed copy
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "False"


def test_collector_forwards_and_skips_classification_columns():
    import numpy as np

    seen = []

    class Inner:
        def write(self, columns):
            seen.append(columns)

    c = PlotCollector(Inner())
    c.write({"label": np.array(["a", "b"], dtype=object), "prediction": np.array(["a", "a"])})
    c.write({"label_x": np.array([1.0]), "prediction_x": np.array([2.0])})
    assert len(seen) == 2
    assert list(c.values()) == ["x"]
