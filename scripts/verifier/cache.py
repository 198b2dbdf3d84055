"""Remember passing results, keyed on everything that can change them.

A fingerprint is a dict of named parts rather than one opaque hash, so that a re-run can
say *why* it happened ("torch 2.13.0 → 2.14.1", "snippet changed"). Computing it must
not import torch: an unchanged run executes nothing and finishes in a fraction of the
time ``import torch`` takes.
"""

from __future__ import annotations

import glob
import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .report import JSON, Entry, installed_torch, verifier_digest, write_json

Fingerprint = dict[str, object]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except FileNotFoundError:
        return None


def environment_parts() -> Fingerprint:
    """The parts shared by every snippet of this run.

    ``gpu-device-nodes`` stands in for "is a GPU visible" without importing torch, so a
    skipped CUDA snippet is re-examined when the same checkout moves to a GPU machine.
    """
    return {
        "torch": installed_torch(),
        "python": platform.python_version(),
        "verifier": f"{__version__}+{verifier_digest()}",
        "gpu-device-nodes": bool(glob.glob("/dev/nvidia[0-9]*")),
    }


def fingerprint(snippet_source: bytes, expectation: Path, root: Path, imports: list[str], env: Fingerprint) -> Fingerprint:
    return {
        **env,
        "snippet": sha256(snippet_source),
        "expectation": f"{expectation.relative_to(root).as_posix()}:{file_digest(expectation)}",
        "imports": {rel: file_digest(root / rel) for rel in imports},
    }


def why_changed(old: Fingerprint | None, new: Fingerprint) -> str:
    """A short human reason for re-running, from the first differing part."""
    if old is None:
        return "not verified before"
    labels = {
        "snippet": "snippet changed",
        "expectation": "expected output changed",
        "gpu-device-nodes": "GPU visibility changed",
    }
    for part, label in labels.items():
        if old.get(part) != new.get(part):
            return label
    for part in ("torch", "python"):
        if old.get(part) != new.get(part):
            return f"{part} {old.get(part)} → {new.get(part)}"
    if old.get("verifier") != new.get("verifier"):
        return "verifier changed"
    old_imports, new_imports = _imports(old), _imports(new)
    changed = [rel for rel, digest in new_imports.items() if old_imports.get(rel) != digest]
    if changed:
        return f"{changed[0]} changed"
    return "unchanged"


def _imports(fp: Fingerprint) -> dict[str, str | None]:
    imports = fp.get("imports")
    return imports if isinstance(imports, dict) else {}


@dataclass(frozen=True)
class Hit:
    """A cached result: the fingerprint it was verified under, and its report entry."""

    fingerprint: Fingerprint
    entry: Entry

    @property
    def imports(self) -> list[str]:
        """Repo files the snippet imported when it last ran: part of what a re-run is keyed on."""
        return list(_imports(self.fingerprint))


class Cache:
    """A JSON file of ``{snippet: {"fingerprint": ..., "entry": ...}}``, written atomically.

    Only passing and skipped results are kept. An entry this verifier cannot read (written
    by another version) is a miss, never an error: the cache is disposable.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, JSON] = json.loads(path.read_bytes())
        except (FileNotFoundError, ValueError):
            self.data = {}

    def get(self, key: str) -> Hit | None:
        stored = self.data.get(key)
        try:
            return None if stored is None else Hit(stored["fingerprint"], Entry.from_json(stored["entry"]))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, fp: Fingerprint, entry: Entry) -> None:
        self.data[key] = {"fingerprint": fp, "entry": entry.to_json()}

    def save(self) -> None:
        write_json(self.path, self.data)
