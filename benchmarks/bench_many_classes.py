"""A 1,000-class report at a terminal against the JSON report (issue 19).

Writes N rows of C-class logits (NPZ, labels inside; default 5,000 x 1,000) and times, each in
its own process, interleaved, median of ``--repeats`` runs:

- ``terminal``: ``losscli compute FILE`` with stdout on a pseudo-terminal of ``--columns``
  columns (a real TTY: the table view, colours, the text histograms), its output drained;
- ``json``: ``losscli compute FILE --format json`` into a file.

Prints both medians, the ratio terminal / json (the bar: at most 1.5) and how many lines the
terminal got.

    python benchmarks/bench_many_classes.py                  # 5,000 x 1,000, 3 repeats
    python benchmarks/bench_many_classes.py --rows 2000 --classes 300 --repeats 5
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def make_data(path: Path, rows: int, classes: int) -> Path:
    """Logits of ``classes`` classes, the true class lifted on 60% of the rows."""
    rng = np.random.default_rng(19)
    y = rng.integers(0, classes, rows)
    z = rng.normal(size=(rows, classes)).astype(np.float32)
    z[np.arange(rows), y] += 3.0 * (rng.random(rows) < 0.6)
    np.savez(path, logits=z, label=y)
    return path


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TERM", "xterm-256color")
    return env


def run_terminal(data: Path, columns: int) -> tuple[float, int]:
    """Wall time of ``losscli compute data`` on a pseudo-terminal; the lines it printed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                b = os.read(master, 65536)
            except OSError:
                return
            if not b:
                return
            chunks.append(b)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    start = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-m", "losscli", "compute", str(data)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=_env(),
        check=True,
    )
    elapsed = time.perf_counter() - start
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    assert p.returncode == 0
    text = b"".join(chunks).decode("utf-8", "replace")
    return elapsed, text.count("\n")


def run_json(data: Path, out: Path) -> float:
    """Wall time of ``losscli compute data --format json > out``."""
    start = time.perf_counter()
    with open(out, "wb") as f:
        subprocess.run(
            [sys.executable, "-m", "losscli", "compute", str(data), "--format", "json"],
            stdout=f,
            stderr=subprocess.DEVNULL,
            env=_env(),
            check=True,
        )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--columns", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = make_data(Path(tmp) / "many.npz", args.rows, args.classes)
        terminal, json_times, lines = [], [], 0
        for _ in range(args.repeats):
            t, lines = run_terminal(data, args.columns)
            terminal.append(t)
            json_times.append(run_json(data, Path(tmp) / "r.json"))
        json_lines = (Path(tmp) / "r.json").read_text().count("\n")
    t_med, j_med = statistics.median(terminal), statistics.median(json_times)
    print(f"{args.rows} rows x {args.classes} classes, {args.columns} columns, {args.repeats} runs")
    print(f"terminal (table): median {t_med:.2f} s, {lines} lines  {sorted(terminal)}")
    print(f"json (to a file): median {j_med:.2f} s, {json_lines} lines  {sorted(json_times)}")
    print(f"ratio terminal / json: {t_med / j_med:.2f}  (bar: <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
