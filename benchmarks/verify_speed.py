#!/usr/bin/env python3
"""How fast is verification, as ratios to ``import torch`` on this machine?

Prints, measured in one run:

* ``import torch``: a fresh ``python -c "import torch"`` (median of 3), the unit;
* cold verify: ``scripts/verify.py`` over every snippet with an empty cache;
* cached verify: the same command again, nothing changed;
* fresh interpreter per snippet: ``python <snippet>`` for every snippet, as a naive
  runner would, with as many at once as the verifier uses (the CPU count).

Targets (issue #2): cold ≤ 2.0×, cached ≤ 0.2×. The run works in a temporary copy of
the project so the real cache is left alone. Timings are wall-clock, so run it on an
otherwise idle machine: ``python benchmarks/verify_speed.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from verifier.project import VERIFIER_PARTS, copy_project
from verifier.report import Status, load

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"cold verify": 2.0, "cached verify": 0.2}


def timed(command: list[str], cwd: Path, must_pass: bool = False) -> float:
    """Wall-clock seconds of one command; a verify run that fails would time nothing real."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if must_pass and result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        project = copy_project(ROOT, Path(tmp), VERIFIER_PARTS)
        verify = [sys.executable, "scripts/verify.py"]
        snippets = sorted(p for p in (project / "snippets").rglob("*.py")
                          if not any(part.startswith(("_", ".")) for part in p.relative_to(project / "snippets").parts))

        unit = statistics.median(timed([sys.executable, "-c", "import torch"], project) for _ in range(3))
        results = {
            "cold verify": timed(verify, project, must_pass=True),
            "cached verify": timed(verify, project, must_pass=True),
        }
        report = load(project / ".verify" / "report.json")
        if not all(entry.cached for entry in report.entries if entry.status is Status.PASSED):
            sys.exit("the second verify run was not fully cached")
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(lambda p: timed([sys.executable, str(p)], p.parent), snippets))
        results["fresh interpreter per snippet"] = time.perf_counter() - start

    print(f"{len(snippets)} snippets, {os.cpu_count()} CPUs, {sys.executable}")
    print(f"{'import torch':32} {unit:7.2f} s   1.00×")
    failed = False
    for name, seconds in results.items():
        ratio = seconds / unit
        target = TARGETS.get(name)
        verdict = "" if target is None else (f"  target ≤ {target}× {'met' if ratio <= target else 'MISSED'}")
        failed |= target is not None and ratio > target
        print(f"{name:32} {seconds:7.2f} s {ratio:6.2f}×{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
