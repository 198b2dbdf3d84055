"""``python scripts/verify.py``: find snippets, run them, compare, report.

Exit status: 0 when nothing failed (skips are not failures), 1 when any snippet failed,
2 for a usage error or a missing torch. The last line printed is the summary
``N passed, N failed[, N skipped] · torch X · Python Y``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import types
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .cache import Cache, Fingerprint, environment_parts, fingerprint, sha256, why_changed
from .judge import Verdict, judge, mismatch_diff
from .normalize import Normalizer
from .report import Entry, Environment, Report, Status, write
from .runner import Job, Outcome, available_devices, prepare_parent, run_jobs
from .snippets import (
    Snippet,
    SnippetError,
    discover,
    expectation_paths,
    load_snippet,
    pinned_torch,
    read_expectation,
    write_expectation,
)

#: Heavy modules snippets import indirectly, keyed to a word in the source that betrays
#: them: the first ``torch.optim`` optimizer imports ``torch._dynamo`` (~1.5 s). Snippets
#: that mention a trigger are started first, so one child's import overlaps the other
#: snippets on the other cores; only when several snippets need the module does the fork
#: server import it once itself, since then that one import costs less than theirs.
PRELOAD_TRIGGERS = {"torch._dynamo": b"optim"}


@dataclass(frozen=True)
class Unreadable:
    """A selected snippet whose file or settings header could not be read: an error entry."""

    rel: str
    error: SnippetError


@dataclass
class Planned:
    """A readable snippet, and what this run does with it."""

    rel: str
    snippet: Snippet
    read_path: Path
    """The expectation that applies under this torch."""
    write_path: Path
    """Where ``--update`` records (a per-version variant under a torch other than the pinned one)."""
    cached: Entry | None
    """Its cached result, when nothing it depends on changed; then nothing runs."""
    reason: str
    """Why it runs (empty when cached)."""
    outcomes: list[Outcome] = field(default_factory=list)
    """Filled as its runs end: one, or two under ``--twice`` and ``--update``."""
    compile_error: SnippetError | None = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/verify.py",
        description="Run every snippet against the installed torch and compare with its recorded output.",
    )
    parser.add_argument("paths", nargs="*", help="snippet files or folders to verify (default: all under snippets/)")
    parser.add_argument("-k", dest="pattern", help="only snippets whose path contains this text")
    parser.add_argument("--update", action="store_true",
                        help="record the actual output as the expectation (runs each snippet twice; never records a "
                             "non-deterministic output, a timeout or a crash)")
    parser.add_argument("--twice", action="store_true", help="run each snippet twice and fail any whose outputs differ")
    parser.add_argument("--no-cache", action="store_true", help="run everything, ignoring cached results")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="snippets run at once (default: CPU count)")
    parser.add_argument("--report", type=Path, help="where to write the JSON report (default: .verify/report.json)")
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"verifier {__version__}")
    return parser


def main(root: Path, argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = (args.root or root).resolve()
    started = time.monotonic()
    env = environment_parts()
    if env["torch"] is None:
        print(f"error: torch is not installed for {sys.executable}; install requirements.txt first", file=sys.stderr)
        return 2
    try:
        paths = discover(root, root / "snippets", args.paths, args.pattern)
    except SnippetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cache = Cache(root / ".verify" / "cache.json")
    pinned = pinned_torch(root / "requirements.txt")
    use_cache = not (args.update or args.twice or args.no_cache)
    plans = [_plan(root, path, env, pinned, cache, use_cache) for path in paths]

    to_run = [p for p in plans if isinstance(p, Planned) and p.cached is None]
    devices: tuple[str, ...] | None = None
    if to_run:
        runs = 2 if (args.update or args.twice) else 1
        devices, jobs = _prepare_jobs(to_run, runs)
        progress = _Progress(len(jobs))
        by_key = {p.rel: p for p in to_run}
        for outcome in run_jobs(jobs, root, max(1, args.jobs)):
            by_key[outcome.job.key].outcomes.append(outcome)
            progress.step(outcome.job.key)
        progress.done()

    environment = Environment(
        torch=_torch_version(env), python=platform.python_version(), platform=platform.platform(),
        machine=platform.machine(), date=datetime.now(UTC).isoformat(timespec="seconds"),
        verifier=__version__, devices=devices)
    entries = []
    for plan in plans:
        if isinstance(plan, Unreadable):
            entries.append(Entry(path=plan.rel, status=Status.ERROR, message=str(plan.error)))
            continue
        if plan.cached is not None:
            entries.append(plan.cached)
            continue
        entry, imports = _evaluate(root, plan, environment, update=args.update)
        entries.append(entry)
        if entry.status.publishable:
            # Re-read the expectation's path: --update may have just written it or a variant.
            read_path, _ = expectation_paths(plan.snippet.path, str(env["torch"]), pinned)
            cache.put(plan.rel, fingerprint(plan.snippet.source, read_path, root, imports, env), entry)
    cache.save()

    report = Report(environment=environment, entries=tuple(entries), fingerprint=str(env["verifier"]),
                    pinned_torch=pinned, selection_paths=tuple(args.paths), selection_pattern=args.pattern,
                    duration_s=round(time.monotonic() - started, 3))
    write(args.report or root / ".verify" / "report.json", report)
    _print_results(report.entries, args.update)
    skipped = report.count(Status.SKIPPED)
    print(f"{report.count(Status.PASSED)} passed, {report.failed} failed{f', {skipped} skipped' if skipped else ''} · "
          f"torch {environment.torch} · Python {environment.python} · {time.monotonic() - started:.1f}s")
    return 1 if report.failed else 0


def _plan(root: Path, path: Path, env: Fingerprint, pinned: str | None, cache: Cache, use_cache: bool) -> Planned | Unreadable:
    rel = path.relative_to(root).as_posix()
    try:
        snippet = load_snippet(root, path)
    except SnippetError as exc:
        return Unreadable(rel, exc)
    read_path, write_path = expectation_paths(path, str(env["torch"]), pinned)
    hit = cache.get(rel)
    old_fp = hit.fingerprint if hit else None
    fp = fingerprint(snippet.source, read_path, root, hit.imports if hit else [], env)
    if use_cache and hit is not None and old_fp == fp:
        return Planned(rel, snippet, read_path, write_path, cached=replace(hit.entry, cached=True, reason="unchanged"),
                       reason="")
    return Planned(rel, snippet, read_path, write_path, cached=None,
                   reason=why_changed(old_fp, fp) if use_cache else "asked to run")


def _prepare_jobs(plans: list[Planned], runs: int) -> tuple[tuple[str, ...], list[Job]]:
    """Compile in the parent (a syntax error names its line without forking), then import torch once."""
    compiled: list[tuple[Planned, types.CodeType]] = []
    for plan in plans:
        try:
            compiled.append((plan, compile(plan.snippet.source, str(plan.snippet.path), "exec", dont_inherit=True)))
        except SyntaxError as exc:
            plan.compile_error = SnippetError(f"{plan.rel}:{exc.lineno}", f"SyntaxError: {exc.msg}")

    def triggers(plan: Planned) -> list[str]:
        return [module for module, word in PRELOAD_TRIGGERS.items() if word in plan.snippet.source]

    needing = [module for plan, _ in compiled for module in triggers(plan)]
    prepare_parent(sorted({module for module in needing if needing.count(module) * runs > 1}))
    devices = tuple(available_devices())
    compiled.sort(key=lambda item: not triggers(item[0]))  # stable: otherwise in path order
    jobs = [
        Job(key=plan.rel, path=plan.snippet.path, code=code, settings=plan.snippet.settings, attempt=attempt)
        for plan, code in compiled if plan.snippet.settings.device in devices
        for attempt in range(runs)
    ]
    return devices, jobs


def _evaluate(root: Path, plan: Planned, environment: Environment, update: bool) -> tuple[Entry, list[str]]:
    """One snippet's outcomes as its report entry, recording the expectation under ``--update``.

    Also returns the repo files the snippet imported: the cache keys on them.
    """
    snippet = plan.snippet
    base = Entry(path=plan.rel, status=Status.ERROR, reason=plan.reason, settings=snippet.settings,
                 expected_path=plan.read_path.relative_to(root).as_posix(), snippet_sha256=sha256(snippet.source))
    if plan.compile_error is not None:
        return replace(base, message=str(plan.compile_error)), []
    try:
        expected: str | None = read_expectation(root, plan.read_path)
        problem = None
    except SnippetError as exc:
        expected, problem = None, exc
    expected_sha256 = sha256(expected.encode()) if expected is not None else None
    if not plan.outcomes:
        # Skipped: the page shows the last output recorded on that device, if there is one.
        return replace(base, status=Status.SKIPPED, output=expected, expected_sha256=expected_sha256,
                        message=f"needs device '{snippet.settings.device}', which this machine does not have "
                                f"(available: {', '.join(environment.devices or ())})"), []
    if problem is not None and not update:
        return replace(base, message=str(problem)), []
    outcomes = sorted(plan.outcomes, key=lambda o: o.job.attempt)
    results = [(o, *Normalizer(root, o.workdir)(o.output)) for o in outcomes]
    expected_name = base.expected_path or plan.rel
    # Judge every run: a timeout or crash in either run of --twice/--update decides the
    # status even when the other run passed, so such a run's output is never recorded.
    verdicts = [judge(o, text, expected or "", expected_name, plan.rel) for o, text, _ in results]
    shown = next((i for i, v in enumerate(verdicts) if not v.status.recordable), 0)
    verdict = verdicts[shown]
    if shown:
        verdict = Verdict(verdict.status, f"run {shown + 1} of {len(results)}: {verdict.message}", verdict.diff)
    outcome, actual, applied = results[shown]
    if verdict.status.recordable and len(results) > 1 and results[1][1] != actual:
        verdict = Verdict(Status.NONDETERMINISTIC, "two runs printed different output; it cannot be recorded as truth",
                          mismatch_diff(actual, results[1][1], f"{plan.rel} (run 1)", f"{plan.rel} (run 2)"))
    if update and verdict.status.recordable:
        verdict = _record(root, plan, actual, expected)
        # What applies now: the variant if one was just written, and the bytes now on disk.
        recorded = plan.write_path if plan.write_path.exists() else plan.read_path
        base = replace(base, expected_path=recorded.relative_to(root).as_posix())
        expected_sha256 = sha256(recorded.read_bytes())
    entry = replace(base, status=verdict.status, message=verdict.message, diff=verdict.diff,
                     duration_s=round(outcome.duration, 4), ending=outcome.ending, output=actual,
                     normalizations=tuple(applied), actual_sha256=sha256(actual.encode()),
                     expected_sha256=expected_sha256, verified=environment.provenance(snippet.settings.device))
    return entry, outcome.imports


def _record(root: Path, plan: Planned, actual: str, expected: str | None) -> Verdict:
    target = plan.write_path
    name = target.relative_to(root).as_posix()
    if target != plan.read_path and expected == actual:
        return Verdict(Status.PASSED, f"same as {plan.read_path.relative_to(root).as_posix()}; no variant needed")
    if not write_expectation(target, actual):
        return Verdict(Status.PASSED, f"{name} unchanged")
    return Verdict(Status.PASSED, f"recorded {name}")


def _torch_version(env: Fingerprint) -> str:
    torch = sys.modules.get("torch")
    return str(torch.__version__) if torch is not None else str(env["torch"])


def _print_results(entries: tuple[Entry, ...], update: bool) -> None:
    reasons: dict[str, list[str]] = {}
    for entry in entries:
        if not entry.cached and entry.reason:
            reasons.setdefault(entry.reason, []).append(entry.path)
    for reason, paths in reasons.items():
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        print(f"ran {len(paths)} ({reason}): {shown}")
    for entry in entries:
        if update and entry.message.startswith("recorded"):
            print(entry.message)
        if entry.status is Status.SKIPPED:
            print(f"SKIPPED {entry.path}: {entry.message}")
        elif entry.status.fails_run:
            print(f"{entry.status.upper()} {entry.path}: {entry.message}")
            if entry.diff:
                print(entry.diff, end="" if entry.diff.endswith("\n") else "\n")


class _Progress:
    """A one-line ``[n/N] snippet`` counter, only when a person is watching a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done_count = 0
        self.enabled = sys.stderr.isatty()

    def step(self, name: str) -> None:
        self.done_count += 1
        if self.enabled:
            sys.stderr.write(f"\r\033[K[{self.done_count}/{self.total}] {name}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
