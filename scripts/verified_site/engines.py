"""What the Markdown extension needs from the engine running it, and nothing more.

Python-Markdown tells an extension nothing about the page it converts, yet output boxes
link to other pages relative to the page's own source (so every engine resolves and
validates those links like any other) and refusals must name the page and line. Each
engine leaves that context on the Markdown instance in its own way; reading it is the
only engine-specific code the extension has:

* MkDocs (and ProperDocs, its continuation) register a ``relpath`` treeprocessor that
  holds the page's ``File``; Material's blog converts each post again for every view that
  lists it (blog index, archive, category), with an ``excerpt`` treeprocessor added, and
  keeps only what precedes its excerpt separator;
* Zensical registers a ``ContextPreprocessor`` holding the page's source path;
* plain Python-Markdown (tests, other tools) has neither: the page is ``<page>``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from markdown import Markdown


@dataclass(frozen=True)
class PageInfo:
    """The page being converted, as far as the engine says."""

    source: PurePosixPath
    """Its source path relative to the docs folder (``blog/posts/post.md``): links start here."""
    file: Path | None
    """Its source file, to count the front matter lines the engine stripped; None when unknown."""
    docs_dir: Path | None
    """The docs folder, for pages the extension reads itself (the drift page's claims)."""
    language: str | None = None
    """The site's language (``theme.language``): the edition the page belongs to."""
    excerpt_separator: str | None = None
    """Set when the engine converts the page only to cut an excerpt before this line."""

    @property
    def shown(self) -> str:
        """How refusals name the page: relative to the working directory when possible."""
        if self.file is None:
            return self.source.as_posix()
        try:
            return self.file.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return self.file.as_posix()


#: A page no engine described (plain Python-Markdown): links start at the docs folder's root.
UNKNOWN_PAGE = PageInfo(PurePosixPath("<page>"), None, None)


def page_info(md: Markdown) -> PageInfo:
    if "relpath" in md.treeprocessors:  # MkDocs, ProperDocs
        relpath = md.treeprocessors["relpath"]
        file = getattr(relpath, "file", None)
        config = getattr(relpath, "config", None)
        if file is not None and config is not None:
            return PageInfo(PurePosixPath(file.src_uri), Path(file.abs_src_path) if file.abs_src_path else None,
                            Path(config["docs_dir"]), _language(config["theme"]), _excerpt_separator(md, config))
    for processor in md.preprocessors:  # Zensical
        if type(processor).__name__ == "ContextPreprocessor":
            page, config = getattr(processor, "page", None), getattr(processor, "config", None)
            if page is not None and config is not None:
                docs = Path(config["docs_dir"])
                return PageInfo(PurePosixPath(page.path), docs / page.path, docs, _language(config.get("theme")))
    return UNKNOWN_PAGE


def _excerpt_separator(md: Markdown, config: object) -> str | None:
    """Material's blog excerpt separator, when ``md`` converts a post for a view's excerpt."""
    if "excerpt" not in md.treeprocessors:
        return None
    return blog_excerpt_separator(config)


def blog_excerpt_separator(config: object) -> str | None:
    """The line that ends a post's excerpt (``post_excerpt_separator`` of Material's blog
    plugin, ``<!-- more -->`` unless configured), from an MkDocs configuration; None without the blog."""
    blog = getattr(config, "plugins", {}).get("material/blog")
    return getattr(getattr(blog, "config", None), "post_excerpt_separator", None)


def _language(theme: object) -> str | None:
    """``theme.language`` of an engine's configuration (a mapping, or MkDocs' Theme object)."""
    try:
        language = theme["language"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    return str(language) if language else None


class PageRefused(Exception):
    """A page shows something the verifier did not prove; the message names page, line and snippet."""


def refusal(message: str) -> PageRefused:
    """The error to raise: under MkDocs or ProperDocs also a ``PluginError``, so they print the
    message and abort cleanly ("Aborted with a BuildError!") rather than a traceback."""
    exceptions = sys.modules.get("mkdocs.exceptions")
    plugin_error = getattr(exceptions, "PluginError", None)
    if isinstance(plugin_error, type) and issubclass(plugin_error, Exception):
        return type("PageRefused", (PageRefused, plugin_error), {})(message)
    return PageRefused(message)
