"""``python scripts/verify.py``: find snippets, run them, compare, report.

This is the verifier proper, started by the supervisor (:mod:`.supervise`) with
``PYTHONHASHSEED=0``. Exit statuses are listed in :mod:`.options` (and ``--help``): 0 when
nothing failed (skips are not failures), 1 when any snippet failed, 2 for a usage error or
a missing torch, 3 when a source changed during the run and no snippet wrote it. The last
line printed is the summary ``N passed, N failed[, N skipped] · torch X · Python Y``.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import signal
import sys
import time
import types
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from . import __version__, watch
from .cache import Cache, Fingerprint, distributions_of, environment_parts, file_digest, fingerprint, installed_version, sha256, why_changed
from .judge import Verdict, judge, mismatch_diff
from .normalize import Normalizer
from .options import EXIT_CHANGED, EXIT_FAILED, EXIT_PASSED, EXIT_SIGNAL_BASE, EXIT_USAGE, parse, runs
from .processes import end_descendants
from .report import Entry, Environment, Report, Status, write
from .runner import Job, Outcome, Remote, available_devices, prepare_parent, run_jobs
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
#: them: the first ``torch.optim`` optimizer imports ``torch._dynamo`` (~0.6 s). Snippets
#: that mention a trigger are started first, so one child's import overlaps the other
#: snippets on the other cores; only when several snippets need the module is it imported
#: once for all of them (:func:`preloads`, :mod:`.server`), since then one import costs less than theirs.
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
    expected: str | None
    """The expectation, read before any snippet runs (None: missing or malformed, see ``problem``)."""
    problem: SnippetError | None
    expectation_key: str
    """``<path>:<digest>`` of the expectation as read: part of the cache's key."""
    cached: Entry | None
    """Its cached result, when nothing it depends on changed; then nothing runs."""
    reason: str
    """Why it runs (empty when cached)."""
    outcomes: list[Outcome] = field(default_factory=list)
    """Filled as its runs end: one, or two under ``--twice`` and ``--update``."""
    files: dict[str, str | None] = field(default_factory=dict)
    """Repo files its runs imported or opened, digested as each run ended."""
    compile_error: SnippetError | None = None


class Interrupted(BaseException):
    """SIGTERM or SIGHUP (or the supervisor's death) while running: end everything, record nothing."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, _frame: types.FrameType | None) -> NoReturn:
    raise Interrupted(signum)


def main(root: Path, argv: list[str] | None = None) -> int:
    args = parse(argv)
    root = (args.root or root).resolve()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        if args.serve:
            from .serve import serve

            return serve(root, args, _verify)
        return _verify(root, args)
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        end_descendants()  # run_jobs already ended its children; this is whatever they left
        print(f"interrupted by {signal.Signals(signum).name}: every snippet process was ended; nothing was recorded",
              file=sys.stderr)
        return EXIT_SIGNAL_BASE + signum


def _verify(root: Path, args: argparse.Namespace) -> int:
    started = time.monotonic()
    installed_version.cache_clear()  # read afresh for each run of a --serve session
    env = environment_parts()
    if env["torch"] is None:
        print(f"error: torch is not installed for {sys.executable}; install requirements.txt first", file=sys.stderr)
        return EXIT_USAGE
    try:
        paths = discover(root, root / "snippets", args.paths, args.pattern)
    except SnippetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # Before anything is read: a file changed after this is seen, whoever changed it.
    sources_before = watch.snapshot(root)
    cache = Cache(root / ".verify" / "cache.json")
    pinned = pinned_torch(root / "requirements.txt")
    update = bool(args.update)
    use_cache = not (update or args.twice or args.no_cache)
    plans = [_plan(root, path, env, pinned, cache, use_cache) for path in paths]

    to_run = [p for p in plans if isinstance(p, Planned) and p.cached is None]
    devices: tuple[str, ...] | None = None
    if to_run:
        devices = _run(root, to_run, runs(args), max(1, args.jobs))
    changes = watch.changed(sources_before, watch.snapshot(root))

    environment = Environment(
        torch=_torch_version(env), python=platform.python_version(), platform=platform.platform(),
        machine=platform.machine(), date=datetime.now(UTC).isoformat(timespec="seconds"),
        verifier=__version__, devices=devices)
    written = _written(to_run, set(changes))
    unexplained = [path for path in changes if not any(path in files for files in written.values())]
    entries = []
    for plan in plans:
        if isinstance(plan, Unreadable):
            entries.append(Entry(path=plan.rel, status=Status.ERROR, message=str(plan.error)))
            continue
        if plan.cached is not None:
            entries.append(plan.cached)
            continue
        # A source changed under the run: what it printed may be the old code's, so record nothing.
        entry, modules = _evaluate(root, plan, environment, update=update and not unexplained,
                                   wrote=written.get(plan.rel, []))
        entries.append(entry)
        if entry.status.publishable and not unexplained:
            # Re-read the expectation's path: --update may have just written it or a variant.
            read_path, _ = expectation_paths(plan.snippet.path, str(env["torch"]), pinned)
            key = plan.expectation_key if read_path == plan.read_path and not update else _expectation_key(root, read_path)
            cache.put(plan.rel, fingerprint(plan.snippet.source, key, root, list(plan.files), distributions_of(modules), env),
                      entry)
        else:
            cache.drop(plan.rel)  # a failure must never leave an older pass to be reused
    cache.save()

    report = Report(environment=environment, entries=tuple(entries), fingerprint=str(env["verifier"]),
                    pinned_torch=pinned, selection_paths=tuple(args.paths), selection_pattern=args.pattern,
                    duration_s=round(time.monotonic() - started, 3))
    write(args.report or root / ".verify" / "report.json", report)
    _print_results(report.entries, update)
    if unexplained:
        print(_changed_message(unexplained, to_run, root))
    skipped = report.count(Status.SKIPPED)
    print(f"{report.count(Status.PASSED)} passed, {report.failed} failed{f', {skipped} skipped' if skipped else ''} · "
          f"torch {environment.torch} · Python {environment.python} · {time.monotonic() - started:.1f}s")
    if unexplained:
        return EXIT_CHANGED
    return EXIT_FAILED if report.failed else EXIT_PASSED


def _run(root: Path, to_run: list[Planned], runs: int, jobs: int) -> tuple[str, ...]:
    """Run every planned snippet (``runs`` times); the second run in a second fork server.

    Snippets that need a preloaded module may run in a third (:mod:`.server`).
    """
    from .server import SecondRun, hand_off_preloads

    second = SecondRun(root) if runs == 2 else None  # starts importing torch while this process does
    remotes: list[Remote] = [second] if second is not None else []
    try:
        devices, all_jobs = _prepare_jobs(to_run, runs)
        local = [job for job in all_jobs if job.attempt == 0]
        ours = jobs
        if second is not None:
            second.submit([job for job in all_jobs if job.attempt == 1], max(1, jobs // 2))
            ours = max(1, jobs - jobs // 2)
        local, preloaded = hand_off_preloads(local, root, ours, remotes)
        if preloaded is not None:
            remotes.append(preloaded)
        progress = _Progress(len(all_jobs))
        by_key = {p.rel: p for p in to_run}
        # One job at a time means one: with --jobs 1 the second run starts when the first ended.
        with contextlib.closing(run_jobs(local, root, jobs, remotes, remote_after_local=jobs == 1)) as outcomes:
            for outcome in outcomes:
                plan = by_key[outcome.job.key]
                plan.outcomes.append(outcome)
                # Digested now, when the run that read them just ended: the key is what it read.
                for rel in (*outcome.imports, *outcome.opened):
                    plan.files.setdefault(rel, file_digest(root / rel))
                progress.step(outcome.job.key)
        progress.done()
        return devices
    finally:
        for remote in remotes:
            remote.close()


def _plan(root: Path, path: Path, env: Fingerprint, pinned: str | None, cache: Cache, use_cache: bool) -> Planned | Unreadable:
    rel = path.relative_to(root).as_posix()
    try:
        snippet = load_snippet(root, path)
    except SnippetError as exc:
        return Unreadable(rel, exc)
    read_path, write_path = expectation_paths(path, str(env["torch"]), pinned)
    # Read now, before any snippet runs: a snippet that rewrites an expectation changes nothing it is judged by.
    try:
        expected: str | None = read_expectation(root, read_path)
        problem = None
        key = f"{read_path.relative_to(root).as_posix()}:{sha256(expected.encode('utf-8'))}" if expected is not None else ""
    except SnippetError as exc:
        expected, problem, key = None, exc, _expectation_key(root, read_path)
    hit = cache.get(rel)
    old_fp = hit.fingerprint if hit else None
    fp = fingerprint(snippet.source, key, root, hit.files if hit else [], hit.distributions if hit else [], env)
    if use_cache and hit is not None and old_fp == fp:
        return Planned(rel, snippet, read_path, write_path, expected, problem, key,
                       cached=replace(hit.entry, cached=True, reason="unchanged"), reason="")
    return Planned(rel, snippet, read_path, write_path, expected, problem, key, cached=None,
                   reason=why_changed(old_fp, fp) if use_cache else "asked to run")


def _expectation_key(root: Path, path: Path) -> str:
    return f"{path.relative_to(root).as_posix()}:{file_digest(path)}"


def _prepare_jobs(plans: list[Planned], runs: int) -> tuple[tuple[str, ...], list[Job]]:
    """Compile in the parent (a syntax error names its line without forking), then import torch once."""
    compiled: list[tuple[Planned, types.CodeType]] = []
    for plan in plans:
        try:
            compiled.append((plan, compile(plan.snippet.source, str(plan.snippet.path), "exec", dont_inherit=True)))
        except SyntaxError as exc:
            plan.compile_error = SnippetError(f"{plan.rel}:{exc.lineno}", f"SyntaxError: {exc.msg}")

    preload = preloads(plan.snippet.source for plan, _ in compiled)
    prepare_parent()
    devices = tuple(available_devices())
    # A snippet that imports a heavy module by itself starts first, so its import overlaps the others.
    compiled.sort(key=lambda item: not _triggers(item[0].snippet.source))  # stable: otherwise in path order
    jobs = [
        Job(key=plan.rel, path=plan.snippet.path, code=code, settings=plan.snippet.settings, attempt=attempt,
            source=plan.snippet.source, needs=needs(plan.snippet.source, preload))
        for plan, code in compiled if plan.snippet.settings.device in devices
        for attempt in range(runs)
    ]
    return devices, jobs


def preloads(sources: Iterable[bytes]) -> list[str]:
    """The heavy modules a fork server imports itself: those that several of these snippets would import.

    Each fork server runs one of the runs, so the count is per run.
    """
    needing = [module for source in sources for module in _triggers(source)]
    return sorted({module for module in needing if needing.count(module) > 1})


def needs(source: bytes, preload: list[str]) -> tuple[str, ...]:
    """The preloaded modules a snippet needs: its fork server imports them (:attr:`.runner.Job.needs`)."""
    return tuple(module for module in _triggers(source) if module in preload)


def _triggers(source: bytes) -> list[str]:
    return [module for module, word in PRELOAD_TRIGGERS.items() if word in source]


def _written(plans: list[Planned], changed: set[str]) -> dict[str, list[str]]:
    """Snippet → the watched files that changed during the run and that its process says it wrote."""
    written = {}
    for plan in plans:
        files = sorted({path for outcome in plan.outcomes for path in outcome.wrote if path in changed})
        if files:
            written[plan.rel] = files
    return written


#: Seconds a file's timestamp may lag ``time.time()``: the kernel stamps files from its coarse
#: clock, one scheduler tick behind (up to 10 ms, at 100 ticks a second).
STAMP_TOLERANCE_S = 0.01


def _changed_message(paths: list[str], plans: list[Planned], root: Path) -> str:
    """Which sources changed though no snippet said it wrote them, and which snippets ran at the time."""
    described = []
    for path in paths:
        stamp = watch.stamp_of(root / path)
        if stamp is None:
            described.append(f"{path} (removed)")
            continue
        when = stamp[1] / 1e9
        during = sorted({plan.rel for plan in plans for o in plan.outcomes
                         if o.started_at - STAMP_TOLERANCE_S <= when <= o.ended_at + STAMP_TOLERANCE_S})
        described.append(f"{path} (while {', '.join(during)} ran)" if during else path)
    return (f"CHANGED during the run, by no snippet the verifier knows of: {'; '.join(described)}. "
            f"The results may be stale: run again (exit status {EXIT_CHANGED})")


def _evaluate(root: Path, plan: Planned, environment: Environment, update: bool,
              wrote: list[str]) -> tuple[Entry, dict[str, str]]:
    """One snippet's outcomes as its report entry, recording the expectation under ``--update``.

    Also returns the installed modules it imported: the cache keys on their distributions.
    """
    snippet = plan.snippet
    base = Entry(path=plan.rel, status=Status.ERROR, reason=plan.reason, settings=snippet.settings,
                 expected_path=plan.read_path.relative_to(root).as_posix(), snippet_sha256=sha256(snippet.source))
    if plan.compile_error is not None:
        return replace(base, message=str(plan.compile_error)), {}
    expected, problem = plan.expected, plan.problem
    expected_sha256 = sha256(expected.encode()) if expected is not None else None
    if not plan.outcomes:
        # Skipped: the page shows the last output recorded on that device, if there is one.
        return replace(base, status=Status.SKIPPED, output=expected, expected_sha256=expected_sha256,
                        message=f"needs device '{snippet.settings.device}', which this machine does not have "
                                f"(available: {', '.join(environment.devices or ())})"), {}
    modules = {name: file for outcome in plan.outcomes for name, file in outcome.modules.items()}
    outcomes = sorted(plan.outcomes, key=lambda o: o.job.attempt)
    results = [(o, *Normalizer(root, o.workdir)(o.output)) for o in outcomes]
    if wrote:
        # Its result cannot be trusted, and an expectation it wrote must not become the truth.
        outcome, actual, applied = results[0]
        return replace(base, message=f"changed {', '.join(wrote)} while it ran: a snippet must not write under "
                                     "snippets/ or docs/ (its output was not compared, and is not recorded)",
                       duration_s=round(outcome.duration, 4), ending=outcome.ending, output=actual,
                       normalizations=tuple(applied), actual_sha256=sha256(actual.encode()),
                       expected_sha256=expected_sha256, verified=environment.provenance(snippet.settings.device)), modules
    if problem is not None and not update:
        return replace(base, message=str(problem)), modules
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
        verdict = Verdict(Status.NONDETERMINISTIC, "two runs printed different output (the second with another seed, "
                          "hash seed and thread count); it cannot be recorded as truth",
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
    return entry, modules


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

