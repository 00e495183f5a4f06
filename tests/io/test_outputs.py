"""Nothing lost: every output of every command goes through one OutputSet (losscli.io.outputs).

- an output that is an input (or another output) is refused before anything is read, by file
  identity (the same path, a symlink, a ``..`` spelling, a hard link): exit 2, one exact
  ``Error:`` line, every file intact byte for byte;
- a failed run (exit 2, 3, 130) creates nothing and leaves existing outputs untouched;
  a gate failure (exit 1) still writes them;
- special files (a character device, a FIFO, ``/dev/stdout``) are written in place, never
  replaced by a regular file; a symlinked output keeps its link and its target is written;
- SIGTERM and SIGHUP end the run with 143 and 129 and leave no staging file or spool.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root``: a symlink's target, a file's bytes, a folder's marker."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            key = str(p.relative_to(root))
            if p.is_symlink():
                out[key] = ("link", os.readlink(p))
            elif p.is_dir():
                out[key] = "dir"
            elif p.is_file():
                out[key] = p.read_bytes()
            else:
                out[key] = ("special", stat.S_IFMT(p.stat().st_mode))
    return out


def workspace(d: Path) -> Path:
    (d / "p.csv").write_text("label,prob\n1,0.9\n0,0.1\n1,0.4\n0,0.3\n")
    (d / "b.csv").write_text("label,prob\n1,0.8\n0,0.3\n1,0.6\n0,0.2\n")
    (d / "preds.csv").write_text("prob\n0.9\n0.1\n0.4\n0.3\n")
    (d / "preds_b.csv").write_text("prob\n0.8\n0.3\n0.6\n0.2\n")
    (d / "labels.csv").write_text("label\n1\n0\n1\n0\n")
    (d / "t.json").write_text('{"threshold": 0.35}\n')
    (d / "data").mkdir()
    (d / "data" / "part-0.csv").write_text("label,prob\n1,0.9\n0,0.1\n")
    (d / "data" / "part-1.csv").write_text("label,prob\n1,0.4\n0,0.3\n")
    (d / "sub").mkdir()
    return d


def spell(ws: Path, target: str, how: str) -> str:
    """Another name of ``ws/target``: itself, a symlink, a ``..`` detour or a hard link."""
    suffix = "".join(Path(target).suffixes)
    if how == "same":
        return str(ws / target)
    if how == "dotdot":
        return str(ws / "sub" / ".." / target)
    alias = ws / f"alias{suffix}"
    if how == "symlink":
        alias.symlink_to(ws / target)
    else:
        os.link(ws / target, alias)
    return str(alias)


SPELLINGS = ["same", "symlink", "dotdot", "hardlink"]

# (id, command and inputs, output option, the input it names, how the message names the input)
CLASHES = [
    ("compute --output PREDICTIONS", ["compute", "p.csv"], "--output", "p.csv", "PREDICTIONS"),
    ("compute --per-sample PREDICTIONS", ["compute", "p.csv"], "--per-sample", "p.csv", None),
    (
        "compute --output LABELS",
        ["compute", "preds.csv", "labels.csv"],
        "--output",
        "labels.csv",
        "LABELS",
    ),
    (
        "compute --per-sample LABELS",
        ["compute", "preds.csv", "labels.csv"],
        "--per-sample",
        "labels.csv",
        "LABELS",
    ),
    (
        "compute --output --threshold @FILE",
        ["compute", "p.csv", "--threshold", "@t.json"],
        "--output",
        "t.json",
        "--threshold @{ws}/t.json",
    ),
    (
        "compute --per-sample a part of a folder",
        ["compute", "data"],
        "--per-sample",
        "data/part-1.csv",
        "PREDICTIONS part",
    ),
    (
        "compute --output a part of a glob",
        ["compute", "data/part-*.csv"],
        "--output",
        "data/part-0.csv",
        "PREDICTIONS part",
    ),
    ("thresholds --write PREDICTIONS", ["thresholds", "p.csv"], "--write", "p.csv", "PREDICTIONS"),
    ("thresholds --output PREDICTIONS", ["thresholds", "p.csv"], "--output", "p.csv", None),
    (
        "thresholds --write LABELS",
        ["thresholds", "preds.csv", "labels.csv"],
        "--write",
        "labels.csv",
        "LABELS",
    ),
    ("compare --output PRED_A", ["compare", "p.csv", "b.csv"], "--output", "p.csv", "PRED_A"),
    ("compare --output PRED_B", ["compare", "p.csv", "b.csv"], "--output", "b.csv", "PRED_B"),
    (
        "compare --output LABELS",
        ["compare", "preds.csv", "preds_b.csv", "labels.csv"],
        "--output",
        "labels.csv",
        "LABELS",
    ),
    (
        "compare --output --threshold @FILE",
        ["compare", "p.csv", "b.csv", "--threshold", "@t.json"],
        "--output",
        "t.json",
        "--threshold @{ws}/t.json",
    ),
]


def _abs(ws: Path, arg: str) -> str:
    if arg.startswith("@"):
        return "@" + str(ws / arg[1:])
    return str(ws / arg) if (ws / arg).exists() or "*" in arg else arg


@pytest.mark.parametrize("how", SPELLINGS)
@pytest.mark.parametrize("case,args,option,target,what", CLASHES, ids=[c[0] for c in CLASHES])
def test_an_output_onto_an_input_is_refused_before_reading(
    tmp_path, case, args, option, target, what, how
):
    ws = workspace(tmp_path)
    out = spell(ws, target, how)
    before = snapshot(ws)
    r = invoke([_abs(ws, a) for a in args] + [option, out])
    assert (r.exit_code, r.stdout) == (2, ""), r.stderr
    shown = what or ("PREDICTIONS" if args[0] != "compare" else "PRED_A")
    if shown.endswith(" part"):
        shown = f"PREDICTIONS (part {ws / target})"
    else:
        shown = f"{shown.format(ws=ws)} ({ws / target})"
    assert r.stderr == (
        f"Error: {option} {out} is the input {shown}; writing it would destroy that input: "
        "choose another output file\n"
    )
    assert snapshot(ws) == before  # every input intact, nothing created


def test_stdin_that_is_the_output_file_is_refused(tmp_path):
    """``compute - --output x.csv < x.csv``: stdin is compared by its inode too."""
    ws = workspace(tmp_path)
    before = snapshot(ws)
    with open(ws / "p.csv", "rb") as stdin:
        r = subprocess.run(
            [sys.executable, "-m", "losscli", "compute", "-", "--output", str(ws / "p.csv")],
            stdin=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (
        f"Error: --output {ws / 'p.csv'} is the input PREDICTIONS (stdin); writing it would "
        "destroy that input: choose another output file\n"
    )
    assert snapshot(ws) == before


# (command, first option, second option, file name): two outputs of one run, one file
OUTPUT_PAIRS = [
    (["compute", "p.csv"], "--output", "--per-sample", "r.csv"),
    (["thresholds", "p.csv"], "--output", "--write", "r.json"),
]


@pytest.mark.parametrize("exists", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("how", SPELLINGS)
@pytest.mark.parametrize("args,first,second,name", OUTPUT_PAIRS, ids=["compute", "thresholds"])
def test_two_outputs_onto_one_file_are_refused(tmp_path, args, first, second, name, how, exists):
    ws = workspace(tmp_path)
    if exists:
        (ws / name).write_text("precious")
    elif how == "hardlink":
        pytest.skip("a hard link needs an existing file")
    a = str(ws / name)
    if how == "symlink" and not exists:  # a dangling link names the file it would create
        (ws / f"alias{Path(name).suffix}").symlink_to(ws / name)
        b = str(ws / f"alias{Path(name).suffix}")
    else:
        b = spell(ws, name, how)
    before = snapshot(ws)
    r = invoke([_abs(ws, x) for x in args] + [first, a, second, b])
    assert (r.exit_code, r.stdout) == (2, ""), r.stderr
    assert r.stderr == (
        f"Error: {first} {a} and {second} {b} are the same file; give each output its own file\n"
    )
    assert snapshot(ws) == before


def test_output_onto_a_picture_of_plot_is_refused(tmp_path):
    ws = workspace(tmp_path)
    pics = ws / "pics"
    pics.mkdir()
    r = invoke(["compute", ws / "p.csv", "--output", pics / "roc.png", "--plot", pics])
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        f"Error: --output {pics / 'roc.png'} and --plot {pics / 'roc.png'} are the same file; "
        "give each output its own file\n"
    )
    assert os.listdir(pics) == []


def test_an_input_where_plot_draws_is_refused(tmp_path):
    ws = workspace(tmp_path)
    (ws / "pics").mkdir()
    (ws / "pics" / "losses.png").write_bytes((ws / "p.csv").read_bytes())
    before = snapshot(ws)
    r = invoke(
        ["compute", ws / "pics" / "losses.png", "--input-format", "csv", "--plot", ws / "pics"]
    )
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: --plot {ws / 'pics' / 'losses.png'} is the input PREDICTIONS "
        f"({ws / 'pics' / 'losses.png'}); writing it would destroy that input: choose another "
        "output file\n"
    )
    assert snapshot(ws) == before


@pytest.mark.slow
def test_dask_per_sample_folder_clashes(tmp_path):
    """--engine dask --per-sample DIR replaces DIR: no input and no other output inside it."""
    pytest.importorskip("distributed")
    ws = workspace(tmp_path)
    before = snapshot(ws)
    r = invoke(["compute", ws / "data", "--engine", "dask", "--per-sample", ws / "data"])
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        f"Error: --per-sample {ws / 'data'} would replace the folder that holds the input "
        f"PREDICTIONS ({ws / 'data'}); choose another folder\n"
    )
    out = ws / "rows"  # a previous per-sample output
    out.mkdir()
    (out / "part-00000.parquet").write_bytes(b"PAR1")
    before = snapshot(ws)
    r = invoke(
        [
            "compute",
            ws / "data",
            "--engine",
            "dask",
            "--per-sample",
            out,
            "--output",
            out / "r.json",
        ]
    )
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        f"Error: --output {out / 'r.json'} is inside the folder of --per-sample {out}, which is "
        "replaced; choose another place for one of them\n"
    )
    assert snapshot(ws) == before


# --------------------------------------------------------------------------------------------
# a failed run writes nothing
# --------------------------------------------------------------------------------------------


def _fail_render(monkeypatch, exc):
    import losscli.render

    def broken(*a, **k):
        raise exc

    monkeypatch.setattr(losscli.render, "render", broken)


# (id, extra args, how to break the run, the exit code); the per-sample rows are complete
# before each failure, so an eager writer would have put them in place
FAILURES = [
    ("unknown gate name", ["--fail-if", "nope < 1"], None, 2),
    ("interval gate without --bootstrap", ["--fail-if", "f1.low < 0.5"], None, 2),
    ("--plot on a file", ["--plot", "{ws}/p.csv"], None, 2),
    ("internal error after the rows", [], ZeroDivisionError("boom"), 3),
    ("Ctrl-C after the rows", [], KeyboardInterrupt(), 130),
]


@pytest.mark.parametrize("existing", [True, False], ids=["existing", "new"])
@pytest.mark.parametrize("case,extra,exc,code", FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failed_compute_creates_and_replaces_nothing(
    tmp_path, monkeypatch, case, extra, exc, code, existing
):
    ws = workspace(tmp_path)
    if existing:
        (ws / "r.json").write_text("precious report")
        (ws / "rows.csv").write_text("precious rows")
    if exc is not None:
        _fail_render(monkeypatch, exc)
    before = snapshot(ws)
    args = ["compute", ws / "p.csv", "--output", ws / "r.json", "--per-sample", ws / "rows.csv"]
    r = invoke(args + [a.format(ws=ws) for a in extra])
    assert r.exit_code == code, r.stderr
    assert r.stdout == ""
    assert snapshot(ws) == before


@pytest.mark.slow
def test_a_failed_thresholds_or_compare_writes_nothing(tmp_path, monkeypatch):
    import losscli.cli.compare
    import losscli.render.thresholds

    ws = workspace(tmp_path)
    (ws / "t.json").write_text("precious thresholds")

    def broken(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(losscli.render.thresholds, "thresholds_csv", broken)
    before = snapshot(ws)
    r = invoke(["thresholds", ws / "p.csv", "--write", ws / "t.json", "--output", ws / "s.csv"])
    assert (r.exit_code, r.stdout) == (3, "")
    assert snapshot(ws) == before
    monkeypatch.setattr(losscli.cli.compare, "gate_exit", broken)  # compare stages, then fails
    r = invoke(["compare", ws / "p.csv", ws / "b.csv", "--output", ws / "c.json"])
    assert (r.exit_code, r.stdout) == (3, "")
    assert snapshot(ws) == before


def test_a_gate_failure_still_writes_every_output(tmp_path):
    ws = workspace(tmp_path)
    r = invoke(
        [
            "compute",
            ws / "p.csv",
            "--output",
            ws / "r.json",
            "--per-sample",
            ws / "rows.csv",
            "--fail-if",
            "accuracy > 0",
        ]
    )
    assert r.exit_code == 1
    assert json.loads((ws / "r.json").read_text())["n_samples"] == 4
    assert (ws / "rows.csv").read_text().splitlines()[0] == "row,label,prob,prediction,bce"
    assert sorted(os.listdir(ws)) == sorted(["r.json", "rows.csv", *before_names()])


def before_names() -> list[str]:
    return ["p.csv", "b.csv", "preds.csv", "preds_b.csv", "labels.csv", "t.json", "data", "sub"]


# --------------------------------------------------------------------------------------------
# special files are written in place
# --------------------------------------------------------------------------------------------


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def reader():
        with open(path, "rb") as f:
            into.append(f.read())

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("option", ["--output", "--per-sample"])
def test_a_fifo_output_gets_the_content_and_stays_a_fifo(tmp_path, option):
    ws = workspace(tmp_path)
    fifo = ws / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    r = invoke(["compute", ws / "p.csv", option, fifo, "--format", "json"])
    reader.join(timeout=30)
    assert r.exit_code == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    if option == "--output":
        assert json.loads(got[0])["n_samples"] == 4
    else:  # no extension: CSV, as for '-'
        assert got[0].decode().splitlines()[0] == "row,label,prob,prediction,bce"
    assert sorted(os.listdir(ws)) == sorted([*before_names(), "pipe"])


def test_a_character_device_output_stays_a_device(tmp_path):
    """A private twin of /dev/null (major 1, minor 3), so the test cannot break the machine's."""
    ws = workspace(tmp_path)
    null = ws / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    link = ws / "devnull.csv"
    link.symlink_to(null)
    for args in (
        ["--output", null, "--per-sample", link],
        ["--output", link, "--per-sample", null],
    ):
        r = invoke(["compute", ws / "p.csv", *args])
        assert (r.exit_code, r.stdout) == (0, ""), r.stderr
        st = os.lstat(null)
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
        assert link.is_symlink() and os.readlink(link) == str(null)
    assert sorted(os.listdir(ws)) == sorted([*before_names(), "null", "devnull.csv"])


def test_dev_null_stays_a_device():
    """The real /dev/null (a root CI job would otherwise replace it with a regular file)."""
    before = os.stat("/dev/null")
    r = invoke(["compute", SAMPLES / "breast_cancer.csv", "--output", "/dev/null"])
    assert (r.exit_code, r.stdout) == (0, "")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_dev_stdout_is_written_to_stdout(name):
    if not os.path.exists(name):
        pytest.skip(f"{name} does not exist here")
    r = invoke(["compute", SAMPLES / "breast_cancer.csv", "--output", name, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["n_samples"] == 171


def test_a_symlinked_output_keeps_its_link_and_writes_its_target(tmp_path):
    ws = workspace(tmp_path)
    (ws / "reports").mkdir()
    target = ws / "reports" / "latest.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = ws / "r.json"
    link.symlink_to(target)
    r = invoke(["compute", ws / "p.csv", "--output", link])
    assert r.exit_code == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["n_samples"] == 4
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # the target keeps its mode
    assert os.listdir(ws / "reports") == ["latest.json"]


# --------------------------------------------------------------------------------------------
# signals leave nothing behind
# --------------------------------------------------------------------------------------------


# The signal tests' child: the console script's main (``losscli ARGS``), which touches MARKER
# (its first argument) when the bootstrap first reports resamples, so that a test signals a run
# it knows to be inside the resampling instead of sleeping and hoping it still is.
SIGNALLED_CHILD = """\
import sys
from pathlib import Path

from losscli import progress
from losscli.cli import main

marker = Path(sys.argv.pop(1))


def note(stage, done, total, unit):
    if stage == "resamples" and not marker.exists():
        marker.touch()


with progress.reporting(note):
    main()
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig,code,per_sample,when",
    [
        (signal.SIGTERM, 143, "rows.csv", "staged"),
        (signal.SIGTERM, 143, "rows.csv", "resampling"),
        (signal.SIGHUP, 129, "rows.csv", "staged"),
        (signal.SIGHUP, 129, "-", "resampling"),
        (signal.SIGTERM, 143, "-", "staged"),
    ],
    ids=["SIGTERM", "SIGTERM in the bootstrap", "SIGHUP", "SIGHUP in the bootstrap", "spool"],
)
def test_a_signal_mid_run_leaves_no_staging_file_or_spool(tmp_path, sig, code, per_sample, when):
    """The signal comes once an output is staged, or (``resampling``) once the child says that
    the bootstrap has begun; 100,000 resamples take many seconds after either."""
    (tmp_path / "ws").mkdir()
    ws = workspace(tmp_path / "ws")
    spools = tmp_path / "tmp"
    spools.mkdir()
    marker = tmp_path / "resampling"
    (ws / "r.json").write_text("precious")
    before = snapshot(ws)
    out = [
        "--output",
        str(ws / "r.json"),
        "--per-sample",
        per_sample if per_sample == "-" else str(ws / per_sample),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", SIGNALLED_CHILD, str(marker), "compute"]
        + [str(SAMPLES / "breast_cancer.csv"), *out, "--bootstrap", "100000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(spools)},
    )

    def ready() -> bool:
        if when == "resampling":
            return marker.exists()
        return staged()

    def staged() -> list[str]:
        return [p for p in os.listdir(ws) + os.listdir(spools) if p.endswith(".tmp")]

    try:
        deadline = time.monotonic() + 120
        while not ready():
            assert proc.poll() is None, f"the run ended before the signal: {proc.stderr.read()}"
            assert time.monotonic() < deadline, f"the run was not {when} after 120 s"
            time.sleep(0.02)
        assert staged(), "nothing staged"
        proc.send_signal(sig)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    assert time.monotonic() - t0 < 20  # it stops promptly, not after the remaining resamples
    assert err.endswith(f"Terminated ({signal.Signals(sig).name}).\n")
    assert snapshot(ws) == before
    assert os.listdir(spools) == []


def test_a_signal_whose_exception_is_lost_still_commits_nothing(tmp_path, monkeypatch):
    """A handler's exception can vanish in C code; the remembered signal still ends the run."""
    import losscli.render
    from losscli import _signals

    # the signal also arms the forced exit (os._exit after GRACE seconds): in process, that
    # would end pytest itself if the unwinding were slow (a loaded machine), not fail this test
    monkeypatch.setattr(_signals, "GRACE", 3600.0)
    real = losscli.render.render

    def swallowing(*a, **k):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except BaseException:  # what a careless callback does with the handler's exception
            pass
        return real(*a, **k)

    monkeypatch.setattr(losscli.render, "render", swallowing)
    ws = workspace(tmp_path)
    before = snapshot(ws)
    r = invoke(["compute", ws / "p.csv", "--output", ws / "r.json", "--per-sample", ws / "s.csv"])
    assert (r.exit_code, r.stdout, r.stderr) == (143, "", "Terminated (SIGTERM).\n")
    assert snapshot(ws) == before
    assert _signals.pending() is None  # called off with the block


@pytest.mark.parametrize(
    "maker,args",
    [
        ("mkstemp", ["--output", "{ws}/r.json"]),
        ("mkstemp", ["--per-sample", "-"]),  # a spool in the temporary folder
        ("mkstemp", ["--per-sample", "{ws}/rows.csv"]),
        ("mkdtemp", ["--plot", "{ws}/runs/pics"]),  # a staged folder
    ],
    ids=["beside the output", "spool", "per-sample file", "folder"],
)
def test_a_signal_while_staging_is_created_leaves_nothing(tmp_path, monkeypatch, maker, args):
    """SIGTERM lands right after the staging file or folder exists, before losscli has recorded
    its name (a loaded machine can pause the run there): the run still ends 143 with nothing
    left behind, beside the outputs or in the temporary folder."""
    import tempfile

    from losscli import _signals

    if maker == "mkdtemp":
        pytest.importorskip("matplotlib")
    monkeypatch.setattr(_signals, "GRACE", 3600.0)  # in process: no forced exit of pytest
    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    (tmp_path / "ws").mkdir()
    ws = workspace(tmp_path / "ws")
    before = snapshot(ws)
    real = getattr(tempfile, maker)
    made = []

    def then_signalled(*a, **k):
        out = real(*a, **k)
        made.append(out)
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, inside the window
        return out

    monkeypatch.setattr(tempfile, maker, then_signalled)
    r = invoke(["compute", ws / "p.csv", *[a.replace("{ws}", str(ws)) for a in args]])
    assert made, "no staging was created"
    assert (r.exit_code, r.stdout, r.stderr) == (143, "", "Terminated (SIGTERM).\n")
    assert snapshot(ws) == before
    assert os.listdir(spools) == []
    assert _signals.pending() is None


def test_a_stuck_unwinding_is_ended_by_force_without_litter(tmp_path, monkeypatch):
    from losscli import _signals
    from losscli.io.outputs import OutputSet

    exits = []
    monkeypatch.setattr(os, "_exit", exits.append)
    outs = OutputSet()
    outs.add_output("--output", str(tmp_path / "r.json"))
    outs.open("--output").write(b"half")
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    _signals._force_exit(signal.SIGHUP)
    assert exits == [129]
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "existing folder"])
def test_plot_pictures_appear_only_when_the_run_succeeds(tmp_path, monkeypatch, existing):
    pytest.importorskip("matplotlib")
    ws = workspace(tmp_path)
    pics = ws / "runs" / "pics"  # two missing levels: staged as one hidden folder
    if existing:
        pics.mkdir(parents=True)
        (pics / "notes.txt").write_text("mine")
        (pics / "roc.png").write_bytes(b"old picture")
    before = snapshot(ws)
    _fail_render(monkeypatch, ZeroDivisionError("boom"))  # after the pictures are drawn
    r = invoke(["compute", ws / "p.csv", "--plot", pics])
    assert r.exit_code == 3
    assert snapshot(ws) == before
    monkeypatch.undo()
    r = invoke(["compute", ws / "p.csv", "--plot", pics])
    assert r.exit_code == 0, r.stderr
    names = sorted(os.listdir(pics))
    assert (
        "roc.png" in names and "losses.png" in names and not any(n.endswith(".tmp") for n in names)
    )
    assert (pics / "roc.png").read_bytes().startswith(b"\x89PNG")
    if existing:
        assert (pics / "notes.txt").read_text() == "mine"
    assert sorted(os.listdir(ws / "runs")) == ["pics"]
