#!/usr/bin/env python3
"""Run every snippet under several torch installs and record where each claim drifts.

Usage::

    python scripts/drift.py --python /path/to/torch-1.13.1/bin/python --python python \\
                            --python /path/to/torch-2.14.1/bin/python

Why a separate command: the site is verified against the one torch pinned in
``requirements.txt``; other torch versions are heavy installs that CI does not have. This
command runs ``<python> scripts/verify.py --no-cache`` for each interpreter given, compares
every snippet's actual output with the page's recorded ``<name>.out`` and classifies it:

``same``      the output is exactly the recorded one;
``changed``   it differs, without a new exception;
``raises``    it ends in a traceback the recording lacks, or in a different exception;
``skipped``   the snippet needs a device that environment lacks;
``recorded``  it ran on a device for the first time: nothing to compare with yet;
``error``     the verifier could not run it (timeout, crash, malformed snippet).

It prints the table with the diffs, and writes ``drift/results.json`` plus the generated
page ``docs/drift.md`` (both committed, so building the site never needs these installs).
Where an environment has a device that some snippet needs and the build machine may lack
(``cuda``, ``mps``), the output recorded there is kept in ``drift/devices.json`` with its
provenance (device name, torch, Python, date); the first recording on the pinned torch also
becomes the snippet's ``<name>.out``. ``--render-only`` regenerates the page from the JSON.

Each run happens in a throwaway copy of ``snippets/``, ``scripts/`` and
``requirements.txt``: the repository's verifier cache (which belongs to the pinned torch)
is left alone, and every environment sees the same snapshot even while the tree is edited.
Standard library only: it runs under any of the interpreters, with or without torch.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # noqa: E402  (shared with the site: status labels and anchors)
from verifier.snippets import pinned_torch, release_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path("drift/results.json")
DEVICES = Path("drift/devices.json")
PAGE = Path("docs/drift.md")
#: What a run needs from the repository; copied into a fresh folder per environment.
SNAPSHOT = ("snippets", "scripts", "requirements.txt")
#: Devices every torch has: a snippet needing only these is never a device recording.
EVERYWHERE = ("cpu", "meta")
#: Every status a snippet can get under one torch, in the order tables list them.
STATUSES = ("same", "changed", "raises", "skipped", "recorded", "error")
#: The verifier's statuses that mean it did not get an output it could judge.
VERIFIER_ERRORS = ("error", "timeout", "crashed", "memory", "flood", "nondeterministic")
TRACEBACK_HEAD = "Traceback (most recent call last):"
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::|$)")
_TITLED_INCLUDE = re.compile(
    r'^[ \t]*(`{3,}|~{3,})[^\n]*?\btitle="(?P<title>[^"]*)"[^\n]*\n[ \t]*-+8<-+[ \t]+"(?P<path>snippets/[^"]+\.py)"',
    re.MULTILINE)


# --- classification -------------------------------------------------------------------

def final_exception(text: str) -> str | None:
    """The exception type of the traceback that ends ``text``, or None when it ends without one.

    Tracebacks are already folded by the verifier (``  ...`` for the frames), so the line
    after the last ``Traceback`` head and its indented frame lines is the exception line.
    A traceback followed by ordinary output (a snippet that printed one and went on) does
    not count: only an exception that ended the snippet does.
    """
    lines = text.rstrip("\n").split("\n")
    heads = [i for i, line in enumerate(lines) if line == TRACEBACK_HEAD]
    if not heads:
        return None
    i = heads[-1] + 1
    while i < len(lines) and lines[i].startswith(" "):
        i += 1
    match = _EXCEPTION_LINE.match(lines[i]) if i < len(lines) else None
    if match is None:
        return None
    # Whatever follows the exception line must be its own continuation, not new output:
    # multi-line messages are allowed, a second "Traceback"/banner is not (handled above).
    return match["type"]


def classify(verifier_status: str, actual: str | None, expected: str | None) -> str:
    """One snippet under one torch: same / changed / raises / skipped / recorded / error.

    ``expected`` is the page's recorded output (``<name>.out``), not a per-version
    variant: the question is whether what the page shows holds on that torch.
    """
    if verifier_status == "skipped":
        return "skipped"
    if verifier_status in VERIFIER_ERRORS or actual is None:
        return "error"
    if expected is None:
        return "recorded"
    if actual == expected:
        return "same"
    now = final_exception(actual)
    if now is not None and now != final_exception(expected):
        return "raises"
    return "changed"


def output_diff(expected: str, actual: str, expected_name: str, actual_name: str) -> str:
    """``diff -u`` of the recorded output and the actual one, with git's end-of-file marker."""
    def lines(text: str) -> list[str]:
        out = text.splitlines(keepends=True)
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
        return out
    return "".join(difflib.unified_diff(lines(expected), lines(actual), expected_name, actual_name))


# --- running ---------------------------------------------------------------------------

@dataclass
class Run:
    """One environment's verifier report, plus what this command learnt around it."""

    python: str
    report: dict
    duration_s: float
    device_names: dict[str, list[str]]
    device_outputs: dict[str, dict]
    """Snippet path → verifier entry from the ``--update`` pass on a device the build may lack."""


def snapshot(root: Path, into: Path) -> Path:
    """Copy what the verifier needs into ``into`` (no caches, no bytecode) and return it."""
    into.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".verify")
    for name in SNAPSHOT:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, into / name)
    return into


def verify(python: str, project: Path, extra: list[str], report: Path) -> dict:
    """``<python> scripts/verify.py --no-cache --report <report> [extra]`` in ``project``."""
    result = subprocess.run([python, "scripts/verify.py", "--no-cache", "--report", str(report), *extra],
                            cwd=project, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if not report.exists():
        raise SystemExit(f"error: {python} scripts/verify.py wrote no report (exit {result.returncode}):\n"
                         f"{result.stdout}{result.stderr}".rstrip())
    return json.loads(report.read_text(encoding="utf-8"))


def probe_device_names(python: str, devices: list[str]) -> dict[str, list[str]]:
    """Names of the accelerators the report found (``NVIDIA H100 80GB HBM3``), for provenance."""
    names: dict[str, list[str]] = {}
    if "cuda" in devices:
        code = ("import json, torch; print(json.dumps([torch.cuda.get_device_name(i) "
                "for i in range(torch.cuda.device_count())]))")
        result = subprocess.run([python, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        names["cuda"] = json.loads(result.stdout) if result.returncode == 0 else ["(unknown CUDA device)"]
    if "mps" in devices:
        names["mps"] = ["Apple MPS"]
    return names


def run_environment(python: str, pristine: Path, work: Path) -> Run:
    """Verify everything under ``python``; then record device-only snippets that ran there."""
    project = snapshot(pristine, work / "project")
    started = time.monotonic()
    report = verify(python, project, [], work / "report.json")
    devices = report["environment"].get("devices") or list(EVERYWHERE)
    extra_devices = [d for d in devices if d not in EVERYWHERE]
    device_snippets = [e["path"] for e in report["snippets"]
                       if e.get("settings", {}).get("device") in extra_devices]
    device_outputs: dict[str, dict] = {}
    if device_snippets:
        # --update runs each twice and refuses a non-deterministic output; the copy is
        # throwaway, so what it writes there does not matter, only the outputs in the report.
        recorded = verify(python, project, ["--update", *device_snippets], work / "report-devices.json")
        device_outputs = {e["path"]: e for e in recorded["snippets"] if e["status"] == "passed"}
    return Run(python, report, time.monotonic() - started, probe_device_names(python, extra_devices), device_outputs)


# --- results ---------------------------------------------------------------------------

def release_key(version: str) -> tuple[int, ...]:
    """``'1.13.1+cu117'`` → ``(1, 13, 1)`` for ordering the columns oldest first."""
    return tuple(int(part) for part in re.findall(r"\d+", release_of(version))[:3])


def claim_titles(docs: Path) -> dict[str, dict[str, str]]:
    """Snippet path → the title and page (docs-relative) of the fence that includes it."""
    titles: dict[str, dict[str, str]] = {}
    for page in sorted(docs.rglob("*.md")):
        for match in _TITLED_INCLUDE.finditer(page.read_text(encoding="utf-8")):
            titles.setdefault(match["path"], {"title": match["title"], "page": page.relative_to(docs).as_posix()})
    return titles


def build_results(runs: list[Run], pristine: Path, titles: dict[str, dict[str, str]], pinned: str | None,
                  started: str, duration_s: float, command: str) -> dict:
    """Turn the reports into ``drift/results.json``: environments, and per snippet per torch a status."""
    runs = sorted(runs, key=lambda run: release_key(run.report["environment"]["torch"]))
    environments = []
    snippets: dict[str, dict] = {}
    for run in runs:
        env = run.report["environment"]
        key = env["torch"]
        counts: dict[str, int] = {}
        for entry in run.report["snippets"]:
            path = entry["path"]
            expected_file = pristine / Path(path).with_suffix(".out")
            expected = expected_file.read_text(encoding="utf-8") if expected_file.exists() else None
            device_entry = run.device_outputs.get(path)
            if device_entry is not None:  # ran on its device: the --update pass has the output
                verifier_status, actual = "passed", device_entry["output"]
            else:  # a skipped entry's "output" is the recording, not something that ran
                verifier_status = entry["status"]
                actual = entry.get("output") if verifier_status != "skipped" else None
            status = classify(verifier_status, actual, expected)
            counts[status] = counts.get(status, 0) + 1
            result: dict = {"status": status}
            if status in ("changed", "raises"):
                result["diff"] = output_diff(expected or "", actual or "", Path(path).with_suffix(".out").as_posix(),
                                             f"torch {key}")
            if status in ("skipped", "error"):
                result["message"] = entry.get("message", "")
            if status == "recorded":
                result["output"] = actual
            if entry.get("expected_path") and entry["expected_path"] != Path(path).with_suffix(".out").as_posix():
                result["variant"] = entry["expected_path"]
            device = entry.get("settings", {}).get("device", "cpu")
            info = snippets.setdefault(path, {
                "device": device, **titles.get(path, {}),
                "expected_sha256": hashlib.sha256(expected.encode()).hexdigest() if expected is not None else None,
                "results": {}})
            info["results"][key] = result
        environments.append({
            "torch": key,
            "python": env["python"],
            "platform": env["platform"],
            "machine": env.get("machine", ""),
            "date": env["date"],
            "devices": env.get("devices") or [],
            "device_names": run.device_names,
            "duration_s": round(run.duration_s, 1),
            "counts": {status: counts[status] for status in STATUSES if status in counts},
        })
    return {
        "generated_by": "scripts/drift.py",
        "command": command,
        "date": started,
        "duration_s": round(duration_s, 1),
        "pinned_torch": pinned,
        "expectations": "each snippet's <name>.out, recorded on the pinned torch and shown on the site",
        "environments": environments,
        "snippets": dict(sorted(snippets.items())),
    }


def merge_device_recordings(existing: dict, runs: list[Run], pinned: str | None, root: Path) -> tuple[dict, list[str]]:
    """Add this run's device outputs to ``drift/devices.json``; write a missing pinned ``.out``.

    Recordings accumulate: a drift run on a machine without a GPU never erases the last
    GPU recording. One record per snippet, device and torch release (the newest wins).
    """
    recordings: dict[str, list[dict]] = {k: list(v) for k, v in existing.get("recordings", {}).items()}
    written: list[str] = []
    for run in runs:
        env = run.report["environment"]
        release = release_of(env["torch"])
        for path, entry in sorted(run.device_outputs.items()):
            device = entry["settings"]["device"]
            output = entry["output"]
            record = {
                "device": device,
                "device_name": ", ".join(run.device_names.get(device, [])) or device,
                "torch": env["torch"], "python": env["python"], "platform": env["platform"], "date": env["date"],
                "output": output, "output_sha256": hashlib.sha256(output.encode()).hexdigest(),
            }
            kept = [r for r in recordings.get(path, [])
                    if not (r["device"] == device and release_of(r["torch"]) == release)]
            recordings[path] = sorted([*kept, record], key=lambda r: r["date"], reverse=True)
            target = root / Path(path).with_suffix(".out")
            if release == pinned and not target.exists():
                target.write_text(output, encoding="utf-8")
                written.append(target.relative_to(root).as_posix())
    about = ("Outputs of snippets that need a device the build machine may lack (cuda, mps), as last "
             "recorded by scripts/drift.py on a machine that had it, with where they were recorded. "
             "The site shows a skipped snippet's <name>.out with the record whose output_sha256 matches it.")
    return {"about": about, "recordings": dict(sorted(recordings.items()))}, written


# --- rendering -------------------------------------------------------------------------

def render_text(results: dict) -> str:
    """The table for a terminal: one row per snippet, one column per torch, then the diffs."""
    keys = [env["torch"] for env in results["environments"]]
    names = {path: path.removeprefix("snippets/").removesuffix(".py") for path in results["snippets"]}
    width = max(map(len, names.values()), default=10)
    widths = [max(len(k), 8) for k in keys]
    lines = ["claim".ljust(width) + "  " + "  ".join(k.ljust(w) for k, w in zip(keys, widths))]
    for path, info in results["snippets"].items():
        cells = [info["results"].get(k, {}).get("status", "-").ljust(w) for k, w in zip(keys, widths)]
        lines.append(names[path].ljust(width) + "  " + "  ".join(cells).rstrip())
    for path, info in results["snippets"].items():
        for key in keys:
            result = info["results"].get(key, {})
            if result.get("status") in ("changed", "raises"):
                lines += ["", f"== {names[path]} · torch {key}: {result['status']}", result["diff"].rstrip("\n")]
            elif result.get("status") in ("skipped", "error"):
                lines += ["", f"== {names[path]} · torch {key}: {result['status']}: {result.get('message', '')}"]
    totals = " · ".join(f"torch {env['torch']} {env['duration_s']}s" for env in results["environments"])
    lines += ["", f"drift: {len(results['snippets'])} snippets × {len(keys)} torch versions in "
                  f"{results['duration_s']}s ({totals})"]
    return "\n".join(lines) + "\n"


def render_page(results: dict) -> str:
    """``docs/drift.md``: the same table for the site, in Korean, generated from the JSON alone."""
    envs = results["environments"]
    keys = [env["torch"] for env in envs]
    short = {key: release_of(key) for key in keys}
    date = results["date"][:10]
    pinned = results.get("pinned_torch") or "?"
    out = [
        "# torch 버전별 변화",
        "",
        "<!-- 생성된 파일: scripts/drift.py가 drift/results.json에서 만든다. 손으로 고치지 말 것. -->",
        "",
        '!!! info "생성된 페이지"',
        "",
        f"    이 페이지는 `scripts/drift.py`가 {date}에 torch {len(envs)}개 환경에서 모든 스니펫을 실제로",
        f"    실행해 만든 것입니다(`drift/results.json`, 전체 {_seconds(results['duration_s'])}). 환경마다",
        "    `python scripts/verify.py --no-cache`를 실행하고, 각 스니펫의 출력을 이 사이트에 보이는 출력",
        f"    (`<이름>.out`, torch {pinned}에서 기록)과 비교했습니다. 다시 만드는 방법은 저장소 README의",
        '    "Drift across torch versions" 절에 있습니다:',
        "",
        f"    ```sh\n    {results['command']}\n    ```",
        "",
        "상태의 뜻:",
        "",
        f"- **{pages.DRIFT_LABELS['same']}** (`same`): 출력이 사이트에 보이는 것과 바이트 단위로 같습니다.",
        f"- **{pages.DRIFT_LABELS['changed']}** (`changed`): 출력이 다르지만 새 예외는 없습니다.",
        f"- **{pages.DRIFT_LABELS['raises']}** (`raises`): 기록에 없는 예외(또는 다른 예외)로 끝납니다.",
        f"- **{pages.DRIFT_LABELS['skipped']}** (`skipped`): 그 환경에 스니펫이 요구하는 장치가 없습니다.",
        f"- **{pages.DRIFT_LABELS['recorded']}** (`recorded`): 그 장치에서 처음 실행되어 비교할 기록이 없었습니다.",
        f"- **{pages.DRIFT_LABELS['error']}** (`error`): 검증기가 실행하지 못했습니다(시간 초과 등).",
        "",
        "`quotes/`로 시작하는 줄은 원문이 인용한 torch 1.13 소스를 그 torch의 소스와 비교한 스니펫입니다.",
        "그래서 1.13.1 열의 diff는 인용이 실제 torch 1.13.1의 소스와 얼마나 같은지를 보여 줍니다.",
        "",
        "## 환경",
        "",
        "| torch | Python | 플랫폼 | 장치 | 실행 날짜 | 걸린 시간 | 결과 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for env in envs:
        devices = ", ".join(env["devices"])
        names = "; ".join(f"{d}: {', '.join(n)}" for d, n in env.get("device_names", {}).items())
        gpu = f" ({names})" if names else " (GPU 없음)" if not any(d in env["devices"] for d in ("cuda", "mps")) else ""
        counts = ", ".join(f"{pages.DRIFT_LABELS.get(s, s)} {n}" for s, n in env["counts"].items())
        system = f"{env['platform'].split('-', 1)[0]} {env.get('machine', '')}".strip()
        out.append(f"| {env['torch']} | {env['python']} | {system} | {devices}{gpu} | "
                   f"{env['date'][:10]} | {_seconds(env['duration_s'])} | {counts} |")
    if not any(d in env["devices"] for env in envs for d in ("cuda", "mps")):
        out += ["", "이번 실행의 어느 환경에도 GPU가 없었습니다. GPU가 필요한 스니펫은 모든 열에서 건너뛰었고,",
                "GPU에서 기록한 출력은 `drift/devices.json`에 있는 것만 사이트에 보입니다."]
    out += ["", "## 주장 × torch 버전", "",
            "| 주장 | 스니펫 | " + " | ".join(short[k] for k in keys) + " |",
            "| --- | --- | " + " | ".join("---" for _ in keys) + " |"]
    for path, info in results["snippets"].items():
        anchor = pages.drift_anchor(path)
        claim = _cell(info.get("title", ""))
        if info.get("page"):
            claim = f"[{claim}]({info['page']})"
        cells = []
        for key in keys:
            status = info["results"].get(key, {}).get("status")
            label = f"{pages.DRIFT_LABELS.get(status, status)}" if status else "—"
            cells.append(f"[{label}](#{anchor})" if status and status != "same" else label)
        name = path.removeprefix("snippets/").removesuffix(".py")
        device = f" · {info['device']}" if info.get("device", "cpu") != "cpu" else ""
        out.append(f"| {claim} | `{name}`{device} | " + " | ".join(cells) + " |")
    details = [(path, info) for path, info in results["snippets"].items()
               if any(r.get("status") != "same" for r in info["results"].values())]
    if details:
        out += ["", "## 다른 점", "",
                "`---`는 사이트에 보이는 출력(`<이름>.out`), `+++`는 그 torch에서 실제로 나온 출력입니다."]
    for path, info in details:
        name = path.removeprefix("snippets/").removesuffix(".py")
        out += ["", f"### `{name}` {{#{pages.drift_anchor(path)}}}", ""]
        if info.get("title"):
            out += [f"{_cell(info['title'])} — `{path}`", ""]
        for key in keys:
            result = info["results"].get(key)
            if result is None or result["status"] == "same":
                continue
            label = pages.DRIFT_LABELS.get(result["status"], result["status"])
            out.append(f"**torch {key}: {label}** (`{result['status']}`)")
            out.append("")
            if "diff" in result:
                out += [*_fenced("diff", result["diff"]), ""]
            elif "output" in result:
                out += [*_fenced("text", result["output"]), ""]
            if result.get("message"):
                out += [f"- 이유: `{result['message']}`", ""]
            if result.get("variant"):
                out += [f"- 이 torch용 기대 출력 `{result['variant']}`이 따로 있습니다.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    """Plain text inside a Markdown table cell: no emphasis from ``__init__``, no stray pipes."""
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text).replace("<", "&lt;")


def _fenced(language: str, body: str) -> list[str]:
    """A fence longer than any backtick run in ``body``, so outputs cannot close it early."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", body.rstrip("\n"), fence]


def _seconds(value: float) -> str:
    return f"{value:.0f}초" if value >= 10 else f"{value:.1f}초"


# --- command ---------------------------------------------------------------------------

def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/drift.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", dest="pythons", metavar="INTERPRETER",
                        help="a Python with some torch installed; repeat for each torch to compare "
                             "(default: this interpreter)")
    parser.add_argument("--render-only", action="store_true",
                        help=f"only regenerate {PAGE} from {RESULTS} (no torch needed)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if args.render_only:
        results = json.loads((root / RESULTS).read_text(encoding="utf-8"))
        write_if_changed(root / PAGE, render_page(results))
        print(f"wrote {PAGE} from {RESULTS}")
        return 0

    pythons = args.pythons or [sys.executable]
    missing = [p for p in pythons if shutil.which(p) is None and not Path(p).exists()]
    if missing:
        parser.error(f"no such interpreter: {', '.join(missing)}")
    shown = " ".join(f"--python {_shown_python(p, root)}" for p in pythons)
    # Runs happen in a throwaway copy: a relative interpreter path must not follow the cwd.
    # `absolute`, not `resolve`: a venv's python is a symlink that must stay a venv's.
    pythons = [str(Path(p).absolute()) if os.sep in p else p for p in pythons]
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    started = time.monotonic()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="drift-") as tmp:
        pristine = snapshot(root, Path(tmp) / "pristine")
        for number, python in enumerate(pythons):
            print(f"[{number + 1}/{len(pythons)}] {python} scripts/verify.py --no-cache …", file=sys.stderr, flush=True)
            run = run_environment(python, pristine, Path(tmp) / f"env-{number}")
            print(f"    torch {run.report['environment']['torch']}: {run.duration_s:.1f}s", file=sys.stderr, flush=True)
            runs.append(run)
        duration = time.monotonic() - started
        pinned = pinned_torch(root / "requirements.txt")
        command = f"python scripts/drift.py {shown}"
        results = build_results(runs, pristine, claim_titles(root / "docs"), pinned, started_at, duration, command)

    devices_path = root / DEVICES
    existing = json.loads(devices_path.read_text(encoding="utf-8")) if devices_path.exists() else {}
    devices, written = merge_device_recordings(existing, runs, pinned, root)
    write_if_changed(root / RESULTS, json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    write_if_changed(devices_path, json.dumps(devices, ensure_ascii=False, indent=1) + "\n")
    write_if_changed(root / PAGE, render_page(results))
    sys.stdout.write(render_text(results))
    for path in written:
        print(f"recorded {path} (first run on its device): review it with `git diff`")
    print(f"wrote {RESULTS}, {DEVICES} and {PAGE}")
    return 0




def _shown_python(python: str, root: Path) -> str:
    """The interpreter as a reader can type it: relative to the repository when inside it,
    with the home folder abbreviated otherwise (it is printed on the site)."""
    path = Path(python).absolute()
    if os.sep in python and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    home = os.path.expanduser("~")
    return "~" + python[len(home):] if home != "/" and python.startswith(home + "/") else python


if __name__ == "__main__":
    sys.exit(main())
