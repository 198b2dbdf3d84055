"""Turn raw terminal output into text that can be compared byte for byte.

Only the named rules below are applied, in this order, and each run records which of
them changed its output so that the page can say so next to the output. Anything not
covered here is compared exactly: tabs, trailing spaces and blank lines included.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .installation import site_packages, standard_library
from .report import Normalization

#: How undecodable bytes appear in the output: as Python's ``\\xNN`` escapes, so the text
#: is always valid UTF-8 and a page shows such bytes as text, never as mojibake or markup.
DECODE_ERRORS = "backslashreplace"

TRACEBACK_HEAD = "Traceback (most recent call last):"
FOLDED_FRAMES = "  ..."
ADDRESS_PLACEHOLDER = "0x…"
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


@dataclass(frozen=True)
class Rule:
    name: Normalization
    apply: Callable[[str], str]


def fold_traceback_frames(text: str) -> str:
    """Replace the frame lines of every traceback with one ``  ...`` line, as doctest does.

    Frame lines (``  File "...", line N, in f``, the source line and ``^^^`` markers) carry
    machine paths and line numbers; the exception line(s) after them are kept exactly,
    including multi-line messages, because those are the claim.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i] == TRACEBACK_HEAD:
            j = i + 1
            while j < len(lines) and lines[j].startswith(" "):
                j += 1
            if j > i + 1:
                out.append(FOLDED_FRAMES)
            i = j
            continue
        i += 1
    return "\n".join(out)


def mask_addresses(text: str) -> str:
    """``<Foo object at 0x7f3a2c1b5e50>`` → ``<Foo object at 0x…>``: addresses change every run."""
    return _ADDRESS.sub(ADDRESS_PLACEHOLDER, text)


def machine_path_prefixes(repo: Path, workdir: Path | None) -> list[tuple[str, str]]:
    """Path prefixes that differ between machines, each with its stable placeholder."""
    prefixes = dict.fromkeys(site_packages(), "<site-packages>")
    prefixes[standard_library()] = "<stdlib>"
    prefixes[_resolved(repo)] = "<repo>"
    if workdir is not None:
        prefixes[str(workdir)] = "<tmp>"
        # Its folder resolved once: a run's working directories share one, and are gone by now.
        prefixes[f"{_resolved(workdir.parent)}/{workdir.name}"] = "<tmp>"
    prefixes[sys.prefix] = prefixes.get(sys.prefix, "<python>")
    # Longest first, so `<site-packages>` wins over the `<python>` prefix that contains it.
    return sorted(prefixes.items(), key=lambda item: len(item[0]), reverse=True)


@functools.cache
def _resolved(path: Path) -> str:
    return str(path.resolve())


class Normalizer:
    """The documented rules, bound to one run's repository and working directory."""

    def __init__(self, repo: Path, workdir: Path | None = None) -> None:
        prefixes = machine_path_prefixes(repo, workdir)

        def mask_paths(text: str) -> str:
            for prefix, placeholder in prefixes:
                text = text.replace(prefix, placeholder)
            return text

        self.rules: tuple[Rule, ...] = (
            Rule(Normalization.TRACEBACK_FRAMES, fold_traceback_frames),
            Rule(Normalization.MEMORY_ADDRESSES, mask_addresses),
            Rule(Normalization.MACHINE_PATHS, mask_paths),
        )

    def __call__(self, raw: bytes) -> tuple[str, list[Normalization]]:
        """Return the normalized text and the rules that changed it."""
        text = raw.decode("utf-8", errors=DECODE_ERRORS)
        applied: list[Normalization] = []
        for rule in self.rules:
            changed = rule.apply(text)
            if changed != text:
                applied.append(rule.name)
                text = changed
        return text, applied

