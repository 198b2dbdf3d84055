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

from verifier.snippets import release_of

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


#: Korean names of ``scripts/drift.py``'s statuses, shared by the drift page and each output.
DRIFT_LABELS = {
    "same": "같음",
    "changed": "다름",
    "raises": "예외",
    "skipped": "건너뜀",
    "recorded": "처음 기록",
    "error": "오류",
}
#: Devices a build machine may lack: a snippet needing one is skipped there, never passed.
ACCELERATORS = ("cuda", "mps")


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


def render_outputs(page_html: str, report: dict[str, dict], rules_href: str, drift: dict | None = None,
                   drift_href: str = "", devices: dict | None = None) -> str:
    """Replace each output slot with the snippet's verified output, escaped, and its provenance.

    ``rules_href`` links the normalization note to the page documenting the rules, and
    ``drift_href`` the drift page, both relative to the current page so the site works
    under any base path. ``drift`` and ``devices`` are ``drift/results.json`` and
    ``drift/devices.json`` as committed (None where absent): what other torch versions
    and devices said about each claim, recorded by ``scripts/drift.py``.
    """
    return _PLACEHOLDER_RE.sub(
        lambda m: render_output(report[html.unescape(m[1])], rules_href, drift, drift_href, devices), page_html)


def render_output(entry: dict, rules_href: str, drift: dict | None = None, drift_href: str = "",
                  devices: dict | None = None) -> str:
    """One output block: the text exactly as verified (escaped), then what verified it, where and when."""
    lines: list[str] = []
    output: str | None = entry.get("output", "")
    if entry["status"] == "skipped":
        device = entry.get("settings", {}).get("device", "?")
        record = _device_record(entry, devices)
        title = f"{device}에서 기록된 출력 (이 빌드에서는 실행되지 않음)"
        lines.append(f'<p class="verified-output__skip">⚠ 건너뜀: 이 빌드 기계에는 {html.escape(device)} 장치가 없어 '
                     f'실행하지 않았습니다 (<code>{html.escape(entry["message"])}</code>).</p>')
        if not entry.get("recorded") and record is not None:
            output = record["output"]  # recorded on a torch other than the pinned one: no .out
        if entry.get("recorded") or record is not None:
            where = (f'{record["device_name"]} · torch {record["torch"]} · Python {record["python"]} · '
                     f'{record["date"][:10]} 기록' if record is not None else
                     "이 출력을 어디서 기록했는지(장치, torch 버전, 날짜)는 남아 있지 않습니다")
            lines.append(f'<p class="verified-output__provenance">기록: {html.escape(where)}</p>')
        else:
            output = None
            lines.append(f'<p class="verified-output__skip">아직 {html.escape(device)}에서 실행해 기록한 출력이 없습니다. '
                         f"{html.escape(_no_device_note(device, drift))}</p>")
    else:
        title = "출력 (검증됨)"
        lines.append(f'<p class="verified-output__provenance">✔ {html.escape(provenance_line(entry["verified"]))}</p>')
    lines.append(drift_line(entry, drift, drift_href))
    notes = [NORMALIZATION_NOTES[name] for name in entry.get("normalizations", []) if name in NORMALIZATION_NOTES]
    if notes:
        lines.append(f'<p class="verified-output__normalized">정규화: {"; ".join(notes)}. '
                     f'<a href="{html.escape(rules_href, quote=True)}">규칙 보기</a></p>')
    block = ("" if output is None else
             f'<div class="highlight"><span class="filename">{title}</span>'
             f"<pre><code>{html.escape(output, quote=False)}</code></pre></div>")
    return (f'<div class="verified-output" data-snippet="{html.escape(entry["path"], quote=True)}" data-status="{entry["status"]}">'
            f'{block}{"".join(lines)}</div>')


def drift_anchor(path: str) -> str:
    """``snippets/buffers/buffer_assign.py`` → ``buffers-buffer_assign``: its section on the drift page."""
    return path.removeprefix(SNIPPETS_DIR).removesuffix(".py").replace("/", "-")


def drift_line(entry: dict, drift: dict | None, drift_href: str) -> str:
    """``다른 torch: 1.13.1 다름 · 2.14.1 같음 (2026-11-27 drift)``, linked to the drift page.

    The torch that verified this build is left out (its result is the line above); a
    snippet the last drift run did not know says so rather than saying nothing.
    """
    if drift is None:
        return ""
    info = drift.get("snippets", {}).get(entry["path"])
    if info is None:
        return ('<p class="verified-output__drift">다른 torch 버전: 아직 확인하지 않았습니다 '
                "(마지막 drift 실행 뒤에 추가된 스니펫).</p>")
    built = release_of(entry["verified"]["torch"]) if entry["status"] != "skipped" and "verified" in entry else None
    parts = [f"{release_of(key)} {DRIFT_LABELS.get(result['status'], result['status'])}"
             for key, result in info["results"].items() if release_of(key) != built]
    if not parts:
        return ""
    stale = (" · 그 뒤 기대 출력이 바뀌어 다시 확인해야 합니다"
             if info.get("expected_sha256") and entry.get("expected_sha256") and info["expected_sha256"] != entry["expected_sha256"]
             else "")
    href = f"{drift_href}#{drift_anchor(entry['path'])}"
    label = ("다른 torch: " if built else "torch별: ") + " · ".join(parts)
    return (f'<p class="verified-output__drift">{html.escape(label)} '
            f'(<a href="{html.escape(href, quote=True)}">{html.escape(drift["date"][:10])} drift</a>{stale})</p>')


def _device_record(entry: dict, devices: dict | None) -> dict | None:
    """The ``drift/devices.json`` record behind a skipped snippet's output.

    With a ``.out`` on disk, only the record of exactly that output counts; without one,
    the newest record (from whichever torch had the device) is the last output seen.
    """
    records = (devices or {}).get("recordings", {}).get(entry["path"], [])
    if entry.get("recorded"):
        return next((r for r in records if r.get("output_sha256") == entry.get("expected_sha256")), None)
    return records[0] if records else None


def _no_device_note(device: str, drift: dict | None) -> str:
    """Say plainly where this device was missing: the build machine, and every drift environment."""
    if drift is None or not drift.get("environments"):
        return "GPU가 있는 기계에서 실행한 적이 없습니다."
    lacking = [release_of(env["torch"]) for env in drift["environments"] if device not in env.get("devices", [])]
    if len(lacking) == len(drift["environments"]):
        return (f"drift를 실행한 torch 환경({', '.join(lacking)}, {drift['date'][:10]})에도 "
                f"{device} 장치(GPU)가 없었습니다.")
    return f"drift 환경 중 {device} 장치가 없던 것: {', '.join(lacking) or '없음'}."


def provenance_line(verified: dict) -> str:
    """``torch 2.13.0+cpu · Python 3.11.7 · cpu · Linux x86_64 · 2026-11-27 검증``."""
    date = verified["date"][:10]
    return (f'torch {verified["torch"]} · Python {verified["python"]} · 장치 {verified["device"]} · '
            f'{verified["machine"]} · {date} 검증')
