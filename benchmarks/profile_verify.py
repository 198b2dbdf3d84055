#!/usr/bin/env python3
"""Where a cold verify's CPU time goes, by process and by kind of work: the profile behind issue #15's figures.

``python benchmarks/verify_speed.py`` says how long things take; this says why. It copies
the project as that benchmark does (the site's snippets and copies of its snippet folders,
``--snippets`` in all), then runs one cold ``scripts/verify.py`` there while ``perf record``
samples every CPU with call graphs, and attributes each sample

* to a process: the supervisor (``verify.py`` itself, :mod:`verifier.supervise`), the
  verifier proper (its descendant that forks the most: the fork server, which imports torch
  before its first fork), the preloading fork server (the verifier's child that forks the
  most: it imports ``torch._dynamo`` and forks the snippets that need it), a snippet's
  process (any other descendant), the idle CPUs, or anything else on the machine;
* to a kind of work, by the kernel functions on its stack: ``fork`` (``copy_process``: the
  page table copied), ``copy-on-write`` (a shared page written, copied for the writer alone),
  ``other faults`` (file pages mapped, fresh pages zeroed), ``exit`` (the address space torn
  down), ``other syscalls``, and ``user`` (Python, torch and the rest of user space).

It prints CPU seconds and milliseconds per snippet for each, so that a change to the runner
can be weighed where its cost lands. Linux only; needs ``perf`` allowed to sample every CPU
(root, or ``kernel.perf_event_paranoid`` ≤ 0). Nothing here is timed against a target: the
targets live in ``verify_speed.py``.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import verify_speed
from verifier.project import VERIFIER_PARTS, copy_project

#: Samples a second on each CPU.
FREQUENCY = 2000
#: Kinds of work, each with the kernel functions that mark it (the first kind whose marker is on a stack wins).
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fork", ("copy_process",)),
    ("exit", ("do_exit", "do_group_exit")),
    ("copy-on-write", ("wp_page_copy", "do_wp_page", "do_huge_pmd_wp_page")),
    ("other faults", ("asm_exc_page_fault",)),
    ("other syscalls", ("entry_SYSCALL_64",)),
)
COLUMNS = (*(kind for kind, _ in KINDS), "user")
#: What a sample is attributed to, in the order printed (and the snippets' processes, counted, between them).
SUPERVISOR, PRELOADING = "supervisor (verify.py)", "preloading fork server"
IMPORTING, FORKING = "verifier: imports, before its first fork", "verifier: fork server, after it"
IDLE, ELSE = "idle CPUs", "anything else"
_SAMPLE = re.compile(r"^\s*\S.*?\s(\d+)/(\d+)\s+\[\d+\]\s+([\d.]+):")
_FORK = re.compile(r"PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)")


@dataclass
class Tally:
    """Samples of one role, by kind of work."""

    samples: collections.Counter[str] = field(default_factory=collections.Counter)

    def seconds(self, kind: str | None = None) -> float:
        return (sum(self.samples.values()) if kind is None else self.samples[kind]) / FREQUENCY


def kind_of(stack: list[str]) -> str:
    for kind, markers in KINDS:
        if any(frame.startswith(markers) for frame in stack):
            return kind
    return "user"


def record(project: Path, data: Path) -> tuple[int, float, float]:
    """Run a cold verify in ``project`` under ``perf record``: its pid, and when it started and ended (``time.monotonic``)."""
    shutil.rmtree(project / ".verify", ignore_errors=True)
    # Samples stamped with CLOCK_MONOTONIC, this process's time.monotonic(): the run's own span is known.
    perf = subprocess.Popen(["perf", "record", "-a", "-g", "-k", "CLOCK_MONOTONIC", "-F", str(FREQUENCY), "-o", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # perf maps its buffers on every CPU before it samples
    if perf.poll() is not None:
        sys.exit(f"perf record failed (it needs permission to sample every CPU):\n{perf.stderr.read() if perf.stderr else ''}")
    started = time.monotonic()
    verify = subprocess.Popen([sys.executable, "scripts/verify.py"], cwd=project, env=verify_speed.env_for(project),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, errors = verify.communicate()
    ended = time.monotonic()
    perf.send_signal(signal.SIGINT)
    perf.wait()
    if verify.returncode != 0:
        sys.exit(f"the verify run failed (exit {verify.returncode}):\n{errors}")
    return verify.pid, started, ended


def samples(data: Path) -> tuple[dict[int, int], list[tuple[int, float, list[str]]]]:
    """The forks perf saw (child → parent) and every sample as (pid, time, kernel and user symbols, leaf first)."""
    script = subprocess.run(["perf", "script", "-i", str(data), "--show-task-events", "-F", "comm,pid,tid,cpu,time,ip,sym"],
                            capture_output=True, text=True, check=True).stdout
    parents: dict[int, int] = {}
    found: list[tuple[int, float, list[str]]] = []
    current: tuple[int, float, list[str]] | None = None
    for line in script.splitlines():
        if fork := _FORK.search(line):
            if fork.group(1) != fork.group(2):  # not a thread
                parents[int(fork.group(1))] = int(fork.group(2))
        elif line.startswith(("\t", " " * 8)) and current is not None:
            parts = line.split(None, 1)
            current[2].append(parts[1].split("+")[0] if len(parts) > 1 else "?")
        elif sample := _SAMPLE.match(line):
            current = (int(sample.group(1)), float(sample.group(3)), [])
            found.append(current)
    return parents, found


def descendants_of(ancestor: int, parents: dict[int, int]) -> set[int]:
    """``ancestor`` and every process it started, and they started, that perf saw."""
    found = {ancestor}
    for child, parent in sorted(parents.items()):  # pids grow: a parent is seen before its children
        if parent in found:
            found.add(child)
    return found


def busiest(candidates: set[int], parents: dict[int, int]) -> int | None:
    """The one of ``candidates`` that forked the most, if it forked more than a snippet would (a fork server)."""
    forks = collections.Counter(parent for parent in parents.values() if parent in candidates)
    pid, count = max(forks.items(), key=lambda item: item[1], default=(None, 0))
    return pid if count > 2 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--snippets", type=int, default=500, help="snippets in the profiled project (default 500)")
    args = parser.parse_args()
    if shutil.which("perf") is None:
        sys.exit("needs Linux perf (apt-get install linux-perf)")
    with tempfile.TemporaryDirectory(prefix="verify-profile-") as folder:
        tmp = Path(folder)
        site = copy_project(verify_speed.ROOT, tmp / "site", VERIFIER_PARTS)
        project = verify_speed.scaled_copy(site, tmp / "scaled", args.snippets)
        count = len(verify_speed.claims(project))
        supervisor, started, ended = record(project, tmp / "perf.data")
        parents, found = samples(tmp / "perf.data")
    found = [sample for sample in found if started <= sample[1] <= ended]
    wall = ended - started

    verifier = busiest(descendants_of(supervisor, parents), parents)
    if verifier is None:
        sys.exit("perf saw no fork server in the run: was it allowed to sample every CPU?")
    preloading = busiest({pid for pid, parent in parents.items() if parent == verifier}, parents)
    snippet_processes = descendants_of(verifier, parents) - {verifier, preloading}
    first_fork = min((time_ for pid, time_, _ in found if pid in snippet_processes), default=float("inf"))
    snippets = f"snippet processes ({len(snippet_processes)})"
    roles: dict[int | None, str] = {supervisor: SUPERVISOR, preloading: PRELOADING, 0: IDLE,
                                    **dict.fromkeys(snippet_processes, snippets)}
    tallies = {role: Tally() for role in (SUPERVISOR, IMPORTING, FORKING, PRELOADING, snippets, IDLE, ELSE)}
    for pid, time_, stack in found:
        role = (IMPORTING if time_ < first_fork else FORKING) if pid == verifier else roles.get(pid, ELSE)
        tallies[role].samples["user" if role == IDLE else kind_of(stack)] += 1

    cpus = os.cpu_count() or 1
    print(f"cold verify of {count} snippets: {wall:.2f} s wall on {cpus} CPUs ({wall * cpus:.2f} CPU s); "
          f"perf at {FREQUENCY} Hz on every CPU")
    print(f"{'':44} {'CPU s':>6} {'ms/snippet':>10}  " + "  ".join(f"{column:>14}" for column in COLUMNS))
    for role, tally in tallies.items():
        if not tally.samples:
            continue
        shares = "  ".join(f"{tally.seconds(column) / tally.seconds():>13.0%} " if role != IDLE else f"{'':>14}"
                           for column in COLUMNS)
        print(f"{role:44} {tally.seconds():6.2f} {tally.seconds() * 1000 / count:10.2f}  {shares}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
