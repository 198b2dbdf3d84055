"""MkDocs hook (also run by ProperDocs): what publishing the site at an address needs.

The address (``site_url``) and the repository (``repo_url``) come from the environment
(``SITE_URL``, ``REPO_URL``; see README, Publishing), so a build may have either, both or
neither. What depends on them is settled here, before any plugin starts:

* the feed (``mkdocs-rss-plugin``) needs absolute links: without ``site_url`` it would log
  an error (failing ``--strict``) and write feeds without addresses, so it is switched off
  and leaves the plugin list, which is how Material decides whether a page advertises it.
  With one, its channel image is the site's favicon at that address (the plugin would
  otherwise write ``<url>None</url>``);
* "edit this page" (``edit_uri``) is relative to ``repo_url``: without one MkDocs would warn
  about every page and link nowhere, so it is dropped.

And for share previews and the feed alike, a blog post without a ``description`` in its
front matter is described by its excerpt's first paragraph (the text before the blog's
``post_excerpt_separator`` that is not a heading or a block), as plain text: what
Material's ``<meta name="description">``, the Open Graph tags (``overrides/main.html``)
and the feed items show. Finally, the feed names an item's author in ``<dc:creator>``: RSS 2.0's
``<author>`` is an e-mail address, and the blog's authors have none.

This hook must come before ``scripts/mkdocs_hook.py`` in ``mkdocs.yml``: that one publishes
the site at the end of ``on_post_build``, after which nothing may change it.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

from verified_site.engines import blog_excerpt_separator
from verified_site.extension import VOID_ELEMENTS

FEED_PLUGIN = "rss"

log = logging.getLogger("mkdocs.hooks.publishing")


@event_priority(100)  # before every plugin's on_config (the feed's reads site_url there)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    feed = config.plugins.get(FEED_PLUGIN)
    if feed is not None and not config.site_url:
        feed.config["enabled"] = False
        # Its event handlers stay registered and return at once; Material's <head> links
        # to the feeds only while "rss" is among the plugins.
        del config.plugins[FEED_PLUGIN]
        log.info("no site_url (SITE_URL): the site has no feed")
    elif feed is not None and not feed.config.get("image"):
        feed.config["image"] = str(config.site_url) + str(config.theme["favicon"])
    if not config.repo_url:
        config.edit_uri = None
        config.edit_uri_template = None
    return config


@event_priority(50)  # before the feed reads the description (at -75)
def on_page_content(html_text: str, page: Page, config: MkDocsConfig, **_: object) -> str:
    separator = blog_excerpt_separator(config)
    if separator and separator in html_text and not page.meta.get("description"):
        description = first_paragraph(html_text.split(separator, 1)[0])
        if description:
            # Escaped once, as markup: Material writes page.meta.description into an
            # attribute without escaping, while Jinja's `| e` and the feed's leave markup as is.
            page.meta["description"] = Markup(escape(description))
    return html_text


def on_post_build(config: MkDocsConfig) -> None:
    feed = config.plugins.get(FEED_PLUGIN)
    if feed is None or not feed.config.get("rss_feed_enabled"):
        return
    for name in (feed.config["feeds_filenames"]["rss_created"], feed.config["feeds_filenames"]["rss_updated"]):
        path = Path(config.site_dir) / name
        if path.is_file():
            path.write_text(authors_as_creators(path.read_text(encoding="utf-8")), encoding="utf-8")


def authors_as_creators(rss: str) -> str:
    """``<author>name</author>`` (no e-mail address) → ``<dc:creator>name</dc:creator>``."""
    return re.sub(r"<author>([^<@]*)</author>", r"<dc:creator>\1</dc:creator>", rss)


class _FirstParagraph(HTMLParser):
    """The text of the first ``<p>`` at the top level of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.inside = False
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_ELEMENTS:
            return
        if self.depth == 0 and tag == "p" and not self.done:
            self.inside = True
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        self.depth -= 1
        if self.depth == 0 and self.inside:
            self.inside, self.done = False, True

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def first_paragraph(fragment: str) -> str:
    parser = _FirstParagraph()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())
