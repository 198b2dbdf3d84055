"""Hostile snippets: every case in ``hostile_cases.CASES`` ends with the status, message and
time bound the table gives, in one verifier run over a temporary copy of the project that
is left as it was (``.verify/`` aside).

The whole table runs twice, at most two snippets at a time: once under ``--twice`` (what
CI's non-determinism check does) and once under ``--update`` (which must record only
what may be recorded).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from hostile_cases import CASES, GRACE, NEVER_RECORDED, TOPIC, Case, markdown_table
from page_tables import VERIFICATION_PAGES, section_table
from projects import Project, Run
from verified_site.terminal import render
from verifier.report import Status

#: Bound on one whole verifier run over the table: 12-15 s measured on 2 cores (the hangs,
#: each run twice to its limit, three of 2 s and one of 1 s, dominate: each run's fork
#: server runs them one after another; `import torch` costs ~3 s).
WALL_LIMIT = 60.0

#: The cases' own limits as the verifier reads them (``# verify: timeout=N``, default 10 s).
_TIMEOUT = re.compile(r"^# verify: timeout=(\d+)", re.MULTILINE)


@dataclass
class Hostile:
    project: Project
    before: dict[str, str]
    twice: Run
    after_twice: dict[str, str]
    outs_before: dict[str, bytes | None]
    update: Run


def _out(project: Project, case: Case) -> bytes | None:
    path = project.root / case.path.replace(".py", ".out")
    return path.read_bytes() if path.exists() else None


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    project = Project(tmp_path_factory.mktemp("hostile"))
    project.write("site/index.html", "<p>the site published before this run</p>\n")
    for case in CASES:
        project.snippet(f"{TOPIC}/{case.id}", case.source, case.out)
        for rel, text in case.files.items():
            project.write(rel, text)
    # Python writes bytecode unless told not to: the verifier must not let a snippet's
    # import leave a __pycache__ beside it, so this run must not be told.
    env = {"PYTHONDONTWRITEBYTECODE": None}
    before = project.tree()
    twice = project.verify("--twice", "--jobs", "2", env=env, timeout=3 * WALL_LIMIT)
    after_twice = project.tree()
    outs_before = {case.id: _out(project, case) for case in CASES}
    update = project.verify("--update", "--jobs", "2", env=env, timeout=3 * WALL_LIMIT)
    return Hostile(project, before, twice, after_twice, outs_before, update)


def _limit(case: Case) -> float:
    match = _TIMEOUT.search(case.source.removeprefix("\ufeff"))
    return float(match[1]) if match else 10.0


def by_id(cases: tuple[Case, ...]) -> list:
    return [pytest.param(case, id=case.id) for case in cases]


@pytest.mark.parametrize("case", by_id(CASES))
def test_status(hostile: Hostile, case: Case) -> None:
    entry = hostile.twice.entry(case.path)
    assert entry.status == case.status, f"{entry.message}\n{entry.diff}\n{(entry.output or '')[:2000]}"


@pytest.mark.parametrize("case", by_id(tuple(c for c in CASES if c.status != Status.PASSED)))
def test_error_names_the_file(hostile: Hostile, case: Case) -> None:
    """Each failure is printed as ``STATUS <snippet>: <message>`` with the table's text (file and line where there is one)."""
    stdout = hostile.twice.stdout
    assert f"\n{case.status.upper()} {case.path}: " in f"\n{stdout}"
    assert case.message in stdout
    entry = hostile.twice.entry(case.path)
    assert case.message in f"{case.status.upper()} {case.path}: {entry.message}\n{entry.diff}"


@pytest.mark.parametrize("case", by_id(tuple(c for c in CASES if c.status not in ("error",))))
def test_ends_within_its_limit(hostile: Hostile, case: Case) -> None:
    entry = hostile.twice.entry(case.path)
    bound = case.max_seconds or _limit(case) + GRACE
    assert entry.duration_s is not None and entry.duration_s <= bound
    if case.status == Status.TIMEOUT:
        assert entry.duration_s >= _limit(case), "stopped before its limit: not by the deadline"


def test_whole_run(hostile: Hostile) -> None:
    """The runner survives every case: all are reported, the summary counts them, exit 1, in bounded time."""
    run = hostile.twice
    assert run.rc == 1, run.stderr
    assert run.stderr == ""
    assert run.paths == sorted(c.path for c in CASES)
    summary = run.summary()
    assert int(summary["passed"]) == sum(c.status == Status.PASSED for c in CASES)
    assert int(summary["failed"]) == sum(c.status != Status.PASSED for c in CASES)
    assert run.wall < WALL_LIMIT, f"the hostile run took {run.wall:.1f} s"


def test_project_untouched(hostile: Hostile) -> None:
    """Files written, folders changed, helpers imported: nothing new or changed outside .verify/ (site/ included),
    but for the expectations the tampering cases rewrite on purpose (and the run names)."""
    tampered = {path for case in CASES for path in case.changes}
    assert {k: v for k, v in hostile.after_twice.items() if k not in tampered} == \
        {k: v for k, v in hostile.before.items() if k not in tampered}
    assert all(hostile.after_twice[path] != hostile.before[path] for path in tampered), "a tampering case did not tamper"


def test_expectations_are_read_before_any_snippet_runs(hostile: Hostile) -> None:
    """Another snippet rewrote `rewritten_by_other.out` during the run: it was still judged by what was recorded."""
    victim = f"snippets/{TOPIC}/rewritten_by_other"
    assert (hostile.project.root / f"{victim}.out").read_bytes() != b"tampered\n"  # --update recorded it again after the run
    assert hostile.twice.entry(f"{victim}.py").status == Status.PASSED
    assert hostile.twice.entry(f"{victim}.py").expected_sha256 == hashlib.sha256(b"judged by what was recorded\n").hexdigest()


def test_no_process_outlives_its_snippet(hostile: Hostile) -> None:
    """The grandchild in its own session (`orphan_in_new_session`) would write this file 2 s after it started:
    both runs have ended long since, and it never did."""
    assert not (hostile.project.root / ".verify" / "written-later.txt").exists()


def test_the_verifier_was_stopped_and_went_on(hostile: Hostile) -> None:
    """`stops_the_verifier` stopped its parent (the fork server of each run): the supervisor and the first
    fork server continued it at once, and every other case still ended within its limit."""
    entry = hostile.twice.entry(f"snippets/{TOPIC}/stops_the_verifier.py")
    assert entry.status == Status.PASSED and entry.output == "sent SIGSTOP to my parent\n"


def test_carriage_returns_are_recorded_raw_and_rendered_as_the_terminal_shows(hostile: Hostile) -> None:
    entry = hostile.twice.entry(f"snippets/{TOPIC}/carriage_progress.py")
    assert entry.output == "\r  0%\r 25%\r 50%\r 75%\r100%\ndone\n"
    screen = render(entry.output)
    assert screen.text == "100%\ndone\n" and screen.changed


@pytest.mark.parametrize("case", by_id(CASES))
def test_update_records_only_what_it_may(hostile: Hostile, case: Case) -> None:
    after = _out(hostile.project, case)
    if case.records:
        assert after is not None
        assert after.decode("utf-8") == hostile.update.entry(case.path).output
    else:
        assert after == hostile.outs_before[case.id], hostile.update.entry(case.path).message


def test_update_refuses_every_abnormal_ending(hostile: Hostile) -> None:
    """The statuses --update must never record are all in the table (so the test above covers each)."""
    assert {c.status for c in CASES if not c.records} >= set(NEVER_RECORDED)
    for case in CASES:
        if case.status in NEVER_RECORDED:
            assert hostile.update.entry(case.path).status in NEVER_RECORDED


@pytest.mark.parametrize(("case_id", "cap"), [("flood_stdout", 1024 * 1024), ("flood_stderr", 64 * 1024)])
def test_flood_is_cut_at_the_cap(hostile: Hostile, case_id: str, cap: int) -> None:
    output = hostile.twice.entry(f"snippets/{TOPIC}/{case_id}.py").output
    assert output is not None and len(output.encode("utf-8")) == cap


def test_undecodable_output_is_escaped_text(hostile: Hostile) -> None:
    entry = hostile.twice.entry(f"snippets/{TOPIC}/output_not_utf8.py")
    assert entry.output == "caf\\xe9 \\xff\\xfe\n"
    assert entry.output.isascii()


def test_markup_is_kept_as_text(hostile: Hostile) -> None:
    """The report holds the raw characters; escaping them is the page's job (tests/test_site.py)."""
    output = hostile.twice.entry(f"snippets/{TOPIC}/output_markup.py").output or ""
    assert "<script>alert('x')</script>" in output
    assert "&lt;" not in output


#: The heading each edition's verification page shows the hostile-snippets table under.
HEADINGS = {"ko": "## 실패 사례", "en": "## Hostile snippets"}


@pytest.mark.parametrize("language", VERIFICATION_PAGES)
def test_docs_table_matches_the_cases(language: str) -> None:
    """Each edition's verification page shows exactly this table under its hostile-snippets heading."""
    hint = f"run `python tests/hostile_cases.py {language}` and paste its table into the page"
    assert section_table(language, HEADINGS[language]) == markdown_table(language), hint


def test_cases_are_unique_and_valid() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    statuses = {"passed", "failed", "error", *NEVER_RECORDED}
    assert all(c.status in statuses for c in CASES)
    assert all(c.message or c.status == Status.PASSED for c in CASES)
    assert not any(Path(c.path).name.startswith("_") for c in CASES)
