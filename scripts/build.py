#!/usr/bin/env python3
"""Build the whole site, every edition, and publish it only when all of it built.

Usage: ``python scripts/build.py [--engine mkdocs|properdocs|zensical] [--site-dir DIR]``.

The site has editions (``mkdocs.yml``, ``extra.alternate``): the default one (Korean, from
``mkdocs.yml``) at the site's root and the others under their link (``en/``), each built
from ``mkdocs.<language>.yml``. This command builds each into one temporary folder, the default first, and
replaces the site folder once, at the end: a failure anywhere leaves the published site as
it was, and no edition is ever published without the others. With ``SITE_URL`` set, each
edition gets its own address (``SITE_URL`` plus its path), and the site's root
``sitemap.xml`` lists the pages of every edition.

Every engine renders pages through the ``verified_site.extension`` Markdown extension, which
refuses any include whose verification is missing, failed or stale. What differs is what
runs around it:

* **MkDocs** (primary) and **ProperDocs** run ``scripts/mkdocs_hook.py``: the verifier and
  the API sources happen inside the engine's own build;
* **Zensical** runs no hooks, so this command verifies first (stopping on a failure) and
  copies the API sources itself. Zensical builds the default edition only: its ``INHERIT``
  appends lists (nav, palette) where an edition needs to replace them.

Builds are always strict: a warning fails the build.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from verified_site import api_sources
from verified_site.publish import replace_site

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("mkdocs", "properdocs", "zensical")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Edition:
    language: str
    path: str
    """Where it is published under the site (``""`` for the root, ``en/``)."""
    config: str
    """Its configuration, relative to the project root."""


def editions(root: Path) -> list[Edition]:
    """The site's editions from ``mkdocs.yml`` (Material's ``extra.alternate``), the default first."""
    class _Loader(yaml.SafeLoader):
        """Reads mkdocs.yml's own tags (``!ENV``, ``!!python/…``) as nothing: only ``extra`` is wanted."""

    def _nothing(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
        return None

    _Loader.add_multi_constructor("!", _nothing)
    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", _nothing)
    config: dict[str, Any] = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    alternates = (config.get("extra") or {}).get("alternate") or []
    found = [Edition(str(alt["lang"]), str(alt["link"] or ""),
                     "mkdocs.yml" if not alt["link"] else f"mkdocs.{alt['lang']}.yml") for alt in alternates]
    if not found:
        return [Edition(str(config.get("theme", {}).get("language", "en")), "", "mkdocs.yml")]
    return sorted(found, key=lambda edition: edition.path != "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/build.py", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--engine", choices=ENGINES, default="mkdocs", help="the site engine (default: mkdocs)")
    parser.add_argument("--site-dir", type=Path, default=ROOT / "site", help="where the site is published (default: site/)")
    args = parser.parse_args(argv)
    site: Path = args.site_dir.resolve()
    chosen = editions(ROOT)
    if args.engine == "zensical":
        if not verify_first():
            return 1
        chosen = chosen[:1]
        print(f"zensical: building the default edition ({chosen[0].language}) only; see the module docstring")
    address = os.environ.get("SITE_URL") or ""
    site.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".site.build-", dir=site.parent) as tmp:
        built = Path(tmp) / "site"
        for edition in chosen:
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
            if address:
                env["SITE_URL"] = address.rstrip("/") + "/" + edition.path
            out = built / edition.path
            status = build_edition(args.engine, edition, out, env)
            if status != 0:
                print(f"the {edition.language} edition failed to build; nothing was published", file=sys.stderr)
                return status
        if address:
            merge_sitemaps(built, chosen, address)
        replace_site(built, site)
    print(f"published {site} ({', '.join(e.language for e in chosen)})")
    return 0


def build_edition(engine: str, edition: Edition, out: Path, env: dict[str, str]) -> int:
    if engine in ("mkdocs", "properdocs"):
        return subprocess.run([engine, "build", "--strict", "-f", str(ROOT / edition.config), "-d", str(out)],
                              cwd=ROOT, env=env, stdin=subprocess.DEVNULL).returncode
    # Zensical takes its output folder from the configuration only, and only inside the
    # project: a throwaway configuration inherits the edition's and points it at a partial folder.
    partial = ROOT / f".site.partial-zensical-{os.getpid()}"
    config = ROOT / f".zensical-build-{os.getpid()}.yml"
    shutil.rmtree(partial, ignore_errors=True)
    # It builds the default edition alone (see above), so its pages link no other edition.
    config.write_text(f"INHERIT: {edition.config}\nsite_dir: {partial.name}\nextra:\n  alternate: null\n", encoding="utf-8")
    try:
        status = subprocess.run(["zensical", "build", "--strict", "-f", str(config)], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL).returncode
        if status == 0:
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(partial, out)
        return status
    finally:
        config.unlink(missing_ok=True)
        shutil.rmtree(partial, ignore_errors=True)


def verify_first() -> bool:
    """What the MkDocs hook does for MkDocs: run the verifier, then copy the API sources."""
    verified = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify.py")], cwd=ROOT, stdin=subprocess.DEVNULL)
    if verified.returncode != 0:
        print("snippet verification failed; nothing was published", file=sys.stderr)
        return False
    try:
        api_sources.prepare(ROOT)
    except api_sources.TorchMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def merge_sitemaps(site: Path, chosen: list[Edition], address: str) -> None:
    """The root sitemap lists every edition's pages, each with its versions in the other editions.

    Each page gets ``<xhtml:link rel="alternate" hreflang="…">`` for every edition that has it
    (and ``x-default``, the default edition): how search engines learn that pages translate
    each other, and what Material's language selector reads to stay on the same page.
    Each edition also keeps its own sitemap.
    """
    etree.register_namespace("", SITEMAP[1:-1])
    etree.register_namespace("xhtml", XHTML[1:-1])
    root = address.rstrip("/") + "/"
    pages: dict[str, dict[str, etree.Element]] = {}
    for edition in chosen:
        for url in etree.parse(site / edition.path / "sitemap.xml").getroot().findall(f"{SITEMAP}url"):
            loc = url.find(f"{SITEMAP}loc")
            if loc is not None and loc.text and loc.text.startswith(root + edition.path):
                pages.setdefault(loc.text[len(root + edition.path):], {})[edition.language] = url
    urlset = etree.Element(f"{SITEMAP}urlset")
    paths = {edition.language: edition.path for edition in chosen}
    for page, versions in sorted(pages.items()):
        alternates = [(language, language) for language in versions]
        if chosen[0].language in versions:
            alternates.append(("x-default", chosen[0].language))
        for url in versions.values():
            for hreflang, language in alternates:
                etree.SubElement(url, f"{XHTML}link", rel="alternate", hreflang=hreflang, href=root + paths[language] + page)
            urlset.append(url)
    etree.ElementTree(urlset).write(site / "sitemap.xml", encoding="utf-8", xml_declaration=True)
    with (site / "sitemap.xml").open("rb") as plain, gzip.open(site / "sitemap.xml.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)


if __name__ == "__main__":
    sys.exit(main())
