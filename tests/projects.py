"""Throwaway copies of the project for tests that run the verifier as a command.

A test writes the snippets it needs into a copy that holds only what the verifier reads
besides snippets (``scripts/`` and ``requirements.txt``), runs ``python scripts/verify.py``
there as its own process, exactly as a person or CI would, and inspects the exit status,
the printed text and the report (read through ``verifier.report``, as every reader does).
Nothing a test does can touch the real ``snippets/`` or ``.verify/``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from verifier.project import copy_project
from verifier.report import Entry, Report, load

ROOT = Path(__file__).resolve().parent.parent

#: The verifier's last line: ``N passed, N failed[, N skipped] · torch X · Python Y · Ts``.
SUMMARY = re.compile(r"^(?P<passed>\d+) passed, (?P<failed>\d+) failed(?:, (?P<skipped>\d+) skipped)? "
                     r"· torch (?P<torch>\S+) · Python (?P<python>\S+)")


@dataclass
class Run:
    """One finished ``scripts/verify.py`` process."""

    rc: int
    stdout: str
    stderr: str
    wall: float
    """Seconds from start to exit, measured around the process."""
    report: Report | None

    def entry(self, rel: str) -> Entry:
        """The report entry of ``rel`` (``snippets/...py``); fails the test if there is none."""
        assert self.report is not None, f"no report written (exit {self.rc}):\n{self.stdout}{self.stderr}"
        found = self.report.entry(rel)
        assert found is not None, f"{rel} not in the report: {[e.path for e in self.report.entries]}"
        return found

    @property
    def paths(self) -> list[str]:
        """The snippets the report lists, in its order."""
        assert self.report is not None, f"no report written (exit {self.rc}):\n{self.stdout}{self.stderr}"
        return [entry.path for entry in self.report.entries]

    def summary(self) -> re.Match[str]:
        last = self.stdout.rstrip("\n").rsplit("\n", 1)[-1]
        match = SUMMARY.match(last)
        assert match, f"last line is not the summary: {last!r}\n{self.stdout}{self.stderr}"
        return match


class Project:
    """A temporary project root with the verifier and whatever snippets a test writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        copy_project(ROOT, root, ("scripts", "requirements.txt"))
        (root / "snippets").mkdir()

    def write(self, rel: str, content: str | bytes) -> Path:
        """Write a file under the project root, creating folders; bytes are written as is."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    def snippet(self, name: str, source: str, out: str | bytes | None = None) -> str:
        """Write ``snippets/<name>.py`` and, unless ``out`` is None, its ``.out``; return its report path."""
        self.write(f"snippets/{name}.py", source)
        if out is not None:
            self.write(f"snippets/{name}.out", out)
        return f"snippets/{name}.py"

    def verify(self, *args: str, timeout: float = 120, env: Mapping[str, str | None] | None = None,
               report: Path | None = None) -> Run:
        """Run ``python scripts/verify.py <args>`` in the project and read the report it wrote.

        ``env`` adds variables to this process's environment; a None value removes one.

        Standard input is a pipe that stays open and silent for the whole run: a verifier
        that let a snippet read it would hang there until the snippet's deadline.
        """
        report = report or self.root / ".verify" / "report.json"
        report.unlink(missing_ok=True)
        environ = {**os.environ, **(env or {})}
        stdin_r, stdin_w = os.pipe()
        started = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "scripts/verify.py", *args], cwd=self.root, stdin=stdin_r,
                                  capture_output=True, text=True, timeout=timeout,
                                  env={key: value for key, value in environ.items() if value is not None})
        finally:
            os.close(stdin_r)
            os.close(stdin_w)
        wall = time.monotonic() - started
        return Run(proc.returncode, proc.stdout, proc.stderr, wall, load(report) if report.exists() else None)

    def tree(self) -> dict[str, str]:
        """Every file and folder under the root with a digest of its bytes.

        Left out: what the verifier itself owns (``.verify/``) and the bytecode Python
        writes for the verifier's own modules; anything else that appears came from a snippet.
        """
        found: dict[str, str] = {}
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if rel.startswith((".verify", "scripts/verifier/__pycache__")):
                continue
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
        return found


def tree_digest(folder: Path) -> str:
    """Every path and file under ``folder``: equal digests, nothing there changed (a refused build left ``site/`` alone)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def alive(pid: int) -> bool:
    """Running (or stopped): not gone, not a zombie waiting for a parent that does not reap."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in (b"Z", b"X")
