"""The progress bar: on stderr at a terminal (a pseudo-terminal here) for reading, bootstrap
resamples, permutations and Dask tasks; never in a pipe, with ``-q`` or in CI; stdout is the
same bytes whether or not the bar was drawn. The numeric core reports through
``losscli.progress.report`` only."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from losscli import progress
from losscli.cli.progress import DELAY, _Bars, _delay, amount, wanted

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "TERM")}
    env.update(PYTHONPATH=str(ROOT), TERM="xterm-256color", COLUMNS="100", **extra)
    return env


def run(args, *, tty: bool, env=None, cwd=None):
    """Run losscli with stdout a pipe and stderr a pseudo-terminal (``tty``) or a pipe."""
    cmd = [sys.executable, "-m", "losscli", *map(str, args)]
    env = env or base_env()
    if not tty:
        p = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd, timeout=300)
        return p.returncode, p.stdout, p.stderr.decode()
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, cwd=cwd
    )
    os.close(slave)
    err = b""
    out_chunks = []
    fds = [master, proc.stdout.fileno()]
    while fds:
        ready, _, _ = select.select(fds, [], [], 300)
        if not ready:
            proc.kill()
            raise AssertionError("the run hung")
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the pty closes with EIO when the child is gone
                data = b""
            if not data:
                fds.remove(fd)
            elif fd == master:
                err += data
            else:
                out_chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(out_chunks), err.decode(errors="replace")


SLOW = ["compute", SAMPLES / "digits_logits.csv", "--bootstrap", "400"]


@pytest.mark.slow
def test_bar_at_a_terminal_and_same_stdout():
    env = base_env(LOSSCLI_PROGRESS_DELAY="0")
    code, out_tty, err_tty = run(SLOW, tty=True, env=env)
    assert code == 0, err_tty
    assert "bootstrap" in err_tty and "/400 resamples" in err_tty
    assert "400/400 resamples" in err_tty or "eta" in err_tty
    code, out_pipe, err_pipe = run(SLOW, tty=False, env=env)
    assert code == 0
    assert out_tty == out_pipe  # stdout byte-identical, bar or no bar
    assert err_pipe == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    "how", ["pipe", "quiet", "ci", "dumb terminal"], ids=["pipe", "-q", "CI", "TERM=dumb"]
)
def test_no_bar(how):
    env = base_env(LOSSCLI_PROGRESS_DELAY="0")
    args = list(SLOW)
    if how == "quiet":
        args.append("-q")
    if how == "ci":
        env["CI"] = "true"
    if how == "dumb terminal":
        env["TERM"] = "dumb"
    code, out, err = run(args, tty=how != "pipe", env=env)
    assert code == 0
    assert "bootstrap" not in err and "resamples" not in err and "\x1b[" not in err
    assert out == run(SLOW, tty=False, env=env)[1]


@pytest.mark.slow
def test_a_run_quicker_than_the_delay_shows_no_bar():
    """A run that ends before the delay draws nothing; the same run draws its bar with no delay
    (so the check can fail). The delay is a minute, not the default second: how long a small
    run takes is up to the machine (over a second on a loaded one)."""
    args = ["compute", SAMPLES / "breast_cancer.csv"]
    code, _, err = run(args, tty=True, env=base_env(LOSSCLI_PROGRESS_DELAY="60"))
    assert code == 0 and "reading" not in err and "\x1b[" not in err
    code, _, err = run(args, tty=True, env=base_env(LOSSCLI_PROGRESS_DELAY="0"))
    assert code == 0 and "reading" in err and "171/171 rows" in err


@pytest.mark.parametrize("value", [None, "", "soon", "-1"])
def test_the_default_delay_is_a_second(monkeypatch, value):
    """Unset or not a number of seconds >= 0, LOSSCLI_PROGRESS_DELAY leaves the default."""
    if value is None:
        monkeypatch.delenv("LOSSCLI_PROGRESS_DELAY", raising=False)
    else:
        monkeypatch.setenv("LOSSCLI_PROGRESS_DELAY", value)
    assert _delay() == DELAY == 1.0
    monkeypatch.setenv("LOSSCLI_PROGRESS_DELAY", "2.5")
    assert _delay() == 2.5


@pytest.mark.slow
def test_reading_shows_bytes_of_a_file(tmp_path):
    csv = tmp_path / "big.csv"
    with open(csv, "w") as f:
        f.write("label,prob\n")
        f.write("1,0.75\n0,0.25\n" * 700_000)  # beyond the first 8 MiB block
    size = csv.stat().st_size
    env = base_env(LOSSCLI_PROGRESS_DELAY="0")
    code, out, err = run(["compute", csv, "--chunk-size", "200000"], tty=True, env=env)
    assert code == 0, err
    assert "reading" in err and f"/{size / 1e6:.1f} MB" in err
    # from stdin the size is unknown: rows read
    with open(csv, "rb") as f:
        p = subprocess.Popen(
            [sys.executable, "-m", "losscli", "compute", "-", "--chunk-size", "200000"],
            stdin=f,
            stdout=subprocess.PIPE,
            stderr=(slave := pty.openpty())[1],
            env=env,
        )
    master = slave[0]
    os.close(slave[1])
    err = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        err += data
    p.stdout.read()
    assert p.wait() == 0
    assert "reading" in err.decode() and " rows" in err.decode()


@pytest.mark.slow
def test_compare_shows_resamples_and_permutations():
    env = base_env(LOSSCLI_PROGRESS_DELAY="0")
    args = ["compare", SAMPLES / "digits_logits_baseline.csv", SAMPLES / "digits_logits.csv"]
    args += ["--bootstrap", "300", "--permutations", "300"]
    code, out, err = run(args, tty=True, env=env)
    assert code == 0, err
    assert "/300 resamples" in err and "/300 permutations" in err
    assert out == run(args, tty=False, env=env)[1]


@pytest.mark.slow
def test_dask_shows_tasks():
    pytest.importorskip("distributed")
    env = base_env(LOSSCLI_PROGRESS_DELAY="0")
    args = ["compute", SAMPLES / "digits_parts", "--engine", "dask", "--workers", "1"]
    code, _, err = run(args, tty=True, env=env)
    assert code == 0, err
    assert "dask tasks" in err and " tasks" in err


# --------------------------------------------------------------------------------------------
# the pieces
# --------------------------------------------------------------------------------------------


def test_report_goes_to_the_installed_callback_only():
    seen = []
    progress.report("read", 1, 2, "rows")  # nobody listens: nothing happens
    with progress.reporting(lambda *a: seen.append(a)):
        assert progress.active()
        progress.report("resamples", 128, 1000, "resamples")
        with progress.reporting(None):
            progress.report("resamples", 256, 1000, "resamples")
        progress.report("tasks", 3, None, "tasks")
    assert not progress.active()
    assert seen == [("resamples", 128, 1000, "resamples"), ("tasks", 3, None, "tasks")]


def test_bars_wait_for_the_delay(monkeypatch):
    bars = _Bars(delay=3600)
    bars("read", 5, 10, "rows")
    assert bars.progress is None and bars.state == {"read": (5, 10, "rows")}
    bars.close()


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((2_500, 10_000, "bytes"), "2.5/10.0 KB"),
        ((3_000_000_000, None, "bytes"), "3.0 GB"),
        ((10, 20, "tasks"), "10/20 tasks"),
        ((1_234_567, None, "rows"), "1,234,567 rows"),
    ],
)
def test_amount(args, text):
    assert amount(*args) == text


def test_not_wanted_in_a_pipe_or_quiet(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert wanted(quiet=True) is False
    monkeypatch.setenv("CI", "true")
    assert wanted() is False


def test_numeric_core_does_not_import_rich():
    code = (
        "import sys, numpy as np\nfrom losscli import evaluate\n"
        "evaluate('sample_data/breast_cancer.csv', bootstrap=50)\n"
        "print('rich' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=base_env()
    )
    assert out.stdout.strip() == "False", out.stderr
