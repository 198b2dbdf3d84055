"""Copy the parts of a project that a run needs into a throwaway folder.

``scripts/drift.py`` runs every torch against one snapshot (the tree may be edited while
it runs); tests and benchmarks run the verifier and the site build in copies, so the
repository's own snippets, cache and ``site/`` are never touched. All of them copy here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

#: What ``python scripts/verify.py`` reads.
VERIFIER_PARTS = ("scripts", "snippets", "requirements.txt", "pyproject.toml")
#: What a site build reads, on top of the verifier's.
SITE_PARTS = (*VERIFIER_PARTS, "docs", "overrides", "drift", "mkdocs.yml", "mkdocs.en.yml")
#: Never copied: caches and local state that belong to the source checkout.
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".verify", "*.egg-info")


def copy_project(source: Path, destination: Path, parts: Iterable[str] = VERIFIER_PARTS) -> Path:
    """Copy ``parts`` (files or folders, relative to ``source``) that exist into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in parts:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, destination / name, ignore=_IGNORED, dirs_exist_ok=True)
        elif path.exists():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination / name)
    return destination
