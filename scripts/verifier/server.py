"""Fork servers besides the verifier itself: the second run's, and the one that preloads.

**The second run's** (``--twice`` and ``--update`` only). A forked child keeps its parent's
hash seed, so output that depends on it (a ``set`` of strings, printed) would print the
same in both runs and be recorded, while three terminal runs print three orders. The second
run therefore happens in a second fork server, a fresh interpreter started with another
``PYTHONHASHSEED`` (:data:`.options.HASH_SEEDS`), which imports torch while the first one
does and runs the second attempt of every snippet there (:class:`SecondRun`). A plain run
starts none.

**The preloading one.** A snippet's first optimizer imports ``torch._dynamo`` (~0.6 s). When
several snippets of a run need such a module (:attr:`.runner.Job.needs`), one import serves
them all; but imported by the fork server itself, it would hold up every other snippet (a
fork server forks nothing while it imports) and make each of their forks and exits slower (a
larger process to copy and tear down). So a fork server with two workers or more forks a
copy of itself (:class:`Preloaded`) that imports those modules while it runs the other
snippets, then forks the snippets that need them, with half the workers. With one worker,
the fork server imports them itself (:func:`hand_off_preloads`).

Both report to the process that started them in the same way: one JSON line per outcome on
a pipe of their own, in the order the runs end (:func:`serve`). The second run's server
reads its jobs from a JSON file (the jobs, with their source, and how many to run at once)
whose path is one line on its standard input (a line never fills the pipe, so the verifier
never waits for the server to read it); the preloading one inherits them. Each dies with the
process that started it (a parent-death signal); if it dies first, every job it did not
report ends as a crash naming it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import allocator
from .options import HASH_SEEDS
from .processes import become_subreaper, die_with_parent
from .report import Ending
from .runner import PRIVATE_FDS, Job, Outcome, Remote, fork_sharing_objects, import_torch, preload, prepare_parent, run_jobs
from .snippets import Settings

_BOOT = "import sys; sys.path[0] = sys.argv[1]; from verifier.server import main; main()"


class _Server:
    """What every other fork server shares as a :class:`.runner.Remote`: reading its outcomes."""

    #: Names the server in the crash of a job it did not report.
    name = "another fork server"

    def __init__(self, workers: int) -> None:
        self.fd = -1
        self.pid = -1
        self.done = False
        self.workers = workers
        self.jobs: dict[tuple[str, int], Job] = {}
        self._buffer = bytearray()

    def read(self) -> list[Outcome]:
        """The outcomes that arrived; at the end of the stream, a crash for every job not reported."""
        outcomes = []
        ended = False
        while not ended:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            ended = not chunk
            self._buffer += chunk
        *lines, rest = self._buffer.split(b"\n")
        self._buffer = bytearray(rest)
        for line in lines:
            data = json.loads(line)
            outcomes.append(Outcome.from_json(data, self.jobs.pop((data["key"], data["attempt"]))))
        if ended:  # only now: the last lines before the end name jobs that did end
            outcomes += self._lost()
            self.close()
        return outcomes

    def _lost(self) -> list[Outcome]:
        code = self._wait()
        how = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        return [Outcome(job=job, workdir=Path("/nonexistent"), ending=Ending.CRASHED,
                        detail=f"{self.name} ended ({how}) before this snippet's run ended")
                for job in self.jobs.values()]

    def _wait(self) -> int:
        """Reap the server; its exit status, or minus the signal that killed it."""
        raise NotImplementedError

    def close(self) -> None:
        """End the server (if it still runs), reap it and release its pipes."""
        raise NotImplementedError

    def resume_if_stopped(self) -> None:
        """A snippet may stop its parent (``SIGSTOP``): continue it, or the run would hang."""
        with contextlib.suppress(ChildProcessError):
            info = os.waitid(os.P_PID, self.pid, os.WSTOPPED | os.WNOHANG)
            if info is not None and info.si_code == os.CLD_STOPPED:
                os.kill(self.pid, signal.SIGCONT)

    def close_in_child(self) -> None:
        """In a forked process: drop the handles, which are this process's alone."""
        if not self.done:  # once closed, the numbers may belong to other pipes
            with contextlib.suppress(OSError):
                os.close(self.fd)


class SecondRun(_Server):
    """The verifier's handle on the second run's fork server, a fresh interpreter."""

    name = "the second run's fork server"

    def __init__(self, root: Path) -> None:
        super().__init__(workers=1)
        self.root = root
        read, write = os.pipe2(os.O_CLOEXEC)
        scripts = str(Path(__file__).resolve().parent.parent)
        # Started before this process imports torch, so both imports overlap.
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, scripts, str(os.getpid()), str(write)],
            stdin=subprocess.PIPE, pass_fds=(write,), cwd=root,
            env=allocator.tuned({**os.environ, "PYTHONHASHSEED": HASH_SEEDS[1]}))
        os.close(write)
        os.set_blocking(read, False)
        self.fd = read
        self.pid = self.process.pid
        self._request: Path | None = None

    def submit(self, jobs: list[Job], workers: int) -> None:
        """Say what to run, ``workers`` at once; it is sent when the run starts it (:meth:`start`)."""
        self.jobs = {(job.key, job.attempt): job for job in jobs}
        self.workers = workers
        if not jobs:
            self.close()
            return
        fd, name = tempfile.mkstemp(prefix="verify-second-run-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as request:
            json.dump({
                "root": str(self.root), "workers": workers,
                "jobs": [{"key": job.key, "path": str(job.path), "source": job.source.decode("utf-8"),
                          "settings": asdict(job.settings), "attempt": job.attempt, "needs": job.needs} for job in jobs],
            }, request)
        self._request = Path(name)

    def hand_over(self) -> None:
        """Its share stays what it was: half the workers, for the second run of every snippet."""

    def start(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None and self._request is not None
        with contextlib.suppress(BrokenPipeError):
            stdin.write(os.fsencode(self._request) + b"\n")
            stdin.close()

    def _wait(self) -> int:
        return self.process.wait()

    def close(self) -> None:
        if self.done:
            return
        self.done = True
        if self._request is not None:
            self._request.unlink(missing_ok=True)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait()
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def close_in_child(self) -> None:
        stdin = self.process.stdin
        if not self.done and stdin is not None and not stdin.closed:
            with contextlib.suppress(OSError):
                os.close(stdin.fileno())
        super().close_in_child()


class Preloaded(_Server):
    """A fork of this fork server that imports what ``jobs`` need, then runs them, ``workers`` at once.

    It starts when it is made, so its imports overlap whatever this process does until the
    run starts; ``others`` are this process's other servers, whose handles it closes. Once
    this process has no jobs left (:meth:`hand_over`), ``lent`` more run there at once.
    """

    def __init__(self, root: Path, jobs: list[Job], workers: int, lent: int, others: Sequence[Remote]) -> None:
        super().__init__(workers)
        self.jobs = {(job.key, job.attempt): job for job in jobs}
        modules = sorted({module for job in jobs for module in job.needs})
        self.name = f"the fork server that preloaded {', '.join(modules)}"
        self._status: int | None = None
        read, write = os.pipe2(os.O_CLOEXEC)
        # This end is closed by hand_over(): at the end of input there, the server may use `lent` more workers.
        handed, self._handing = os.pipe2(os.O_CLOEXEC)
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = fork_sharing_objects()
        if pid == 0:  # pragma: no cover - the server process, which never returns
            try:
                os.close(read)
                os.close(self._handing)
                for other in others:
                    other.close_in_child()
                if die_with_parent(signal.SIGKILL, parent):
                    # The verifier's handlers raise to end its run; this server just ends (its children with it).
                    for sig in (signal.SIGTERM, signal.SIGHUP):
                        signal.signal(sig, signal.SIG_DFL)
                    become_subreaper()  # not inherited through fork
                    for fd in PRIVATE_FDS:  # its parent's result pipe, if its parent is a server too
                        os.close(fd)
                    PRIVATE_FDS.clear()
                    PRIVATE_FDS.add(handed)
                    preload(modules)
                    serve(jobs, root, workers, write, handed_over=(handed, lent))
            finally:
                os._exit(70)
        os.close(write)
        os.close(handed)
        os.set_blocking(read, False)
        self.fd = read
        self.pid = pid

    def start(self) -> None:
        """Nothing to send: it was forked with its jobs."""

    def hand_over(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._handing)
        self._handing = -1

    def _wait(self) -> int:
        if self._status is None:
            _, status = os.waitpid(self.pid, 0)
            self._status = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return self._status

    def close(self) -> None:
        if self.done:
            return
        self.done = True
        if self._status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._wait()
        self.hand_over()
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def close_in_child(self) -> None:
        if not self.done and self._handing >= 0:  # a snippet holding it would keep the server from ever being handed over
            with contextlib.suppress(OSError):
                os.close(self._handing)
        super().close_in_child()


def hand_off_preloads(jobs: list[Job], root: Path, workers: int, others: Sequence[Remote]) -> tuple[list[Job], Preloaded | None]:
    """The jobs this fork server runs itself, and the :class:`Preloaded` server that runs the rest.

    Jobs that need modules this process has not imported go to a preloading server when
    there are other jobs to run meanwhile and two workers or more to share; otherwise the
    modules are imported here (and None is returned).
    """
    needing = [job for job in jobs if any(module not in sys.modules for module in job.needs)]
    rest = [job for job in jobs if not any(module not in sys.modules for module in job.needs)]
    if not needing:
        return jobs, None
    if workers < 2 or not rest:
        preload(sorted({module for job in needing for module in job.needs}))
        return jobs, None
    return rest, Preloaded(root, needing, workers // 2, workers - workers // 2, others)


def serve(jobs: list[Job], root: Path, workers: int, result_fd: int, remotes: Sequence[Remote] = (),
          handed_over: tuple[int, int] | None = None) -> None:  # pragma: no cover
    """Run ``jobs`` (and ``remotes``), write each outcome to ``result_fd`` as one JSON line as it ends, and exit.

    ``handed_over`` is :func:`.runner.run_jobs`' own.
    """
    os.set_blocking(result_fd, True)
    os.set_inheritable(result_fd, False)
    PRIVATE_FDS.add(result_fd)
    for outcome in run_jobs(jobs, root, workers, remotes, handed_over=handed_over):
        data = json.dumps(outcome.to_json()).encode("utf-8") + b"\n"
        view = memoryview(data)
        while view:
            view = view[os.write(result_fd, view):]
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main() -> None:  # pragma: no cover - the server process; tests run it through the verifier
    """``python -c <_BOOT> <scripts> <verifier pid> <result fd>``: run the jobs read from stdin."""
    allocator.restore()
    parent, result_fd = int(sys.argv[2]), int(sys.argv[3])
    if not die_with_parent(signal.SIGKILL, parent):
        os._exit(1)
    PRIVATE_FDS.add(result_fd)  # before a preloading server is forked: it must not hold it
    import_torch()  # first, while the verifier imports it too

    request: dict[str, Any] = json.loads(Path(os.fsdecode(sys.stdin.buffer.readline().rstrip(b"\n"))).read_bytes())
    root = Path(request["root"])
    prepare_parent()
    jobs = [Job(key=item["key"], path=Path(item["path"]), settings=Settings(**item["settings"]), attempt=item["attempt"],
                code=compile(item["source"].encode("utf-8"), item["path"], "exec", dont_inherit=True),
                source=item["source"].encode("utf-8"), needs=tuple(item["needs"]))
            for item in request["jobs"]]
    jobs, preloaded = hand_off_preloads(jobs, root, request["workers"], ())
    serve(jobs, root, request["workers"], result_fd, [preloaded] if preloaded is not None else [])
