"""Sphinx roles in torch's docstrings, rendered as code.

The API reference quotes torch's docstrings, which are reStructuredText: ``:attr:`cuda```,
``:class:`~torch.Tensor```. Read as Markdown they show the role's name in front of a code
span (``:attr:cuda``). This extension renders each role as the code it names, the way
Sphinx shows it: ``~`` keeps only the last component (``~torch.Tensor`` → ``Tensor``) and
``!`` is dropped. It is an inline pattern, so code blocks and code spans are never touched;
mkdocstrings runs it on every docstring because it forwards the site's Markdown extensions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor

#: A role: ``:name:`` or ``:domain:name:``, then a backticked target; runs before backticks (190).
ROLE = r":(?:[a-z]+:)?[a-z]+:`([^`\n]+)`"


class _Role(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # type: ignore[override]  # as the stubs do for InlineProcessor
        code = etree.Element("code")
        code.text = shown(m.group(1))
        return code, m.start(0), m.end(0)


def shown(target: str) -> str:
    """What Sphinx shows for a role's target: its title if it has one (``text <target>``), the
    last component under ``~``, never the ``!`` marker."""
    titled = re.fullmatch(r"(.+?)\s*<[^<>]+>", target)
    if titled:
        return titled.group(1)
    target = target.lstrip("!")
    return target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target


class SphinxRolesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(_Role(ROLE, md), "sphinx_role", 200)


def makeExtension(**kwargs: Any) -> SphinxRolesExtension:  # Python-Markdown's entry point
    return SphinxRolesExtension(**kwargs)
