"""What the site's address and repository decide, without a browser.

The published build (``SITE_URL``, ``REPO_URL``) is read in a browser, served like GitHub
Pages, by tests/test_browser.py. Here: the configuration those variables feed (read the way
every engine reads ``mkdocs.yml``), ``scripts/publishing_hook.py``'s parts, and the build
without them (the session's builds, tests/conftest.py): still strict-clean, with share
previews, and with nothing that would need an address or a repository (no feed, canonical
link, sitemap entry, edit or repository link), on every engine.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

import publishing_hook
from conftest import ENGINES, POST, ROOT


class _Head(HTMLParser):
    """A page's <head>: its <meta> and <link> tags, each as its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.anchors: list[dict[str, str | None]] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_head = self.in_head or tag == "head"
        if tag == "body":
            self.in_head = False
        if self.in_head and tag in ("meta", "link"):
            (self.meta if tag == "meta" else self.links).append(dict(attrs))
        if tag == "a":
            self.anchors.append(dict(attrs))

    def content(self, key: str) -> list[str | None]:
        return [m.get("content") for m in self.meta if key in (m.get("property"), m.get("name"))]


def head(page: Path) -> _Head:
    parser = _Head()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("index.html"))


# --------------------------------------------------------------------------- the configuration


def configured(monkeypatch: pytest.MonkeyPatch, **env: str | None) -> MkDocsConfig:
    """mkdocs.yml as loaded with ``env``, after the publishing hook's on_config."""
    for name in ("SITE_URL", "REPO_URL"):
        monkeypatch.delenv(name, raising=False)
        if env.get(name) is not None:
            monkeypatch.setenv(name, str(env[name]))
    monkeypatch.chdir(ROOT)
    config = load_config(str(ROOT / "mkdocs.yml"))
    return publishing_hook.on_config(config)


@pytest.mark.parametrize("site_url", [None, ""])
def test_without_an_address_there_is_no_site_url_and_no_feed(monkeypatch: pytest.MonkeyPatch, site_url: str | None) -> None:
    """Unset, or empty as a CI expression over a skipped step gives it: no address."""
    config = configured(monkeypatch, SITE_URL=site_url)
    assert not config.site_url
    assert "rss" not in config.plugins, "Material would advertise a feed that is never written"


def test_the_pages_address_becomes_site_url_and_turns_the_feed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # actions/configure-pages gives base_url without a trailing slash.
    config = configured(monkeypatch, SITE_URL="https://octo.github.io/notes")
    assert config.site_url == "https://octo.github.io/notes/"
    feed = config.plugins["rss"].config
    assert feed.enabled and not feed.use_git and feed.date_from_meta.as_creation == "date.created"
    assert feed.image == "https://octo.github.io/notes/assets/images/favicon.png"


def test_edit_links_need_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    assert configured(monkeypatch).edit_uri is None
    config = configured(monkeypatch, REPO_URL="https://github.com/octo/notes")
    assert config.repo_url == "https://github.com/octo/notes" and config.edit_uri == "edit/main/docs/"


# --------------------------------------------------------------------------- the hook's parts


def test_a_posts_description_is_its_excerpts_first_top_level_paragraph() -> None:
    excerpt = ('<h1 id="t">Title</h1>\n<div class="admonition quote"><p class="admonition-title">원문</p>'
               '<p>quoted, not ours</p></div>\n<p>The <strong>first</strong> &amp; only\nparagraph, '
               '<a href="../x/">linked</a>.</p>\n<p>second</p>')
    assert publishing_hook.first_paragraph(excerpt) == "The first & only paragraph, linked."
    assert publishing_hook.first_paragraph("<h1>Only a title</h1>") == ""


def test_rss_authors_without_an_address_become_dc_creators() -> None:
    rss = "<item><author>kalelpark</author><author>me@example.org (Me)</author></item>"
    assert publishing_hook.authors_as_creators(rss) == \
        "<item><dc:creator>kalelpark</dc:creator><author>me@example.org (Me)</author></item>"


# --------------------------------------------------------------------------- the build without them


def test_the_build_without_an_address_has_nothing_that_needs_one(site: Path) -> None:
    assert not list(site.glob("feed_*")) and not (site / "rss.xsl").exists()
    assert "<loc>" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    for page in [*pages(site), site / "404.html"]:
        parsed = head(page)
        where = page.relative_to(site)
        # Only the editions' homes (hreflang), which are relative: no canonical link, no feed.
        assert not [link for link in parsed.links
                    if link.get("rel") == "canonical" or (link.get("rel") == "alternate" and not link.get("hreflang"))], where
        assert parsed.content("og:url") == [], where
        assert not [a for a in parsed.anchors if a.get("rel") == "edit" or "md-source" in (a.get("class") or "")], where
    # The 404 page's way home is the host's root (it once was `//`, a link to no host).
    assert re.search(r'<a href="/">첫 페이지</a>', (site / "404.html").read_text(encoding="utf-8"))


def test_every_page_has_share_previews_with_intact_attributes(site: Path) -> None:
    for page in [*pages(site), site / "404.html"]:
        parsed = head(page)
        where = page.relative_to(site)
        # One description, its attribute whole (a bare `"` in it would end it early).
        (description,) = [m for m in parsed.meta if m.get("name") == "description"]
        assert set(description) == {"name", "content"}, (where, description)
        assert parsed.content("og:description") == parsed.content("twitter:description") == [description["content"]], where
        locale = "en_US" if where.parts[0] == "en" else "ko_KR"
        assert parsed.content("og:locale") == [locale] and parsed.content("twitter:card") == ["summary"], where
        assert parsed.content("og:title") == parsed.content("twitter:title") != [""], where
        assert not [m for m in parsed.meta if "image" in (m.get("property") or m.get("name") or "")], where


def test_the_post_is_described_by_its_excerpt_as_an_article(site: Path) -> None:
    parsed = head(site / POST)
    (description,) = parsed.content("description")
    assert description and description.startswith("이 글은 kalelpark 님이 블로그 KalelPark's LAB(카테고리 Python/Pytorch)에")
    assert description.endswith("검증 방법은 검증 방식에 있습니다.")
    assert parsed.content("og:type") == ["article"]
    assert parsed.content("article:published_time") == ["2022-12-29T15:38:00+00:00"]
    assert parsed.content("article:author") == ["kalelpark"] and parsed.content("article:section") == ["Python/Pytorch"]
    assert head(site / "index.html").content("og:type") == ["website"]


def test_search_keeps_materials_settings_for_korean(site: Path) -> None:
    """The `search:` comment in mkdocs.yml measured this configuration; a change needs a new measurement."""
    config = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["config"]
    assert config["lang"] == ["en"] and config["pipeline"] == [" "]


SHARED_ON_EVERY_ENGINE = ("og:type", "og:title", "og:locale", "article:published_time", "article:author", "article:section")


@pytest.mark.parametrize("engine", [e for e in ENGINES if e != "mkdocs"])
def test_other_engines_show_the_same_post_preview_and_no_edit_link(sites: dict[str, Path], engine: str) -> None:
    """ProperDocs runs the hooks (all of the above); Zensical runs none (its post description is the site's)."""
    ours, theirs = head(sites["mkdocs"] / POST), head(sites[engine] / POST)
    for key in SHARED_ON_EVERY_ENGINE if engine == "zensical" else (*SHARED_ON_EVERY_ENGINE, "description", "og:description"):
        assert theirs.content(key) == ours.content(key), key
    assert not [a for a in theirs.anchors if a.get("rel") == "edit" or "md-source" in (a.get("class") or "")]
