"""The built site, read in a real browser: Debian's ``chromium`` driven by Playwright.

Playwright never downloads a browser here: it drives the system ``chromium`` (apt) through
``executable_path``. The site is built once per module with ``mkdocs build --strict`` (which
runs the verifier, cached after the first time), served on 127.0.0.1 from a thread, and
every request the browser makes is routed: anything for another host is aborted and
recorded, so a page that would fetch a CDN font or script fails its test here rather than
leaking a reader's visit in production.

The site as GitHub Pages publishes it is served too (``pages_site``, tests/conftest.py):
built with ``SITE_URL`` and ``REPO_URL`` and served under ``/<repository>/`` by a server that,
like Pages, answers anything missing with ``404.html`` and status 404.

Screenshots land in ``artifacts/screenshots/`` (CI uploads ``artifacts/``).

Without ``/usr/bin/chromium`` the suite is skipped locally but **fails** when ``CI`` is set:
a browser suite that silently skips in CI proves nothing.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from conftest import PAGES_REPOSITORY, PagesServer, PagesSite
from verifier.normalize import Normalizer
from verifier.project import copy_project
from verifier.snippets import default_expectation, load_snippet, read_expectation

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
except ImportError:  # the browser-less install: skipped locally, a failure in CI (see below)
    sync_playwright = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # Docker gives containers (CI's python:3.11-bookworm) a 64 MB /dev/shm, too small for
    # full-page screenshots; Debian's launcher adds this only when it can measure /dev/shm.
    "--disable-dev-shm-usage",
]
POST = "blog/2022/12/29/register-buffer-register-parameter/"
POST_SOURCE = ROOT / "docs" / "blog" / "posts" / "register-buffer-parameter.md"
POST_TITLE = "[ Pytorch ] register_buffer, register_parameter란?"
POST_TITLE_EN = "[ PyTorch ] What are register_buffer and register_parameter?"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ALLOWED_HOST = "127.0.0.1"

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium_path() -> str:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium fonts-nanum)")
    if sync_playwright is None:
        missing.append("the playwright package (pip install -r requirements-test.txt)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{message}; in CI a skipped browser suite would prove nothing", pytrace=False)
        pytest.skip(message)
    return str(CHROMIUM)


@pytest.fixture(scope="module")
def served(chromium_path: str, site: Path) -> Path:
    """The site exactly as CI builds it (strict, verifier first): the session's MkDocs build."""
    assert (site / POST / "index.html").is_file()
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(served: Path):
    server = http.server.ThreadingHTTPServer((ALLOWED_HOST, 0), functools.partial(_QuietHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{ALLOWED_HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def playwright_instance(chromium_path: str):
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_instance, chromium_path: str):
    browser = playwright_instance.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Reader:
    """One browser context plus what it saw: console errors and requests for other hosts."""

    def __init__(self, browser, base_url: str, **context_options: object) -> None:
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.external: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(**{"viewport": DESKTOP, "color_scheme": "light", **context_options})
        self.context.set_default_timeout(10_000)  # fail in seconds, not Playwright's 30 s per step
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} ({msg.location.get('url')})")

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname != ALLOWED_HOST:
            self.external.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def open(self, path: str = "") -> None:
        self.page.goto(self.base_url + path, wait_until="load")

    def assert_clean(self) -> None:
        assert self.external == [], f"requests left {ALLOWED_HOST}: {self.external}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def reader(browser, base_url: str):
    """A fresh reader (own storage) at desktop width; every test also checks it stayed clean."""
    r = Reader(browser, base_url)
    yield r
    try:
        r.assert_clean()
    finally:
        r.close()


# --------------------------------------------------------------------------- the post


def test_post_renders_title_date_author_and_every_verified_output(reader: Reader) -> None:
    reader.open(POST)
    page = reader.page
    assert page.title().startswith(POST_TITLE)
    h1 = page.locator("article h1").first
    assert h1.is_visible() and _heading(h1) == POST_TITLE
    date = page.locator("time[datetime^='2022-12-29']").first
    assert date.is_visible() and date.inner_text().strip() == "2022년 12월 29일"
    author = page.locator(".md-post__authors .md-profile__description strong")
    assert author.is_visible() and author.inner_text().strip() == "kalelpark"

    # One output block per snippet include in the post's source, each visible and showing
    # exactly the recorded expectation (or, skipped, the skip notice).
    includes = re.findall(r'--8<-- "(snippets/[^"]+\.py)"', POST_SOURCE.read_text(encoding="utf-8"))
    blocks = page.locator("div.verified-output")
    assert blocks.count() == len(includes) > 0
    torch_minor = ".".join(version("torch").split("+")[0].split(".")[:2])
    for i, snippet in enumerate(includes):
        block = blocks.nth(i)
        block.scroll_into_view_if_needed()
        assert block.get_attribute("data-snippet") == snippet
        assert block.is_visible(), f"output of {snippet} is not visible"
        code = block.locator("pre code")
        status = block.get_attribute("data-status")
        if status == "skipped":
            # Not run here (a missing device): the notice says so; an output recorded
            # elsewhere, if the page shows one, is visible too.
            assert block.locator(".verified-output__skip").first.is_visible(), snippet
            assert code.count() == 0 or code.is_visible(), snippet
            continue
        assert status == "passed", f"{snippet}: {status}"
        folded = block.locator("details.verified-output__folded")
        if folded.count():  # a long output: its summary shows, and a click opens it
            assert folded.locator("summary").is_visible(), snippet
            folded.locator("summary").click()
        assert code.is_visible(), snippet
        assert block.locator(".verified-output__provenance").is_visible()
        stem = ROOT / snippet[: -len(".py")]
        expected = Path(f"{stem}.torch-{torch_minor}.out")
        expected = expected if expected.exists() else Path(f"{stem}.out")
        assert code.text_content().rstrip() == expected.read_text(encoding="utf-8").rstrip(), snippet


@pytest.mark.parametrize(("edition", "query"), [("", "버퍼"), ("", "파라미터"), ("", "register_buffer"),
                                               ("en/", "buffer"), ("en/", "register_buffer")])
def test_search_finds_the_post(reader: Reader, edition: str, query: str) -> None:
    """Each edition searches its own index: Korean words in the Korean one, English in the English one."""
    reader.open(edition)
    page = reader.page
    field = page.locator("input.md-search__input")
    field.click()
    page.keyboard.type(query)
    # Material searches on key releases; composed (Hangul) text sends none, so release one.
    page.keyboard.press("End")
    hit = page.locator(f".md-search-result__item a[href*='{POST.rstrip('/').rsplit('/', 1)[-1]}']").first
    hit.wait_for(state="visible", timeout=10_000)
    hit.click()
    page.wait_for_url(re.compile(re.escape(edition + POST)))
    assert _heading(page.locator("article h1").first) == (POST_TITLE if not edition else POST_TITLE_EN)


def _copy_texts(reader: Reader) -> dict[str, str]:
    """What each snippet's copy button puts on the clipboard, clicked as a reader would."""
    reader.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=reader.base_url.rstrip("/"))
    reader.open(POST)
    page = reader.page
    copied: dict[str, str] = {}
    boxes = page.locator("div.verified-output")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        snippet = box.get_attribute("data-snippet") or ""
        # The code is the element right before its verified output: a code block, or a
        # folded one (<details>) that a reader opens first.
        before = box.locator("xpath=preceding-sibling::*[1]")
        if (before.evaluate("e => e.tagName")).lower() == "details":
            before.locator("summary").first.click()
        code_block = before.locator("div.highlight").first if before.locator("div.highlight").count() else before
        code_block.scroll_into_view_if_needed()
        code_block.hover()
        # Material ≥ 9.6 draws `button.md-code__button[data-md-type=copy]`; older ones `.md-clipboard`.
        button = code_block.locator("button.md-code__button[data-md-type='copy'], button.md-clipboard")
        assert button.count() == 1, snippet
        button.click()
        copied.setdefault(snippet, page.evaluate("navigator.clipboard.readText()"))
    return copied


def test_each_copy_button_gives_code_that_prints_its_output(reader: Reader, tmp_path: Path) -> None:
    """The copied code, run with `python` where the snippet lives, prints the box's output.

    The clipboard holds the snippet minus its `# verify:` settings header. Where that is the
    file itself, tests/test_snippets_by_hand.py runs exactly this text; where the header was
    taken out, the copied text itself is run here, in a copy of snippets/.
    """
    copied = _copy_texts(reader)
    includes = re.findall(r'--8<-- "(snippets/[^_][^"]+\.py)"', POST_SOURCE.read_text(encoding="utf-8"))
    assert sorted(copied) == sorted(set(includes))
    project = copy_project(ROOT, tmp_path / "project", ("snippets", "requirements.txt"))
    ran = 0
    for snippet, text in copied.items():
        source = (ROOT / snippet).read_text(encoding="utf-8")
        if _norm(text) == _norm(source):
            continue  # the file itself: run by hand in tests/test_snippets_by_hand.py
        assert _norm(text) == _norm(_without_settings(source)), f"{snippet}: the copy is neither the file nor it without its header"
        settings = load_snippet(ROOT, ROOT / snippet).settings
        if settings.device not in ("cpu", "meta"):
            continue  # needs a device this machine lacks: nothing to run
        (project / snippet).write_text(text, encoding="utf-8")
        with tempfile.TemporaryDirectory() as cwd:
            result = subprocess.run([sys.executable, str(project / snippet)], cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=settings.timeout + 60,
                                    env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"})
            output, _ = Normalizer(project, workdir=Path(cwd))(result.stdout)
        assert output == read_expectation(ROOT, default_expectation(ROOT / snippet)), snippet
        ran += 1
    assert ran >= 2, "the snippets with a settings header were run from their copied text"


def _without_settings(source: str) -> str:
    lines = source.split("\n")
    while lines and lines[0].startswith("# verify:"):
        lines.pop(0)
    if lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def _heading(locator) -> str:
    """A heading's text without its permalink mark (``¶``)."""
    return locator.inner_text().strip().removesuffix("¶").strip()


def _scheme(page) -> str:
    return page.locator("body").get_attribute("data-md-color-scheme") or ""


def test_theme_toggle_switches_and_persists_across_pages(reader: Reader) -> None:
    reader.open(POST)
    page = reader.page
    assert _scheme(page) == "default"  # follows the (emulated) light system preference
    toggle = page.locator('label.md-header__button[for^="__palette"]:visible')
    for _ in range(3):  # auto → light → dark: Material shows one label, for the next palette
        if _scheme(page) == "slate":
            break
        toggle.first.click()
    assert _scheme(page) == "slate"
    stored = page.evaluate(
        "Object.keys(localStorage).filter(k => k.endsWith('__palette')).map(k => localStorage.getItem(k))")
    assert len(stored) == 1 and '"scheme":"slate"' in stored[0]
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _luminance(background) < 0.2, background

    # Another page, loaded from scratch, keeps the reader's choice.
    page.locator("a.md-tabs__link").first.click()  # 홈
    page.wait_for_load_state("load")
    assert page.url.rstrip("/") + "/" != reader.base_url + POST
    assert _scheme(page) == "slate"

    # And back to light.
    while _scheme(page) != "default":
        page.locator('label.md-header__button[for^="__palette"]:visible').first.click()
    reader.open(POST)
    assert _scheme(page) == "default"
    assert _luminance(page.evaluate("getComputedStyle(document.body).backgroundColor")) > 0.8


def _luminance(css_color: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_every_page_loads_without_console_errors_or_external_requests(reader: Reader, site: Path) -> None:
    pages = sorted(p.parent.relative_to(site).as_posix() for p in site.rglob("index.html"))
    assert POST.rstrip("/") in pages
    for path in pages:
        reader.open("" if path == "." else path + "/")
        # Each page's console and requests so far must be clean, naming the page if not.
        assert reader.external == [] and reader.console_errors == [], f"on /{path}/: {reader.external} {reader.console_errors}"
    reader.open("404.html")
    # The search worker's index is among the requests the route saw (workers are routed too).
    assert any(url.endswith("/search/search_index.json") for url in reader.requests)


# --------------------------------------------------------------------------- accessibility


#: axe-core rules a page may still break, each with the reason it cannot be fixed from the
#: site (README, "Accessibility"). Empty: every serious or critical finding was fixed.
KNOWN_EXCEPTIONS: dict[str, str] = {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_accessibility_violation_on_any_page(browser, base_url: str, served: Path,
                                                                      scheme: str) -> None:
    """axe-core (WCAG 2.1 A/AA and best practices) on every page and the 404 page, in each theme."""
    pages = sorted(p.parent.relative_to(served).as_posix() for p in served.rglob("index.html"))
    r = Reader(browser, base_url, color_scheme=scheme)
    found: list[str] = []
    try:
        for path in [*pages, "404.html"]:
            r.open("" if path == "." else path if path.endswith(".html") else path + "/")
            assert _scheme(r.page) == {"light": "default", "dark": "slate"}[scheme]
            for violation in Axe().run(r.page).response["violations"]:
                if violation["impact"] in ("serious", "critical") and violation["id"] not in KNOWN_EXCEPTIONS:
                    targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                    found.append(f"/{path} {violation['id']} ({len(violation['nodes'])} nodes: {targets})")
        r.assert_clean()
    finally:
        r.close()
    assert found == []


# --------------------------------------------------------------------------- screenshots and fonts


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshot(browser, base_url: str, scheme: str, device: str) -> None:
    options: dict[str, object] = {"color_scheme": scheme}
    if device == "phone":
        options |= {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    r = Reader(browser, base_url, **options)
    try:
        r.open(POST)
        assert _scheme(r.page) == {"light": "default", "dark": "slate"}[scheme]
        r.page.evaluate("document.fonts.ready")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # What a reader sees first, and the whole post (long: for reviewing every block).
        first = SCREENSHOTS / f"post-{scheme}-{device}.png"
        full = SCREENSHOTS / f"post-{scheme}-{device}-full.png"
        r.page.screenshot(path=str(first))
        r.page.screenshot(path=str(full), full_page=True, scale="css")  # 1x: the phone's is 4x smaller
        assert first.stat().st_size > 10_000 and full.stat().st_size > first.stat().st_size
        r.assert_clean()
    finally:
        r.close()


# How "Hangul renders as boxes" is detected: with no font that has Hangul glyphs (no
# fonts-nanum), Chromium draws every Hangul syllable as the same missing-glyph box (or as
# nothing at all). So draw, in the font the post's text uses, two different syllables and
# a code point no font maps (U+FFFF, a noncharacter), and compare the pixels: with a Hangul
# font the two syllables differ from each other and from the missing-glyph rendering; without
# one, all three come out identical. `document.fonts.check()` cannot tell: it reports
# true for system fonts whether or not they cover the text. The negative controls below
# run the same check with fontconfig hiding fonts-nanum (or every font) and require it to fail.
_GLYPHS_JS = """
() => {
  const family = getComputedStyle(document.querySelector('article h1')).fontFamily;
  const draw = (text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 64, 64);
    ctx.fillStyle = '#000'; ctx.font = `48px ${family}`; ctx.textBaseline = 'top';
    ctx.fillText(text, 4, 4);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    let ink = 0, hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      const dark = data[i] < 128 ? 1 : 0;
      ink += dark; hash = (hash * 31 + dark * (i + 1)) >>> 0;
    }
    return {ink, hash, width: ctx.measureText(text).width};
  };
  return {family, beo: draw('버'), peo: draw('퍼'), missing: draw('\\uffff')};
}
"""


def _hangul_rendered(glyphs: dict) -> bool:
    beo, peo, missing = glyphs["beo"], glyphs["peo"], glyphs["missing"]
    return (beo["ink"] > 0 and peo["ink"] > 0
            and beo["hash"] != peo["hash"]
            and missing["hash"] not in (beo["hash"], peo["hash"]))


def test_hangul_renders_as_glyphs_not_boxes(reader: Reader) -> None:
    reader.open(POST)
    glyphs = reader.page.evaluate(_GLYPHS_JS)
    assert _hangul_rendered(glyphs), f"Hangul renders as missing-glyph boxes (apt-get install fonts-nanum): {glyphs}"


@pytest.mark.parametrize("fonts", ["none", "all-but-fonts-nanum"])
def test_hangul_check_sees_boxes_without_a_hangul_font(
        playwright_instance, chromium_path: str, base_url: str, tmp_path: Path, fonts: str) -> None:
    """Negative control: the check above must fail when no Hangul font is available.

    fontconfig is pointed at a folder of links to the system's fonts, either none of them or
    all but those of Debian's fonts-nanum package (what a machine without it has).
    """
    folder = tmp_path / "fonts"
    folder.mkdir()
    if fonts == "all-but-fonts-nanum":
        for i, font in enumerate(f for f in sorted(Path("/usr/share/fonts").rglob("*"))
                                 if f.suffix.lower() in {".ttf", ".otf", ".ttc"} and "nanum" not in f.parts):
            (folder / f"{i}-{font.name}").symlink_to(font)
    (tmp_path / "fonts.conf").write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{folder}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>',
        encoding="utf-8")
    bare = playwright_instance.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS,
        env={**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf")})
    try:
        r = Reader(bare, base_url)
        r.open(POST)
        glyphs = r.page.evaluate(_GLYPHS_JS)
        r.assert_clean()
    finally:
        bare.close()
    if fonts == "all-but-fonts-nanum" and _hangul_rendered(glyphs):
        pytest.skip("a Hangul font other than fonts-nanum is installed: this control cannot hide it")
    assert not _hangul_rendered(glyphs), f"the box detector saw Hangul with {fonts} fonts: {glyphs}"


# --------------------------------------------------------------------------- GitHub Pages
#
# The published build (SITE_URL, REPO_URL) under /<repository>/, as a reader finds it.

RSS_DATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                      r"\d{2}:\d{2}:\d{2} [+-]\d{4}")  # RFC 822 (four-digit year, as RSS 2.0 asks)
NS = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}
FEEDS = ("feed_rss_created.xml", "feed_rss_updated.xml")
MISSING = ["nothing-here", "blog/2022/12/29/no/such/post/", "a/b/c/d/e/f/g.html"]


@pytest.fixture(scope="module")
def pages(chromium_path: str, pages_site: PagesSite) -> PagesSite:
    return pages_site


@pytest.fixture
def pages_reader(browser, pages: PagesSite):
    """A reader of the published site; like ``reader``, it must stay on 127.0.0.1 without console errors."""
    r = Reader(browser, pages.url)
    yield r
    try:
        r.assert_clean()
    finally:
        r.close()


def _post_front_matter() -> dict:
    return yaml.safe_load(POST_SOURCE.read_text(encoding="utf-8").split("---\n")[1])


def _head(page) -> dict[str, list[str]]:
    """The <head>'s links (``rel type`` → absolute hrefs) and meta (``property``/``name`` → contents)."""
    return page.evaluate("""() => {
        const found = {};
        const add = (key, value) => (found[key] = found[key] || []).push(value);
        for (const link of document.head.querySelectorAll('link[rel]'))
            add(`${link.rel} ${link.type}`.trim(), link.href);
        for (const meta of document.head.querySelectorAll('meta[property], meta[name]'))
            add(meta.getAttribute('property') || meta.getAttribute('name'), meta.content);
        return found;
    }""")


def _styled(page) -> bool:
    """Material's stylesheets were loaded and apply (a stylesheet answered by 404.html does not)."""
    return page.evaluate("""() => {
        const sheets = [...document.querySelectorAll('link[rel=stylesheet]')];
        return sheets.length > 0 && sheets.every(link => link.sheet && link.sheet.cssRules.length > 0)
            && getComputedStyle(document.querySelector('.md-header')).position === 'sticky';
    }""")


def _search(page, query: str) -> list[str]:
    """Type ``query`` into Material's search; the highlighted words of the results."""
    page.locator("input.md-search__input").click()
    page.keyboard.type(query)
    page.keyboard.press("End")  # composed (Hangul) text sends no key release: send one
    page.locator(".md-search-result__item").first.wait_for(state="visible")
    return page.locator(".md-search-result mark").all_text_contents()


@pytest.mark.parametrize("path", MISSING)
def test_pages_a_missing_address_at_any_depth_shows_the_styled_404_with_working_search(
        pages_reader: Reader, pages: PagesSite, path: str) -> None:
    page = pages_reader.page
    response = page.goto(pages.url + path, wait_until="load")
    assert response is not None and response.status == 404
    # Chromium reports the document's own 404 as a console error: that one, and only it, is expected.
    expected = f"Failed to load resource: the server responded with a status of 404 (Not Found) ({pages.url + path})"
    assert expected in pages_reader.console_errors
    pages_reader.console_errors.remove(expected)
    assert _heading(page.locator("article h1, .md-content h1").first) == "404 · 페이지를 찾을 수 없습니다"
    assert _styled(page), "the 404 page's stylesheets did not load"
    assert page.locator("a", has_text="첫 페이지").get_attribute("href") == pages.url
    # The palette toggle works (its script loaded)...
    toggle = page.locator('label.md-header__button[for^="__palette"]:visible')
    before = _scheme(page)
    for _ in range(3):
        toggle.first.click()
        if _scheme(page) != before:
            break
    assert _scheme(page) != before, "the theme toggle did nothing"
    # ...and so does search, leading to the post under the sub-path.
    assert "버퍼" in _search(page, "버퍼")
    page.locator(".md-search-result__item a[href*='register-buffer-register-parameter']").first.click()
    page.wait_for_url(re.compile(re.escape(pages.url + POST)))
    assert _heading(page.locator("article h1").first) == POST_TITLE
    assert _styled(page)


def test_pages_without_site_url_a_missing_page_at_depth_is_unstyled(browser, site: Path) -> None:
    """Negative control: the plain build (no SITE_URL) served the same way breaks as the issue describes."""
    with contextlib.closing(PagesServer(site)) as server:
        server.start()
        r = Reader(browser, server.url)
        try:
            response = r.page.goto(server.url + MISSING[1], wait_until="load")
            assert response is not None and response.status == 404
            assert not _styled(r.page), "the check above cannot tell a broken 404 page"
        finally:
            r.close()


def test_pages_search_works_at_the_sub_path_and_finds_inflected_korean(pages_reader: Reader, pages: PagesSite) -> None:
    pages_reader.open()
    page = pages_reader.page
    # `버퍼` finds sections that say only `버퍼는` or `버퍼를` (see the `search:` comment in mkdocs.yml).
    words = set(_search(page, "버퍼"))
    assert {"버퍼는", "버퍼를"} <= words, words
    page.locator(".md-search-result__item a[href*='register-buffer-register-parameter']").first.click()
    page.wait_for_url(re.compile(re.escape(pages.url + POST)))
    assert _heading(page.locator("article h1").first) == POST_TITLE
    assert any(url.startswith(pages.url + "search/search_index.json") for url in pages_reader.requests)


def test_pages_sitemap_lists_every_page_under_the_address(pages_reader: Reader, pages: PagesSite) -> None:
    response = pages_reader.context.request.get(pages.url + "sitemap.xml")
    assert response.status == 200
    root = ET.fromstring(response.body())
    listed = [loc.text or "" for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    built = sorted(pages.url + ("" if p.parent == pages.path else p.parent.relative_to(pages.path).as_posix() + "/")
                   for p in pages.path.rglob("index.html"))
    assert sorted(listed) == built
    for url in listed:
        assert pages_reader.context.request.get(url).status == 200, url


def _check_rss(data: bytes, feed_url: str, site_url: str) -> list[ET.Element]:
    """RSS 2.0's required channel and item elements, RFC 822 dates, absolute links: the feed's items."""
    root = ET.fromstring(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel without <{name}>"
    assert channel.findtext("link") == site_url
    assert [link.get("href") for link in channel.findall("atom:link[@rel='self']", NS)] == [feed_url]
    for name in ("pubDate", "lastBuildDate"):
        assert RSS_DATE.fullmatch(channel.findtext(name) or ""), f"channel <{name}>"
    image = channel.find("image")
    if image is not None:
        assert (image.findtext("url") or "").startswith(site_url) and image.findtext("link") == site_url
    items = channel.findall("item")
    assert items, "the feed lists nothing"
    for item in items:
        for name in ("title", "link", "guid", "pubDate", "category", "description"):
            assert (item.findtext(name) or "").strip(), f"item without <{name}>"
        assert item.findtext("link", "").startswith(site_url) and item.findtext("guid") == item.findtext("link")
        assert RSS_DATE.fullmatch(item.findtext("pubDate") or ""), item.findtext("pubDate")
        # RSS 2.0's <author> is an e-mail address; a name goes in <dc:creator>.
        assert all("@" in (author.text or "") for author in item.findall("author"))
        assert item.findall("author") or item.findall("dc:creator", NS), "item without an author"
    assert not [e.tag for e in root.iter() if (e.text or "").strip() in ("None", "null")], "an empty value written out"
    return items


@pytest.mark.parametrize("feed", FEEDS)
def test_pages_feed_is_valid_rss_2_with_the_post(pages_reader: Reader, pages: PagesSite, feed: str) -> None:
    response = pages_reader.context.request.get(pages.url + feed)
    assert response.status == 200 and "xml" in response.headers["content-type"]
    items = _check_rss(response.body(), pages.url + feed, pages.url)
    (post,) = [item for item in items if item.findtext("link") == pages.url + POST]
    front = _post_front_matter()
    assert post.findtext("title") == POST_TITLE
    created = front["date"]["created"]
    assert parsedate_to_datetime(post.findtext("pubDate", "")) == created.replace(tzinfo=UTC)
    assert [c.text for c in post.findall("category")] == front["categories"]
    assert [c.text for c in post.findall("dc:creator", NS)] == ["kalelpark"]
    # The excerpt: the same text the post's share preview shows.
    pages_reader.open(POST)
    assert post.findtext("description") == _head(pages_reader.page)["og:description"][0]
    # Opened in the browser (its stylesheet, rss.xsl, is the site's own), it stays local.
    pages_reader.open(feed)


def test_pages_json_feed_lists_the_post(pages_reader: Reader, pages: PagesSite) -> None:
    feed = json.loads(pages_reader.context.request.get(pages.url + "feed_json_created.json").body())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["home_page_url"] == pages.url and feed["feed_url"] == pages.url + "feed_json_created.json"
    (post,) = [item for item in feed["items"] if item["url"] == pages.url + POST]
    assert post["title"] == POST_TITLE and post["authors"] == [{"name": "kalelpark"}]
    assert datetime.fromisoformat(post["date_published"]) == _post_front_matter()["date"]["created"].replace(tzinfo=UTC)


def test_pages_post_head_has_canonical_feed_and_open_graph_links(pages_reader: Reader, pages: PagesSite) -> None:
    pages_reader.open(POST)
    page = pages_reader.page
    head = _head(page)
    url = pages.url + POST
    assert head["canonical"] == [url]
    assert head["alternate application/rss+xml"] == [pages.url + feed for feed in FEEDS]
    assert head["alternate application/feed+json"] == [pages.url + "feed_json_created.json"]
    front = _post_front_matter()
    description = head["description"][0]
    assert description.startswith("이 글은 kalelpark 님이") and "<" not in description
    expected = {
        "og:url": [url], "og:type": ["article"], "og:title": [POST_TITLE], "og:locale": ["ko_KR"],
        "og:site_name": ["검증된 PyTorch 노트"], "og:description": [description],
        "article:published_time": [front["date"]["created"].replace(tzinfo=UTC).isoformat()],
        "article:author": ["kalelpark"], "article:section": front["categories"][:1],
        "twitter:card": ["summary"], "twitter:title": [POST_TITLE], "twitter:description": [description],
    }
    assert {key: head.get(key) for key in expected} == expected
    assert "og:image" not in head and "twitter:image" not in head  # none is made without the network
    for feed in head["alternate application/rss+xml"]:
        assert pages_reader.context.request.get(feed).status == 200
    # "Edit this page" leads to the post's source; the repository link asks GitHub for nothing.
    edit = page.locator("a[rel=edit]")
    assert edit.get_attribute("href") == f"{pages.repo_url}/edit/main/docs/blog/posts/{POST_SOURCE.name}"
    source = page.locator("a.md-source").first
    assert source.get_attribute("href") == pages.repo_url and source.get_attribute("data-md-component") is None


def test_pages_every_page_is_local_canonical_and_advertises_the_feed(pages_reader: Reader, pages: PagesSite) -> None:
    paths = sorted("" if p.parent == pages.path else p.parent.relative_to(pages.path).as_posix() + "/"
                   for p in pages.path.rglob("index.html"))
    for path in paths:
        pages_reader.open(path)
        head = _head(pages_reader.page)
        assert head.get("canonical") == [pages.url + path] == head.get("og:url"), path
        # Each edition's pages advertise that edition's feed, in its locale.
        edition = "en/" if path.startswith("en/") else ""
        assert head.get("alternate application/rss+xml") == [pages.url + edition + feed for feed in FEEDS], path
        locale = "en_US" if edition else "ko_KR"
        assert head.get("og:locale") == [locale] and head.get("og:title") and head.get("og:description"), path
        assert pages_reader.external == [] and pages_reader.console_errors == [], \
            f"on {path}: {pages_reader.external} {pages_reader.console_errors}"
    assert all(urlsplit(url).path.startswith(f"/{PAGES_REPOSITORY}/") for url in pages_reader.requests), \
        [url for url in pages_reader.requests if not urlsplit(url).path.startswith(f"/{PAGES_REPOSITORY}/")]
    assert urljoin(pages.url, "search/search_index.json") in pages_reader.requests
