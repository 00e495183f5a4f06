"""R's ``write.csv``: a quoted header, row names in an unnamed first column, and ``NA`` for a
missing value. ``NA`` in a number column is missing, like an empty cell (pandas' ``read_csv``
reads it so): an error naming the line without ``--drop-invalid``, a dropped row with it.

Reference: scikit-learn's ``accuracy_score`` / ``log_loss`` on the rows without the NA.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import assert_refused, invoke
from sklearn.metrics import accuracy_score, log_loss

N, C = 120, 3
RNG = np.random.default_rng(9)
Y = RNG.integers(0, C, N)
Z = RNG.normal(size=(N, C)) + 2 * np.eye(C)[Y]
P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
NA_ROWS = (5, 101)


def _write_csv(path, column: int, na: str = "NA") -> None:
    """As R's ``write.csv(df)``: ``"","label","p0","p1","p2"`` and ``"1",...`` row names;
    ``column`` 0 is the label, 1.. a probability, where ``na`` is written in NA_ROWS."""
    with path.open("w") as f:
        f.write('"","label","p0","p1","p2"\n')
        for i in range(N):
            cells = [str(Y[i]), *(repr(float(v)) for v in P[i])]
            if i in NA_ROWS:
                cells[column] = na
            f.write(f'"{i + 1}",' + ",".join(cells) + "\n")


CELLS = {
    "label": (0, "the label is missing, NaN or inf"),
    "score": (2, "prediction column 'p1' is nan (missing, NaN or inf)"),
}


@pytest.mark.parametrize("column,what", list(CELLS.values()), ids=list(CELLS))
@pytest.mark.parametrize("na", ["NA", " NA "])
def test_na_is_a_missing_value(tmp_path, monkeypatch, column, what, na):
    path = tmp_path / "r.csv"
    _write_csv(path, column, na)
    assert_refused(
        invoke("compute", path),
        f"{path}: line 7: {what}; fix the file or pass --drop-invalid to skip such rows",
    )
    import losscli.io._text as text

    keep = ~np.isin(np.arange(N), NA_ROWS)
    for blocks in (None, 512):  # one block, or many: the later NA in a later block
        if blocks:
            monkeypatch.setattr(text, "BLOCK_BYTES", blocks)
        r = invoke("compute", path, "--drop-invalid", "--format", "json", "-q")
        assert r.exit_code == 0, r.stderr
        d = json.loads(r.stdout)
        assert d["n_dropped"] == len(NA_ROWS)
        assert d["metrics"]["accuracy"] == accuracy_score(Y[keep], P[keep].argmax(axis=1))
        assert d["metrics"]["log_loss"] == pytest.approx(log_loss(Y[keep], P[keep]), rel=1e-12)


def test_na_among_class_names_is_a_name(tmp_path):
    """A text column stays text: ``NA`` beside other names is a class name (North America)."""
    path = tmp_path / "names.csv"
    names = np.array(["EU", "NA", "ASIA"])
    with path.open("w") as f:
        f.write("label,EU,NA,ASIA\n")
        for i in range(N):
            f.write(names[Y[i]] + "," + ",".join(repr(float(v)) for v in P[i]) + "\n")
    r = invoke("compute", path, "--format", "json", "-q")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["metrics"]["accuracy"] == accuracy_score(Y, P.argmax(axis=1))
