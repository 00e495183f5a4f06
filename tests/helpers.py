"""The tests' shared CLI runner and comparison helpers (``tests/conftest.py`` makes them
importable as ``helpers`` and offers the runners as fixtures too).

- :func:`invoke`: ``losscli ARGS`` in process through click's ``CliRunner`` (stdout and stderr
  apart, exceptions raised, ``losscli`` as the program name).
- :func:`run_json`: the same, exit 0 required, stdout parsed as JSON.
- :func:`assert_refused`: the bad-input contract: exit 2, nothing on stdout, exactly one
  ``Error: …`` line on stderr.
- :func:`assert_same_json`: two JSON values equal in structure, strings and counts, their floats
  to a stated tolerance; the failure names the path of the first difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from losscli.cli import cli


def invoke(
    *args: object,
    input: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    catch_exceptions: bool = False,
    **extra: object,
) -> Result:
    """Run ``losscli ARGS`` in process and return click's ``Result``.

    ``args`` is the command line, as separate arguments or as one list (each item through
    ``str``, so paths and numbers can be passed as they are); ``input`` is stdin. An exception
    escaping the command fails the test with its own traceback unless ``catch_exceptions``;
    ``extra`` goes to ``CliRunner.invoke`` (e.g. ``terminal_width``).
    """
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    return CliRunner().invoke(
        cli,
        [str(a) for a in args],
        input=input,
        env=env,
        catch_exceptions=catch_exceptions,
        prog_name="losscli",
        **extra,
    )


def run_json(*args: object, **kwargs: object) -> dict:
    """``losscli ARGS`` (see :func:`invoke`) that must exit 0; its stdout parsed as JSON.

    The caller asks for JSON (``--format json``) where the command needs it.
    """
    r = invoke(*args, **kwargs)
    assert r.exit_code == 0, (r.exit_code, r.stderr)
    return json.loads(r.stdout)


def assert_refused(result: Result, message: str) -> None:
    """The run was refused as bad input: exit 2, empty stdout, stderr ``Error: message`` alone."""
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")


def assert_same_json(a: object, b: object, path: str = "$", *, rel: float, abs: float) -> None:
    """``a`` and ``b`` (parsed JSON) have the same keys, lengths, strings, booleans and integers,
    and every float of one is within ``rel`` / ``abs`` of the other's (``pytest.approx``)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            assert_same_json(a[k], b[k], f"{path}.{k}", rel=rel, abs=abs)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_json(x, y, f"{path}[{i}]", rel=rel, abs=abs)
    elif isinstance(a, float) or isinstance(b, float):
        assert not isinstance(a, bool) and not isinstance(b, bool), path
        assert a == pytest.approx(b, rel=rel, abs=abs), path
    else:
        assert a == b, path


def spy(monkeypatch: object, owner: object, name: str) -> list:
    """Wrap ``owner.name`` (for this test) so every call's result is recorded; returns the
    list the results are appended to, in call order."""
    calls: list = []
    real = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        calls.append(real(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(owner, name, wrapper)  # type: ignore[attr-defined]
    return calls


ROOT = Path(__file__).resolve().parent.parent
"""The checkout the tests run from."""


def run_python(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -c code args...`` in a child importing this checkout's losscli (text output
    captured, two minutes at most)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
