#!/usr/bin/env python3
"""Verify every snippet against the installed torch; the exit status gates publishing.

Usage: ``python scripts/verify.py [paths...] [-k PATTERN] [--update] [--twice]``.
See ``python scripts/verify.py --help`` (it lists the exit statuses) and the README.

The command runs as two processes: a small supervisor (:mod:`verifier.supervise`: a
bound on the whole run, signals, nothing left behind) and, as its child, the verifier
proper (:mod:`verifier.cli`) with ``PYTHONHASHSEED=0``, which a forked child inherits
and cannot change.
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    from verifier.supervise import SUPERVISOR_ENV

    supervisor = os.environ.pop(SUPERVISOR_ENV, None)
    if supervisor is None or supervisor != str(os.getppid()):
        from verifier.supervise import main as supervise

        sys.exit(supervise(Path(__file__), sys.argv[1:]))

    import signal

    from verifier import allocator

    allocator.restore()  # before anything could start a process: they get the environment as given
    from verifier.cli import main
    from verifier.processes import die_with_parent

    # If the supervisor dies (however), end the run as after a SIGTERM: children first.
    if not die_with_parent(signal.SIGTERM, int(supervisor)):
        sys.exit(128 + signal.SIGTERM)
    status = main(Path(__file__).resolve().parent.parent)
    # Skip interpreter teardown: with torch imported it takes a few hundred milliseconds
    # and does nothing we need (the report and cache are already written and closed).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
