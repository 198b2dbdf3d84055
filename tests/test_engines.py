"""Every engine's documented build: the same verified boxes, the same refusals, nothing half-published.

MkDocs is primary; ProperDocs and Zensical run the same ``verified_site.extension``. Each
builds the repository once per session (tests/conftest.py). Refusals are built in a small
project per engine (one page, the site's Markdown configuration, the real verifier): one
build per case and engine, each about a second.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import ENGINES, ENV, ROOT, build

from verifier.project import SITE_PARTS, VERIFIER_PARTS, copy_project

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


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


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
INTRO = "# Gate\n\nProse.\n\n"  # each case starts on line 5

@dataclass(frozen=True)
class GateCase:
    """A refusal the extension makes, on every engine."""

    titles: dict[str, str]
    """What the page holds, by edition, for the verification pages' tables."""
    page: str
    """The page's Markdown after the intro (it starts on line 5)."""
    line: int
    """The line the refusal must name."""
    needle: str
    """Text the error must contain."""


GATE_CASES: dict[str, GateCase] = {
    "unmarked": GateCase(
        {"ko": "표시 없는 python 블록", "en": "An unmarked python block"},
        '```python\nprint("never verified")\n```\n', 5, "neither a verified snippet include"),
    "tab-before-title": GateCase(
        {"ko": "언어 뒤 탭, 그다음 `title=`", "en": "A tab after the language, then `title=`"},
        '```python\ttitle="x"\nprint(1)\n```\n', 5, "neither a verified snippet include"),
    "backtick-in-title": GateCase(
        {"ko": "제목 속 백틱", "en": "A backtick in the title"},
        '```python title="a`b"\nprint(1)\n```\n', 5, "neither a verified snippet include"),
    "attribute-list": GateCase(
        {"ko": '속성 목록 헤더 `{ title="a.b" .python }`', "en": 'An attribute-list header `{ title="a.b" .python }`'},
        '```{ title="a.b" .python }\nprint(1)\n```\n', 5, "neither a verified snippet include"),
    "alias-ipython3": GateCase(
        {"ko": "Pygments 별칭 `ipython3`", "en": "The Pygments alias `ipython3`"},
        "```ipython3\nprint(1)\n```\n", 5, "neither a verified snippet include"),
    "alias-starlark": GateCase(
        {"ko": "Pygments 별칭 `starlark`", "en": "The Pygments alias `starlark`"},
        "```starlark\nprint(1)\n```\n", 5, "neither a verified snippet include"),
    "blockquote": GateCase(
        {"ko": "인용문(`>`) 안의 python 블록", "en": "A python block inside a blockquote (`>`)"},
        "> ```python\n> print(1)\n> ```\n", 5, "neither a verified snippet include"),
    "partial": GateCase(
        {"ko": "python 블록이 든 Markdown 조각을 포함", "en": "Includes a Markdown fragment that contains a python block"},
        '--8<-- "includes/partial.md"\n', 5, "(in includes/partial.md, included here)"),
    "raw-html": GateCase(
        {"ko": 'HTML로 쓴 `<pre><code class="language-python">`', "en": '`<pre><code class="language-python">` written in HTML'},
        '<pre><code class="language-python">print(1)</code></pre>\n', 5, "Python code in HTML"),
    "text-fence-include": GateCase(
        {"ko": "`text` 블록이 스니펫 `.py`를 포함", "en": "A `text` block includes a snippet `.py`"},
        '```text\n--8<-- "snippets/g/ok.py"\n```\n', 6, "included in a `text` block"),
    "marker-in-snippet": GateCase(
        {"ko": "소스에 포함 표시가 든 스니펫", "en": "A snippet whose source contains an include marker"},
        '```python\n--8<-- "snippets/g/smuggler.py"\n```\n', 6, "would not show the code that ran"),
    "hand-written-slot": GateCase(
        {"ko": "손으로 쓴 출력 상자", "en": "An output box written by hand"},
        '<div class="verified-output-slot" data-snippet="snippets/g/nope.py"></div>\n', 5, "by hand"),
}


#: The table's header row in each edition's verification page, and the section it is under.
TABLE_HEADERS = {"ko": ("## 엔진 게이트", "| 사례 | 페이지에 있는 것 | 메시지 (일부) |"),
                 "en": ("## Engine gate", "| Case | What is on the page | Message (excerpt) |")}
VERIFICATION_PAGES = {"ko": ROOT / "docs" / "verification.md", "en": ROOT / "docs" / "en" / "verification.md"}


def markdown_table(language: str = "ko") -> str:
    """The table each edition's verification page shows under its engine-gate heading."""
    def code(text: str) -> str:
        return f"`` {text} ``" if "`" in text else f"`{text}`"

    rows = "".join(f"| `{name}` | {case.titles[language]} | {code(case.needle)} |\n" for name, case in GATE_CASES.items())
    return f"{TABLE_HEADERS[language][1]}\n| --- | --- | --- |\n" + rows


@pytest.mark.parametrize("language", VERIFICATION_PAGES)
def test_the_verification_pages_list_every_gate_case(language: str) -> None:
    page = VERIFICATION_PAGES[language].read_text(encoding="utf-8")
    section = page.split("\n" + TABLE_HEADERS[language][0], 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|")) + "\n"
    assert table == markdown_table(language), f"run `python tests/test_engines.py {language}` and paste its table into the page"


@pytest.fixture(scope="module")
def gate_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One page, the site's Markdown configuration, and three snippets verified once."""
    project = copy_project(ROOT, tmp_path_factory.mktemp("gate") / "project", VERIFIER_PARTS)
    shutil.rmtree(project / "snippets")
    (project / "snippets" / "g").mkdir(parents=True)
    (project / "snippets" / "g" / "ok.py").write_text('print("ok")\n', encoding="utf-8")
    (project / "snippets" / "g" / "ok.out").write_text("ok\n", encoding="utf-8")
    (project / "snippets" / "g" / "smuggler.py").write_text('print("""\n--8<-- "snippets/g/ok.py"\n""")\n', encoding="utf-8")
    (project / "snippets" / "g" / "smuggler.out").write_text('\n--8<-- "snippets/g/ok.py"\n\n', encoding="utf-8")
    (project / "docs").mkdir()
    (project / "includes").mkdir()  # outside docs/: a partial, not a page of its own
    (project / "includes" / "partial.md").write_text("Text.\n\n```python\nprint('partial')\n```\n", encoding="utf-8")
    (project / "mkdocs.yml").write_text(GATE_CONFIG, encoding="utf-8")
    verified = subprocess.run([sys.executable, "scripts/verify.py"], cwd=project, capture_output=True, text=True,
                              timeout=300, stdin=subprocess.DEVNULL)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return project


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", GATE_CASES)
def test_every_engine_refuses_each_gate_case_with_page_and_line(gate_project: Path, engine: str, case: str) -> None:
    body, line, needle = GATE_CASES[case].page, GATE_CASES[case].line, GATE_CASES[case].needle
    (gate_project / "docs" / "index.md").write_text(INTRO + body, encoding="utf-8")
    site = gate_project / f"site-{engine}"
    result = build(engine, gate_project, site)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"docs/index.md:{line}: " in output and needle in output, output
    assert not site.exists(), "a refused build published something"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_gate_project_builds_when_nothing_is_wrong(gate_project: Path, engine: str) -> None:
    """The cases above fail because of the case, not the project."""
    (gate_project / "docs" / "index.md").write_text(
        INTRO + '```python title="ok"\n--8<-- "snippets/g/ok.py"\n```\n\n```python quote="torch 1.13"\nprint(1)\n```\n'
        '\n```python title="again"\n--8<-- "snippets/g/ok.py"\n```\n', encoding="utf-8")
    site = gate_project / f"site-ok-{engine}"
    # The smuggler can be shown nowhere, so a strict build would refuse it as unused: set it aside.
    aside = gate_project / "smuggler-aside"
    aside.mkdir()
    for name in ("smuggler.py", "smuggler.out"):
        (gate_project / "snippets" / "g" / name).rename(aside / name)
    try:
        result = build(engine, gate_project, site)
    finally:
        for name in ("smuggler.py", "smuggler.out"):
            (aside / name).rename(gate_project / "snippets" / "g" / name)
        aside.rmdir()
    assert result.returncode == 0, result.stdout + result.stderr
    page = (site / "index.html").read_text(encoding="utf-8")
    assert page.count('<div class="verified-output" data-snippet="snippets/g/ok.py"') == 2
    assert "ok\n" in boxes(site, "index.html")["snippets/g/ok.py"][0] and "인용 · torch 1.13" in page


if __name__ == "__main__":
    print(markdown_table(*sys.argv[1:2]), end="")
