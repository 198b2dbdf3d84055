"""The tables each edition's verification page shows, read back for the tests that generate them.

``tests/hostile_cases.py`` and ``tests/gate_cases.py`` each print a table that the pages
carry under one heading; a test compares the page's table with the generated one.
"""

from __future__ import annotations

from projects import ROOT

#: Each edition's verification page.
VERIFICATION_PAGES = {"ko": ROOT / "docs" / "verification.md", "en": ROOT / "docs" / "en" / "verification.md"}


def section_table(language: str, heading: str) -> str:
    """The table lines (those starting with ``|``) of the section under ``heading`` in ``language``'s verification page.

    The section runs from the heading's own line to the next ``## `` heading; a page
    without that heading fails the calling test, naming the page and the heading.
    """
    path = VERIFICATION_PAGES[language]
    section = path.read_text(encoding="utf-8").split(f"\n{heading}\n", 1)
    assert len(section) == 2, f"{path.relative_to(ROOT)} has no `{heading}` section"
    body = section[1].split("\n## ", 1)[0]
    return "\n".join(line for line in body.splitlines() if line.startswith("|")) + "\n"
