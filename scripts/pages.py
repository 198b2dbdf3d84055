"""Turn page Markdown plus the verifier's report into what readers see; no MkDocs here.

The one convention authors use for a claim is a standard pymdownx.snippets include in a
Python fence, optionally titled::

    ```python title="persistent=False 버퍼는 state_dict에 없다"
    --8<-- "snippets/buffers/non_persistent.py"
    ```

Every such block gets its verified output and provenance placed right after it (after
its code-annotation list, if it has one). Historical code is fenced with a ``quote``
attribute naming where it comes from, e.g. ```` ```python quote="torch 1.13" ````.
Any other Python fence is an error naming the page and line: nothing unverified
reaches a page unlabelled. Functions here take strings and return strings, so a
different renderer can reuse them unchanged.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

PYTHON_LANGUAGES = {"python", "py", "python3", "py3", "pycon", "pyi"}
SNIPPETS_DIR = "snippets/"
PUBLISHABLE = ("passed", "skipped")
#: Placeholder left in Markdown, replaced by :func:`render_output` in the final HTML, so the
#: output never passes through Markdown (which would expand includes or markup in it).
PLACEHOLDER = '<div class="verified-output-slot" data-snippet="{path}"></div>'
_PLACEHOLDER_RE = re.compile(r'<div class="verified-output-slot" data-snippet="([^"]+)"></div>')

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*)$")
_INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<path>[^"]+)"\s*$')
_QUOTE_ATTR = re.compile(r'\bquote="(?P<label>[^"]*)"')
_TITLE_ATTR = re.compile(r'\btitle="(?P<title>[^"]*)"')
_ANNOTATION_ITEM = re.compile(r"^\d+\.\s")

NORMALIZATION_NOTES = {
    "traceback-frames": "트레이스백의 프레임 줄(파일 경로와 줄 번호)은 doctest처럼 <code>  ...</code> 한 줄로 접었습니다",
    "memory-addresses": "메모리 주소는 실행마다 달라 <code>0x…</code>로 표시했습니다",
    "machine-paths": "기계마다 다른 경로는 <code>&lt;repo&gt;</code>, <code>&lt;site-packages&gt;</code> 같은 이름으로 바꿨습니다",
}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class Expanded:
    markdown: str
    problems: list[Problem]
    included: list[str]
    """Snippet paths (relative to the repository root) this page includes."""


def expand(markdown: str, report: dict[str, dict]) -> Expanded:
    """Check every Python fence; label quotations and add output slots after snippet includes.

    ``report`` maps a snippet path to its report entry.
    """
    lines = markdown.split("\n")
    out: list[str] = []
    problems: list[Problem] = []
    included: list[str] = []
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if match is None:
            out.append(lines[i])
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"].strip()
        end = _closing_line(lines, i, indent, fence)
        body = lines[i + 1:end]
        language = _language(info)
        if language not in PYTHON_LANGUAGES:
            out.extend(lines[i:end + 1])
            i = end + 1
            continue
        quote = _QUOTE_ATTR.search(info)
        include = _INCLUDE.match(body[0]) if len([b for b in body if b.strip()]) == 1 and body and body[0].strip() else None
        if quote is not None:
            out.append(f"{indent}{fence}{_quotation_info(info, quote['label'])}")
            out.extend(lines[i + 1:end + 1])
            i = end + 1
            continue
        if include is None or not include["path"].startswith(SNIPPETS_DIR):
            problems.append(Problem(i + 1, "Python code block is neither a verified snippet include "
                                           '(a single `--8<-- "snippets/<topic>/<name>.py"` line) nor marked '
                                           'as a quotation (```python quote="torch 1.13"```)'))
            out.extend(lines[i:end + 1])
            i = end + 1
            continue
        path = include["path"]
        entry = report.get(path)
        if entry is None:
            problems.append(Problem(i + 2, f"{path} is not a snippet the verifier knows (is it under snippets/, with a .py name?)"))
        elif entry["status"] not in PUBLISHABLE:
            problems.append(Problem(i + 2, f"{path} did not pass verification ({entry['status']}: {entry['message']})"))
        included.append(path)
        title = "" if _TITLE_ATTR.search(info) else f' title="{path}"'
        out.append(f"{indent}{fence}{info}{title}")
        out.extend(lines[i + 1:end + 1])
        i = end + 1
        # Material's code annotations must follow their block directly: keep the list first.
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and _ANNOTATION_ITEM.match(lines[j][len(indent):]) and lines[j].startswith(indent):
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith(indent + " ") or _ANNOTATION_ITEM.match(lines[j][len(indent):])):
                j += 1
            out.extend(lines[i:j])
            i = j
        out.extend(["", f"{indent}{PLACEHOLDER.format(path=html.escape(path, quote=True))}", ""])
    return Expanded("\n".join(out), problems, included)


def _closing_line(lines: list[str], start: int, indent: str, fence: str) -> int:
    for j in range(start + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
            return j
    return len(lines) - 1


def _language(info: str) -> str:
    if info.startswith("{"):
        classes = re.findall(r"\.([\w+-]+)", info)
        return classes[0].lower() if classes else ""
    return info.split(" ", 1)[0].lower() if info else ""


def _quotation_info(info: str, label: str) -> str:
    """Replace ``quote="X"`` with a visible title saying the code is a quotation from X."""
    info = _QUOTE_ATTR.sub("", info).strip()
    existing = _TITLE_ATTR.search(info)
    heading = f"인용 · {label}" + (f" · {existing['title']}" if existing else "")
    info = _TITLE_ATTR.sub("", info).strip()
    return f'{info} title="{heading}"'


def render_outputs(page_html: str, report: dict[str, dict], rules_href: str) -> str:
    """Replace each output slot with the snippet's verified output, escaped, and its provenance.

    ``rules_href`` links the normalization note to the page documenting the rules,
    relative to the current page so the site works under any base path.
    """
    return _PLACEHOLDER_RE.sub(lambda m: render_output(report[html.unescape(m[1])], rules_href), page_html)


def render_output(entry: dict, rules_href: str) -> str:
    """One output block: the text exactly as verified (escaped), then what verified it."""
    output = html.escape(entry.get("output", ""), quote=False)
    if entry["status"] == "skipped":
        title = "기록된 출력 (이 빌드에서는 실행되지 않음)"
        stamp = f'<p class="verified-output__skip">⚠ 건너뜀: {html.escape(entry["message"])}</p>'
    else:
        title = "출력 (검증됨)"
        stamp = f'<p class="verified-output__provenance">✔ {html.escape(provenance_line(entry["verified"]))}</p>'
    notes = [NORMALIZATION_NOTES[name] for name in entry.get("normalizations", []) if name in NORMALIZATION_NOTES]
    note = (f'<p class="verified-output__normalized">정규화: {"; ".join(notes)}. '
            f'<a href="{html.escape(rules_href, quote=True)}">규칙 보기</a></p>') if notes else ""
    return (f'<div class="verified-output" data-snippet="{html.escape(entry["path"], quote=True)}" data-status="{entry["status"]}">'
            f'<div class="highlight"><span class="filename">{title}</span>'
            f"<pre><code>{output}</code></pre></div>{stamp}{note}</div>")


def provenance_line(verified: dict) -> str:
    """``torch 2.13.0+cpu · Python 3.11.7 · cpu · Linux x86_64 · 2026-11-27 검증``."""
    date = verified["date"][:10]
    return (f'torch {verified["torch"]} · Python {verified["python"]} · 장치 {verified["device"]} · '
            f'{verified["machine"]} · {date} 검증')
