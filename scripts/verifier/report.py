"""The report: the one contract between verifying snippets and showing them.

``python scripts/verify.py`` writes it (``.verify/report.json``), the cache keeps its
entries, and the site, the drift command, the workflows and the tests read it. All of them
go through this module: the closed sets are enums that say what they mean (does a status
fail the run, may its snippet be published, may its output be recorded), entries and
provenance are frozen dataclasses with ``to_json`` / ``from_json``, and files are read with
:func:`load` and written with :func:`write` (atomically, so a reader never sees half a file).

A report written by another verifier version is refused with a message saying so: a
reader that guessed at an older shape could show an output as verified when it was not.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .snippets import Settings

JSON = dict[str, Any]


class ReportError(Exception):
    """A report file is missing, unreadable, or from another verifier version."""


class Status(StrEnum):
    """How verifying one snippet ended; the word the summary, the page and CI show."""

    PASSED = "passed"
    """Its output matched its expectation byte for byte (after the named normalizations)."""
    FAILED = "failed"
    """It ran to an end, and its output differs from its expectation."""
    ERROR = "error"
    """It could not be judged: a syntax or settings error, a missing or malformed expectation,
    or it changed a file under ``snippets/`` or ``docs/`` while it ran."""
    TIMEOUT = "timeout"
    """It ran past its ``timeout`` and was stopped."""
    CRASHED = "crashed"
    """It died by a signal or ``os._exit`` before Python could report how it ended."""
    MEMORY = "memory"
    """It ran out of memory under its ``memory`` cap."""
    FLOOD = "flood"
    """It printed more than its ``output`` cap and was stopped there."""
    NONDETERMINISTIC = "nondeterministic"
    """Two runs printed different output, so neither can be recorded as the truth."""
    SKIPPED = "skipped"
    """It needs a device this machine lacks; it did not run and proves nothing here."""

    @property
    def fails_run(self) -> bool:
        """Counted as a failure: the verifier exits 1 and nothing is published."""
        return self not in (Status.PASSED, Status.SKIPPED)

    @property
    def publishable(self) -> bool:
        """A page may show this snippet (a skipped one only with its skip notice)."""
        return not self.fails_run

    @property
    def recordable(self) -> bool:
        """The run ended normally and deterministically, so ``--update`` may record its output."""
        return self in (Status.PASSED, Status.FAILED)

    @property
    def untrustworthy_output(self) -> bool:
        """It ran, but what it printed is not a claim: an abnormal ending or non-determinism."""
        return self in (Status.TIMEOUT, Status.CRASHED, Status.MEMORY, Status.FLOOD, Status.NONDETERMINISTIC)


class Ending(StrEnum):
    """How one run of a snippet ended, before its output is compared with anything."""

    FINISHED = "finished"
    """The code ran to its last line."""
    RAISED = "raised"
    """An uncaught exception ended it (its traceback is part of the output)."""
    EXITED = "exited"
    """It called ``sys.exit``."""
    CRASHED = "crashed"
    """A signal or ``os._exit`` ended it before Python could say how."""
    TIMEOUT = "timeout"
    """The runner stopped it at its deadline."""
    FLOOD = "flood"
    """The runner stopped it at its output cap."""


class Normalization(StrEnum):
    """The named rules applied to raw output before it is compared (``normalize``); each
    entry lists those that changed its output, and the page says so under the box."""

    TRACEBACK_FRAMES = "traceback-frames"
    """Traceback frame lines folded into ``  ...``: paths and line numbers differ by machine."""
    MEMORY_ADDRESSES = "memory-addresses"
    """Hexadecimal memory addresses shown as ``0x…``: they differ on every run."""
    MACHINE_PATHS = "machine-paths"
    """Machine-specific paths shown as ``<repo>``, ``<site-packages>``, ``<stdlib>``, ``<python>``, ``<tmp>``."""


@dataclass(frozen=True)
class Provenance:
    """What produced one output: the line under every box on the site."""

    torch: str
    """``torch.__version__`` as the snippet saw it (``2.13.0+cpu``)."""
    python: str
    platform: str
    """``platform.platform()``: the operating system and its version."""
    machine: str
    """``platform.machine()``: the CPU architecture."""
    date: str
    """When it ran: ISO 8601, UTC, to the second."""
    verifier: str
    """The verifier's version."""
    device: str
    """The device the snippet ran on (its ``device`` setting)."""

    def to_json(self) -> JSON:
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: JSON) -> Provenance:
        return cls(**data)


@dataclass(frozen=True)
class Environment:
    """The machine and versions of one verifier run."""

    torch: str
    python: str
    platform: str
    machine: str
    date: str
    verifier: str
    devices: tuple[str, ...] | None
    """Devices snippets could use here; None when nothing ran (torch was not imported)."""

    def provenance(self, device: str) -> Provenance:
        return Provenance(self.torch, self.python, self.platform, self.machine, self.date, self.verifier, device)

    def to_json(self) -> JSON:
        return {**vars(self), "devices": None if self.devices is None else list(self.devices)}

    @classmethod
    def from_json(cls, data: JSON) -> Environment:
        devices = data["devices"]
        return cls(**{**data, "devices": None if devices is None else tuple(devices)})


@dataclass(frozen=True)
class Entry:
    """What one snippet's verification found: the report's unit, and the cache's."""

    path: str
    """The snippet, relative to the project root with ``/`` separators: its name everywhere."""
    status: Status
    message: str = ""
    """Why it did not pass (or what ``--update`` did), for the terminal and the build error."""
    diff: str = ""
    """For a mismatch or non-determinism: a unified diff headed by the first differing line."""
    cached: bool = False
    """Taken from the cache: nothing ran in this run."""
    reason: str = ""
    """Why it ran (``snippet changed``, ``torch 2.12.0 → 2.13.0``); empty when cached."""
    settings: Settings | None = None
    """Its ``# verify:`` settings; None when the file could not be read."""
    expected_path: str | None = None
    """The expectation that applies under this torch (``<name>.out`` or a per-version variant)."""
    output: str | None = None
    """The normalized output; for a skipped snippet the expectation recorded elsewhere, if any."""
    normalizations: tuple[Normalization, ...] = ()
    """The normalization rules that changed this output."""
    duration_s: float | None = None
    ending: Ending | None = None
    snippet_sha256: str | None = None
    """Digest of the snippet's bytes as verified: a page shows it only while they still match."""
    expected_sha256: str | None = None
    """Digest of the expectation's bytes as verified (None when there is none)."""
    actual_sha256: str | None = None
    verified: Provenance | None = None
    """Where and when it ran; None for a snippet that did not run."""

    @property
    def recorded(self) -> bool:
        """A skipped snippet has an output recorded on its device (shown as such, never as run here)."""
        return self.output is not None

    def to_json(self) -> JSON:
        data = dict(vars(self))
        data["settings"] = None if self.settings is None else dict(vars(self.settings))
        data["normalizations"] = list(self.normalizations)
        data["verified"] = None if self.verified is None else self.verified.to_json()
        return data

    @classmethod
    def from_json(cls, data: JSON) -> Entry:
        return cls(**{
            **data,
            "status": Status(data["status"]),
            "ending": None if data["ending"] is None else Ending(data["ending"]),
            "settings": None if data["settings"] is None else Settings(**data["settings"]),
            "normalizations": tuple(Normalization(name) for name in data["normalizations"]),
            "verified": None if data["verified"] is None else Provenance.from_json(data["verified"]),
        })


@dataclass(frozen=True)
class Report:
    """One verifier run: where it ran, what it was asked, and an entry per selected snippet."""

    environment: Environment
    entries: tuple[Entry, ...]
    fingerprint: str
    """Digest of the verifier's own source when it ran."""
    pinned_torch: str | None
    """The ``torch==`` pin of ``requirements.txt``: whose ``<name>.out`` files are the defaults."""
    selection_paths: tuple[str, ...] = ()
    selection_pattern: str | None = None
    duration_s: float = 0.0
    version: str = __version__
    """The verifier version that wrote it; :func:`load` refuses any other."""
    _by_path: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_path", {entry.path: entry for entry in self.entries})

    def entry(self, path: str) -> Entry | None:
        """The entry of the snippet at ``path`` (``snippets/…py``), if this run selected it."""
        return self._by_path.get(path)

    def count(self, status: Status) -> int:
        return sum(entry.status is status for entry in self.entries)

    @property
    def failed(self) -> int:
        return sum(entry.status.fails_run for entry in self.entries)

    def to_json(self) -> JSON:
        return {
            "verifier": {"version": self.version, "fingerprint": self.fingerprint},
            "environment": self.environment.to_json(),
            "pinned_torch": self.pinned_torch,
            "selection": {"paths": list(self.selection_paths), "pattern": self.selection_pattern},
            # Derived, written for readers without this module (the drift workflow's summary).
            "summary": {"passed": self.count(Status.PASSED), "failed": self.failed,
                        "skipped": self.count(Status.SKIPPED)},
            "duration_s": self.duration_s,
            "snippets": [entry.to_json() for entry in self.entries],
        }

    @classmethod
    def from_json(cls, data: JSON) -> Report:
        return cls(
            environment=Environment.from_json(data["environment"]),
            entries=tuple(Entry.from_json(entry) for entry in data["snippets"]),
            fingerprint=data["verifier"]["fingerprint"],
            pinned_torch=data["pinned_torch"],
            selection_paths=tuple(data["selection"]["paths"]),
            selection_pattern=data["selection"]["pattern"],
            duration_s=data["duration_s"],
            version=data["verifier"]["version"],
        )


def installed_version(distribution: str) -> str | None:
    """A distribution's installed version, read now (None when it is not installed)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def installed_torch() -> str | None:
    """The installed torch version from its metadata: the same string as ``torch.__version__``."""
    return installed_version("torch")


def verifier_digest() -> str:
    """Digest of the verifier's own source: a report or cached result belongs to exactly this source."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def mismatch(report: Report) -> str | None:
    """Why ``report`` does not describe this installation (another torch, Python or verifier), or None."""
    here = {"torch": installed_torch(), "Python": platform.python_version(), "verifier": f"{__version__}+{verifier_digest()}"}
    there = {"torch": report.environment.torch, "Python": report.environment.python, "verifier": report.fingerprint}
    for what, installed in here.items():
        if there[what] != installed:
            return f"the report was written under {what} {there[what]}, but {installed} is installed"
    return None


def load(path: Path) -> Report:
    """Read a report; :class:`ReportError` with the path and the remedy if it cannot be trusted."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ReportError(f"{path}: no report; run `python scripts/verify.py` first") from None
    except ValueError as exc:
        raise ReportError(f"{path}: not a JSON report ({exc}); run `python scripts/verify.py` again") from None
    version = data.get("verifier", {}).get("version") if isinstance(data, dict) else None
    if version != __version__:
        raise ReportError(f"{path}: written by verifier {version or '(unknown)'}, but this is verifier "
                          f"{__version__}; run `python scripts/verify.py` again")
    try:
        return Report.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"{path}: malformed report ({exc!r}); run `python scripts/verify.py` again") from None


def write(path: Path, report: Report) -> None:
    write_json(path, report.to_json())


def write_json(path: Path, data: object) -> None:
    """Write JSON atomically: readers (the site, a concurrent run) never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
