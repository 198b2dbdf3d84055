"""What ``scripts/drift.py`` records under other torches and devices, as types.

Two committed files, both written only by ``scripts/drift.py`` and read by the site (so a
build never needs those heavy installs):

* ``drift/results.json`` (:class:`DriftResults`): per snippet and per torch, whether the
  output the site shows still holds there;
* ``drift/devices.json`` (:class:`DeviceRecordings`): outputs of snippets that need a
  device the build machine may lack (``cuda``, ``mps``), as last recorded where it existed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from .report import JSON, write_json
from .snippets import release_of

T = TypeVar("T")

RESULTS = Path("drift/results.json")
DEVICES = Path("drift/devices.json")


class DriftError(Exception):
    """A drift file is unreadable; regenerate it with ``scripts/drift.py``."""


class DriftStatus(StrEnum):
    """One snippet under one torch, compared with the output the site shows (``<name>.out``)."""

    SAME = "same"
    """Byte for byte the output the site shows."""
    CHANGED = "changed"
    """Different, without a new exception."""
    RAISES = "raises"
    """Ends in a traceback the recording lacks, or in a different exception."""
    SKIPPED = "skipped"
    """Needs a device that environment lacks."""
    RECORDED = "recorded"
    """Ran on its device for the first time: nothing to compare with yet."""
    ERROR = "error"
    """The verifier could not run it (timeout, crash, malformed snippet)."""

    @property
    def has_diff(self) -> bool:
        return self in (DriftStatus.CHANGED, DriftStatus.RAISES)


@dataclass(frozen=True)
class VersionResult:
    """One snippet under one torch."""

    status: DriftStatus
    diff: str = ""
    """For ``changed`` / ``raises``: ``diff -u`` of the site's output and this torch's."""
    message: str = ""
    """For ``skipped`` / ``error``: the verifier's reason."""
    output: str | None = None
    """For ``recorded``: the output seen on the device."""
    variant: str | None = None
    """A per-version expectation (``<name>.torch-X.Y.out``) the verifier read under this torch."""

    def to_json(self) -> JSON:
        data: JSON = {"status": str(self.status)}
        for key in ("diff", "message", "output", "variant"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data: JSON) -> VersionResult:
        return cls(**{**data, "status": DriftStatus(data["status"])})


@dataclass(frozen=True)
class SnippetDrift:
    """One snippet across every torch of the run."""

    device: str
    expected_sha256: str | None
    """Digest of the ``<name>.out`` compared against: a later edit makes this row stale."""
    results: dict[str, VersionResult]
    """``torch.__version__`` → its result, oldest torch first."""

    def to_json(self) -> JSON:
        return {"device": self.device, "expected_sha256": self.expected_sha256,
                "results": {torch: result.to_json() for torch, result in self.results.items()}}

    @classmethod
    def from_json(cls, data: JSON) -> SnippetDrift:
        return cls(data["device"], data["expected_sha256"],
                   {torch: VersionResult.from_json(result) for torch, result in data["results"].items()})


@dataclass(frozen=True)
class DriftEnvironment:
    """One interpreter the drift command ran the verifier under."""

    torch: str
    python: str
    platform: str
    machine: str
    date: str
    devices: tuple[str, ...]
    device_names: dict[str, tuple[str, ...]]
    """Accelerator names per device (``cuda`` → ``NVIDIA H200``), for provenance."""
    duration_s: float
    counts: dict[DriftStatus, int]

    @property
    def release(self) -> str:
        return release_of(self.torch)

    @property
    def has_accelerator(self) -> bool:
        return any(device in self.devices for device in ACCELERATORS)

    def to_json(self) -> JSON:
        return {**vars(self), "devices": list(self.devices),
                "device_names": {device: list(names) for device, names in self.device_names.items()},
                "counts": {str(status): n for status, n in self.counts.items()}}

    @classmethod
    def from_json(cls, data: JSON) -> DriftEnvironment:
        return cls(**{**data, "devices": tuple(data["devices"]),
                      "device_names": {device: tuple(names) for device, names in data["device_names"].items()},
                      "counts": {DriftStatus(status): n for status, n in data["counts"].items()}})


#: Devices a build machine may lack: a snippet needing one is skipped there, never passed.
ACCELERATORS = ("cuda", "mps")


@dataclass(frozen=True)
class DriftResults:
    """``drift/results.json``: one drift run."""

    command: str
    """The command that produced it, as a reader can retype it."""
    date: str
    duration_s: float
    pinned_torch: str | None
    environments: tuple[DriftEnvironment, ...]
    """Oldest torch first."""
    snippets: dict[str, SnippetDrift] = field(default_factory=dict)

    def to_json(self) -> JSON:
        return {
            "generated_by": "scripts/drift.py",
            "command": self.command,
            "date": self.date,
            "duration_s": self.duration_s,
            "pinned_torch": self.pinned_torch,
            "expectations": "each snippet's <name>.out, recorded on the pinned torch and shown on the site",
            "environments": [env.to_json() for env in self.environments],
            "snippets": {path: info.to_json() for path, info in self.snippets.items()},
        }

    @classmethod
    def from_json(cls, data: JSON) -> DriftResults:
        return cls(data["command"], data["date"], data["duration_s"], data["pinned_torch"],
                   tuple(DriftEnvironment.from_json(env) for env in data["environments"]),
                   {path: SnippetDrift.from_json(info) for path, info in data["snippets"].items()})


@dataclass(frozen=True)
class DeviceRecording:
    """An output recorded on a device the build machine may lack, and where."""

    device: str
    device_name: str
    torch: str
    python: str
    platform: str
    date: str
    output: str
    output_sha256: str

    def to_json(self) -> JSON:
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: JSON) -> DeviceRecording:
        return cls(**data)


@dataclass(frozen=True)
class DeviceRecordings:
    """``drift/devices.json``: per snippet, its recordings, newest first."""

    recordings: dict[str, tuple[DeviceRecording, ...]] = field(default_factory=dict)

    def for_snippet(self, path: str) -> tuple[DeviceRecording, ...]:
        return self.recordings.get(path, ())

    def to_json(self) -> JSON:
        return {
            "about": ("Outputs of snippets that need a device the build machine may lack (cuda, mps), as last "
                      "recorded by scripts/drift.py on a machine that had it, with where they were recorded. "
                      "The site shows a skipped snippet's <name>.out with the record whose output_sha256 matches it."),
            "recordings": {path: [r.to_json() for r in records] for path, records in sorted(self.recordings.items())},
        }

    @classmethod
    def from_json(cls, data: JSON) -> DeviceRecordings:
        return cls({path: tuple(DeviceRecording.from_json(r) for r in records)
                    for path, records in data["recordings"].items()})


def load_results(root: Path) -> DriftResults | None:
    """``drift/results.json`` under ``root``; None where it does not exist (pages then say nothing of drift)."""
    data = _read(root / RESULTS)
    return None if data is None else _parse(root / RESULTS, DriftResults.from_json, data)


def load_devices(root: Path) -> DeviceRecordings:
    data = _read(root / DEVICES)
    return DeviceRecordings() if data is None else _parse(root / DEVICES, DeviceRecordings.from_json, data)


def write_results(root: Path, results: DriftResults) -> None:
    write_json(root / RESULTS, results.to_json())


def write_devices(root: Path, devices: DeviceRecordings) -> None:
    write_json(root / DEVICES, devices.to_json())


def _read(path: Path) -> JSON | None:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DriftError(f"{path} is unreadable ({exc}); regenerate it with scripts/drift.py") from None
    if not isinstance(data, dict):
        raise DriftError(f"{path} is not a JSON object; regenerate it with scripts/drift.py")
    return data


def _parse(path: Path, parse: Callable[[JSON], T], data: JSON) -> T:
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise DriftError(f"{path} is malformed ({exc!r}); regenerate it with scripts/drift.py") from None
