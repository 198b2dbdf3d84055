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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .cache import Cache, environment_parts, fingerprint, sha256, why_changed, write_json_atomically
from .judge import FAILING, Verdict, judge, unified_diff
from .normalize import RULES, Normalizer
from .runner import Job, Outcome, available_devices, prepare_parent, run_jobs
from .snippets import (Snippet, SnippetError, discover, expectation_paths, load_snippet,
                       pinned_torch, read_expectation)

#: Heavy modules snippets import indirectly, keyed to a word in the source that betrays
#: them: the first ``torch.optim`` optimizer imports ``torch._dynamo`` (~1.5 s). Snippets
#: that mention a trigger are started first, so one child's import overlaps the other
#: snippets on the other cores; only when several snippets need the module does the fork
#: server import it once itself, since then that one import costs less than theirs.
PRELOAD_TRIGGERS = {"torch._dynamo": b"optim"}


@dataclass
class Planned:
    """One selected snippet and what this run will do with it."""

    rel: str
    snippet: Snippet | None = None
    error: SnippetError | None = None
    read_path: Path | None = None
    write_path: Path | None = None
    fp: dict = field(default_factory=dict)
    cached: dict | None = None
    reason: str = ""
    outcomes: list[Outcome] = field(default_factory=list)


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
    plans = [_plan(root, path, env, pinned, cache, use_cache=not (args.update or args.twice or args.no_cache)) for path in paths]

    to_run = [p for p in plans if p.snippet is not None and p.cached is None]
    devices: list[str] | None = None
    if to_run:
        runs = 2 if (args.update or args.twice) else 1
        devices, jobs = _prepare_jobs(to_run, runs)
        progress = _Progress(len(jobs))
        by_key = {p.rel: p for p in to_run}
        for outcome in run_jobs(jobs, root, max(1, args.jobs)):
            by_key[outcome.job.key].outcomes.append(outcome)
            progress.step(outcome.job.key)
        progress.done()

    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    torch_version = _torch_version(env)
    provenance = {
        "torch": torch_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "date": now,
        "verifier": __version__,
    }
    entries = []
    for plan in plans:
        entry = plan.cached or _evaluate(root, plan, provenance, devices, update=args.update)
        entries.append(entry)
        imports = entry.pop("_imports_fp", {})
        if plan.cached is None and plan.snippet is not None and entry["status"] in ("passed", "skipped"):
            # Re-read the expectation's path: --update may have just written it or a variant.
            read_path, _ = expectation_paths(plan.snippet.path, str(env["torch"]), pinned)
            cache.put(plan.rel, fingerprint(plan.snippet.source, read_path, root, list(imports), env), entry)
    cache.save()

    counts = {status: sum(e["status"] == status for e in entries) for status in ("passed", "skipped")}
    counts["failed"] = sum(e["status"] in FAILING for e in entries)
    report = {
        "verifier": {"version": __version__, "fingerprint": env["verifier"]},
        "environment": {**provenance, "devices": devices},
        "normalizations": [{"name": n, "description": d} for n, d in RULES],
        "pinned_torch": pinned,
        "selection": {"paths": args.paths, "pattern": args.pattern},
        "summary": counts,
        "duration_s": round(time.monotonic() - started, 3),
        "snippets": entries,
    }
    write_json_atomically(args.report or root / ".verify" / "report.json", report)
    _print_results(entries, args.update)
    skipped = f", {counts['skipped']} skipped" if counts["skipped"] else ""
    print(f"{counts['passed']} passed, {counts['failed']} failed{skipped} · torch {torch_version} · "
          f"Python {platform.python_version()} · {time.monotonic() - started:.1f}s")
    return 1 if counts["failed"] else 0


def _plan(root: Path, path: Path, env: dict, pinned: str | None, cache: Cache, use_cache: bool) -> Planned:
    rel = path.relative_to(root).as_posix()
    plan = Planned(rel=rel)
    try:
        plan.snippet = load_snippet(root, path)
    except SnippetError as exc:
        plan.error = exc
        return plan
    plan.read_path, plan.write_path = expectation_paths(path, str(env["torch"]), pinned)
    previous = cache.get(rel)
    old_fp = previous["fingerprint"] if previous else None
    imports = list(old_fp["imports"]) if old_fp else []
    plan.fp = fingerprint(plan.snippet.source, plan.read_path, root, imports, env)
    if use_cache and previous and old_fp == plan.fp:
        plan.cached = previous["entry"] | {"cached": True, "reason": "unchanged"}
    else:
        plan.reason = why_changed(old_fp, plan.fp) if use_cache else "asked to run"
    return plan


def _prepare_jobs(plans: list[Planned], runs: int) -> tuple[list[str], list[Job]]:
    """Compile in the parent (a syntax error names its line without forking), then import torch once."""
    compiled: list[tuple[Planned, object]] = []
    for plan in plans:
        assert plan.snippet is not None
        try:
            compiled.append((plan, compile(plan.snippet.source, str(plan.snippet.path), "exec", dont_inherit=True)))
        except SyntaxError as exc:
            plan.error = SnippetError(f"{plan.rel}:{exc.lineno}", f"SyntaxError: {exc.msg}")
    def triggers(plan: Planned) -> list[str]:
        return [module for module, word in PRELOAD_TRIGGERS.items() if plan.snippet and word in plan.snippet.source]

    needing = [module for plan, _ in compiled for module in triggers(plan)]
    prepare_parent(sorted({module for module in needing if needing.count(module) * runs > 1}))
    devices = available_devices()
    compiled.sort(key=lambda item: not triggers(item[0]))  # stable: otherwise in path order
    jobs = [
        Job(key=plan.rel, path=plan.snippet.path, code=code, settings=plan.snippet.settings, attempt=attempt)  # type: ignore[arg-type, union-attr]
        for plan, code in compiled if plan.snippet and plan.snippet.settings.device in devices
        for attempt in range(runs)
    ]
    return devices, jobs


def _evaluate(root: Path, plan: Planned, provenance: dict, devices: list[str] | None, update: bool) -> dict:
    """Turn one snippet's outcomes into its report entry, recording the expectation under ``--update``."""
    entry: dict = {"path": plan.rel, "cached": False, "reason": plan.reason, "message": "", "diff": ""}
    if plan.error is not None:
        return entry | {"status": "error", "message": str(plan.error)}
    snippet = plan.snippet
    assert snippet is not None and plan.read_path is not None and plan.write_path is not None
    entry["settings"] = vars(snippet.settings)
    entry["expected_path"] = plan.read_path.relative_to(root).as_posix()
    try:
        expected: str | None = read_expectation(root, plan.read_path)
        problem = None
    except SnippetError as exc:
        expected, problem = None, exc
    if not plan.outcomes:
        # Skipped: the page shows the last output recorded on that device, if there is one.
        need = snippet.settings.device
        return entry | {
            "status": "skipped",
            "message": f"needs device '{need}', which this machine does not have (available: {', '.join(devices or [])})",
            "output": expected or "",
            "recorded": expected is not None,
            "expected_sha256": sha256(expected.encode()) if expected is not None else None,
        }
    if problem is not None and not update:
        return entry | {"status": "error", "message": str(problem)}
    outcomes = sorted(plan.outcomes, key=lambda o: o.job.attempt)
    results = [(o, *Normalizer(root, o.workdir)(o.output)) for o in outcomes]
    expected_name = entry["expected_path"]
    # Judge every run: a timeout or crash in either run of --twice/--update decides the
    # status even when the other run passed, so such a run's output is never recorded.
    verdicts = [judge(o, text, expected or "", expected_name, plan.rel) for o, text, _ in results]
    shown = next((i for i, v in enumerate(verdicts) if v.status not in ("passed", "failed")), 0)
    verdict = verdicts[shown]
    if shown:
        verdict.message = f"run {shown + 1} of {len(results)}: {verdict.message}"
    outcome, actual, applied = results[shown]
    entry |= {
        "duration_s": round(outcome.duration, 4),
        "ending": outcome.ending,
        "output": actual,
        "normalizations": applied,
        "actual_sha256": sha256(actual.encode()),
        "expected_sha256": sha256(expected.encode()) if expected is not None else None,
        "verified": provenance | {"device": snippet.settings.device},
        "_imports_fp": outcome.imports,
    }
    if verdict.status in ("passed", "failed") and len(results) > 1 and results[1][1] != actual:
        verdict = Verdict("nondeterministic", "two runs printed different output; it cannot be recorded as truth",
                          unified_diff(actual, results[1][1], f"{plan.rel} (run 1)", f"{plan.rel} (run 2)"))
    if update and verdict.status in ("passed", "failed"):
        verdict = _record(root, plan, actual, expected)
    return entry | {"status": verdict.status, "message": verdict.message, "diff": verdict.diff}


def _record(root: Path, plan: Planned, actual: str, expected: str | None) -> Verdict:
    assert plan.write_path is not None and plan.read_path is not None
    target = plan.write_path
    name = target.relative_to(root).as_posix()
    if target != plan.read_path and expected == actual:
        return Verdict("passed", f"same as {plan.read_path.relative_to(root).as_posix()}; no variant needed")
    # Bytes, not read_text(): universal newlines would turn a printed "\r" into "\n" and
    # report an unchanged expectation as recorded again.
    if target.exists() and target.read_bytes() == actual.encode("utf-8"):
        return Verdict("passed", f"{name} unchanged")
    target.write_bytes(actual.encode("utf-8"))
    return Verdict("passed", f"recorded {name}")


def _torch_version(env: dict) -> str:
    torch = sys.modules.get("torch")
    return str(torch.__version__) if torch is not None else str(env["torch"])


def _print_results(entries: list[dict], update: bool) -> None:
    reasons: dict[str, list[str]] = {}
    for entry in entries:
        if not entry["cached"] and entry["reason"]:
            reasons.setdefault(entry["reason"], []).append(entry["path"])
    for reason, paths in reasons.items():
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        print(f"ran {len(paths)} ({reason}): {shown}")
    for entry in entries:
        if update and entry["message"].startswith("recorded"):
            print(entry["message"])
        if entry["status"] == "skipped":
            print(f"SKIPPED {entry['path']}: {entry['message']}")
        elif entry["status"] in FAILING:
            print(f"{entry['status'].upper()} {entry['path']}: {entry['message']}")
            if entry["diff"]:
                print(entry["diff"], end="" if entry["diff"].endswith("\n") else "\n")


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
