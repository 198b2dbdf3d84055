"""The command line of ``python scripts/verify.py`` and its exit statuses.

Light on purpose (``argparse`` only): the supervisor parses the command line before it
starts the verifier proper, and must not pay for the modules the verifier needs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import __version__

EXIT_PASSED = 0
"""Nothing failed (skipped snippets are not failures)."""
EXIT_FAILED = 1
"""A snippet failed (its status says how), or changed a file under ``snippets/`` or ``docs/``."""
EXIT_USAGE = 2
"""A usage error, or no torch to verify against."""
EXIT_CHANGED = 3
"""A file under ``snippets/`` or ``docs/`` changed during the run and no snippet wrote it (an
author's edit, most likely): the results may be stale. Run again (``mkdocs serve`` re-runs)."""
EXIT_OVERTIME = 4
"""The whole run outlived its bound (:func:`.supervise.run_bound`); every process it started was ended."""
#: ``PYTHONHASHSEED`` of the first run (every run) and of the second run (``--twice``, ``--update``).
HASH_SEEDS = ("0", "1")

#: Ended by a signal (SIGINT, SIGTERM, SIGHUP, or the parent's death): 128 + the signal's number.
EXIT_SIGNAL_BASE = 128

EXIT_STATUSES = f"""\
exit status:
  {EXIT_PASSED}  nothing failed (skips are not failures)
  {EXIT_FAILED}  a snippet failed, or wrote into snippets/ or docs/ while it ran
  {EXIT_USAGE}  usage error, or torch is not installed
  {EXIT_CHANGED}  a file under snippets/ or docs/ changed during the run and no snippet wrote it:
     the results may be stale; run again (a serve loop re-runs)
  {EXIT_OVERTIME}  the run outlived its bound (the snippets' timeouts over --jobs, plus slack for
     starting torch); every process it started was ended
  128+N  stopped by signal N (130: SIGINT, 143: SIGTERM); every process it started was ended
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/verify.py",
        description="Run every snippet against the installed torch and compare with its recorded output.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", help="snippet files or folders to verify (default: all under snippets/)")
    parser.add_argument("-k", dest="pattern", help="only snippets whose path contains this text")
    parser.add_argument("--update", action="store_true",
                        help="record the actual output as the expectation (runs each snippet twice; never records a "
                             "non-deterministic output, a timeout or a crash)")
    parser.add_argument("--twice", action="store_true",
                        help="run each snippet twice (the second time with another seed, hash seed and thread count) "
                             "and fail any whose outputs differ")
    parser.add_argument("--no-cache", action="store_true", help="run everything, ignoring cached results")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="snippets run at once (default: CPU count)")
    parser.add_argument("--report", type=Path,
                        help="where to write the JSON report, atomically (default: .verify/report.json)")
    parser.add_argument("--serve", action="store_true",
                        help="stay running (for mkdocs serve): verify once per line read on stdin, each time "
                             "printing the usual output and then `verify.py --serve: exit status N`; end at end of input")
    parser.add_argument("--serve-pending", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"verifier {__version__}")
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, checked: ``--serve`` verifies as a plain run does (it records nothing)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.serve and (args.update or args.twice):
        parser.error("--serve runs as a plain run does; run --update and --twice by themselves")
    return args


def runs(args: argparse.Namespace) -> int:
    """How many times each snippet runs: twice under ``--twice`` and ``--update``."""
    return 2 if (args.update or args.twice) else 1
