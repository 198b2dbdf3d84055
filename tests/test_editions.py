"""The English edition beside the Korean one: same pages, same verified outputs, linked both ways.

The session's site (tests/conftest.py) is built the README's way, ``python scripts/build.py``:
the Korean edition at the root, the English one under ``en/``, published at once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ENV, POST, ROOT, PagesSite
from verifier.project import SITE_PARTS, copy_project

EDITIONS = {"ko": "", "en": "en/"}


class _Page(HTMLParser):
    """A page's language, edition links (switcher and <head>), and its output boxes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.switcher: dict[str, str] = {}
        self.alternates: dict[str, str] = {}
        self.outputs: list[tuple[str, str]] = []
        self.provenance: list[str] = []
        self._box: str | None = None
        self._depth = 0
        """Elements open inside the current box: it ends when this returns to 0."""
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        classes = values.get("class", "").split()
        if self._box and tag not in ("br", "img", "hr", "input", "meta", "link", "wbr"):
            self._depth += 1
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "a" and "md-select__link" in classes and values.get("hreflang"):
            self.switcher[values["hreflang"]] = values["href"]
        elif tag == "link" and values.get("rel") == "alternate" and values.get("hreflang"):
            self.alternates[values["hreflang"]] = values["href"]
        elif "verified-output" in classes:
            self._box, self._depth = values["data-snippet"], 1
        elif self._box and tag == "code":
            self._in, self._text = "code", []
        elif self._box and "verified-output__provenance" in classes:
            self._in, self._text = "provenance", []

    def handle_endtag(self, tag: str) -> None:
        if self._box:
            self._depth -= 1
            if self._depth == 0:
                self._box = None
        if self._in == "code" and tag == "code":
            self.outputs.append((self._box or "", "".join(self._text)))
            self._in = None
        elif self._in == "provenance" and tag == "p":
            self.provenance.append("".join(self._text))
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)


def read(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def pages_of(site: Path, edition: str) -> set[str]:
    """Every page of an edition, as a path under its root."""
    root = site / EDITIONS[edition]
    return {p.relative_to(root).as_posix() for p in root.rglob("*.html")
            if edition != "ko" or not p.relative_to(site).as_posix().startswith("en/")}


def test_every_page_exists_in_both_editions_with_its_language(site: Path) -> None:
    korean, english = pages_of(site, "ko"), pages_of(site, "en")
    assert korean == english and POST in korean and "404.html" in korean and len(korean) >= 8
    for edition, prefix in EDITIONS.items():
        for page in korean:
            assert read(site / prefix / page).lang == edition, f"{edition}: {page}"


def test_the_english_post_shows_the_same_verified_outputs(site: Path) -> None:
    korean, english = read(site / POST), read(site / "en" / POST)
    assert len(korean.outputs) >= 50 and english.outputs == korean.outputs
    # The same provenance: the same torch, Python, device, machine and date, in each language.
    assert [re.findall(r"[\w.+-]*\d[\w.+-]*", line) for line in english.provenance] == \
           [re.findall(r"[\w.+-]*\d[\w.+-]*", line) for line in korean.provenance]
    assert all(line.startswith("✔ torch ") and "verified 20" in line for line in english.provenance)


def test_the_english_post_shares_every_section_id(site: Path) -> None:
    ids = {edition: re.findall(r'<h[23] id="([^"]+)"', (site / EDITIONS[edition] / POST).read_text(encoding="utf-8"))
           for edition in EDITIONS}
    assert ids["en"] == ids["ko"] and "branch-8-non-leaf" in ids["ko"]


@pytest.mark.parametrize("edition", EDITIONS)
def test_switcher_and_hreflang_lead_to_the_same_page_in_each_edition(site: Path, edition: str) -> None:
    for page in sorted(pages_of(site, edition)):
        if page == "404.html":
            continue  # served for any missing address: it links each edition's home instead
        here = site / EDITIONS[edition] / page
        parsed = read(here)
        assert set(parsed.switcher) == set(parsed.alternates) == set(EDITIONS), page
        for other, prefix in EDITIONS.items():
            target = resolve(here, parsed.switcher[other])
            assert target == (site / prefix / page).resolve(), f"{edition}: {page} → {other}: {parsed.switcher[other]}"
            assert resolve(target, read(target).switcher[edition]) == here.resolve(), f"{other}: {page} does not lead back"
            # <head>: Material's hreflang links name each edition's home (its JS reads the sitemap there).
            assert resolve(here, parsed.alternates[other]) == (site / prefix / "index.html").resolve(), page


def resolve(page: Path, href: str) -> Path:
    target = (page.parent / href).resolve()
    return target / "index.html" if target.is_dir() else target


def test_the_404_page_speaks_to_both_editions(site: Path) -> None:
    page = (site / "404.html").read_text(encoding="utf-8")
    assert "페이지를 찾을 수 없습니다" in page and "Page not found" in page
    assert '<div lang="en">' in page and re.search(r'<a href="[^"]*en/">the home page</a>', page)


def test_english_search_is_english(site: Path) -> None:
    index = (site / "en" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert '"lang":["en"]' in index.replace(" ", "")
    assert "register_buffer" in index and "non-persistent buffer" in index


def test_the_published_sitemap_lists_both_editions(pages_site: PagesSite) -> None:
    sitemap = (pages_site.path / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    for edition, prefix in EDITIONS.items():
        for page in pages_of(pages_site.path, edition) - {"404.html"}:
            url = pages_site.url + prefix + page.removesuffix("index.html")
            assert url in locations, f"{edition}: {url}"
    # Each page names its versions (hreflang), which search engines and Material's selector read.
    post = pages_site.url + POST.removesuffix("index.html")
    entry = sitemap[sitemap.index(f"<loc>{post}</loc>"):].split("</url>", 1)[0]
    assert f'hreflang="en" href="{pages_site.url}en/{POST.removesuffix("index.html")}"' in entry
    assert f'hreflang="x-default" href="{post}"' in entry
    assert (pages_site.path / "en" / "feed_rss_created.xml").is_file(), "the English edition has its own feed"


def test_a_default_edition_build_alone_keeps_the_other_editions(tmp_path: Path, site: Path) -> None:
    """`mkdocs build` (the Korean edition only) must never delete site/en/."""
    project = copy_project(ROOT, tmp_path / "project", (*SITE_PARTS, ".verify/cache.json"))
    built, site = site, project / "site"
    shutil.copytree(built, site)  # both editions, as the session built them
    english = (site / "en" / POST).read_bytes()
    korean_only = subprocess.run(["mkdocs", "build", "--strict"], cwd=project, env=ENV, capture_output=True, text=True,
                                 timeout=600, stdin=subprocess.DEVNULL)
    assert korean_only.returncode == 0, korean_only.stdout + korean_only.stderr
    assert (site / "en" / POST).read_bytes() == english and (site / POST).is_file()
