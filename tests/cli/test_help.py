"""``--help`` that guides (examples first, options in groups) and shell completion that helps
(loss names, choices, files), driven through click's own completion protocol in a subprocess,
as bash / zsh / fish call it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from helpers import invoke

from losscli.cli import cli
from losscli.cli.app import COMMANDS as COMMANDS_TABLE
from losscli.cli.app import LazyCommands
from losscli.cli.help import HELP_GROUPS, OTHER_OPTIONS
from losscli.losses import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("compute", "compare", "thresholds")
TITLES = [t for t, _ in HELP_GROUPS]


def help_text(command: str) -> str:
    r = invoke(command, "--help", terminal_width=100)
    assert r.exit_code == 0, r.output
    return r.stdout


def sections(text: str) -> dict[str, list[str]]:
    """Section title -> the option names listed under it (``--x`` first on each row)."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^(\S[^:]*):$", line)
        if m:
            current = m.group(1)
            out[current] = []
        elif current and re.match(r"^  -", line):
            out[current].append(re.findall(r"--[a-z][a-z0-9-]*", line)[0])
    return out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_examples_first_then_description_then_groups(command):
    text = help_text(command)
    lines = text.splitlines()
    assert lines[0].startswith(f"Usage: losscli {command} ")
    assert lines[2] == "Examples:"
    assert lines[3].startswith(f"  losscli {command} ")
    found = sections(text)
    titles = [t for t in found if t != "Examples"]
    # the groups appear in the declared order, "Other options" (only --help) last
    assert titles == [t for t in TITLES if t in titles] + [OTHER_OPTIONS]
    assert found[OTHER_OPTIONS] == ["--help"]
    # every option of the command is listed exactly once
    cmd = cli.commands[command]
    params = cmd.get_params(click.Context(cmd))
    declared = sorted(max(p.opts, key=len) for p in params if p.param_type_name == "option")
    listed = sorted(o for t in titles for o in found[t])
    assert listed == declared


def test_compute_help_groups():
    found = sections(help_text("compute"))
    expect = {
        "Inputs": ["--label-col", "--pred-cols", "--id-col", "--weight-col", "--input-format"],
        "Task and scores": ["--task", "--scores", "--activation", "--pos-label"],
        "Losses and their parameters": ["--loss", "--focal-gamma", "--label-smoothing", "--eps"],
        "Metrics": ["--threshold", "--top-k", "--zero-division", "--ece-bins"],
        "Uncertainty": ["--bootstrap", "--ci", "--seed"],
        "Outputs": ["--format", "--output", "--per-sample", "--plot", "--quiet"],
        "Gates": ["--fail-if", "--strict"],
        "Performance": ["--chunk-size", "--auc-bins", "--engine", "--workers"],
    }
    for title, options in expect.items():
        assert set(options) <= set(found[title]), (title, found[title])


def test_every_loss_parameter_is_in_the_losses_group():
    from losscli.losses import PARAMS

    found = sections(help_text("compute"))["Losses and their parameters"]
    assert {p.option for p in PARAMS.values()} <= set(found)


def test_examples_run_on_the_sample_data():
    """The examples name files that exist (so they run as written from the repository)."""
    for command in COMMANDS:
        for example in cli.commands[command].examples:
            for word in example.split():
                if word.startswith("sample_data/"):
                    assert (ROOT / word).exists(), (command, word)


def test_group_help_stays_light():
    """``losscli --help`` and ``losscli compute --help`` import nothing heavy."""
    code = (
        "import sys\nfrom losscli.cli import cli\n"
        "for args in (['--help'], ['compute', '--help']):\n"
        "    try:\n        cli.main(args, prog_name='losscli')\n"
        "    except SystemExit:\n        pass\n"
        "heavy = ('pandas', 'pyarrow', 'rich', 'matplotlib', 'scipy', 'dask')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", sorted(COMMANDS_TABLE))
@pytest.mark.parametrize("limit", [30, 45, 60, 200])
def test_the_group_lists_each_command_with_its_own_short_help(name, limit):
    """``losscli --help`` takes the help lines from ``app.COMMANDS`` (no command imported);
    each is what click makes of the command's own help, at every width."""
    lazy = LazyCommands(COMMANDS_TABLE)
    own = COMMANDS_TABLE[name][0].load()
    assert own.name == name
    assert lazy.short_help(name, limit) == own.get_short_help_str(limit)
    assert lazy[name] is own and lazy.short_help(name, limit) == own.get_short_help_str(limit)


def test_group_help_imports_no_command_module():
    code = (
        "import json, sys\nfrom losscli.cli import cli\n"
        "try:\n    cli.main(['--help'], prog_name='losscli')\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('losscli.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert "Commands:" in lines and all(f"  {n} " in out.stdout for n in COMMANDS_TABLE)
    loaded = json.loads(lines[-1])
    assert not [m for m in loaded if m.rsplit(".", 1)[1] in COMMANDS_TABLE], loaded
    assert not [m for m in loaded if m.startswith("losscli.io._")], loaded


# --------------------------------------------------------------------------------------------
# shell completion, through click's protocol (what `eval "$(_LOSSCLI_COMPLETE=bash_source
# losscli)"` installs calls exactly this)
# --------------------------------------------------------------------------------------------


def complete(words: str, shell: str = "bash") -> list[tuple[str, str]]:
    """(type, value) pairs the completion returns for the command line ``words`` (the cursor
    at its end; a trailing space starts a new word)."""
    parts = words.split(" ")
    env = {
        **os.environ,
        "_LOSSCLI_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
        "PYTHONPATH": str(ROOT),
    }
    r = subprocess.run(
        [sys.executable, "-m", "losscli"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    if shell == "bash":
        return [tuple(line.split(",", 1)) for line in r.stdout.splitlines()]
    lines = r.stdout.splitlines()  # zsh: type, value, help, repeated
    return [(lines[i], lines[i + 1]) for i in range(0, len(lines), 3)]


def _names(with_all: bool) -> set[str]:
    names = {n for spec in REGISTRY.values() for n in (spec.name, *spec.aliases)}
    return names | {"all"} if with_all else names


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("losscli compute x.csv --loss ", _names(with_all=True)),
        ("losscli compute x.csv --loss fo", {n for n in _names(True) if n.startswith("fo")}),
        ("losscli compare a.csv b.csv --loss hu", {"huber", "huber_loss"}),
        ("losscli losses ", _names(with_all=False)),
        ("losscli compute --task ", {"auto", "binary", "multiclass", "multilabel", "regression"}),
        ("losscli thresholds --task ", {"auto", "binary", "multilabel"}),
        ("losscli compute --scores l", {"logits", "log-probs"}),
        ("losscli compute --format ", {"table", "json", "csv", "markdown", "html"}),
        ("losscli compare a b --format ", {"table", "json", "csv", "markdown"}),
        ("losscli compute --input-format p", {"parquet"}),
        ("losscli compute --engine ", {"local", "dask"}),
    ],
)
def test_completes_names_and_choices(words, expected):
    got = complete(words)
    assert {t for t, _ in got} == {"plain"}
    assert {v for _, v in got} == expected
    assert len(got) == len(expected)


def test_loss_completion_has_summaries_in_zsh():
    out = subprocess.run(
        [sys.executable, "-m", "losscli"],
        env={
            **os.environ,
            "_LOSSCLI_COMPLETE": "zsh_complete",
            "COMP_WORDS": "losscli compute --loss foc",
            "COMP_CWORD": "3",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert out[:2] == ["plain", "focal"]
    assert out[2] == REGISTRY["focal"].summary


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("losscli compute sample_d", "file"),
        ("losscli compute a.csv lab", "file"),
        ("losscli compare a.csv b", "file"),
        ("losscli thresholds sample_data/b", "file"),
        ("losscli compute a.csv -o rep", "file"),
        ("losscli compute a.csv --output rep", "file"),
        ("losscli compute a.csv --per-sample ro", "file"),
        ("losscli thresholds a.csv --write t", "file"),
        ("losscli compute a.csv --plot pl", "dir"),
    ],
)
def test_paths_complete_as_files(words, kind):
    """The shell lists the files itself (type ``file`` / ``dir`` with the word typed)."""
    assert complete(words) == [(kind, words.rsplit(" ", 1)[1])]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_sourceable(shell):
    """``_LOSSCLI_COMPLETE=<shell>_source losscli`` prints the script the README tells users
    to install; it names the program's completion variable."""
    env = {**os.environ, "_LOSSCLI_COMPLETE": f"{shell}_source", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "losscli"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == ""
    assert "_LOSSCLI_COMPLETE" in r.stdout and f"{shell}_complete" in r.stdout


def test_bash_completion_end_to_end(tmp_path):
    """The script bash sources, run by bash itself: ``--loss foc<TAB>`` gives focal."""
    exe = tmp_path / "losscli"
    exe.write_text(f'#!/bin/sh\nexec {sys.executable} -m losscli "$@"\n')
    exe.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    script = (
        'eval "$(_LOSSCLI_COMPLETE=bash_source losscli)"\n'
        "COMP_WORDS=(losscli compute x.csv --loss foc); COMP_CWORD=4\n"
        "_losscli_completion losscli\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert r.stdout.split() == ["focal", "focal_loss"], r.stderr
