"""Every engine's documented build: the same verified boxes, the same refusals, nothing half-published.

MkDocs is primary; ProperDocs and Zensical run the same ``verified_site.extension``. Each
builds the repository once per session (tests/conftest.py). Refusals are built in a small
project per engine (one page, the site's Markdown configuration, the real verifier), one
build per case of ``gate_cases.GATE_CASES`` and engine, each about a second.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ENGINES, ENV, ROOT, build
from gate_cases import GATE_CASES, INTRO, TABLE_HEADERS, files, markdown_table
from page_tables import VERIFICATION_PAGES, section_table
from projects import Project, tree_digest
from verifier.project import SITE_PARTS, copy_project

POST = "blog/2022/12/29/register-buffer-register-parameter/index.html"


class _Boxes(HTMLParser):
    """Each verified-output box of a page: its snippet, its text and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.boxes: dict[str, dict[str, list[str]]] = {}
        self.depth = 0
        self.current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.current is None and "verified-output" in (values.get("class") or "").split():
            self.current = values["data-snippet"] or ""
            self.boxes[self.current] = {"text": [], "links": []}
            self.depth = 0
        if self.current is not None:
            self.depth += tag not in ("br", "img", "hr")
            if tag == "a" and values.get("href"):
                self.boxes[self.current]["links"].append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self.current is not None:
            self.depth -= 1
            if self.depth == 0:
                self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.boxes[self.current]["text"].append(data)


def boxes(site: Path, page: str = POST) -> dict[str, tuple[str, list[str]]]:
    """Snippet → (the box's text, its links resolved to site paths with their anchors)."""
    parser = _Boxes()
    parser.feed((site / page).read_text(encoding="utf-8"))
    here = posixpath.dirname("/" + page)
    return {snippet: ("".join(box["text"]), [resolve(here, href) for href in box["links"]])
            for snippet, box in parser.boxes.items()}


def resolve(here: str, href: str) -> str:
    path, _, anchor = href.partition("#")
    target = posixpath.normpath(posixpath.join(here, path))
    return f"{target}/index.html#{anchor}" if not target.endswith(".html") else f"{target}#{anchor}"


def test_every_engine_shows_the_same_verified_boxes_with_links_to_the_same_targets(sites: dict[str, Path]) -> None:
    shown = {engine: boxes(sites[engine]) for engine in ENGINES}
    reference = shown["mkdocs"]
    includes = re.findall(r'--8<-- "(snippets/[^_][^"]+\.py)"',
                          (ROOT / "docs/blog/posts/register-buffer-parameter.md").read_text(encoding="utf-8"))
    assert list(reference) == includes, "one box per include, in page order"
    for engine, found in shown.items():
        assert found == reference, f"{engine} shows other boxes than MkDocs"
        for _, links in found.values():
            for link in links:
                path, _, anchor = link.partition("#")
                target = sites[engine] / path.lstrip("/")
                assert target.is_file(), f"{engine}: {link} leads nowhere"
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), f"{engine}: no #{anchor} in {path}"


class _Links(HTMLParser):
    """Every link a page makes, and every id it holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"] or "")
        if tag in ("a", "link", "script", "img", "source"):
            self.links += [value for key, value in attrs if key in ("href", "src") and value]


@pytest.mark.parametrize("engine", ENGINES)
def test_every_internal_link_and_anchor_resolves(sites: dict[str, Path], engine: str) -> None:
    site = sites[engine]
    pages: dict[Path, _Links] = {}
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page.resolve()] = parser
    broken = []
    for page, parser in pages.items():
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue
            path = unquote(parts.path)
            if path.startswith("/"):  # from the site's root; a browser never climbs above it
                target = (site / posixpath.normpath(path).lstrip("/")).resolve()
            else:
                target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site.resolve())}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in pages[target].ids:
                broken.append(f"{page.relative_to(site.resolve())}: {link} (no such anchor)")
    assert sum(len(p.links) for p in pages.values()) > 1000
    assert broken == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failing_expectation_fails_every_engine_and_leaves_the_site_untouched(engine: str, tmp_path: Path) -> None:
    project = copy_project(ROOT, tmp_path / "project", (*SITE_PARTS, ".verify/cache.json"))
    (project / "site").mkdir()
    (project / "site" / "index.html").write_text("<p>the site published before</p>\n", encoding="utf-8")
    before = tree_digest(project / "site")
    out = project / "snippets" / "buffers" / "non_persistent.out"
    out.write_bytes(out.read_bytes().replace(b"['saved']", b"['saved', 'scratch']"))
    result = build(engine, project, project / "site")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "output differs from snippets/buffers/non_persistent.out" in output
    assert tree_digest(project / "site") == before, "a failed build changed site/"
    assert not [p.name for p in project.iterdir() if p.name.startswith((".site.", ".zensical-build-"))], "leftovers"


def test_zensical_alone_refuses_pages_the_verifier_did_not_vouch_for(tmp_path: Path) -> None:
    """Zensical runs no hooks: run by hand without the verifier, it fails rather than publish."""
    project = copy_project(ROOT, tmp_path / "project", SITE_PARTS)
    shutil.copytree(ROOT / ".api-sources", project / ".api-sources")
    result = subprocess.run(["zensical", "build"], cwd=project, env=ENV, capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert re.search(r"docs/blog/posts/register-buffer-parameter\.md:\d+: snippets/\S+\.py cannot be shown: "
                     r"\S*report\.json: no report", result.stdout + result.stderr), result.stdout + result.stderr


# --- the gate on every engine ----------------------------------------------------------------

GATE_CONFIG = """\
site_name: gate
theme:
  name: material
  language: ko
  font: false
hooks:
  - scripts/mkdocs_hook.py
markdown_extensions:
  - attr_list
  - md_in_html
  - admonition
  - pymdownx.highlight
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: ["."]
      check_paths: true
  - verified_site.extension:
      language: ko
  - toc
"""

#: Where the gate project keeps its snippets: ``snippets/g/``.
FOLDER = "g"


@pytest.mark.parametrize("language", VERIFICATION_PAGES)
def test_the_verification_pages_list_every_gate_case(language: str) -> None:
    hint = f"run `python tests/gate_cases.py {language}` and paste its table into the page"
    assert section_table(language, TABLE_HEADERS[language][0]) == markdown_table(language), hint


@pytest.fixture(scope="module")
def gate_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One page, the site's Markdown configuration, and the cases' snippets verified once."""
    project = Project(tmp_path_factory.mktemp("gate") / "project")
    for rel, content in files(FOLDER).items():
        project.write(rel, content)
    project.write("mkdocs.yml", GATE_CONFIG)
    (project.root / "docs").mkdir()
    verified = project.verify(timeout=300)
    assert verified.rc == 0, verified.stdout + verified.stderr
    return project


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", GATE_CASES)
def test_every_engine_refuses_each_gate_case_with_page_and_line(gate_project: Project, engine: str, case: str) -> None:
    gate = GATE_CASES[case]
    gate_project.write("docs/index.md", gate.page(FOLDER))
    site = gate_project.root / f"site-{engine}"
    result = build(engine, gate_project.root, site)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"docs/index.md:{gate.line}: " in output and all(needle in output for needle in gate.needles), output
    assert not site.exists(), "a refused build published something"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_gate_project_builds_when_nothing_is_wrong(gate_project: Project, engine: str) -> None:
    """The cases above fail because of the case, not the project."""
    gate_project.write("docs/index.md", INTRO + f'```python title="ok"\n--8<-- "snippets/{FOLDER}/ok.py"\n```\n\n'
                       '```python quote="torch 1.13"\nprint(1)\n```\n'
                       f'\n```python title="again"\n--8<-- "snippets/{FOLDER}/ok.py"\n```\n')
    site = gate_project.root / f"site-ok-{engine}"
    # The smuggler can be shown nowhere, so a strict build would refuse it as unused: set it aside.
    snippets = gate_project.root / "snippets" / FOLDER
    aside = gate_project.root / "smuggler-aside"
    aside.mkdir()
    for name in ("smuggler.py", "smuggler.out"):
        (snippets / name).rename(aside / name)
    try:
        result = build(engine, gate_project.root, site)
    finally:
        for name in ("smuggler.py", "smuggler.out"):
            (aside / name).rename(snippets / name)
        aside.rmdir()
    assert result.returncode == 0, result.stdout + result.stderr
    page = (site / "index.html").read_text(encoding="utf-8")
    assert page.count('<div class="verified-output" data-snippet="snippets/g/ok.py"') == 2
    assert "ok\n" in boxes(site, "index.html")["snippets/g/ok.py"][0] and "인용 · torch 1.13" in page

