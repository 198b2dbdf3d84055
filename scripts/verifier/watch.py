"""What changed under ``snippets/`` and ``docs/`` while a run ran.

A run's verdicts hold only for the sources it read: expectations are read before any
snippet runs, and every file under the watched folders is compared (by ``stat``: size,
modification time, inode) before and after. A change is either a snippet's doing (its
process reported writing the file, :attr:`.runner.Outcome.wrote`), which fails that
snippet, or nobody's the run knows of (an author saving a file, most likely), which makes
the run's results stale: exit status :data:`.options.EXIT_CHANGED`, so a serve loop runs again.

Left out: hidden files (editors' swap and lock files), backups ending in ``~`` and
``__pycache__`` folders, none of which is a source of the site.
"""

from __future__ import annotations

import os
from pathlib import Path

WATCHED = ("snippets", "docs")

#: ``(size, mtime_ns, inode)`` of a file.
Stamp = tuple[int, int, int]
Snapshot = dict[str, Stamp]


def snapshot(root: Path) -> Snapshot:
    """Every watched file, relative to ``root`` with ``/`` separators, with its stamp."""
    found: Snapshot = {}
    start = len(str(root)) + 1  # os.walk's paths begin with the root: cut it off as text, not as Path objects
    for folder in WATCHED:
        for directory, subdirs, files in os.walk(root / folder):
            subdirs[:] = [d for d in subdirs if not _ignored(d)]
            for name in files:
                if _ignored(name):
                    continue
                path = os.path.join(directory, name)
                stamp = stamp_of(path)
                if stamp is not None:
                    found[path[start:].replace(os.sep, "/")] = stamp
    return found


def stamp_of(path: str | Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """Files added, removed or changed between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith("~") or name == "__pycache__"
