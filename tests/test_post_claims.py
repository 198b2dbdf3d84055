"""The post's rule for its own additions: every claim block is followed by a verified include.

A ``검증 …`` (verified), ``바로잡기 …`` (correction) or ``… 덧붙임 …`` (added by this site)
admonition, in the English edition ``Verified …``, ``Correction …`` or ``… Added by this site …``,
states something about torch. Each must be followed, before the next Markdown
heading and before the next such block, by a Python fence that includes a snippet::

    !!! note "이 사이트에서 덧붙임: …"

        …

    ```python title="…"
    --8<-- "snippets/<topic>/<name>.py"
    ```

so that no claim on the page rests on prose alone. The included file must exist and have
a recorded expectation (``<name>.out``), unless it declares a device the build machine may
lack (``# verify: device=cuda``), whose output is shown as not run. The page is read as
text: nothing from ``scripts/`` is imported, so this rule holds whatever renders the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POST = ROOT / "docs" / "blog" / "posts" / "register-buffer-parameter.md"
#: The post in every edition, and the words that open (or mark) a claim block there.
EDITIONS = {
    "ko": (POST, ("검증", "바로잡기"), "덧붙임"),
    "en": (ROOT / "docs" / "en" / "blog" / "posts" / "register-buffer-parameter.md", ("Verified", "Correction"), "Added by this site"),
}

_ADMONITION = re.compile(r'^(?P<indent>[ \t]*)(?:!!!|\?\?\?\+?)[ \t]+[\w-]+(?:[ \t]+[^"\n]*?)?(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$')
_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_INCLUDE = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"(?P<path>snippets/[^"]+\.py)"[ \t]*$')
_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
_ACCELERATOR = re.compile(r"^#\s*verify:.*\bdevice\s*=\s*(cuda|mps)\b", re.M)
PYTHON = {"python", "py", "python3", "py3"}


def is_claim(title: str) -> bool:
    """A claim's opening word at the start of the title, or the "added by this site" mark anywhere in it."""
    return any(title.startswith(opening) or mark in title for _, opening, mark in EDITIONS.values())


@dataclass(frozen=True)
class Block:
    line: int
    """1-based line of the ``!!!`` line in the page."""
    title: str
    includes: tuple[str, ...]
    """Snippet paths included by Python fences after the block, before the next heading or claim block."""


def claim_blocks(markdown: str) -> list[Block]:
    """Every claim admonition with the snippet includes that follow it."""
    blocks: list[tuple[int, str]] = []
    includes: dict[int, list[str]] = {}
    current: int | None = None  # index into blocks of the claim being collected
    fence: str | None = None  # the open fence's marker, or None outside fences
    python_fence = False
    for number, line in enumerate(markdown.split("\n"), start=1):
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            elif python_fence and current is not None and (match := _INCLUDE.match(line)):
                includes[current].append(match["path"])
            continue
        if match := _FENCE.match(line):
            fence = match["fence"]
            info = match["info"].strip()
            python_fence = info.split(" ", 1)[0].lower() in PYTHON and "quote=" not in info
            continue
        if _HEADING.match(line):
            current = None
            continue
        if (match := _ADMONITION.match(line)) and is_claim(match["title"] or ""):
            blocks.append((number, match["title"]))
            current = len(blocks) - 1
            includes[current] = []
    return [Block(number, title, tuple(includes[i])) for i, (number, title) in enumerate(blocks)]


def problems(markdown: str, root: Path = ROOT, page: str = "page") -> list[str]:
    """``page:line: …`` for each claim block without a verified include after it."""
    found = []
    for block in claim_blocks(markdown):
        where = f"{page}:{block.line}: {block.title!r}"
        if not block.includes:
            found.append(f"{where} is followed by no snippet include before the next heading or claim block")
        for path in block.includes:
            snippet = root / path
            if not snippet.is_file():
                found.append(f"{where} includes {path}, which does not exist")
            elif not snippet.with_suffix(".out").is_file() and not _ACCELERATOR.search(snippet.read_text(encoding="utf-8")):
                found.append(f"{where} includes {path}, which has no recorded output ({Path(path).with_suffix('.out').name})")
    return found


# --- the post ---------------------------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS)
def test_every_claim_block_on_the_post_is_followed_by_a_verified_include(edition: str) -> None:
    post = EDITIONS[edition][0]
    assert problems(post.read_text(encoding="utf-8"), ROOT, post.relative_to(ROOT).as_posix()) == []


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_post_has_claim_blocks_of_each_kind(edition: str) -> None:
    post, (verified, correction), added = EDITIONS[edition]
    titles = [block.title for block in claim_blocks(post.read_text(encoding="utf-8"))]
    assert any(t.startswith(verified) for t in titles)
    assert any(t.startswith(correction) for t in titles)
    assert any(added in t for t in titles)


def test_both_editions_make_the_same_claims_with_the_same_snippets() -> None:
    """A translation: block for block, the same includes in the same order."""
    blocks = {edition: claim_blocks(post.read_text(encoding="utf-8")) for edition, (post, _, _) in EDITIONS.items()}
    assert [b.includes for b in blocks["en"]] == [b.includes for b in blocks["ko"]]


# --- the rule itself, on small pages: it passes good ones and names the bad block's line ---

INCLUDE = '```python title="t"\n--8<-- "snippets/t/a.py"\n```\n'


@pytest.fixture
def tiny_root(tmp_path: Path) -> Path:
    (tmp_path / "snippets" / "t").mkdir(parents=True)
    (tmp_path / "snippets" / "t" / "a.py").write_text("print(1)\n", encoding="utf-8")
    (tmp_path / "snippets" / "t" / "a.out").write_text("1\n", encoding="utf-8")
    (tmp_path / "snippets" / "t" / "gpu.py").write_text("# verify: device=cuda\nprint(1)\n", encoding="utf-8")
    (tmp_path / "snippets" / "t" / "unrecorded.py").write_text("print(1)\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("markdown", [
    pytest.param(f'# T\n\n!!! note "검증: a"\n\n    text\n\n{INCLUDE}', id="verified"),
    pytest.param(f'## T\n\n!!! warning "바로잡기: a"\n\n    text\n\n!!! quote "원문"\n\n    q\n\n{INCLUDE}', id="quote-between"),
    pytest.param(f'!!! note "이 사이트에서 덧붙임"\n\n    text\n\n    {INCLUDE.replace(chr(10), chr(10) + "    ")}', id="indented-include"),
    pytest.param(f'!!! note "덧붙임"\n\n{INCLUDE.replace("a.py", "gpu.py")}', id="device-snippet-without-out"),
    pytest.param('!!! note "참고: 링크"\n\n    no claim here\n\n## Next\n', id="not-a-claim"),
    pytest.param(f'!!! note "검증: a"\n\n```sh\n# a shell comment, not a heading\n```\n\n{INCLUDE}', id="hash-inside-a-fence"),
])
def test_a_page_that_follows_the_rule_passes(tiny_root: Path, markdown: str) -> None:
    assert problems(markdown, tiny_root) == []


@pytest.mark.parametrize(("markdown", "line", "why"), [
    pytest.param('# T\n\n!!! note "검증: a"\n\n    text\n\n## Next\n\n' + INCLUDE, 3, "followed by no snippet include",
                 id="include-after-the-next-heading"),
    pytest.param('!!! note "검증: a"\n\n    text\n\n!!! note "이 사이트에서 덧붙임"\n\n    b\n\n' + INCLUDE, 1,
                 "followed by no snippet include", id="include-belongs-to-the-next-claim"),
    pytest.param('!!! warning "바로잡기: a"\n\n    text\n', 1, "followed by no snippet include", id="at-end-of-page"),
    pytest.param('!!! warning "바로잡기: a"\n\n```python quote="torch 1.13"\n--8<-- "snippets/t/a.py"\n```\n', 1,
                 "followed by no snippet include", id="a-quotation-is-not-a-verified-include"),
    pytest.param('!!! warning "바로잡기: a"\n\n```text\n--8<-- "snippets/t/a.py"\n```\n', 1,
                 "followed by no snippet include", id="not-a-python-fence"),
    pytest.param(f'!!! note "검증"\n\n{INCLUDE.replace("a.py", "missing.py")}', 1, "does not exist", id="missing-snippet"),
    pytest.param(f'!!! note "검증"\n\n{INCLUDE.replace("a.py", "unrecorded.py")}', 1, "has no recorded output",
                 id="snippet-without-expectation"),
])
def test_a_page_that_breaks_the_rule_fails_naming_the_block_line(tiny_root: Path, markdown: str, line: int, why: str) -> None:
    found = problems(markdown, tiny_root, "p.md")
    assert len(found) == 1, found
    assert found[0].startswith(f"p.md:{line}: ") and why in found[0], found[0]
