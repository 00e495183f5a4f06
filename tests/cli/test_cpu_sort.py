"""The console script picks numpy's AVX2 sort on AMD Zen 4 (numpy/x86-simd-sort issue 6)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from losscli._cpu import prefer_avx2_sort, slow_avx512_sort

ZEN4 = "processor : 0\nvendor_id : AuthenticAMD\ncpu family : 25\nflags : fpu sse2 avx2 avx512f\n"
CASES = [
    (ZEN4, True),
    (ZEN4.replace(" avx512f", ""), False),  # Zen 3 (family 25 too): no AVX-512
    (ZEN4.replace(": 25", ": 26"), False),  # Zen 5
    (ZEN4.replace("AuthenticAMD", "GenuineIntel"), False),
    ("vendor_id : GenuineIntel\ncpu family : 6\nflags : avx512f avx512bw\n", False),
    ("", False),
]


@pytest.mark.parametrize(("text", "slow"), CASES)
def test_detects_only_zen4_with_avx512(text: str, slow: bool) -> None:
    assert slow_avx512_sort(text) is slow


@pytest.mark.parametrize(("text", "slow"), CASES)
def test_sets_the_variable_only_there_and_never_over_a_choice(tmp_path, text, slow) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(text)
    env: dict[str, str] = {}
    assert prefer_avx2_sort(env, str(info)) is slow
    assert env == ({"NPY_DISABLE_CPU_FEATURES": "X86_V4"} if slow else {})
    for chosen in ("NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES"):
        env = {chosen: ""}
        assert prefer_avx2_sort(env, str(info)) is False
        assert env == {chosen: ""}


def test_console_script_sets_it_before_numpy_loads() -> None:
    code = (
        "import sys, losscli._cpu as c\n"
        "c.slow_avx512_sort = lambda text: True\n"  # as on a Zen 4 machine
        "import losscli.cli, numpy, os\n"
        "print(os.environ.get('NPY_DISABLE_CPU_FEATURES'))\n"
        "from numpy._core._multiarray_umath import __cpu_features__ as f\n"
        "print(f.get('X86_V4'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert out == ["X86_V4", "False"]
