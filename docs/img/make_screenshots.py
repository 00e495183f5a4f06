"""Screenshots of the terminal table (issue 19): ``losscli compute`` run in a real tmux pane of
80 and 120 columns, captured with ``tmux capture-pane -e`` (the pane's text and colours as
the terminal holds them) and drawn cell by cell into a PNG with Pillow and DejaVu Sans Mono.

    python docs/img/make_screenshots.py            # every screenshot below, into docs/img/
    python docs/img/make_screenshots.py --only digits --widths 80

Needs tmux (``apt-get install tmux``), Pillow and the DejaVu fonts. Data: the binary and
10-class samples of ``sample_data/``, and 3,000 rows of 1,000-class logits made here.
Writes ``table_<name>_<width>.png`` (a dark theme) and, for the 10-class report at 80
columns, ``table_digits_80_light.png`` (the same capture on a light theme).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
THEMES = {
    "dark": {"bg": (30, 30, 30), "fg": (212, 212, 212)},
    "light": {"bg": (250, 250, 250), "fg": (40, 40, 40)},
}


def many_classes(path: Path, rows: int = 3000, classes: int = 1000) -> Path:
    rng = np.random.default_rng(19)
    y = rng.integers(0, classes, rows)
    z = rng.normal(size=(rows, classes)).astype(np.float32)
    z[np.arange(rows), y] += 3.0 * (rng.random(rows) < 0.6)
    np.savez(path, logits=z, label=y)
    return path


def capture(args: list[str], width: int, height: int = 60) -> str:
    """Run ``losscli compute ARGS`` in a detached tmux pane ``width`` columns wide; the whole
    scrollback with its escape codes (``capture-pane -e``)."""
    session = f"losscli-shot-{os.getpid()}-{width}"
    cmd = " ".join(
        [
            f"cd {shlex.quote(str(ROOT))} &&",
            "clear && env -u COLUMNS -u NO_COLOR -u FORCE_COLOR",
            f"PYTHONPATH={shlex.quote(str(ROOT))} COLORTERM=truecolor",
            f"{shlex.quote(sys.executable)} -m losscli compute",
            *(shlex.quote(a) for a in args),
            f"; tmux wait-for -S {session}",
        ]
    )
    tmux = ["tmux", "-f", "/dev/null", "-L", session]
    subprocess.run(
        [*tmux, "start-server", ";", "set", "-g", "history-limit", "20000", ";"]
        + ["set", "-g", "default-terminal", "tmux-256color", ";"]
        + ["new-session", "-d", "-s", session, "-x", str(width), "-y", str(height)],
        check=True,
    )
    try:
        time.sleep(0.3)
        subprocess.run([*tmux, "send-keys", "-t", session, cmd, "Enter"], check=True)
        subprocess.run([*tmux, "wait-for", session], check=True, timeout=600)
        out = subprocess.run(
            [*tmux, "capture-pane", "-p", "-e", "-S", "-", "-E", "-", "-t", session],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    lines = out.rstrip("\n").splitlines()
    # drop the shell's echo of the command (the first lines) and the prompt after the output
    start = next(i for i, line in enumerate(lines) if "losscli " in line and "compute" not in line)
    end = max(i for i, line in enumerate(lines) if "losscli=" in line) + 1
    return "\n".join(lines[start:end]) + "\n"


def render_png(ansi: str, width: int, path: Path, theme: str = "dark") -> None:
    """Draw the captured lines (``width`` cells each) into ``path``: every cell's background,
    then its character in its colour (dim = halfway to the background, bold = the bold face)."""
    from PIL import Image, ImageDraw, ImageFont
    from rich.cells import get_character_cell_size
    from rich.text import Text

    colours = THEMES[theme]
    size = 15
    font, bold = ImageFont.truetype(FONT, size), ImageFont.truetype(FONT_BOLD, size)
    cw = round(font.getlength("M"))
    ascent, descent = font.getmetrics()
    ch = ascent + descent  # box-drawing rules join from line to line
    lines = ansi.splitlines()
    pad = 12
    img = Image.new("RGB", (width * cw + 2 * pad, len(lines) * ch + 2 * pad), colours["bg"])
    draw = ImageDraw.Draw(img)

    def rgb(color, fallback):  # noqa: ANN001, ANN202 - a rich Color
        if color is None or color.is_default:
            return fallback
        c = color.get_truecolor(foreground=True)
        return (c.red, c.green, c.blue)

    # parsed as a whole: tmux carries a colour on from one line to the next
    for row, text in enumerate(Text.from_ansi(ansi).split("\n")):
        styles = [None] * len(text.plain)
        for span in text.spans:
            for i in range(span.start, min(span.end, len(styles))):
                styles[i] = span.style if styles[i] is None else styles[i] + span.style
        x = pad
        y = pad + row * ch
        for char, style in zip(text.plain, styles):
            fg, bg = colours["fg"], None
            is_bold = False
            if style is not None and not isinstance(style, str):
                fg = rgb(style.color, colours["fg"])
                bg = rgb(style.bgcolor, None) if style.bgcolor else None
                if style.dim:
                    base = bg or colours["bg"]
                    fg = tuple((a + b) // 2 for a, b in zip(fg, base))
                is_bold = bool(style.bold)
            cells = max(1, get_character_cell_size(char))
            if bg is not None:
                draw.rectangle([x, y, x + cells * cw - 1, y + ch - 1], fill=bg)
            if char != " ":
                draw.text((x, y), char, font=bold if is_bold else font, fill=fg)
            x += cells * cw
    img.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["binary", "digits", "1000"], default=None)
    ap.add_argument("--widths", type=int, nargs="+", default=[80, 120])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "binary": ["sample_data/breast_cancer.csv"],  # run from the repository root
            "digits": ["sample_data/digits_logits.csv"],
            "1000": [str(many_classes(Path(tmp) / "classes1000.npz"))],
        }
        for name, files in cases.items():
            if args.only and name != args.only:
                continue
            for width in args.widths:
                ansi = capture(files, width)
                (OUT / f"table_{name}_{width}.ansi").write_text(ansi) if os.environ.get(
                    "KEEP_ANSI"
                ) else None
                render_png(ansi, width, OUT / f"table_{name}_{width}.png")
                if name == "digits" and width == 80:
                    render_png(ansi, width, OUT / "table_digits_80_light.png", theme="light")
                print(f"wrote table_{name}_{width}.png ({len(ansi.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
