"""The site: the mirror page is complete and shows verified output; the gate refuses bad input.

Builds run ``mkdocs build`` as a user would, in a subprocess. Gate cases build a temporary
copy of the project, so the repository's own ``site/`` and cache are never touched.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ENV, POST, ROOT
from projects import tree_digest
from verifier.project import SITE_PARTS, copy_project
from verifier.report import Report, Status, load

# The original post's text, in its order (from the captured seed, which users' clones lack).
ORIGINAL_IN_ORDER = [
    "KalelPark's LAB",
    "Python/Pytorch",
    "[ Pytorch ] register_buffer, register_parameter란?",
    "kalelpark",
    "15:38",
    "torch.nn.Module.register_buffer",
    "parameter가 아니라 buffer를 수행하기 위한 목적으로 활용됩니다.",
    "buffer는 state_dict에 저장되지만, 최적화에 사용되지 않습니다. 즉, 단순한 module이라고 볼 수 있습니다.",
    'def register_module(self, name : str, module : Optional["Module"]) -> None:',
    "self.add_module(name, module)",
    "torch.nn.Module.register_parameter",
    "module에 name을 기반으로 parameter를 추가합니다.",
    "register_buffer와 다르게, 최적화에 사용될 수 있습니다.",
    "def register_parameter(self, name: str, param: Optional[Parameter]) -> None:",
    "elif not isinstance(name, torch._six.string_classes):",
    "\"Cannot assign non-leaf Tensor to parameter '{0}'. Model \"",
    "self._parameters[name] = param",
    "Reference",
    "https://pytorch.org/docs/stable/generated/torch.nn.Module.html",
    "Module — PyTorch 1.13 documentation",
    "https://aigong.tistory.com/429",
    "[Pytorch] nn.Module.register_buffer와 nn.Module.register_parameter, nn.Parameters 차이",
]


#: What each page-level case prints; the table on docs/verification.md must show the same.
PAGE_CASES = {
    "edited_expectation": "output differs from",
    "missing_include": "is not a snippet the verifier knows",
    "unmarked_block": "neither a verified snippet include",
    "orphan": "included by no page",
    "markup": "&lt;script&gt;",
}


def mkdocs(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=project, env=ENV,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


def page_text(page_html: str) -> str:
    """Visible text: tags dropped, entities decoded, so quotes and code compare as a reader sees them."""
    text = re.sub(r"<[^>]+>", "", page_html)
    return html.unescape(text)


@pytest.fixture(scope="module")
def built(site: Path) -> Path:
    """The repository built once per session with MkDocs (tests/conftest.py)."""
    return site


@pytest.fixture(scope="module")
def report(built: Path) -> Report:
    return load(ROOT / ".verify" / "report.json")


def test_mirror_page_carries_every_part_of_the_post_in_order(built: Path) -> None:
    text = page_text((built / POST).read_text(encoding="utf-8"))
    position = 0
    for part in ORIGINAL_IN_ORDER:
        found = text.find(part, position)
        assert found >= 0, f"missing or out of order: {part!r}"
        position = found + len(part)


def test_mirror_page_adds_the_1_13_docs_beside_the_stable_link_and_drops_page_chrome(built: Path) -> None:
    page = (built / POST).read_text(encoding="utf-8")
    assert 'href="https://pytorch.org/docs/stable/generated/torch.nn.Module.html"' in page
    assert 'href="https://pytorch.org/docs/1.13/generated/torch.nn.Module.html"' in page
    text = page_text(page)
    for chrome in ("Shortcuts", "Comments", "register_parameter란? 본문"):
        assert chrome not in text


def test_quoted_code_is_labelled_with_its_torch_version(built: Path) -> None:
    page = (built / POST).read_text(encoding="utf-8")
    titles = re.findall(r'<span class="filename">([^<]*)</span>', page)
    quotes = [t for t in titles if t.startswith("인용 · torch 1.13")]
    assert len(quotes) >= 2, titles


def test_every_included_output_in_the_report_appears_escaped_with_provenance(built: Path, report: Report) -> None:
    pages = {p: p.read_text(encoding="utf-8") for p in built.rglob("*.html")}
    everything = "\n".join(pages.values())
    shown = [e for e in report.entries if e.status == Status.PASSED]
    assert shown, "the report lists no passed snippet"
    for entry in shown:
        block = f'data-snippet="{entry.path}"'
        assert block in everything, f"{entry.path} is on no page"
        assert f"<code>{html.escape(entry.output or '', quote=False)}</code>" in everything, entry.path
    post = pages[built / POST]
    provenance = f"torch {report.environment.torch} · Python {report.environment.python}"
    assert post.count(provenance) >= len([e for e in shown if f'data-snippet="{e.path}"' in post])


def test_headings_get_readable_anchors(built: Path) -> None:
    """The post's sections have explicit ids (shared by every edition); other Korean headings get Korean slugs."""
    post = (built / POST).read_text(encoding="utf-8")
    ids = re.findall(r'<h[23] id="([^"]+)"', post)
    assert len(ids) >= 14 and all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in ids), ids
    home = re.findall(r'<h2 id="([^"]+)"', (built / "index.html").read_text(encoding="utf-8"))
    assert home and not any(re.fullmatch(r"_\d*", i) for i in home) and any(re.search("[가-힣]", i) for i in home), home


def test_no_page_loads_anything_from_a_third_party_host(built: Path) -> None:
    for page in built.rglob("*.html"):
        for url in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//([^"/]+)', page.read_text(encoding="utf-8")):
            pytest.fail(f"{page.relative_to(built)} loads from {url[1]}")


def test_blog_has_excerpt_archive_category_and_404(built: Path) -> None:
    index = (built / "blog" / "index.html").read_text(encoding="utf-8")
    assert "register_buffer, register_parameter란?" in index
    assert (built / "blog" / "archive" / "2022" / "index.html").exists()
    assert (built / "blog" / "category" / "pythonpytorch" / "index.html").exists()
    assert "페이지를 찾을 수 없습니다" in (built / "404.html").read_text(encoding="utf-8")


def test_api_reference_renders_from_the_installed_torch(built: Path) -> None:
    text = page_text((built / "reference" / "index.html").read_text(encoding="utf-8"))
    for name in ("register_buffer", "register_parameter", "add_module", "register_module", "Parameter"):
        assert name in text
    assert "persistent" in text  # from torch's own register_buffer docstring


def test_no_raw_sphinx_role_outside_code_blocks(built: Path) -> None:
    """torch's docstrings say :attr:`cuda`; the API page shows `cuda` as code (verified_site.sphinx_roles)."""
    for page in built.rglob("*.html"):
        prose = re.sub(r"<pre.*?</pre>", "", page.read_text(encoding="utf-8"), flags=re.S)
        roles = re.findall(r":(?:[a-z]+:)?[a-z]+:(?:<code>|`)", prose)
        assert roles == [], f"{page.relative_to(built)} shows raw Sphinx roles: {roles}"
    reference = (built / "reference" / "index.html").read_text(encoding="utf-8")
    assert "setting <code>persistent</code> to <code>False</code>" in reference


class _Blocks(HTMLParser):
    """Every <pre> of a page: its line count, and whether a <details> folds it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.blocks: list[tuple[int, bool, str]] = []
        self.text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "hr", "input", "meta", "link", "wbr"):
            return
        self.open.append(tag)
        if tag == "pre":
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self.text is not None:
            text = "".join(self.text).rstrip("\n")
            self.blocks.append((text.count("\n") + 1, "details" in self.open[:-1], text[:60]))
            self.text = None
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)


def test_no_block_over_40_lines_is_shown_expanded_on_the_post(built: Path) -> None:
    """A reader meets the text, then short outputs; longer code and output are folded."""
    parser = _Blocks()
    parser.feed((built / POST).read_text(encoding="utf-8"))
    assert len(parser.blocks) > 100
    expanded = [(lines, start) for lines, folded, start in parser.blocks if not folded and lines > 40]
    assert expanded == []
    assert any(folded and lines > 40 for lines, folded, _ in parser.blocks), "the long blocks are there, folded"


def test_the_settings_header_is_not_in_the_shown_code(built: Path) -> None:
    assert (ROOT / "snippets" / "devices" / "meta_follow.py").read_text(encoding="utf-8").startswith("# verify: device=meta")
    assert "# verify:" not in page_text((built / POST).read_text(encoding="utf-8"))


# --- the gate: a temporary copy of the project, built once, then broken in one way each ---

@pytest.fixture
def project(tmp_path: Path, built: Path) -> Path:
    """A copy of the project whose cache is warm (copied), with a good site already built."""
    copy_project(ROOT, tmp_path, (*SITE_PARTS, ".verify/cache.json"))
    shutil.copytree(built, tmp_path / "site")
    return tmp_path


def source_digest(folder: Path) -> str:
    """The Python sources under ``folder`` (bytecode caches left out)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def assert_refused(project: Path, result: subprocess.CompletedProcess[str], before: str, *needles: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for needle in needles:
        assert needle in output, output
    assert tree_digest(project / "site") == before, "a failed build changed site/"
    assert not list(project.glob(".site.partial-*")), "a failed build left its partial folder"


def test_an_edited_expectation_stops_the_build_and_leaves_site_untouched(project: Path) -> None:
    before = tree_digest(project / "site")
    out = project / "snippets" / "buffers" / "non_persistent.out"
    out.write_text(out.read_text(encoding="utf-8").replace("['saved']", "['saved', 'scratch']"), encoding="utf-8")
    result = mkdocs(project)
    assert_refused(project, result, before, f"{PAGE_CASES['edited_expectation']} snippets/buffers/non_persistent.out",
                   "-state_dict keys: ['saved', 'scratch']")


def test_an_unmarked_python_block_fails_with_page_and_line(project: Path) -> None:
    before = tree_digest(project / "site")
    page = project / "docs" / "verification.md"
    lines = page.read_text(encoding="utf-8").split("\n")
    lines += ["", "```python", "print('never verified')", "```", ""]
    page.write_text("\n".join(lines), encoding="utf-8")
    result = mkdocs(project)
    assert_refused(project, result, before, f"docs/verification.md:{len(lines) - 3}:", PAGE_CASES["unmarked_block"])


def test_including_a_snippet_that_does_not_exist_fails_with_page_and_line(project: Path) -> None:
    before = tree_digest(project / "site")
    page = project / "docs" / "index.md"
    lines = page.read_text(encoding="utf-8").split("\n")
    lines += ["", "```python", '--8<-- "snippets/buffers/no_such_claim.py"', "```", ""]
    page.write_text("\n".join(lines), encoding="utf-8")
    result = mkdocs(project)
    assert_refused(project, result, before, f"docs/index.md:{len(lines) - 2}: snippets/buffers/no_such_claim.py {PAGE_CASES['missing_include']}")


def test_a_snippet_no_page_includes_is_a_warning_that_fails_strict(project: Path) -> None:
    (project / "snippets" / "buffers" / "orphan.py").write_text('print("orphan")\n', encoding="utf-8")
    (project / "snippets" / "buffers" / "orphan.out").write_text("orphan\n", encoding="utf-8")
    before = tree_digest(project / "site")
    strict = mkdocs(project, "--strict")
    assert_refused(project, strict, before, f"{PAGE_CASES['orphan']}: snippets/buffers/orphan.py")
    relaxed = mkdocs(project)
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    assert "included by no page: snippets/buffers/orphan.py" in relaxed.stderr


def test_markup_and_undecodable_bytes_in_output_are_shown_as_text(project: Path) -> None:
    snippet = project / "snippets" / "buffers" / "markup.py"
    snippet.write_text(
        "import sys\n"
        "print('<script>alert(1)</script> <b>bold</b> &amp;')\n"
        "print('--8<-- \"mkdocs.yml\"')\n"
        "sys.stdout.flush()\n"
        "sys.stdout.buffer.write(b'\\xff\\xfe end\\n')\n",
        encoding="utf-8",
    )
    update = subprocess.run([sys.executable, "scripts/verify.py", "--update", str(snippet)], cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert update.returncode == 0, update.stdout + update.stderr
    page = project / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + '\n\n```python\n--8<-- "snippets/buffers/markup.py"\n```\n',
                    encoding="utf-8")
    result = mkdocs(project, "-d", str(project / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    built = (project / "out" / "index.html").read_text(encoding="utf-8")
    output = re.search(r'data-snippet="snippets/buffers/markup.py".*?<code>(.*?)</code>', built, re.S)
    assert output is not None
    assert output[1].startswith(PAGE_CASES["markup"])
    assert output[1] == ("&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp;amp;\n"
                         '--8&lt;-- "mkdocs.yml"\n'
                         "\\xff\\xfe end\n")
    assert "<script>alert(1)" not in built


def test_a_second_post_needs_no_change_to_scripts(project: Path) -> None:
    """The README's promise: a new post is Markdown plus a snippet recorded with --update."""
    scripts_before = source_digest(project / "scripts")
    snippet = project / "snippets" / "second" / "sum_of_parameters.py"
    snippet.parent.mkdir()
    snippet.write_text("import torch.nn as nn\n\nlin = nn.Linear(3, 2)\n"
                       "print('parameters:', sum(p.numel() for p in lin.parameters()))\n", encoding="utf-8")
    update = subprocess.run([sys.executable, "scripts/verify.py", "--update", str(snippet)], cwd=project,
                            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert update.returncode == 0 and "recorded snippets/second/sum_of_parameters.out" in update.stdout, update.stdout
    (project / "docs" / "blog" / "posts" / "second.md").write_text(
        "---\ndate:\n  created: 2026-11-28\nauthors:\n  - kalelpark\ncategories:\n  - Python/Pytorch\n"
        "slug: second-post\n---\n\n# 두 번째 글\n\n본문.\n\n<!-- more -->\n\n"
        '```python title="Linear(3, 2)의 파라미터 수"\n--8<-- "snippets/second/sum_of_parameters.py"\n```\n',
        encoding="utf-8")
    result = mkdocs(project, "--strict", "-d", str(project / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    post = (project / "out" / "blog" / "2026" / "11" / "28" / "second-post" / "index.html").read_text(encoding="utf-8")
    box = re.search(r'<div class="verified-output" data-snippet="snippets/second/sum_of_parameters.py" '
                    r'data-status="passed">.*?<code>(.*?)</code>', post, re.S)
    assert box is not None and box[1] == "parameters: 8\n"
    assert source_digest(project / "scripts") == scripts_before == source_digest(ROOT / "scripts")


def test_the_verification_page_lists_every_page_case() -> None:
    page = (ROOT / "docs" / "verification.md").read_text(encoding="utf-8")
    section = page[page.index("## 페이지 검사"):page.index("## 엔진 게이트")]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| ---")][1:]
    assert len(rows) == len(PAGE_CASES)
    for message in PAGE_CASES.values():
        assert f"`{message}`" in section, message
