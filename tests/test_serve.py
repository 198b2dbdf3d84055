"""The warm verifier of ``mkdocs serve`` (``verify.py --serve``, driven by ``verifier.client``).

It must verify exactly as a plain run does (the same report, failures included), restart
itself when the verifier changes, and leave no process behind when serve stops, however
it stops. The edit-to-page time is measured by ``benchmarks/serve.py``, never here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from projects import ROOT, Project, alive
from verifier import client
from verifier.options import EXIT_FAILED, EXIT_PASSED
from verifier.project import SITE_PARTS, copy_project
from verifier.report import Status, load


@pytest.fixture
def warm(tmp_path: Path) -> Iterator[tuple[Project, client.Warm]]:
    project = Project(tmp_path / "project")
    project.snippet("t/ok", 'print("ok")\n', "ok\n")
    project.snippet("t/two", 'print("two")\n', "two\n")
    verifier = client.Warm(project.root, project.root / ".verify" / "serve.json")
    try:
        yield project, verifier
    finally:
        verifier.close()


def test_each_request_verifies_as_a_plain_run_and_runs_only_what_changed(warm: tuple[Project, client.Warm]) -> None:
    project, verifier = warm
    first = verifier.request().wait()
    assert first.status == EXIT_PASSED, first.output
    assert "2 passed, 0 failed" in first.output
    project.write("snippets/t/ok.out", "not what it prints\n")
    failed = verifier.request().wait()
    assert failed.status == EXIT_FAILED, failed.output
    assert "ran 1 (expected output changed): snippets/t/ok.py" in failed.output
    assert "FAILED snippets/t/ok.py" in failed.output
    assert load(verifier.report).entry("snippets/t/ok.py").status is Status.FAILED  # type: ignore[union-attr]
    project.write("snippets/t/ok.out", "ok\n")
    assert verifier.request().wait().status == EXIT_PASSED


@pytest.mark.parametrize("how", ["plain", "warm"])
def test_a_run_during_which_a_source_changed_is_run_again(tmp_path: Path, how: str) -> None:
    """Exit 3 (a source changed during the run, results may be stale): the build's client asks again."""
    project = Project(tmp_path / "project")
    project.write("docs/page.md", "# page\n")
    runs = tmp_path / "runs"
    # Edits the page through another program (unseen by its audit hook), on its first run only.
    project.snippet("t/edits_once", f"import subprocess\nfrom pathlib import Path\n\nruns = Path({str(runs)!r})\n"
                    "if not runs.exists():\n"
                    "    subprocess.run(['sh', '-c', 'echo edited >> ../../docs/page.md'], cwd=Path(__file__).parent, check=True)\n"
                    "with runs.open('a') as log:\n    log.write('ran\\n')\nprint('ok')\n", "ok\n")
    report = project.root / ".verify" / "client.json"
    verifier = client.Warm(project.root, report) if how == "warm" else None
    try:
        result = verifier.request().wait() if verifier else client.start(project.root, report).wait()
    finally:
        if verifier:
            verifier.close()
    assert result.status == EXIT_PASSED, result.output
    assert runs.read_text() == "ran\nran\n", "the first run's exit 3 was taken as final"


def test_it_restarts_itself_when_the_verifier_changes(warm: tuple[Project, client.Warm]) -> None:
    """A warm process would verify with the code it started with; after an edit to the verifier it starts again."""
    project, verifier = warm
    assert verifier.request().wait().status == EXIT_PASSED
    before = load(verifier.report).fingerprint
    judge = project.root / "scripts" / "verifier" / "judge.py"
    judge.write_text(judge.read_text() + "\n# changed\n")
    again = verifier.request().wait()
    assert again.status == EXIT_PASSED, again.output
    assert "a package it imported, Python or the verifier changed since it started; restarting" in again.output
    assert "ran 2 (verifier changed)" in again.output
    assert load(verifier.report).fingerprint != before


def test_serve_rejects_modes_that_record(tmp_path: Path) -> None:
    project = Project(tmp_path)
    result = subprocess.run([sys.executable, "scripts/verify.py", "--serve", "--update"], cwd=project.root,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "--serve runs as a plain run does" in result.stderr


# --- mkdocs serve ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_project(tmp_path_factory: pytest.TempPathFactory, site: Path) -> Path:
    """A copy of the site with the verifier cache the session's build filled (checked by a
    verify run): each serve below starts warm."""
    project = copy_project(ROOT, tmp_path_factory.mktemp("serve") / "project", (*SITE_PARTS, ".verify/cache.json"))
    subprocess.run([sys.executable, "scripts/verify.py"], cwd=project, check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    return project


def _serve(project: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve = subprocess.Popen(["mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=project, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    url = f"http://127.0.0.1:{port}/verification/"
    deadline = time.monotonic() + 180
    while True:
        assert serve.poll() is None, "mkdocs serve ended before it served"
        assert time.monotonic() < deadline, "mkdocs serve never served"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return serve, url
        except OSError:
            time.sleep(0.2)


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_serve_leaves_no_process_behind(site_project: Path, stop: signal.Signals) -> None:
    """Ctrl-C ends the session cleanly (its report file too); even a killed serve leaves nothing running."""
    serve, _ = _serve(site_project)
    verifiers = _descendants(serve.pid)
    assert verifiers, "serve started no warm verifier"
    reports = list((site_project / ".verify").glob("serve-*.json"))
    assert [p.name for p in reports] == [f"serve-{serve.pid}.json"]
    serve.send_signal(stop)
    serve.wait(30)
    deadline = time.monotonic() + 15
    while running := [pid for pid in verifiers if alive(pid)]:
        assert time.monotonic() < deadline, f"still running after serve stopped: {running}"
        time.sleep(0.1)
    if stop is signal.SIGINT:
        assert not list((site_project / ".verify").glob("serve-*.json"))
    else:
        for report in reports:
            report.unlink(missing_ok=True)
