"""One run's outputs: declared up front, checked against the inputs, put in place on success.

Every command builds one :class:`OutputSet`. It learns every output of the run (``--output``,
``--per-sample FILE|-|DIR``, ``thresholds --write``, the pictures of ``--plot DIR``) and every
input (predictions, labels, ``--threshold @FILE``, the part files of a folder or glob) before
anything is read, and :meth:`OutputSet.check` refuses (exit 2) an output that is one of the
inputs or another output: files are compared by identity (device and inode of what exists,
through symlinks, ``..`` and hard links; the resolved path of what does not exist yet).

While the run works, each output is written to a staging file: a hidden
``.NAME.XXXX.tmp`` beside a regular file (or a ``.DIR.XXXX.tmp`` folder for a folder output),
a ``losscli-*`` spool in the temporary folder for stdout and special files. Only
:meth:`OutputSet.commit` (called when the run succeeded, exit 0 or 1) moves them into place:

- a regular file (or a new name) is fsynced and renamed over its destination, so a reader
  never sees half a file; a symlink stays and its target gets the new content;
- an existing special file (a character device such as ``/dev/null``, a FIFO) and the
  descriptors ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` are written in place, never
  replaced;
- ``-`` is copied to stdout.

Any error, Ctrl-C, SIGTERM or SIGHUP (see :mod:`losscli._signals`) before that removes every
staging file and leaves every destination as it was (:meth:`OutputSet.abort`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import sys
import tempfile
import weakref
from dataclasses import field
from typing import IO, Any

from losscli._signals import held
from losscli.errors import DiskFullError, InputError, Terminated, UsageError
from losscli.io._base import short_cause
from losscli.io._dataset import is_dataset_path, list_parts
from losscli.records import record

__all__ = [
    "OutputSet",
    "abort_all",
    "check_output_path",
    "disk_error",
    "fd_target",
    "writes_in_place",
]

# compiled (re's cache) by the first output path, not at import (issue #20, start-up)
_FD_PATH = r"/dev/(stdout|stderr)|/dev/fd/(\d+)|/proc/(?:self|thread-self|\d+)/fd/(\d+)"


def fd_target(path: str) -> int | None:
    """The file descriptor a path stands for (``/dev/stdout``, ``/dev/fd/3``, ...), else None.

    Follows a chain of symlinks to such a name (``out.json -> /dev/stdout``). Writing to these
    must go to the open descriptor: renaming over them would replace the link.

    Args:
        path: an output path as the user gave it.

    Returns:
        The descriptor number, or None for an ordinary path.

    >>> fd_target("/dev/stdout"), fd_target("/dev/fd/3"), fd_target("report.json")
    (1, 3, None)
    """
    p = os.path.abspath(path)
    for _ in range(40):
        m = re.fullmatch(_FD_PATH, p)
        if m:
            if m.group(1):
                return 1 if m.group(1) == "stdout" else 2
            return int(m.group(2) or m.group(3))
        if not os.path.islink(p):
            return None
        p = os.path.normpath(os.path.join(os.path.dirname(p), os.readlink(p)))
    return None


def _special(path: str) -> bool:
    """True when ``path`` exists and is neither a regular file nor a folder (device, FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def writes_in_place(path: str) -> bool:
    """True when an output at ``path`` is written in place rather than renamed over.

    That is ``-``, a descriptor name (``/dev/stdout``) or an existing special file (a device
    such as ``/dev/null``, a FIFO): replacing those with a regular file would break them.

    >>> writes_in_place("-"), writes_in_place("/dev/null"), writes_in_place("report.json")
    (True, True, False)
    """
    return path == "-" or fd_target(path) is not None or _special(path)


def check_output_path(path: str | os.PathLike[str]) -> None:
    """Raise InputError unless ``path`` can be written: its folder exists and is writable.

    ``"-"`` (stdout), ``/dev/stdout``-like names and existing writable special files
    (``/dev/null``, a FIFO) are fine: they are written in place. A symlink is checked at its
    target, which is what gets written.

    Args:
        path: the output path as the user gave it.

    >>> check_output_path("-")
    >>> try:
    ...     check_output_path("no/such/dir/r.json")
    ... except InputError as e:
    ...     print(e)
    cannot write 'no/such/dir/r.json': folder 'no/such/dir' does not exist; create it first
    """
    p = os.fspath(path)
    if p == "-" or fd_target(p) is not None:
        return
    if p == "" or p.endswith(os.sep):
        raise InputError(f"cannot write '{p}': it names a folder, not a file; add a file name")
    if _special(p):
        if stat.S_ISSOCK(os.stat(p).st_mode):
            raise InputError(f"cannot write '{p}': it is a socket; choose a file")
        if not os.access(p, os.W_OK):
            raise InputError(f"cannot write '{p}': permission denied; choose another file")
        return
    folder = os.path.dirname(p) or "."
    if not os.path.isdir(folder):
        raise InputError(f"cannot write '{p}': folder '{folder}' does not exist; create it first")
    if os.path.isdir(p):
        raise InputError(f"cannot write '{p}': it is a folder; give a file name inside it")
    real = os.path.realpath(p)
    real_folder = os.path.dirname(real)
    linked = real_folder != os.path.realpath(folder)  # a symlink: its target is written
    if linked and not os.path.isdir(real_folder):
        raise InputError(
            f"cannot write '{p}': it is a symlink to '{real}', whose folder '{real_folder}' "
            "does not exist; create it first or choose another name"
        )
    if not os.access(real_folder, os.W_OK | os.X_OK):
        raise InputError(
            f"cannot write '{p}': folder '{real_folder if linked else folder}' is not "
            "writable; choose another folder"
        )
    if os.path.exists(p) and not os.access(p, os.W_OK):
        raise InputError(f"cannot write '{p}': the file is read-only; choose another name")


def disk_error(path: str, exc: OSError) -> Exception:
    """The one-line error for a failed write: DiskFullError (exit 4) or InputError."""
    if exc.errno == errno.ENOSPC:
        return DiskFullError(f"cannot write '{path}': the disk is full; free space and retry")
    if exc.errno == errno.EDQUOT:
        return DiskFullError(f"cannot write '{path}': disk quota exceeded; free space and retry")
    return InputError(f"cannot write '{path}': {exc.strerror or short_cause(exc)}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------------------------
# identities
# --------------------------------------------------------------------------------------------


@record(frozen=True)
class _Ident:
    """What a path is on disk: ``ino`` for what exists, ``real`` (resolved path) always."""

    real: str
    ino: tuple[int, int] | None
    special: bool = False
    is_dir: bool = False

    @classmethod
    def of(cls, path: str) -> _Ident:
        real = os.path.realpath(path)
        try:
            st = os.stat(path)
        except OSError:
            return cls(real, None)
        special = not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))
        return cls(real, (st.st_dev, st.st_ino), special, stat.S_ISDIR(st.st_mode))

    def same(self, other: _Ident) -> bool:
        if self.special or other.special:
            return False  # /dev/null twice, or a FIFO: nothing there to destroy
        if self.ino is not None and other.ino is not None:
            return self.ino == other.ino
        return self.real == other.real

    def inside(self, folder: _Ident) -> bool:
        """True when this path is ``folder`` or lies anywhere below it."""
        return self.same(folder) or self.real.startswith(folder.real.rstrip(os.sep) + os.sep)


@record
class _Input:
    what: str  # "PREDICTIONS", "PREDICTIONS part data/p1.csv", "--threshold @t.json"
    ident: _Ident


@record
class _Output:
    option: str
    path: str
    kind: str  # "file", "dir" (the folder is replaced) or "files" (named files in a folder)
    names: tuple[str, ...] = ()
    files: list[tuple[str, _Ident]] = field(default_factory=list)  # (shown path, identity)


# --------------------------------------------------------------------------------------------
# staging
# --------------------------------------------------------------------------------------------


class _StagedFile:
    """One output file: written to a staging file, moved into place by :meth:`commit`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = fd_target(path) if path != "-" else 1
        self.in_place = writes_in_place(path)
        self.real = os.path.realpath(path) if not self.in_place else path
        try:
            if self.in_place:  # a spool: the content goes to the device or descriptor at commit
                fd, self.tmp = tempfile.mkstemp(prefix="losscli-", suffix=".tmp")
            else:  # beside the destination, so that a rename puts it in place
                folder = os.path.dirname(self.real) or "."
                base = os.path.basename(self.real)
                fd, self.tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise disk_error(path, exc) from None
        self.file: IO[bytes] | None = os.fdopen(fd, "w+b")

    def prepare(self) -> None:
        """Flush and fsync the staging file (a full disk shows here, before anything moves)."""
        f = self.file
        if f is None:
            return
        f.flush()
        if not self.in_place:
            os.fsync(f.fileno())
            f.close()
            self.file = None

    def commit(self) -> None:
        """Rename the staging file over the destination, or copy it into the special file."""
        if self.in_place:
            f = self.file
            assert f is not None
            f.seek(0)
            if self.fd == 1:
                sys.stdout.flush()
                shutil.copyfileobj(f, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            elif self.fd == 2:
                sys.stderr.flush()
                shutil.copyfileobj(f, sys.stderr.buffer)
                sys.stderr.buffer.flush()
            elif self.fd is not None:
                with os.fdopen(os.dup(self.fd), "wb") as out:
                    shutil.copyfileobj(f, out)
            else:  # a device or FIFO: written where it is, never replaced
                with open(self.path, "wb") as out:
                    shutil.copyfileobj(f, out)
            self.abort()  # the spool
            return
        try:
            mode = os.stat(self.real).st_mode & 0o7777
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(self.tmp, mode)
        os.replace(self.tmp, self.real)

    def abort(self) -> None:
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.close()
            self.file = None
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


class _StagedFolder:
    """A folder output: filled in a hidden folder, renamed into place by :meth:`commit`.

    ``replace=True`` (``--per-sample DIR`` of the dask engine): the whole folder is new and
    replaces a previous one. ``replace=False`` (``--plot DIR``): the files go into the folder,
    which is created with its parents when missing; other files in it stay.
    """

    def __init__(self, path: str, *, replace: bool) -> None:
        self.path = path
        self.replace = replace
        self.files: dict[str, _StagedFile] = {}
        self._plain: list[IO[bytes]] = []  # files written straight into a staged new folder
        self.tmp: str | None = None
        self.top = os.path.abspath(path)
        real = os.path.realpath(path)
        if not replace and os.path.isdir(real):
            self.inner = real  # files are staged one by one beside their names
            return
        # the first missing folder of the path gets staged (the rest is made inside it)
        top = real
        while not replace and not os.path.isdir(os.path.dirname(top)):
            top = os.path.dirname(top)
        self.top = top
        parent, base = os.path.dirname(top), os.path.basename(top)
        try:
            self.tmp = tempfile.mkdtemp(prefix=f".{base}.", suffix=".tmp", dir=parent)
            os.chmod(self.tmp, 0o777 & ~_umask())  # a folder as mkdir makes it
            self.inner = os.path.join(self.tmp, os.path.relpath(real, top))
            os.makedirs(self.inner, exist_ok=True)
        except OSError as exc:
            self.abort()
            raise disk_error(path, exc) from None

    def open(self, name: str) -> IO[bytes]:
        if self.tmp is None:
            with held():  # a signal between the file's creation and its recording would leak it
                staged = _StagedFile(os.path.join(self.inner, name))
                self.files[name] = staged
            assert staged.file is not None
            return staged.file
        try:
            f = open(os.path.join(self.inner, name), "wb")
        except OSError as exc:
            raise disk_error(os.path.join(self.path, name), exc) from None
        self._plain.append(f)
        return f

    def prepare(self) -> None:
        for staged in self.files.values():
            staged.prepare()
        for f in self._plain:
            if not f.closed:
                f.flush()
                os.fsync(f.fileno())
                f.close()

    def commit(self) -> None:
        for staged in self.files.values():
            staged.commit()
        if self.tmp is None:
            return
        old = None
        if self.replace and os.path.isdir(self.top):
            old = self.tmp + ".old"
            os.rename(self.top, old)
        os.rename(self.tmp, self.top)
        self.tmp = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        for staged in self.files.values():
            staged.abort()
        for f in self._plain:
            with contextlib.suppress(OSError):
                f.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


# --------------------------------------------------------------------------------------------
# the set
# --------------------------------------------------------------------------------------------


class OutputSet:
    """Every output of one run: checked before reading, staged, committed only on success.

    Declare with :meth:`add_input` / :meth:`add_output`, then :meth:`check` (before reading
    any input). Write through :meth:`open` (a binary file), :meth:`folder` (a staging folder
    to fill) or :meth:`stdout` (text for stdout). :meth:`commit` puts everything in place;
    leaving the ``with`` block without it (an exception, a signal) removes every staging file.

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> src, out = os.path.join(d, "in.csv"), os.path.join(d, "r.json")
    >>> _ = open(src, "w").write("label,prob\\n1,0.5\\n")
    >>> with OutputSet() as outs:
    ...     outs.add_input("PREDICTIONS", src)
    ...     outs.add_output("--output", out)
    ...     outs.check()
    ...     _ = outs.open("--output").write(b"{}")
    ...     os.path.exists(out)  # nothing is in place before commit
    ...     outs.commit()
    False
    >>> open(out).read(), sorted(os.listdir(d))
    ('{}', ['in.csv', 'r.json'])
    >>> with OutputSet() as outs:
    ...     outs.add_input("PREDICTIONS", src)
    ...     outs.add_output("--output", os.path.join(d, "..", os.path.basename(d), "in.csv"))
    ...     outs.check()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    losscli.errors.UsageError: --output .../in.csv is the input PREDICTIONS (.../in.csv); ...
    """

    def __init__(self) -> None:
        _LIVE.add(self)
        self._inputs: list[_Input] = []
        self._outputs: dict[str, _Output] = {}
        self._staged: list[Any] = []  # _StagedFile | _StagedFolder, in order of first write
        self._by_option: dict[str, Any] = {}
        self._stdout: list[str] = []
        self._closed = False
        self._committed = False

    # -- declaring ---------------------------------------------------------------------------

    def add_input(self, what: str, path: str | os.PathLike[str] | None) -> None:
        """Declare an input (``"-"`` is stdin; a folder or glob declares its part files).

        Args:
            what: how messages name it: ``"PREDICTIONS"``, ``"LABELS"``, ``"--threshold"``.
            path: the path as given; None (no such input) is ignored.
        """
        if path is None:
            return
        p = os.fspath(path)
        if p == "-":
            with contextlib.suppress(OSError, ValueError, AttributeError):
                st = os.fstat(sys.stdin.fileno())
                if stat.S_ISREG(st.st_mode):
                    self._inputs.append(
                        _Input(f"{what} (stdin)", _Ident("", (st.st_dev, st.st_ino)))
                    )
            return

        self._inputs.append(_Input(f"{what} ({p})", _Ident.of(p)))
        if is_dataset_path(p):
            with contextlib.suppress(InputError):  # the reader reports a bad folder or glob
                for part in list_parts(p):
                    self._inputs.append(_Input(f"{what} (part {part.name})", _Ident.of(part.path)))

    def add_output(
        self,
        option: str,
        path: str | os.PathLike[str] | None,
        *,
        kind: str = "file",
        names: tuple[str, ...] = (),
    ) -> None:
        """Declare an output.

        Args:
            option: the option that names it (``"--output"``); one output per option.
            path: the path as given (``"-"`` = stdout); None (option not given) is ignored.
            kind: ``"file"``; ``"dir"``, a folder this run makes whole (a previous one is
                replaced); ``"files"``, the files ``names`` in a folder (created if needed).
            names: with ``kind="files"``, every name the run may write there.
        """
        if path is None:
            return
        p = os.fspath(path)
        out = _Output(option, p, kind, names)
        if kind == "file":
            if p != "-":
                check_output_path(p)
                if fd_target(p) is None:
                    out.files.append((p, _Ident.of(p)))
        elif kind == "files":
            if os.path.exists(p) and not os.path.isdir(p):
                raise UsageError(
                    f"{option} {p}: that is a file; give a folder (it is created if needed)"
                )
            out.files = [(os.path.join(p, n), _Ident.of(os.path.join(p, n))) for n in names]
        self._outputs[option] = out

    def check(self) -> None:
        """Refuse (UsageError, exit 2) an output that is an input or another output.

        Raises:
            UsageError: names both options and the path.
        """
        outs = list(self._outputs.values())
        fds = [(o, 1 if o.path == "-" else fd_target(o.path)) for o in outs if o.kind == "file"]
        for i, (out, fd) in enumerate(fds):  # two outputs on one descriptor interleave
            for other, other_fd in fds[i + 1 :]:
                if fd is not None and fd == other_fd:
                    where = {1: "stdout", 2: "stderr"}.get(fd, f"descriptor {fd}")
                    raise UsageError(
                        f"{out.option} {out.path} and {other.option} {other.path} both write "
                        f"{where}, so neither could be read back; give one of them a file"
                    )
        for i, out in enumerate(outs):
            if out.kind == "dir":
                folder = _Ident.of(out.path)
                for inp in self._inputs:
                    if inp.ident.real and inp.ident.inside(folder):
                        raise UsageError(
                            f"{out.option} {out.path} would replace the folder that holds the "
                            f"input {inp.what}; choose another folder"
                        )
                for other in outs:
                    for shown, ident in other.files:
                        if ident.inside(folder):
                            raise UsageError(
                                f"{other.option} {shown} is inside the folder of "
                                f"{out.option} {out.path}, which is replaced; choose another "
                                "place for one of them"
                            )
                continue
            for shown, ident in out.files:
                for inp in self._inputs:
                    if ident.same(inp.ident):
                        raise UsageError(
                            f"{out.option} {shown} is the input {inp.what}; writing it would "
                            "destroy that input: choose another output file"
                        )
                for other in outs[i + 1 :]:
                    for other_shown, other_ident in other.files:
                        if ident.same(other_ident):
                            raise UsageError(
                                f"{out.option} {shown} and {other.option} {other_shown} are "
                                "the same file; give each output its own file"
                            )

    # -- writing -----------------------------------------------------------------------------

    def open(self, option: str, name: str | None = None) -> IO[bytes]:
        """The staging file of a declared output (``name``: a file of a ``"files"`` folder).

        Returns:
            A binary file object; write to it, never close it (commit and abort do).
        """
        out = self._outputs[option]
        if out.kind == "files":
            if name is None or name not in out.names:
                raise ValueError(f"{option}: {name!r} is not one of the declared names")
            folder = self._by_option.get(option)
            if folder is None:
                with held():  # created and recorded, or neither (see _signals.held)
                    folder = self._by_option[option] = _StagedFolder(out.path, replace=False)
                    self._staged.append(folder)
            return folder.open(name)
        if option not in self._by_option:
            with held():  # created and recorded, or neither (see _signals.held)
                staged = _StagedFile(out.path)
                self._by_option[option] = staged
                self._staged.append(staged)
        f = self._by_option[option].file
        assert f is not None
        return f  # type: ignore[no-any-return]

    def write(self, option: str, data: bytes) -> None:
        """Write the whole content of a declared file output."""
        try:
            self.open(option).write(data)
        except OSError as exc:
            raise disk_error(self._outputs[option].path, exc) from None

    def folder(self, option: str) -> str:
        """A staging folder for a ``"dir"`` output: fill it; commit renames it into place."""
        out = self._outputs[option]
        if option not in self._by_option:
            with held():  # created and recorded, or neither (see _signals.held)
                staged = _StagedFolder(out.path, replace=True)
                self._by_option[option] = staged
                self._staged.append(staged)
        return str(self._by_option[option].inner)

    def stdout(self, text: str) -> None:
        """Text for stdout, printed at commit (a failed run prints nothing)."""
        self._stdout.append(text)

    # -- ending ------------------------------------------------------------------------------

    def commit(self) -> None:
        """Put every output in place: fsync all, print stdout, then rename or copy each.

        Raises:
            DiskFullError, InputError: a write failed (everything not yet in place is dropped).
        """
        if self._closed:
            return
        from losscli._signals import pending

        signum = pending()
        if signum is not None:  # a SIGTERM whose exception was lost: commit nothing
            self.abort()
            raise Terminated(signum)
        current = ""
        try:
            for staged in self._staged:
                current = staged.path
                staged.prepare()
            current = "stdout"
            for text in self._stdout:
                sys.stdout.write(text)
            sys.stdout.flush()
            for staged in self._staged:
                current = "stdout" if getattr(staged, "fd", None) in (1, 2) else staged.path
                staged.commit()
        except OSError as exc:
            self.abort()
            if current == "stdout" or exc.errno == errno.EPIPE:
                raise
            raise disk_error(current, exc) from None
        except BaseException:
            self.abort()
            raise
        self._closed = self._committed = True

    def abort(self) -> None:
        """Drop every staging file and folder; every destination stays as it was."""
        self._closed = True
        if self._committed:
            return
        for staged in self._staged:
            staged.abort()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._closed:
            self.abort()


_LIVE: weakref.WeakSet[OutputSet] = weakref.WeakSet()


def abort_all() -> None:
    """Abort every output set of the process (a forced exit after SIGTERM: no litter)."""
    for outs in list(_LIVE):
        outs.abort()
