"""verified_site.pages: which Python fences may reach a page, and what they become."""

from __future__ import annotations

import pytest

from verified_site import pages
from verified_site.text import KOREAN, text_for
from verifier.report import Entry, Provenance, Status

PASSED = Entry(path="snippets/a/b.py", status=Status.PASSED, output="x\n",
               verified=Provenance(torch="2.13.0", python="3.11.7", platform="Linux", machine="x86_64",
                                   date="2026-11-27T00:00:00+00:00", verifier="2.0.0", device="cpu"))
REPORT = {"snippets/a/b.py": PASSED}


def fence(body: str, info: str = "python", indent: str = "") -> str:
    return "\n".join(indent + line for line in (f"```{info}", *body.split("\n"), "```"))


def expand(markdown: str, report: dict[str, Entry] = REPORT) -> pages.Expanded:
    return pages.expand(markdown, report, KOREAN)


def test_a_snippet_include_gets_a_title_and_an_output_slot_after_it() -> None:
    result = expand(fence('--8<-- "snippets/a/b.py"'))
    assert result.problems == []
    assert result.included == [pages.Include("snippets/a/b.py", None, 1)]
    assert '```python title="snippets/a/b.py"' in result.markdown
    assert result.markdown.rstrip().endswith(pages.PLACEHOLDER.format(path="snippets/a/b.py"))


def test_an_author_title_is_kept() -> None:
    result = expand(fence('--8<-- "snippets/a/b.py"', 'python title="버퍼"'))
    assert '```python title="버퍼"\n' in result.markdown
    assert result.included == [pages.Include("snippets/a/b.py", "버퍼", 1)]


def test_find_includes_is_the_reader_of_the_convention() -> None:
    markdown = ("# t\n\n" + fence('--8<-- "snippets/a/b.py"', 'python title="첫째"') + "\n\n"
                + fence('--8<-- "snippets/a/c.py"') + "\n\n" + fence("def f(): pass", 'python quote="torch 1.13"')
                + "\n\n" + fence('--8<-- "snippets/a/d.py"', "text"))
    assert pages.find_includes(markdown) == [pages.Include("snippets/a/b.py", "첫째", 3),
                                             pages.Include("snippets/a/c.py", None, 7)]


def test_the_output_slot_goes_after_a_code_annotation_list() -> None:
    markdown = fence('--8<-- "snippets/a/b.py"') + "\n\n1. 첫 설명\n2. 둘째 설명\n    이어서\n\n다음 문단"
    result = expand(markdown)
    slot = result.markdown.index("verified-output-slot")
    assert result.markdown.index("2. 둘째 설명") < slot < result.markdown.index("다음 문단")


def test_indented_fences_inside_admonitions_keep_their_indentation() -> None:
    result = expand("!!! note\n\n" + fence('--8<-- "snippets/a/b.py"', indent="    "))
    assert result.problems == []
    assert "    " + pages.PLACEHOLDER.format(path="snippets/a/b.py") in result.markdown


def test_a_quotation_is_labelled_with_its_source_and_not_verified() -> None:
    result = expand(fence("def f(): pass", 'python quote="torch 1.13" title="module.py"'), {})
    assert result.problems == [] and result.included == []
    assert '```python title="인용 · torch 1.13 · module.py"' in result.markdown
    assert "quote=" not in result.markdown


def test_any_other_python_fence_is_a_problem_on_its_line() -> None:
    markdown = "# 제목\n\n" + fence("print(1)") + "\n\n" + fence("x = 1", "{ .py .annotate }")
    assert [p.line for p in expand(markdown).problems] == [3, 7]


def test_non_python_fences_pass_through_untouched() -> None:
    markdown = fence("$ pip install x", "sh") + "\n" + fence("a\n```python\nprint(1)", "````text")
    assert expand(markdown) == pages.Expanded(markdown, [], [])


def test_an_include_outside_snippets_or_not_passed_is_a_problem() -> None:
    failed = {"snippets/a/b.py": Entry(path="snippets/a/b.py", status=Status.FAILED, message="output differs")}
    assert expand(fence('--8<-- "docs/x.py"')).problems[0].line == 1
    problem = expand(fence('--8<-- "snippets/a/b.py"'), failed).problems[0]
    assert problem.line == 2 and "did not pass verification (failed: output differs)" in problem.message
    assert "not a snippet the verifier knows" in expand(fence('--8<-- "snippets/a/c.py"')).problems[0].message


def test_output_is_escaped_and_never_markdown() -> None:
    entry = Entry(**{**vars(PASSED), "output": '<script>x</script>\n--8<-- "a"\n```\n'})
    context = pages.Context(text=KOREAN, rules_href="../v/#r")
    rendered = pages.render_outputs(pages.PLACEHOLDER.format(path="snippets/a/b.py"), {"snippets/a/b.py": entry}, context)
    assert "<code>&lt;script&gt;x&lt;/script&gt;\n--8&lt;-- \"a\"\n```\n</code>" in rendered
    assert "torch 2.13.0 · Python 3.11.7" in rendered


def test_an_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no reader-facing text for language 'xx'"):
        text_for("xx")
