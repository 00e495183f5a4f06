"""Every `losscli …` command in the README's bash blocks runs as written (exit 0) on the files in
`sample_data/`, in README order from one scratch folder (a command may read what an earlier one
wrote, as `--threshold @thresholds.json` does; run alone or out of order, such a command runs
its writer first), so that the outputs land there. Skipped: the line that needs a running Dask
scheduler (the block starts one in the background), and pipes into a tool this machine does
not have (jq)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import invoke

pytestmark = pytest.mark.slow  # see pyproject's markers; `-m "not slow"` skips it

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.split(r"\s{2,}#", line)[0].strip()
            if line.startswith("losscli ") or line.startswith("cat sample_data/"):
                out.append(line)
    return out


COMMANDS = _commands()


def test_the_readme_has_commands():
    assert len(COMMANDS) >= 20
    assert "losscli compute sample_data/digits_logits.csv" in " ".join(COMMANDS)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    d = tmp_path_factory.mktemp("readme")
    (d / "sample_data").symlink_to(ROOT / "sample_data")
    return d


# A line the shell would change (pipes, redirections, globs, variables) or that starts a Dask
# cluster runs in bash; any other line is only its words, run in process (shlex splits them as
# the shell would), which spares a Python start per command.
SHELL = re.compile(r"[|<>$&;`*?~\[]|^cat |--engine dask")


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(command, scratch, monkeypatch):
    if "--scheduler" in command:
        pytest.skip("needs the running Dask scheduler that its README block starts")
    if "| jq" in command and shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    monkeypatch.chdir(scratch)
    for name in re.findall(r"(?:^|\s)@([\w./-]+)", command):  # a word @FILE, not "x@y=1"
        if not (scratch / name).exists():  # run alone or out of order: its writer first
            (writer,) = [c for c in COMMANDS if re.search(rf"--write {re.escape(name)}\b", c)]
            r = invoke(*shlex.split(writer)[1:])
            assert r.exit_code == 0, (writer, r.stderr[-2000:])
    if not SHELL.search(command):
        r = invoke(*shlex.split(command)[1:])
        assert r.exit_code == 0, r.stderr[-2000:]
        assert r.stdout.strip() or len(list(scratch.iterdir())) > 1
        return
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["PYTHONPATH"] = str(ROOT)
    p = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() or len(list(scratch.iterdir())) > 1
