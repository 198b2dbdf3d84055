"""Run snippets in forked children of one process that imported torch once.

Why fork: a fresh interpreter per snippet pays ``import torch`` (seconds) every time;
a forked child starts in milliseconds with torch already imported, and still gets a
private copy of every module, hook, seed and global: nothing a snippet changes can
reach another snippet, because each child's memory dies with it.

Hazards handled here, each measured on torch 2.x:

* a forked child hangs forever in an OpenMP-parallel op if the parent ran one before
  forking, so the parent calls ``torch.set_num_threads(1)`` before anything else;
* forked children inherit the parent's RNG state, so every child reseeds: the first run
  of a snippet from ``SEED`` (``random``, numpy, torch), the same for every snippet; the
  second run of ``--twice``/``--update`` from another seed. The seeds are a safety net,
  not a dependency: a snippet that relies on them instead of seeding itself, visibly,
  prints differently in its second run and is reported as non-deterministic, so its
  output is never recorded (a reader's ``python <snippet>`` would not reproduce it);
* a hang, crash, memory bomb or output flood must end the child, not the runner:
  each child gets its own process group, a wall-clock deadline, an address-space limit,
  an output cap, ``/dev/null`` as stdin and a throwaway working directory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback
import types
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .report import Ending
from .snippets import Settings

SEED = 0
_READ_CHUNK = 65536


@dataclass(frozen=True)
class Job:
    """One execution of one snippet (a ``--twice`` run schedules two jobs per snippet)."""

    key: str
    """Snippet path relative to the root; also the name it is reported under."""
    path: Path
    code: types.CodeType
    settings: Settings
    attempt: int = 0


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


def prepare_parent(preload: list[str]) -> None:
    """Make this process a safe fork server: single-threaded torch, preloaded modules.

    ``preload`` names heavy modules that snippets would otherwise each import in their
    child (``torch._dynamo`` costs ~1.9 s and is imported by the first optimizer): one
    import here serves every child. A module this torch lacks (torch 1.13 has no
    ``torch._dynamo``) is simply not preloaded.
    """
    import importlib
    import importlib.util

    import torch

    torch.set_num_threads(1)
    for name in preload:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def available_devices() -> list[str]:
    """Devices this process can run snippets on; ``cpu`` and ``meta`` always."""
    import torch

    devices = ["cpu", "meta"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def run_jobs(jobs: list[Job], root: Path, workers: int) -> Iterator[Outcome]:
    """Run ``jobs`` with at most ``workers`` children at once, yielding outcomes as they end."""
    pending = deque(jobs)
    running: dict[int, _Running] = {}
    selector = selectors.DefaultSelector()
    try:
        while pending or running:
            while pending and len(running) < workers:
                child = _start(pending.popleft(), root, running)
                running[child.pid] = child
                selector.register(child.out_fd, selectors.EVENT_READ, child)
                selector.register(child.status_fd, selectors.EVENT_READ, child)
                selector.register(child.pid_fd, selectors.EVENT_READ, child)
            now = time.monotonic()
            wait = max(0.0, min(c.deadline for c in running.values()) - now)
            for key, _ in selector.select(timeout=min(wait, 1.0)):
                child = key.data
                if key.fd == child.pid_fd:
                    child.exited = True
                else:
                    child.drain(key.fd, selector)
            now = time.monotonic()
            for child in list(running.values()):
                if child.outcome.ending is Ending.FLOOD or child.exited or now >= child.deadline:
                    if not child.exited and child.outcome.ending is not Ending.FLOOD:
                        child.outcome.ending = Ending.TIMEOUT
                        child.outcome.detail = f"did not finish within {child.job.settings.timeout:g} s"
                    yield child.finish(selector)
                    del running[child.pid]
    finally:
        for child in running.values():
            child.finish(selector)
        selector.close()


class _Running:
    """Bookkeeping for one live child: its pipes, deadline and collected output."""

    def __init__(self, job: Job, pid: int, out_fd: int, status_fd: int, workdir: Path, started: float) -> None:
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
        self.outcome = Outcome(job=job, workdir=workdir)
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

    def finish(self, selector: selectors.BaseSelector) -> Outcome:
        """Kill what is left of the child's process group, reap it, and build the outcome."""
        _kill_group(self.pid)
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
        if outcome.ending is Ending.FINISHED:
            _interpret_exit(outcome, status, bytes(self.status))
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


def _kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()


def _start(job: Job, root: Path, running: dict[int, _Running]) -> _Running:
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    status_r, status_w = os.pipe2(os.O_CLOEXEC)
    workdir = Path(tempfile.mkdtemp(prefix="verify-"))
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        try:
            for other in running.values():
                for fd in (*other.open_fds, other.pid_fd):
                    os.close(fd)
            os.close(out_r)
            os.close(status_r)
            _child(job, root, out_w, status_w, workdir)
        finally:
            os._exit(70)
    with contextlib.suppress(PermissionError, ProcessLookupError):
        os.setpgid(pid, pid)  # also done in the child: whichever runs first wins the race
    os.close(out_w)
    os.close(status_w)
    os.set_blocking(out_r, False)
    os.set_blocking(status_r, False)
    return _Running(job, pid, out_r, status_r, workdir, started)


def _child(job: Job, root: Path, out_w: int, status_w: int, workdir: Path) -> None:  # pragma: no cover
    """Become ``python <snippet>`` as a reader would run it, then report how it ended."""
    import atexit
    import random
    import resource

    os.setpgid(0, 0)
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
    limit = _address_space() + job.settings.memory * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.chdir(workdir)
    # Importing a helper beside the snippet must not write a __pycache__ into the repo.
    sys.dont_write_bytecode = True

    seed = SEED + job.attempt  # see the module docstring: run 2 must not share run 1's seed
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)

    # Inherited atexit handlers are torch's own cleanup (~30 ms per child, printing
    # nothing); only handlers the snippet registers run, as a terminal would show them.
    atexit._clear()
    before = set(sys.modules)
    main = types.ModuleType("__main__")
    main.__file__ = str(job.path)
    main.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main
    sys.argv = [str(job.path)]
    sys.path[0] = str(job.path.parent)

    ending, code, memory_error, raised_at = Ending.FINISHED, 0, False, ""
    try:
        exec(job.code, main.__dict__)
    except SystemExit as exc:
        ending = Ending.EXITED
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException as exc:
        ending, code = Ending.RAISED, 1
        memory_error = isinstance(exc, MemoryError) or "can't allocate memory" in str(exc)
        lines = [line for frame, line in traceback.walk_tb(exc.__traceback__) if frame.f_code.co_filename == main.__file__]
        if lines:
            raised_at = f"{type(exc).__name__} at {job.key}:{lines[-1]}"
        traceback.print_exception(exc)
    atexit._run_exitfuncs()
    imports = sorted(
        path for name in set(sys.modules) - before
        if (path := _repo_file(getattr(sys.modules[name], "__file__", None), root)) is not None
    )
    record = {"ending": ending, "memory_error": memory_error, "imports": imports, "raised_at": raised_at}
    os.write(status_w, json.dumps(record).encode("utf-8"))
    os._exit(code)


def _repo_file(file: str | None, root: Path) -> str | None:
    if not file:
        return None
    try:
        return Path(file).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
