"""Turn page Markdown plus the verifier's report into what readers see; no site engine here.

The one convention authors use for a claim is a standard pymdownx.snippets include in a
Python fence, optionally titled::

    ```python title="A persistent=False buffer is not in state_dict"
    --8<-- "snippets/buffers/non_persistent.py"
    ```

Every such block gets its verified output and provenance placed right after it (after
its code-annotation list, if it has one). Historical code is fenced with a ``quote``
attribute naming where it comes from, e.g. ```` ```python quote="torch 1.13" ````.
Any other Python fence is an error naming the page and line: nothing unverified
reaches a page unlabelled. Functions here take strings and return strings.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from verifier.drift_results import DeviceRecording, DeviceRecordings, DriftResults
from verifier.report import Entry, Provenance, Status
from verifier.snippets import release_of

from .text import Text

PYTHON_LANGUAGES = {"python", "py", "python3", "py3", "pycon", "pyi"}
SNIPPETS_DIR = "snippets/"
#: Placeholder left in Markdown, replaced by :func:`render_outputs` in the final HTML, so the
#: output never passes through Markdown (which would expand includes or markup in it).
PLACEHOLDER = '<div class="verified-output-slot" data-snippet="{path}"></div>'
_PLACEHOLDER_RE = re.compile(r'<div class="verified-output-slot" data-snippet="([^"]+)"></div>')

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*)$")
_INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<path>[^"]+)"\s*$')
_QUOTE_ATTR = re.compile(r'\bquote="(?P<label>[^"]*)"')
_TITLE_ATTR = re.compile(r'\btitle="(?P<title>[^"]*)"')
_ANNOTATION_ITEM = re.compile(r"^\d+\.\s")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class Include:
    """A Python fence whose body is one ``--8<-- "snippets/…py"`` line: a verified claim."""

    path: str
    """The snippet, relative to the repository root."""
    title: str | None
    """The fence's ``title``, when the author gave one."""
    line: int
    """The fence's opening line on the page (1-based)."""


@dataclass(frozen=True)
class Expanded:
    markdown: str
    problems: list[Problem]
    included: list[Include]
    """The snippets this page includes, in page order."""


@dataclass(frozen=True)
class _Fence:
    start: int
    """Index of the opening line."""
    end: int
    """Index of the closing line (the last line when the fence is never closed)."""
    indent: str
    marker: str
    info: str
    body: list[str]

    @property
    def language(self) -> str:
        if self.info.startswith("{"):
            classes = re.findall(r"\.([\w+-]+)", self.info)
            return classes[0].lower() if classes else ""
        return self.info.split(" ", 1)[0].lower() if self.info else ""

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES

    @property
    def include_path(self) -> str | None:
        """The included path when the body is a single include line."""
        lines = [line for line in self.body if line.strip()]
        if len(lines) != 1 or not self.body or not self.body[0].strip():
            return None
        match = _INCLUDE.match(self.body[0])
        return match["path"] if match else None

    def include(self) -> Include | None:
        path = self.include_path
        if not self.is_python or _QUOTE_ATTR.search(self.info) or path is None or not path.startswith(SNIPPETS_DIR):
            return None
        title = _TITLE_ATTR.search(self.info)
        return Include(path, title["title"] if title else None, self.start + 1)


def _fences(lines: list[str]) -> Iterator[_Fence]:
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if match is None:
            i += 1
            continue
        end = _closing_line(lines, i, match["fence"])
        yield _Fence(i, end, match["indent"], match["fence"], match["info"].strip(), lines[i + 1:end])
        i = end + 1


def find_includes(markdown: str) -> list[Include]:
    """The verified includes of a page, in order: the one reader of the include convention."""
    return [include for fence in _fences(markdown.split("\n")) if (include := fence.include()) is not None]


def expand(markdown: str, report: dict[str, Entry], text: Text) -> Expanded:
    """Check every Python fence; label quotations and add output slots after snippet includes.

    ``report`` maps a snippet path to its report entry.
    """
    lines = markdown.split("\n")
    out: list[str] = []
    problems: list[Problem] = []
    included: list[Include] = []
    i = 0
    for fence in _fences(lines):
        out.extend(lines[i:fence.start])
        i = fence.end + 1
        block = lines[fence.start:fence.end + 1]
        if not fence.is_python:
            out.extend(block)
            continue
        quote = _QUOTE_ATTR.search(fence.info)
        if quote is not None:
            out.append(f"{fence.indent}{fence.marker}{_quotation_info(fence.info, quote['label'], text)}")
            out.extend(block[1:])
            continue
        include = fence.include()
        if include is None:
            problems.append(Problem(fence.start + 1, "Python code block is neither a verified snippet include "
                                                     '(a single `--8<-- "snippets/<topic>/<name>.py"` line) nor marked '
                                                     'as a quotation (```python quote="torch 1.13"```)'))
            out.extend(block)
            continue
        entry = report.get(include.path)
        if entry is None:
            problems.append(Problem(fence.start + 2, f"{include.path} is not a snippet the verifier knows "
                                                     "(is it under snippets/, with a .py name?)"))
        elif not entry.status.publishable:
            problems.append(Problem(fence.start + 2, f"{include.path} did not pass verification "
                                                     f"({entry.status}: {entry.message})"))
        included.append(include)
        title = "" if include.title is not None else f' title="{include.path}"'
        out.append(f"{fence.indent}{fence.marker}{fence.info}{title}")
        out.extend(block[1:])
        # Material's code annotations must follow their block directly: keep the list first.
        indent = fence.indent
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and _ANNOTATION_ITEM.match(lines[j][len(indent):]) and lines[j].startswith(indent):
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith(indent + " ")
                                      or _ANNOTATION_ITEM.match(lines[j][len(indent):])):
                j += 1
            out.extend(lines[i:j])
            i = j
        out.extend(["", f"{indent}{PLACEHOLDER.format(path=html.escape(include.path, quote=True))}", ""])
    out.extend(lines[i:])
    return Expanded("\n".join(out), problems, included)


def _closing_line(lines: list[str], start: int, fence: str) -> int:
    for j in range(start + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
            return j
    return len(lines) - 1


def _quotation_info(info: str, label: str, text: Text) -> str:
    """Replace ``quote="X"`` with a visible title saying the code is a quotation from X."""
    info = _QUOTE_ATTR.sub("", info).strip()
    existing = _TITLE_ATTR.search(info)
    heading = text.quotation_title.format(label=label) + (f" · {existing['title']}" if existing else "")
    info = _TITLE_ATTR.sub("", info).strip()
    return f'{info} title="{heading}"'


@dataclass(frozen=True)
class Context:
    """What every output box on one page needs besides its entry."""

    text: Text
    rules_href: str
    """The normalization rules' section, relative to the current page (any base path works)."""
    drift: DriftResults | None = None
    """``drift/results.json`` as committed; None where absent (boxes then say nothing of drift)."""
    drift_href: str = ""
    devices: DeviceRecordings = field(default_factory=DeviceRecordings)


def render_outputs(page_html: str, report: dict[str, Entry], context: Context) -> str:
    """Replace each output slot with the snippet's verified output, escaped, and its provenance."""
    return _PLACEHOLDER_RE.sub(lambda m: render_output(report[html.unescape(m[1])], context), page_html)


def render_output(entry: Entry, context: Context) -> str:
    """One output block: the text exactly as verified (escaped), then what verified it, where and when."""
    text = context.text
    lines: list[str] = []
    output = entry.output
    if entry.status is Status.SKIPPED:
        device = entry.settings.device if entry.settings else "?"
        record = _device_record(entry, context.devices)
        title = text.recorded_title.format(device=device)
        lines.append('<p class="verified-output__skip">'
                     + text.skip_notice.format(device=html.escape(device), message=html.escape(entry.message)) + "</p>")
        if not entry.recorded and record is not None:
            output = record.output  # recorded on a torch other than the pinned one: no .out
        if entry.recorded or record is not None:
            where = (text.recorded_where.format(device_name=record.device_name, torch=record.torch,
                                                python=record.python, date=record.date[:10])
                     if record is not None else text.recorded_where_unknown)
            lines.append(f'<p class="verified-output__provenance">{text.recorded_on.format(where=html.escape(where))}</p>')
        else:
            output = None
            why = _no_device_note(device, context.drift, text)
            lines.append('<p class="verified-output__skip">'
                         + text.not_recorded.format(device=html.escape(device), why=html.escape(why)) + "</p>")
    else:
        title = text.output_title
        assert entry.verified is not None, f"{entry.path}: a verified entry without provenance"
        lines.append(f'<p class="verified-output__provenance">✔ {html.escape(provenance_line(entry.verified, text))}</p>')
    lines.append(drift_line(entry, context))
    notes = [text.normalization_notes[rule] for rule in entry.normalizations]
    if notes:
        link = f'<a href="{html.escape(context.rules_href, quote=True)}">{text.rules_link}</a>'
        lines.append('<p class="verified-output__normalized">'
                     + text.normalized.format(notes=text.normalization_separator.join(notes), link=link) + "</p>")
    block = ("" if output is None else
             f'<div class="highlight"><span class="filename">{title}</span>'
             f"<pre><code>{html.escape(output, quote=False)}</code></pre></div>")
    return (f'<div class="verified-output" data-snippet="{html.escape(entry.path, quote=True)}" '
            f'data-status="{entry.status}">{block}{"".join(lines)}</div>')


def drift_anchor(path: str) -> str:
    """``snippets/buffers/buffer_assign.py`` → ``buffers-buffer_assign``: its section on the drift page."""
    return path.removeprefix(SNIPPETS_DIR).removesuffix(".py").replace("/", "-")


def drift_line(entry: Entry, context: Context) -> str:
    """``Other torch: 1.13.1 changed · 2.14.1 same (2026-11-27 drift)`` (in the page's language), linked to the drift page.

    The torch that verified this build is left out (its result is the line above); a
    snippet the last drift run did not know says so rather than saying nothing.
    """
    drift, text = context.drift, context.text
    if drift is None:
        return ""
    info = drift.snippets.get(entry.path)
    if info is None:
        return f'<p class="verified-output__drift">{text.drift_not_checked}</p>'
    built = (release_of(entry.verified.torch)
             if entry.status is not Status.SKIPPED and entry.verified is not None else None)
    parts = [f"{release_of(key)} {text.drift_labels[result.status]}"
             for key, result in info.results.items() if release_of(key) != built]
    if not parts:
        return ""
    stale = (text.drift_stale
             if info.expected_sha256 and entry.expected_sha256 and info.expected_sha256 != entry.expected_sha256
             else "")
    href = f"{context.drift_href}#{drift_anchor(entry.path)}"
    label = (text.drift_other_torch if built else text.drift_by_torch) + " · ".join(parts)
    return (f'<p class="verified-output__drift">{html.escape(label)} '
            f'(<a href="{html.escape(href, quote=True)}">{html.escape(text.drift_link.format(date=drift.date[:10]))}'
            f"</a>{stale})</p>")


def _device_record(entry: Entry, devices: DeviceRecordings) -> DeviceRecording | None:
    """The ``drift/devices.json`` record behind a skipped snippet's output.

    With a ``.out`` on disk, only the record of exactly that output counts; without one,
    the newest record (from whichever torch had the device) is the last output seen.
    """
    records = devices.for_snippet(entry.path)
    if entry.recorded:
        return next((r for r in records if r.output_sha256 == entry.expected_sha256), None)
    return records[0] if records else None


def _no_device_note(device: str, drift: DriftResults | None, text: Text) -> str:
    """Say plainly where this device was missing: the build machine, and every drift environment."""
    if drift is None or not drift.environments:
        return text.never_on_device
    lacking = [env.release for env in drift.environments if device not in env.devices]
    if len(lacking) == len(drift.environments):
        return text.no_device_in_drift.format(releases=", ".join(lacking), date=drift.date[:10], device=device)
    return text.some_drift_lacked_device.format(device=device, releases=", ".join(lacking) or text.none)


def provenance_line(verified: Provenance, text: Text) -> str:
    """``torch 2.13.0+cpu · Python 3.11.7 · cpu · x86_64 · 2026-11-27``, worded by the page's :class:`Text`."""
    return text.provenance.format(torch=verified.torch, python=verified.python, device=verified.device,
                                  machine=verified.machine, date=verified.date[:10])
