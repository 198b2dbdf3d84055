"""Remember passing results, keyed on everything that can change them.

A fingerprint is a dict of named parts rather than one opaque hash, so that a re-run can
say *why* it happened ("torch 2.13.0 → 2.14.1", "snippet changed", "snippets/x/data.csv
changed", "numpy 2.4.6 → 2.5.0"). Its parts: the snippet's and its expectation's bytes,
every repository file the snippet imported or opened (a data file beside it included),
the versions of the installed distributions whose modules it had imported, torch,
Python, and the verifier's own source. Computing it must not import torch: an unchanged
run executes nothing and finishes in a fraction of the time ``import torch`` takes.

Two runs may share a cache (a build while ``mkdocs serve`` runs): each reads it when it
starts, and writes back only the entries it changed, merged into the file as it is then,
under an exclusive lock (``.verify/cache.lock``), so neither loses the other's entries.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import glob
import hashlib
import json
import platform
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import __version__, report
from .report import JSON, Entry, installed_torch, verifier_digest, write_json

Fingerprint = dict[str, object]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


#: A distribution's version, read once per run (each run clears it: a ``--serve``
#: session runs many, and a package may be upgraded between them).
installed_version = functools.cache(report.installed_version)


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


def fingerprint(snippet_source: bytes, expectation: str, root: Path, files: list[str], distributions: list[str],
                env: Fingerprint) -> Fingerprint:
    """The key of one snippet's result.

    ``expectation`` is ``<path>:<digest>`` of the expectation as read before the run;
    ``files`` the repository files it imported or opened; ``distributions`` the installed
    distributions whose modules it imported (keyed on their versions installed now).
    """
    return {
        **env,
        "snippet": sha256(snippet_source),
        "expectation": expectation,
        "files": {rel: file_digest(root / rel) for rel in sorted(set(files))},
        "distributions": {name: installed_version(name) for name in sorted(set(distributions))},
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
    return _changed_input(old, new)


def _changed_input(old: Fingerprint, new: Fingerprint) -> str:
    """The first repository file or installed distribution whose change invalidates ``old``."""
    old_files, new_files = _part(old, "files"), _part(new, "files")
    for rel, digest in new_files.items():
        if old_files.get(rel) != digest:
            return f"{rel} changed" if digest is not None else f"{rel} removed"
    old_dists = _part(old, "distributions")
    for name, version in _part(new, "distributions").items():
        if old_dists.get(name) != version:
            return f"{name} {old_dists.get(name)} → {version}"
    return "unchanged"


def _part(fp: Fingerprint, name: str) -> dict[str, str | None]:
    value = fp.get(name)
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Hit:
    """A cached result: the fingerprint it was verified under, and its report entry."""

    fingerprint: Fingerprint
    entry: Entry

    @property
    def files(self) -> list[str]:
        """Repo files the snippet imported or opened when it last ran: part of what a re-run is keyed on."""
        return list(_part(self.fingerprint, "files"))

    @property
    def distributions(self) -> list[str]:
        """Installed distributions whose modules it imported when it last ran."""
        return list(_part(self.fingerprint, "distributions"))


class Cache:
    """A JSON file of ``{snippet: {"fingerprint": ..., "entry": ...}}``, written atomically.

    Only passing and skipped results are kept; a result that failed removes the snippet's
    entry (so an older pass is never reused for it). An entry this verifier cannot read
    (written by another version) is a miss, never an error: the cache is disposable.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = self._read()
        self._changed: dict[str, JSON | None] = {}

    def _read(self) -> dict[str, JSON]:
        try:
            data = json.loads(self.path.read_bytes())
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> Hit | None:
        stored = self.data.get(key)
        try:
            return None if stored is None else Hit(stored["fingerprint"], Entry.from_json(stored["entry"]))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, fp: Fingerprint, entry: Entry) -> None:
        self.data[key] = self._changed[key] = {"fingerprint": fp, "entry": entry.to_json()}

    def drop(self, key: str) -> None:
        self.data.pop(key, None)
        self._changed[key] = None

    def save(self) -> None:
        """Merge this run's changes into the file as it is now, under the lock, and write it atomically."""
        if not self._changed:
            return
        with self._lock():
            merged = self._read()
            for key, value in self._changed.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            write_json(self.path, merged)
        self.data = merged
        self._changed = {}

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(f"{self.path.stem}.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# --- installed distributions --------------------------------------------------------------------

#: ``(site-packages dir, top-level module)`` → the distribution that installed it (None: none found).
_owners: dict[tuple[str, str], str | None] = {}


def distributions_of(modules: dict[str, str]) -> list[str]:
    """The distributions that installed these top-level modules (``{name: file}``), sorted.

    Found from each site-packages folder's ``*.dist-info``: by name first (``numpy`` is
    ``numpy-2.4.6.dist-info``), then by ``top_level.txt``, then by ``RECORD`` (``torchgen``
    is torch's, ``_distutils_hack`` setuptools'). Once per folder and module per process.
    """
    located = {name: _site_of(name, file) for name, file in modules.items()}
    wanted: dict[str, set[str]] = {}
    for name, site in located.items():
        if (site, name) not in _owners:
            wanted.setdefault(site, set()).add(name)
    for site, names in wanted.items():
        _owners.update({(site, name): owner for name, owner in _find_owners(Path(site), names).items()})
    return sorted({owner for name, site in located.items() if (owner := _owners.get((site, name))) is not None})


@functools.cache
def _site_of(name: str, file: str) -> str:
    """The folder a top-level module was imported from (``…/site-packages`` for ``…/site-packages/numpy/__init__.py``)."""
    path = Path(file)
    return str(path.parent.parent if path.parent.name == name else path.parent)


def _find_owners(site: Path, names: set[str]) -> dict[str, str | None]:
    try:
        infos = sorted(p for p in site.iterdir() if p.name.endswith((".dist-info", ".egg-info")))
    except OSError:
        return dict.fromkeys(names)
    owners: dict[str, str | None] = dict.fromkeys(names)
    by_name = {_normalize(_dist_name(info)): info for info in infos}
    top_levels: dict[Path, set[str] | None] = {}

    def top_level(info: Path) -> set[str] | None:
        if info not in top_levels:
            try:
                top_levels[info] = set((info / "top_level.txt").read_text(encoding="utf-8").split())
            except OSError:
                top_levels[info] = None
        return top_levels[info]

    for name in names:
        info = by_name.get(_normalize(name))
        if info is not None and (top_level(info) is None or name in (top_level(info) or ())):
            owners[name] = _dist_name(info)
    for info in infos:
        missing = {name for name, owner in owners.items() if owner is None}
        if not missing:
            break
        for name in missing & (top_level(info) or set()):
            owners[name] = _dist_name(info)
    for info in infos:
        missing = {name for name, owner in owners.items() if owner is None}
        if not missing:
            break
        if top_level(info) is not None:
            continue
        try:
            record = (info / "RECORD").read_text(encoding="utf-8")
        except OSError:
            continue
        tops = {line.split("/", 1)[0].split(",", 1)[0] for line in record.splitlines()}
        for name in missing:
            if name in tops or any(top.startswith(f"{name}.") and top.endswith((".py", ".so", ".pyd")) for top in tops):
                owners[name] = _dist_name(info)
    return owners


def _dist_name(info: Path) -> str:
    """``numpy-2.4.6.dist-info`` → ``numpy``."""
    return info.name.rsplit(".", 1)[0].split("-", 1)[0]


def _normalize(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")
