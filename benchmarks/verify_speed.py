#!/usr/bin/env python3
"""How fast is verification? Every speed target (issues #2 and #15), measured side by side in one run.

Each figure is a ratio to something measured in the same run, on the same machine, so
machine load moves both sides alike. Runs are interleaved, and each figure is the median
of ``--runs`` (default 3) whole-process timings:

* ``import torch``: a fresh ``python -c "import torch"``, the unit; and beside it the
  snippet set's own floor, ``import torch, torch._dynamo`` (a snippet's first optimizer
  imports ``torch._dynamo``, so ``python <that snippet>`` cannot start faster);
* cold verify of the site's snippets (``scripts/verify.py``, empty cache): ≤ 1.6× ``import torch``;
* cached verify (the same command again, nothing changed): ≤ 0.2× ``import torch``;
* the per-snippet cost, the slope of cold verify time between the site's snippets and
  ``--snippets`` (~500) of them (copies of its folders in a temporary project): ≤ 1.5× the
  fork floor, the median time to fork a process in the state of the fork server that forks
  each snippet (torch imported; for a snippet that needs it, ``torch._dynamo`` preloaded)
  and reap it after an immediate exit, averaged over the snippets and divided by the
  workers (the verifier's default ``--jobs``). Beside it, with no target, the bare run: the
  same, but the child runs the snippet first (output to ``/dev/null``, no isolation), which
  is what no runner that forks per snippet can go below;
* cold verify of those ~500 snippets: ≤ 1.0× markdown-exec building one page that holds each
  of them as a ```` ```python exec="on" result="text" ```` block (Material,
  ``pymdownx.superfences``; ``pip install -r benchmarks/requirements.txt``);
* cold build: ``mkdocs build --strict`` in a fresh copy of the project (no caches): ≤ 2.0×
  ``import torch``;
* a fresh interpreter per snippet (``python <snippet>`` for every site snippet, as many at
  once as the verifier runs), once: what the fork server saves.

Prints every figure with its target, and beside it the same ratio within each interleaved
run (the figure is of the medians; the runs show how far the machine's own noise moves it),
and exits 1 if one is missed. Everything runs in
temporary copies: the checkout's cache, ``site/`` and snippets are left alone. Timings are
wall-clock: run it on an otherwise idle machine, ``python benchmarks/verify_speed.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import timing
from verifier import allocator
from verifier.cli import needs, preloads
from verifier.project import SITE_PARTS, VERIFIER_PARTS, copy_project
from verifier.report import Status, load
from verifier.snippets import discover, load_snippet

ROOT = Path(__file__).resolve().parent.parent
WORKERS = os.cpu_count() or 1
#: Forks timed for the floor (their median is the figure).
FLOOR_FORKS = 101

#: Runs in a process in a fork server's state, as :func:`verifier.runner.run_jobs` leaves it just before it
#: forks (torch imported, the seeding done, glibc's heap on huge pages; with modules named, those preloaded).
#: Prints, as JSON, the median fork-to-reap time of a child that exits at once ("floor"), and the mean
#: fork-to-reap time of a child that runs each snippet given, bare: output to /dev/null, no isolation ("bare").
FLOOR_SCRIPT = textwrap.dedent("""\
    import json, os, statistics, sys, tempfile, time
    from pathlib import Path
    from verifier import allocator
    from verifier.runner import preload, prepare_parent, run_jobs
    allocator.restore()
    root, forks, modules, snippets = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(), sys.argv[4:]
    prepare_parent()
    preload(modules)
    list(run_jobs([], root, 1))
    codes = [(path, compile(Path(path).read_bytes(), path, "exec")) for path in snippets]
    os.chdir(tempfile.mkdtemp())
    def once(path=None, code=None):
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            if code is not None:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                sys.argv, sys.path[0] = [path], os.path.dirname(path)
                try:
                    exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})
                except BaseException:
                    pass
            os._exit(0)
        os.waitpid(pid, 0)
        return time.perf_counter() - started
    floor = statistics.median(once() for _ in range(forks))
    bare = statistics.mean(statistics.median(once(path, code) for _ in range(3)) for path, code in codes)
    print(json.dumps({"floor": floor, "bare": bare}))
    sys.stdout.flush()
    os._exit(0)
""")

MKDOCS_YML = """\
site_name: markdown-exec, the same snippets
theme:
  name: material
plugins:
  - markdown-exec
markdown_extensions:
  - pymdownx.superfences
"""


@dataclass(frozen=True)
class Figure:
    """One printed line: seconds, and optionally a ratio to a unit with its target."""

    name: str
    seconds: float
    unit: str = ""
    ratio: float | None = None
    """Of the medians: what the target is judged on."""
    target: float | None = None
    runs: tuple[float, ...] = ()
    """The same ratio within each interleaved run: how far the machine's noise moves it."""

    @property
    def missed(self) -> bool:
        return self.target is not None and self.ratio is not None and self.ratio > self.target

    def line(self) -> str:
        shown = f"{self.seconds * 1000:8.2f} ms" if self.seconds < 0.1 else f"{self.seconds:8.2f} s "
        text = f"{self.name:58} {shown}"
        if self.ratio is not None:
            text += f" {self.ratio:6.2f}× {self.unit}"
        if self.target is not None:
            text += f"   target ≤ {self.target}× {'MISSED' if self.missed else 'met'}"
        if self.runs:
            text += f"   (each run: {', '.join(f'{ratio:.2f}' for ratio in self.runs)})"
        return text


def env_for(project: Path) -> dict[str, str]:
    """The environment every timed command gets: the project's own code first, no MkDocs 2 banner."""
    return timing.environment(PYTHONPATH=str(project / "scripts"))


def timed(command: list[str], cwd: Path, must_pass: bool = True) -> float:
    """Wall-clock seconds of one whole process in ``cwd``, with that project's code first."""
    return timing.timed(command, cwd, env_for(cwd), must_pass)


def claims(project: Path) -> list[Path]:
    return discover(project, project / "snippets", [], None)


def cold_verify(project: Path) -> float:
    shutil.rmtree(project / ".verify", ignore_errors=True)
    return timed([sys.executable, "scripts/verify.py"], project)


def scaled_copy(site: Path, destination: Path, at_least: int) -> Path:
    """The site's snippets plus copies of its snippet folders (``<topic>_copy<N>``) until there are ``at_least``."""
    project = copy_project(site, destination, VERIFIER_PARTS)
    topics = sorted(p for p in (site / "snippets").iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    copy = 0
    while len(claims(project)) < at_least:
        copy += 1
        for topic in topics:
            shutil.copytree(topic, project / "snippets" / f"{topic.name}_copy{copy}")
            if len(claims(project)) >= at_least:
                break
    return project


def markdown_exec_project(snippets: list[Path], destination: Path) -> Path:
    """One page holding every snippet as an executed block, built by MkDocs with Material and markdown-exec."""
    (destination / "docs").mkdir(parents=True)
    (destination / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    blocks = [f'## {path.parent.name}/{path.name}\n\n```python exec="on" result="text"\n'
              f'{path.read_text(encoding="utf-8").removeprefix(chr(0xFEFF)).rstrip()}\n```\n' for path in snippets]
    (destination / "docs" / "index.md").write_text("# Snippets\n\n" + "\n".join(blocks), encoding="utf-8")
    return destination


def floors(project: Path) -> tuple[float, float]:
    """The fork floor and the bare run of ``project``'s snippets, in seconds: each snippet in the state of
    the fork server that forks it (the verifier's, or the one that preloaded what it needs), averaged."""
    paths = [path for path in claims(project) if load_snippet(project, path).settings.device in ("cpu", "meta")]
    modules = preloads(path.read_bytes() for path in paths)
    groups = [(modules, [path for path in paths if needs(path.read_bytes(), modules)]),
              ([], [path for path in paths if not needs(path.read_bytes(), modules)])]
    if WORKERS < 2 or not all(group for _, group in groups):
        groups = [(modules if groups[0][1] else [], paths)]  # one fork server: it preloads itself
    floor = bare = 0.0
    for preloaded, group in groups:
        result = subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, str(project), str(FLOOR_FORKS), " ".join(preloaded),
                                 *map(str, group)], cwd=project, env=allocator.tuned(env_for(project)),
                                capture_output=True, text=True, check=True)
        measured = json.loads(result.stdout)
        floor += measured["floor"] * len(group) / len(paths)
        bare += measured["bare"] * len(group) / len(paths)
    return floor, bare


def cold_build(tmp: Path, run: int) -> float:
    """``mkdocs build --strict`` in a fresh copy of the project: no verifier cache, no API sources, no site."""
    project = copy_project(ROOT, tmp / f"build-{run}", SITE_PARTS)
    seconds = timed(["mkdocs", "build", "--strict", "-q"], project)
    shutil.rmtree(project, ignore_errors=True)
    return seconds


def fresh_interpreters(project: Path) -> float:
    """Every snippet as ``python <snippet>``, as many at once as the verifier runs."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(lambda p: timed([sys.executable, str(p)], p.parent, must_pass=False), claims(project)))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each timed command (default 3)")
    parser.add_argument("--snippets", type=int, default=500, help="snippets in the scaled project (default 500)")
    args = parser.parse_args()
    if shutil.which("mkdocs") is None or not _installed("markdown-exec"):
        sys.exit("install the benchmark's requirements first: pip install -r benchmarks/requirements.txt")
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as folder:
        tmp = Path(folder)
        site = copy_project(ROOT, tmp / "site", VERIFIER_PARTS)
        scaled = scaled_copy(site, tmp / "scaled", args.snippets)
        n_site, n_scaled = len(claims(site)), len(claims(scaled))
        mdexec = markdown_exec_project(claims(scaled), tmp / "markdown-exec")

        commands: dict[str, Callable[[int], float]] = {
            "import torch": lambda _: timed([sys.executable, "-c", "import torch"], site),
            "import torch._dynamo": lambda _: timed([sys.executable, "-c", "import torch, torch._dynamo"], site),
            "site cold": lambda _: cold_verify(site),
            "site cached": lambda _: timed([sys.executable, "scripts/verify.py"], site),
            "scaled cold": lambda _: cold_verify(scaled),
            "markdown-exec": lambda _: timed(["mkdocs", "build", "-q", "-d", str(tmp / "markdown-exec-site")], mdexec),
            "cold build": lambda run: cold_build(tmp, run),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(args.runs):
            for name, command in commands.items():
                times[name].append(command(run))
        report = load(site / ".verify" / "report.json")
        if not all(entry.cached for entry in report.entries if entry.status is Status.PASSED):
            sys.exit("the cached verify run was not fully cached")
        floor, bare = (seconds / WORKERS for seconds in floors(site))
        fresh = fresh_interpreters(site)

    median = {name: statistics.median(values) for name, values in times.items()}
    unit = median["import torch"]
    slope = (median["scaled cold"] - median["site cold"]) / (n_scaled - n_site)

    def each_run(name: str, unit_name: str = "import torch") -> tuple[float, ...]:
        return tuple(value / of for value, of in zip(times[name], times[unit_name], strict=True))

    slopes = tuple((scaled - cold) / (n_scaled - n_site) / floor for scaled, cold in zip(times["scaled cold"], times["site cold"], strict=True))
    figures = [
        Figure("import torch", unit, "import torch", 1.0),
        Figure("import torch, torch._dynamo (the slowest snippet's floor)", median["import torch._dynamo"], "import torch",
               median["import torch._dynamo"] / unit, runs=each_run("import torch._dynamo")),
        Figure(f"cold verify, the site's {n_site} snippets", median["site cold"], "import torch", median["site cold"] / unit, 1.6,
               each_run("site cold")),
        Figure("cached verify (nothing changed)", median["site cached"], "import torch", median["site cached"] / unit, 0.2,
               each_run("site cached")),
        Figure(f"fork floor (fork and exit, / {WORKERS} workers)", floor),
        Figure(f"bare run (fork, the snippet, exit, / {WORKERS} workers)", bare, "fork floor", bare / floor),
        Figure(f"per-snippet cost (slope, {n_site} → {n_scaled} snippets)", slope, "fork floor", slope / floor, 1.5, slopes),
        Figure(f"markdown-exec, {n_scaled} snippets (mkdocs build)", median["markdown-exec"], "markdown-exec", 1.0),
        Figure(f"cold verify, {n_scaled} snippets", median["scaled cold"], "markdown-exec",
               median["scaled cold"] / median["markdown-exec"], 1.0, each_run("scaled cold", "markdown-exec")),
        Figure("cold build (mkdocs build --strict, fresh copy)", median["cold build"], "import torch", median["cold build"] / unit, 2.0,
               each_run("cold build")),
        Figure(f"a fresh interpreter per snippet ({n_site}, once)", fresh, "import torch", fresh / unit),
    ]
    print(f"{n_site} site snippets, {n_scaled} scaled; {WORKERS} CPUs; Python {platform.python_version()}, "
          f"torch {metadata.version('torch')}, markdown-exec {metadata.version('markdown-exec')}; "
          f"medians of {args.runs} interleaved runs")
    for figure in figures:
        print(figure.line())
    for name, values in times.items():
        print(f"  runs, {name}: {', '.join(f'{v:.2f}' for v in values)}")
    return 1 if any(figure.missed for figure in figures) else 0


def _installed(distribution: str) -> bool:
    try:
        metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
