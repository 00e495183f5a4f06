"""Hostile input: every bad case gets one exact `Error: …` line, exit 2, nothing on stdout,
and no output file created or clobbered. A fuzz test feeds random CSV text and arrays to the
CLI and finds no traceback and no exit code other than 0 or 2."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _files(d: Path) -> dict[str, Path]:
    """Write every bad input once; return name -> path."""
    f = {}

    def text(name, content, mode="w"):
        p = d / name
        if mode == "w":
            p.write_text(content)
        else:
            p.write_bytes(content)
        f[name] = p

    text("ok.csv", "label,prob\n1,0.9\n0,0.1\n1,0.4\n")
    text("bin_ignored.csv", "label,prob\n1,0.9\n-100,0.5\n0,0.1\n1,0.4\n")
    text("prob_and_w.csv", "label,prob,w\n1,0.9,2.5\n0,0.1,0.3\n1,0.4,1.7\n")
    text("conf_and_score.csv", "label,conf,score\n1,0.9,2.5\n0,0.1,-1.3\n1,0.4,0.7\n")
    text(
        "prob_loss_margin.csv",
        "label,prob,loss,margin\n1,0.9,0.1,2.2\n0,0.2,1.6,-1.4\n1,0.7,0.4,0.8\n",
    )
    text(
        "probs_entropy.csv",
        "label,a,b,c,entropy\n0,0.7,0.2,0.1,0.8018\n2,0.1,0.1,0.8,0.6390\n1,0.3,0.4,0.3,1.0889\n",
    )
    text(
        "names_probs_margin.csv",
        "label,cat,dog,bird,margin\ncat,0.7,0.2,0.1,1.2528\nbird,0.1,0.1,0.8,2.0794\n",
    )
    text(
        "probs_conf_loss.csv",
        "label,a,b,c,conf,loss\n0,0.7,0.2,0.1,0.7,1.3567\n2,0.1,0.1,0.8,0.8,1.2231\n",
    )
    text(
        "binary_probs_entropy.csv",
        "label,p0,p1,entropy\n0,0.7,0.3,1.611\n1,0.1,0.9,1.325\n1,0.4,0.6,1.673\n",
    )
    lp2 = np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    text(
        "logprobs_margin.csv",
        "label,a,b,c,margin\n"
        + "".join(
            f"{y},{r[0]!r},{r[1]!r},{r[2]!r},{m}\n"
            for y, r, m in zip((0, 2), lp2.tolist(), (1.5, 2.1))
        ),
    )
    text(
        "suffix_order.csv",
        "label,prob_2,prob_0,prob_1\n0,0.1,0.7,0.2\n2,0.8,0.1,0.1\n1,0.2,0.3,0.5\n",
    )
    text("pos_neg.csv", "label,p_pos,p_neg\n1,0.9,0.1\n0,0.2,0.8\n")
    text("soft_or_rate.csv", "label,score\n1,0.8\n0.05,0.3\n0.95,0.7\n")
    vec = np.random.default_rng(0).normal(size=(6, 3))
    buf = io.BytesIO()
    np.savez(buf, logits=vec, labels=np.arange(6) % 3, margin=vec[:, 0] * 0.5)
    text("vector_and_scalar.npz", buf.getvalue(), "wb")
    text("bin_void.csv", "label,prob\n1,0.9\n255,0.5\n0,0.1\n1,0.4\n")
    text("text_late.csv", "label,prob\n" + "1,0.9\n" * 10 + "0," + "0.5 " * 20 + "\n")
    text("tabs.csv", "label\tprob\n1\t0.9\n0\t0.1\n")
    text("tabs.txt", "label\tprob\n1\t0.9\n0\t0.1\n")
    text("ytabs.csv", "id\tlabel\n1\t1\n2\t0\n3\t1\n")
    text("commas.tsv", "label,prob\n1,0.9\n0,0.1\n")
    text("semi.csv", "label;a;b\n1;0,9;0,1\n")
    text("rowcomma.csv", "label,prob\n1,0.9,\n0,0.1,\n")
    text("headcomma.csv", "label,prob,\n1,0.9\n0,0.1\n")
    text("zeros.csv", bytes(1 << 16), mode="b")
    text("utf16.csv", "label,prob\n1,0.9\n".encode("utf-16"), mode="b")
    text("empty.csv", "")
    text("header.csv", "label,prob\n")
    text("text.csv", "label,prob\n1,0.9\n0,abc\n")
    text("nan.csv", "label,prob\n1,0.9\n0,inf\n")
    text("nolabel.csv", "label,prob\n1,0.9\n,0.2\n")
    text("ragged.csv", "label,prob\n1,0.9\n0,0.1,7\n")
    text("latin1.csv", b"label,prob\n1,0.9\n0,\xe9\n", mode="b")
    text("probs3.csv", "label,a,b,c\n0,0.7,0.2,0.1\n2,0.1,0.1,0.8\n")
    text("notone.csv", "label,a,b,c\n0,0.7,0.2,0.3\n2,0.1,0.1,0.8\n")
    lp = np.log([[0.7, 0.2, 0.1], [0.3, 0.3, 0.3], [0.2, 0.2, 0.1], [0.1, 0.1, 0.8]])
    text(
        "lpnotone.csv",
        "label,a,b,c\n" + "".join(f"0,{r[0]!r},{r[1]!r},{r[2]!r}\n" for r in lp.tolist()),
    )
    text("outside.csv", "label,prob\n1,0.9\n0,1.5\n")
    text("idx.csv", "label,a,b,c\n0,1,2,3\n3,1,2,3\n")
    text("names.csv", "label,cat,dog\ncat,1,2\nbird,2,1\n")
    text("labels4.csv", "label\n1\n0\n1\n0\n")
    text("pid.csv", "id,prob\n1,0.9\n2,0.1\n3,0.4\n")
    text("yid.csv", "id,label\n1,1\n2,0\n4,1\n")
    text("pID.csv", "ID,prob\n1,0.9\n2,0.1\n3,0.4\n")
    text("yID.csv", "ID,label\n1,1\n2,0\n3,1\n")
    text("pdup.csv", "id,prob\n1,0.9\n2,0.1\n1,0.4\n")
    text("ydup.csv", "id,label\n1,1\n2,0\n2,1\n3,0\n")
    text("y5.csv", "id,label\n1,1\n2,0\n3,1\n4,0\n5,1\n")
    text("p8.csv", "id,prob\n" + "".join(f"{i},0.5\n" for i in range(1, 9)))
    text("y1.csv", "id,label\n1,1\n")
    text("pbig.csv", "id,prob\n9007199254740993,0.9\n9007199254740992,0.1\n")
    text("ybig.csv", "id,label\n9007199254740992,0\n9007199254740994,1\n")
    text("p007.csv", "id,prob\n007,0.9\n8,0.1\n")
    text("y7.csv", "id,label\n7,1\n8,0\n")
    text("pnoid.csv", "id,prob\n1,0.9\n,0.1\n")
    text("pair.csv", "label,fold,prob\n0,1,0.2\n1,0,0.9\n")  # a 0/1 column beside the score
    text("reg01.csv", "y,pred\n0,0.1\n1,0.9\n0,0.2\n1,1.3\n")  # regressed onto 0/1 labels
    text("gz.csv.gz", gzip.compress(b"label,prob\n1,0.9\n")[:20], mode="b")
    text("bad.json", "{nope")
    text("typo.csv", "label,prob\n1,0.9\n0,0.1\n2,0.4\n1,0.7\n")
    text("yes.csv", "label,prob\nyes,0.9\nyes,0.1\n")
    text("twos.csv", "label,prob\n2,0.9\n2,0.1\n")
    text("yesno.csv", "label,prob\nyes,0.9\nno,0.1\n")
    text("spam.csv", "label,spam\nspam,0.9\nham,0.1\n")
    text("num3.csv", "label,1,2,3\n1,0.8,0.1,0.1\n2,0.1,0.8,0.1\n")
    text("mh_p.csv", "a,b\n0.9,0.2\n0.1,0.8\n")
    text("mh_y.csv", "a,b\n1,0\n0,2\n")
    text("whole.csv", "target,prediction\n151,140.5\n75,90.2\n141,150.1\n")
    text("twolabels.csv", "label,y,prob\n1,1,0.9\n0,0,0.2\n")
    text("pw.csv", "label,prob,w\n1,0.9,1\n0,0.2,2\n")
    text("col1.csv", "label,1\n1,0.9\n2,0.2\n")
    text("col10.csv", "label,1,0\n1,0.9,0.1\n0,0.2,0.8\n")
    text(
        "j_mixed.jsonl",
        '{"label":1,"prob":0.9}\n{"label":0,"prob":0.2}\n{"label":1,"prob":"abc"}\n',
    )
    text("j_list.jsonl", '{"label":1,"prob":0.9}\n[1, 0.2]\n')
    text("j_broken.jsonl", '{"label":1,"prob":0.9}\n{"label":0,"prob":0.2\n')
    text("j_width.jsonl", '{"label":1,"p":[0.1,0.9]}\n{"label":0,"p":[0.2,0.3,0.5]}\n')
    text("j_struct.jsonl", '{"label":1,"m":{"a":1}}\n')
    text("j_blank.jsonl", "\n\n")
    text("j_nul.jsonl", b'{"label":1,"prob":0.9}\n\x00\x00\n', mode="b")
    # nesting past 10,000 levels crashed pyarrow's JSON parser (a segmentation fault), past
    # about 1,000 Python's json (RecursionError, exit 3)
    text("j_deep.jsonl", '{"label":1,"p":' + "[" * 100_000 + "]" * 100_000 + "}\n")
    text("j_deep_obj.jsonl", '{"label":1,"p":0.9}\n\n{"label":0,"p":' + '{"a":' * 50_000 + "1"
         + "}" * 50_000 + "}\n")  # fmt: skip
    text("j_deep_open.jsonl", '{"label":1,"p":0.9}\n{"label":0,"p":' + "[1," * 50_000 + "\n")
    text("j_deep_str.jsonl", '{"label":1,"p":0.9}\n{"label":0,"p":' + '["]",' * 40 + "0"
         + "]" * 40 + "}\n")  # fmt: skip
    text("j_33.jsonl", '{"label":1,"p":' + "[" * 32 + "0.5" + "]" * 32 + "}\n")
    text("j_deep.jsonl.gz", gzip.compress(f["j_deep.jsonl"].read_bytes()), mode="b")
    text("t_deep.json", "[" * 100_000 + "]" * 100_000)
    text("t_deep_obj.json", '{\n  "a":' * 50_000 + " 0.5" + "\n}" * 50_000)
    # numbers in messages as written: ':g' showed 100000.5 as 100000, 1.0000001 as 1 and
    # 1234567 as 1.23457e+06
    text("half_label.csv", "label,a,b,c\n0,0.2,0.3,0.5\n100000.5,0.2,0.3,0.5\n")
    text("big_index.csv", "label,a,b,c\n0,0.2,0.3,0.5\n1234567,0.2,0.3,0.5\n")
    text("just_over_1.csv", "label,p\n0,0.2\n1,1.0000001\n")
    text("tiny_negative_w.csv", "label,p,w\n0,0.2,1\n1,0.3,-0.00000012345678\n")
    text("close_labels.csv", "label,p\n1234567,0.2\n1234568,0.7\n")
    (d / "dangling.json").symlink_to(d / "nowhere" / "r.json")  # an output into no folder
    f["dangling.json"], f["nowhere"] = d / "dangling.json", d / "nowhere"
    # an NPY header past numpy's 10,000-byte limit: numpy's message names allow_pickle, which
    # was read as pickled objects
    head = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), " + " " * 20_000 + "}\n"
    big_head = b"\x93NUMPY\x02\x00" + len(head).to_bytes(4, "little") + head.encode() + bytes(48)
    text("big_header.npy", big_head, mode="b")
    with zipfile.ZipFile(d / "big_header.npz", "w") as z:
        z.writestr("logits.npy", big_head)
    f["big_header.npz"] = d / "big_header.npz"
    _deep_feather(d / "deep_type.feather")
    f["deep_type.feather"] = d / "deep_type.feather"
    text("long_name.csv", "label,prob\n0,0.1\n" + "z" * 1_000_000 + ",0.9\n")
    text("a_feather1.feather", b"FEA1" + bytes(60), mode="b")
    text("a_garbage.arrow", b"ARROW1\x00\x00" + b"garbage", mode="b")
    text("a_notarrow.arrow", b"label,prob\n1,0.9\n", mode="b")
    text("savetxt.csv", "1.0e+00,9.0e-01\n0.0e+00,2.0e-01\n")
    text("range_head.csv", "0,1\n1,0\n")
    np.savez(
        d / "two_preds.npz", logits=np.zeros((2, 2)), predictions=np.ones((2, 2)), labels=[0, 1]
    )
    f["two_preds.npz"] = d / "two_preds.npz"
    for name, content in {
        "t_true.json": "true",
        "t_nested.json": "[[0.2, 0.3]]",
        "t_mixed.json": "[0.2, true]",
        "t_text.json": '"0.5"',
        "t_nan.json": "NaN",
        "t_inf.json": '{"thresholds": {"even": Infinity}}',
        "t_big.json": "1.5",
        "t_empty.json": "[]",
        "t_false.json": '{"thresholds": {"even": false}}',
        "t_count.json": "[0.2, 0.4]",
        "t_best.json": '{"best": [{"x": 1}]}',
        "t_null.json": "null",
    }.items():
        text(name, content)
    text("logitthr.json", '{"threshold": 1.0, "scores": "logits", "score_threshold": 40.0}')
    text("badscorethr.json", '{"scores": "logits", "score_threshold": "x"}')
    text("poslpthr.json", '{"scores": "log-probs", "score_threshold": 0.5}')
    text("lp.csv", "label,lp\n1,-0.1\n0,-2\n")
    text("wneg.csv", "label,prob,w\n1,0.9,1\n0,0.1,-2\n")
    text("wnan.csv", "label,prob,w\n1,0.9,1\n0,0.1,nan\n")
    text("winf.csv", "label,prob,w\n1,0.9,inf\n0,0.1,1\n")
    text("wzero.csv", "label,prob,w\n1,0.9,0\n0,0.1,0.0\n")
    text("wrange.csv", "label,prob,w\n1,0.9,1e-10\n0,0.1,1e300\n")
    np.save(d / "cube.npy", np.zeros((2, 2, 2)))
    np.save(d / "y22.npy", np.zeros((2, 2), dtype=np.uint8))
    np.save(d / "y23.npy", np.zeros((2, 3), dtype=np.uint8))
    np.save(d / "empty.npy", np.zeros((0,)))
    np.save(d / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(d / "y3.npy", np.array([1, 0, 1]))
    (d / "trunc.npy").write_bytes((d / "cube.npy").read_bytes()[:100])
    (d / "corrupt.parquet").write_bytes(b"PAR1" + b"\0" * 20 + b"PAR1")
    for name, content in _bad_parquet().items():
        (d / name).write_bytes(content)
        f[name] = d / name
    # a labels folder beside a predictions folder: parts paired by name
    for name, parts in {
        "pf": {"part-000.csv": "prob\n0.9\n0.2\n", "part-001.csv": "prob\n0.4\n0.7\n"},
        "lf_missing": {"part-000.csv": "label\n1\n0\n"},
        "lf_extra": {
            "part-000.csv": "label\n1\n0\n",
            "part-001.csv": "label\n0\n1\n",
            "part-002.csv": "label\n1\n",
        },
        "lf_dup": {
            "part-000.csv": "label\n1\n0\n",
            "part-000.tsv": "label\n1\n0\n",
            "part-001.csv": "label\n0\n1\n",
        },
        "lf_short": {"part-000.csv": "label\n1\n0\n", "part-001.csv": "label\n0\n"},
        "lf_long": {"part-000.csv": "label\n1\n0\n", "part-001.csv": "label\n0\n1\n1\n"},
        "lf_names": {"y-a.csv": "label\n1\n0\n", "y-b.csv": "label\n0\n1\n"},
        "lf_num": {"labels-0.csv": "label\n1\n0\n", "labels-5.csv": "label\n0\n1\n"},
        "pf3": {"a.csv": "prob\n0.1\n", "b.csv": "prob\n0.2\n0.3\n0.4\n", "c.csv": "prob\n0.5\n"},
        "lf_mid": {"a.csv": "label\n1\n", "b.csv": "label\n0\n1\n", "c.csv": "label\n1\n"},
    }.items():
        (d / name).mkdir()
        for part, content in parts.items():
            (d / name / part).write_text(content)
        f[name] = d / name
    for name, shapes in {"pdense": [(2, 3, 4), (1, 3, 4)], "ldense": [(1, 4), (2, 4)]}.items():
        (d / name).mkdir()
        for k, shape in enumerate(shapes):
            np.save(d / name / f"part-{k:03d}.npy", np.full(shape, 0.2 if len(shape) > 2 else 1))
        f[name] = d / name
    for name, arr in {"pnpy": [0.1, 0.8, 0.3], "lnpy": [0, 1]}.items():
        (d / name).mkdir()
        np.save(d / name / "part-000.npy", np.array(arr))
        f[name] = d / name
    (d / "dir").mkdir()
    for name in (
        "cube.npy",
        "y22.npy",
        "y23.npy",
        "empty.npy",
        "obj.npy",
        "y3.npy",
        "trunc.npy",
        "corrupt.parquet",
    ):
        f[name] = d / name
    f["dir"] = d / "dir"
    return f


def _deep_feather(path: Path) -> None:
    """A Feather file whose column is a list nested 60 deep (a 726-character type)."""
    import pyarrow as pa
    import pyarrow.feather as pf

    values = pa.array([0.5])
    for _ in range(60):
        values = pa.ListArray.from_arrays([0, 1], values)
    pf.write_feather(pa.table({"label": [1], "p": values}), path)


def _bad_parquet() -> dict[str, bytes]:
    """Parquet files spoilt after writing: a changed byte in a checksummed data page or in a
    page header, a cut-off footer. 200 rows in two row groups, plain pages with CRCs."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    table = pa.table({"label": rng.integers(0, 2, 200).astype(float), "prob": rng.random(200)})
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=100, use_dictionary=False, compression="none",
                   write_page_checksum=True)  # fmt: skip
    good = buf.getvalue()
    prob = pq.ParquetFile(io.BytesIO(good)).metadata.row_group(1).column(1)
    flipped = bytearray(good)  # the last value of row group 2's 'prob' page
    flipped[prob.data_page_offset + prob.total_compressed_size - 3] ^= 0x01
    header = bytearray(good)
    header[prob.data_page_offset + 1] ^= 0xFF
    return {"crc.parquet": bytes(flipped), "header.parquet": bytes(header),
            "cut.parquet": good[:-10], "good.parquet": good}  # fmt: skip


# (id, args, expected message); `{name}` is replaced by the path of that file.
CASES = [
    (
        "empty file",
        ["{empty.csv}"],
        "{empty.csv}: the file is empty (0 bytes); pass a predictions file with data",
    ),
    ("header only", ["{header.csv}"], "{header.csv} has no data rows"),
    (
        "non-numeric cell",
        ["{text.csv}"],
        "{text.csv}: column 'prob' holds text, not numbers (line 3: 'abc' is not a number), so "
        "there is no prediction column; fix its values or choose columns with --pred-cols",
    ),
    (
        "non-numeric cell further down, long value cut",
        ["{text_late.csv}"],
        "{text_late.csv}: column 'prob' holds text, not numbers (line 12: "
        "'0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5…' is not a number), so there is no prediction "
        "column; fix its values or choose columns with --pred-cols",
    ),
    (
        "text column chosen with --pred-cols",
        ["{text.csv}", "--pred-cols", "prob"],
        "{text.csv}: prediction column 'prob' is not numeric (line 3: 'abc' is not a number)",
    ),
    (
        "tab-separated .csv",
        ["{tabs.csv}"],
        "{tabs.csv}: line 1 is one column when split at commas, but 2 columns when split at "
        "tabs: the file looks tab-separated; pass --input-format tsv",
    ),
    (
        "tab-separated labels .csv",
        ["{pid.csv}", "{ytabs.csv}"],
        "{ytabs.csv}: line 1 is one column when split at commas, but 2 columns when split at "
        "tabs: the file looks tab-separated; pass --labels-format tsv",
    ),
    (
        "comma-separated .tsv",
        ["{commas.tsv}"],
        "{commas.tsv}: line 1 is one column when split at tabs, but 2 columns when split at "
        "commas: the file looks comma-separated; pass --input-format csv",
    ),
    (
        "semicolon-separated .csv",
        ["{semi.csv}"],
        "{semi.csv}: line 1 is one column when split at commas, but 3 columns when split at "
        "semicolons: the file looks semicolon-separated; losscli reads comma- or tab-separated "
        "text: convert the file (e.g. tr ';' ',')",
    ),
    (
        "--input-format csv on tab-separated stdin-like .txt",
        ["{tabs.txt}", "--input-format", "csv"],
        "{tabs.txt}: line 1 is one column when split at commas, but 2 columns when split at "
        "tabs: the file looks tab-separated; pass --input-format tsv",
    ),
    (
        "rows end with a comma, header does not",
        ["{rowcomma.csv}"],
        "{rowcomma.csv}: line 2 has 3 fields, the header has 2; the line ends with a comma (an "
        "empty last field): remove it",
    ),
    (
        "header ends with a comma, rows do not",
        ["{headcomma.csv}"],
        "{headcomma.csv}: line 2 has 2 fields, the header has 3; the header ends with a comma "
        "(an empty last name): remove it",
    ),
    (
        "--pred-cols of commas only",
        ["{ok.csv}", "--pred-cols", ","],
        "--pred-cols ',' names no column; give column names or shell-style patterns separated "
        "by commas, e.g. --pred-cols a,b or --pred-cols 'logit_*'",
    ),
    (
        "--label-col of spaces and commas",
        ["{ok.csv}", "--label-col", " , "],
        "--label-col ' , ' names no column; give column names separated by commas, e.g. "
        "--label-col label or --label-col a,b",
    ),
    (
        "binary garbage read as CSV",
        ["{zeros.csv}"],
        "{zeros.csv}: holds NUL bytes (byte 1 is 0x00): this is binary data, not CSV/TSV text; "
        "check the path, or pass --input-format npy, npz, parquet or arrow",
    ),
    (
        "UTF-16 CSV",
        ["{utf16.csv}"],
        "{utf16.csv}: is UTF-16 (or UTF-32) text; re-save the file as UTF-8 CSV/TSV",
    ),
    (
        "--bootstrap above its limit",
        ["{ok.csv}", "--bootstrap", "1000000000"],
        "--bootstrap 1,000,000,000 is above the limit of 100,000 resamples; set "
        "LOSSCLI_MAX_BOOTSTRAP=N to raise it",
    ),
    (
        "--auc-bins above its limit",
        ["{ok.csv}", "--auc-bins", "1000000000"],
        "--auc-bins 1,000,000,000 is above the limit of 1,000,000 bins; set LOSSCLI_MAX_BINS=N "
        "to raise it",
    ),
    (
        "--threshold @/dev/zero",
        ["{ok.csv}", "--threshold", "@/dev/zero"],
        "/dev/zero: the JSON file is larger than the limit of 1,048,576 bytes; set "
        "LOSSCLI_MAX_JSON_BYTES=N to raise it",
    ),
    (
        "inf prediction",
        ["{nan.csv}"],
        "{nan.csv}: line 3: prediction column 'prob' is inf (missing, NaN or inf); fix the file "
        "or pass --drop-invalid to skip such rows",
    ),
    (
        "missing label",
        ["{nolabel.csv}"],
        "{nolabel.csv}: line 3: the label is missing, NaN or inf; fix the file or pass "
        "--drop-invalid to skip such rows",
    ),
    (
        "ragged row",
        ["{ragged.csv}"],
        "{ragged.csv}: line 3 has 3 fields, the header has 2; every row needs one value per column",
    ),
    (
        "undecodable text",
        ["{latin1.csv}"],
        "{latin1.csv}: line 3, column 'prob' is not UTF-8 text; re-save the file as UTF-8",
    ),
    (
        "probabilities outside [0, 1]",
        ["{outside.csv}", "--scores", "probs"],
        "{outside.csv}: line 3: prediction 1.5 is outside [0, 1] but --scores is 'probs'; pass "
        "--scores logits if these are raw model outputs",
    ),
    (
        "rows not summing to 1 under --strict",
        ["{notone.csv}", "--scores", "probs", "--strict"],
        "--strict: 1 row of probabilities did not sum to 1 (worst: {notone.csv}: line 2, sum "
        "1.2); they were renormalised for the losses and the metrics",
    ),
    (
        "log-probability rows not summing to 1 under --strict",
        ["{lpnotone.csv}", "--scores", "log-probs", "--strict"],
        "--strict: 2 rows of log-probabilities did not sum to 1 (worst: {lpnotone.csv}: line 4, "
        "sum of exp 0.5); they were renormalised for the losses and the metrics",
    ),
    (
        "label out of range",
        ["{idx.csv}"],
        "{idx.csv}: line 3: label 3 is not a class index 0..2 (there are 3 prediction columns)",
    ),
    (
        "unknown class name",
        ["{names.csv}"],
        "{names.csv}: line 3: label 'bird' is not a known class; the classes (prediction "
        "columns) are 'cat', 'dog'",
    ),
    (
        "row-count mismatch",
        ["{pid.csv}", "{labels4.csv}"],
        "the predictions have 3 rows but {labels4.csv} has 4; the files must have the same rows "
        "in the same order, or pass --id-col to join them",
    ),
    (
        "id mismatch",
        ["{pid.csv}", "{yid.csv}"],
        "{pid.csv}: 1 id is not in {yid.csv} (column 'id'): 3 (line 4); every prediction needs "
        "the label of its id: evaluate files that hold the same ids",
    ),
    (
        "prediction ids without a label, counted over the file",
        ["{p8.csv}", "{y1.csv}", "--chunk-size", "2"],
        "{p8.csv}: 7 ids are not in {y1.csv} (column 'id'): 2 (line 3), 3 (line 4), 4 (line 5), "
        "5 (line 6), 6 (line 7), ...; every prediction needs the label of its id: evaluate files "
        "that hold the same ids",
    ),
    (
        "label ids without a prediction",
        ["{pid.csv}", "{y5.csv}"],
        "{y5.csv}: 2 ids have no prediction in {pid.csv} (column 'id'): 4 (line 5), 5 (line 6); "
        "evaluate files that hold the same ids",
    ),
    (
        "id columns that differ in case",
        ["{pID.csv}", "{yid.csv}"],
        "the id columns differ in case: 'ID' in {pID.csv}, 'id' in {yid.csv}; rename one so that "
        "both files use the same name (and pass --id-col NAME if it is not 'id') to join the "
        "files by id",
    ),
    (
        "--id-col spelt otherwise in the labels",
        ["{pid.csv}", "{yID.csv}", "--id-col", "id"],
        "--id-col 'id': {yID.csv} has no column 'id' but has 'ID'; the id column must have the "
        "same name in {pid.csv} and {yID.csv}: rename one of them",
    ),
    (
        "duplicate id in the predictions",
        ["{pdup.csv}", "{yid.csv}", "--chunk-size", "1"],
        "{pdup.csv}: id 1 appears more than once in column 'id' (line 2 and line 4); ids must be "
        "unique to join the files (each prediction takes the label of its id)",
    ),
    (
        "duplicate id in the labels",
        ["{pid.csv}", "{ydup.csv}"],
        "{ydup.csv}: id 2 appears more than once in column 'id' (line 3 and line 4); ids must be "
        "unique to join the files",
    ),
    (
        "ids beyond 2**53 compared exactly",
        ["{pbig.csv}", "{ybig.csv}"],
        "{pbig.csv}: 1 id is not in {ybig.csv} (column 'id'): 9007199254740993 (line 2); every "
        "prediction needs the label of its id: evaluate files that hold the same ids",
    ),
    (
        "a leading zero makes another id",
        ["{p007.csv}", "{y7.csv}"],
        "{p007.csv}: 1 id is not in {y7.csv} (column 'id'): '007' (line 2); every prediction "
        "needs the label of its id: evaluate files that hold the same ids",
    ),
    (
        "missing id",
        ["{pnoid.csv}", "{yid.csv}"],
        "{pnoid.csv}: line 3: the id (column 'id') is missing; every row needs an id to join the "
        "files",
    ),
    (
        "unknown column",
        ["{ok.csv}", "--pred-cols", "p"],
        "--pred-cols: {ok.csv} has no column 'p'; its columns are 'label', 'prob'",
    ),
    (
        "3-D array with labels of another length",
        ["{cube.npy}", "{y3.npy}"],
        "{cube.npy} has shape (2, 2, 2) and {y3.npy} has shape (3,): axis 0 (the samples) "
        "differs (2 vs 3); give both one entry per sample",
    ),
    (
        "3-D array without labels",
        ["{cube.npy}"],
        "{cube.npy}: the scores have shape (2, 2, 2); dense scores need their labels in a "
        "second NPY or NPZ file (losscli compute SCORES LABELS)",
    ),
    (
        "dense class axis ambiguous",
        ["{cube.npy}", "{y22.npy}"],
        "{cube.npy} (2, 2, 2) and {y22.npy} (2, 2): the class axis can be axis 1 or axis 2 "
        "(both have 2 entries); pass --class-axis first (N, C, d..) or --class-axis last "
        "(N, d.., C)",
    ),
    (
        "dense class axis not found",
        ["{cube.npy}", "{y23.npy}"],
        "cannot find the class axis: {cube.npy} has shape (2, 2, 2) and {y23.npy} (2, 3); "
        "without its axis 1 ((2, 2)) or its last axis ((2, 2)) the scores must have the "
        "labels' shape",
    ),
    (
        "dense arrays have no columns: --group-by",
        ["{cube.npy}", "{y22.npy}", "--class-axis", "first", "--group-by", "g"],
        "--group-by needs a column; dense arrays have none: evaluate each group's arrays "
        "separately (one losscli compute per group)",
    ),
    (
        "dense arrays have no columns: --id-col",
        ["{cube.npy}", "{y22.npy}", "--class-axis", "first", "--id-col", "id"],
        "--id-col needs a column; dense arrays have none: element [n, i, ..] of the labels "
        "pairs with element [n, i, ..] of the scores; drop --id-col",
    ),
    (
        "dense arrays have no columns: --weight-col",
        ["{cube.npy}", "{y22.npy}", "--class-axis", "first", "--weight-col", "w"],
        "--weight-col needs a column; dense arrays have none: drop --weight-col (per-class "
        "loss weights: --class-weights, --pos-weight)",
    ),
    (
        "dense arrays have no columns: --label-col",
        ["{cube.npy}", "{y22.npy}", "--class-axis", "first", "--label-col", "label"],
        "--label-col needs a column; dense arrays have none: their labels are the second array "
        "(losscli compute SCORES LABELS); drop --label-col",
    ),
    (
        "dense arrays have no columns: --pred-cols",
        ["{cube.npy}", "{y22.npy}", "--class-axis", "first", "--pred-cols", "0,1"],
        "--pred-cols needs columns; dense arrays have none: the class axis holds the scores "
        "(--class-axis first or last); drop --pred-cols",
    ),
    (
        "dense arrays: a gate on a ranking metric left out (no --auc-bins)",
        ["{cube.npy}", "{y22.npy}", "--class-axis", "first", "--scores", "logits"]
        + ["--fail-if", "roc_auc_macro < 0.9"],
        "--fail-if 'roc_auc_macro < 0.9': roc_auc_macro is left out of this run (reported as "
        "null); dense arrays compute ranking metrics only when asked: add --auc-bins N (e.g. "
        "--auc-bins 1000, binned with a stated error bound)",
    ),
    (
        "dense arrays: a gate on a left-out ranking metric's bound",
        ["{cube.npy}", "{cube.npy}", "--task", "binary", "--bootstrap", "20"]
        + ["--fail-if", "metrics.average_precision.low < 0.5"],
        "--fail-if 'metrics.average_precision.low < 0.5': average_precision is left out of "
        "this run (reported as null); dense arrays compute ranking metrics only when asked: "
        "add --auc-bins N (e.g. --auc-bins 1000, binned with a stated error bound)",
    ),
    (
        "dense arrays: --max-fpr without --auc-bins",
        ["{cube.npy}", "{cube.npy}", "--task", "binary", "--max-fpr", "0.1"],
        "--max-fpr: roc_auc_partial is a ranking metric, left out for dense arrays unless "
        "asked; dense arrays compute ranking metrics only when asked: add --auc-bins N (e.g. "
        "--auc-bins 1000, binned with a stated error bound)",
    ),
    (
        "dense binary or multi-label",
        ["{cube.npy}", "{cube.npy}"],
        "{cube.npy} and {cube.npy} both have shape (2, 2, 2): pass --task binary (every "
        "element a 0/1 target) or --task multilabel (axis 1 the labels, --class-axis last "
        "for the last axis)",
    ),
    ("empty array", ["{empty.npy}", "{y3.npy}"], "{empty.npy} has no data rows"),
    (
        "pickled object array",
        ["{obj.npy}", "{y3.npy}"],
        "{obj.npy}: holds pickled Python objects: object arrays are not supported (losscli never "
        "loads pickled data); save a numeric or string array, e.g. "
        "np.save(path, arr.astype(float))",
    ),
    (
        "truncated NPY",
        ["{trunc.npy}", "{y3.npy}"],
        "{trunc.npy}: is not a valid NPY file (corrupt or truncated): EOF: reading array header, "
        "expected 118 bytes got 90",
    ),
    (
        "truncated gzip",
        ["{gz.csv.gz}"],
        "{gz.csv.gz}: is not a valid gzip file (corrupt or truncated): Compressed file ended "
        "before the end-of-stream marker was reached",
    ),
    (
        "Parquet page that fails its checksum",
        ["{crc.parquet}"],
        "{crc.parquet}: row group 2 (rows 101-200), column 'prob': a data page fails its "
        "checksum (the file is corrupt: changed after it was written); re-create or copy the "
        "file again",
    ),
    (
        "Parquet page that fails its checksum, small chunks",
        ["{crc.parquet}", "--chunk-size", "30"],
        "{crc.parquet}: row group 2 (rows 101-200), column 'prob': a data page fails its "
        "checksum (the file is corrupt: changed after it was written); re-create or copy the "
        "file again",
    ),
    (
        "Parquet page header spoilt",
        ["{header.parquet}"],
        "{header.parquet}: cannot read the rows from row 1 on (corrupt or truncated Parquet "
        "file): Couldn't deserialize thrift: don't know what type: \\x0e",
    ),
    (
        "Parquet footer cut off",
        ["{cut.parquet}"],
        "{cut.parquet}: is not a valid Parquet file (corrupt or truncated): Parquet magic bytes "
        "not found in footer. Either the file is corrupted or this is not a parquet file.",
    ),
    (
        "negative weight",
        ["{wneg.csv}", "--weight-col", "w"],
        "{wneg.csv}: line 3: sample weight -2 is negative; weights must be >= 0 (0 leaves a row "
        "out)",
    ),
    (
        "NaN weight",
        ["{wnan.csv}", "--weight-col", "w"],
        "{wnan.csv}: line 3: weight column 'w' is missing, NaN or inf; fix the file or pass "
        "--drop-invalid to skip such rows",
    ),
    (
        "infinite weight",
        ["{winf.csv}", "--weight-col", "w"],
        "{winf.csv}: line 2: weight column 'w' is missing, NaN or inf; fix the file or pass "
        "--drop-invalid to skip such rows",
    ),
    (
        "every weight zero",
        ["{wzero.csv}", "--weight-col", "w"],
        "{wzero.csv}: every sample weight in column 'w' is 0, so no row counts; give the rows "
        "positive weights (or drop --weight-col)",
    ),
    (
        "weights beyond float64's range",
        ["{wrange.csv}", "--weight-col", "w", "--chunk-size", "1"],
        "{wrange.csv}: line 3: sample weight 1e+300 is more than 1e308 times the largest weight "
        "of the first chunk, beyond float64's range; rescale column 'w'",
    ),
    (
        "missing path",
        ["{ok.csv}.nope"],
        "{ok.csv}.nope: no such file; check the path of the predictions file",
    ),
    (
        "a directory",
        ["{dir}"],
        "{dir}: is a directory, not a file; pass the predictions file inside it",
    ),
    (
        "loss that does not fit the task",
        ["{ok.csv}", "--loss", "ce"],
        "loss 'ce' does not fit the binary task (it is for multiclass); choose from bce, focal, "
        "dice, jaccard, hinge, squared_hinge, exponential, zero_one",
    ),
    (
        "out-of-range option",
        ["{ok.csv}", "--focal-gamma", "-1"],
        "--focal-gamma must be >= 0, got -1.0",
    ),
    (
        "bad threshold file",
        ["{ok.csv}", "--threshold", "@{bad.json}"],
        "{bad.json}: not valid JSON at line 1, column 2: Expecting property name enclosed in "
        "double quotes; fix the file",
    ),
    (
        "one typo'd label among 0/1",
        ["{typo.csv}"],
        "{typo.csv}: line 4: label 2 makes 3 distinct labels (0, 1, 2) with one prediction "
        "column, which fits neither binary (two labels) nor multi-class (one column per class); "
        "fix the labels, or pass --task regression if they are quantities",
    ),
    (
        "a typo in multi-hot targets",
        ["{mh_p.csv}", "{mh_y.csv}"],
        "{mh_p.csv}: line 3: column 'b' holds 2, a whole number outside 0/1, so the label rows "
        "are neither one-hot nor multi-hot; fix the labels, or pass --task regression if they "
        "are quantities",
    ),
    (
        "whole-number targets without --task regression",
        ["{whole.csv}"],
        "{whole.csv}: line 3: label 75 makes 3 distinct labels (75, 141, 151) with one "
        "prediction column, which fits neither binary (two labels) nor multi-class (one column "
        "per class); fix the labels, or pass --task regression if they are quantities",
    ),
    (
        "single-valued text labels",
        ["{yes.csv}"],
        "every label is 'yes' and the prediction column 'prob' names no class, so which class is "
        "positive is unknown; pass --pos-label (e.g. --pos-label yes if 'yes' is the positive "
        "class)",
    ),
    (
        "single-valued number labels",
        ["{twos.csv}"],
        "every label is 2, which does not say which class is positive; pass --pos-label 2 if it "
        "is the positive class, or --task regression if the labels are quantities",
    ),
    (
        "text labels without the column's name",
        ["{yesno.csv}"],
        "binary class-name labels ('no', 'yes') do not include the prediction column's name "
        "'prob', so which class it scores is unknown; pass --pos-label NAME",
    ),
    (
        "--pos-label against the column's name",
        ["{spam.csv}", "--pos-label", "ham"],
        "--pos-label 'ham' contradicts the prediction column 'spam', which names the class it "
        "scores; drop --pos-label or rename the column",
    ),
    (
        "--pos-label not a label",
        ["{ok.csv}", "--pos-label", "2"],
        "--pos-label 2 is not one of the labels (0, 1)",
    ),
    (
        "--pos-label for multi-class data",
        ["{probs3.csv}", "--pos-label", "1"],
        "--pos-label is for binary data; the task is multiclass",
    ),
    (
        "numeric class names fitting both readings",
        ["{num3.csv}"],
        "the labels (1, 2) fit the prediction columns (1, 2, 3) both by name (label 1 is column "
        "'1') and as 0-based indices (label 1 is column '2'); pass --labels-are name or "
        "--labels-are index",
    ),
    (
        "one column named like the negative label",
        ["{col1.csv}"],
        "the prediction column is named '1', like the label 1, but 2 is the positive class by "
        "the labels' values; pass --pos-label 1 if the column scores label 1, or --pos-label 2",
    ),
    (
        "two columns named 1, 0",
        ["{col10.csv}"],
        "the prediction columns are named '1', '0': by position the second scores the positive "
        "class 1, by name it scores class 0; put them in order with --pred-cols 0,1",
    ),
    (
        "--labels-are index with class names",
        ["{names.csv}", "--labels-are", "index"],
        "--labels-are is for multi-class labels in one column of whole numbers, not class names",
    ),
    (
        "--labels-are for binary labels",
        ["{ok.csv}", "--labels-are", "name"],
        "--labels-are is for multi-class labels in one column of whole numbers, not binary "
        "labels (binary)",
    ),
    (
        "two label columns",
        ["{twolabels.csv}"],
        "{twolabels.csv} has several label columns ('label', 'y'); pass --label-col to choose one",
    ),
    (
        "--weight-col is the label",
        ["{ok.csv}", "--weight-col", "label"],
        "--weight-col 'label' is the label column; a column plays one role (choose another "
        "--weight-col, or the labels with --label-col)",
    ),
    (
        "--group-by is the label",
        ["{ok.csv}", "--group-by", "label"],
        "--group-by 'label' is the label column; a column plays one role (choose another "
        "--group-by, or the labels with --label-col)",
    ),
    (
        "--id-col is the label",
        ["{ok.csv}", "--id-col", "label"],
        "--id-col 'label' is the label column; a column plays one role (choose another --id-col, "
        "or the labels with --label-col)",
    ),
    (
        "--weight-col is a prediction",
        ["{pw.csv}", "--pred-cols", "prob,w", "--weight-col", "w"],
        "--weight-col 'w' is also a prediction column (--pred-cols); a column plays one role",
    ),
    (
        "threshold file holding true",
        ["{ok.csv}", "--threshold", "@{t_true.json}"],
        "--threshold @{t_true.json}: the value is true, a boolean; thresholds are numbers in "
        "[0, 1]",
    ),
    (
        "threshold file with a nested list",
        ["{ok.csv}", "--threshold", "@{t_nested.json}"],
        "--threshold @{t_nested.json}: item 1 is [0.2, 0.3], not a number; thresholds are "
        "numbers in [0, 1]",
    ),
    (
        "threshold file of mixed types",
        ["{ok.csv}", "--threshold", "@{t_mixed.json}"],
        "--threshold @{t_mixed.json}: item 2 is true, a boolean; thresholds are numbers in [0, 1]",
    ),
    (
        "threshold file holding text",
        ["{ok.csv}", "--threshold", "@{t_text.json}"],
        '--threshold @{t_text.json}: the file must hold a number, a list, or {"thresholds": '
        '{"label": value, ...}}, not text',
    ),
    (
        "threshold file holding null",
        ["{ok.csv}", "--threshold", "@{t_null.json}"],
        '--threshold @{t_null.json}: the file must hold a number, a list, or {"thresholds": '
        '{"label": value, ...}}, not null',
    ),
    (
        "threshold file holding NaN",
        ["{ok.csv}", "--threshold", "@{t_nan.json}"],
        "--threshold @{t_nan.json}: the value is nan, not a finite number; thresholds are "
        "numbers in [0, 1]",
    ),
    (
        "threshold file holding Infinity",
        ["{ok.csv}", "--threshold", "@{t_inf.json}"],
        "--threshold @{t_inf.json}: the threshold of 'even' is inf, not a finite number; "
        "thresholds are numbers in [0, 1]",
    ),
    (
        "threshold file outside [0, 1]",
        ["{ok.csv}", "--threshold", "@{t_big.json}"],
        "--threshold @{t_big.json}: the value is 1.5, outside [0, 1]; thresholds are probabilities",
    ),
    (
        "threshold file with an empty list",
        ["{ok.csv}", "--threshold", "@{t_empty.json}"],
        "--threshold @{t_empty.json}: the list is empty; give one threshold, or one per label",
    ),
    (
        "threshold file with a boolean per label",
        ["{ok.csv}", "--threshold", "@{t_false.json}"],
        "--threshold @{t_false.json}: the threshold of 'even' is false, a boolean; thresholds "
        "are numbers in [0, 1]",
    ),
    (
        "threshold file with the wrong count",
        ["{ok.csv}", "--threshold", "@{t_count.json}"],
        "--threshold @{t_count.json} got 2 values, but binary data takes one threshold",
    ),
    (
        "threshold file with a broken best list",
        ["{ok.csv}", "--threshold", "@{t_best.json}"],
        "--threshold @{t_best.json}: 'best' item 1 needs a 'label' and a 'threshold'",
    ),
    (
        "threshold that is not a probability",
        ["{ok.csv}", "--threshold", "nan"],
        "--threshold: the value is nan, not a finite number; thresholds are numbers in [0, 1]",
    ),
    (
        "threshold file on another score scale",
        ["{ok.csv}", "--threshold", "@{logitthr.json}"],
        "--threshold @{logitthr.json}: its thresholds are on the logits scale (score_threshold) "
        "but these predictions are probs; pass --scores logits if that is what they are, or "
        "rerun losscli thresholds on them",
    ),
    (
        "score threshold not a number",
        ["{ok.csv}", "--threshold", "@{badscorethr.json}"],
        "--threshold @{badscorethr.json}: score_threshold(s) must be numbers (or a "
        "label->number map); fix the file or rerun losscli thresholds --write",
    ),
    (
        "log-probability score threshold above 0",
        ["{lp.csv}", "--scores", "log-probs", "--threshold", "@{poslpthr.json}"],
        "--threshold @{poslpthr.json}: score thresholds must be finite log-probabilities <= 0; "
        "fix the file or rerun losscli thresholds --write",
    ),
    (
        "malformed --fail-if",
        ["{ok.csv}", "--fail-if", "import os"],
        "--fail-if 'import os' is not of the form NAME OP NUMBER (OP one of < <= > >= == !=), "
        "e.g. --fail-if 'f1_macro < 0.9'",
    ),
    (
        "negative seed",
        ["{ok.csv}", "--bootstrap", "20", "--seed", "-1"],
        "--seed must be a whole number >= 0, got -1",
    ),
    (
        "a misspelt gate name",
        ["{ok.csv}", "--fail-if", "f1_macr < 0.9"],
        "--fail-if 'f1_macr < 0.9': unknown name 'f1_macr'; close names: f1_macro, f1_micro, "
        "fbeta_macro",
    ),
    (
        "a misspelt gate name is refused before the data is read",
        ["{ragged.csv}", "--fail-if", "acuracy > 0.5"],
        "--fail-if 'acuracy > 0.5': unknown name 'acuracy'; close names: accuracy, "
        "top_k_accuracy, subset_accuracy",
    ),
    (
        "a gate name that is no loss and no metric",
        ["{nan.csv}", "--fail-if", "zzz > 1"],
        "--fail-if 'zzz > 1': unknown name 'zzz'; see docs/CONTRACTS.md for the metrics and "
        "`losscli losses` for the losses",
    ),
    (
        "a metric of another task in a gate (checked once the task is known)",
        ["{ok.csv}", "--fail-if", "mse > 1"],
        "--fail-if 'mse > 1': unknown name 'mse'; this report has accuracy, "
        "balanced_accuracy, precision, recall, f1, specificity, jaccard, precision_macro, "
        "precision_micro, precision_weighted, recall_macro, recall_micro, recall_weighted, "
        "f1_macro, f1_micro, f1_weighted, jaccard_macro, jaccard_micro, jaccard_weighted, "
        "mcc, cohen_kappa, roc_auc, average_precision, log_loss, brier, ece, bce",
    ),
    (
        "a metric spelled as a loss in a gate",
        ["{ok.csv}", "--fail-if", "losses.accuracy < 0.9"],
        "--fail-if 'losses.accuracy < 0.9': 'accuracy' is not a loss but a metric; write "
        "'accuracy' or 'metrics.accuracy'",
    ),
    (
        "a loss spelled as a metric in a gate",
        ["{ok.csv}", "--fail-if", "metrics.bce > 0.3"],
        "--fail-if 'metrics.bce > 0.3': 'bce' is not a metric but a loss; write 'bce' or "
        "'losses.bce'",
    ),
    (
        "an interval bound without --bootstrap",
        ["{ok.csv}", "--fail-if", "f1.low < 0.9"],
        "--fail-if 'f1.low < 0.9': 'f1.low' is a bootstrap interval bound; add --bootstrap N "
        "(e.g. --bootstrap 1000)",
    ),
    (
        "output onto the predictions",
        ["{ok.csv}", "--output", "{ok.csv}"],
        "--output {ok.csv} is the input PREDICTIONS ({ok.csv}); writing it would destroy that "
        "input: choose another output file",
    ),
    (
        "output onto the --threshold file (refused before it is read)",
        ["{ok.csv}", "--threshold", "@{bad.json}", "--output", "{bad.json}"],
        "--output {bad.json} is the input --threshold @{bad.json} ({bad.json}); writing it would "
        "destroy that input: choose another output file",
    ),
    (
        "two binary columns that are no pair of probabilities",
        ["{pair.csv}"],
        "{pair.csv}: line 2: the prediction columns 'fold' and 'prob' are read as the binary "
        "classes' probabilities (negative, positive), but 1 + 0.2 is not 1; pass --scores probs "
        "to take 'prob' as the positive class's probability, --scores logits if they are "
        "logits, or choose the columns with --pred-cols",
    ),
    (
        "non-negative binary scores above 1: logits or regression",
        ["{reg01.csv}"],
        "cannot tell the score kind: every prediction is >= 0 and some exceed 1 (up to 1.3), so "
        "they are no probabilities, and as logits every row would be positive; pass --scores "
        "logits if they are logits, or --task regression if they are values fitted to the 0/1 "
        "labels",
    ),
    (
        "a probability and a weight column read as two binary logits",
        ["{prob_and_w.csv}"],
        "the prediction columns 'prob' and 'w' would be the binary classes' logits (negative, "
        "positive), but 'prob' is within [0, 1] and 'w' is not; choose the score column with "
        "--pred-cols prob (and --weight-col w if it holds weights), or pass --scores logits if "
        "both are logits",
    ),
    (
        "a confidence and a logit column read as two binary logits",
        ["{conf_and_score.csv}"],
        "the prediction columns 'conf' and 'score' would be the binary classes' logits "
        "(negative, positive), but 'conf' is within [0, 1] and 'score' is not; choose the score "
        "column with --pred-cols conf (and --weight-col score if it holds weights), or pass "
        "--scores logits if both are logits",
    ),
    (
        "0/1 labels and three columns, one a probability, read as three classes' logits",
        ["{prob_loss_margin.csv}"],
        "every label is 0 or 1, but the 3 prediction columns would be 3 classes' logits and "
        "only 'prob' is within [0, 1]; choose the score column with --pred-cols prob (and "
        "--weight-col for a column of weights), or pass --scores logits if they are 3 "
        "classes' logits",
    ),
    (
        "multi-class probabilities beside an entropy column, read as 4 classes' logits",
        ["{probs_entropy.csv}"],
        "the prediction columns 'a', 'b', 'c' hold probabilities (every row sums to 1) but "
        "'entropy' does not fit them: read together they would be 4 classes' logits; choose "
        "the score columns with --pred-cols a,b,c, or pass --scores logits if all 4 are logits",
    ),
    (
        "class-name labels, probabilities beside a margin column",
        ["{names_probs_margin.csv}"],
        "the prediction columns 'cat', 'dog', 'bird' hold probabilities (every row sums to 1) "
        "but 'margin' does not fit them: read together they would be 4 classes' logits; "
        "choose the score columns with --pred-cols cat,dog,bird, or pass --scores logits if "
        "all 4 are logits",
    ),
    (
        "probabilities beside a confidence in [0, 1] and a loss",
        ["{probs_conf_loss.csv}"],
        "the prediction columns 'a', 'b', 'c' hold probabilities (every row sums to 1) but "
        "'conf', 'loss' do not fit them: read together they would be 5 classes' logits; "
        "choose the score columns with --pred-cols a,b,c, or pass --scores logits if all 5 "
        "are logits",
    ),
    (
        "two binary probability columns beside an entropy column",
        ["{binary_probs_entropy.csv}"],
        "the prediction columns 'p0', 'p1' hold probabilities (every row sums to 1) but "
        "'entropy' does not fit them: read together they would be 3 classes' logits; choose "
        "the score columns with --pred-cols p0,p1, or pass --scores logits if all 3 are logits",
    ),
    (
        "multi-class log-probabilities beside a margin column",
        ["{logprobs_margin.csv}"],
        "the prediction columns 'a', 'b', 'c' hold log-probabilities (every row sums to 1 as "
        "exp) but 'margin' does not fit them: read together they would be 4 classes' logits; "
        "choose the score columns with --pred-cols a,b,c, or pass --scores logits if all 4 are "
        "logits",
    ),
    (
        "columns numbered by a suffix in another order: by name or by index",
        ["{suffix_order.csv}"],
        "the labels (0, 1, 2) fit the prediction columns (prob_2, prob_0, prob_1) both by name "
        "(label 0 is column 'prob_0') and as 0-based indices (label 0 is column 'prob_2'); pass "
        "--labels-are name or --labels-are index",
    ),
    (
        "two binary columns named positive first",
        ["{pos_neg.csv}"],
        "the prediction columns are named 'p_pos', 'p_neg': by position the second scores the "
        "positive class 1, by name it scores class 0; put them in order with --pred-cols "
        "p_neg,p_pos",
    ),
    (
        "fractional labels within [0, 1]: soft binary targets or regression",
        ["{soft_or_rate.csv}"],
        "{soft_or_rate.csv}: line 3: label 0.05 is a fraction and every label is within [0, 1], "
        "which fits soft binary targets (probabilities) and regression targets alike; pass "
        "--task binary for soft targets (the losses take them as given, the metrics count a "
        "target above 0.5 as positive) or --task regression",
    ),
    (
        "an NPZ vector and a scalar array as the default prediction columns",
        ["{vector_and_scalar.npz}"],
        "{vector_and_scalar.npz}: the prediction columns would be the vector 'logits' (3 values) "
        "and 'margin', read together as 4 classes; choose the scores with --pred-cols (e.g. "
        "--pred-cols 'logits:*')",
    ),
    (
        "binary labels with the default --ignore-index -100 (multi-class only)",
        ["{bin_ignored.csv}"],
        "{bin_ignored.csv}: line 3: label -100 makes 3 distinct labels (-100, 0, 1) with one "
        "prediction column, which fits neither binary (two labels) nor multi-class (one column "
        "per class); fix the labels, or pass --task regression if they are quantities "
        "(--ignore-index -100 leaves out multi-class rows only; binary and multi-label rows "
        "have no ignored label)",
    ),
    (
        "--task binary labels with --ignore-index 255 (multi-class only)",
        ["{bin_void.csv}", "--task", "binary", "--ignore-index", "255"],
        "{bin_void.csv}: line 3: label 255 makes 3 distinct labels (0, 1, 255), but binary "
        "labels take two values; fix the labels or pass another --task (--ignore-index 255 "
        "leaves out multi-class rows only; binary and multi-label rows have no ignored label)",
    ),
    (
        "--task binary labels with another value than --ignore-index",
        ["{bin_void.csv}", "--task", "binary"],
        "{bin_void.csv}: line 3: label 255 makes 3 distinct labels (0, 1, 255), but binary "
        "labels take two values; fix the labels or pass another --task",
    ),
    (
        "the report and the per-sample rows both to stdout",
        ["{ok.csv}", "--output", "-", "--per-sample", "-"],
        "--output - and --per-sample - both write stdout, so neither could be read back; give "
        "one of them a file",
    ),
    (
        "the report to /dev/stdout and the per-sample rows to -",
        ["{ok.csv}", "--output", "/dev/stdout", "--per-sample", "-"],
        "--output /dev/stdout and --per-sample - both write stdout, so neither could be read "
        "back; give one of them a file",
    ),
    (
        "the report and the per-sample rows both to /dev/stderr",
        ["{ok.csv}", "--output", "/dev/stderr", "--per-sample", "/dev/stderr"],
        "--output /dev/stderr and --per-sample /dev/stderr both write stderr, so neither could "
        "be read back; give one of them a file",
    ),
    (
        "output in a missing folder",
        ["{ok.csv}", "--output", "{dir}/no/r.json"],
        "cannot write '{dir}/no/r.json': folder '{dir}/no' does not exist; create it first",
    ),
    (
        "headerless file as np.savetxt writes it",
        ["{savetxt.csv}"],
        "{savetxt.csv}: line 1 is all numbers (1.0e+00,9.0e-01): the file has no header row (as "
        "np.savetxt writes it); pass --no-header to read line 1 as data (columns named 0 … 1, "
        "e.g. --label-col 0), or add a header row",
    ),
    (
        "line 1 is 0,1 above whole numbers",
        ["{range_head.csv}"],
        "{range_head.csv}: line 1 (0,1) could be column names (0 … 1, as pandas names a "
        "DataFrame's columns) or data; pass --header or --no-header",
    ),
    (
        "labels file: headerless",
        ["{pid.csv}", "{savetxt.csv}"],
        "{savetxt.csv}: line 1 is all numbers (1.0e+00,9.0e-01): the file has no header row (as "
        "np.savetxt writes it); pass --labels-no-header to read line 1 as data (columns named "
        "0 … 1, e.g. --label-col 0), or add a header row",
    ),
    (
        "NPZ with two prediction arrays",
        ["{two_preds.npz}"],
        "{two_preds.npz} holds several prediction arrays ('logits', 'predictions'); choose one "
        "with --pred-cols (e.g. --pred-cols 'logits:*')",
    ),
    (
        "JSON Lines: text in a number field",
        ["{j_mixed.jsonl}"],
        "{j_mixed.jsonl}: line 3, field 'prob' is a string, line 1 has a number there; give "
        "each field one type",
    ),
    (
        "JSON Lines: a line that is no object",
        ["{j_list.jsonl}"],
        "{j_list.jsonl}: line 2 is a list, not a JSON object; write one object per line, e.g. "
        '{"label": 1, "prob": 0.9}',
    ),
    (
        "JSON Lines: a line cut short",
        ["{j_broken.jsonl}"],
        "{j_broken.jsonl}: line 2 is not valid JSON (Expecting ',' delimiter at character 22); "
        "write one JSON object per line",
    ),
    (
        "JSON Lines: vectors of two lengths",
        ["{j_width.jsonl}"],
        "{j_width.jsonl}: line 2, field 'p' holds 3 values, the first row holds 2; every row "
        "needs a vector of the same length",
    ),
    (
        "JSON Lines: a nested object",
        ["{j_struct.jsonl}"],
        "{j_struct.jsonl}: field 'm' has type struct<a: int64>, which is not supported; store "
        "numbers, strings, or one list of numbers per row",
    ),
    (
        "JSON Lines: 100,000 nested lists",
        ["{j_deep.jsonl}"],
        "{j_deep.jsonl}: line 1 nests lists or objects more than 32 levels deep; write one object "
        'per line whose values are numbers, strings or lists of numbers, e.g. {"label": 1, '
        '"probs": [0.1, 0.9]}',
    ),
    (
        "JSON Lines: 50,000 nested objects after a blank line",
        ["{j_deep_obj.jsonl}"],
        "{j_deep_obj.jsonl}: line 2 nests lists or objects more than 32 levels deep; write one "
        'object per line whose values are numbers, strings or lists of numbers, e.g. {"label": '
        '1, "probs": [0.1, 0.9]}',
    ),
    (
        "JSON Lines: 50,000 lists never closed",
        ["{j_deep_open.jsonl}"],
        "{j_deep_open.jsonl}: line 2 nests lists or objects more than 32 levels deep; write one "
        'object per line whose values are numbers, strings or lists of numbers, e.g. {"label": '
        '1, "probs": [0.1, 0.9]}',
    ),
    (
        "JSON Lines: nesting hidden behind brackets in strings",
        ["{j_deep_str.jsonl}"],
        "{j_deep_str.jsonl}: line 2 nests lists or objects more than 32 levels deep; write one "
        'object per line whose values are numbers, strings or lists of numbers, e.g. {"label": '
        '1, "probs": [0.1, 0.9]}',
    ),
    (
        "JSON Lines: 33 levels",
        ["{j_33.jsonl}"],
        "{j_33.jsonl}: line 1 nests lists or objects more than 32 levels deep; write one object "
        'per line whose values are numbers, strings or lists of numbers, e.g. {"label": 1, '
        '"probs": [0.1, 0.9]}',
    ),
    (
        "JSON Lines gzip: 100,000 nested lists",
        ["{j_deep.jsonl.gz}"],
        "{j_deep.jsonl.gz}: line 1 nests lists or objects more than 32 levels deep; write one "
        'object per line whose values are numbers, strings or lists of numbers, e.g. {"label": '
        '1, "probs": [0.1, 0.9]}',
    ),
    (
        "--threshold @FILE: 100,000 nested lists",
        ["{ok.csv}", "--threshold", "@{t_deep.json}"],
        "{t_deep.json}: the JSON nests lists or objects more than 32 levels deep; a threshold "
        'file holds a number, a list or an object of them, e.g. {"cat": 0.3}',
    ),
    (
        "--threshold @FILE: 50,000 nested objects over many lines",
        ["{ok.csv}", "--threshold", "@{t_deep_obj.json}"],
        "{t_deep_obj.json}: the JSON nests lists or objects more than 32 levels deep; a "
        'threshold file holds a number, a list or an object of them, e.g. {"cat": 0.3}',
    ),
    (
        "a label with a fraction beyond 6 digits",
        ["{half_label.csv}"],
        "{half_label.csv}: line 3: label 100000.5 is not a whole number, but there are 3 "
        "prediction columns: for multi-class data give integer class indices, or pass --task "
        "regression",
    ),
    (
        "a class index of 7 digits",
        ["{big_index.csv}"],
        "{big_index.csv}: line 3: label 1234567 is not a class index 0..2 (there are 3 prediction "
        "columns)",
    ),
    (
        "a prediction just over 1",
        ["{just_over_1.csv}"],
        "cannot tell the score kind: every prediction is >= 0 and some exceed 1 (up to "
        "1.0000001), so they are no probabilities, and as logits every row would be positive; "
        "pass --scores logits if they are logits, or --task regression if they are values "
        "fitted to the 0/1 labels",
    ),
    (
        "a sample weight just below 0",
        ["{tiny_negative_w.csv}", "--weight-col", "w"],
        "{tiny_negative_w.csv}: line 3: sample weight -1.2345678e-07 is negative; weights must "
        "be >= 0 (0 leaves a row out)",
    ),
    (
        "--threshold just over 1",
        ["{ok.csv}", "--threshold", "1.0000001"],
        "--threshold: the value is 1.0000001, outside [0, 1]; thresholds are probabilities",
    ),
    (
        "--pos-label among labels that :g would show alike",
        ["{close_labels.csv}", "--pos-label", "1234567.5"],
        "--pos-label 1234567.5 is not one of the labels (1234567, 1234568)",
    ),
    (
        "--output a symlink into a folder that does not exist",
        ["{ok.csv}", "--output", "{dangling.json}"],
        "cannot write '{dangling.json}': it is a symlink to '{nowhere}/r.json', whose folder "
        "'{nowhere}' does not exist; create it first or choose another name",
    ),
    (
        "Arrow IPC: a list nested 60 deep, its type cut",
        ["{deep_type.feather}"],
        "{deep_type.feather}: column 'p' has type list<item: list<item: list<item: list<item: "
        "list<item: list<… (726 characters), which is not supported; store numbers, strings, "
        "or one list of numbers per row",
    ),
    (
        "NPY header above numpy's limit",
        ["{big_header.npy}"],
        "{big_header.npy}: its NPY header is 20,060 bytes, above numpy's safe limit of 10,000 "
        "(a damaged or hostile file); re-save the array with np.save",
    ),
    (
        "NPZ member whose NPY header is above numpy's limit",
        ["{big_header.npz}"],
        "{big_header.npz}: its NPY header is 20,060 bytes, above numpy's safe limit of 10,000 "
        "(a damaged or hostile file); re-save the array with np.save",
    ),
    (
        "--fail-if a number beyond float64",
        ["{ok.csv}", "--fail-if", "roc_auc < 1e999"],
        "--fail-if 'roc_auc < 1e999': 1e999 is beyond the largest number (about 1.8e308); give "
        "a finite number",
    ),
    (
        "--fail-if a negative number beyond float64",
        ["{ok.csv}", "--fail-if", "f1 > -1e400"],
        "--fail-if 'f1 > -1e400': -1e400 is beyond the largest number (about 1.8e308); give a "
        "finite number",
    ),
    (
        "a class name of a million characters, cut in the message",
        ["{long_name.csv}"],
        "binary class-name labels ('0', '" + "z" * 59 + "…" + "z" * 18 + "') [1,000,003 "
        "characters] do not include the prediction column's name 'prob', so which class it "
        "scores is unknown; pass --pos-label NAME",
    ),
    (
        "an option value of 100,000 characters, cut in the message",
        ["{ok.csv}", "--label-col", "q" * 100_000],
        "--label-col: {ok.csv} has no column '" + "q" * 59 + "…" + "q" * 18 + "'; [100,003 "
        "characters] its columns are 'label', 'prob'",
    ),
    (
        "JSON Lines: only blank lines",
        ["{j_blank.jsonl}"],
        "{j_blank.jsonl}: holds no JSON objects; write one object per line",
    ),
    (
        "JSON Lines: NUL bytes",
        ["{j_nul.jsonl}"],
        "{j_nul.jsonl}: holds NUL bytes (byte 24 is 0x00): this is binary data, not JSON Lines "
        "text; check the path, or pass --input-format npy, npz, parquet or arrow",
    ),
    (
        "Feather version 1",
        ["{a_feather1.feather}", "--input-format", "arrow"],
        "{a_feather1.feather}: is a Feather version 1 file, which losscli does not read; "
        "re-save it as Feather version 2 (pyarrow.feather.write_feather(table, path))",
    ),
    (
        "Arrow IPC magic then garbage",
        ["{a_garbage.arrow}"],
        "{a_garbage.arrow}: is not a valid Arrow IPC file (corrupt or truncated): File is too "
        "small: 15",
    ),
    (
        "CSV text read as Arrow IPC",
        ["{a_notarrow.arrow}", "--input-format", "arrow"],
        "{a_notarrow.arrow}: is not an Arrow IPC file (it does not start with the Arrow magic "
        "bytes ARROW1 or a stream's 0xFFFFFFFF); pass --input-format to read it as another "
        "format",
    ),
    (
        "output with an unknown extension",
        ["{ok.csv}", "--output", "{dir}/report.yaml"],
        "--output {dir}/report.yaml: unknown extension '.yaml'; use .json, .csv, .md, .txt or "
        ".html, or pass --format (table, json, csv, markdown or html)",
    ),
    (
        "output named like a picture",
        ["{ok.csv}", "--output", "{dir}/report.PNG"],
        "--output {dir}/report.PNG: unknown extension '.png'; use .json, .csv, .md, .txt or "
        ".html, or pass --format (table, json, csv, markdown or html)",
    ),
    (
        "--beta zero",
        ["{ok.csv}", "--beta", "0"],
        "--beta must be a positive number up to 1e+100, got 0",
    ),
    (
        "--beta negative",
        ["{ok.csv}", "--beta", "-2"],
        "--beta must be a positive number up to 1e+100, got -2",
    ),
    (
        "--beta nan",
        ["{ok.csv}", "--beta", "nan"],
        "--beta must be a positive number up to 1e+100, got nan",
    ),
    (
        "--max-fpr zero",
        ["{ok.csv}", "--max-fpr", "0"],
        "--max-fpr must be a false positive rate in (0, 1], e.g. 0.1; got 0.0",
    ),
    (
        "--max-fpr above 1",
        ["{ok.csv}", "--max-fpr", "1.5"],
        "--max-fpr must be a false positive rate in (0, 1], e.g. 0.1; got 1.5",
    ),
    (
        "--max-fpr nan",
        ["{ok.csv}", "--max-fpr", "nan"],
        "--max-fpr must be a false positive rate in (0, 1], e.g. 0.1; got nan",
    ),
    (
        "--max-fpr on multi-class data",
        ["{probs3.csv}", "--max-fpr", "0.1"],
        "--max-fpr applies to binary data only (scikit-learn's roc_auc_score takes max_fpr for "
        "binary targets); this data is multiclass: drop --max-fpr",
    ),
    (
        "--labels unknown class",
        ["{probs3.csv}", "--labels", "a,d"],
        "--labels: unknown class 'd'; the classes are 'a', 'b', 'c'",
    ),
    ("--labels twice", ["{probs3.csv}", "--labels", "a,a"], "--labels names 'a' twice"),
    (
        "--labels empty name",
        ["{probs3.csv}", "--labels", "a,"],
        "--labels needs class names, comma-separated (e.g. --labels 0,2)",
    ),
    (
        "--labels on regression",
        ["{ok.csv}", "--task", "regression", "--labels", "1"],
        "--labels chooses classes; regression data has none: drop --labels",
    ),
    (
        "--top-k not a number",
        ["{probs3.csv}", "--top-k", "1,x"],
        "--top-k takes whole numbers >= 1, comma-separated (e.g. 5 or 1,5); got '1,x'",
    ),
    ("--top-k zero", ["{probs3.csv}", "--top-k", "0"], "--top-k must be whole numbers >= 1, got 0"),
    ("--top-k twice", ["{probs3.csv}", "--top-k", "2,2"], "--top-k lists a k twice: 2,2"),
    (
        "labels folder without the part of a prediction part",
        ["{pf}", "{lf_missing}"],
        "{pf}/part-001.csv has no labels part in {lf_missing} (no {lf_missing}/part-001.*; "
        "parts pair by file name, apart from the extension); give each prediction part its "
        "labels part",
    ),
    (
        "labels folder with a part no prediction part has",
        ["{pf}", "{lf_extra}"],
        "{lf_extra}/part-002.csv has no prediction part in {pf} (no {pf}/part-002.*; parts "
        "pair by file name, apart from the extension); remove it or add its prediction part",
    ),
    (
        "labels folder with two parts of one name",
        ["{pf}", "{lf_dup}"],
        "{lf_dup}/part-000.csv and {lf_dup}/part-000.tsv have the same name apart from the "
        "extension; the parts of a predictions and a labels folder pair by name: keep one of "
        "them",
    ),
    (
        "labels part with fewer rows than its prediction part (CSV: counted)",
        ["{pf}", "{lf_short}"],
        "{pf}/part-001.csv has 2 rows but its labels part {lf_short}/part-001.csv has 1 (axis 0 "
        "differs); a pair of parts needs the same rows in the same order: fix the parts, or "
        "pass --id-col to join by id",
    ),
    (
        "labels part with more rows than its prediction part",
        ["{pf}", "{lf_long}"],
        "{pf}/part-001.csv has 2 rows but its labels part {lf_long}/part-001.csv has 3 (axis 0 "
        "differs); a pair of parts needs the same rows in the same order: fix the parts, or "
        "pass --id-col to join by id",
    ),
    (
        "labels part with fewer rows, a middle part read in chunks (CSV: counted)",
        ["{pf3}", "{lf_mid}", "--chunk-size", "1"],
        "{pf3}/b.csv has 3 rows but its labels part {lf_mid}/b.csv has 2 (axis 0 differs); a "
        "pair of parts needs the same rows in the same order: fix the parts, or pass --id-col "
        "to join by id",
    ),
    (
        "labels part with fewer rows (NPY: known before reading)",
        ["{pnpy}", "{lnpy}"],
        "{pnpy}/part-000.npy has 3 rows but its labels part {lnpy}/part-000.npy has 2 (axis 0 "
        "differs); a pair of parts needs the same rows in the same order: fix the parts, or "
        "pass --id-col to join by id",
    ),
    (
        "part names that do not pair",
        ["{pf}", "{lf_names}"],
        "the parts of {pf} and {lf_names} do not pair: no labels part has the name of a "
        "prediction part ({pf}/part-000.csv, {lf_names}/y-a.csv, ...), nor the same numbers "
        "in its name; name each labels part as its prediction part ({lf_names}/part-000.csv) or "
        "number both alike (logits-000.npy with labels-000.npy)",
    ),
    (
        "part names paired by number, one number missing",
        ["{pf}", "{lf_num}"],
        "{pf}/part-001.csv has no labels part in {lf_num} (no part numbered 1; the names "
        "differ, so parts pair by the numbers in their names); give each prediction part its "
        "labels part",
    ),
    (
        "dense part pair whose samples differ",
        ["{pdense}", "{ldense}"],
        "{pdense}/part-000.npy has shape (2, 3, 4) and its labels part {ldense}/part-000.npy "
        "has shape (1, 4): axis 0 (the samples) differs (2 vs 1); a pair of parts needs one "
        "entry per sample in both",
    ),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("hostile"))


def _fill(text: str, files: dict[str, Path]) -> str:
    for name, path in files.items():
        text = text.replace("{" + name + "}", str(path))
    return text


@pytest.mark.parametrize("case,args,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_exact_error(files, tmp_path, case, args, message):
    out = tmp_path / "report.json"
    out.write_text("precious")
    per = tmp_path / "per.csv"
    extra = [] if "--output" in args else ["--output", out, "--per-sample", per]
    r = invoke(["compute"] + [_fill(a, files) for a in args] + extra)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr == f"Error: {_fill(message, files)}\n"
    assert out.read_text() == "precious"
    assert not per.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_pickled_npy_payload_never_runs(tmp_path):
    sentinel = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.write_text, (sentinel, "ran"))

    np.save(tmp_path / "evil.npy", np.array([Payload()], dtype=object), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.array([1]))
    r = invoke(["compute", tmp_path / "evil.npy", tmp_path / "y.npy"])
    assert r.exit_code == 2 and "object arrays are not supported" in r.stderr
    assert not sentinel.exists()


def test_drop_invalid_counts_rows(files):
    r = invoke(["compute", files["nan.csv"], "--drop-invalid"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["n_dropped"] == 1


# --------------------------------------------------------------------------------------------
# fuzz: random CSV text and random arrays never give a traceback or an exit code but 0 or 2
# --------------------------------------------------------------------------------------------

cells = st.one_of(
    st.integers(-3, 3).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.sampled_from(["", "nan", "inf", "-inf", "abc", "1e400", "0x10", '"q"', "true", " 1 "]),
    st.floats(0, 1).map(lambda v: f"{v:.3f}"),
)
header = st.lists(
    st.sampled_from(["label", "y", "id", "a", "b", "c", "prob", "w", "label"]),
    min_size=1,
    max_size=4,
)
options = st.lists(
    st.sampled_from(
        [
            ["--scores", "probs"],
            ["--scores", "logits"],
            ["--scores", "log-probs"],
            ["--task", "binary"],
            ["--task", "multiclass"],
            ["--task", "multilabel"],
            ["--task", "regression"],
            ["--loss", "all"],
            ["--drop-invalid"],
            ["--strict"],
            ["--chunk-size", "2"],
            ["--weight-col", "w"],
            ["--id-col", "id"],
            ["--format", "csv"],
            ["--format", "table"],
            ["--top-k", "2"],
            ["--threshold", "0.3,0.6"],
        ]
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=header,
    rows=st.lists(st.lists(cells, min_size=1, max_size=4), max_size=8),
    opts=options,
)
def test_fuzz_csv_never_crashes(tmp_path_factory, head, rows, opts):
    text = ",".join(head) + "\n" + "".join(",".join(r) + "\n" for r in rows)
    args = ["compute", "-", "--input-format", "csv"] + [a for o in opts for a in o]
    r = invoke(args, input=text)
    assert r.exit_code in (0, 2), (text, args, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if r.exit_code == 2:
        assert r.stdout == ""
        assert r.stderr.startswith("Error: ") and r.stderr.count("Error: ") == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.tuples(st.integers(0, 6), st.integers(1, 4)),
    fill=st.floats(allow_nan=True, allow_infinity=True, width=64),
    labels=st.lists(st.integers(-2, 5), min_size=0, max_size=7),
    opts=options,
)
def test_fuzz_arrays_never_crash(tmp_path_factory, shape, fill, labels, opts):
    d = tmp_path_factory.mktemp("arr")
    rng = np.random.default_rng(len(labels))
    z = rng.normal(size=shape)
    if shape[0]:
        z[0, 0] = fill
    np.save(d / "z.npy", z)
    np.save(d / "y.npy", np.array(labels, dtype=np.int64))
    args = ["compute", d / "z.npy", d / "y.npy"] + [a for o in opts for a in o]
    r = invoke(args)
    assert r.exit_code in (0, 2), (shape, fill, labels, args, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if r.exit_code == 2:
        assert r.stdout == ""


# every numeric option with values a user might type by mistake
_NUMERIC = {
    "compute": [
        "--top-k",
        "--ece-bins",
        "--auc-bins",
        "--chunk-size",
        "--bootstrap",
        "--ci",
        "--seed",
        "--min-group-size",
        "--threshold",
        "--pos-weight",
        "--class-weights",
        "--label-smoothing",
        "--ignore-index",
        "--focal-gamma",
        "--focal-alpha",
        "--huber-delta",
        "--smooth-l1-beta",
        "--margin",
        "--multi-margin-p",
        "--dice-smooth",
        "--eps",
    ],
    "compare": ["--bootstrap", "--permutations", "--ci", "--seed", "--threshold", "--eps"],
    "thresholds": ["--beta", "--steps", "--optimize", "--threshold"],
}
_VALUES = ["-1", "0", "1", "2", "0.5", "-0", "nan", "inf", "-inf", "", "abc", "1e-200", "1,2"]
_VALUES += ["1e300", "3.5", "2**40", " ", "@", "4294967296", "-4294967297", "0x10"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(sorted(_NUMERIC)),
    picks=st.lists(
        st.tuples(st.integers(0, 100), st.sampled_from(_VALUES)), min_size=1, max_size=3
    ),
)
def test_fuzz_option_values_never_crash(files, command, picks):
    names = _NUMERIC[command]
    opts = []
    for i, value in picks:
        name = names[i % len(names)]
        opts += [name, value]
    ok = str(files["ok.csv"])
    data = {"compute": [ok, "--loss", "all"], "compare": [ok, ok, "--permutations", "9"]}
    args = [command, *data.get(command, [ok]), *opts]
    if command == "compute" and "--bootstrap" not in opts:
        args += ["--bootstrap", "9"]  # so --seed and --ci are used
    if command == "compare" and "--bootstrap" not in opts:
        args += ["--bootstrap", "9"]
    r = invoke(args)
    assert r.exit_code in (0, 1, 2), (args, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if r.exit_code == 2:
        assert r.stdout == "", args
        assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, (args, r.stderr)


@pytest.mark.parametrize(
    "value,shown", [("1e300", "1e+300"), ("0", "0"), ("-1", "-1"), ("nan", "nan"), ("inf", "inf")]
)
def test_thresholds_beta_out_of_range_is_refused_before_reading(tmp_path, value, shown):
    # the file does not exist: the value is refused first
    r = invoke(["thresholds", tmp_path / "missing.csv", "--beta", value])
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"Error: --beta must be a positive number up to 1e+100, got {shown}\n"
