"""verified_site.pages: the include convention, and the output boxes rendered as a reader sees them.

What a page may show (the gate) is tested through the extension in tests/test_gate.py; here
the box renderer is driven directly and its Markdown converted, so each assertion is on HTML.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import fields, is_dataclass

import markdown
from markdown.preprocessors import Preprocessor

from verified_site import pages
from verified_site.text import KOREAN, TEXTS
from verifier.drift_results import DeviceRecording, DeviceRecordings, DriftEnvironment, DriftResults, DriftStatus, SnippetDrift, VersionResult
from verifier.report import Entry, Normalization, Provenance, Status
from verifier.snippets import Settings

PROVENANCE = Provenance(torch="2.13.0+cpu", python="3.11.7", platform="Linux", machine="x86_64",
                        date="2026-11-27T00:00:00+00:00", verifier="2.0.0", device="cpu")
PASSED = Entry(path="snippets/a/b.py", status=Status.PASSED, output="x\n", expected_sha256="e1", verified=PROVENANCE)
SKIPPED = Entry(path="snippets/d/g.py", status=Status.SKIPPED, settings=Settings(device="cuda"),
                message="needs device 'cuda', which this machine does not have (available: cpu, meta)")
TORCHES = ("1.13.1+cu117", "2.13.0+cpu", "2.14.1+cu130")
DRIFT = DriftResults(
    command="python scripts/drift.py", date="2026-11-27T00:00:00+00:00", duration_s=1.0, pinned_torch="2.13.0",
    environments=tuple(DriftEnvironment(torch=v, python="3.11.7", platform="Linux", machine="x86_64",
                                        date="2026-11-27T00:00:00+00:00", devices=("cpu", "meta"), device_names={},
                                        duration_s=1.0, counts={}) for v in TORCHES),
    snippets={"snippets/d/g.py": SnippetDrift("cuda", None, {v: VersionResult(DriftStatus.SKIPPED) for v in TORCHES}),
              "snippets/a/b.py": SnippetDrift("cpu", "e1", {
                  TORCHES[0]: VersionResult(DriftStatus.CHANGED, diff="-a\n+b\n"), TORCHES[1]: VersionResult(DriftStatus.SAME),
                  TORCHES[2]: VersionResult(DriftStatus.SAME)})})


def context(devices: DeviceRecordings | None = None, drift: DriftResults | None = DRIFT) -> pages.Context:
    return pages.Context(text=KOREAN, page="blog/post.md", drift=drift, devices=devices or DeviceRecordings())


class _Box(Preprocessor):
    """Puts the box where the extension does: after Markdown normalized the page (which would drop stash markers)."""

    def __init__(self, md: markdown.Markdown, entry: Entry, ctx: pages.Context) -> None:
        super().__init__(md)
        self.entry, self.ctx = entry, ctx

    def run(self, lines: list[str]) -> list[str]:
        return pages.box(self.entry, self.ctx, self.md.htmlStash.store, "nonce")


def render(entry: Entry, ctx: pages.Context | None = None) -> str:
    """The box as HTML, converted the way the extension's page converts it."""
    md = markdown.Markdown(extensions=["attr_list", "md_in_html"])
    md.preprocessors.register(_Box(md, entry, ctx or context()), "box", 29)
    return md.convert("placeholder")


def fence(body: str, info: str = "python") -> str:
    return "\n".join((f"```{info}", *body.split("\n"), "```"))


# --- the include convention --------------------------------------------------------------

def test_find_includes_reads_claims_in_page_order() -> None:
    markdown_text = ("# t\n\n" + fence('--8<-- "snippets/a/b.py"', 'python title="첫째"') + "\n\n"
                     + fence('--8<-- "snippets/a/c.py"') + "\n\n" + fence("def f(): pass", 'python quote="torch 1.13"')
                     + "\n\n" + fence('--8<-- "snippets/a/d.py"', "text") + "\n\n"
                     + fence('--8<-- "snippets/_q/helper.py"'))
    assert pages.find_includes(markdown_text) == [pages.Include("snippets/a/b.py", "첫째", 3),
                                                  pages.Include("snippets/a/c.py", None, 7)]


def test_a_claim_is_a_snippet_outside_helper_folders() -> None:
    assert pages.is_claim("snippets/buffers/x.py")
    assert not any(pages.is_claim(p) for p in ("snippets/_quotes/x.py", "snippets/a/.x.py", "docs/x.py", "snippets/a/x.md"))


def test_links_start_from_the_page_folder() -> None:
    assert context().link("drift.md", "a-b") == "../drift.md#a-b"
    assert pages.Context(text=KOREAN, page="index.md").link("verification.md", "n") == "verification.md#n"


# --- output boxes -------------------------------------------------------------------------

def test_output_is_escaped_and_never_markdown() -> None:
    entry = Entry(**{**vars(PASSED), "output": '<script>x</script>\n--8<-- "a"\n```\n*b* [c](d)\n'})
    html = render(entry)
    assert "<code>&lt;script&gt;x&lt;/script&gt;\n--8&lt;-- \"a\"\n```\n*b* [c](d)\n</code>" in html
    assert "torch 2.13.0+cpu · Python 3.11.7" in html


def test_normalizations_are_named_with_a_link_to_the_rules() -> None:
    html = render(Entry(**{**vars(PASSED), "normalizations": (Normalization.TRACEBACK_FRAMES,)}))
    assert "정규화: 트레이스백의 프레임 줄" in html and 'href="../verification.md#normalization"' in html


def test_a_skipped_device_snippet_without_a_recording_says_so_plainly() -> None:
    html = render(SKIPPED)
    assert "<pre>" not in html, "no empty output block pretending to be a recording"
    assert "아직 cuda에서 실행해 기록한 출력이 없습니다" in html
    assert "1.13.1, 2.13.0, 2.14.1" in html and "GPU" in html
    assert "which this machine" not in html, "the reader's notice is in the page's language"
    assert 'href="../drift.md#d-g"' in html


def test_a_skipped_device_snippet_shows_its_recording_with_provenance() -> None:
    digest = hashlib.sha256(b"cuda\n").hexdigest()
    entry = Entry(**{**vars(SKIPPED), "output": "cuda\n", "expected_sha256": digest})
    record = DeviceRecording(device="cuda", device_name="NVIDIA H100 80GB HBM3", torch="2.13.0+cu130", python="3.11.7",
                             platform="Linux", date="2026-11-20T00:00:00+00:00", output="cuda\n", output_sha256=digest)
    html = render(entry, context(DeviceRecordings({"snippets/d/g.py": (record,)})))
    assert "<code>cuda\n</code>" in html and "NVIDIA H100 80GB HBM3 · torch 2.13.0+cu130" in html
    assert "2026-11-20 기록" in html
    # A recording whose provenance is unknown (no matching record) says that too.
    html = render(entry)
    assert "<code>cuda\n</code>" in html and "남아 있지 않습니다" in html


def test_each_verified_output_says_what_other_torch_versions_said() -> None:
    html = render(PASSED)
    assert "다른 torch: 1.13.1 다름 · 2.14.1 같음" in html and "2026-11-27 drift" in html
    assert 'href="../drift.md#a-b"' in html
    assert "2.13.0 같음" not in html, "the build's own torch is the line above, not a drift result"
    assert "다시 확인해야" in render(Entry(**{**vars(PASSED), "expected_sha256": "e2"}))
    assert "아직 확인하지 않았습니다" in render(Entry(**{**vars(PASSED), "path": "snippets/a/new.py"}))
    assert "drift" not in render(PASSED, context(drift=None)), "no drift results, no drift line"


def _fields(value: object) -> object:
    """The ``str.format`` fields of every template inside a Text (nested dataclasses and dicts included)."""
    if isinstance(value, str):
        return sorted(name for _, name, _, _ in string.Formatter().parse(value) if name)
    if isinstance(value, dict):
        return {key: _fields(item) for key, item in value.items()}
    if is_dataclass(value):
        return {f.name: _fields(getattr(value, f.name)) for f in fields(value)}
    raise TypeError(value)


def test_every_language_fills_the_same_templates() -> None:
    """A new edition's Text has each string, with the same fields: nothing falls back or breaks."""
    reference = _fields(KOREAN)
    for language, text in TEXTS.items():
        assert _fields(text) == reference, language


def test_an_output_is_shown_as_the_terminal_screen_with_a_note_where_that_differs() -> None:
    """A progress counter's ``\\r`` overwrites: the page shows the final screen, names the step
    and links to it; the plain text of an ordinary output needs no note."""
    html = render(Entry(**{**vars(PASSED), "output": "10%\r100%\ndone\n"}))
    assert "<code>100%\ndone\n</code>" in html and "10%" not in html
    assert "<code>terminal-screen</code>" in html and 'href="../verification.md#terminal-screen"' in html
    assert "terminal-screen" not in render(PASSED)


def test_colours_a_snippet_prints_are_drawn_never_shown_as_escape_codes() -> None:
    html = render(Entry(**{**vars(PASSED), "output": "\x1b[1;31mERROR\x1b[0m ok \x1b[38;5;208mx\x1b[7my\x1b[0m\n"}))
    assert ('<span class="ansi-bold" style="color: var(--ansi-red)">ERROR</span> ok <span style="color: #ff8700">x</span>'
            '<span style="color: var(--md-code-bg-color); background-color: #ff8700">y</span>\n</code>') in html
    assert "\x1b" not in html and "[0m" not in html
