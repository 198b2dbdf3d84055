"""The real snippets, checked without the verifier's runner.

Each snippet is run the way a reader runs it, ``python <snippet>`` in a fresh interpreter
(an empty working directory, no input, stderr merged into stdout), and its output, under
the verifier's own documented normalizations, must equal the ``.out`` the site shows.
This catches what a fork server could hide: state inherited from the parent process,
seeds, preloaded modules. Then the verifier itself must pass the same set, run twice.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import pytest

from projects import ROOT, SUMMARY
from verifier.normalize import Normalizer
from verifier.report import Status, load
from verifier.snippets import discover, expectation_paths, load_snippet, pinned_torch, read_expectation

SNIPPETS = discover(ROOT, ROOT / "snippets", [], None)
#: What this machine can run without importing torch here: the verifier's device nodes test.
DEVICES = {"cpu", "meta"} | ({"cuda"} if glob.glob("/dev/nvidia[0-9]*") else set())


def _param(path: Path):
    rel = path.relative_to(ROOT).as_posix()
    device = load_snippet(ROOT, path).settings.device
    return pytest.param(rel, id=rel, marks=pytest.mark.skipif(device not in DEVICES, reason=f"needs {device}"))


def run_by_hand(rel: str) -> tuple[str, str | None]:
    """``python <snippet>`` in a throwaway folder → (normalized output, expected output or None)."""
    path = ROOT / rel
    settings = load_snippet(ROOT, path).settings
    expected_path, _ = expectation_paths(path, metadata.version("torch"), pinned_torch(ROOT / "requirements.txt"))
    expected = read_expectation(ROOT, expected_path) if expected_path.exists() else None
    with tempfile.TemporaryDirectory(prefix="by-hand-") as tmp:
        proc = subprocess.run([sys.executable, str(path)], cwd=tmp, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"},
                              timeout=settings.timeout + 60)  # + interpreter start and `import torch`
        output, _ = Normalizer(ROOT, workdir=Path(tmp))(proc.stdout)
    return output, expected


@pytest.fixture(scope="module")
def by_hand() -> dict[str, tuple[str, str | None]]:
    """Every runnable snippet, two at a time (each pays its own `import torch`)."""
    runnable = [p.relative_to(ROOT).as_posix() for p in SNIPPETS
                if load_snippet(ROOT, p).settings.device in DEVICES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(runnable, pool.map(run_by_hand, runnable), strict=True))


@pytest.mark.parametrize("rel", [_param(p) for p in SNIPPETS])
def test_snippet_by_hand_matches_its_expectation(by_hand: dict, rel: str) -> None:
    output, expected = by_hand[rel]
    assert expected is not None, f"{rel} has no expected output"
    assert output == expected


def test_there_are_snippets() -> None:
    assert len(SNIPPETS) >= 20


def test_verifier_passes_the_real_snippets_twice(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "scripts/verify.py", "--twice", "--no-cache", "--report", str(report)],
                          cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    match = SUMMARY.match(proc.stdout.rstrip("\n").rsplit("\n", 1)[-1])
    assert match and match["failed"] == "0", proc.stdout
    entries = load(report).entries
    assert len(entries) == len(SNIPPETS)
    assert {e.status for e in entries} <= {Status.PASSED, Status.SKIPPED}
