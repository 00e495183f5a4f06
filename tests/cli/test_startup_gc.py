"""The garbage collector during the command line's start-up (``losscli._gc``, issue #20).

``python -m losscli`` holds back the cyclic collector while it starts (no collection walks the
modules and classes it imports), then freezes what start-up made and restores the thresholds
once the evaluation's first chunk is in; library use never touches the collector.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import run_python

import losscli
from losscli import _gc

#: run ``python -m losscli ARGS`` in a child that records every collection (its generation,
#: whether the start-up pause was on) and reports, as the process ends, [exit code,
#: collections, thresholds as before, objects frozen]
CHILD = """
import gc, json, os, runpy, sys
seen = []
def watch(phase, info):
    if phase == "start":
        pause = sys.modules.get("losscli._gc")
        seen.append([info["generation"], pause is not None and pause.paused()])
gc.callbacks.append(watch)
before = gc.get_threshold()
real_exit = os._exit
def report(code):
    print(json.dumps([code, seen, gc.get_threshold() == before, gc.get_freeze_count()]),
          file=sys.stderr, flush=True)
    real_exit(code)
os._exit = report
sys.argv = ["losscli", *json.loads(sys.argv[1])]
runpy.run_module("losscli", run_name="__main__")
"""


def child(args: list[str], cwd: Path) -> tuple[list, str]:
    out = run_python(CHILD, json.dumps(args), cwd=cwd)
    return json.loads(out.stderr.strip().splitlines()[-1]), out.stdout


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    y, p = np.arange(10) % 2, np.linspace(0.1, 0.9, 10)
    (tmp_path / "t.csv").write_text("label,p\n" + "".join(f"{a},{b}\n" for a, b in zip(y, p)))
    np.save(tmp_path / "p.npy", p)
    np.save(tmp_path / "y.npy", y)
    return tmp_path


@pytest.mark.parametrize("files", [["t.csv"], ["p.npy", "y.npy"]], ids=["csv", "npy"])
def test_start_up_collects_nothing_then_the_collector_is_as_before(tiny, files):
    (code, collections, restored, frozen), stdout = child(
        ["compute", *files, "--format", "json"], tiny
    )
    assert code == 0 and json.loads(stdout)["n_samples"] == 10
    assert [c for c in collections if c[1]] == []  # else ~45 young and 4 older ones
    assert restored  # the first chunk ended the pause
    assert [g for g, _ in collections if g > 0] == []  # after it: a young one or two at most
    assert frozen > 10_000  # the start-up's objects, out of every later collection


def test_a_run_that_evaluates_nothing_keeps_the_start_up_threshold(tiny):
    """``losscli losses`` reads no chunk: the pause is never ended, and the collector still
    runs at the start-up threshold (not off)."""
    (code, _collections, restored, frozen), stdout = child(["losses", "--format", "json"], tiny)
    assert code == 0 and stdout.strip()
    assert not restored and frozen == 0


def test_library_use_leaves_the_collector_alone():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    report = losscli.evaluate(np.array([0.2, 0.8, 0.6]), np.array([0, 1, 1]))
    assert report.to_dict()["n_samples"] == 3
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
    assert not _gc.paused()


def test_pause_once_then_restore(monkeypatch):
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # not this test process's
    before = gc.get_threshold()
    try:
        _gc.pause_for_startup()
        _gc.pause_for_startup()  # a second call (the console script after __main__) is a no-op
        assert gc.get_threshold() == (_gc.STARTUP_THRESHOLD, *before[1:]) and _gc.paused()
    finally:
        _gc.startup_done()
    assert gc.get_threshold() == before and not _gc.paused() and frozen == [True]
    _gc.startup_done()  # again: nothing to end
    assert frozen == [True]


@pytest.mark.parametrize("state", ["disabled", "tuned higher"])
def test_pause_leaves_a_collector_set_otherwise_alone(state, monkeypatch):
    monkeypatch.setattr(gc, "freeze", lambda: pytest.fail("frozen without a pause"))
    before = gc.get_threshold()
    try:
        if state == "disabled":
            gc.disable()
        else:
            gc.set_threshold(_gc.STARTUP_THRESHOLD * 2, *before[1:])
        during = gc.get_threshold()
        _gc.pause_for_startup()
        assert gc.get_threshold() == during and not _gc.paused()
        _gc.startup_done()
        assert gc.get_threshold() == during
    finally:
        gc.enable()
        gc.set_threshold(*before)
