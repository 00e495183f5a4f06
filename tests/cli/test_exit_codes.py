"""Exit codes at the process edge: real pipes, a full disk, a closed stdout, with and without
PYTHONUNBUFFERED, for every command (README "Exit codes"); and the in-process mapping
(no arguments, LOSSCLI_DEBUG, gates on undefined values)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
BIN = str(SAMPLES / "breast_cancer.csv")
MC = str(SAMPLES / "digits_logits.csv")

COMMANDS = {
    "compute": ["compute", BIN, "--format", "json"],
    "compute --per-sample -": ["compute", BIN, "--per-sample", "-"],
    "compare": [
        "compare",
        MC,
        str(SAMPLES / "digits_logits_baseline.csv"),
        "--bootstrap",
        "20",
        "--permutations",
        "20",
        "--format",
        "json",
    ],
    "thresholds": ["thresholds", BIN, "--format", "json"],
    "losses": ["losses", "focal", "--format", "json"],  # a small report: written by the flush
}
ENVS = {"buffered": {}, "PYTHONUNBUFFERED=1": {"PYTHONUNBUFFERED": "1"}}
DISK_FULL = "Error: cannot write stdout: the disk is full; free space and retry\n"
CLOSED = (
    "Error: stdout is closed, so nothing was written; redirect it (> report.json) or pass "
    "--output FILE\n"
)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "LOSSCLI_DEBUG")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, **extra}


def _cmd(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "losscli", *args]


@pytest.mark.slow
@pytest.mark.parametrize("env", ENVS, ids=list(ENVS))
@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_closed_pipe_is_141_and_quiet(command, env):
    # the reader is gone before anything is written (`| true`): EPIPE on the first write. The
    # read end is closed before the child starts (closing it after Popen raced the child's
    # first write: a small report fits in the pipe's buffer and would exit 0)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        p = subprocess.Popen(
            _cmd(COMMANDS[command]),
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=_env(ENVS[env]),
            cwd=ROOT,
        )
    finally:
        os.close(write_end)
    _, err = p.communicate(timeout=120)
    assert (p.returncode, err.decode()) == (141, "")


@pytest.mark.slow
@pytest.mark.parametrize("env", ENVS, ids=list(ENVS))
@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_full_disk_on_stdout_is_4_with_one_line(command, env):
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    with open("/dev/full", "wb") as full:
        r = subprocess.run(
            _cmd(COMMANDS[command]),
            stdout=full,
            stderr=subprocess.PIPE,
            env=_env(ENVS[env]),
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    assert (r.returncode, r.stderr.decode()) == (4, DISK_FULL)


@pytest.mark.parametrize("command", ["compute", "losses"])
def test_closed_stdout_is_141_with_one_line(command, tmp_path):
    # `>&-`: no fd 1 at all; a file opened later must not become the report's stdout
    r = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *_cmd(COMMANDS[command])],
        stderr=subprocess.PIPE,
        env=_env({}),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert (r.returncode, r.stderr.decode()) == (141, CLOSED)
    assert list(tmp_path.iterdir()) == []


def test_pipe_closed_midway_is_141_even_unbuffered(tmp_path):
    # a reader that takes one line of a long per-sample stream and leaves: with
    # PYTHONUNBUFFERED=1 a short write used to be ignored (exit 0, report cut)
    rows = "".join(f"{i % 2},{(i % 97) / 97:.6f}\n" for i in range(40_000))
    data = tmp_path / "p.csv"
    data.write_text("label,prob\n" + rows)
    for env in ENVS.values():
        p = subprocess.Popen(
            _cmd(["compute", str(data), "--per-sample", "-"]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(env),
            cwd=ROOT,
        )
        assert p.stdout.readline()
        p.stdout.close()
        _, err = p.communicate(timeout=120)
        assert (p.returncode, err.decode()) == (141, ""), env


def test_success_through_a_pipe_is_0_and_complete():
    r = subprocess.run(
        _cmd(COMMANDS["compute"]),
        capture_output=True,
        env=_env({"PYTHONUNBUFFERED": "1"}),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert (r.returncode, r.stderr) == (0, b"")
    assert json.loads(r.stdout)["n_samples"] == 171


def test_os_exit_path_still_commits_output_files(tmp_path):
    # the console script skips interpreter teardown; every file must be complete first
    out, per = tmp_path / "r.json", tmp_path / "per.parquet"
    r = subprocess.run(
        _cmd(["compute", BIN, "--output", str(out), "--per-sample", str(per)]),
        capture_output=True,
        env=_env({}),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    assert json.loads(out.read_text())["n_samples"] == 171
    import pyarrow.parquet as pq

    assert pq.read_table(per).num_rows == 171
    assert sorted(p.name for p in tmp_path.iterdir()) == ["per.parquet", "r.json"]


@pytest.mark.slow
def test_no_abort_at_exit_over_repeated_runs():
    # the short version of benchmarks/stress_exit.py (500 runs under load: 0 aborts)
    codes = [
        subprocess.run(
            _cmd(["compute", MC, "--format", "json"]),
            capture_output=True,
            env=_env({}),
            cwd=ROOT,
            timeout=120,
            check=False,
        ).returncode
        for _ in range(12)
    ]
    assert codes == [0] * 12


# ---------------------------------------------------------------------------------------------
# in process
# ---------------------------------------------------------------------------------------------


def run(*args, env=None):
    return invoke(*args, env=env, catch_exceptions=True)  # the edge maps exceptions to codes


def test_no_arguments_prints_the_help_and_exits_0():
    r = run()
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.startswith("Usage: losscli [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in r.stdout and "compute" in r.stdout


@pytest.mark.parametrize(
    "args,missing",
    [
        (["compute"], "PREDICTIONS"),
        (["compare", BIN], "PRED_B"),
        (["thresholds"], "PREDICTIONS"),
    ],
)
def test_a_command_without_its_file_is_one_error_line(args, missing):
    r = run(*args)
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"Error: Missing argument '{missing}'. (see 'losscli {args[0]} --help')\n"


@pytest.fixture
def broken(monkeypatch):
    import losscli.engine

    def boom(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(losscli.engine.Evaluation, "run", boom)


INTERNAL = (
    "Error: internal error (ZeroDivisionError: boom). This is a bug in losscli; rerun with "
    "LOSSCLI_DEBUG=1 for the traceback and report it.\n"
)


@pytest.mark.parametrize("value", ["", "0", "no", "false", "off", "2"])
def test_losscli_debug_off_values(broken, value):
    r = run("compute", BIN, env={"LOSSCLI_DEBUG": value})
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", INTERNAL)


@pytest.mark.parametrize("value", ["1", "true", "yes", "TRUE", " Yes "])
def test_losscli_debug_prints_the_traceback_and_keeps_exit_3(broken, value):
    r = run("compute", BIN, env={"LOSSCLI_DEBUG": value})
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.startswith("Traceback (most recent call last):\n")
    assert "ZeroDivisionError: boom\n" in r.stderr and r.stderr.endswith(INTERNAL)


def test_click_errors_are_exit_2_not_click_1():
    # click's FileError / BadParameter carry exit code 1, which is the gate-failed code
    import click

    from losscli.cli import exit_code

    assert exit_code(click.FileError("x.csv", "no such file")) == 2
    assert exit_code(click.BadParameter("nope")) == 2


@pytest.fixture
def one_class(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("label,prob\n1,0.9\n1,0.4\n1,0.7\n1,0.2\n1,0.6\n")
    return p


@pytest.mark.parametrize(
    "gate,shown",
    [
        ("roc_auc.low < 0.5", "roc_auc.low = undefined"),
        ("roc_auc.high > 0.99", "roc_auc.high = undefined"),
        ("metrics.roc_auc.low < 0.5", "metrics.roc_auc.low = undefined"),
        ("roc_auc < 0.5", "roc_auc = undefined"),
    ],
)
def test_a_gate_on_an_undefined_value_fails(one_class, gate, shown):
    r = run("compute", one_class, "--bootstrap", "30", "--fail-if", gate, "-q")
    assert r.exit_code == 1, r.stderr
    assert r.stderr == f"failed: {gate} ({shown})\nError: 1 of 1 --fail-if gates failed\n"
    assert json.loads(r.stdout)["metrics"]["roc_auc"] is None


def test_a_defined_interval_bound_passes_and_fails(one_class):
    args = ("compute", one_class, "--bootstrap", "30", "-q")
    low, high = json.loads(run(*args).stdout)["ci"]["intervals"]["bce"]
    assert run(*args, "--fail-if", f"losses.bce.high > {high + 1}").exit_code == 0
    r = run(*args, "--fail-if", f"bce.low < {low + 1e-3}")
    assert r.exit_code == 1 and r.stderr.startswith(f"failed: bce.low < {low + 1e-3} (bce.low =")


def test_unknown_interval_name_fails_before_reading_as_unknown(tmp_path):
    # no loss or metric is named so: that comes first (adding --bootstrap would not help)
    r = run("compute", tmp_path / "missing.csv", "--fail-if", "nosuch.low < 1")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "Error: --fail-if 'nosuch.low < 1': unknown name 'nosuch'; see docs/CONTRACTS.md for "
        "the metrics and `losscli losses` for the losses\n"
    )


@pytest.mark.parametrize("gate", ["f1.low < 0.9", "losses.bce.high > 1", "mse.low < 1"])
def test_interval_bounds_without_bootstrap_fail_before_reading(tmp_path, gate):
    # the file does not exist: the gate is refused before anything is read
    r = run("compute", tmp_path / "missing.csv", "--fail-if", gate)
    name = gate.split()[0]
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        f"Error: --fail-if {gate!r}: {name!r} is a bootstrap interval bound; add --bootstrap N "
        "(e.g. --bootstrap 1000)\n"
    )
