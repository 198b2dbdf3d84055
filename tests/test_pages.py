"""scripts/pages.py: which Python fences may reach a page, and what they become."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import pages  # noqa: E402

PASSED = {"path": "snippets/a/b.py", "status": "passed", "message": "", "output": "x\n", "normalizations": [],
          "verified": {"torch": "2.13.0", "python": "3.11.7", "device": "cpu", "machine": "x86_64",
                       "date": "2026-11-27T00:00:00+00:00"}}
REPORT = {"snippets/a/b.py": PASSED}


def fence(body: str, info: str = "python", indent: str = "") -> str:
    return "\n".join(indent + line for line in (f"```{info}", *body.split("\n"), "```"))


def test_a_snippet_include_gets_a_title_and_an_output_slot_after_it() -> None:
    result = pages.expand(fence('--8<-- "snippets/a/b.py"'), REPORT)
    assert result.problems == []
    assert result.included == ["snippets/a/b.py"]
    assert '```python title="snippets/a/b.py"' in result.markdown
    assert result.markdown.rstrip().endswith(pages.PLACEHOLDER.format(path="snippets/a/b.py"))


def test_an_author_title_is_kept() -> None:
    result = pages.expand(fence('--8<-- "snippets/a/b.py"', 'python title="버퍼"'), REPORT)
    assert '```python title="버퍼"\n' in result.markdown


def test_the_output_slot_goes_after_a_code_annotation_list() -> None:
    markdown = fence('--8<-- "snippets/a/b.py"') + "\n\n1. 첫 설명\n2. 둘째 설명\n    이어서\n\n다음 문단"
    result = pages.expand(markdown, REPORT)
    slot = result.markdown.index("verified-output-slot")
    assert result.markdown.index("2. 둘째 설명") < slot < result.markdown.index("다음 문단")


def test_indented_fences_inside_admonitions_keep_their_indentation() -> None:
    result = pages.expand("!!! note\n\n" + fence('--8<-- "snippets/a/b.py"', indent="    "), REPORT)
    assert result.problems == []
    assert "    " + pages.PLACEHOLDER.format(path="snippets/a/b.py") in result.markdown


def test_a_quotation_is_labelled_with_its_source_and_not_verified() -> None:
    result = pages.expand(fence("def f(): pass", 'python quote="torch 1.13" title="module.py"'), {})
    assert result.problems == [] and result.included == []
    assert '```python title="인용 · torch 1.13 · module.py"' in result.markdown
    assert "quote=" not in result.markdown


def test_any_other_python_fence_is_a_problem_on_its_line() -> None:
    markdown = "# 제목\n\n" + fence("print(1)") + "\n\n" + fence("x = 1", "{ .py .annotate }")
    result = pages.expand(markdown, REPORT)
    assert [p.line for p in result.problems] == [3, 7]


def test_non_python_fences_pass_through_untouched() -> None:
    markdown = fence("$ pip install x", "sh") + "\n" + fence("a\n```python\nprint(1)", "````text")
    assert pages.expand(markdown, REPORT) == pages.Expanded(markdown, [], [])


def test_an_include_outside_snippets_or_not_passed_is_a_problem() -> None:
    failed = {"snippets/a/b.py": {**PASSED, "status": "failed", "message": "output differs"}}
    assert pages.expand(fence('--8<-- "docs/x.py"'), REPORT).problems[0].line == 1
    problem = pages.expand(fence('--8<-- "snippets/a/b.py"'), failed).problems[0]
    assert problem.line == 2 and "did not pass verification (failed: output differs)" in problem.message
    assert "not a snippet the verifier knows" in pages.expand(fence('--8<-- "snippets/a/c.py"'), REPORT).problems[0].message


def test_output_is_escaped_and_never_markdown() -> None:
    entry = {**PASSED, "output": '<script>x</script>\n--8<-- "a"\n```\n'}
    rendered = pages.render_outputs(pages.PLACEHOLDER.format(path="snippets/a/b.py"), {"snippets/a/b.py": entry}, "../v/#r")
    assert "<code>&lt;script&gt;x&lt;/script&gt;\n--8&lt;-- \"a\"\n```\n</code>" in rendered
    assert "torch 2.13.0 · Python 3.11.7" in rendered
