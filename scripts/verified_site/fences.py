"""Find code fences exactly as ``pymdownx.superfences`` will, and tell which ones are Python.

The gate must see every fence the engine will render, no more and no fewer: a regular
expression of our own would miss a tab before ``title=``, an attribute-list header
(```` ```{ .python title="a.b" } ````) or a fence inside a blockquote, all of which
SuperFences renders. So this module runs SuperFences' own block scanner over the page
with a validator that accepts every header and records each fence instead of rendering it.
Whether a language is Python is Pygments' answer, not a list of ours.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from markdown import Markdown
from pygments.lexers import find_lexer_class_by_name
from pygments.lexers import python as python_lexers
from pygments.util import ClassNotFound
from pymdownx.superfences import CodeStash, SuperFencesBlockPreprocessor, SuperFencesCodeExtension

_PYTHON_LEXERS = tuple(
    lexer for lexer in vars(python_lexers).values()
    if isinstance(lexer, type) and getattr(lexer, "__module__", "") == python_lexers.__name__ and hasattr(lexer, "aliases")
)


@functools.cache
def is_python(language: str) -> bool:
    """Whether Pygments reads ``language`` as Python (``py2``, ``sage``, ``pycon``, ``bazel``, ``ipython3``…).

    Any lexer defined in ``pygments.lexers.python`` counts, and any lexer (plugins included)
    that derives from one or names Python, so a new alias cannot slip a Python block past
    the gate.
    """
    if not language:
        return False
    try:
        lexer = find_lexer_class_by_name(language)
    except ClassNotFound:
        return False
    names = " ".join([lexer.name, *getattr(lexer, "mimetypes", [])]).lower()
    return issubclass(lexer, _PYTHON_LEXERS) or "python" in names


@dataclass(frozen=True)
class Fence:
    """One fenced block as SuperFences sees it, with line indices into the scanned text."""

    start: int
    """Index of the opening line."""
    end: int
    """Index of the closing line."""
    prefix: str
    """What precedes the fence on its opening line: indentation and blockquote markers."""
    marker: str
    """The backticks or tildes that open it."""
    language: str
    options: dict[str, str]
    """``key="value"`` options of the header (or of its ``{ … }`` attribute list)."""
    classes: tuple[str, ...] = ()
    """Extra ``.class`` names of an attribute-list header."""
    id: str = ""
    source: str = ""
    """The body, with the fence's indentation removed."""

    @property
    def is_python(self) -> bool:
        return is_python(self.language)


class _Recorder(SuperFencesBlockPreprocessor):
    """SuperFences' scanner, recording fences instead of rendering them."""

    def __init__(self, md: Markdown, config: dict[str, Any]) -> None:
        super().__init__(md)
        self.config = config
        self.extension = _AnyHeader()
        self.found: list[Fence] = []

    def process_nested_block(self, ws: str, content: str, start: int, end: int) -> None:
        self.found.append(Fence(
            start=start, end=end - 1, prefix=self.ws or "", marker=self.fence or "", language=self.lang or "",
            options=dict(self.options), classes=tuple(self.classes), id=self.id,
            source=self.rebuild_block(self.code),
        ))
        self.clear()


class _AnyHeader:
    """Stands in for the SuperFences extension: one entry that accepts any header."""

    def __init__(self) -> None:
        self.stash = CodeStash()
        self.superfences = [{
            "name": "*",
            "test": lambda language: True,
            "formatter": lambda **kwargs: "",
            "validator": _accept,
            "reset": None,
        }]


def _accept(language: str, inputs: dict[str, str], options: dict[str, str], attrs: dict[str, str], md: Markdown) -> bool:
    options.update(inputs)
    return True


def scan(lines: list[str], md: Markdown) -> list[Fence]:
    """Every fence SuperFences would find in ``lines``, in order."""
    extension = next((ext for ext in md.registeredExtensions if isinstance(ext, SuperFencesCodeExtension)), None)
    if extension is None:
        raise RuntimeError("the verified pages extension needs pymdownx.superfences in markdown_extensions")
    recorder = _Recorder(md, extension.getConfigs())
    recorder.run(list(lines))
    return recorder.found


@functools.cache
def standalone_markdown() -> Markdown:
    """A Markdown instance with SuperFences, for reading pages outside a build (the drift page's claims).

    Made once and shared: :func:`scan` only reads it (its extensions, tab length and
    preprocessors) and keeps every fence it records in a :class:`_Recorder` of its own, so
    nothing of one page stays on the instance for the next. Never convert with it.
    """
    return Markdown(extensions=["attr_list", "pymdownx.highlight", "pymdownx.superfences"])
