"""The Markdown extension's gate, through plain Python-Markdown: what a page may show, and the refusals.

The refusals of ``gate_cases.GATE_CASES`` are also built by each engine in
``tests/test_engines.py``; here the same extension runs without an engine, against a real
report of a small project (the verifier ran it once for the module), so each case costs a
Markdown conversion. The cases only this module checks are below, beside those.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import markdown
import pytest

from gate_cases import GATE_CASES, INTRO, OK, files
from projects import Project
from verified_site import engines, fences
from verified_site.extension import EXCERPT_REST, _unverified_python, excerpt_lines
from verifier.report import Status, load

#: Where this module's project keeps its snippets: ``snippets/t/``.
FOLDER = "t"
PYTHON_ALIASES = ["py2", "python2", "sage", "numpy", "cython", "python-console", "ipython3", "bazel", "starlark",
                  "pycon", "py", "python3", "pyi"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = Project(tmp_path_factory.mktemp("gate"))
    for rel, content in files(FOLDER).items():
        project.write(rel, content)
    project.snippet("t/wrong", 'print("new")\n', "old\n")
    project.snippet("t/bom", '\ufeff# verify: timeout=5\n\nprint("bom")\n', "bom\n")  # as some Windows editors save
    project.write("snippets/_q/quoted.py", "def f():\n    return 1\n")
    run = project.verify()
    assert run.report is not None and run.entry("snippets/t/wrong.py").status is Status.FAILED
    return project


def convert(project: Project, page: str, report: Path | None = None) -> str:
    md = markdown.Markdown(
        extensions=["attr_list", "md_in_html", "admonition", "pymdownx.highlight", "pymdownx.superfences",
                    "pymdownx.snippets", "verified_site.extension", "toc"],
        extension_configs={
            "pymdownx.snippets": {"base_path": [str(project.root)], "check_paths": True},
            "verified_site.extension": {"root": str(project.root),
                                        "report": str(report or project.root / ".verify" / "report.json")},
        })
    return md.convert(page)


def refused(project: Project, page: str, line: int, *needles: str, report: Path | None = None) -> str:
    with pytest.raises(engines.PageRefused) as caught:
        convert(project, page, report)
    message = str(caught.value)
    assert f"<page>:{line}: " in message, message
    for needle in needles:
        assert needle in message, message
    return message


def test_a_verified_include_shows_its_output_box(project: Project) -> None:
    html = convert(project, INTRO + '```python title="Prints ok"\n--8<-- "snippets/t/ok.py"\n```\n')
    box = re.search(r'<div class="verified-output" data-snippet="snippets/t/ok.py" data-status="passed">(.*?)\n</div>', html, re.S)
    assert box is not None, html
    assert "<code>ok\n</code>" in box[1] and "verified-output__provenance" in box[1]
    assert '<span class="filename">Prints ok</span>' in html
    assert "data-verified" not in html, "the nonce is an internal marker"


def test_a_byte_order_mark_is_not_shown_and_hides_no_settings_header(project: Project) -> None:
    """``python`` skips a UTF-8 BOM; a reader's copy must not start with an invisible character."""
    html = convert(project, INTRO + '```python\n--8<-- "snippets/t/bom.py"\n```\n')
    assert 'data-snippet="snippets/t/bom.py" data-status="passed"' in html, html
    assert "\ufeff" not in html and "verify:" not in html, html


def test_a_quotation_is_labelled_and_may_include_a_helper(project: Project) -> None:
    html = convert(project, INTRO + '```python quote="torch 1.13"\n--8<-- "snippets/_q/quoted.py"\n```\n')
    assert '<span class="filename">인용 · torch 1.13</span>' in html and "verified-output" not in html


def test_other_languages_pass_untouched(project: Project) -> None:
    html = convert(project, INTRO + "```sh\npip install torch\n```\n\n```text\nplain\n```\n")
    assert "<code>plain\n</code>" in html and "install" in html


@pytest.mark.parametrize("case", GATE_CASES)
def test_each_gate_case_is_refused_with_page_and_line(project: Project, case: str) -> None:
    gate = GATE_CASES[case]
    refused(project, gate.page(FOLDER), gate.line, *gate.needles)


#: More unverified Python than the engines build: every Pygments alias the cases leave out, and a header no engine reads.
UNVERIFIED = [
    pytest.param('```python foo bar=baz\nprint(1)\n```\n', id="unreadable-header"),
    *(pytest.param(f"```{alias}\nprint(1)\n```\n", id=f"alias-{alias}") for alias in PYTHON_ALIASES
      if f"alias-{alias}" not in GATE_CASES),
]


@pytest.mark.parametrize("case", UNVERIFIED)
def test_unverified_python_is_refused_with_page_and_line(project: Project, case: str) -> None:
    refused(project, INTRO + case, 5, "Python code")


def test_every_alias_is_python_by_pygments() -> None:
    assert all(fences.is_python(alias) for alias in PYTHON_ALIASES)
    assert not any(fences.is_python(language) for language in ("text", "sh", "diff", "yaml", "json", ""))


def test_a_claim_included_in_a_quotation_is_refused(project: Project) -> None:
    refused(project, INTRO + '```python quote="x"\n--8<-- "snippets/t/ok.py"\n```\n', 6, "is a claim")


def test_a_hand_written_box_is_refused(project: Project) -> None:
    """Beside the case's empty slot: a whole box, as the gate would write it."""
    forged = '<div class="verified-output" data-status="passed"><pre><code>ok</code></pre></div>'
    refused(project, INTRO + forged + "\n", 5, "by hand")


def test_a_failed_snippet_is_refused(project: Project) -> None:
    refused(project, INTRO + '```python\n--8<-- "snippets/t/wrong.py"\n```\n', 6, "did not pass verification (failed")


def test_a_snippet_the_report_does_not_know_is_refused(project: Project) -> None:
    project.write("snippets/t/unverified.py", OK)
    refused(project, INTRO + '```python\n--8<-- "snippets/t/unverified.py"\n```\n', 6, "not a snippet the verifier knows")


@pytest.mark.parametrize(("file", "needle"), [("snippets/t/ok.py", "changed after it was verified"),
                                              ("snippets/t/ok.out", "its expected output snippets/t/ok.out changed")])
def test_a_stale_snippet_or_expectation_is_refused(project: Project, file: str, needle: str) -> None:
    path = project.root / file
    original = path.read_bytes()
    path.write_bytes(original + b"\n")
    try:
        refused(project, INTRO + '```python\n--8<-- "snippets/t/ok.py"\n```\n', 6, needle)
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize(("field", "value", "needle"), [("torch", "1.13.1", "written under torch 1.13.1"),
                                                        ("python", "3.9.0", "written under Python 3.9.0")])
def test_a_report_from_another_installation_is_refused(project: Project, tmp_path: Path, field: str, value: str,
                                                       needle: str) -> None:
    data = json.loads((project.root / ".verify" / "report.json").read_bytes())
    data["environment"][field] = value
    other = tmp_path / "report.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    load(other)  # a well-formed report: only its installation differs
    refused(project, INTRO + '```python\n--8<-- "snippets/t/ok.py"\n```\n', 6, needle, report=other)


def test_no_report_is_refused(project: Project, tmp_path: Path) -> None:
    refused(project, INTRO + '```python\n--8<-- "snippets/t/ok.py"\n```\n', 6, "no report; run `python scripts/verify.py`",
            report=tmp_path / "missing.json")


def test_all_problems_of_a_page_are_named_at_once(project: Project) -> None:
    message = refused(project, INTRO + "```python\nprint(1)\n```\n\n```py2\nprint 2\n```\n", 5)
    assert "<page>:9: " in message


@pytest.mark.parametrize(("page_html", "found"), [
    ("<pre class='language-python'>x</pre>", ["Python code"]),
    ("<PRE CLASS=python>x</PRE>", ["Python code"]),
    ('<div title="a>b" class="language-py">x</div>', ["Python code"]),
    ('<div class="verified-output">forged</div>', ["a verified-output box"]),
    ('<div data-verified="other"><pre class="language-python">x</pre></div>', ["Python code"]),
    ('<div data-verified="nonce"><div></div></div><pre class="language-python">after</pre>', ["Python code"]),
    ('<div data-verified="nonce"><pre class="language-python">a</pre></div>'
     '<div data-verified="nonce"><pre class="language-python">b</pre></div><pre class="lang-py">c</pre>', ["Python code"]),
    ('<!-- <pre class="language-python"></pre> -->', []),
    ("<script>let s = '<pre class=\"language-python\">';</script>", []),
    ('<div data-verified="nonce"><div><pre class="language-python">ok</pre></div></div>', []),
    ('<pre class="language-python" data-verified="nonce">ok</pre>', []),
    ('<code class="language-text">x</code><div class="highlight"><span class="kn">import</span></div>', []),
])
def test_the_html_scan_finds_python_outside_stamped_elements(page_html: str, found: list[str]) -> None:
    """Step 3's scan reads tags as a browser does: case, quoting, comments and script text."""
    assert [what for what, _ in _unverified_python(page_html, "nonce", None)] == found


def test_the_html_scan_trusts_mkdocstrings_blocks_only_on_pages_that_use_it() -> None:
    block = '<div class="doc doc-object"><pre class="language-python">source</pre></div>'
    assert _unverified_python(block, "nonce", "doc-object") == []
    assert len(_unverified_python(block, "nonce", None)) == 1


def test_an_excerpt_converts_only_what_precedes_its_separator() -> None:
    """Material converts a post once per view listing it, and keeps the excerpt: the rest is not converted."""
    post = ["# Title", "", "Intro with [a link](x.md).", "", "<!-- more -->", "", "```python", '--8<-- "snippets/t/ok.py"', "```"]
    assert excerpt_lines(post, "<!-- more -->") == [*post[:5], "", EXCERPT_REST]
    assert excerpt_lines(post[:3], "<!-- more -->") == post[:3]  # no separator: the whole post is the excerpt
    for definition in ("[x]: https://example.org", "[^1]: a footnote", "*[HTML]: an abbreviation"):
        assert excerpt_lines([*post, "", definition], "<!-- more -->") == [*post, "", definition]
