"""Builds shared by the whole test session: one per engine, each made the way the README says.

Building costs seconds, so each engine builds the repository's site once per session, into
a private folder, and every test reads that build (the browser tests serve the MkDocs one).
One more MkDocs build is the site as GitHub Pages publishes it (``pages_site``): with
``SITE_URL`` and ``REPO_URL`` set, served under ``/<repository>/`` the way Pages serves it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The post in a built site, under an edition's root.
POST = "blog/2022/12/29/register-buffer-register-parameter/index.html"
#: What CI sets for the published build only (README, Publishing): never inherited by the
#: session's builds, so that a shell that exports them changes no test.
PUBLISHING_VARIABLES = ("SITE_URL", "REPO_URL")
ENV = {**{k: v for k, v in os.environ.items() if k not in PUBLISHING_VARIABLES}, "NO_MKDOCS_2_WARNING": "1"}
ENGINES = ("mkdocs", "properdocs", "zensical")


def build_command(engine: str, site: Path) -> list[str]:
    """The README's documented build with ``engine``: every edition, published at ``site`` at once."""
    return [sys.executable, "scripts/build.py", "--engine", engine, "--site-dir", str(site)]


def build(engine: str, project: Path, site: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(build_command(engine, site), cwd=project, env={**ENV, **(env or {})}, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Lazily built: ``sites["zensical"]`` builds the repository with Zensical on first use."""
    return _Sites(tmp_path_factory)


class _Sites(dict[str, Path]):
    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.factory = factory

    def __missing__(self, engine: str) -> Path:
        site = self.factory.mktemp(f"site-{engine}") / "site"
        result = build(engine, ROOT, site)
        assert result.returncode == 0, f"{engine} build failed:\n{result.stdout}{result.stderr}"
        self[engine] = site
        return site


@pytest.fixture(scope="session")
def site(sites: dict[str, Path]) -> Path:
    """The site as CI builds it: MkDocs, the primary engine."""
    return sites["mkdocs"]


# --------------------------------------------------------------------------- GitHub Pages

#: The repository (and so the sub-path) the published build pretends to belong to.
PAGES_OWNER, PAGES_REPOSITORY = "kalelpark-notes", "verified-notes"


class PagesHandler(http.server.SimpleHTTPRequestHandler):
    """A project site as GitHub Pages serves it: the site under ``/<repository>/``.

    A folder answers with its ``index.html`` (``/<repository>/blog`` redirects to
    ``/<repository>/blog/``, as Pages does); anything missing, at any depth, and anything
    outside the sub-path, answers with the site's ``404.html`` and status 404.
    """

    prefix = f"/{PAGES_REPOSITORY}"

    def translate_path(self, path: str) -> str:
        route = unquote(urlsplit(path).path)
        if route != self.prefix and not route.startswith(self.prefix + "/"):
            return str(Path(self.directory) / ".outside-the-site")  # never exists: a 404
        return super().translate_path(path[len(self.prefix):] or "/")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class PagesSite:
    """A built site and the Pages-like server that serves it: ``url`` is its ``site_url``."""

    path: Path
    url: str
    repo_url: str


class PagesServer:
    """``site`` served like GitHub Pages on 127.0.0.1, at ``url`` (``http://127.0.0.1:<port>/<repository>/``).

    The socket is bound, and so the address known, at once; requests are answered from
    ``start()`` on, so the site may be built in between.
    """

    def __init__(self, site: Path) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(PagesHandler, directory=str(site)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{PAGES_REPOSITORY}/"
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join()
        self.server.server_close()


@pytest.fixture(scope="session")
def pages_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PagesSite]:
    """The repository built as CI publishes it (``SITE_URL``, ``REPO_URL``) and served as Pages serves it.

    The server's port is taken first, so the build's ``SITE_URL`` is the address it is
    served at: canonical links, the sitemap and the feed point at this very server.
    """
    site = tmp_path_factory.mktemp("site-pages") / "site"
    repo_url = f"https://github.com/{PAGES_OWNER}/{PAGES_REPOSITORY}"
    with contextlib.closing(PagesServer(site)) as server:
        result = build("mkdocs", ROOT, site, env={"SITE_URL": server.url, "REPO_URL": repo_url})
        assert result.returncode == 0, f"the published build failed:\n{result.stdout}{result.stderr}"
        server.start()
        yield PagesSite(path=site, url=server.url, repo_url=repo_url)
