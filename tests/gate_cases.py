"""The pages the Markdown extension's gate must refuse, and what it must say about each.

One table serves three readers: ``tests/test_gate.py`` converts every case with plain
Python-Markdown, ``tests/test_engines.py`` builds every case with each engine, and each
edition's ``verification.md`` (section ``## 엔진 게이트`` / ``## Engine gate``) shows the
same table; a test fails when the page's rows differ from :func:`markdown_table`. To refresh
the page after changing a case: ``python tests/gate_cases.py [ko|en]`` prints the table.

The two test modules keep their snippets in different folders (``snippets/<folder>/``): a
case's page names its snippets with the :data:`FOLDER` placeholder, filled in by
:meth:`GateCase.page`, and :func:`files` writes what the cases include into either.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

#: Stands for the snippets' folder (``snippets/<folder>/``) in a case's page.
FOLDER = "{folder}"

#: What every page starts with: each case begins on line 5.
INTRO = "# Gate\n\nProse.\n\n"

#: The snippet that passes verification, and its output.
OK = 'print("ok")\n'

#: A Markdown fragment outside ``docs/`` (a partial, not a page of its own) that holds a python block.
PARTIAL = "includes/partial.md"


@dataclass(frozen=True)
class GateCase:
    """A refusal the extension makes, through plain Python-Markdown and on every engine."""

    titles: dict[str, str]
    """What the page holds, by edition, for the verification pages' tables."""
    template: str
    """The page's Markdown after :data:`INTRO`, with :data:`FOLDER` for the snippets' folder."""
    line: int
    """The line the refusal must name."""
    needle: str
    """Text the error must contain (shown in the verification pages' tables)."""
    more: tuple[str, ...] = ()
    """Other text the error must contain."""

    def page(self, folder: str) -> str:
        """The whole page, its snippets under ``snippets/<folder>/``."""
        return INTRO + self.template.replace(FOLDER, folder)

    @property
    def needles(self) -> tuple[str, ...]:
        return (self.needle, *self.more)


#: What the error says of an unverified python block (``Python code block is neither …``): the table's excerpt, and more.
_UNVERIFIED = "neither a verified snippet include"
_PYTHON_CODE = ("Python code",)

GATE_CASES: dict[str, GateCase] = {
    "unmarked": GateCase(
        {"ko": "표시 없는 python 블록", "en": "An unmarked python block"},
        '```python\nprint("never verified")\n```\n', 5, _UNVERIFIED, _PYTHON_CODE),
    "tab-before-title": GateCase(
        {"ko": "언어 뒤 탭, 그다음 `title=`", "en": "A tab after the language, then `title=`"},
        '```python\ttitle="x"\nprint(1)\n```\n', 5, _UNVERIFIED, _PYTHON_CODE),
    "backtick-in-title": GateCase(
        {"ko": "제목 속 백틱", "en": "A backtick in the title"},
        '```python title="a`b"\nprint(1)\n```\n', 5, _UNVERIFIED, _PYTHON_CODE),
    "attribute-list": GateCase(
        {"ko": '속성 목록 헤더 `{ title="a.b" .python }`', "en": 'An attribute-list header `{ title="a.b" .python }`'},
        '```{ title="a.b" .python }\nprint(1)\n```\n', 5, _UNVERIFIED, _PYTHON_CODE),
    "alias-ipython3": GateCase(
        {"ko": "Pygments 별칭 `ipython3`", "en": "The Pygments alias `ipython3`"},
        "```ipython3\nprint(1)\n```\n", 5, _UNVERIFIED, _PYTHON_CODE),
    "alias-starlark": GateCase(
        {"ko": "Pygments 별칭 `starlark`", "en": "The Pygments alias `starlark`"},
        "```starlark\nprint(1)\n```\n", 5, _UNVERIFIED, _PYTHON_CODE),
    "blockquote": GateCase(
        {"ko": "인용문(`>`) 안의 python 블록", "en": "A python block inside a blockquote (`>`)"},
        "> ```python\n> print(1)\n> ```\n", 5, _UNVERIFIED, _PYTHON_CODE),
    "partial": GateCase(
        {"ko": "python 블록이 든 Markdown 조각을 포함", "en": "Includes a Markdown fragment that contains a python block"},
        f'--8<-- "{PARTIAL}"\n', 5, f"(in {PARTIAL}, included here)", (_UNVERIFIED,)),
    "raw-html": GateCase(
        {"ko": 'HTML로 쓴 `<pre><code class="language-python">`', "en": '`<pre><code class="language-python">` written in HTML'},
        '<pre><code class="language-python">print(1)</code></pre>\n', 5, "Python code in HTML"),
    "text-fence-include": GateCase(
        {"ko": "`text` 블록이 스니펫 `.py`를 포함", "en": "A `text` block includes a snippet `.py`"},
        f'```text\n--8<-- "snippets/{FOLDER}/ok.py"\n```\n', 6, "included in a `text` block"),
    "marker-in-snippet": GateCase(
        {"ko": "소스에 포함 표시가 든 스니펫", "en": "A snippet whose source contains an include marker"},
        f'```python\n--8<-- "snippets/{FOLDER}/smuggler.py"\n```\n', 6, "would not show the code that ran"),
    "hand-written-slot": GateCase(
        {"ko": "손으로 쓴 출력 상자", "en": "An output box written by hand"},
        f'<div class="verified-output-slot" data-snippet="snippets/{FOLDER}/nope.py"></div>\n', 5, "by hand"),
}


def files(folder: str) -> dict[str, str]:
    """What the cases include, relative to the project root: a passing snippet, the smuggler and the partial.

    The smuggler's source holds a pymdownx.snippets marker: included, the page would show
    other code than the code that ran. It passes verification, so only the gate refuses it.
    """
    marker = f'--8<-- "snippets/{folder}/ok.py"'
    return {
        f"snippets/{folder}/ok.py": OK,
        f"snippets/{folder}/ok.out": "ok\n",
        f"snippets/{folder}/smuggler.py": f'print("""\n{marker}\n""")\n',
        f"snippets/{folder}/smuggler.out": f"\n{marker}\n\n",
        PARTIAL: "Text.\n\n```python\nprint('partial')\n```\n",
    }


#: The heading each edition's verification page shows the table under, and the table's header row.
TABLE_HEADERS = {"ko": ("## 엔진 게이트", "| 사례 | 페이지에 있는 것 | 메시지 (일부) |"),
                 "en": ("## Engine gate", "| Case | What is on the page | Message (excerpt) |")}


def markdown_table(language: str = "ko") -> str:
    """The table each edition's verification page shows under its engine-gate heading."""
    def code(text: str) -> str:
        return f"`` {text} ``" if "`" in text else f"`{text}`"

    rows = "".join(f"| `{name}` | {case.titles[language]} | {code(case.needle)} |\n" for name, case in GATE_CASES.items())
    return f"{TABLE_HEADERS[language][1]}\n| --- | --- | --- |\n" + rows


if __name__ == "__main__":
    print(markdown_table(*sys.argv[1:2]), end="")
