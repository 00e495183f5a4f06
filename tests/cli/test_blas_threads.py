"""The console script loads numpy's OpenBLAS with one thread unless the user chose (issue #20).

losscli runs its own threads; OpenBLAS's worker thread, woken by each dot product, spun on
the other core beside them (:func:`losscli._cpu.one_blas_thread`). The child runs
``python -m losscli ARGS`` and reports, as the process ends, the exit code and the thread
count of every OpenBLAS numpy loaded (threadpoolctl, which scikit-learn brings along).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT

from losscli import _cpu

threadpoolctl = pytest.importorskip("threadpoolctl")

CHILD = """
import json, os, runpy, sys
real_exit = os._exit
def report(code):
    from threadpoolctl import threadpool_info
    blas = [p["num_threads"] for p in threadpool_info() if p.get("internal_api") == "openblas"]
    print(json.dumps([code, blas]), file=sys.stderr, flush=True)
    real_exit(code)
os._exit = report
sys.argv = ["losscli", *json.loads(sys.argv[1])]
runpy.run_module("losscli", run_name="__main__")
"""


def child(args: list[str], cwd: Path, blas: str | None) -> tuple[int, list[int]]:
    env = {k: v for k, v in os.environ.items() if k != _cpu.BLAS_THREADS}
    env["PYTHONPATH"] = str(ROOT)
    if blas is not None:
        env[_cpu.BLAS_THREADS] = blas
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    code, threads = json.loads(out.stderr.strip().splitlines()[-1])
    return code, threads


def openblas_threads() -> list[int]:
    return [
        p["num_threads"]
        for p in threadpoolctl.threadpool_info()
        if p.get("internal_api") == "openblas"
    ]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    y, p = np.arange(40) % 2, np.linspace(0.05, 0.95, 40)
    for name, q in (("a.csv", p), ("b.csv", p[::-1])):
        (tmp_path / name).write_text(
            "label,prob\n" + "".join(f"{a},{b:.3f}\n" for a, b in zip(y, q, strict=True))
        )
    return tmp_path


COMMANDS = [
    ["compute", "a.csv"],
    ["compute", "a.csv", "--bootstrap", "20"],
    ["compare", "a.csv", "b.csv", "--bootstrap", "20", "--permutations", "20"],
    ["thresholds", "a.csv"],
]


needs_openblas = pytest.mark.skipif(
    not openblas_threads() or (os.cpu_count() or 1) < 2,
    reason="numpy is not built on OpenBLAS here, or one core (one thread either way)",
)


@needs_openblas
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_a_run_loads_openblas_with_one_thread(files: Path, args: list[str]) -> None:
    code, threads = child(args, files, None)
    assert code == 0
    assert threads and set(threads) == {1}


@needs_openblas
@pytest.mark.parametrize("args", COMMANDS[:2], ids=lambda a: " ".join(a))
def test_the_users_own_setting_stays(files: Path, args: list[str]) -> None:
    code, threads = child(args, files, "2")  # OpenBLAS caps it at the cores: 2 or more here
    assert code == 0
    assert threads and set(threads) == {2}


def test_one_blas_thread_sets_the_variable_only_when_unset() -> None:
    env: dict[str, str] = {}
    assert _cpu.one_blas_thread(env) is True
    assert env == {_cpu.BLAS_THREADS: "1"}
    assert _cpu.one_blas_thread(env) is False  # set now: left as it is
    mine = {_cpu.BLAS_THREADS: "8", "OTHER": "x"}
    assert _cpu.one_blas_thread(mine) is False
    assert mine == {_cpu.BLAS_THREADS: "8", "OTHER": "x"}
    assert _cpu.one_blas_thread() is False  # numpy is imported here: too late, nothing set
