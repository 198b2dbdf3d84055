"""MkDocs hook (also run by ProperDocs): what only these engines need around the extension.

Pages are expanded, gated and given their output boxes by the Markdown extension
``verified_site.extension``, which every engine runs. This hook adds what needs MkDocs'
build events:

* the verifier runs as its own process (:mod:`verifier.client`: forking inside
  ``mkdocs serve``'s threaded process is unsafe), and its report is what the extension
  reads. It starts at ``on_config``, so its ``import torch`` overlaps MkDocs' own work, and
  the build waits for it only before the first page that includes a snippet. Under
  ``mkdocs serve`` one warm verifier (``verify.py --serve``) serves every rebuild of the
  session, and ends with it; each serve session has its own report file, so a
  ``verify.py`` run in a terminal meanwhile never changes what the served site reads;
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
from pathlib import Path

import jinja2
from material.plugins.blog.readtime import readtime
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page
from mkdocs.utils import CountHandler

from verified_site import api_sources, pages
from verified_site.extension import load_report
from verified_site.publish import replace_site
from verifier import client
from verifier.report import ReportError

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
        self.verification: client.Run | client.WarmRun | None = None
        self.verified: set[str] | None = None
        self.included: set[str] = set()
        self.templates: jinja2.BytecodeCache | None = None


class _Session:
    """What a ``mkdocs serve`` session keeps between its builds: the warm verifier."""

    def __init__(self) -> None:
        self.warm: client.Warm | None = None


_build = _Build()
_session = _Session()


def on_startup(command: str, dirty: bool) -> None:
    if command == "serve":
        _session.warm = client.Warm(ROOT, ROOT / ".verify" / f"serve-{os.getpid()}.json")


def on_shutdown() -> None:
    if _build.verification is not None:
        _build.verification.cancel()
    if _session.warm is not None:
        _session.warm.close()
        _session.warm.report.unlink(missing_ok=True)
        _session.warm = None


@event_priority(100)  # before mkdocstrings' on_config: its handler reads `paths` when it starts
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if EXTENSION not in config.markdown_extensions:
        raise PluginError(f"mkdocs.yml must list the `{EXTENSION}` Markdown extension: it renders the verified pages")
    try:
        api_sources.prepare(ROOT)
    except api_sources.TorchMissing as exc:
        raise PluginError(str(exc)) from exc
    # Started now, waited for before the first page that includes a snippet (_await_verification).
    if _session.warm is not None:
        report = _session.warm.report
        _build.verification = _session.warm.request()
    else:
        report = REPORT
        _build.verification = client.start(ROOT, report)
    _build.verified = None
    # The extension reads the report this hook's verifier run writes, wherever mkdocs runs from.
    config.mdx_configs[EXTENSION] = {**config.mdx_configs.get(EXTENSION, {}), "report": str(report), "root": str(ROOT)}
    _cache_templates(config)
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


def _await_verification() -> set[str]:
    """Wait for this build's verification (once); its own message is the build's error."""
    if _build.verified is not None:
        return _build.verified
    assert _build.verification is not None
    result = _build.verification.wait()
    if result.status != 0:
        raise PluginError(f"snippet verification failed; nothing was published.\n{result.output}".rstrip())
    for line in result.output.splitlines():
        log.info(line)
    try:
        # Read as the extension reads it (once per version of the file): its pages share this parse.
        report, _ = load_report(Path(_build.config.mdx_configs[EXTENSION]["report"]))
        _build.verified = {entry.path for entry in report.entries}
    except ReportError as exc:
        raise PluginError(str(exc)) from exc
    return _build.verified


def on_pre_build(config: MkDocsConfig) -> None:
    # After mkdocstrings' on_config made its handlers, before any page renders with them.
    mkdocstrings = config.plugins.get("mkdocstrings")
    if mkdocstrings is not None:  # the API reference's own environment
        mkdocstrings.handlers.get_handler("python").env.bytecode_cache = _build.templates


def _cache_templates(config: MkDocsConfig) -> None:
    """Keep compiled templates between builds (``.cache/templates``): compiling them anew was a
    fifth of a rebuild under ``mkdocs serve``. Every environment the theme makes gets the
    cache (MkDocs' own, and the ones Material's plugins make to translate their labels), and
    mkdocstrings' (``on_pre_build``). Jinja checks each template's source, and its own version,
    before it uses cached code."""
    folder = ROOT / ".cache" / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    _build.templates = jinja2.FileSystemBytecodeCache(str(folder))
    theme, make_env = config.theme, config.theme.get_env

    def get_env() -> jinja2.Environment:
        env = make_env()
        env.bytecode_cache = _build.templates
        return env

    theme.get_env = get_env  # type: ignore[method-assign]


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    includes = pages.find_includes(markdown)
    if includes:
        _await_verification()  # the extension reads the report while it converts this page
    _build.included.update(include.path for include in includes)
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
    unused = sorted(_await_verification() - _build.included)
    if unused:
        # A warning, not an error: authors record a snippet before a page includes it and
        # preview drafts with `mkdocs serve`; `mkdocs build --strict` (CI, deploys) refuses it.
        log.warning("snippets verified but included by no page: " + ", ".join(unused))
    if _build.warnings is not None and _build.warnings.get_counts():
        _discard()  # MkDocs aborts right after this event in --strict mode
        return
    _publish()


def on_build_error(error: Exception) -> None:
    if _build.verification is not None:
        _build.verification.cancel()
    _discard()


def _publish() -> None:
    final, partial = _build.final_dir, _build.partial_dir
    # The default edition is published at the site's root, the others inside it (its
    # `extra.alternate` links them as en/): a build of it alone keeps them, never deletes them.
    for edition in _build.config.extra.get("alternate") or []:
        kept = (edition.get("link") or "").strip("/")
        if kept and not kept.startswith("..") and (final / kept).exists() and not (partial / kept).exists():
            os.replace(final / kept, partial / kept)
    replace_site(partial, final)
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
