#!/usr/bin/env python3
"""Verify every snippet against the installed torch; the exit status gates publishing.

Usage: ``python scripts/verify.py [paths...] [-k PATTERN] [--update] [--twice]``.
See ``python scripts/verify.py --help`` and the README.
"""

import os
import sys
from pathlib import Path

from verifier.cli import main

if __name__ == "__main__":
    # The hash seed can only be fixed when an interpreter starts, and forked children
    # inherit it; so the command re-executes itself once with a fixed seed first.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    status = main(Path(__file__).resolve().parent.parent)
    # Skip interpreter teardown: with torch imported it takes a few hundred milliseconds
    # and does nothing we need (the report and cache are already written and closed).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
