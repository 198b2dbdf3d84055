"""The torch sources the API reference page renders, copied from the installed torch.

mkdocstrings (griffe) reads only the folder named in ``mkdocs.yml``
(``plugins.mkdocstrings.handlers.python.paths``); given the whole installed torch it parses
thousands of modules (about 50 s). Every engine's documented build copies these few files
first: the MkDocs hook at ``on_config`` (before mkdocstrings starts), ``scripts/build.py``
before Zensical. The folder is outside ``.cache/``, which ``zensical build -c`` wipes.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

#: The torch source files the API reference renders.
SOURCES = ("nn/modules/module.py", "nn/parameter.py")
#: Where they are copied, relative to the project root (git-ignored).
FOLDER = Path(".api-sources")


class TorchMissing(Exception):
    """No torch is installed: the API reference renders from the installed torch."""


def prepare(root: Path) -> Path:
    """Copy the installed torch's sources under ``root``, found without importing torch (seconds)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        raise TorchMissing("torch is not installed: the API reference renders from the installed torch")
    torch_dir = Path(next(iter(spec.submodule_search_locations)))
    folder = root / FOLDER
    for rel in SOURCES:
        target = folder / "torch" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(torch_dir / rel, target)
        for package in target.relative_to(folder).parents:
            if package != Path("."):
                (folder / package / "__init__.py").touch()
    return folder
