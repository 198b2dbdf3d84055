"""MkDocs hook (also run by ProperDocs): what only these engines need around the extension.

Pages are expanded, gated and given their output boxes by the Markdown extension
``verified_site.extension``, which every engine runs. This hook adds what needs MkDocs'
build events:

* the verifier runs by itself before any page renders (``scripts/verify.py`` as its own
  process: forking inside ``mkdocs serve``'s threaded process is unsafe), and its report is
  what the extension reads;
* the API reference's torch sources are copied before mkdocstrings starts;
* a snippet no page includes is a warning, which ``--strict`` turns into a failure;
* a post's reading time counts its prose, not its code and outputs (see ``on_page_content``);
* publishing is atomic: MkDocs writes into a sibling ``.site.partial-*`` folder, and only a
  build that finished without errors (and, under ``--strict``, without warnings) replaces
  ``site/``. A failed build, wherever it fails, leaves the previous ``site/`` untouched.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from material.plugins.blog.readtime import readtime
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page
from mkdocs.utils import CountHandler

from verified_site import api_sources, pages
from verifier.report import ReportError, load

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / ".verify" / "report.json"
EXTENSION = "verified_site.extension"

log = logging.getLogger("mkdocs.hooks.verified")


class _Build:
    """What one build carries between events."""

    config: MkDocsConfig
    final_dir: Path
    partial_dir: Path

    def __init__(self) -> None:
        self.warnings: CountHandler | None = None
        self.verified: set[str] = set()
        self.included: set[str] = set()


_build = _Build()


@event_priority(100)  # before mkdocstrings' on_config: its handler reads `paths` when it starts
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if EXTENSION not in config.markdown_extensions:
        raise PluginError(f"mkdocs.yml must list the `{EXTENSION}` Markdown extension: it renders the verified pages")
    try:
        api_sources.prepare(ROOT)
    except api_sources.TorchMissing as exc:
        raise PluginError(str(exc)) from exc
    # The extension reads the report this hook's verifier run writes, wherever mkdocs runs from.
    config.mdx_configs[EXTENSION] = {**config.mdx_configs.get(EXTENSION, {}), "report": str(REPORT), "root": str(ROOT)}
    _build.config = config
    _build.final_dir = Path(config.site_dir)
    _build.partial_dir = _build.final_dir.with_name(f".{_build.final_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(_build.partial_dir, ignore_errors=True)
    config.site_dir = str(_build.partial_dir)
    _build.included = set()
    if config.strict:
        _build.warnings = CountHandler()
        _build.warnings.setLevel(logging.WARNING)
        logging.getLogger("mkdocs").addHandler(_build.warnings)
    return config


def on_pre_build(config: MkDocsConfig) -> None:
    """Run the verifier before anything is written; its own message is the build's error."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "verify.py"), "--report", str(REPORT)],
        cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise PluginError(f"snippet verification failed; nothing was published.\n{result.stdout}{result.stderr}".rstrip())
    for line in result.stdout.splitlines():
        log.info(line)
    try:
        _build.verified = {entry.path for entry in load(REPORT).entries}
    except ReportError as exc:
        raise PluginError(str(exc)) from exc


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    _build.included.update(include.path for include in pages.find_includes(markdown))
    return markdown


@event_priority(50)  # before Material's blog plugin estimates it from the whole page
def on_page_content(html: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    """Estimate a post's reading time from its prose, without code and output blocks.

    Material counts every word of the page and splits code at every non-word character
    (``self._parameters[name]`` is three words): 44 minutes for this post, most of it
    snippets and outputs a reader glances at as evidence, many of them folded. Material's own
    estimator runs on the rest: the text a reader reads.
    """
    post = getattr(page, "config", None)
    if post is not None and hasattr(post, "readtime") and not post.readtime:
        blog = config.plugins.get("material/blog")
        words_per_minute = blog.config.post_readtime_words_per_minute if blog is not None else 265
        post.readtime = readtime(_CODE_BLOCK.sub("", html), words_per_minute)
    return html


_CODE_BLOCK = re.compile(r'<div class="highlight">(?:(?!<div class="highlight">).)*?<pre.*?</pre>\s*</div>', re.S)


def on_post_build(config: MkDocsConfig) -> None:
    unused = sorted(_build.verified - _build.included)
    if unused:
        # A warning, not an error: authors record a snippet before a page includes it and
        # preview drafts with `mkdocs serve`; `mkdocs build --strict` (CI, deploys) refuses it.
        log.warning("snippets verified but included by no page: " + ", ".join(unused))
    if _build.warnings is not None and _build.warnings.get_counts():
        _discard()  # MkDocs aborts right after this event in --strict mode
        return
    _publish()


def on_build_error(error: Exception) -> None:
    _discard()


def _publish() -> None:
    final, partial = _build.final_dir, _build.partial_dir
    previous = final.with_name(f".{final.name}.previous-{os.getpid()}")
    # The default edition is published at the site's root, the others inside it (its
    # `extra.alternate` links them as en/): a build of it alone keeps them, never deletes them.
    for edition in _build.config.extra.get("alternate") or []:
        kept = (edition.get("link") or "").strip("/")
        if kept and not kept.startswith("..") and (final / kept).exists() and not (partial / kept).exists():
            os.replace(final / kept, partial / kept)
    if final.exists():
        os.replace(final, previous)
    os.replace(partial, final)
    shutil.rmtree(previous, ignore_errors=True)
    _restore()


def _discard() -> None:
    if hasattr(_build, "partial_dir"):
        shutil.rmtree(_build.partial_dir, ignore_errors=True)
    _restore()


def _restore() -> None:
    # `mkdocs gh-deploy` pushes `config.site_dir` after the build: point it back at site/.
    _build.config.site_dir = str(_build.final_dir)
    if _build.warnings is not None:
        logging.getLogger("mkdocs").removeHandler(_build.warnings)
        _build.warnings = None
