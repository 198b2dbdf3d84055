"""Linux process control: nothing a snippet starts outlives its result, or the verifier.

Three kernel features, reached through ``prctl(2)`` (``ctypes``, since ``os`` has no wrapper):

* a **child subreaper** (``PR_SET_CHILD_SUBREAPER``) adopts every orphaned descendant: a
  grandchild whose parent exited, even one that called ``setsid()`` or joined another
  process group, becomes the subreaper's child instead of init's, so it can still be found
  (``/proc/<pid>/stat``) and ended. The supervisor, each fork server and each snippet's
  process are subreapers, so a descendant is always adopted by the nearest of them alive;
* a **parent-death signal** (``PR_SET_PDEATHSIG``) ends a process when its parent dies,
  however it dies: the fork servers and snippet processes never outlive their parent;
* :func:`end_descendants` kills this process's children other than those it keeps, then
  what they leave behind (adopted here), until none is left, and reaps them all.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


@functools.cache
def _prctl_function() -> Callable[..., int]:
    """``prctl(2)`` with its argument types declared: ctypes then converts plain ints itself,
    which matters in a snippet's process, where every object touched is a page copied."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def _prctl(option: int, value: int) -> bool:
    return int(_prctl_function()(option, value, 0, 0, 0)) == 0


def become_subreaper() -> bool:
    """Adopt this process's orphaned descendants (instead of init); False where the kernel refuses."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent(sig: signal.Signals, parent: int) -> bool:
    """Receive ``sig`` when the parent ``parent`` dies; False when it already has (then act on it now)."""
    _prctl(PR_SET_PDEATHSIG, int(sig))
    return os.getppid() == parent


def children() -> list[int]:
    """This process's children, alive or not yet reaped (from ``/proc``, since a subreaper's
    adopted children are no child it forked)."""
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            continue  # it ended while we looked
        # `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
        fields = data.rpartition(b")")[2].split()
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(name))
    return found


def has_children() -> bool:
    """Whether this process has any child at all (cheap: no ``/proc`` walk)."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def end_descendants(keep: frozenset[int] = frozenset()) -> int:
    """SIGKILL every child not in ``keep`` and everything adopted as they die; return how many ended.

    Works for a subreaper (what a killed child leaves is adopted here and found next round).
    Stopped processes die as well: SIGKILL needs no cooperation.
    """
    ended = 0
    while True:
        found = [pid for pid in children() if pid not in keep]
        if not found:
            return ended
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid in found:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        ended += len(found)


def kill_group(pid: int) -> None:
    """SIGKILL the process group ``pid`` leads, and ``pid`` itself if it left it."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()
