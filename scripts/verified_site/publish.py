"""Publishing a built site folder, for every way the site is built.

``scripts/build.py`` (every edition, any engine) and ``scripts/mkdocs_hook.py`` (one
``mkdocs build``) both build into a folder beside the site and publish it with
:func:`replace_site`: only a build that finished replaces the site, all at once.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def replace_site(built: Path, site: Path) -> None:
    """Replace ``site`` with ``built`` by renames: a reader never sees half of either.

    ``built`` must be on the same file system as ``site`` (a sibling folder), so that each
    step is one rename.
    """
    previous = site.with_name(f".{site.name}.previous-{os.getpid()}")
    site.parent.mkdir(parents=True, exist_ok=True)
    if site.exists():
        os.replace(site, previous)
    os.replace(built, site)
    shutil.rmtree(previous, ignore_errors=True)
