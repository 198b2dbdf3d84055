"""How every benchmark here runs and times a command: one whole process, wall clock, in one environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path


def environment(**extra: str) -> dict[str, str]:
    """This process's environment with ``extra``, and without MkDocs' end-of-life banner (``NO_MKDOCS_2_WARNING``)."""
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", **extra}


def timed(command: list[str], cwd: Path | None = None, env: Mapping[str, str] | None = None,
          must_pass: bool = True) -> float:
    """Wall-clock seconds of ``command`` run to its end; one that fails would time nothing real, so it ends the benchmark."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if must_pass and result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {cwd or Path.cwd()} (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return elapsed
