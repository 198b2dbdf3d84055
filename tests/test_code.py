"""The project's own code: clean under its linter and type checker, and layered as documented.

ruff and mypy are pinned in requirements-test.txt and configured in pyproject.toml; they
run here so the README's one test command checks them too. The layering tests keep the
shape the README describes: the verifier knows nothing of sites, the site runs nothing,
and reader-facing text lives in one module.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def imported_modules(path: Path) -> set[str]:
    """Top-level names of everything a module imports (relative imports resolve to its package)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(path.parent.name if node.level else node.module or "")
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("path", sorted((SCRIPTS / "verifier").glob("*.py")), ids=lambda p: p.name)
def test_the_verifier_knows_no_site(path: Path) -> None:
    """It runs under bare interpreters (other torches, a GPU machine) with the standard library and torch only."""
    allowed = set(sys.stdlib_module_names) | {"verifier", "torch", "numpy"}
    assert imported_modules(path) <= allowed, f"{path.relative_to(ROOT)} imports {imported_modules(path) - allowed}"


@pytest.mark.parametrize("path", sorted((SCRIPTS / "verified_site").glob("*.py")), ids=lambda p: p.name)
def test_the_site_runs_no_snippet(path: Path) -> None:
    """It reads the report and drift results; running snippets is the verifier's alone."""
    source = path.read_text(encoding="utf-8")
    for forbidden in ("verifier.runner", "verifier.cli", "verifier.cache", "subprocess", "import torch"):
        assert forbidden not in source, f"{path.relative_to(ROOT)} uses {forbidden}"


def test_reader_facing_text_lives_in_one_module() -> None:
    """Hangul under scripts/ only in verified_site/text.py: a new edition adds a Text, not edits."""
    text_module = SCRIPTS / "verified_site" / "text.py"
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in sorted(SCRIPTS.rglob("*.py")) if path != text_module
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if HANGUL.search(line)]
    assert offenders == []
