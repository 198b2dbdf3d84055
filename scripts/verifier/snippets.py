"""Find snippet files, parse their settings header, and locate their expected output.

A snippet is ``snippets/<topic>/<name>.py``; its expectation is ``<name>.out`` beside it
(or a per-torch-version variant, see :func:`expectation_paths`).

Settings live in one comment header at the very top of the file, one per line::

    # verify: timeout=30
    # verify: device=cuda, memory=4096

Only comment and blank lines may precede or sit between header lines; a ``# verify:``
line after the first line of code is an error, because a setting the reader cannot see
at the top would silently not apply in the reader's head. A UTF-8 byte-order mark (which
some Windows editors write) is not a character of the first line: Python ignores it, and
so does the header, so the settings it hides still apply.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SNIPPET_SUFFIX = ".py"
EXPECTATION_SUFFIX = ".out"
_HEADER = re.compile(r"^#\s*verify:\s*(?P<body>.*)$")
#: The UTF-8 byte-order mark: Python skips it at the top of a source file, and so does the header.
BOM = "\ufeff"
_CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7})( |$)")

#: Devices a snippet may declare. ``cpu`` and ``meta`` exist everywhere; the others are
#: checked in the runner process and make the snippet "skipped" where they are missing.
KNOWN_DEVICES = ("cpu", "meta", "cuda", "mps")


class SnippetError(Exception):
    """A snippet or its expectation is malformed; ``location`` is ``path:line``."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


@dataclass(frozen=True)
class Settings:
    """Per-snippet limits and requirements, with the defaults documented in the README."""

    timeout: float = 10.0
    """Seconds of wall-clock time before the snippet is killed and reported as a timeout."""
    device: str = "cpu"
    """The device the claim needs; without it the snippet is skipped, never passed."""
    memory: int = 2048
    """MiB of address space the snippet may add on top of the imported torch."""
    output: int = 1024
    """KiB of output after which the snippet is stopped and reported as a flood."""


_PARSERS = {
    "timeout": float,
    "device": str,
    "memory": int,
    "output": int,
}


@dataclass(frozen=True)
class Snippet:
    """One claim: its source file, settings and where its expectation lives."""

    path: Path
    """Absolute path of the ``.py`` file."""
    source: bytes
    settings: Settings = field(default_factory=Settings)


def parse_settings(rel: str, text: str) -> Settings:
    """Read the ``# verify:`` header; raise :class:`SnippetError` naming the line on any mistake."""
    values: dict[str, Any] = {}
    in_header = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        match = _HEADER.match(stripped)
        if match is None:
            if stripped and not stripped.startswith("#"):
                in_header = False
            continue
        if not in_header:
            raise SnippetError(f"{rel}:{lineno}", "'# verify:' settings must be in the comment header at the top of the file")
        for item in filter(None, (part.strip() for part in match["body"].split(","))):
            key, sep, raw = (s.strip() for s in item.partition("="))
            if not sep or not raw:
                raise SnippetError(f"{rel}:{lineno}", f"setting {item!r} is not of the form key=value")
            if key not in _PARSERS:
                raise SnippetError(f"{rel}:{lineno}", f"unknown setting {key!r} (known: {', '.join(_PARSERS)})")
            try:
                value = _PARSERS[key](raw)
            except ValueError:
                raise SnippetError(f"{rel}:{lineno}", f"setting {key}={raw!r} is not a valid {_PARSERS[key].__name__}") from None
            if key == "device" and value not in KNOWN_DEVICES:
                raise SnippetError(f"{rel}:{lineno}", f"unknown device {raw!r} (known: {', '.join(KNOWN_DEVICES)})")
            if isinstance(value, (int, float)) and not (math.isfinite(value) and value > 0):
                raise SnippetError(f"{rel}:{lineno}", f"setting {key} must be a positive finite number")
            values[key] = value
    return replace(Settings(), **values)


def load_snippet(root: Path, path: Path) -> Snippet:
    """Read one snippet file; settings errors surface here, syntax errors in the runner."""
    rel = path.relative_to(root).as_posix()
    source = path.read_bytes()
    text = _decode(source, rel, "snippet is not valid UTF-8").removeprefix(BOM)
    return Snippet(path=path, source=source, settings=parse_settings(rel, text))


def _decode(data: bytes, rel: str, problem: str) -> str:
    """UTF-8 text, or a :class:`SnippetError` naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SnippetError(f"{rel}:{line}", problem) from None


def discover(root: Path, snippets_dir: Path, selectors: list[str], pattern: str | None) -> list[Path]:
    """Snippet files under ``snippets_dir``, narrowed to ``selectors`` (files or folders) and ``pattern``.

    Files and folders whose name starts with ``_`` or ``.`` are helpers, not claims: a snippet may
    import from ``snippets/_shared/`` and the cache tracks that import.
    """
    if selectors:
        chosen: list[Path] = []
        for selector in selectors:
            target = Path(selector)
            target = (target if target.is_absolute() else Path.cwd() / target).resolve()
            if not target.is_relative_to(snippets_dir.resolve()):
                # Anything else would run as a claim (scripts/verify.py itself) or fail with a traceback.
                raise SnippetError(selector, f"not under {snippets_dir.relative_to(root).as_posix()}/")
            if target.is_dir():
                chosen.extend(_walk(target))
            elif target.is_file() and target.suffix == SNIPPET_SUFFIX:
                chosen.append(target)
            elif target.with_suffix(SNIPPET_SUFFIX).is_file():
                chosen.append(target.with_suffix(SNIPPET_SUFFIX))  # `x.out` selects `x.py`
            else:
                raise SnippetError(selector, "no such snippet file or folder")
    else:
        chosen = _walk(snippets_dir)
    if pattern:
        chosen = [p for p in chosen if pattern in p.relative_to(root).as_posix()]
    return sorted(set(chosen))


def _walk(folder: Path) -> list[Path]:
    return [
        p for p in folder.rglob(f"*{SNIPPET_SUFFIX}")
        if not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts)
    ]


def release_of(version: str) -> str:
    """``'2.13.0+cpu'`` → ``'2.13.0'``: local build tags do not change behaviour we document."""
    return version.split("+", 1)[0]


def default_expectation(snippet: Path) -> Path:
    """``<name>.out`` beside the snippet: the expectation for the torch pinned in ``requirements.txt``."""
    return snippet.with_suffix(EXPECTATION_SUFFIX)


def expectation_paths(snippet: Path, torch_version: str, pinned: str | None) -> tuple[Path, Path]:
    """Return ``(read, write)`` expectation files for the installed torch.

    ``<name>.out`` is the expectation for the torch pinned in ``requirements.txt``. Where
    another torch truly differs, ``<name>.torch-<major>.<minor>.out`` sits beside it:
    it is read when it exists (else the default applies, meaning "unchanged"), and
    ``--update`` under that torch writes only it.
    """
    default = default_expectation(snippet)
    release = release_of(torch_version)
    if pinned is None or release == pinned:
        return default, default
    major_minor = ".".join(release.split(".")[:2])
    variant = snippet.with_name(f"{snippet.stem}.torch-{major_minor}{EXPECTATION_SUFFIX}")
    return (variant if variant.exists() else default), variant


def read_expectation(root: Path, path: Path) -> str:
    r"""Read an expectation byte for byte; raise :class:`SnippetError` if missing or malformed.

    Bytes, never ``read_text()``: universal newlines would turn a recorded ``\r`` into ``\n``.
    """
    rel = path.relative_to(root).as_posix()
    if not path.exists():
        raise SnippetError(rel, "expected output is missing; record it with `python scripts/verify.py --update <snippet>` and review the diff")
    text = _decode(path.read_bytes(), rel, "expected output is not valid UTF-8 (the verifier writes undecodable bytes as \\xNN)")
    for lineno, line in enumerate(text.splitlines(), start=1):
        if _CONFLICT_MARKER.match(line):
            raise SnippetError(f"{rel}:{lineno}", "expected output contains a merge-conflict marker")
    return text


def write_expectation(path: Path, text: str) -> bool:
    """Record ``text`` as the expectation at ``path``, byte for byte; False when it already holds exactly that."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def pinned_torch(requirements: Path) -> str | None:
    """The ``torch==X.Y.Z`` pin from ``requirements.txt``, or None when there is none."""
    if not requirements.exists():
        return None
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*torch\s*==\s*([\w.]+)", line)
        if match:
            return release_of(match[1])
    return None
