"""Where ``python scripts/verify.py`` starts: a small supervisor around the verifier proper.

The verifier proper (:mod:`.cli`, a fork server with torch imported) runs snippets, and a
snippet can stop or confuse its parent: ``os.kill(os.getppid(), SIGSTOP)`` would freeze it,
and whoever waits for it (the site build) with it, forever. So the command first starts
this supervisor, which imports neither torch nor the verifier's heavier modules, and which
runs the verifier proper as its child with ``PYTHONHASHSEED=0`` (a hash seed can only be
fixed when an interpreter starts). The supervisor:

* continues the verifier at once when it is stopped (a snippet's ``SIGSTOP``);
* bounds the whole run by :func:`run_bound` (derived from the snippets' own ``timeout``
  settings and ``--jobs``, plus :data:`SLACK_S` for starting interpreters and importing
  torch): past it, the verifier and everything it started are ended, exit status
  :data:`.options.EXIT_OVERTIME` (4);
* on SIGTERM, SIGINT or SIGHUP, and when its own parent dies (a parent-death signal,
  SIGTERM), passes the signal on so the verifier ends its children (it has
  :data:`GRACE_S`), then ends whatever is left: exit status 128 + N;
* is a child subreaper: whatever outlives the verifier (a snippet's grandchild in its own
  session) is adopted by it and ended before it exits. Nothing the run started outlives it.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import allocator
from .options import EXIT_OVERTIME, EXIT_SIGNAL_BASE, HASH_SEEDS, parse, runs
from .processes import become_subreaper, die_with_parent, end_descendants, has_children
from .snippets import Settings, SnippetError, discover, load_snippet

#: Seconds a run may take on top of its snippets' limits: starting the interpreters (two
#: fork servers under ``--twice``), ``import torch`` (1-3 s; tens of seconds on a loaded CI
#: machine), preloading ``torch._dynamo``, comparing and writing the report.
SLACK_S = 60.0
#: Seconds each snippet's run may take beyond its own ``timeout``: waking at the deadline,
#: killing its process group and whatever it left, reaping.
PER_RUN_S = 1.0
#: Seconds the verifier gets to end its children itself after a SIGTERM before it is killed.
GRACE_S = 5.0
#: Longest single wait for a signal: an unbounded (``--serve``) session still wakes now and then.
WAKE_S = 3600.0
#: Set in the verifier proper's environment (to the supervisor's pid): it is the verifier, not another supervisor.
SUPERVISOR_ENV = "VERIFY_SUPERVISOR_PID"


def run_bound(root: Path, paths: Sequence[str] = (), pattern: str | None = None, jobs: int | None = None,
              twice: bool = False) -> float:
    """Seconds a whole ``python scripts/verify.py`` run may take; past them, it is ended (exit status 4).

    The arguments mirror the command's (``paths``, ``-k``, ``--jobs``; ``twice`` for
    ``--twice`` or ``--update``). Each selected snippet's run may take its ``timeout`` (default
    10 s) plus :data:`PER_RUN_S`; with ``jobs`` at once the runs end within Graham's bound for
    list scheduling (the sum over ``jobs``, plus the longest one); ``--twice`` runs the second
    attempts in a second fork server with half of ``jobs`` beside the first (after it with
    ``--jobs 1``). :data:`SLACK_S` is added once. Cached results take no time, so the bound
    is generous for a run with nothing to do; it exists to end a run that hangs.

    The site's build calls this to bound its own wait (:mod:`.client`: a deadline on the
    verifier's output) beyond the verifier's, in case the verifier itself is killed before it
    can end its run.
    """
    workers = max(1, jobs or os.cpu_count() or 1)
    try:
        found = discover(root, root / "snippets", list(paths), pattern)
    except SnippetError:
        found = []  # a usage error: the verifier reports it at once
    limits = []
    for path in found:
        try:
            limits.append(load_snippet(root, path).settings.timeout + PER_RUN_S)
        except (SnippetError, OSError):
            limits.append(Settings().timeout + PER_RUN_S)
    if not limits:
        return SLACK_S
    if not twice:
        return SLACK_S + _makespan(limits, workers)
    if workers == 1:
        return SLACK_S + 2 * _makespan(limits, 1)
    return SLACK_S + max(_makespan(limits, workers - workers // 2), _makespan(limits, workers // 2))


def _makespan(limits: list[float], workers: int) -> float:
    return sum(limits) / workers + max(limits)


def main(script: Path, argv: list[str]) -> int:
    """Parse the command line (``--help``, ``--version`` and usage errors end here), bound the run, supervise it."""
    args = parse(argv)
    root = (args.root or script.resolve().parent.parent).resolve()
    env = allocator.tuned({**os.environ, "PYTHONHASHSEED": HASH_SEEDS[0], SUPERVISOR_ENV: str(os.getpid())})
    # A --serve session has no end; the caller bounds each of its runs (verifier.client does).
    bound: float | Callable[[], float] = (math.inf if args.serve else
                                          lambda: run_bound(root, args.paths, args.pattern, args.jobs, twice=runs(args) == 2))
    return supervise([sys.executable, str(script), *argv], env, bound)


def supervise(command: list[str], env: dict[str, str], bound: float | Callable[[], float]) -> int:
    """Run ``command`` as a supervised child for at most ``bound`` seconds; return its exit status.

    ``bound`` may be a function: it is then computed once the child started (they overlap).

    Its own status when it ends by itself; :data:`.options.EXIT_OVERTIME` past the bound;
    128 + N after signal N (to this process, or SIGTERM when its parent died). Either way
    nothing it started is left running when this returns.
    """
    become_subreaper()
    watched = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    try:
        # Blocked, the signals wait for sigtimedwait() below; the child starts with none blocked.
        orphaned = not die_with_parent(signal.SIGTERM, os.getppid())
        started = time.monotonic()
        pid = os.posix_spawn(command[0], command, env, setsigmask=())
        limit = bound() if callable(bound) else bound
        deadline = started + limit
        status: int | None = None
        stopped_by = signal.SIGTERM if orphaned else None
        while status is None and stopped_by is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            info = signal.sigtimedwait(watched, min(remaining, WAKE_S))
            if info is None:
                continue
            if info.si_signo != signal.SIGCHLD:
                stopped_by = signal.Signals(info.si_signo)
                break
            status = _poll(pid)
        if status is None:
            if stopped_by is not None:
                # Pass the signal on: it ends its own children and says so; then make sure.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, stopped_by)
                ended = _wait(pid, watched, GRACE_S)
                if ended is None:
                    print(f"verify.py: stopped by {stopped_by.name}; every process the run started was ended", file=sys.stderr)
                status = EXIT_SIGNAL_BASE + stopped_by
            else:
                ended = None
                print(f"error: verification did not finish within {limit:.0f} s, the bound its snippets' timeouts and "
                      f"--jobs allow (with {SLACK_S:.0f} s to start torch); it was ended, with every process it started",
                      file=sys.stderr)
                status = EXIT_OVERTIME
            if ended is None:  # still ours to end (once reaped, its pid could be another process's)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        # What outlived the verifier was adopted here: end it before the caller goes on.
        if has_children():
            end_descendants()
        return status
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


def _poll(pid: int) -> int | None:
    """Collect child events: the verifier's exit status once it ended; a stopped verifier is continued."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WSTOPPED | os.WNOHANG)
        except ChildProcessError:
            return None
        if info is None:
            return None
        if info.si_pid != pid:
            continue  # an adopted orphan ended (now reaped) or stopped (ended with the rest)
        if info.si_code == os.CLD_STOPPED:
            # A snippet stopped its parent: without this the run, and the build waiting for it, would hang.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
            continue
        if info.si_code == os.CLD_EXITED:
            return info.si_status
        # Killed by a signal nobody here sent (a snippet killed its parent, or the OOM killer did).
        print(f"error: the verifier was killed by {signal.Signals(info.si_status).name} before it finished; "
              "every process it started was ended", file=sys.stderr)
        return EXIT_SIGNAL_BASE + info.si_status


def _wait(pid: int, watched: set[signal.Signals], seconds: float) -> int | None:
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if signal.sigtimedwait(watched, remaining) is None:
            break
        status = _poll(pid)
        if status is not None:
            return status
    return None
