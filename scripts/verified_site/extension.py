"""The verified pages as a Python-Markdown extension, for every engine that runs extensions.

Named in ``mkdocs.yml`` like any other extension, so MkDocs, ProperDocs and Zensical all run
it on every page::

    markdown_extensions:
      - verified_site.extension

Three steps per page:

1. before pymdownx.snippets: refuse forged boxes, render the drift marker, and wrap every
   include line in markers naming its page line;
2. after includes are expanded, before SuperFences: decide every fence (:func:`pages.expand`),
   add the output boxes, refuse anything unverified, missing, failed or stale;
3. on the final HTML: refuse Python code and boxes that reached the page any other way
   (raw HTML, an included partial), and drop the per-page nonce that told them apart.

It reads the verifier's report and never runs anything: an engine that did not run the
verifier first finds no report, or a stale one, and the build fails naming page and snippet.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from pymdownx.snippets import SnippetPreprocessor

from verifier import drift_results
from verifier.report import Entry, Report, ReportError, load, mismatch
from verifier.watch import Stamp, stamp_of

from . import drift_page, engines, fences, pages
from .text import DEFAULT_LANGUAGE, Text, text_for

#: Markers this extension writes; page source that contains one is refused as a forgery.
_FORGEABLE = ("verified-output", "data-verified")
#: mkdocstrings' ``::: identifier`` directive: its blocks quote the installed source, labelled
#: "Source code in <file>" by mkdocstrings itself, so Python inside them is a quotation.
_AUTODOC = re.compile(r"^\s*:::\s+\S")
_AUTODOC_CLASS = "doc-object"
#: HTML elements that have no end tag.
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})


class VerifiedPagesExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "language": ["", "Language of the text this extension adds (scripts/verified_site/text.py); "
                             "default: the site's theme.language, as the engine reports it."],
            "report": [".verify/report.json", "The verifier's report, relative to the working directory."],
            "root": [".", "The project root (snippets/, drift/), relative to the working directory."],
            "rules_page": ["verification.md", "The page documenting the normalizations, relative to the docs folder."],
            "drift_page": ["drift.md", "The drift page, relative to the docs folder."],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtensions(["attr_list", "md_in_html", "pymdownx.details"], {})
        page = _Page(md, self.getConfigs())
        md.preprocessors.register(_MarkIncludes(md, page), "verified_mark", 33)  # before pymdownx.snippets (32)
        md.preprocessors.register(_Gate(md, page), "verified_gate", 29)  # after normalize_whitespace, before SuperFences (25)
        md.treeprocessors.register(_TreeDone(md, page), "verified_tree_done", 1)  # after toc (5) and mkdocstrings (4)
        md.postprocessors.register(_CheckHtml(md, page), "verified_html", 15)  # after raw HTML is restored (30)


def makeExtension(**kwargs: Any) -> VerifiedPagesExtension:  # Python-Markdown's entry point
    return VerifiedPagesExtension(**kwargs)


@dataclass
class _Page:
    """What one conversion carries between the three steps."""

    md: Markdown
    config: dict[str, Any]
    text: Text = field(init=False)
    nonce: str = ""
    info: engines.PageInfo = engines.UNKNOWN_PAGE
    source: list[str] = field(default_factory=list)
    """The Markdown the engine gave: the page without its front matter. Line numbers in
    problems count from its first line until :meth:`refuse` adds the front matter's."""
    tree_done: bool = False
    """The tree stage ended: postprocessors now see the whole page, not a heading for the TOC."""
    autodoc: bool = False
    """An inner conversion of mkdocstrings (a docstring of the installed torch): a quotation,
    checked as part of the page that holds the ``:::`` directive, never gated on its own."""

    def __post_init__(self) -> None:
        self.text = text_for(self.config["language"] or DEFAULT_LANGUAGE)

    def begin(self, lines: list[str]) -> None:
        self.autodoc = any(type(ext).__name__ == "MkdocstringsInnerExtension" for ext in self.md.registeredExtensions)
        self.nonce = secrets.token_hex(8)
        self.tree_done = False
        self.info = engines.page_info(self.md)
        self.text = text_for(self.config["language"] or self.info.language or DEFAULT_LANGUAGE)
        self.source = lines

    @property
    def root(self) -> Path:
        return Path(self.config["root"])

    def marker(self, kind: str, line: int, path: str = "") -> str:
        return f"<!--verified:{self.nonce}:{kind}:{line}:{path}-->"

    def refuse(self, problems: list[pages.Problem]) -> engines.PageRefused:
        """The error naming each problem's page line, front matter counted (read from the page
        file only now: a page that passes never needs it)."""
        offset = _front_matter_lines(self.info.file, self.source)
        lines = [f"{self.info.shown}:{p.line + offset}: {p.message}" for p in sorted(problems, key=lambda p: p.line)]
        return engines.refusal("nothing was published: " + "\n".join(lines) if len(lines) == 1
                               else "nothing was published:\n" + "\n".join(lines))


class _MarkIncludes(Preprocessor):
    def __init__(self, md: Markdown, page: _Page) -> None:
        super().__init__(md)
        self.page = page

    def run(self, lines: list[str]) -> list[str]:
        page = self.page
        page.begin(lines)
        if page.autodoc:
            return lines
        if page.info.excerpt_separator:
            lines = excerpt_lines(lines, page.info.excerpt_separator)
        problems = [pages.Problem(i + 1, "the page writes a verified-output box or marker by hand; "
                                                        "boxes come only from verified snippet includes")
                    for i, line in enumerate(lines) if any(word in line for word in _FORGEABLE)]
        if problems:
            raise page.refuse(problems)
        out: list[str] = []
        block: int | None = None
        for i, line in enumerate(lines):
            number = i + 1
            match = SnippetPreprocessor.RE_ALL_SNIPPETS.match(line)
            if line.strip() == drift_page.MARKER:
                out += [page.marker("start", number), *self._drift(), page.marker("end", number)]
            elif match and match["escape"]:
                out.append(line)
            elif match and match["block_marker"]:
                # A block include is one region: its paths are lines that only pymdownx.snippets reads.
                if block is None:
                    block = number
                    out += [match["space"] + page.marker("start", number), line]
                else:
                    out += [line, match["space"] + page.marker("end", block)]
                    block = None
            elif block is not None and line.strip().startswith(pages.SNIPPETS_DIR):
                problems.append(pages.Problem(number, f"{line.strip()}: include snippets with the one-line form "
                                                      '(`--8<-- "snippets/…"`), not inside a block include'))
                out.append(line)
            elif match and match["inline_marker"]:
                path = match["snippet"][1:-1].strip()
                target = pages.include_target(self.md, path)
                if pages.is_claim(target) and not (page.root / target).is_file():
                    problems.append(pages.Problem(number, f"{target} is not a snippet the verifier knows (no such file)"))
                out += [match["space"] + page.marker("start", number, path), line, match["space"] + page.marker("end", number)]
            else:
                out.append(line)
        if problems:
            raise page.refuse(problems)
        return out

    def _drift(self) -> list[str]:
        results = _drift_file(drift_results.load_results, self.page.root, drift_results.RESULTS)
        if results is None:
            return []
        docs = self.page.info.docs_dir or self.page.root / "docs"
        sources = [(p.relative_to(docs).as_posix(), p.read_text(encoding="utf-8-sig")) for p in sorted(docs.rglob("*.md"))]
        claims = drift_page.claims_from_pages(sources)
        return drift_page.render(results, claims, self.page.text, self.page.info.source.as_posix()).split("\n")


#: Markdown definitions that reach back to text before them: links by reference, footnotes, abbreviations.
_DEFINITION = re.compile(r"^ {0,3}(?:\[[^\]]+\]:|\*\[)")
#: What stands for the rest of a post in an excerpt's conversion: the engine only needs to see that there is more.
EXCERPT_REST = "<!-- the rest of the post: not converted for an excerpt -->"


def excerpt_lines(lines: list[str], separator: str) -> list[str]:
    """The lines an excerpt needs: up to its separator, with :data:`EXCERPT_REST` after it.

    Material's blog converts a whole post once for each view that lists it (three here) and
    keeps the HTML before the separator; the rest (every snippet, box and highlighted block
    of the post) was converted only to be dropped, four tenths of a rebuild. The excerpt is
    the same without it unless a definition after the separator reaches back into the
    excerpt (a reference link, a footnote, an abbreviation): then the whole post is kept.
    """
    cut = next((i for i, line in enumerate(lines) if line.strip() == separator), None)
    if cut is None or any(_DEFINITION.match(line) for line in lines[cut + 1:]):
        return lines
    return [*lines[:cut + 1], "", EXCERPT_REST]


class _Gate(Preprocessor):
    def __init__(self, md: Markdown, page: _Page) -> None:
        super().__init__(md)
        self.page = page

    def run(self, lines: list[str]) -> list[str]:
        page = self.page
        if page.autodoc:
            return lines
        marker = re.compile(rf"^\s*<!--verified:{page.nonce}:(start|end):(\d+):(.*)-->$")
        clean: list[str] = []
        origin: list[int] = []
        regions: list[pages.Region] = []
        opened: list[tuple[int, int, str]] = []
        line_number = 0
        for line in lines:
            match = marker.match(line)
            if match is None:
                if not opened:
                    line_number += 1
                clean.append(line)
                origin.append(opened[-1][1] if opened else line_number)
                continue
            kind, number, path = match[1], int(match[2]), match[3]
            if kind == "start":
                opened.append((len(clean), number, path))
            else:
                first, number, path = opened.pop()
                if not opened:
                    regions.append(pages.Region(first, len(clean), number, path,
                                                pages.include_target(self.md, path) if path else ""))
                    line_number = number
        context = self._context()
        expansion = pages.expand(clean, origin, regions, self.md, page.text, self._shown_source,
                                 functools.partial(self._box, context), page.nonce)
        if expansion.problems:
            raise page.refuse(expansion.problems)
        return expansion.lines

    def _context(self) -> pages.Context:
        page = self.page
        return pages.Context(text=page.text, page=page.info.source.as_posix(), rules_page=page.config["rules_page"],
                             drift=_drift_file(drift_results.load_results, page.root, drift_results.RESULTS),
                             drift_page=page.config["drift_page"],
                             devices=_drift_file(drift_results.load_devices, page.root, drift_results.DEVICES))

    def _shown_source(self, path: str) -> str | None:
        """The snippet as the engine shows it: tabs expanded, blank lines emptied (Markdown's own normalizing)."""
        try:
            text = (self.page.root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        lines = text.expandtabs(self.md.tab_length).split("\n")
        return "\n".join(line if line.strip() else "" for line in lines).rstrip("\n")

    def _box(self, context: pages.Context, path: str, line: int) -> list[str] | str:
        """The claim's output box, or why it may not be shown."""
        page = self.page
        try:
            report, stale = load_report(Path(page.config["report"]))
        except ReportError as exc:
            return f"{path} cannot be shown: {exc}"
        if stale:
            return f"{path} cannot be shown: {stale}; run `python scripts/verify.py` again"
        entry = report.entry(path)
        refusal = _refusal(entry, path, page.root)
        if refusal or entry is None:
            return refusal or path
        return pages.box(entry, context, self.md.htmlStash.store, page.nonce)


def _refusal(entry: Entry | None, path: str, root: Path) -> str | None:
    """Why ``entry`` may not be shown for the files on disk now, or None."""
    if entry is None:
        return f"{path} is not a snippet the verifier knows (is it under snippets/, with a .py name?)"
    if not entry.status.publishable:
        return f"{path} did not pass verification ({entry.status}: {entry.message})"
    if _digest(root / path) != entry.snippet_sha256:
        return f"{path} changed after it was verified; run `python scripts/verify.py` again"
    if entry.expected_path and _digest(root / entry.expected_path) != entry.expected_sha256:
        return f"{path}: its expected output {entry.expected_path} changed after it was verified; run `python scripts/verify.py` again"
    return None


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


_T = TypeVar("_T")


def _read_once(read: Callable[[Path], _T], arg: Path, file: Path) -> _T:
    """``read(arg)``, run once per version of ``file`` (its inode, modification time and size):
    every page of a build shares what it read, and a changed file (``mkdocs serve``) is read
    again. ``OSError`` when ``file`` cannot be examined (absent)."""
    version = stamp_of(file)
    if version is None:
        raise FileNotFoundError(file)
    return cast(_T, _read_at(read, arg, file.resolve(), version))


@functools.lru_cache(maxsize=16)
def _read_at(read: Callable[[Path], object], arg: Path, file: Path, version: Stamp) -> object:
    return read(arg)


def _drift_file(read: Callable[[Path], _T], root: Path, name: Path) -> _T:
    """A file of drift results under ``root`` (``drift_results.RESULTS``, ``DEVICES``), parsed by
    ``read`` once per version; one that is absent or unreadable is left to ``read`` (nothing, or its error)."""
    try:
        return _read_once(read, root, root / name)
    except OSError:
        return read(root)


def _report_and_mismatch(path: Path) -> tuple[Report, str | None]:
    report = load(path)
    return report, mismatch(report)


def load_report(path: Path) -> tuple[Report, str | None]:
    """The report at ``path`` and why it does not fit this installation (None when it does),
    read once per version of the file: every page of a build, and the MkDocs hook, share it."""
    try:
        return _read_once(_report_and_mismatch, path.resolve(), path)
    except FileNotFoundError:
        raise ReportError(f"{path}: no report; run `python scripts/verify.py` first") from None


class _TreeDone(Treeprocessor):
    def __init__(self, md: Markdown, page: _Page) -> None:
        super().__init__(md)
        self.page = page

    def run(self, root: Any) -> None:
        self.page.tree_done = True


class _CheckHtml(Postprocessor):
    """Python code or boxes in the HTML that the gate did not put there (raw HTML, partials)."""

    def __init__(self, md: Markdown, page: _Page) -> None:
        super().__init__(md)
        self.page = page

    def run(self, text: str) -> str:
        page = self.page
        if page.autodoc or not page.tree_done:  # toc runs postprocessors on each heading first
            return text
        stamp = f'data-verified="{page.nonce}"'
        autodoc = any(_AUTODOC.match(line) for line in page.source)
        problems = [pages.Problem(self._line_of(tag), f"{what} in HTML the gate did not make ({tag[:80]}); Python reaches "
                                                      "a page only as a verified snippet include or a quotation")
                    for what, tag in _unverified_python(text, page.nonce, _AUTODOC_CLASS if autodoc else None)]
        if problems:
            raise page.refuse(problems)
        return text.replace(f" {stamp}", "")

    def _line_of(self, tag: str) -> int:
        """The page line a raw tag was written on, when it is on the page itself (else its first line)."""
        for i, line in enumerate(self.page.source):
            if tag[:40] in line:
                return i + 1
        return 1


#: What a browser does not read as tags: comments, declarations, and the contents of
#: raw-text elements (a ``<pre class="language-python">`` in a script's string is no code block).
_NOT_TAGS = re.compile(r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>|<(script|style|textarea|title)\b[^>]*>.*?(?:</\1\s*>|\Z)",
                       re.S | re.I)
#: A start tag: its name and its attributes (quoted values may hold ``>``).
_START_TAG = re.compile(r"""<([a-zA-Z][^\s/>]*)((?:\s*[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*/?>""")
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _unverified_python(text: str, nonce: str, exempt_class: str | None) -> list[tuple[str, str]]:
    """Elements marked as Python code, or as a verified box, outside what the gate stamped.

    A scan with regular expressions rather than :class:`html.parser.HTMLParser`: it runs on
    every page of every build (four times for a post, with Material's blog excerpts) and the
    parser's per-tag cost was a fifth of a ``mkdocs serve`` rebuild. Trusted elements (the
    stamp ``data-verified="<nonce>"``, or mkdocstrings' own ``exempt_class``) are found first,
    each with the extent of its matching end tag; then every element with a class attribute
    is checked against them.
    """
    shown = _NOT_TAGS.sub(lambda m: " " * len(m.group()), text)
    trusted: list[tuple[int, int]] = []
    suspects: list[tuple[int, str, str]] = []
    # A highlighted page repeats a few tags thousands of times (`<span class="k">`): each
    # distinct tag is read once.
    seen: dict[tuple[str, str], str | None] = {}
    for tag in _START_TAG.finditer(shown):
        key: tuple[str, str] = (tag.group(1), tag.group(2))
        verdict = seen.get(key, "")
        if verdict == "":
            verdict = seen[key] = _verdict(key[0].lower(), key[1], nonce, exempt_class)
        if verdict == _TRUSTED:
            trusted.append((tag.start(), _element_end(shown, key[0].lower(), tag.end())))
        elif verdict is not None:
            suspects.append((tag.start(), verdict, tag.group()))
    return [(what, tag) for at, what, tag in suspects if not any(start < at < end for start, end in trusted)]


_TRUSTED = "trusted"


def _verdict(name: str, attributes: str, nonce: str, exempt_class: str | None) -> str | None:
    """One start tag: :data:`_TRUSTED`, what it wrongly marks (``Python code``, ``a verified-output box``), or None."""
    if "class" not in attributes.lower() and "data-verified" not in attributes.lower():
        return None
    values = {a.group(1).lower(): html.unescape(next((v for v in a.group(2, 3, 4) if v is not None), ""))
              for a in _ATTRIBUTE.finditer(attributes)}
    classes = values.get("class", "").split()
    if values.get("data-verified") == nonce or (exempt_class is not None and exempt_class in classes):
        return _TRUSTED
    # Pygments' answer last: a name it does not know loads every plugin lexer (IPython's: ~0.25 s).
    if any((c.startswith(("language-", "lang-")) or name in ("pre", "code"))
           and fences.is_python(c.removeprefix("language-").removeprefix("lang-")) for c in classes):
        return "Python code"
    if any(c.startswith("verified-output") for c in classes):
        return "a verified-output box"
    return None


def _element_end(text: str, name: str, start: int) -> int:
    """Where the element whose start tag ends at ``start`` ends: after its matching end tag
    (same-name tags nest), or at the end of the text when it is never closed."""
    if name in VOID_ELEMENTS:
        return start
    depth = 1
    for tag in _same_name(name).finditer(text, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.start()
    return len(text)


@functools.lru_cache(maxsize=64)
def _same_name(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])", re.I)


def _front_matter_lines(file: Path | None, lines: list[str]) -> int:
    """Lines the engine stripped (front matter) before the Markdown the extension receives."""
    if file is None:
        return 0
    try:
        raw = file.read_text(encoding="utf-8-sig")
    except OSError:
        return 0
    markdown = "\n".join(lines)
    return raw[: len(raw) - len(markdown)].count("\n") if markdown and raw.endswith(markdown) else 0
