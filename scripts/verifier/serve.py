"""``python scripts/verify.py --serve``: a warm verifier for ``mkdocs serve``.

A plain run spends most of its time importing torch; under ``mkdocs serve`` an author
saves one snippet and waits for that import on every save. With ``--serve`` the verifier
proper imports torch once and then, for each line it reads on standard input, does
exactly what a plain run does (the same cache, the same forked children, the same report
at ``--report``) and prints its usual output followed by one line :data:`DONE` with the
run's exit status. So the site build still talks to the verifier only through a process
and a file: it writes a line, waits for :data:`DONE`, and reads the report.

* End of input ends it: the build closes the pipe (or dies, which closes it too), and
  the verifier exits; its supervisor (:mod:`.supervise`, with no bound on the whole
  session, as a session has no end) ends whatever is left. Each run's own bound is the
  caller's to keep (:func:`.supervise.run_bound`; :mod:`.client` keeps it).
* It restarts itself (``execv``, the same command line) before a run when an installed
  package it imported (torch, numpy, ...), the Python executable, or the verifier's own
  source changed since: a warm process would otherwise verify against the torch it
  imported, not the one installed (a plain run keys its cache on the versions installed).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from . import allocator
from .report import verifier_digest
from .runner import installed_modules, prepare_parent
from .supervise import SUPERVISOR_ENV
from .watch import Stamp, stamp_of

#: The line that ends each run's output: ``verify.py --serve: exit status N``.
DONE = "verify.py --serve: exit status "
#: Hidden option a restarted verifier gets: run at once, for the request its predecessor read.
PENDING = "--serve-pending"


def serve(root: Path, args: argparse.Namespace, verify: Callable[[Path, argparse.Namespace], int]) -> int:
    """Run ``verify`` once per line of standard input until it ends; 0 at the end of input."""
    started_with = restart_key()
    imported: dict[str, Stamp | None] = {}
    pending = bool(args.serve_pending)
    while True:
        if not pending:
            if not sys.stdin.readline():
                return 0
            if restart_key() != started_with or any(stamp_of(file) != stamp for file, stamp in imported.items()):
                _restart()
        pending = False
        status = verify(root, args)
        print(f"{DONE}{status}", flush=True)
        sys.stderr.flush()
        # A session's first run is mostly cached (torch never imported): import it now, between
        # runs, so the first edit does not wait for it.
        prepare_parent()
        for file in installed_modules(root).values():
            imported.setdefault(file, stamp_of(file))  # as it was when imported (an upgrade rewrites it)


def restart_key() -> tuple[object, ...]:
    """What a warm verifier must not outlive besides the packages it imported: the Python
    executable, and the verifier's own source (``scripts/verify.py`` included)."""
    script = Path(sys.argv[0]).resolve()
    script_digest = hashlib.sha256(script.read_bytes()).hexdigest() if script.is_file() else ""
    return stamp_of(os.path.realpath(sys.executable)), verifier_digest(), script_digest


def _restart() -> None:
    print("verify.py --serve: a package it imported, Python or the verifier changed since it started; restarting",
          flush=True)
    sys.stderr.flush()
    # verify.py takes both out of its environment once it trusts it; the new image must find them again.
    env = allocator.tuned({**os.environ, SUPERVISOR_ENV: str(os.getppid())})
    argv = [a for a in sys.argv if a != PENDING]
    os.execve(sys.executable, [sys.executable, *argv, PENDING], env)
