"""Run snippets in forked children of one process that imported torch once.

Why fork: a fresh interpreter per snippet pays ``import torch`` (seconds) every time;
a forked child starts in milliseconds with torch already imported, and still gets a
private copy of every module, hook, seed and global: nothing a snippet changes can
reach another snippet, because each child's memory dies with it.

Each child is ``python <snippet>`` as a reader runs it in a terminal, and ends the way
that interpreter ends: after the code, non-daemon threads are joined (an executor's too),
the snippet's ``atexit`` handlers run, then multiprocessing's exit handling joins the
processes it started; only then is the output taken. Whatever the snippet started and
left running (a process in its own session included) is ended with it.

Hazards handled here, each measured on torch 2.x:

* a forked child hangs forever in an OpenMP-parallel op if the parent ran one with more
  than one thread before forking, so the fork server runs torch with one thread and
  never starts a thread pool; each child then starts with torch's default thread count
  (what ``python <snippet>`` gets, read right after ``import torch``), because parallel
  reductions round differently at other counts. The second run of ``--twice``/``--update``
  uses another count, so output that depends on it is reported non-deterministic. Idle
  OpenMP threads wait passively (:func:`import_torch`): with several snippets at once,
  spinning ones would take the cores the others need, which changes timing, never output;
* forked children inherit the parent's RNG state, so every child reseeds: the first run
  of a snippet from ``SEED`` (``random``, numpy, torch), the same for every snippet; the
  second run from another seed. A forked child cannot change its hash seed, so the second
  run happens in a second fork server started with another ``PYTHONHASHSEED``
  (:mod:`.server`). The seeds are a safety net, not a dependency: a snippet that relies on
  them (or on a set's order) instead of seeding itself, visibly, prints differently in its
  second run and is reported as non-deterministic, so its output is never recorded;
* a hang, crash, memory bomb or output flood must end the child, not the runner:
  each child gets its own process group, a wall-clock deadline, an address-space limit,
  an output cap, ``/dev/null`` as stdin and a throwaway working directory; it dies with
  its fork server, and adopts (and, at its end, ends) every descendant that outlives its
  own parent (:mod:`.processes`).

A child also reports the repository files it opened (read, for the cache's key; changed,
for the run's integrity check) through an audit hook, and the installed modules it had
imported, whose distributions' versions the cache keys on.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # C module behind `signal`; typeshed has no stub
import atexit
import base64
import contextlib
import gc
import importlib
import importlib.util
import io
import json
import os
import random
import resource
import selectors
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import types
from collections import deque
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .installation import site_packages
from .processes import become_subreaper, die_with_parent, end_descendants, has_children, kill_group
from .report import Ending
from .snippets import Settings

SEED = 0
_READ_CHUNK = 65536

#: torch's default intra-op thread count here (``"default"``), read in the fork server right after ``import torch``.
_THREADS: dict[str, int] = {}
#: Descriptors of this fork server that a snippet's process must not hold (closed in each child).
PRIVATE_FDS: set[int] = set()
#: Installed modules this fork server had imported at its last fork: every child since has them.
_INHERITED: dict[str, str] = {}
#: The seed this fork server gave every device's generator (``torch.manual_seed``), if it did.
_SEEDED: dict[str, int] = {}


@dataclass(frozen=True)
class Job:
    """One execution of one snippet (a ``--twice`` run schedules two jobs per snippet)."""

    key: str
    """Snippet path relative to the root; also the name it is reported under."""
    path: Path
    code: types.CodeType
    settings: Settings
    attempt: int = 0
    source: bytes = b""
    """The bytes ``code`` was compiled from: what the second run's fork server compiles."""
    needs: tuple[str, ...] = ()
    """Heavy modules to import once in its fork server rather than in its own process, since
    several snippets of the run import them (:func:`.cli.preloads`): see :mod:`.server`."""


@dataclass
class Outcome:
    """What happened to one job, before any comparison with an expectation."""

    job: Job
    workdir: Path
    """The throwaway working directory it ran in (gone by now): a path the normalizer masks."""
    output: bytes = b""
    ending: Ending = Ending.FINISHED
    detail: str = ""
    """The specifics of an abnormal ending (the signal, the limit), for the report's message."""
    memory_error: bool = False
    duration: float = 0.0
    imports: list[str] = field(default_factory=list)
    raised_at: str = ""
    """For an uncaught exception, ``<Type> at <snippet>:<line>``: the deepest frame in the
    snippet, which the folded traceback no longer shows."""
    opened: list[str] = field(default_factory=list)
    """Repository files it opened for reading (relative, ``/``-separated)."""
    wrote: list[str] = field(default_factory=list)
    """Repository files it opened for writing, renamed, removed or otherwise changed."""
    modules: dict[str, str] = field(default_factory=dict)
    """Top-level installed modules it had imported (outside the repository and the standard
    library), each with its file: the cache keys on their distributions' versions."""
    started_at: float = 0.0
    """Wall-clock time (``time.time()``) it started and ended: a changed file's timestamp names it."""
    ended_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = {name: value for name, value in vars(self).items() if name not in ("job", "workdir", "output")}
        return {**data, "key": self.job.key, "attempt": self.job.attempt, "workdir": str(self.workdir),
                "output": base64.b64encode(self.output).decode("ascii")}

    @classmethod
    def from_json(cls, data: dict[str, Any], job: Job) -> Outcome:
        fields = {name: value for name, value in data.items() if name not in ("key", "attempt", "workdir", "output")}
        return cls(job=job, workdir=Path(data["workdir"]), output=base64.b64decode(data["output"]),
                   **{**fields, "ending": Ending(fields["ending"])})


class Remote(Protocol):
    """Another fork server running some of the jobs (:class:`.server.SecondRun`, :class:`.server.Preloaded`)."""

    fd: int
    pid: int
    done: bool
    workers: int
    """How many children it runs at once, out of the ``workers`` :func:`run_jobs` was given."""

    def start(self) -> None: ...
    def read(self) -> list[Outcome]: ...
    def hand_over(self) -> None:
        """This process has no jobs left: the remote may use its share of the workers too."""
    def resume_if_stopped(self) -> None: ...
    def close(self) -> None: ...
    def close_in_child(self) -> None: ...


def prepare_parent() -> None:
    """Make this process a safe fork server.

    Single-threaded torch and a subreaper (it adopts whatever a snippet leaves running, so
    it can end it).
    """
    torch = import_torch()
    if "numpy" in sys.modules:
        # Children seed numpy's global generator, which numpy loads on first use (8 ms a child):
        # once here, with full collections still deferred, and before a preloading copy is forked.
        importlib.import_module("numpy.random")
    become_subreaper()
    site_packages()  # found once here, inherited by every child
    # Read before setting it, once (a --serve verifier prepares again for each run): the
    # count `python <snippet>` starts with (it creates no thread pool).
    _THREADS.setdefault("default", torch.get_num_threads())
    torch.set_num_threads(1)


def preload(modules: Iterable[str]) -> None:
    """Import heavy modules that several snippets would otherwise each import in their own process.

    ``torch._dynamo`` (~0.6 s here, imported by the first optimizer) is the one so far: one
    import in a fork server serves every snippet it forks. A module this torch lacks (torch
    1.13 has no ``torch._dynamo``) is simply not preloaded.
    """
    _defer_full_collections()
    for name in modules:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


#: The collector's thresholds as this process had them, while its full collections are deferred.
_DEFERRED: list[tuple[int, int, int]] = []


def _defer_full_collections() -> None:
    """Run the collector's young generations only until :func:`_collect_before_forking`, as imports are faster that way.

    An import creates some 300,000 objects and a full collection traverses all of them, so
    the half dozen the collector would run during ``import torch`` and ``torch._dynamo``
    take ~0.3 s of the ~1.8 s (measured); the young generations still collect the garbage
    the imports make as they go. Deferred until the fork server's one full collection, not
    just to the end of an import: the imports leave a full collection due, which the next
    allocations would otherwise run wherever they happen (measured: inside the import of
    ``numpy.random``, then again before forking). Objects and results are the same either way.
    """
    if not _DEFERRED:
        thresholds = gc.get_threshold()
        _DEFERRED.append(thresholds)
        gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)


def _clear_exit_handlers() -> None:
    """Drop the ``atexit`` handlers and multiprocessing finalizers this process has, which no snippet may run.

    A fork server's are torch's own cleanup (~30 ms, printing nothing) and multiprocessing's
    exit handling (which a child runs itself, last, as the interpreter would); it never runs
    them either: every fork server ends with ``os._exit``. It drops them once per run, so a
    child finds none (releasing them in each child wrote to their pages, copied for that
    child alone) and drops only what was registered since: only handlers the snippet
    registers run from atexit, as a terminal would show them. Nothing is touched when there
    is nothing to drop.
    """
    if atexit._ncallbacks():
        atexit._clear()
    multiprocessing_util = sys.modules.get("multiprocessing.util")
    if multiprocessing_util is not None and multiprocessing_util._finalizer_registry:
        multiprocessing_util._finalizer_registry.clear()


def _collect_before_forking() -> None:
    """The one full collection the deferred imports left, and the collector's own thresholds back.

    Children start with no garbage of ours, and none inherits a full collection due, which
    would write to every object's page (each then copied for that child alone). Objects that
    the process this one was forked from froze (:func:`fork_sharing_objects`) are skipped,
    then thawed: every child sees every object (``gc.get_objects()``), as ``python <snippet>`` does.
    """
    gc.collect()
    gc.unfreeze()
    if _DEFERRED:
        gc.set_threshold(*_DEFERRED.pop())


def fork_sharing_objects() -> int:
    """``os.fork()`` for a fork server's copy that imports more (:class:`.server.Preloaded`).

    The copy shares every page with this process, so its one full collection, which writes
    to each object it traverses, would copy all of them (measured: 0.2 s instead of 0.06 s,
    every snippet that needs the preloaded modules waiting for it). Frozen across the fork,
    what both have is left out of the copy's collection (:func:`_collect_before_forking`);
    this process thaws it at once, and collects it in its own.
    """
    gc.freeze()
    pid = os.fork()
    if pid != 0:
        gc.unfreeze()
    return pid


def import_torch() -> types.ModuleType:
    """``import torch``, with OpenMP's idle threads told to wait passively (and full collections deferred).

    libgomp reads ``OMP_WAIT_POLICY`` once, when torch loads it. By default an idle
    OpenMP thread spins before it sleeps; with several snippets at once, each with torch's
    default thread count, spinning threads take the cores the others' threads need, and
    every parallel region waits for a time slice (measured: a tiny BatchNorm took 20 ms
    instead of 1 ms on 2 busy cores). Waiting passively changes no result (the thread
    count decides how work is split, not how idle threads wait). The variable is set only
    while torch loads, unless the user set it: snippets see the environment they were given.
    """
    if "torch" in sys.modules:
        return sys.modules["torch"]
    added = "OMP_WAIT_POLICY" not in os.environ
    if added:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        _defer_full_collections()
        import torch
    finally:
        if added:
            del os.environ["OMP_WAIT_POLICY"]
    return torch


def threads_for(attempt: int) -> int:
    """torch's intra-op thread count for a run: its default first, another count in the second run."""
    default = _THREADS["default"]
    if attempt == 0:
        return default
    return 1 if default > 1 else 2


def available_devices() -> list[str]:
    """Devices this process can run snippets on; ``cpu`` and ``meta`` always."""
    import torch

    devices = ["cpu", "meta"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def run_jobs(jobs: list[Job], root: Path, workers: int, remotes: Sequence[Remote] = (),
             remote_after_local: bool = False, handed_over: tuple[int, int] | None = None) -> Generator[Outcome, None, None]:
    """Run ``jobs`` with at most ``workers`` children at once, yielding outcomes as they end.

    ``remotes`` run their own jobs in other processes; their outcomes are yielded here too.
    They start at once, or once every local job ended (``remote_after_local``); while one
    runs, its share of ``workers`` is not used here, and once no job is left here, it is
    handed what is. ``handed_over`` is ``(fd, workers)`` for a remote itself: at the end of
    input on ``fd``, the process that started this one has no jobs left, and ``workers`` more
    may run here. Closing the generator (an exception in the caller, a signal) ends every child.
    """
    pending = deque(jobs)
    running: dict[int, _Running] = {}
    selector = selectors.DefaultSelector()
    remotes_started = False
    _seed_every_device({SEED + job.attempt for job in jobs})
    _clear_exit_handlers()
    _collect_before_forking()
    workdirs = Path(tempfile.mkdtemp(prefix="verify-"))
    started = 0
    handed = False
    if handed_over is not None:
        selector.register(handed_over[0], selectors.EVENT_READ, handed_over)

    def busy() -> list[Remote]:
        return [remote for remote in remotes if remotes_started and not remote.done]

    def keep() -> frozenset[int]:
        return frozenset(running) | {remote.pid for remote in remotes if not remote.done}

    try:
        while pending or running or any(not remote.done for remote in remotes):
            if remotes and not remotes_started and (not remote_after_local or not (pending or running)):
                for remote in remotes:
                    if not remote.done:  # one with nothing to run is done before it starts
                        remote.start()
                        selector.register(remote.fd, selectors.EVENT_READ, remote)
                remotes_started = True
            if not (pending or running or handed):
                for remote in busy():
                    remote.hand_over()
                handed = True
            while pending and len(running) < max(1, workers - sum(remote.workers for remote in busy())):
                started += 1
                child = _start(pending.popleft(), root, running, remotes, workdirs / str(started))
                running[child.pid] = child
                selector.register(child.out_fd, selectors.EVENT_READ, child)
                selector.register(child.status_fd, selectors.EVENT_READ, child)
                selector.register(child.pid_fd, selectors.EVENT_READ, child)
            now = time.monotonic()
            wait = max(0.0, min((c.deadline for c in running.values()), default=now + 1.0) - now)
            for key, _ in selector.select(timeout=min(wait, 1.0)):
                source = key.data
                if source is handed_over:  # the end of input: nothing else is ever written there
                    selector.unregister(key.fd)
                    PRIVATE_FDS.discard(key.fd)
                    os.close(key.fd)
                    workers += handed_over[1]
                elif not isinstance(source, _Running):
                    yield from source.read()
                    if source.done:
                        selector.unregister(key.fd)
                elif key.fd == source.pid_fd:
                    source.exited = True
                else:
                    source.drain(key.fd, selector)
            for remote in busy():
                remote.resume_if_stopped()  # a snippet there may have stopped its fork server
            now = time.monotonic()
            for child in list(running.values()):
                if child.outcome.ending is Ending.FLOOD or child.exited or now >= child.deadline:
                    if not child.exited and child.outcome.ending is not Ending.FLOOD:
                        child.outcome.ending = Ending.TIMEOUT
                        child.outcome.detail = f"did not finish within {child.job.settings.timeout:g} s"
                    del running[child.pid]
                    yield child.finish(selector, keep())
    finally:
        for child in running.values():
            child.finish(selector, keep())
        for remote in remotes:
            remote.close()
        selector.close()
        # Whatever a snippet left behind and no child ended was adopted here: end it too.
        end_descendants(keep=frozenset())
        shutil.rmtree(workdirs, ignore_errors=True)


class _Running:
    """Bookkeeping for one live child: its pipes, deadline and collected output."""

    def __init__(self, job: Job, pid: int, out_fd: int, status_fd: int, workdir: Path, started: float,
                 started_at: float) -> None:
        self.job = job
        self.pid = pid
        self.out_fd = out_fd
        self.status_fd = status_fd
        self.pid_fd = os.pidfd_open(pid)
        self.deadline = started + job.settings.timeout
        self.started = started
        self.exited = False
        self.output = bytearray()
        self.status = bytearray()
        self.outcome = Outcome(job=job, workdir=workdir, started_at=started_at)
        self.open_fds = {out_fd, status_fd}

    def drain(self, fd: int, selector: selectors.BaseSelector) -> None:
        """Read what is available on ``fd``; stop the child once its output exceeds the cap."""
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except BlockingIOError:
            return
        if not chunk:
            selector.unregister(fd)
            os.close(fd)
            self.open_fds.discard(fd)
            return
        if fd == self.status_fd:
            self.status += chunk
            return
        # Keep at most the cap, also from what is still in the pipe after the child is killed.
        room = self.job.settings.output * 1024 - len(self.output)
        self.output += chunk[:max(room, 0)]
        if len(chunk) > room and self.outcome.ending is not Ending.FLOOD:
            self.outcome.ending = Ending.FLOOD
            self.outcome.detail = f"printed more than {self.job.settings.output} KiB; stopped and cut there"

    def finish(self, selector: selectors.BaseSelector, keep: frozenset[int]) -> Outcome:
        """Kill what is left of the child's process group, reap it, and build the outcome."""
        kill_group(self.pid)
        _, status = os.waitpid(self.pid, 0)
        for fd in list(self.open_fds):
            os.set_blocking(fd, False)
            while fd in self.open_fds:
                before = len(self.output) + len(self.status)
                self.drain(fd, selector)
                if len(self.output) + len(self.status) == before and fd in self.open_fds:
                    break  # nothing more without blocking: a killed grandchild may still hold it
        for fd in self.open_fds:
            selector.unregister(fd)
            os.close(fd)
        self.open_fds.clear()
        selector.unregister(self.pid_fd)
        os.close(self.pid_fd)
        outcome = self.outcome
        outcome.output = bytes(self.output)
        outcome.duration = time.monotonic() - self.started
        outcome.ended_at = time.time()
        if outcome.ending is Ending.FINISHED:
            _interpret_exit(outcome, status, bytes(self.status))
        if outcome.ending not in (Ending.FINISHED, Ending.RAISED, Ending.EXITED):
            # It did not end its own descendants, nor remove its working directory: done here.
            end_descendants(keep)
            shutil.rmtree(outcome.workdir, ignore_errors=True)
        return outcome


def _interpret_exit(outcome: Outcome, wait_status: int, record: bytes) -> None:
    """Tell a Python-level ending (recorded by the child) from a crash (no record)."""
    if os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        outcome.ending = Ending.CRASHED
        outcome.detail = f"killed by signal {signal.Signals(sig).name}"
        return
    code = os.WEXITSTATUS(wait_status)
    try:
        status = json.loads(record.decode("utf-8"))
    except ValueError:
        outcome.ending = Ending.CRASHED
        outcome.detail = f"exited with status {code} before the snippet finished (os._exit, abort or a fatal error)"
        return
    outcome.ending = Ending(status["ending"])
    outcome.memory_error = status["memory_error"]
    outcome.imports = status["imports"]
    outcome.raised_at = status["raised_at"]
    outcome.opened = status["opened"]
    outcome.wrote = status["wrote"]
    outcome.modules = {**_INHERITED, **status["modules"]}


def _start(job: Job, root: Path, running: dict[int, _Running], remotes: Sequence[Remote], workdir: Path) -> _Running:
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    status_r, status_w = os.pipe2(os.O_CLOEXEC)
    # The child's address space is this process's (it is a copy): read here, where reading costs no copied pages.
    limit = _address_space() + job.settings.memory * 1024 * 1024
    _snapshot_modules(root)  # after whatever this process imported for the fork (the first read above loads a codec)
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    # Taken before the fork: the child may run, and change a file, before this process runs again.
    started_at = time.time()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        try:
            for other in running.values():
                for fd in (*other.open_fds, other.pid_fd):
                    os.close(fd)
            for remote in remotes:
                remote.close_in_child()
            for fd in PRIVATE_FDS:
                os.close(fd)
            os.close(out_r)
            os.close(status_r)
            _child(job, root, out_w, status_w, workdir, parent, limit)
        finally:
            os._exit(70)
    with contextlib.suppress(PermissionError, ProcessLookupError):
        os.setpgid(pid, pid)  # also done in the child: whichever runs first wins the race
    os.close(out_w)
    os.close(status_w)
    os.set_blocking(out_r, False)
    os.set_blocking(status_r, False)
    return _Running(job, pid, out_r, status_r, workdir, started, started_at)


def _child(job: Job, root: Path, out_w: int, status_w: int, workdir: Path, parent: int,
           limit: int) -> None:  # pragma: no cover
    """Become ``python <snippet>`` as a reader would run it, then report how it ended.

    Each page of the fork server's memory this process writes to (a reference count is a
    write) is copied for it by the kernel, at ~4 µs a page here: what the fork server can
    do once (seeding every device, listing its modules, reading its size) it does, so that
    each child does only what is its own.
    """
    if not die_with_parent(signal.SIGKILL, parent):
        os._exit(70)  # the fork server died between fork and here: nobody would read the result
    # Signal handlers the fork server set for itself; `python <snippet>` starts with Python's own.
    # Set through `_signal`, which `signal.signal` wraps in enum conversions (0.2 ms of copied pages here).
    for sig in (_signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(sig, _signal.SIG_DFL)
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    os.setpgid(0, 0)
    become_subreaper()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    os.close(out_w)
    # Unbuffered text streams over raw fds keep stdout and stderr in the order they were
    # written, as on a terminal; the error handlers are Python's own UTF-8 mode defaults.
    # The `__std*__` originals are replaced too: the child *is* `python <snippet>` now.
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="strict", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                  write_through=True)
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr  # type: ignore[misc]

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.mkdir(workdir, 0o700)
    os.chdir(workdir)
    # Importing a helper beside the snippet must not write a __pycache__ into the repo.
    sys.dont_write_bytecode = True

    seed = SEED + job.attempt  # see the module docstring: run 2 must not share run 1's seed
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if _SEEDED.get("torch") == seed:
            torch.default_generator.manual_seed(seed)  # the other devices' generators are seeded already
        else:
            torch.manual_seed(seed)
        torch.set_num_threads(threads_for(job.attempt))

    _clear_exit_handlers()
    opened, wrote = _watch_files(str(root))
    main = types.ModuleType("__main__")
    main.__file__ = str(job.path)
    main.__dict__["__builtins__"] = __builtins__
    # Moved to the end of sys.modules, so what the snippet imports comes after it (:func:`_new_modules`).
    del sys.modules["__main__"]
    sys.modules["__main__"] = main
    sys.argv = [str(job.path)]
    sys.path[0] = str(job.path.parent)

    ending, code, memory_error, raised_at = Ending.FINISHED, 0, False, ""
    try:
        exec(job.code, main.__dict__)
    except SystemExit as exc:
        ending, code = Ending.EXITED, _exit_code(exc)
    except BaseException as exc:
        ending, code = Ending.RAISED, 1
        memory_error = isinstance(exc, MemoryError) or "can't allocate memory" in str(exc)
        lines = [line for frame, line in traceback.walk_tb(exc.__traceback__) if frame.f_code.co_filename == main.__file__]
        if lines:
            raised_at = f"{type(exc).__name__} at {job.key}:{lines[-1]}"
        traceback.print_exception(exc)
    try:
        _end_like_the_interpreter()
    except SystemExit as exc:  # sys.exit() in an atexit handler sets the status, as in Python
        code = _exit_code(exc)
    new = _new_modules()
    imports = sorted(
        path for name in new
        if (path := _repo_file(getattr(sys.modules[name], "__file__", None), root)) is not None
    )
    record = {"ending": ending, "memory_error": memory_error, "imports": imports, "raised_at": raised_at,
              "opened": sorted(opened - {job.key}), "wrote": sorted(wrote),
              # What the fork server had imported is added by it (_INHERITED): only what is new here.
              "modules": installed_modules(root, {name.partition(".")[0] for name in new})}
    # Nothing it started outlives it: a process in another session or group included (all adopted here).
    if has_children():
        end_descendants()
    os.chdir("/")
    # Removed here, beside the other snippets, not in the fork server; most are left empty.
    try:
        os.rmdir(workdir)
    except OSError:
        shutil.rmtree(workdir, ignore_errors=True)
    os.write(status_w, json.dumps(record).encode("utf-8"))
    os._exit(code)


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def _end_like_the_interpreter() -> None:  # pragma: no cover - runs in the child
    """What ``Py_FinalizeEx`` does before a terminal shows the prompt again, in its order.

    Join non-daemon threads (after the callbacks ``threading._register_atexit`` holds, which
    shut down ``concurrent.futures`` executors), run ``atexit`` handlers, then
    multiprocessing's exit handling (its handler was registered when torch imported it,
    first, so it runs last), which joins processes nobody joined; flush the streams.
    """
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    multiprocessing_util = sys.modules.get("multiprocessing.util")
    if multiprocessing_util is not None:
        multiprocessing_util._exit_function()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


#: Audit events that change a file, and the positions of the paths they change.
_CHANGES = {
    "os.rename": (0, 1), "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.truncate": (0,),
    "os.symlink": (1,), "os.link": (1,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.move": (0, 1),
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _watch_files(root: str) -> tuple[set[str], set[str]]:  # pragma: no cover - runs in the child
    """Record, through an audit hook, the repository files this process reads and changes.

    Python-level only (``open``, ``os`` and ``shutil`` calls, which is what snippets use);
    a file a C library opens by itself, or another program changes, is not seen.
    """
    opened: set[str] = set()
    wrote: set[str] = set()
    prefix = root + os.sep

    def relative(path: object) -> str | None:
        if isinstance(path, int):
            return None
        text = os.fsdecode(path)  # type: ignore[arg-type]
        full = os.path.normpath(text if os.path.isabs(text) else os.path.join(os.getcwd(), text))
        return full[len(prefix):].replace(os.sep, "/") if full.startswith(prefix) else None

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event != "open" and event not in _CHANGES:
            return
        # A hook that raised would make the snippet's own call fail.
        with contextlib.suppress(Exception):
            if event == "open":
                path = relative(args[0])
                if path is not None:
                    (wrote if args[2] & _WRITE_FLAGS else opened).add(path)
            else:
                for index in _CHANGES[event]:
                    if index < len(args) and (path := relative(args[index])) is not None:
                        wrote.add(path)

    sys.addaudithook(hook)
    return opened, wrote


def _seed_every_device(seeds: set[int]) -> None:
    """Seed every device's generator here, once, when all of this fork server's jobs start from one seed.

    ``torch.manual_seed`` queues each accelerator's seeding until it initializes, recording
    the caller's stack as text each time (1-3 ms in a child, most of it pages copied for it).
    Done here, every child inherits the queued seeding, and resets only the CPU generator.
    The children's own seeding of ``random`` and numpy is cheap once ``numpy.random`` is
    loaded (:func:`prepare_parent`).
    """
    torch = sys.modules.get("torch")
    _SEEDED.clear()
    if torch is not None and len(seeds) == 1:
        (seed,) = seeds
        torch.manual_seed(seed)
        _SEEDED["torch"] = seed


@dataclass
class _ModuleNames:
    """Copies of the names in the fork server's ``sys.modules`` (:func:`_snapshot_modules`), in its order and as a set."""

    ordered: tuple[object, ...] = ()
    names: frozenset[object] = frozenset()


_MODULES = _ModuleNames()


def _snapshot_modules(root: Path) -> None:
    """Copy the names in this process's ``sys.modules`` (again, if it imported something since).

    A child finds the modules its snippet added (:func:`_new_modules`) without touching the
    original names: a reference count taken on one writes its page, which the kernel then
    copies (some 1,100 pages, ~3.5 ms, for ~2,000 names). The copies, made together, share
    few pages, and looking an original up reads it only.
    """
    if len(_MODULES.ordered) != len(sys.modules):
        _MODULES.ordered = tuple((name + ".")[:-1] if isinstance(name, str) else name for name in list(sys.modules))
        _MODULES.names = frozenset(_MODULES.ordered)
        # With the names, not once per run: a child adds only what it imported beyond these.
        _INHERITED.clear()
        _INHERITED.update(installed_modules(root))


def _new_modules() -> list[str]:  # pragma: no cover - runs in the child
    """The names in ``sys.modules`` that the fork server did not have, newest first.

    A dict keeps insertion order, and the child moved ``__main__`` to the end before its
    snippet ran: what was imported since lies after it, found from the end without reading
    the fork server's names (each read would take a reference, a write, and copy its page).
    That holds while none of those names was removed, as the count then shows (the fork
    server's, plus those after ``__main__``). Otherwise (or if ``__main__`` itself was taken
    out) the names still present are counted, each looked up by a copy, and the rest found
    from the end. Either way a name the fork server had, removed and imported again, is not new.
    """
    modules = sys.modules
    after_main: list[str] = []
    for name in reversed(modules):
        if name == "__main__":
            break
        after_main.append(name)
    if len(modules) == len(_MODULES.ordered) + len(after_main):
        return [name for name in after_main if name not in _MODULES.names]
    # In the fork server's order, so the originals are read roughly in the order they lie in memory.
    added = len(modules) - sum(map(modules.__contains__, _MODULES.ordered))
    new: list[str] = []
    if added > 0:
        for name in reversed(modules):
            if name not in _MODULES.names:
                new.append(name)
                if len(new) == added:
                    break
    return new


def installed_modules(root: Path, names: Iterable[str] | None = None) -> dict[str, str]:
    """Top-level modules (of ``names``, default all) loaded from an installation's site-packages, not the repository."""
    sites = tuple(folder + os.sep for folder in site_packages())
    repo = str(root) + os.sep
    found = {}
    for name in sorted(set(sys.modules if names is None else names)):
        if "." in name:
            continue
        file = getattr(sys.modules.get(name), "__dict__", {}).get("__file__")
        if isinstance(file, str) and file.startswith(sites) and not file.startswith(repo):
            found[name] = file
    return found


def _repo_file(file: str | None, root: Path) -> str | None:
    if not file:
        return None
    try:
        return Path(file).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _address_space() -> int:
    """This process's address space in bytes (``VmSize``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
