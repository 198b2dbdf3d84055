"""Builds shared by the whole test session: one per engine, each made the way the README says.

Building costs seconds, so each engine builds the repository's site once per session, into
a private folder, and every test reads that build (the browser tests serve the MkDocs one).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
ENGINES = ("mkdocs", "properdocs", "zensical")


def build_command(engine: str, site: Path) -> list[str]:
    """The README's documented build for ``engine``, writing to ``site``."""
    if engine == "mkdocs":
        return [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
    if engine == "properdocs":
        return [sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(site)]
    return [sys.executable, "scripts/build.py", "--engine", engine, "--site-dir", str(site)]


def build(engine: str, project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(build_command(engine, site), cwd=project, env=ENV, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Lazily built: ``sites["zensical"]`` builds the repository with Zensical on first use."""
    return _Sites(tmp_path_factory)


class _Sites(dict[str, Path]):
    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.factory = factory

    def __missing__(self, engine: str) -> Path:
        site = self.factory.mktemp(f"site-{engine}") / "site"
        result = build(engine, ROOT, site)
        assert result.returncode == 0, f"{engine} build failed:\n{result.stdout}{result.stderr}"
        self[engine] = site
        return site


@pytest.fixture(scope="session")
def site(sites: dict[str, Path]) -> Path:
    """The site as CI builds it: MkDocs, the primary engine."""
    return sites["mkdocs"]
