"""MkDocs hook: the gate between the verifier and the published site.

Kept thin on purpose: verification is ``scripts/verify.py`` (its own process, because
forking inside ``mkdocs serve``'s threaded process is unsafe) and page expansion is
``scripts/pages.py``; this file only wires them to MkDocs events, so replacing the
renderer means rewriting this file alone.

Publishing is atomic: MkDocs writes into a sibling ``.site.partial-*`` folder, and only a
build that finished without errors (and, under ``--strict``, without warnings) replaces
``site/``. A failed build, wherever it fails, leaves the previous ``site/`` untouched.
"""

from __future__ import annotations

import importlib.util
import json
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / ".verify" / "report.json"
#: What ``scripts/drift.py`` recorded under other torch versions and devices (committed;
#: read as plain JSON, so a build never needs those installs).
DRIFT_RESULTS = ROOT / "drift" / "results.json"
DRIFT_DEVICES = ROOT / "drift" / "devices.json"
#: The torch source files the API reference renders, copied so griffe reads only these.
API_SOURCES = ("nn/modules/module.py", "nn/parameter.py")
API_DIR = ROOT / ".cache" / "api-sources"

log = logging.getLogger("mkdocs.hooks.verified")


class _Build:
    """What one build carries between events."""

    config: MkDocsConfig
    final_dir: Path
    partial_dir: Path
    warnings: CountHandler | None = None
    report: dict[str, dict] = {}
    included: set[str] = set()
    drift: dict | None = None
    devices: dict | None = None


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
    _build.report = {entry["path"]: entry for entry in json.loads(REPORT.read_text(encoding="utf-8"))["snippets"]}
    _build.drift = _read_json(DRIFT_RESULTS)
    _build.devices = _read_json(DRIFT_DEVICES)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    expanded = pages.expand(markdown, _build.report)
    if expanded.problems:
        source = Path(page.file.abs_src_path or page.file.src_path)
        offset = _front_matter_lines(source, markdown)
        where = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
        raise PluginError("\n".join(f"{where}:{p.line + offset}: {p.message}" for p in expanded.problems))
    _build.included.update(expanded.included)
    return expanded.markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    rules = get_relative_url("verification/", page.url) + "#정규화"
    drift = get_relative_url("drift/", page.url)
    return pages.render_outputs(html, _build.report, rules, _build.drift, drift, _build.devices)


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
    torch_dir = Path(list(spec.submodule_search_locations)[0])
    for rel in API_SOURCES:
        target = API_DIR / "torch" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(torch_dir / rel, target)
        for package in target.relative_to(API_DIR).parents:
            if package != Path("."):
                (API_DIR / package / "__init__.py").touch()


def _read_json(path: Path) -> dict | None:
    """A committed drift file, or None where it does not exist (pages then say nothing about drift)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise PluginError(f"{path.relative_to(ROOT)} is unreadable ({exc}); regenerate it with scripts/drift.py") from exc


def _front_matter_lines(source: Path, markdown: str) -> int:
    """Lines MkDocs stripped (front matter) before the Markdown a page event receives."""
    try:
        raw = source.read_text(encoding="utf-8-sig")
    except OSError:
        return 0
    return raw[: len(raw) - len(markdown)].count("\n") if raw.endswith(markdown) else 0
