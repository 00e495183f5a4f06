"""The HTML report (``--format html`` / ``-o report.html``): one self-contained page.

The page is checked as text (every section, escaping of hostile names, no URL, the
Content-Security-Policy) and in a real browser: headless Chromium (Debian's ``chromium``,
installed by ``.ci/run``) loads it with no console message and no network request, and takes
a screenshot at desktop and phone width. The browser check itself is shown to fail on a page
with a deliberate script error and on a page that fetches an image. Without Chromium the
browser tests are skipped, except in CI (``CI`` set), where they must run.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from helpers import assert_refused, invoke

from losscli.render.html import CSP, MAX_MATRIX_CLASSES, to_html

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
URL = re.compile(r"(?i)\b(?:https?|wss?|ftp):|//[a-z0-9.-]+\.[a-z]{2,}/")


def report_dict(**changes):
    d = {
        "version": "0.1.0",
        "signature": "task=multiclass|losscli=0.1.0",
        "task": "multiclass",
        "scores": "probs",
        "n_samples": 4,
        "n_evaluated": 4,
        "n_ignored": 0,
        "n_dropped": 0,
        "classes": ["a", "b"],
        "losses": {"ce": 0.5},
        "loss_stats": {"ce": {"sum": 2.0, "std": 0.1, "min": 0.2, "max": 0.9}},
        "metrics": {"accuracy": 0.75, "f1_macro": None},
        "per_class": [
            {"class": "a", "precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2},
            {"class": "b", "precision": 0.667, "recall": 1.0, "f1": 0.8, "support": 2},
        ],
        "confusion_matrix": [[1, 1], [0, 2]],
        "warnings": [],
        "inputs": {"predictions": "preds.csv", "labels": None},
        "inference": ["task multiclass: because"],
    }
    d.update(changes)
    return d


# --------------------------------------------------------------------------------------------
# the page as text
# --------------------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "</style><img src=x onerror=alert(1)>",
    "a&amp;b",
    "https://evil.example/x.png",
    "<!-- comment",
]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("where", ["class", "file", "warning", "column", "group"])
def test_user_text_is_escaped(name, where):
    d = report_dict()
    if where == "class":
        d["classes"] = [name, "b"]
        d["per_class"][0]["class"] = name
    elif where == "file":
        d["inputs"] = {"predictions": name, "labels": name}
    elif where == "warning":
        d["warnings"] = [f"class {name} has no samples"]
    elif where == "column":
        d["inputs"] = {"predictions": "p.csv", "prediction_columns": [name, "b"]}
    else:
        d["group_by"] = name
        d["groups"] = {name: {**d, "n_samples": 2}}
    page = to_html(d)
    escaped = html_lib.escape(name, quote=True)
    assert escaped in page
    assert name == escaped or name not in page  # only the escaped text is there
    assert "<script" not in page and "<img src=x" not in page and '" onmouseover' not in page
    # nothing that could be fetched: no URL outside the escaped text
    assert URL.findall(page.replace(escaped, "")) == []


def test_page_is_self_contained_and_phone_ready():
    page = to_html(report_dict())
    assert page.startswith("<!DOCTYPE html>")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "default-src 'none'" in CSP and "img-src data:" in CSP and "script" not in CSP
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media (max-width: 600px)" in page and "prefers-color-scheme: dark" in page
    assert URL.findall(page) == []
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "url(" not in page  # no CSS resource


def test_sections_and_values():
    d = report_dict(
        warnings=["zero division in class b"],
        ci={
            "level": 0.9,
            "n_boot": 200,
            "method": "percentile",
            "resampling": "poisson",
            "evaluation": "exact",
            "seed": 3,
            "intervals": {"ce": [0.4, 0.6], "accuracy": [0.5, 1.0], "f1_macro": None},
        },
    )
    page = to_html(d)
    for title in ("Losses", "Metrics", "Per class", "Confusion matrix", "Warnings (1)"):
        assert f"<h2>{title}</h2>" in page
    assert "90% CI" in page and "[0.4, 0.6]" in page and "[0.5, 1]" in page
    assert "200" in page and "seed 3" in page
    assert "zero division in class b" in page
    assert d["signature"] in page
    # undefined metric: a dash; its undefined interval: a dash too
    row = re.search(r"f1_<wbr>macro</td>(.*?)</tr>", page).group(1)
    assert row.count("—") == 2
    # the confusion cells carry the heat of their row share
    assert "rgba(var(--heat), 0.51)" in page  # 1 of 2 on the diagonal
    assert "rgba(var(--miss), 0.51)" in page  # 1 of 2 confused


def test_multilabel_regression_and_groups():
    ml = report_dict(
        task="multilabel",
        classes=["x", "y"],
        confusion_matrix=[[[5, 1], [2, 3]], [[4, 0], [0, 7]]],
    )
    page = to_html(ml)
    assert "<h2>Confusion per label</h2>" in page
    assert re.search(r">x</td><td>3</td><td>1</td><td>2</td><td>5</td>", page)  # tp fp fn tn
    reg = report_dict(
        task="regression",
        classes=[],
        losses={"mse": 1.5},
        loss_stats={},
        metrics={"r2": 0.9},
        per_class=[],
        confusion_matrix=None,
    )
    page = to_html(reg)
    assert "Confusion" not in page and "r2" in page and "Per output" not in page
    reg["per_output"] = [{"output": "<y>", "mse": 1.5, "r2": 0.9}]
    page = to_html(reg)
    assert "<h2>Per output</h2>" in page and "&lt;y&gt;" in page
    g = report_dict(group_by="fold", groups={"0": report_dict(), "1": report_dict()})
    page = to_html(g)
    assert "<h2>Slices by <code>fold</code></h2>" in page and "▼" in page


@pytest.mark.parametrize("n", [MAX_MATRIX_CLASSES + 1, 200])
def test_many_classes_show_the_top_confusions(n):
    classes = [f"c{i}" for i in range(n)]
    cm = [[10 if i == j else 0 for j in range(n)] for i in range(n)]
    cm[3][7] = 4
    cm[5][1] = 9
    page = to_html(report_dict(classes=classes, confusion_matrix=cm, per_class=[]))
    assert "<h2>Top confusions</h2>" in page and "<h2>Confusion matrix</h2>" not in page
    rows = re.findall(r"<tr><td class=\"name\">(c\d+)</td><td class=\"name\">(c\d+)</td>", page)
    assert rows[:2] == [("c5", "c1"), ("c3", "c7")]  # largest first
    assert f"{n} classes" in page and "--all-classes" in page
    whole = to_html(
        report_dict(classes=classes, confusion_matrix=cm, per_class=[]), all_classes=True
    )
    assert "<h2>Confusion matrix</h2>" in whole and "Top confusions" not in whole


def test_small_matrix_is_drawn_whole():
    n = MAX_MATRIX_CLASSES
    classes = [f"c{i}" for i in range(n)]
    cm = [[1 if i == j else 0 for j in range(n)] for i in range(n)]
    page = to_html(report_dict(classes=classes, confusion_matrix=cm, per_class=[]))
    assert "<h2>Confusion matrix</h2>" in page


# --------------------------------------------------------------------------------------------
# through the CLI
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["format", "html", "htm", "upper"])
def test_cli_writes_html(tmp_path, how):
    src = SAMPLES / "digits_logits.csv"
    if how == "format":
        r = invoke("compute", src, "--format", "html")
        assert r.exit_code == 0, r.output
        page = r.stdout
    else:
        out = tmp_path / {"html": "r.html", "htm": "r.htm", "upper": "R.HTML"}[how]
        r = invoke("compute", src, "-o", out)
        assert r.exit_code == 0 and r.stdout == ""
        page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<h2>Confusion matrix</h2>" in page
    as_json = json.loads(invoke("compute", src, "--format", "json").stdout)
    assert f"{as_json['metrics']['accuracy']:.6g}" in page
    assert URL.findall(page) == []


def test_cli_inlines_the_plots(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.html"
    plots = tmp_path / "plots"
    r = invoke("compute", SAMPLES / "breast_cancer.csv", "-o", out, "--plot", plots)
    assert r.exit_code == 0, r.output
    page = out.read_text()
    uris = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    files = sorted(plots.iterdir())
    assert len(uris) == len(files) >= 5
    assert sorted(base64.b64decode(u) for u in uris) == sorted(f.read_bytes() for f in files)


def test_commands_without_html_refuse_the_extension(tmp_path):
    out = tmp_path / "r.html"
    a = SAMPLES / "digits_logits_baseline.csv"
    r = invoke("compare", a, SAMPLES / "digits_logits.csv", "-o", out)
    assert_refused(
        r,
        f"--output {out}: '.html' is html, which this command does not write; use .json, "
        ".csv, .md or .txt, or pass --format (table, json, csv or markdown)",
    )
    assert not out.exists()


def test_html_error_leaves_no_file(tmp_path):
    out = tmp_path / "r.html"
    missing = tmp_path / "missing.csv"
    r = invoke("compute", missing, "-o", out)
    assert_refused(r, f"{missing}: no such file; check the path of the predictions file")
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# in a real browser
# --------------------------------------------------------------------------------------------


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/run installs Debian's chromium")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return exe


def load(page: Path, tmp: Path, *, width: int = 1280, height: int = 1800) -> dict:
    """Load ``page`` in headless Chromium; its console messages, the network requests the page
    started (from Chromium's net log) and the screenshot's path and size."""
    shot = tmp / f"{page.stem}-{width}.png"
    netlog = tmp / f"{page.stem}-{width}.netlog.json"
    cmd = [
        chromium(),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",  # CI runs as root
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={netlog}",
        f"--window-size={width},{height}",
        f"--screenshot={shot}",
        page.resolve().as_uri(),
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    console = re.findall(r":CONSOLE[^\]]*\] (.*)", p.stderr)
    events = json.loads(netlog.read_text() or "{}").get("events", [])
    requests = [
        e["params"]["url"]
        for e in events
        if "file://" in str(e.get("params", {}).get("network_isolation_key", ""))
        and not e["params"].get("url", "").startswith(("file:", "data:"))
    ]
    with open(shot, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    size = struct.unpack(">II", head[16:24])
    return {"console": console, "requests": requests, "shot": shot, "size": size}


@pytest.mark.slow
def test_the_check_catches_a_script_error_and_a_request(tmp_path):
    """The browser check can fail: a deliberate script error and a fetched image are seen."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><title>bad</title><p>x</p>'
        '<img src="http://127.0.0.1:9/x.png">'
        "<script>throw new Error('deliberate-error')</script>"
    )
    seen = load(bad, tmp_path)
    assert any("deliberate-error" in line for line in seen["console"]), seen
    assert seen["requests"] == ["http://127.0.0.1:9/x.png"]
    # the report's policy blocks both: the script does not run, the image is not fetched
    blocked = tmp_path / "blocked.html"
    blocked.write_text(
        bad.read_text().replace(
            "<title>", f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>'
        )
    )
    seen = load(blocked, tmp_path)
    assert seen["requests"] == []
    assert not any("deliberate-error" in line for line in seen["console"])
    assert any("Content Security Policy" in line for line in seen["console"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["digits_logits.csv", "--bootstrap", "100", "--plot", "{tmp}/plots"], "digits"),
        (["breast_cancer.csv"], "binary"),
        (["digit_attrs_logits.csv", "digit_attrs_labels.csv"], "multilabel"),
        (["diabetes.csv", "--task", "regression"], "regression"),
        (["digits_parts/", "--group-by", "fold"], "slices"),
    ],
)
def test_report_loads_in_chromium_cleanly(tmp_path, args, name):
    if "--plot" in args:
        pytest.importorskip("matplotlib")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    args = [
        str(SAMPLES / a) if (SAMPLES / a).exists() and not a.startswith("-") else a for a in args
    ]
    out = tmp_path / f"{name}.html"
    r = invoke("compute", *args, "-o", out)
    assert r.exit_code == 0, r.output
    for width in (390, 1280) if name == "digits" else (390,):  # phone (and desktop)
        seen = load(out, tmp_path, width=width)
        assert seen["console"] == [], seen["console"]
        assert seen["requests"] == []
        assert seen["size"] == (width, 1800)
        assert seen["shot"].stat().st_size > 10_000  # something was drawn
