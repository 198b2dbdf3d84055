#!/usr/bin/env python3
"""Run every snippet under several torch installs and record where each claim drifts.

Usage::

    python scripts/drift.py --python /path/to/torch-1.13.1/bin/python --python python \\
                            --python /path/to/torch-2.14.1/bin/python

Why a separate command: the site is verified against the one torch pinned in
``requirements.txt``; other torch versions are heavy installs that CI does not have. This
command runs ``<python> scripts/verify.py --no-cache`` for each interpreter given, compares
every snippet's actual output with the page's recorded ``<name>.out`` and classifies it:

``same``      the output is exactly the recorded one;
``changed``   it differs, without a new exception;
``raises``    it ends in a traceback the recording lacks, or in a different exception;
``skipped``   the snippet needs a device that environment lacks;
``recorded``  it ran on a device for the first time: nothing to compare with yet;
``error``     the verifier could not run it (timeout, crash, malformed snippet).

It prints the table with the diffs and writes ``drift/results.json`` (committed, so building
the site never needs these installs; the site renders it on any page holding the drift
marker, see ``verified_site.drift_page``). Where an environment has a device that some
snippet needs and the build machine may lack (``cuda``, ``mps``), the output recorded there
is kept in ``drift/devices.json`` with its provenance (device name, torch, Python, date);
the first recording on the pinned torch also becomes the snippet's ``<name>.out``.

Each run happens in a throwaway copy of what the verifier reads: the repository's verifier
cache (which belongs to the pinned torch) is left alone, and every environment sees the
same snapshot even while the tree is edited. Standard library only: it runs under any of
the interpreters, with or without torch. It produces results and renders no page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from verifier.drift_results import (
    ACCELERATORS,
    RESULTS,
    DeviceRecording,
    DeviceRecordings,
    DriftEnvironment,
    DriftResults,
    DriftStatus,
    SnippetDrift,
    VersionResult,
    load_devices,
    write_devices,
    write_results,
)
from verifier.judge import unified_diff
from verifier.normalize import TRACEBACK_HEAD
from verifier.project import VERIFIER_PARTS, copy_project
from verifier.report import Entry, Report, ReportError, Status, load
from verifier.snippets import default_expectation, pinned_torch, read_expectation, release_of, write_expectation

ROOT = Path(__file__).resolve().parent.parent
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::|$)")


# --- classification -------------------------------------------------------------------

def final_exception(text: str) -> str | None:
    """The exception type of the last traceback in ``text``, or None when it has none.

    Tracebacks are already folded by the verifier (``  ...`` for the frames), so the line
    after the last ``Traceback`` head and its indented frame lines is the exception line.
    Whatever follows that line is taken as the rest of its message (messages span lines),
    so a snippet that prints a traceback and goes on is counted as ending in it too.
    """
    lines = text.rstrip("\n").split("\n")
    heads = [i for i, line in enumerate(lines) if line == TRACEBACK_HEAD]
    if not heads:
        return None
    i = heads[-1] + 1
    while i < len(lines) and lines[i].startswith(" "):
        i += 1
    match = _EXCEPTION_LINE.match(lines[i]) if i < len(lines) else None
    return match["type"] if match else None


def classify(verifier_status: Status, actual: str | None, expected: str | None) -> DriftStatus:
    """One snippet under one torch, against the page's recorded output (``<name>.out``).

    ``expected`` is never a per-version variant: the question is whether what the page
    shows holds on that torch.
    """
    if verifier_status is Status.SKIPPED:
        return DriftStatus.SKIPPED
    if not verifier_status.recordable or actual is None:
        return DriftStatus.ERROR
    if expected is None:
        return DriftStatus.RECORDED
    if actual == expected:
        return DriftStatus.SAME
    now = final_exception(actual)
    if now is not None and now != final_exception(expected):
        return DriftStatus.RAISES
    return DriftStatus.CHANGED


# --- running ---------------------------------------------------------------------------

@dataclass
class Run:
    """One environment's verifier report, plus what this command learnt around it."""

    python: str
    report: Report
    duration_s: float
    device_names: dict[str, tuple[str, ...]]
    device_outputs: dict[str, Entry]
    """Snippet path → verifier entry from the ``--update`` pass on a device the build may lack."""


def verify(python: str, project: Path, extra: list[str], report: Path) -> Report:
    """``<python> scripts/verify.py --no-cache --report <report> [extra]`` in ``project``."""
    result = subprocess.run([python, "scripts/verify.py", "--no-cache", "--report", str(report), *extra],
                            cwd=project, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    try:
        return load(report)
    except ReportError as exc:
        raise SystemExit(f"error: {python} scripts/verify.py wrote no usable report (exit {result.returncode}): "
                         f"{exc}\n{result.stdout}{result.stderr}".rstrip()) from None


def probe_device_names(python: str, devices: list[str]) -> dict[str, tuple[str, ...]]:
    """Names of the accelerators the report found (``NVIDIA H100 80GB HBM3``), for provenance."""
    names: dict[str, tuple[str, ...]] = {}
    if "cuda" in devices:
        code = ("import json, torch; print(json.dumps([torch.cuda.get_device_name(i) "
                "for i in range(torch.cuda.device_count())]))")
        result = subprocess.run([python, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        names["cuda"] = tuple(json.loads(result.stdout)) if result.returncode == 0 else ("(unknown CUDA device)",)
    if "mps" in devices:
        names["mps"] = ("Apple MPS",)
    return names


def run_environment(python: str, pristine: Path, work: Path) -> Run:
    """Verify everything under ``python``; then record device-only snippets that ran there."""
    project = copy_project(pristine, work / "project")
    started = time.monotonic()
    report = verify(python, project, [], work / "report.json")
    extra_devices = [d for d in report.environment.devices or () if d in ACCELERATORS]
    device_snippets = [e.path for e in report.entries if e.settings is not None and e.settings.device in extra_devices]
    device_outputs: dict[str, Entry] = {}
    if device_snippets:
        # --update runs each twice and refuses a non-deterministic output; the copy is
        # throwaway, so what it writes there does not matter, only the outputs in the report.
        recorded = verify(python, project, ["--update", *device_snippets], work / "report-devices.json")
        device_outputs = {e.path: e for e in recorded.entries if e.status is Status.PASSED}
    return Run(python, report, time.monotonic() - started, probe_device_names(python, extra_devices), device_outputs)


# --- results ---------------------------------------------------------------------------

def release_key(version: str) -> tuple[int, ...]:
    """``'1.13.1+cu117'`` → ``(1, 13, 1)`` for ordering the columns oldest first."""
    return tuple(int(part) for part in re.findall(r"\d+", release_of(version))[:3])


def shown_expectation(pristine: Path, path: str) -> str | None:
    """The output the site shows for ``path``: its ``<name>.out``, byte for byte, or None."""
    out = default_expectation(pristine / path)
    return read_expectation(pristine, out) if out.exists() else None


def build_results(runs: list[Run], pristine: Path, pinned: str | None, started: str, duration_s: float,
                  command: str) -> DriftResults:
    """Turn the reports into ``drift/results.json``: environments, and per snippet per torch a status."""
    runs = sorted(runs, key=lambda run: release_key(run.report.environment.torch))
    environments = []
    rows: dict[str, dict[str, VersionResult]] = {}
    about: dict[str, tuple[str, str | None]] = {}
    for run in runs:
        env = run.report.environment
        counts: dict[DriftStatus, int] = {}
        for entry in run.report.entries:
            path = entry.path
            expected = shown_expectation(pristine, path)
            shown_name = default_expectation(Path(path)).as_posix()
            device_entry = run.device_outputs.get(path)
            if device_entry is not None:  # ran on its device: the --update pass has the output
                verifier_status, actual = Status.PASSED, device_entry.output
            else:  # a skipped entry's output is the recording, not something that ran
                verifier_status = entry.status
                actual = entry.output if verifier_status is not Status.SKIPPED else None
            status = classify(verifier_status, actual, expected)
            counts[status] = counts.get(status, 0) + 1
            rows.setdefault(path, {})[env.torch] = VersionResult(
                status=status,
                diff=unified_diff(expected or "", actual or "", shown_name, f"torch {env.torch}") if status.has_diff else "",
                message=entry.message if status in (DriftStatus.SKIPPED, DriftStatus.ERROR) else "",
                output=actual if status is DriftStatus.RECORDED else None,
                variant=entry.expected_path if entry.expected_path not in (None, shown_name) else None,
            )
            about.setdefault(path, (entry.settings.device if entry.settings else "cpu",
                                    hashlib.sha256(expected.encode()).hexdigest() if expected is not None else None))
        environments.append(DriftEnvironment(
            torch=env.torch, python=env.python, platform=env.platform, machine=env.machine, date=env.date,
            devices=env.devices or (), device_names=run.device_names, duration_s=round(run.duration_s, 1),
            counts={status: counts[status] for status in DriftStatus if status in counts}))
    snippets = {path: SnippetDrift(about[path][0], about[path][1], rows[path]) for path in sorted(rows)}
    return DriftResults(command=command, date=started, duration_s=round(duration_s, 1), pinned_torch=pinned,
                        environments=tuple(environments), snippets=snippets)


def merge_device_recordings(existing: DeviceRecordings, runs: list[Run], pinned: str | None,
                            root: Path) -> tuple[DeviceRecordings, list[str]]:
    """Add this run's device outputs to ``drift/devices.json``; write a missing pinned ``.out``.

    Recordings accumulate: a drift run on a machine without a GPU never erases the last
    GPU recording. One record per snippet, device and torch release (the newest wins).
    """
    recordings = dict(existing.recordings)
    written: list[str] = []
    for run in runs:
        env = run.report.environment
        release = release_of(env.torch)
        for path, entry in sorted(run.device_outputs.items()):
            assert entry.settings is not None and entry.output is not None, f"{path}: a passed entry without output"
            device, output = entry.settings.device, entry.output
            record = DeviceRecording(
                device=device, device_name=", ".join(run.device_names.get(device, ())) or device,
                torch=env.torch, python=env.python, platform=env.platform, date=env.date,
                output=output, output_sha256=hashlib.sha256(output.encode()).hexdigest())
            kept = [r for r in recordings.get(path, ()) if not (r.device == device and release_of(r.torch) == release)]
            recordings[path] = tuple(sorted([*kept, record], key=lambda r: r.date, reverse=True))
            target = default_expectation(root / path)
            if release == pinned and not target.exists():
                write_expectation(target, output)
                written.append(target.relative_to(root).as_posix())
    return DeviceRecordings(recordings), written


# --- the terminal ---------------------------------------------------------------------

def render_text(results: DriftResults) -> str:
    """The table for a terminal: one row per snippet, one column per torch, then the diffs."""
    keys = [env.torch for env in results.environments]
    names = {path: path.removeprefix("snippets/").removesuffix(".py") for path in results.snippets}
    width = max(map(len, names.values()), default=10)
    widths = [max(len(k), 8) for k in keys]
    lines = ["claim".ljust(width) + "  " + "  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))]
    for path, info in results.snippets.items():
        cells = [(info.results[k].status if k in info.results else "-").ljust(w) for k, w in zip(keys, widths, strict=True)]
        lines.append(names[path].ljust(width) + "  " + "  ".join(cells).rstrip())
    for path, info in results.snippets.items():
        for key in keys:
            result = info.results.get(key)
            if result is None:
                continue
            if result.status.has_diff:
                lines += ["", f"== {names[path]} · torch {key}: {result.status}", result.diff.rstrip("\n")]
            elif result.status in (DriftStatus.SKIPPED, DriftStatus.ERROR):
                lines += ["", f"== {names[path]} · torch {key}: {result.status}: {result.message}"]
    totals = " · ".join(f"torch {env.torch} {env.duration_s}s" for env in results.environments)
    lines += ["", f"drift: {len(results.snippets)} snippets × {len(keys)} torch versions in "
                  f"{results.duration_s}s ({totals})"]
    return "\n".join(lines) + "\n"


# --- command ---------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/drift.py", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--python", action="append", dest="pythons", metavar="INTERPRETER",
                        help="a Python with some torch installed; repeat for each torch to compare "
                             "(default: this interpreter)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    pythons = args.pythons or [sys.executable]
    missing = [p for p in pythons if shutil.which(p) is None and not Path(p).exists()]
    if missing:
        parser.error(f"no such interpreter: {', '.join(missing)}")
    shown = " ".join(f"--python {_shown_python(p, root)}" for p in pythons)
    # Runs happen in a throwaway copy: a relative interpreter path must not follow the cwd.
    # `absolute`, not `resolve`: a venv's python is a symlink that must stay a venv's.
    pythons = [str(Path(p).absolute()) if os.sep in p else p for p in pythons]
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="drift-") as tmp:
        pristine = copy_project(root, Path(tmp) / "pristine", VERIFIER_PARTS)
        for number, python in enumerate(pythons):
            print(f"[{number + 1}/{len(pythons)}] {python} scripts/verify.py --no-cache …", file=sys.stderr, flush=True)
            run = run_environment(python, pristine, Path(tmp) / f"env-{number}")
            print(f"    torch {run.report.environment.torch}: {run.duration_s:.1f}s", file=sys.stderr, flush=True)
            runs.append(run)
        pinned = pinned_torch(root / "requirements.txt")
        results = build_results(runs, pristine, pinned, started_at, time.monotonic() - started,
                                f"python scripts/drift.py {shown}")

    devices, written = merge_device_recordings(load_devices(root), runs, pinned, root)
    write_results(root, results)
    write_devices(root, devices)
    sys.stdout.write(render_text(results))
    for path in written:
        print(f"recorded {path} (first run on its device): review it with `git diff`")
    print(f"wrote {RESULTS} and {RESULTS.parent}/devices.json")
    return 0


def _shown_python(python: str, root: Path) -> str:
    """The interpreter as a reader can type it: relative to the repository when inside it,
    with the home folder abbreviated otherwise (it is printed on the site)."""
    path = Path(python).absolute()
    if os.sep in python and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    home = os.path.expanduser("~")
    return "~" + python[len(home):] if home != "/" and python.startswith(home + "/") else python


if __name__ == "__main__":
    sys.exit(main())
