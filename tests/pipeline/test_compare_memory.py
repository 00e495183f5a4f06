"""``compare``'s lean term builders give the arrays the plain ones gave (issue 20, target 2).

The memory-saving paths (the joint terms of :func:`losscli.pairing.pair_terms` gathered a tile
of rows at a time, columns told apart by order-free fingerprints; narrow
:class:`losscli.metrics.term_matrix.TermMatrix` columns written straight into the matrix;
``LinearClassification(overlap=False)``; the tie groups' terms gathered from one table) must
not change a bit of what they build. Each is held here to a plain reference written in the
test (the whole-array gathers and ``np.where`` the code used before), over shapes, tie
patterns, weights, duplicate, signed-zero and NaN columns, and tiles smaller than the data.
"""

from __future__ import annotations

import numpy as np
import pytest

from losscli import pairing
from losscli.bootstrap import LinearTerms
from losscli.metrics import term_matrix
from losscli.metrics.accumulator import ClassificationAccumulator
from losscli.metrics.linear import LinearClassification
from losscli.metrics.micro_terms import precision_terms
from losscli.metrics.rank_linear import _grouped_rank_terms


def _reference_distinct(parts):
    """The plain dedup: gather every model's whole rows, keep columns not equal to one kept."""
    kept, index = [], []
    for x, at in parts:
        rows = x[at]
        mine = []
        for k in range(x.shape[1]):
            col = rows[:, k]
            hit = next((u for u, v in enumerate(kept) if np.array_equal(v, col)), None)
            if hit is None:
                hit = len(kept)
                kept.append(col)
            mine.append(hit)
        index.append(np.array(mine, dtype=np.intp))
    out = np.empty((parts[0][1].shape[0], len(kept)), dtype=np.float32)
    for u, col in enumerate(kept):
        out[:, u] = col
    return out, tuple(index)


def _reference_pair(ta, tb):
    """The plain joint layout: each row's (A segment, B segment), one stable sort, gathers."""
    n = ta.dense.shape[0]
    segs, pos = [], []
    for t in (ta, tb):
        at = np.arange(n) if t.order is None else t.order
        p = np.empty(n, dtype=np.intp)
        p[at] = np.arange(n)
        pos.append(p)
        s = np.empty(n, dtype=np.int64)
        s[at] = np.repeat(np.arange(t.bounds.size - 1), np.diff(t.bounds))
        segs.append(s)
    n_b = tb.bounds.size - 1
    key = segs[0] * n_b + segs[1]
    order = np.argsort(key, kind="stable")
    ks = key[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    ats = [p[order] for p in pos]
    dense, cols = _reference_distinct([(t.dense, at) for t, at in zip((ta, tb), ats)])
    seg_cols, seg_col_of = _reference_distinct([(t.seg_cols, at) for t, at in zip((ta, tb), ats)])
    seg_of = (ks[starts] // n_b, ks[starts] % n_b)
    return order, np.append(starts, n), dense, cols, seg_cols, seg_col_of, seg_of


def _terms(rng, n, x, n_seg, shuffled):
    """LinearTerms over n rows: dense ``x``, n_seg segments, in a random order or none."""
    cuts = np.sort(rng.choice(np.arange(1, n), n_seg - 1, replace=False)) if n_seg > 1 else []
    bounds = np.concatenate(([0], cuts, [n])).astype(np.intp)
    seg = np.stack([np.ones(n), rng.random(n)], axis=1).astype(np.float32)
    order = rng.permutation(n) if shuffled else None
    return LinearTerms(x, x.sum(axis=0, dtype=np.float64), bounds, seg,
                       np.zeros((n_seg, 2)), order=order)  # fmt: skip


COLUMN_CASES = {
    "distinct": lambda rng, n: (rng.random((n, 3)), rng.random((n, 2))),
    # A's column 0 repeated in A, and B's weight column equal to A's (ones)
    "duplicates": lambda rng, n: (
        np.column_stack([np.ones(n), rng.random(n), np.ones(n)]),
        np.column_stack([np.ones(n), rng.random(n)]),
    ),
    # signed zeros: equal under ==, different bits
    "signed-zeros": lambda rng, n: (
        np.column_stack([np.zeros(n), rng.random(n)]),
        np.column_stack([-np.zeros(n), np.where(rng.random(n) < 0.5, 0.0, -0.0)]),
    ),
    # a NaN column is never equal to another (np.array_equal), even to itself
    "nan": lambda rng, n: (
        np.column_stack([np.full(n, np.nan), np.full(n, np.nan)]),
        np.column_stack([np.full(n, np.nan), np.full(n, np.inf)]),
    ),
    # few distinct values: columns equal as multisets but not row by row
    "permuted-equal-sums": lambda rng, n: (
        np.column_stack([np.arange(n) % 3, (np.arange(n) + 1) % 3]).astype(float),
        np.column_stack([np.arange(n) % 3, np.zeros(n)]).astype(float),
    ),
}


@pytest.mark.parametrize("consume", [False, True], ids=["kept", "consumed"])
@pytest.mark.parametrize("tile", [7, 64, 65536])
@pytest.mark.parametrize("shuffled", [False, True], ids=["identity", "shuffled"])
@pytest.mark.parametrize("n, n_seg", [(1, 1), (50, 3), (301, 17)])
@pytest.mark.parametrize("columns", list(COLUMN_CASES))
def test_pair_terms_as_the_plain_gathers(monkeypatch, columns, n, n_seg, shuffled, tile, consume):
    monkeypatch.setattr(pairing, "_TILE", tile)
    rng = np.random.default_rng(n * 7 + n_seg)
    xa, xb = (x.astype(np.float32) for x in COLUMN_CASES[columns](rng, n))
    # B: the same columns when A's order is B's (then "equal" columns are equal row by row)
    ta = _terms(rng, n, xa, min(n_seg, max(n - 1, 1)), shuffled)
    tb = _terms(rng, n, xb, min(n_seg, max(n - 1, 1)), shuffled)
    order, bounds, dense, cols, seg_cols, seg_col_of, seg_of = _reference_pair(ta, tb)
    got = pairing.pair_terms(ta, tb, consume=consume)
    if consume:  # each model's rows let go, the rest (bases, segments) kept
        assert ta.dense is None and tb.seg_cols is None and tb.order is None
        assert ta.seg_base is not None and tb.bounds is not None
    assert got.terms.order.tolist() == order.tolist()
    assert got.terms.bounds.tolist() == bounds.tolist()
    assert got.terms.dense.tobytes() == dense.tobytes() and got.terms.dense.shape == dense.shape
    assert got.terms.seg_cols.tobytes() == seg_cols.tobytes()
    assert [c.tolist() for c in got.cols] == [c.tolist() for c in cols]
    assert [c.tolist() for c in got.seg_cols] == [c.tolist() for c in seg_col_of]
    assert [s.tolist() for s in got.seg_of] == [s.tolist() for s in seg_of]


def test_pair_terms_dedup_across_models_in_other_orders():
    """A column both models hold, each in its own row order, is kept once; columns with the
    same values in other rows are kept apart (the fingerprint ignores the order, the
    comparison does not)."""
    rng = np.random.default_rng(3)
    n = 200
    col = rng.random(n)
    oa, ob = rng.permutation(n), rng.permutation(n)
    xa = np.column_stack([col[oa], rng.random(n)]).astype(np.float32)
    xb = np.column_stack([col[ob], col[oa]]).astype(np.float32)  # B's second: A's in B's order
    seg = np.ones((n, 1), np.float32)
    ta = LinearTerms(xa, xa.sum(0, dtype=float), np.array([0, n]), seg, np.zeros((1, 1)), oa)
    tb = LinearTerms(xb, xb.sum(0, dtype=float), np.array([0, n]), seg, np.zeros((1, 1)), ob)
    got = pairing.pair_terms(ta, tb)
    assert [c.tolist() for c in got.cols] == [[0, 1], [0, 2]]
    assert got.terms.dense.tobytes() == _reference_pair(ta, tb)[2].tobytes()


@pytest.mark.parametrize("tile", [5, 8192])
@pytest.mark.parametrize("width", [0, 1, 7, 8, 9, 17])
def test_term_matrix_as_the_plain_columns(monkeypatch, width, tile):
    monkeypatch.setattr(term_matrix, "_TILE", tile)
    rng = np.random.default_rng(width)
    n = 103
    order = rng.permutation(n)
    cols = [rng.normal(size=n) * 10.0**j for j in range(width)]
    tm = term_matrix.TermMatrix(order, width)
    for j, c in enumerate(cols):
        tm.put(j, c)
    dense = tm.close()
    want = np.empty((n, width), np.float32)
    for j, c in enumerate(cols):
        want[:, j] = c[order]
    assert dense.tobytes() == want.tobytes() and dense.shape == (n, width)
    assert tm.base.tolist() == [float(c.sum()) for c in cols]
    if width:
        with pytest.raises(ValueError, match="out of order"):
            term_matrix.TermMatrix(order, width).put(1, cols[0])


def _accumulator(rng, n, decimals, weighted):
    y = (rng.random(n) < 0.4).astype(float)
    p = np.clip(0.4 + 0.3 * (y - 0.4) + 0.25 * rng.normal(size=n), 0.0, 1.0)
    if decimals is not None:
        p = np.round(p, decimals)
    acc = ClassificationAccumulator("binary", 2, keep_rows=True)
    w = rng.integers(1, 4, n) * 0.5 if weighted else None
    for a in range(0, n, 700):  # several chunks
        acc.update(y[a : a + 700], p[a : a + 700], None if w is None else w[a : a + 700])
    return acc, [rng.normal(size=(n, 2))]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("decimals", [None, 3, 1], ids=["distinct", "ties", "many-ties"])
def test_linear_terms_the_same_without_overlap(decimals, weighted):
    rng = np.random.default_rng(11)
    acc, extra = _accumulator(rng, 2500, decimals, weighted)
    chunks = [[extra[0][:1000], extra[0][1000:]]]  # the loss rows as the engine keeps them
    lins = [
        LinearClassification(acc, extra=e, overlap=o) for e, o in ((extra, True), (chunks, False))
    ]
    for name in ("dense", "base", "order", "bounds", "seg_cols", "seg_base", "seg_key"):
        a, b = (getattr(lin, name) for lin in lins)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert lins[0].ranked == lins[1].ranked


def _reference_grouped(pos, last, ww):
    """The tie groups' terms with ``np.where`` over the rows (the plain formulas)."""
    ends = np.flatnonzero(last)
    wts = np.ones(pos.size) if ww is None else ww
    tp_end = np.cumsum(np.where(pos, wts, 0.0))[ends]
    fp_end = np.cumsum(np.where(pos, 0.0, wts))[ends]
    if ww is None:
        tp_end = np.cumsum(pos, dtype=np.float64)[ends]
        fp_end = (ends + 1.0) - tp_end
    tp_before = np.concatenate(([0.0], tp_end[:-1]))
    fp_before = np.concatenate(([0.0], fp_end[:-1]))
    wp_g, wn_g = tp_end - tp_before, fp_end - fp_before
    n_tot = float(fp_end[-1])
    gid = np.cumsum(last) - last
    g = np.where(pos, (n_tot - fp_before - 0.5 * wn_g)[gid], (tp_before + 0.5 * wp_g)[gid])
    r, a, b = precision_terms(tp_end, fp_end, wp_g)
    sa, sb = np.cumsum(a[::-1])[::-1], np.cumsum(b[::-1])[::-1]
    f = np.where(pos, (r + sa)[gid], -sb[gid])
    ip = np.flatnonzero(pos)
    w_p = np.ones(ip.size) if ww is None else ww[ip]
    return g, float(w_p @ g[ip]), f, float(w_p @ r[gid[ip]])


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("n, levels", [(1, 1), (40, 3), (500, 50), (2000, 2000)])
def test_grouped_rank_terms_as_the_plain_formulas(n, levels, weighted):
    rng = np.random.default_rng(n + levels)
    s = np.sort(rng.integers(0, levels, n))[::-1]
    pos = rng.random(n) < 0.3
    last = np.append(s[1:] != s[:-1], True)
    ww = rng.integers(1, 5, n) * 0.25 if weighted else None
    got = _grouped_rank_terms(pos, last, ww)
    want = _reference_grouped(pos, last, ww)
    assert got[0].tobytes() == want[0].tobytes() and got[2].tobytes() == want[2].tobytes()
    assert got[1] == want[1] and got[3] == want[3]


def test_mmap_threshold_pinned_where_glibc_runs():
    """``compare`` pins glibc's mmap threshold (``losscli._memory``). In a fresh process,
    pinned, seven freed 8 MB arrays below a live one leave nothing resident (each had a
    mapping of its own; unpinned, glibc raises its threshold after a large free and such
    arrays usually come from the heap, of which only the top is trimmed: not asserted, it
    depends on what the process allocated before). Elsewhere: a no-op."""
    import os
    import platform
    import subprocess
    import sys

    def run(pin: bool) -> list[str]:
        code = (
            "import numpy as np\n"
            "from losscli._memory import pin_mmap_threshold\n"
            "def rss():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmRSS'):\n"
            "            return int(line.split()[1]) // 1024\n"
            f"ok = pin_mmap_threshold() if {pin} else None\n"
            "base = rss()\n"
            "a = np.ones(1 << 21); del a\n"  # a 16 MB block freed
            "b = [np.ones(1 << 20) for _ in range(8)]\n"  # 8 x 8 MB
            "held = rss() - base\n"
            "last = b[-1]; del b\n"  # the last one kept
            "print(ok, held, rss() - base)\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env=env,
        ).stdout.split()

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    pinned = run(True)
    assert pinned[0] == str(glibc)
    if glibc:
        assert int(pinned[1]) >= 60 and int(pinned[2]) <= 16, pinned


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("n, levels", [(1, 2), (60, 4), (800, 80), (3000, 10**9)])
def test_paired_rank_terms_as_the_pooled_rank_terms(n, levels, weighted):
    """The swaps' rank columns: ``rank_terms`` of the two models' pooled scores (A's rows,
    then B's), A's term less B's, bit for bit; ties within and across the models."""
    from losscli.metrics.rank_linear import paired_rank_terms, rank_terms

    rng = np.random.default_rng(n + levels)
    a = rng.integers(0, levels, n) / levels
    b = np.where(rng.random(n) < 0.3, a, rng.integers(0, levels, n) / levels)  # shared ties
    pos = rng.random(n) < 0.4
    w = rng.integers(1, 5, n) * 0.25 if weighted else None
    dg, df = paired_rank_terms(a, b, pos, w)
    g, _, f, _ = rank_terms(np.r_[a, b], np.r_[pos, pos], None if w is None else np.r_[w, w])
    assert dg.tobytes() == (g[:n] - g[n:]).tobytes()
    assert df.tobytes() == (f[:n] - f[n:]).tobytes()


# -- the kept per-row loss sums: constant columns as one value (KeptColumns) -----------------

SPECIAL = [0.0, -0.0, 1.0, np.nan, np.inf, -np.inf, 5e-324, 1.5]


def _chunks(rng, n_chunks, k, constant_share):
    """(m, k) chunks whose columns are constant (one special value) or not, at random."""
    out = []
    for _ in range(n_chunks):
        m = int(rng.integers(0, 40))
        rows = rng.standard_normal((m, k))
        for j in range(k):
            if rng.random() < constant_share:
                rows[:, j] = SPECIAL[int(rng.integers(len(SPECIAL)))]
            elif m and rng.random() < 0.3:  # constant but one row: no constant
                base, odd = [(1.0, 1.0 + 2**-52), (0.0, -0.0), (-0.0, 0.0), (1.0, np.nan)][
                    int(rng.integers(4))
                ]
                rows[:, j] = base
                rows[int(rng.integers(m)), j] = odd  # equal to base as a float, not in bits
        out.append(rows)
    return out


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("k", [1, 2, 4])
def test_kept_columns_give_the_chunks_back_bit_for_bit(seed, k):
    rng = np.random.default_rng(seed)
    chunks = _chunks(rng, int(rng.integers(1, 6)), k, constant_share=0.6)
    kept = term_matrix.KeptColumns()
    for c in chunks:
        kept.append(c)
    want = np.concatenate(chunks)
    assert kept.width == k and kept.n == want.shape[0]
    got = kept.matrix()
    assert got.dtype == np.float64 and got.shape == want.shape
    assert (got.view(np.uint64) == want.view(np.uint64)).all()  # -0.0 and NaN as they were
    for j in range(k):
        col = term_matrix.column_of(kept, j)
        assert (col.view(np.uint64) == want[:, j].view(np.uint64)).all()
    assert term_matrix.width_of(kept) == k


def test_kept_columns_hold_a_constant_column_as_one_value():
    kept = term_matrix.KeptColumns()
    ones = np.ones((100_000, 2))
    ones[:, 0] = np.linspace(0.0, 1.0, 100_000)
    kept.append(ones)
    assert kept.nbytes == 100_000 * 8  # the loss column; the column of ones is one value
    assert (kept.column(1) == 1.0).all()


def test_kept_columns_refuse_a_chunk_of_another_width():
    kept = term_matrix.KeptColumns()
    kept.append(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="a chunk of 3 columns after chunks of 2"):
        kept.append(np.zeros((3, 3)))
