"""Page expansion: which code a page may show, and the verified output boxes it gets.

The one convention authors use for a claim is a standard pymdownx.snippets include in a
Python fence, optionally titled::

    ```python title="A persistent=False buffer is not in state_dict"
    --8<-- "snippets/buffers/non_persistent.py"
    ```

Every such fence gets its verified output and provenance right after it (after its
code-annotation list, if it has one). Historical code is fenced with a ``quote``
attribute naming where it comes from (```` ```python quote="torch 1.13" ````). Every other
Python block is a :class:`Problem` naming its line: nothing unverified reaches a page.

Functions here work on lines and report entries; :mod:`.extension` runs them inside
Python-Markdown, after pymdownx.snippets has expanded includes (each include arrives
wrapped in a :class:`Region` saying which page line it came from).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown import Markdown
from pymdownx.snippets import SnippetPreprocessor

from verifier.drift_results import DeviceRecording, DeviceRecordings, DriftResults
from verifier.report import Entry, Provenance, Status
from verifier.snippets import BOM, release_of

from . import fences, terminal
from .text import Text

SNIPPETS_DIR = "snippets/"
#: Longer code or output is shown folded: a reader meets the original text, then short outputs.
FOLD_OVER_LINES = 40
_ANNOTATION_ITEM = re.compile(r"^\d+\.\s")
_SETTINGS_LINE = re.compile(r"^#\s*verify:")
#: Characters Python-Markdown gives a meaning to: escaped in generated text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


@dataclass(frozen=True)
class Problem:
    line: int
    """The page line (1-based) the problem is on, counted in the Markdown the engine converts:
    the extension adds the front matter's lines when it reports it."""
    message: str


@dataclass(frozen=True)
class Include:
    """A verified claim on a page: a Python fence whose body is one include of a snippet."""

    path: str
    """The snippet, relative to the repository root."""
    title: str | None
    """The fence's ``title``, when the author gave one."""
    line: int
    """The fence's opening line (1-based, in the Markdown given)."""


@dataclass(frozen=True)
class Region:
    """Lines that pymdownx.snippets put where one include line of the page was."""

    first: int
    stop: int
    """Index after the last line."""
    line: int
    """The page line of the include."""
    path: str
    """What it included, as written (``snippets/_quotes/torch_1_13.py:register_module``)."""
    file: str
    """The included file, section and line ranges removed."""


def is_claim(path: str) -> bool:
    """A snippet the verifier runs: ``snippets/<topic>/<name>.py``, no ``_`` or ``.`` folder on the way."""
    parts = path.split("/")
    return (path.startswith(SNIPPETS_DIR) and path.endswith(".py")
            and not any(part.startswith(("_", ".")) for part in parts[1:]))


def include_target(md: Markdown, path: str) -> str:
    """The file an include names, read with pymdownx.snippets' own rules (``f.py:3:9``, ``f.py:section``)."""
    processor = next((p for p in md.preprocessors if isinstance(p, SnippetPreprocessor)), None)
    if processor is None:
        return path.split(":", 1)[0]
    target = processor.parse_snippet_target(path)
    return str(target["path"]) if target else path


def find_includes(markdown: str, md: Markdown | None = None) -> list[Include]:
    """The claims a page includes, in order, read from its source (before includes are expanded)."""
    md = md or fences.standalone_markdown()
    lines = markdown.split("\n")
    found = []
    for fence in fences.scan(lines, md):
        body = [line for line in fence.source.split("\n") if line.strip()]
        match = SnippetPreprocessor.RE_ALL_SNIPPETS.match(body[0]) if len(body) == 1 else None
        if (fence.is_python and "quote" not in fence.options and match and match["inline_marker"]
                and is_claim(include_target(md, match["snippet"][1:-1].strip()))):
            found.append(Include(include_target(md, match["snippet"][1:-1].strip()), fence.options.get("title"),
                                 fence.start + 1))
    return found


@dataclass
class Expansion:
    """What the gate decided for one page: rewritten lines and its problems."""

    lines: list[str]
    problems: list[Problem] = field(default_factory=list)


#: Given a claim's path and the page line that includes it, the Markdown lines of its box,
#: or a problem message when it may not be shown (missing, failed or stale).
BoxMaker = Callable[[str, int], "list[str] | str"]


def expand(lines: list[str], origin: list[int], regions: list[Region], md: Markdown, text: Text,
           snippet_text: Callable[[str], str | None], box: BoxMaker, nonce: str) -> Expansion:
    """Decide every fence of a page whose includes are expanded; rewrite what may be shown.

    ``origin[i]`` is the page line of ``lines[i]``; ``snippet_text(path)`` the claim's source
    as the engine will show it (None when unreadable); ``box(path, line)`` its output box.
    Shown Python fences get ``data-verified="<nonce>"`` so the HTML check can tell them from
    Python that reached the page some other way.
    """
    result = Expansion(list(lines))
    edits: list[tuple[int, int, list[str]]] = []
    """(first index, index after the last, new lines): applied from the bottom up."""
    covered: set[int] = set()
    for fence in fences.scan(lines, md):
        covered.update(range(fence.start, fence.end + 1))
        inside = [r for r in regions if fence.start < r.first and r.stop <= fence.end]
        where = origin[fence.start]
        if not fence.is_python:
            for region in inside:
                if region.file.endswith(".py") and region.file.startswith(SNIPPETS_DIR):
                    result.problems.append(Problem(region.line, f"{region.path} is included in a `{fence.language or 'plain'}` "
                                                                "block, where it would show unverified Python; include a claim "
                                                                "alone in a ```python fence"))
            continue
        if "quote" in fence.options:
            for region in inside:
                if is_claim(region.file):
                    result.problems.append(Problem(region.line, f"{region.path} is a claim: show it as a verified include, "
                                                                "not inside a quotation"))
            title = text.quotation_title.format(label=fence.options["quote"])
            if fence.options.get("title"):
                title += f" · {fence.options['title']}"
            body = lines[fence.start + 1:fence.end]
            edits.append((fence.start, fence.end + 1, _shown_fence(lines, fence, body, title, nonce, text, fold=False)))
            continue
        claim = inside[0] if len(inside) == 1 and (inside[0].first, inside[0].stop) == (fence.start + 1, fence.end) else None
        included_from = next((r for r in regions if r.first <= fence.start < r.stop), None)
        if claim is None or not is_claim(claim.file) or included_from is not None:
            source = f" (in {included_from.path or 'a block include'}, included here)" if included_from else ""
            result.problems.append(Problem(where, "Python code block is neither a verified snippet include "
                                                  '(a single `--8<-- "snippets/<topic>/<name>.py"` line) nor marked as a '
                                                  f'quotation (```python quote="torch 1.13"```){source}'))
            continue
        shown = snippet_text(claim.file)
        if shown is not None and fence.source.rstrip("\n") != shown:
            result.problems.append(Problem(claim.line, f"{claim.file}: the page would not show the code that ran "
                                                       "(pymdownx.snippets rewrote it: an include or section marker inside "
                                                       "the snippet?)"))
            continue
        made = box(claim.file, claim.line)
        if isinstance(made, str):
            result.problems.append(Problem(claim.line, made))
            continue
        fold = fence.options.get("fold")
        if fold not in (None, "code"):
            result.problems.append(Problem(where, f'fold="{fold}" is not an option (fold="code" folds the code)'))
            continue
        body = _shown_code(lines[fence.start + 1:fence.end], fence.prefix)
        title = fence.options.get("title") or claim.file
        edits.append((fence.start, fence.end + 1, _shown_fence(lines, fence, body, title, nonce, text, fold == "code")))
        after = _after_annotations(lines, fence)
        edits.append((after, after, ["", *(fence.prefix + line if line else fence.prefix.rstrip() for line in made), ""]))
    for index, line in enumerate(lines):
        if index not in covered and fences.is_python(_unreadable_language(line)):
            result.problems.append(Problem(origin[index], "a Python code fence the Markdown engine cannot read "
                                                          "(check its header); it would show as plain text"))
    for first, stop, new in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        result.lines[first:stop] = new
    return result


def _shown_code(body: list[str], prefix: str) -> list[str]:
    """A claim's code without its ``# verify:`` settings header: a comment that changes nothing a
    reader's ``python`` prints (the verification page says where settings live). A UTF-8 byte
    order mark goes too: ``python`` skips it, and a copied block would start with it, unseen."""
    if body and body[0].startswith(prefix + BOM):
        body = [prefix + body[0][len(prefix) + len(BOM):], *body[1:]]
    settings = 0
    while settings < len(body) and _SETTINGS_LINE.match(body[settings][len(prefix):]):
        settings += 1
    if settings and settings < len(body) and not body[settings][len(prefix):].strip():
        settings += 1  # the blank line that closed the header
    return body[settings:]


def _shown_fence(lines: list[str], fence: fences.Fence, body: list[str], title: str, nonce: str, text: Text,
                 fold: bool) -> list[str]:
    """A shown fence: titled, stamped, and folded when asked or longer than :data:`FOLD_OVER_LINES`."""
    prefix = fence.prefix
    block = [_header(fence, title, nonce, drop=("title", "fold", "quote")), *body, lines[fence.end]]
    if not (fold or len(body) > FOLD_OVER_LINES):
        return block
    summary = text.folded_code.format(lines=len(body), title=title.replace('"', "'"))
    return [f'{prefix}??? example "{summary}"', prefix.rstrip(),
            *(prefix + "    " + line[len(prefix):] if line.strip(" >") else prefix.rstrip() for line in block)]


def _header(fence: fences.Fence, title: str, nonce: str, drop: tuple[str, ...]) -> str:
    """The fence's opening line as an attribute list carrying the title and the nonce."""
    options = {key: value for key, value in fence.options.items() if key not in drop}
    parts = [f".{fence.language}", *(f".{c}" for c in fence.classes)]
    if fence.id:
        parts.append(f"#{fence.id}")
    parts += [_attribute(key, value) for key, value in {**options, "title": title, "data-verified": nonce}.items()]
    return f"{fence.prefix}{fence.marker}{{ {' '.join(parts)} }}"


def _attribute(key: str, value: str) -> str:
    quote = "'" if '"' in value else '"'
    return f"{key}={quote}{value}{quote}"


def _after_annotations(lines: list[str], fence: fences.Fence) -> int:
    """The index after a fence's code-annotation list (Material needs the list right after the block)."""
    prefix = fence.prefix
    i = j = fence.end + 1
    while j < len(lines) and not lines[j].strip(" >"):
        j += 1
    if j < len(lines) and lines[j].startswith(prefix) and _ANNOTATION_ITEM.match(lines[j][len(prefix):]):
        while j < len(lines) and (not lines[j].strip(" >") or lines[j].startswith(prefix + " ")
                                  or (lines[j].startswith(prefix) and _ANNOTATION_ITEM.match(lines[j][len(prefix):]))):
            j += 1
        return j
    return i


_FENCE_OPENER = re.compile(r"^[ \t>]*(?:`{3,}|~{3,})[ \t]*(?:\{[ \t]*\.?)?(?P<language>[\w#.+-]+)")


def _unreadable_language(line: str) -> str:
    """The language of a line that opens a fence, for lines no fence was found at."""
    match = _FENCE_OPENER.match(line)
    return match["language"] if match else ""


# --- output boxes -------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What every output box on one page needs besides its entry."""

    text: Text
    page: str
    """The page's source path relative to the docs folder: links start from its folder."""
    rules_page: str = "verification.md"
    rules_anchor: str = "normalization"
    screen_anchor: str = terminal.STEP
    """The section of ``rules_page`` that documents the ``terminal-screen`` step."""
    drift: DriftResults | None = None
    """``drift/results.json`` as committed; None where absent (boxes then say nothing of drift)."""
    drift_page: str = "drift.md"
    devices: DeviceRecordings = field(default_factory=DeviceRecordings)

    def link(self, target: str, anchor: str) -> str:
        """A Markdown link target relative to the page's source, as engines resolve and validate them."""
        return f"{posixpath.relpath(target, posixpath.dirname(self.page) or '.')}#{anchor}"


def md_text(value: str) -> str:
    """Plain text inside generated Markdown: HTML escaped, Markdown's characters backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(value, quote=False))


def box(entry: Entry, context: Context, stash: Callable[[str], str], nonce: str) -> list[str]:
    """One output box as Markdown: the output exactly as verified (stashed HTML, never Markdown),
    then what verified it, where and when, each as a paragraph whose links the engine resolves."""
    text = context.text
    notes: list[list[str]] = []
    output = entry.output
    if entry.status is Status.SKIPPED:
        device = entry.settings.device if entry.settings else "?"
        record = _device_record(entry, context.devices)
        title = text.recorded_title.format(device=html.escape(device))
        notes.append(_paragraph(text.skip_notice.format(device=md_text(device)), "verified-output__skip"))
        if not entry.recorded and record is not None:
            output = record.output  # recorded on a torch other than the pinned one: no .out
        if entry.recorded or record is not None:
            where = (text.recorded_where.format(device_name=record.device_name, torch=record.torch,
                                                python=record.python, date=record.date[:10])
                     if record is not None else text.recorded_where_unknown)
            notes.append(_paragraph(text.recorded_on.format(where=md_text(where)), "verified-output__provenance"))
        else:
            output = None
            notes.append(_paragraph(text.not_recorded.format(device=md_text(device),
                                                             why=md_text(_no_device_note(device, context.drift, text))),
                                    "verified-output__skip"))
    else:
        title = text.output_title
        assert entry.verified is not None, f"{entry.path}: a verified entry without provenance"
        notes.append(_paragraph("✔ " + md_text(provenance_line(entry.verified, text)), "verified-output__provenance"))
    drift = drift_line(entry, context)
    if drift:
        notes.append(_paragraph(drift, "verified-output__drift"))
    rules = [text.normalization_notes[rule] for rule in entry.normalizations]
    if rules:
        link = f"[{text.rules_link}]({context.link(context.rules_page, context.rules_anchor)})"
        notes.append(_paragraph(text.normalized.format(notes=text.normalization_separator.join(rules), link=link),
                                "verified-output__normalized"))
    shown: list[str] = []
    if output is not None:
        screen = terminal.render(output)
        shown = [stash(_output_html(screen, title, text)), ""]
        if screen.changed:
            link = f"[{text.terminal_screen_link}]({context.link(context.rules_page, context.screen_anchor)})"
            notes.append(_paragraph(text.terminal_screen.format(link=link), "verified-output__normalized"))
    return [f'<div class="verified-output" data-snippet="{html.escape(entry.path, quote=True)}" '
            f'data-status="{entry.status}" data-verified="{nonce}" markdown="1">', "", *shown,
            *(line for note in notes for line in (*note, "")), "</div>"]


def _output_html(screen: terminal.Screen, title: str, text: Text) -> str:
    """The output as a terminal's final screen shows it, folded with a summary taken from
    that screen when it is long."""
    body = "\n".join("".join(_span_html(span) for span in line) for line in screen.lines)
    block = (f'<div class="highlight"><span class="filename">{title}</span>'
             f"<pre><code>{body}</code></pre></div>")
    lines = screen.text.rstrip("\n").split("\n")
    if len(lines) <= FOLD_OVER_LINES:
        return block
    summary = text.folded_output.format(lines=len(lines), first=html.escape(lines[0].strip()),
                                        last=html.escape(lines[-1].strip()))
    return f'<details class="example verified-output__folded"><summary>{summary}</summary>{block}</details>'


def _span_html(span: terminal.Span) -> str:
    """One span of one style: ``ansi-*`` classes for SGR attributes (docs/assets/verified.css),
    an inline colour for its colours (the 16 named ones as that stylesheet's variables)."""
    escaped = html.escape(span.text, quote=False)
    style = span.style
    if style.plain:
        return escaped
    fg, bg = (style.bg or "default-bg", style.fg or "default-fg") if style.inverse else (style.fg, style.bg)
    classes = [f"ansi-{name}" for name in ("bold", "dim", "italic", "underline", "conceal", "strike")
               if getattr(style, name)]
    inline = [f"{prop}: {_css_colour(colour)}" for prop, colour in (("color", fg), ("background-color", bg))
              if colour is not None]
    attributes = f' class="{" ".join(classes)}"' if classes else ""
    attributes += f' style="{"; ".join(inline)}"' if inline else ""
    return f"<span{attributes}>{escaped}</span>"


def _css_colour(colour: str) -> str:
    """A :class:`terminal.Style` colour in CSS: ``#rrggbb``, or a variable of the page's theme."""
    if colour.startswith("#"):
        return colour
    if colour in ("default-fg", "default-bg"):  # inverse video swaps the theme's own colours
        return f"var(--md-code-{colour.removeprefix('default-')}-color)"
    if not colour.startswith("palette-"):
        return f"var(--ansi-{colour})"
    n = int(colour.removeprefix("palette-"))
    if n >= 232:
        grey = 8 + 10 * (n - 232)
        return f"#{grey:02x}{grey:02x}{grey:02x}"
    levels = [0 if v == 0 else 55 + 40 * v for v in ((n - 16) // 36, (n - 16) // 6 % 6, (n - 16) % 6)]
    return "#" + "".join(f"{v:02x}" for v in levels)


def _paragraph(markdown: str, css_class: str) -> list[str]:
    return [markdown, f"{{: .{css_class} }}"]


def drift_anchor(path: str) -> str:
    """``snippets/buffers/buffer_assign.py`` → ``buffers-buffer_assign``: its row on the drift page."""
    return path.removeprefix(SNIPPETS_DIR).removesuffix(".py").replace("/", "-")


def drift_line(entry: Entry, context: Context) -> str:
    """``Other torch: 1.13.1 changed · 2.14.1 same (2026-11-27 drift)`` in the page's language,
    linked to the snippet's row on the drift page.

    The torch that verified this build is left out (its result is the line above); a
    snippet the last drift run did not know says so rather than saying nothing.
    """
    drift, text = context.drift, context.text
    if drift is None:
        return ""
    info = drift.snippets.get(entry.path)
    if info is None:
        return md_text(text.drift_not_checked)
    built = (release_of(entry.verified.torch)
             if entry.status is not Status.SKIPPED and entry.verified is not None else None)
    parts = [f"{release_of(key)} {text.drift_labels[result.status]}"
             for key, result in info.results.items() if release_of(key) != built]
    if not parts:
        return ""
    stale = (md_text(text.drift_stale)
             if info.expected_sha256 and entry.expected_sha256 and info.expected_sha256 != entry.expected_sha256
             else "")
    label = (text.drift_other_torch if built else text.drift_by_torch) + " · ".join(parts)
    link = f"[{md_text(text.drift_link.format(date=drift.date[:10]))}]({context.link(context.drift_page, drift_anchor(entry.path))})"
    return f"{md_text(label)} \\({link}{stale}\\)"


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
