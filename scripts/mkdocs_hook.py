"""MkDocs hook: the gate between the verifier and the published site.

Kept thin on purpose: verification is ``scripts/verify.py`` (its own process, because
forking inside ``mkdocs serve``'s threaded process is unsafe) and everything a reader sees
is ``scripts/verified_site/``; this file only wires them to MkDocs events, so replacing the
renderer means rewriting this file alone.

Publishing is atomic: MkDocs writes into a sibling ``.site.partial-*`` folder, and only a
build that finished without errors (and, under ``--strict``, without warnings) replaces
``site/``. A failed build, wherever it fails, leaves the previous ``site/`` untouched.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page
from mkdocs.utils import CountHandler, get_relative_url

from verified_site import drift_page, pages
from verified_site.text import Text, text_for
from verifier import drift_results
from verifier.report import Entry, ReportError, load

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / ".verify" / "report.json"
#: The normalization rules' section on the verification page (an explicit heading id).
RULES_PAGE, RULES_ANCHOR = "verification/", "normalization"
DRIFT_PAGE = "drift/"
#: The torch source files the API reference renders, copied so griffe reads only these.
API_SOURCES = ("nn/modules/module.py", "nn/parameter.py")
API_DIR = ROOT / ".cache" / "api-sources"

log = logging.getLogger("mkdocs.hooks.verified")


class _Build:
    """What one build carries between events."""

    config: MkDocsConfig
    final_dir: Path
    partial_dir: Path
    text: Text

    def __init__(self) -> None:
        self.warnings: CountHandler | None = None
        self.report: dict[str, Entry] = {}
        self.included: set[str] = set()
        self.drift: drift_results.DriftResults | None = None
        self.devices = drift_results.DeviceRecordings()


_build = _Build()


@event_priority(100)  # before mkdocstrings' on_config: its handler reads `paths` when it starts
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    _copy_api_sources()
    _build.config = config
    _build.final_dir = Path(config.site_dir)
    _build.partial_dir = _build.final_dir.with_name(f".{_build.final_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(_build.partial_dir, ignore_errors=True)
    config.site_dir = str(_build.partial_dir)
    _build.included = set()
    _build.text = text_for(config.theme["language"])
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
        _build.report = {entry.path: entry for entry in load(REPORT).entries}
        _build.drift = drift_results.load_results(ROOT)
        _build.devices = drift_results.load_devices(ROOT)
    except (ReportError, drift_results.DriftError) as exc:
        raise PluginError(str(exc)) from exc


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    if drift_page.MARKER in markdown and _build.drift is not None:
        docs = Path(config.docs_dir)
        sources = [(p.relative_to(docs).as_posix(), p.read_text(encoding="utf-8-sig")) for p in docs.rglob("*.md")]
        claims = drift_page.claims_from_pages(sources)
        markdown = markdown.replace(drift_page.MARKER, drift_page.render(_build.drift, claims, _build.text))
    expanded = pages.expand(markdown, _build.report, _build.text)
    if expanded.problems:
        source = Path(page.file.abs_src_path or page.file.src_path)
        offset = _front_matter_lines(source, markdown)
        where = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
        raise PluginError("\n".join(f"{where}:{p.line + offset}: {p.message}" for p in expanded.problems))
    _build.included.update(include.path for include in expanded.included)
    return expanded.markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    context = pages.Context(text=_build.text, rules_href=f"{get_relative_url(RULES_PAGE, page.url)}#{RULES_ANCHOR}",
                            drift=_build.drift, drift_href=get_relative_url(DRIFT_PAGE, page.url),
                            devices=_build.devices)
    return pages.render_outputs(html, _build.report, context)


def on_post_build(config: MkDocsConfig) -> None:
    unused = sorted(set(_build.report) - _build.included)
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


def _copy_api_sources() -> None:
    """Copy the installed torch's sources for the API page (no ``import torch``: it costs seconds)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        raise PluginError("torch is not installed: the API reference renders from the installed torch")
    torch_dir = Path(next(iter(spec.submodule_search_locations)))
    for rel in API_SOURCES:
        target = API_DIR / "torch" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(torch_dir / rel, target)
        for package in target.relative_to(API_DIR).parents:
            if package != Path("."):
                (API_DIR / package / "__init__.py").touch()


def _front_matter_lines(source: Path, markdown: str) -> int:
    """Lines MkDocs stripped (front matter) before the Markdown a page event receives."""
    try:
        raw = source.read_text(encoding="utf-8-sig")
    except OSError:
        return 0
    return raw[: len(raw) - len(markdown)].count("\n") if raw.endswith(markdown) else 0
