"""The drift page: ``drift/results.json`` rendered as Markdown where a page holds the marker.

``scripts/drift.py`` only produces results; every engine and edition renders them here, the
same way, in the page's language. A page opts in with one line on its own::

    <!-- drift-results -->

Each claim links to the page that includes its snippet, under that include's title; every
snippet's row carries the anchor its output boxes link to (``#buffers-in_state_dict``), and
a snippet that differs somewhere has a section with the diffs (``#buffers-buffer_assign-diff``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from verifier.drift_results import DriftResults, DriftStatus
from verifier.snippets import release_of

from .pages import SNIPPETS_DIR, drift_anchor, find_includes
from .text import Text

MARKER = "<!-- drift-results -->"


@dataclass(frozen=True)
class Claim:
    """Where the site states a snippet's claim: the include's title and its page."""

    title: str
    page: str
    """The page's source path relative to the docs folder, as Markdown links it."""


def claims_from_pages(pages: Iterable[tuple[str, str]]) -> dict[str, Claim]:
    """Snippet path → its first titled include, over ``(docs-relative path, Markdown)`` pairs in path order."""
    claims: dict[str, Claim] = {}
    for page, markdown in sorted(pages):
        for include in find_includes(markdown):
            if include.title is not None:
                claims.setdefault(include.path, Claim(include.title, page))
    return claims


def details_anchor(path: str) -> str:
    """The section with a snippet's diffs."""
    return f"{drift_anchor(path)}-diff"


def render(results: DriftResults, claims: dict[str, Claim], text: Text, page: str = "drift.md") -> str:
    """The whole generated part of the page, from the JSON alone (and the includes' titles).

    ``page`` is the drift page's own source path relative to the docs folder: claim links
    start from its folder.
    """
    here = posixpath.dirname(page) or "."
    words, labels = text.drift_page, text.drift_labels
    envs = results.environments
    keys = [env.torch for env in envs]
    out = [
        words.intro.format(date=results.date[:10], count=len(envs), duration=_seconds(results.duration_s, text),
                          pinned=results.pinned_torch or "?", command=results.command),
        "",
        words.legend_title,
        "",
        *(f"- **{labels[status]}** (`{status}`): {words.legend[status]}" for status in DriftStatus),
        "",
        words.quotes_note,
        "",
        words.environments,
        "",
        words.environments_header,
    ]
    for env in envs:
        devices = ", ".join(env.devices)
        names = "; ".join(f"{d}: {', '.join(n)}" for d, n in env.device_names.items())
        gpu = f" ({names})" if names else "" if env.has_accelerator else f" ({words.no_gpu})"
        counts = ", ".join(f"{labels[s]} {n}" for s, n in env.counts.items())
        system = f"{env.platform.split('-', 1)[0]} {env.machine}".strip()
        out.append(f"| {env.torch} | {env.python} | {system} | {devices}{gpu} | "
                   f"{env.date[:10]} | {_seconds(env.duration_s, text)} | {counts} |")
    if not any(env.has_accelerator for env in envs):
        out += ["", words.no_gpu_anywhere]
    out += ["", words.claims, "",
            words.claims_header.format(columns=" | ".join(release_of(k) for k in keys)),
            "| --- | --- | " + " | ".join("---" for _ in keys) + " |"]
    for path, info in results.snippets.items():
        claim = claims.get(path)
        cell = f"[{_cell(claim.title)}]({posixpath.relpath(claim.page, here)})" if claim else ""
        cells = []
        for key in keys:
            result = info.results.get(key)
            if result is None:
                cells.append("—")
                continue
            label = labels[result.status]
            cells.append(f"[{label}](#{details_anchor(path)})" if result.status is not DriftStatus.SAME else label)
        device = f" · {info.device}" if info.device != "cpu" else ""
        out.append(f'| {cell} | <span id="{drift_anchor(path)}"></span>`{_name(path)}`{device} | ' + " | ".join(cells) + " |")
    details = [(path, info) for path, info in results.snippets.items()
               if any(r.status is not DriftStatus.SAME for r in info.results.values())]
    if details:
        out += ["", words.differences, "", words.differences_legend]
    for path, info in details:
        out += ["", f"### `{_name(path)}` {{#{details_anchor(path)}}}", ""]
        claim = claims.get(path)
        if claim:
            out += [f"{_cell(claim.title)} — `{path}`", ""]
        for key in keys:
            result = info.results.get(key)
            if result is None or result.status is DriftStatus.SAME:
                continue
            out += [f"**torch {key}: {labels[result.status]}** (`{result.status}`)", ""]
            if result.diff:
                out += [*_fenced("diff", result.diff), ""]
            elif result.output is not None:
                out += [*_fenced("text", result.output), ""]
            if result.message:
                out += [words.reason.format(message=result.message), ""]
            if result.variant:
                out += [words.variant.format(path=result.variant), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _name(path: str) -> str:
    return path.removeprefix(SNIPPETS_DIR).removesuffix(".py")


def _cell(text: str) -> str:
    """Plain text inside a Markdown table cell: no emphasis from ``__init__``, no stray pipes."""
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text).replace("<", "&lt;")


def _fenced(language: str, body: str) -> list[str]:
    """A fence longer than any backtick run in ``body``, so outputs cannot close it early."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", body.rstrip("\n"), fence]


def _seconds(value: float, text: Text) -> str:
    return text.drift_page.seconds.format(value=f"{value:.0f}" if value >= 10 else f"{value:.1f}")
