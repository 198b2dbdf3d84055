"""The second run's fork server: ``--twice`` and ``--update`` only.

A forked child keeps its parent's hash seed, so output that depends on it (a ``set`` of
strings, printed) would print the same in both runs and be recorded, while three terminal
runs print three orders. The second run therefore happens in a second fork server, a fresh
interpreter started with another ``PYTHONHASHSEED`` (:data:`.options.HASH_SEEDS`), which
imports torch while the first one does and runs the second attempt of every snippet
there. A plain run starts none.

The protocol is a JSON file (the jobs, with their source, and how many to run at once)
whose path is one line on the server's standard input (a line never fills the pipe, so the
verifier never waits for the server to read it), and one JSON line per outcome on a pipe
of its own, in the order they end. The server dies with the verifier (a parent-death signal); if it dies
first, every job it did not report ends as a crash naming it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .options import HASH_SEEDS
from .processes import die_with_parent
from .report import Ending
from .runner import PRIVATE_FDS, Job, Outcome, import_torch, prepare_parent, run_jobs
from .snippets import Settings

_BOOT = "import sys; sys.path[0] = sys.argv[1]; from verifier.server import main; main()"


class SecondRun:
    """The verifier's handle on the second fork server (a :class:`.runner.Remote`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        read, write = os.pipe2(os.O_CLOEXEC)
        scripts = str(Path(__file__).resolve().parent.parent)
        # Started before this process imports torch, so both imports overlap.
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, scripts, str(os.getpid()), str(write)],
            stdin=subprocess.PIPE, pass_fds=(write,), cwd=root,
            env={**os.environ, "PYTHONHASHSEED": HASH_SEEDS[1]})
        os.close(write)
        os.set_blocking(read, False)
        self.fd = read
        self.pid = self.process.pid
        self.done = False
        self.jobs: dict[tuple[str, int], Job] = {}
        self._request: Path | None = None
        self._buffer = bytearray()

    def submit(self, jobs: list[Job], workers: int, preload: list[str]) -> None:
        """Say what to run; it is sent when the run starts it (:meth:`start`)."""
        self.jobs = {(job.key, job.attempt): job for job in jobs}
        if not jobs:
            self.close()
            return
        fd, name = tempfile.mkstemp(prefix="verify-second-run-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as request:
            json.dump({
                "root": str(self.root), "workers": workers, "preload": preload,
                "jobs": [{"key": job.key, "path": str(job.path), "source": job.source.decode("utf-8"),
                          "settings": asdict(job.settings), "attempt": job.attempt} for job in jobs],
            }, request)
        self._request = Path(name)

    def start(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None and self._request is not None
        with contextlib.suppress(BrokenPipeError):
            stdin.write(os.fsencode(self._request) + b"\n")
            stdin.close()

    def read(self) -> list[Outcome]:
        """The outcomes that arrived; at the end of the stream, a crash for every job not reported."""
        outcomes = []
        while True:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                outcomes += self._lost()
                self.close()
                break
            self._buffer += chunk
        *lines, rest = self._buffer.split(b"\n")
        self._buffer = bytearray(rest)
        for line in lines:
            data = json.loads(line)
            outcomes.append(Outcome.from_json(data, self.jobs.pop((data["key"], data["attempt"]))))
        return outcomes

    def _lost(self) -> list[Outcome]:
        code = self.process.wait()
        how = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        return [Outcome(job=job, workdir=Path("/nonexistent"), ending=Ending.CRASHED,
                        detail=f"the second run's fork server ended ({how}) before this snippet's run ended")
                for job in self.jobs.values()]

    def resume_if_stopped(self) -> None:
        """A snippet may stop its parent (``SIGSTOP``): continue it, or the run would hang."""
        with contextlib.suppress(ChildProcessError):
            info = os.waitid(os.P_PID, self.pid, os.WSTOPPED | os.WNOHANG)
            if info is not None and info.si_code == os.CLD_STOPPED:
                os.kill(self.pid, signal.SIGCONT)

    def close(self) -> None:
        """End the server (if it still runs) and release its pipes."""
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
        """In a forked snippet process: drop the handles, which are the verifier's alone."""
        if self.done:
            return  # already closed: the numbers may belong to other pipes by now
        stdin = self.process.stdin
        for fd in (self.fd, stdin.fileno() if stdin is not None and not stdin.closed else -1):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)


def main() -> None:  # pragma: no cover - the server process; tests run it through the verifier
    """``python -c <_BOOT> <scripts> <verifier pid> <result fd>``: run the jobs read from stdin."""
    parent, result_fd = int(sys.argv[2]), int(sys.argv[3])
    if not die_with_parent(signal.SIGKILL, parent):
        os._exit(1)
    import_torch()  # first, while the verifier imports it too

    request: dict[str, Any] = json.loads(Path(os.fsdecode(sys.stdin.buffer.readline().rstrip(b"\n"))).read_bytes())
    root = Path(request["root"])
    prepare_parent(request["preload"])
    jobs = [Job(key=item["key"], path=Path(item["path"]), settings=Settings(**item["settings"]), attempt=item["attempt"],
                code=compile(item["source"].encode("utf-8"), item["path"], "exec", dont_inherit=True),
                source=item["source"].encode("utf-8"))
            for item in request["jobs"]]
    os.set_blocking(result_fd, True)
    os.set_inheritable(result_fd, False)
    PRIVATE_FDS.add(result_fd)
    for outcome in run_jobs(jobs, root, request["workers"]):
        data = json.dumps(outcome.to_json()).encode("utf-8") + b"\n"
        view = memoryview(data)
        while view:
            view = view[os.write(result_fd, view):]
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
