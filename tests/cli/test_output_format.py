"""The report's format from ``--output``'s extension; an unknown one refused; ``--per-sample -``
without ``-o``; ``--color``, ``NO_COLOR`` and ``FORCE_COLOR``; warnings printed once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import invoke

from losscli.cli import output

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
BINARY = SAMPLES / "breast_cancer.csv"


def _looks_like(fmt: str, text: str) -> bool:
    if fmt == "json":
        return json.loads(text)["task"] == "binary"
    if fmt == "csv":
        return text.startswith("section,name,class,value,text\n")
    if fmt == "markdown":
        return text.startswith("## losscli report\n")
    if fmt == "html":
        return text.startswith("<!DOCTYPE html>")
    return text.startswith("losscli binary · scores probs") and "\x1b[" not in text


@pytest.mark.parametrize(
    "name,fmt",
    [
        ("r.json", "json"),
        ("r.JSON", "json"),
        ("r.csv", "csv"),
        ("r.md", "markdown"),
        ("r.markdown", "markdown"),
        ("r.txt", "table"),
        ("r.html", "html"),
        ("r.HTM", "html"),
        ("report", "json"),  # no extension: JSON
        ("a.b/report", "json"),  # a dot in the folder is no extension
    ],
)
def test_compute_format_from_the_extension(tmp_path, name, fmt):
    out = tmp_path / name
    out.parent.mkdir(exist_ok=True)
    r = invoke(["compute", BINARY, "-o", out])
    assert (r.exit_code, r.stdout) == (0, "")
    assert _looks_like(fmt, out.read_text())


@pytest.mark.parametrize(
    "command,name,message",
    [
        (
            "compute",
            "report.yaml",
            "unknown extension '.yaml'; use .json, .csv, .md, .txt or .html, or pass "
            "--format (table, json, csv, markdown or html)",
        ),
        (
            "compute",
            "report.xlsx",
            "unknown extension '.xlsx'; use .json, .csv, .md, .txt or .html, or pass "
            "--format (table, json, csv, markdown or html)",
        ),
        (
            "thresholds",
            "best.md",
            "'.md' is markdown, which this command does not write; use .json, .csv or .txt, or "
            "pass --format (table, json or csv)",
        ),
        (
            "thresholds",
            "best.yml",
            "unknown extension '.yml'; use .json, .csv or .txt, or pass --format "
            "(table, json or csv)",
        ),
    ],
)
def test_an_unknown_extension_is_refused_before_anything_is_read(tmp_path, command, name, message):
    out = tmp_path / name
    r = invoke([command, BINARY, "-o", out])
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"Error: --output {out}: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_not_clobbered_by_a_refused_extension(tmp_path):
    out = tmp_path / "report.yaml"
    out.write_text("precious")
    r = invoke(["compute", BINARY, "-o", out])
    assert r.exit_code == 2 and out.read_text() == "precious"


def test_compare_refuses_an_unknown_extension(tmp_path):
    a, b = SAMPLES / "digits_logits_baseline.csv", SAMPLES / "digits_logits.csv"
    out = tmp_path / "cmp.yaml"
    r = invoke(["compare", a, b, "-o", out, "--bootstrap", "10", "--permutations", "10"])
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.startswith(f"Error: --output {out}: unknown extension '.yaml'; ")
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table"])
def test_format_wins_over_the_extension(tmp_path, fmt):
    out = tmp_path / "report.yaml"
    r = invoke(["compute", BINARY, "-o", out, "--format", fmt])
    assert r.exit_code == 0
    assert _looks_like(fmt, out.read_text())


def test_an_output_onto_an_input_is_named_before_its_extension(tmp_path):
    data = tmp_path / "p.tsv"
    data.write_text(BINARY.read_text().replace(",", "\t"))
    r = invoke(["compute", data, "-o", data])
    assert r.exit_code == 2
    assert "is the input" in r.stderr or "same file" in r.stderr, r.stderr
    assert "extension" not in r.stderr


# --per-sample - without -o: the report is not written; at a terminal stderr says so


def test_per_sample_stdout_without_output_notes_the_missing_report_at_a_terminal(monkeypatch):
    import losscli.cli.compute as compute

    monkeypatch.setattr(compute, "stderr_is_terminal", lambda: True)
    r = invoke(["compute", BINARY, "--per-sample", "-"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == "id,label,prob,prediction,bce"
    assert r.stderr == (
        "note: the report is not written: stdout carries the --per-sample rows; "
        "pass -o FILE to keep it\n"
    )
    r = invoke(["compute", BINARY, "--per-sample", "-", "-q"])
    assert r.stderr == ""


def test_per_sample_stdout_with_output_writes_both(tmp_path, monkeypatch):
    import losscli.cli.compute as compute

    monkeypatch.setattr(compute, "stderr_is_terminal", lambda: True)
    out = tmp_path / "r.json"
    r = invoke(["compute", BINARY, "--per-sample", "-", "-o", out])
    assert r.exit_code == 0 and r.stderr == ""
    assert json.loads(out.read_text())["n_samples"] == 171
    assert len(r.stdout.splitlines()) == 172


def test_per_sample_stdout_in_a_pipe_stays_quiet():
    r = invoke(["compute", BINARY, "--per-sample", "-"])
    assert r.exit_code == 0 and r.stderr == ""


# colours


@pytest.mark.parametrize(
    "choice,env,out,tty,expected",
    [
        ("auto", {}, None, True, True),
        ("auto", {}, None, False, False),
        ("auto", {"NO_COLOR": "1"}, None, True, False),
        ("auto", {"NO_COLOR": ""}, None, True, True),  # empty: not set (no-color.org)
        ("auto", {"FORCE_COLOR": "1"}, None, False, True),
        ("auto", {"FORCE_COLOR": "0"}, None, False, False),
        ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, None, False, False),
        ("auto", {}, "r.txt", True, False),  # a file gets no colour unless asked
        ("always", {"NO_COLOR": "1"}, "r.txt", False, True),
        ("never", {"FORCE_COLOR": "1"}, None, True, False),
    ],
)
def test_use_color(monkeypatch, choice, env, out, tty, expected):
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: tty)
    assert output.use_color(out, choice) is expected


@pytest.mark.parametrize(
    "args,env,coloured",
    [
        (["--format", "table"], {}, False),
        (["--format", "table", "--color", "always"], {}, True),
        (["--format", "table"], {"FORCE_COLOR": "1"}, True),
        (["--format", "table", "--color", "never"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_option_and_force_color_in_a_pipe(args, env, coloured):
    env = {"NO_COLOR": None, "FORCE_COLOR": None, **env}
    for command in (
        ["compute", SAMPLES / "digits_logits.csv"],
        ["thresholds", BINARY],
        ["losses"],
    ):
        r = invoke([*command, *args], env=env)
        assert r.exit_code == 0, r.stderr
        assert ("\x1b[" in r.stdout) is coloured, command


def test_no_color_at_a_terminal(monkeypatch):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    r = invoke(["compute", SAMPLES / "digits_logits.csv"], env={"NO_COLOR": "1"})
    assert r.exit_code == 0 and "Confusion matrix" in r.stdout and "\x1b[" not in r.stdout
    r = invoke(["compute", SAMPLES / "digits_logits.csv"], env={"NO_COLOR": None})
    assert "\x1b[" in r.stdout


# warnings: once


def _warning_data(tmp_path):
    # class 2 is never predicted: precision undefined -> one warning
    rows = ["label,a,b,c"] + [
        f"{i % 2},{0.6 if i % 2 == 0 else 0.2},{0.3 if i % 2 == 0 else 0.7},0.1" for i in range(20)
    ]
    rows.append("2,0.5,0.4,0.1")
    f = tmp_path / "w.csv"
    f.write_text("\n".join(rows) + "\n")
    return f


def test_warnings_at_a_terminal_are_printed_once_in_the_table(tmp_path, monkeypatch):
    f = _warning_data(tmp_path)
    piped = invoke(["compute", f])
    assert piped.exit_code == 0
    warnings = json.loads(piped.stdout)["warnings"]
    assert warnings and piped.stderr == "".join(f"warning: {w}\n" for w in warnings)
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    r = invoke(["compute", f], env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert r.exit_code == 0
    assert r.stderr == ""
    for w in warnings:
        assert r.stdout.count(f"warning: {w}") == 1
    # a table into a file carries them and stderr says them (the file is not on the screen)
    out = tmp_path / "r.txt"
    r = invoke(["compute", f, "-o", out], env={"COLUMNS": "200"})
    assert r.stderr == "".join(f"warning: {w}\n" for w in warnings)
    assert all(f"warning: {w}" in out.read_text() for w in warnings)
