"""Every sentence the site's Python code shows a reader, keyed by language.

Pages are written by authors in their edition's language; what the renderer adds to them
(output box titles, provenance, skip notices, drift labels, the drift page) comes from
here, so a new edition is a new :class:`Text`, never a change to the renderer. The theme's
templates keep their own small tables, keyed by language there: ``overrides/404.html``
(the not-found page's messages) and ``overrides/main.html`` (each language's
``og:locale``); a new edition adds its entries there too.

Templates use ``str.format`` fields; callers pass values already escaped for where the
text lands: HTML for a box's title and its folded output's summary (``output_title``,
``recorded_title``, ``folded_output``), Markdown for everything else: the notes under a
box are Markdown paragraphs whose values :func:`.pages.md_text` escapes, and the drift
page is Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.drift_results import DriftStatus
from verifier.report import Normalization


@dataclass(frozen=True)
class Text:
    """One language's strings. Field docstrings say where each one appears."""

    quotation_title: str
    """Title of a quoted (unverified) code block: ``{label}`` is its source, e.g. ``torch 1.13``."""
    output_title: str
    """Title of a verified output box."""
    folded_code: str
    """Summary of folded code (long, or verification machinery): ``{lines}``, ``{title}``."""
    folded_output: str
    """Summary of a folded long output, from the output itself (HTML): ``{lines}``, ``{first}``, ``{last}``."""
    provenance: str
    """Under a verified box: ``{torch}``, ``{python}``, ``{device}``, ``{machine}``, ``{date}``."""
    normalized: str
    """Under a box whose output was normalized: ``{notes}`` (joined by ``normalization_separator``), ``{link}``."""
    normalization_separator: str
    rules_link: str
    """Text of the link from ``normalized`` to the page that documents the rules."""
    normalization_notes: dict[Normalization, str]
    """One clause per rule (HTML)."""
    terminal_screen: str
    """Under a box whose recorded bytes a terminal shows differently (``\\r``, escape codes): ``{link}``."""
    terminal_screen_link: str
    """Text of the link from ``terminal_screen`` to the section that documents the step."""
    recorded_title: str
    """Title of a box showing an output recorded elsewhere, for a snippet skipped here: ``{device}``."""
    skip_notice: str
    """Why a snippet did not run here: ``{device}``."""
    recorded_on: str
    """Where a skipped snippet's output was recorded: ``{where}``."""
    recorded_where: str
    """``{device_name}``, ``{torch}``, ``{python}``, ``{date}``."""
    recorded_where_unknown: str
    not_recorded: str
    """A skipped snippet with no recording at all: ``{device}``, then ``{why}`` (one of the three below)."""
    never_on_device: str
    no_device_in_drift: str
    """``{releases}``, ``{date}``, ``{device}``."""
    some_drift_lacked_device: str
    """``{device}``, ``{releases}`` (or ``none``)."""
    none: str
    drift_labels: dict[DriftStatus, str]
    """A drift status as a reader reads it, in tables and under boxes."""
    drift_not_checked: str
    """Under a box whose snippet the last drift run did not know."""
    drift_stale: str
    """Appended when the expectation changed after the drift run that checked it."""
    drift_other_torch: str
    """Prefix of the drift line under a verified box (the build's torch is the line above)."""
    drift_by_torch: str
    """Prefix of the drift line under a skipped box."""
    drift_link: str
    """The drift line's link to the drift page: ``{date}``."""
    drift_page: DriftPageText
    """The drift page's own text."""


@dataclass(frozen=True)
class DriftPageText:
    """The drift page (``<!-- drift-results -->`` on a page), generated from ``drift/results.json``."""

    intro: str
    """An admonition opening the page: ``{date}``, ``{count}``, ``{duration}``, ``{pinned}``, ``{command}``."""
    legend_title: str
    legend: dict[DriftStatus, str]
    """What each status means (Markdown), after its label."""
    quotes_note: str
    environments: str
    environments_header: str
    """A Markdown table header row and its rule line."""
    no_gpu: str
    """Device cell note for an environment without a GPU."""
    no_gpu_anywhere: str
    claims: str
    claims_header: str
    """``{columns}``: one header cell per torch."""
    differences: str
    differences_legend: str
    reason: str
    """``{message}``."""
    variant: str
    """``{path}``: a per-version expectation exists for this torch."""
    seconds: str
    """``{value}``: a duration."""


KOREAN = Text(
    quotation_title="인용 · {label}",
    output_title="출력 (검증됨)",
    folded_code="코드 펼치기 · {title} ({lines}줄)",
    folded_output="출력 {lines}줄 펼치기 · 첫 줄 <code>{first}</code> … 끝 줄 <code>{last}</code>",
    provenance="torch {torch} · Python {python} · 장치 {device} · {machine} · {date} 검증",
    normalized="정규화: {notes}. {link}",
    normalization_separator="; ",
    rules_link="규칙 보기",
    normalization_notes={
        Normalization.TRACEBACK_FRAMES: "트레이스백의 프레임 줄(파일 경로와 줄 번호)은 doctest처럼 <code>  ...</code> 한 줄로 접었습니다",
        Normalization.MEMORY_ADDRESSES: "메모리 주소는 실행마다 달라 <code>0x…</code>로 표시했습니다",
        Normalization.MACHINE_PATHS: "머신마다 다른 경로는 <code>&lt;repo&gt;</code>, <code>&lt;site-packages&gt;</code> 같은 이름으로 바꿨습니다",
    },
    terminal_screen="<code>terminal-screen</code>: 기록된 바이트 대신 터미널이 마지막에 보여 주는 화면을 표시합니다. {link}",
    terminal_screen_link="단계 보기",
    recorded_title="{device}에서 기록된 출력 (이 빌드에서는 실행되지 않음)",
    skip_notice="⚠ 건너뜀: 이 사이트를 빌드한 머신에는 {device} 장치가 없어 이 스니펫을 실행하지 않았습니다.",
    recorded_on="기록: {where}",
    recorded_where="{device_name} · torch {torch} · Python {python} · {date} 기록",
    recorded_where_unknown="이 출력을 어디서 기록했는지(장치, torch 버전, 날짜)는 남아 있지 않습니다",
    not_recorded="아직 {device}에서 실행해 기록한 출력이 없습니다. {why}",
    never_on_device="GPU가 있는 머신에서 실행한 적이 없습니다.",
    no_device_in_drift="drift를 실행한 torch 환경({releases}, {date})에도 {device} 장치(GPU)가 없었습니다.",
    some_drift_lacked_device="drift 환경 중 {device} 장치가 없던 것: {releases}.",
    none="없음",
    drift_labels={
        DriftStatus.SAME: "같음",
        DriftStatus.CHANGED: "다름",
        DriftStatus.RAISES: "예외",
        DriftStatus.SKIPPED: "건너뜀",
        DriftStatus.RECORDED: "처음 기록",
        DriftStatus.ERROR: "오류",
    },
    drift_not_checked="다른 torch 버전: 아직 확인하지 않았습니다 (마지막 drift 실행 뒤에 추가된 스니펫).",
    drift_stale=" · 그 뒤 기대 출력이 바뀌어 다시 확인해야 합니다",
    drift_other_torch="다른 torch: ",
    drift_by_torch="torch별: ",
    drift_link="{date} drift",
    drift_page=DriftPageText(
        intro=(
            '!!! info "생성된 페이지"\n'
            "\n"
            "    이 페이지는 `scripts/drift.py`가 {date}에 torch {count}개 환경에서 모든 스니펫을 실제로\n"
            "    실행해 만든 것입니다(`drift/results.json`, 전체 {duration}). 환경마다\n"
            "    `python scripts/verify.py --no-cache`를 실행하고, 각 스니펫의 출력을 이 사이트에 보이는 출력\n"
            "    (`<이름>.out`, torch {pinned}에서 기록)과 비교했습니다. 다시 만드는 방법은 저장소 README의\n"
            '    "Drift across torch versions" 절에 있습니다:\n'
            "\n"
            "    ```sh\n"
            "    {command}\n"
            "    ```"
        ),
        legend_title="상태의 뜻:",
        legend={
            DriftStatus.SAME: "출력이 사이트에 보이는 것과 바이트 단위로 같습니다.",
            DriftStatus.CHANGED: "출력이 다르지만 새 예외는 없습니다.",
            DriftStatus.RAISES: "기록에 없는 예외(또는 다른 예외)로 끝납니다.",
            DriftStatus.SKIPPED: "그 환경에 스니펫이 요구하는 장치가 없습니다.",
            DriftStatus.RECORDED: "그 장치에서 처음 실행되어 비교할 기록이 없었습니다.",
            DriftStatus.ERROR: "검증기가 실행하지 못했습니다(시간 초과 등).",
        },
        quotes_note=(
            "`quotes/`로 시작하는 줄은 원문이 인용한 코드를 소스와 비교하는 스니펫입니다. `*_diff`는 이 저장소에\n"
            "복사해 둔 torch 1.13.1의 소스를 그 열의 torch 소스와 비교하므로, 1.13.1 열에서는 차이가 없습니다.\n"
            "`*_quote_vs_1_13_1`은 원문의 사본을 1.13.1의 소스와 비교하므로 어느 torch에서나 결과가 같습니다.\n"
            "`*_checks`는 인용된 조건을 그 torch에서 실행해 봅니다."
        ),
        environments="## 환경 {#environments}",
        environments_header=("| torch | Python | 플랫폼 | 장치 | 실행 날짜 | 걸린 시간 | 결과 |\n"
                             "| --- | --- | --- | --- | --- | --- | --- |"),
        no_gpu="GPU 없음",
        no_gpu_anywhere=(
            "이번 실행의 어느 환경에도 GPU가 없었습니다. GPU가 필요한 스니펫은 모든 열에서 건너뛰었고,\n"
            "GPU에서 기록한 출력은 `drift/devices.json`에 있는 것만 사이트에 보입니다."
        ),
        claims="## 주장 × torch 버전 {#claims}",
        claims_header="| 주장 | 스니펫 | {columns} |",
        differences="## 다른 점 {#differences}",
        differences_legend="`---`는 사이트에 보이는 출력(`<이름>.out`), `+++`는 그 torch에서 실제로 나온 출력입니다.",
        reason="- 이유: `{message}`",
        variant="- 이 torch용 기대 출력 `{path}`이 따로 있습니다.",
        seconds="{value}초",
    ),
)

ENGLISH = Text(
    quotation_title="Quoted · {label}",
    output_title="Output (verified)",
    folded_code="Show code · {title} ({lines} lines)",
    folded_output="Show all {lines} lines of output · first <code>{first}</code> … last <code>{last}</code>",
    provenance="torch {torch} · Python {python} · device {device} · {machine} · verified {date}",
    normalized="Normalized: {notes}. {link}",
    normalization_separator="; ",
    rules_link="See the rules",
    normalization_notes={
        Normalization.TRACEBACK_FRAMES: ("traceback frame lines (file paths and line numbers) are folded into one "
                                         "<code>  ...</code> line, as doctest does"),
        Normalization.MEMORY_ADDRESSES: "memory addresses change on every run and are shown as <code>0x…</code>",
        Normalization.MACHINE_PATHS: ("paths that differ between machines are shown as names such as <code>&lt;repo&gt;</code> "
                                      "and <code>&lt;site-packages&gt;</code>"),
    },
    terminal_screen="<code>terminal-screen</code>: shown as a terminal's final screen shows it, not as the recorded bytes. {link}",
    terminal_screen_link="See the step",
    recorded_title="Output recorded on {device} (not run by this build)",
    skip_notice="⚠ Skipped: the machine that built this site has no {device} device, so this snippet did not run.",
    recorded_on="Recorded: {where}",
    recorded_where="{device_name} · torch {torch} · Python {python} · recorded {date}",
    recorded_where_unknown="where this output was recorded (device, torch version, date) was not kept",
    not_recorded="No output has been recorded on {device} yet. {why}",
    never_on_device="It has never run on a machine with a GPU.",
    no_device_in_drift="The torch environments of the drift run ({releases}, {date}) had no {device} device (GPU) either.",
    some_drift_lacked_device="Drift environments without a {device} device: {releases}.",
    none="none",
    drift_labels={
        DriftStatus.SAME: "same",
        DriftStatus.CHANGED: "changed",
        DriftStatus.RAISES: "raises",
        DriftStatus.SKIPPED: "skipped",
        DriftStatus.RECORDED: "first recording",
        DriftStatus.ERROR: "error",
    },
    drift_not_checked="Other torch versions: not checked yet (a snippet added after the last drift run).",
    drift_stale=" · its expected output changed since, so it needs checking again",
    drift_other_torch="Other torch: ",
    drift_by_torch="By torch: ",
    drift_link="{date} drift",
    drift_page=DriftPageText(
        intro=(
            '!!! info "A generated page"\n'
            "\n"
            "    `scripts/drift.py` made this page on {date} by running every snippet under {count} torch\n"
            "    environments (`drift/results.json`, {duration} in all). In each environment it ran\n"
            "    `python scripts/verify.py --no-cache` and compared every snippet's output with the output this\n"
            "    site shows (`<name>.out`, recorded on torch {pinned}). The repository's README explains how to\n"
            '    make it again, in "Drift across torch versions":\n'
            "\n"
            "    ```sh\n"
            "    {command}\n"
            "    ```"
        ),
        legend_title="What the statuses mean:",
        legend={
            DriftStatus.SAME: "the output is byte for byte what the site shows.",
            DriftStatus.CHANGED: "the output differs, without a new exception.",
            DriftStatus.RAISES: "it ends in an exception the recording does not have (or a different one).",
            DriftStatus.SKIPPED: "that environment lacks the device the snippet needs.",
            DriftStatus.RECORDED: "it ran on that device for the first time: there was nothing to compare with.",
            DriftStatus.ERROR: "the verifier could not run it (a timeout, for example).",
        },
        quotes_note=(
            "Rows starting with `quotes/` are snippets that compare the code the post quotes with sources. `*_diff`\n"
            "compares torch 1.13.1's source, copied into this repository, with the source of that column's torch, so\n"
            "the 1.13.1 column shows no difference. `*_quote_vs_1_13_1` compares the post's copy with 1.13.1's\n"
            "source, so every torch gives the same result. `*_checks` runs the quoted conditions on that torch."
        ),
        environments="## Environments {#environments}",
        environments_header=("| torch | Python | Platform | Devices | Run on | Took | Results |\n"
                             "| --- | --- | --- | --- | --- | --- | --- |"),
        no_gpu="no GPU",
        no_gpu_anywhere=(
            "No environment of this run had a GPU. Snippets that need one were skipped in every column; only the\n"
            "outputs recorded on a GPU in `drift/devices.json` are shown on the site."
        ),
        claims="## Claims × torch versions {#claims}",
        claims_header="| Claim | Snippet | {columns} |",
        differences="## What differs {#differences}",
        differences_legend="`---` is the output the site shows (`<name>.out`), `+++` what that torch printed.",
        reason="- Why: `{message}`",
        variant="- This torch has its own expected output, `{path}`.",
        seconds="{value} s",
    ),
)

TEXTS: dict[str, Text] = {"ko": KOREAN, "en": ENGLISH}
#: The language of a page no engine describes (plain Python-Markdown): the site's first edition.
DEFAULT_LANGUAGE = "ko"


def text_for(language: str) -> Text:
    """The strings of ``language`` (a site's ``language`` setting); a clear error for an unknown one."""
    try:
        return TEXTS[language]
    except KeyError:
        raise ValueError(f"no reader-facing text for language {language!r} "
                         f"(known: {', '.join(sorted(TEXTS))}; add one in scripts/verified_site/text.py)") from None
