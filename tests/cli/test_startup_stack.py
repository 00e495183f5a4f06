"""numpy's import starts at the bottom of the call stack (``losscli.cli.app``, issue #20).

CPython 3.11 frees a 16 KiB chunk of its frame stack as soon as the frame that opened it
returns, so a deep import tree started far down the stack maps and unmaps a chunk on every
call that crosses into it (about 900 times when numpy was imported from click's command
lookup). ``python -m losscli COMMAND`` imports numpy, then the command's module, from
:func:`losscli.cli.app.import_named_command`, a few frames above the interpreter's own; what a
run imports stays what it was, and so does how it ends.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import click
import numpy as np
import pytest
from helpers import run_python

from losscli.cli import app
from losscli.lazy import Lazy

#: ``python -m losscli ARGS`` in a child that records the Python call stack where numpy's
#: import starts (the first search for the module) and reports, as the process ends,
#: [exit code, the stack as [file, function] from the innermost frame, or None: no numpy]
CHILD = """
import json, os, runpy, sys
where = []
class Probe:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and not where:
            f = sys._getframe(1)
            while f is not None:
                where.append([f.f_code.co_filename, f.f_code.co_name])
                f = f.f_back
        return None
sys.meta_path.insert(0, Probe())
real_exit = os._exit
def report(code):
    print(json.dumps([code, where or None]), file=sys.stderr, flush=True)
    real_exit(code)
os._exit = report
sys.argv = ["losscli", *json.loads(sys.argv[1])]
runpy.run_module("losscli", run_name="__main__")
"""


def child(args: list[str], cwd: Path) -> tuple[int, list[list[str]] | None]:
    out = run_python(CHILD, json.dumps(args), cwd=cwd)
    code, where = json.loads(out.stderr.strip().splitlines()[-1])
    return code, where


def inputs(d: Path) -> None:
    y, p = np.arange(10) % 2, np.linspace(0.1, 0.9, 10)
    for name, q in (("a.csv", p), ("b.csv", p[::-1])):
        (d / name).write_text("label,p\n" + "".join(f"{a},{b}\n" for a, b in zip(y, q)))
    np.save(d / "p.npy", p)
    np.save(d / "y.npy", y)


#: a run of every command (the import tests below cover each entry of ``app.COMMANDS``)
RUNS = {
    "compute": ["compute", "p.npy", "y.npy", "--format", "json"],
    "compute-csv": ["compute", "a.csv", "--format", "json"],
    "compare": ["compare", "a.csv", "b.csv", "--format", "json"],
    "thresholds": ["thresholds", "a.csv", "--format", "json"],
    "losses": ["losses", "--format", "json"],
}


def test_every_command_has_a_run_here():
    assert {args[0] for args in RUNS.values()} == set(app.COMMANDS)


@pytest.mark.parametrize("run", sorted(RUNS))
def test_numpy_is_imported_at_the_bottom_of_the_stack(run, tmp_path):
    inputs(tmp_path)
    code, where = child(RUNS[run], tmp_path)
    assert code == 0
    assert where is not None  # every command's run imports numpy
    functions = [name for _, name in where]
    assert "import_named_command" in functions, functions
    click_dir = str(Path(click.__file__).parent)
    assert [f for f, _ in where if f.startswith(click_dir)] == []
    # runpy's frames, main, import_named_command and importlib's own: not a command's
    assert len(where) <= 14, functions


@pytest.mark.parametrize("command", sorted(app.COMMANDS))
def test_help_imports_only_what_it_did(command, tmp_path):
    """A command's ``--help`` imports its module from the bottom, and numpy only where that
    module does (``thresholds --help`` stays without)."""
    code, where = child([command, "--help"], tmp_path)
    assert code == 0
    probe = (
        "import sys\nimport losscli.cli\nimport importlib\n"
        f"importlib.import_module({app.COMMANDS[command][0].module!r})\n"
        "print('numpy' in sys.modules)"
    )
    out = run_python(probe)
    module_imports_numpy = out.stdout.strip() == "True"
    assert (where is not None) == module_imports_numpy
    if where is not None:
        assert "import_named_command" in [name for _, name in where]


@pytest.mark.parametrize("run", sorted(RUNS))
def test_the_run_imports_numpy_by_itself(run, tmp_path):
    """:data:`~losscli.cli.app.RUN_IMPORTS` adds nothing a run would not import: the same run
    through ``cli.run`` (no :func:`~losscli.cli.app.import_named_command`) imports numpy."""
    inputs(tmp_path)
    code = (
        "import contextlib, io, sys\nfrom losscli.cli import cli\n"
        "assert 'numpy' not in sys.modules\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = cli.run({RUNS[run]!r}, prog_name='losscli')\n"
        "print(code, [m for m in " + repr(list(app.RUN_IMPORTS)) + " if m not in sys.modules])"
    )
    out = run_python(code, cwd=tmp_path)
    assert out.stdout.strip().splitlines()[-1] == "0 []"


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["--version"], ["no-such-command"], ["-V", "compute"]]
)
def test_nothing_is_imported_without_a_command_first(args):
    code = (
        "import sys\nfrom losscli.cli import app\n"
        f"app.import_named_command({args!r})\n"
        "print(sorted(m for m in ('numpy', 'losscli.cli.compute') if m in sys.modules))"
    )
    out = run_python(code)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_failing_import_is_left_to_the_run(monkeypatch):
    """An import that fails in :func:`~losscli.cli.app.import_named_command` raises nothing
    there; the command's lookup imports it again and reports it as before (exit 3)."""
    monkeypatch.setattr(app, "RUN_IMPORTS", ("losscli_no_such_module",))
    broken = (Lazy("losscli_no_such_module.cli", "command"), "A command that cannot import.")
    monkeypatch.setitem(app.COMMANDS, "broken", broken)
    app.import_named_command(["broken", "x"])  # no exception
    group = app.LossCliGroup("losscli", commands=app.LazyCommands(app.COMMANDS))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = group.run(["broken", "x"], prog_name="losscli")
    assert code == app.EXIT_INTERNAL
    assert err.getvalue().startswith("Error: internal error (ModuleNotFoundError: ")


class Interrupting:
    """A finder that raises ``KeyboardInterrupt`` for one module: Ctrl-C during its import."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == self.name:
            raise KeyboardInterrupt


def test_ctrl_c_during_the_first_imports_ends_as_anywhere_else(monkeypatch, tmp_path):
    """Ctrl-C while :func:`~losscli.cli.app.import_named_command` imports: ``Interrupted.``
    and exit 130 from :meth:`~losscli.cli.app.LossCliGroup.run`'s guard, no traceback."""
    inputs(tmp_path)
    monkeypatch.setattr(app, "RUN_IMPORTS", ("losscli_test_interrupted",))
    monkeypatch.setattr(
        sys, "meta_path", [Interrupting("losscli_test_interrupted"), *sys.meta_path]
    )
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        code = app.cli.run(
            ["compute", str(tmp_path / "p.npy"), str(tmp_path / "y.npy")],
            prog_name="losscli",
            import_first=True,
        )
    assert code == app.EXIT_INTERRUPTED
    assert err.getvalue() == "\nInterrupted.\n"
    assert out.getvalue() == ""


def test_only_the_command_line_imports_first(monkeypatch):
    """``CliRunner`` and ``cli.run`` without ``import_first`` never call it (library use and
    the tests import what they import)."""
    called = []
    monkeypatch.setattr(app, "import_named_command", called.append)
    with contextlib.redirect_stdout(io.StringIO()):
        assert app.cli.run(["losses", "--format", "json"], prog_name="losscli") == 0
    assert called == []
