#!/usr/bin/env python3
"""Build the site with any supported engine, publishing only a complete site.

Usage: ``python scripts/build.py [--engine mkdocs|properdocs|zensical] [--site-dir DIR]``.

Every engine renders pages through the ``verified_site.extension`` Markdown extension, which
refuses any include whose verification is missing, failed or stale. What differs is what
runs around it:

* **MkDocs** (primary) and **ProperDocs** run ``scripts/mkdocs_hook.py``: the verifier, the
  API sources and atomic publishing happen inside the engine's own build;
* **Zensical** runs no hooks, so this command does those steps itself: verify first (stop
  on failure), copy the API sources, build into a temporary folder under the project
  (Zensical writes only there), and replace the site folder only when the build succeeded.

Builds are always strict: a warning fails the build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from verified_site import api_sources

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("mkdocs", "properdocs", "zensical")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/build.py", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--engine", choices=ENGINES, default="mkdocs", help="the site engine (default: mkdocs)")
    parser.add_argument("--site-dir", type=Path, default=ROOT / "site", help="where the site is published (default: site/)")
    args = parser.parse_args(argv)
    site: Path = args.site_dir.resolve()
    if args.engine in ("mkdocs", "properdocs"):
        return subprocess.run([args.engine, "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
                              cwd=ROOT, stdin=subprocess.DEVNULL).returncode
    return build_with_zensical(site)


def build_with_zensical(site: Path) -> int:
    verified = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify.py")], cwd=ROOT, stdin=subprocess.DEVNULL)
    if verified.returncode != 0:
        print("snippet verification failed; nothing was published", file=sys.stderr)
        return verified.returncode
    try:
        api_sources.prepare(ROOT)
    except api_sources.TorchMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Zensical takes its output folder from the configuration only, and only inside the
    # project: a throwaway configuration inherits mkdocs.yml and points it at a partial folder.
    partial = ROOT / f".site.partial-zensical-{os.getpid()}"
    config = ROOT / f".zensical-build-{os.getpid()}.yml"
    shutil.rmtree(partial, ignore_errors=True)
    config.write_text(f"INHERIT: mkdocs.yml\nsite_dir: {partial.name}\n", encoding="utf-8")
    try:
        built = subprocess.run(["zensical", "build", "--strict", "-f", str(config)], cwd=ROOT, stdin=subprocess.DEVNULL)
        if built.returncode != 0:
            print("the Zensical build failed; nothing was published", file=sys.stderr)
            return built.returncode
        publish(partial, site)
        print(f"published {site}")
        return 0
    finally:
        config.unlink(missing_ok=True)
        shutil.rmtree(partial, ignore_errors=True)


def publish(partial: Path, site: Path) -> None:
    """Replace ``site`` with ``partial`` by renames: a reader never sees half of either."""
    previous = site.with_name(f".{site.name}.previous-{os.getpid()}")
    site.parent.mkdir(parents=True, exist_ok=True)
    if site.exists():
        os.replace(site, previous)
    shutil.move(partial, site)
    shutil.rmtree(previous, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
