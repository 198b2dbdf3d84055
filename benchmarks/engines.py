#!/usr/bin/env python3
"""Build time of each site engine, side by side in one run.

Each engine builds the default (Korean) edition, the one every engine can build (README,
"Site engines"; MkDocs and ProperDocs by their own command, Zensical through
``scripts/build.py``, which verifies first as its hooks cannot), ``--runs`` times, the engines
interleaved so that machine load hits them alike, in one temporary copy of the project
whose verifier cache is warm (so the figure is the engine's, plus a cached verify). Prints
the median wall time of each and its ratio to MkDocs, the primary engine:
``python benchmarks/engines.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import environment, timed
from verifier.project import SITE_PARTS, copy_project

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "mkdocs": ["mkdocs", "build", "--strict", "-d", "{site}"],
    "properdocs": ["properdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", "{site}"],
    "zensical": [sys.executable, "scripts/build.py", "--engine", "zensical", "--site-dir", "{site}"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="engines-bench-") as tmp:
        project = copy_project(ROOT, Path(tmp) / "project", SITE_PARTS)
        subprocess.run([sys.executable, "scripts/verify.py"], cwd=project, capture_output=True, check=True)
        times: dict[str, list[float]] = {engine: [] for engine in COMMANDS}
        for run in range(args.runs):
            for engine, command in COMMANDS.items():
                site = str(Path(tmp) / f"site-{engine}-{run}")
                times[engine].append(timed([part.format(site=site) for part in command], project,
                                           environment()))
    unit = statistics.median(times["mkdocs"])
    print(f"median of {args.runs} interleaved builds each, warm verifier cache, {os.cpu_count()} CPUs")
    for engine, seconds in times.items():
        median = statistics.median(seconds)
        print(f"{engine:12} {median:6.2f} s  {median / unit:5.2f}× MkDocs   (runs: {', '.join(f'{s:.2f}' for s in seconds)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
