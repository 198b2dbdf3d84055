#!/usr/bin/env python3
"""Edit to served page under ``mkdocs serve``, as a ratio to ``import torch``.

In a temporary copy of the project (verifier cache warm, as an author's is), starts
``mkdocs serve``, waits for the first page, then ``--saves`` times: saves a snippet and its
``.out`` (an extra ``print`` and its line), and polls the served post every 20 ms until the
new line shows. Prints each save's time from the write to the page, and each step of the
rebuild as ``mkdocs serve`` logged it (verification, the build), then the median against a
fresh ``python -c "import torch"`` measured in the same run.

Target (issue #16): edit to served page ≤ 1.0× ``import torch``. Exits 1 if missed.
``python benchmarks/serve.py``; an otherwise idle machine gives the fairest figure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from timing import environment, timed
from verifier.project import SITE_PARTS, copy_project

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = "snippets/buffers/buffer_assign.py"
POST = "blog/2022/12/29/register-buffer-register-parameter/"
TARGET = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def wait_for(url: str, text: str, deadline_s: float) -> float:
    """Seconds until the page at ``url`` contains ``text``."""
    start = time.perf_counter()
    while time.perf_counter() - start < deadline_s:
        if text in fetch(url):
            return time.perf_counter() - start
        time.sleep(0.02)
    raise SystemExit(f"{url} did not show {text!r} within {deadline_s:.0f} s")


class Log:
    """``mkdocs serve``'s output, read as it comes: its rebuild steps are timed from it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[tuple[float, str]] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append((time.perf_counter(), line.rstrip()))

    def since(self, start: float) -> list[str]:
        return [line for stamp, line in list(self.lines) if stamp >= start]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=3)
    args = parser.parse_args()
    unit = statistics.median(
        timed([sys.executable, "-c", "import torch"]) for _ in range(3))
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        project = copy_project(ROOT, Path(tmp) / "project", SITE_PARTS)
        subprocess.run([sys.executable, "scripts/verify.py"], cwd=project, capture_output=True, check=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}/{POST}"
        serve = subprocess.Popen(["mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=project,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                 env=environment())
        log = Log(serve)
        try:
            wait_for(url, "nn.Buffer exists", 300)
            times = []
            for save in range(args.saves):
                time.sleep(1.5)  # past the watcher's debounce of the previous save
                marker = f"edit-{save}-{time.time_ns()}"
                source, expected = project / SNIPPET, (project / SNIPPET).with_suffix(".out")
                start = time.perf_counter()
                expected.write_text(expected.read_text() + f"{marker}\n")
                source.write_text(source.read_text() + f"print({marker!r})\n")
                times.append(wait_for(url, marker, 120))
                steps = [line for line in log.since(start) if re.search(r"passed|built in|Building|ERROR", line)]
                print(f"save {save + 1}: {times[-1]:.2f} s   " + " | ".join(s.split("-  ", 1)[-1] for s in steps))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(serve.pid, signal.SIGINT)
            try:
                serve.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
    median = statistics.median(times)
    ratio = median / unit
    print(f"import torch                  {unit:6.2f} s   1.00×")
    print(f"edit to served page (median)  {median:6.2f} s  {ratio:5.2f}×  target ≤ {TARGET}× "
          f"{'met' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
