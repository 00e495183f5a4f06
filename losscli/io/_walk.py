"""Walking a recursive (``**``) glob without following symlink loops, and file identity.

Used by :mod:`losscli.io._dataset` to list the part files of a dataset.
"""

from __future__ import annotations

import fnmatch
import glob
import os


def file_identity(path: str) -> tuple[int, int] | None:
    """``(device, inode)`` of what ``path`` leads to (symlinks followed), None if unreadable.

    Args:
        path: a file or folder.

    Returns:
        The pair that names the file on this machine, or None when it cannot be read.

    >>> file_identity(".") == file_identity(os.path.abspath(".")), file_identity("/no/such")
    (True, None)
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def walk_glob(pattern: str, notes: list[str]) -> list[str]:
    """The paths a recursive (``**``) glob matches, without following symlink loops.

    The semantics of ``glob.glob(pattern, recursive=True)`` (``**`` is zero or more folders,
    names starting with ``.`` match only a pattern that starts with ``.``), but a folder is
    not entered again below itself (a loop) nor walked twice at the same ``**`` (two links
    to one folder); each skip adds a note.

    Args:
        pattern: a glob with a ``**`` component.
        notes: sentences are appended here.

    Returns:
        The matching paths (files and folders), unsorted, possibly repeated.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(d, "a", "b"))
    >>> _ = open(os.path.join(d, "a", "b", "p.csv"), "w").write("y\\n1\\n")
    >>> [os.path.relpath(m, d) for m in walk_glob(os.path.join(d, "**", "*.csv"), [])]
    ['a/b/p.csv']
    """
    comps = pattern.split(os.sep)
    root = os.sep if comps[0] == "" else ""
    comps = comps[1:] if root else comps
    first = 0
    while first < len(comps) and not glob.has_magic(comps[first]):
        first += 1
    base = os.path.join(root, *comps[:first]) if first else root
    if base and not os.path.isdir(base):
        return []
    out: list[str] = []
    walked: dict[tuple[tuple[int, int], int], str] = {}  # (folder, component) -> first path

    def entries(folder: str) -> list[os.DirEntry[str]]:
        try:
            return sorted(os.scandir(folder or os.curdir), key=lambda e: e.name)
        except OSError:
            return []

    def is_dir(e: os.DirEntry[str]) -> bool:
        try:
            return e.is_dir()
        except OSError:
            return False

    def walk(folder: str, k: int, above: dict[tuple[int, int], str]) -> None:
        if k == len(comps):
            out.append(folder)
            return
        c = comps[k]
        last = k + 1 == len(comps)
        if c == "**":
            walk(folder, k + 1, above)  # zero folders
            for e in entries(folder):
                if e.name.startswith("."):
                    continue
                if not is_dir(e):
                    if last:
                        out.append(os.path.join(folder, e.name))
                    continue
                sub = os.path.join(folder, e.name)
                ident = file_identity(sub)
                if ident is None:
                    continue
                if ident in above:
                    notes.append(
                        f"{pattern}: {sub} is a symlink loop (it leads back to "
                        f"{above[ident] or os.curdir}); not followed"
                    )
                    continue
                if (ident, k) in walked:
                    notes.append(
                        f"{pattern}: {sub} is the same folder as {walked[ident, k]} (a link); "
                        "walked once"
                    )
                    continue
                walked[ident, k] = sub
                walk(sub, k, {**above, ident: sub})
            return
        if not glob.has_magic(c):
            sub = os.path.join(folder, c)
            if last:
                if os.path.lexists(sub):
                    out.append(sub)
            elif os.path.isdir(sub):
                ident = file_identity(sub)
                walk(sub, k + 1, above if ident is None else {**above, ident: sub})
            return
        for e in entries(folder):
            if e.name.startswith(".") and not c.startswith("."):
                continue
            if not fnmatch.fnmatch(e.name, c):
                continue
            sub = os.path.join(folder, e.name)
            if last:
                out.append(sub)
            elif is_dir(e):
                ident = file_identity(sub)
                walk(sub, k + 1, above if ident is None else {**above, ident: sub})

    start = file_identity(base or os.curdir)
    walk(base, first, {} if start is None else {start: base})
    return out
