"""The verifier as a site build starts it and waits for it: always as its own process.

Forking inside a site engine's process is unsafe (``mkdocs serve`` runs threads), and the
verifier's isolation depends on its own fork server; so a build runs
``python scripts/verify.py`` as a process and reads the report it writes. Two ways:

* :func:`start`: one plain run per build (``mkdocs build``), started as early as the
  build allows so that its ``import torch`` overlaps the engine's own start;
* :class:`Warm`: one ``verify.py --serve`` process for a whole ``mkdocs serve`` session,
  with torch imported once; each build asks it for a run (:mod:`.serve`).

Either way the wait is bounded by :func:`.supervise.run_bound` plus :data:`WAIT_SLACK_S`,
beyond the verifier's own bound, in case the verifier itself is stuck; a run that ends
with :data:`.options.EXIT_CHANGED` (a source was saved during it) is run again, up to
:data:`RERUNS` times. Standard library only.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .options import EXIT_CHANGED, EXIT_OVERTIME
from .serve import DONE
from .supervise import GRACE_S, run_bound

#: Seconds a build waits beyond the verifier's own bound before it ends the verifier itself.
WAIT_SLACK_S = 30.0
#: Runs again when a source changed during a run (an author saving while it ran).
RERUNS = 2


@dataclass(frozen=True)
class Result:
    """How one verification ended."""

    status: int
    """The exit status of ``verify.py`` (:mod:`.options`), or what ``--serve`` printed for the run."""
    output: str
    """Everything it printed, standard error included: the build's log, or its error."""


class _Lines:
    """A process's output line by line, read by a thread so that neither side blocks."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def next(self, deadline: float) -> str | None:
        """The next line; None at the end of output. :class:`TimeoutError` past ``deadline``."""
        try:
            return self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None


def _spawn(root: Path, arguments: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(root / "scripts" / "verify.py"), *arguments], cwd=root,
                            stdin=subprocess.PIPE if "--serve" in arguments else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                            errors="replace")


def _end(process: subprocess.Popen[str]) -> None:
    """End the verifier's supervisor, which ends everything the run started (SIGTERM, then SIGKILL)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(GRACE_S + 5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _read(lines: _Lines, bound: float) -> tuple[str, int | None]:
    """Output until its end, or until a ``--serve`` run's :data:`DONE` line (with that run's
    status); :class:`TimeoutError` past ``bound`` seconds."""
    deadline = time.monotonic() + bound
    output: list[str] = []
    while (line := lines.next(deadline)) is not None:
        if line.startswith(DONE):
            return "".join(output), int(line.removeprefix(DONE))
        output.append(line)
    return "".join(output), None


def _settled(run_once: Callable[[], Result], again: Callable[[], None]) -> Result:
    """``run_once``'s result; while it is :data:`EXIT_CHANGED` (a source changed during the run),
    ``again`` asks for another run, :data:`RERUNS` times at most."""
    result = run_once()
    for _ in range(RERUNS):
        if result.status != EXIT_CHANGED:
            break
        again()
        result = run_once()
    return result


def _overtime(bound: float) -> Result:
    return Result(EXIT_OVERTIME, f"error: the verifier did not answer within {bound:.0f} s; it was ended, "
                                 "with every process it started")


class Run:
    """One plain ``verify.py`` run in flight (:func:`start`)."""

    def __init__(self, root: Path, report: Path) -> None:
        self.root, self.report = root, report
        self._result: Result | None = None
        self._start()

    def _start(self) -> None:
        self._process = _spawn(self.root, ["--report", str(self.report)])
        self._lines = _Lines(self._process)

    def wait(self) -> Result:
        """Its result, once; later calls return the same result. Runs again after :data:`EXIT_CHANGED`."""
        if self._result is None:
            self._result = _settled(self._wait_once, self._start)
        return self._result

    def _wait_once(self) -> Result:
        bound = run_bound(self.root) + WAIT_SLACK_S
        try:
            output, _ = _read(self._lines, bound)
        except TimeoutError:
            _end(self._process)
            return _overtime(bound)
        return Result(self._process.wait(), output)

    def cancel(self) -> None:
        """End it if it still runs (the build failed before it needed the report)."""
        _end(self._process)


def start(root: Path, report: Path) -> Run:
    """Start ``python scripts/verify.py --report <report>`` now; :meth:`Run.wait` for it later."""
    return Run(root, report)


class Warm:
    """One ``verify.py --serve`` process (:mod:`.serve`), asked for a run by each build of a session."""

    def __init__(self, root: Path, report: Path) -> None:
        self.root, self.report = root, report
        self._process: subprocess.Popen[str] | None = None
        self._lines: _Lines | None = None
        self._in_flight = False

    def request(self) -> WarmRun:
        """Ask for a run now (starting the process on first use); :meth:`WarmRun.wait` for it later."""
        self._finish_previous()
        if self._process is None or self._process.poll() is not None:
            self._process = _spawn(self.root, ["--serve", "--report", str(self.report)])
            self._lines = _Lines(self._process)
        self._send()
        return WarmRun(self)

    def _send(self) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write("verify\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            pass  # it ended: the wait reads its last words and the end of its output
        self._in_flight = True

    def _finish_previous(self) -> None:
        """A run a failed build never waited for is drained first: one run at a time."""
        if self._in_flight:
            self._wait_once()

    def _wait_once(self) -> Result:
        assert self._process is not None and self._lines is not None
        bound = run_bound(self.root) + WAIT_SLACK_S
        self._in_flight = False
        try:
            output, status = _read(self._lines, bound)
        except TimeoutError:
            self.close()
            return _overtime(bound)
        if status is not None:
            return Result(status, output)
        # It ended without finishing the run (killed, or a crash): the next request starts another.
        ended = self._process.wait()
        return Result(ended or 1, output + f"error: the serving verifier ended (exit status {ended})\n")

    def close(self) -> None:
        """End the session: end of input ends the verifier; past its grace, it is ended."""
        process, self._process, self._in_flight = self._process, None, False
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        try:
            process.wait(GRACE_S)
        except subprocess.TimeoutExpired:
            _end(process)


class WarmRun:
    """One run of a :class:`Warm` verifier in flight."""

    def __init__(self, warm: Warm) -> None:
        self._warm = warm
        self._result: Result | None = None

    def wait(self) -> Result:
        if self._result is None:
            self._result = _settled(self._warm._wait_once, self._warm._send)
        return self._result

    def cancel(self) -> None:
        """Nothing to end: the next request waits for this run first."""
