"""No accident can pass off a wrong result as verified: sources changed during a run, cache keys, concurrent runs.

The hostile table (``tests/test_hostile.py``) covers snippets that rewrite their own or
another snippet's expectation and processes that outlive their snippet; these tests cover
what needs more than one run or something happening from outside the verifier.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from projects import SUMMARY, Project
from verifier.cache import Cache, distributions_of
from verifier.options import EXIT_CHANGED, build_parser
from verifier.report import Entry, Status, load

NUMPY = subprocess.run([sys.executable, "-c", "import numpy; print(numpy.__version__)"], capture_output=True, text=True,
                       check=True).stdout.strip()


def _wait_for(path: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _start(project: Project, *args: str, report: Path | None = None) -> subprocess.Popen[str]:
    report_args = ["--report", str(report)] if report else []
    return subprocess.Popen([sys.executable, "scripts/verify.py", *args, *report_args], cwd=project.root,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --- a source changed during the run -----------------------------------------------------------

def test_an_edit_during_the_run_exits_3_naming_the_file_and_caches_nothing(tmp_path: Path) -> None:
    """An author saves a page while a snippet runs: the results may be stale, so the run says so
    with its own exit status (a serve loop re-runs) and keeps nothing in the cache."""
    project = Project(tmp_path / "project")
    project.write("docs/page.md", "# draft\n")
    started = tmp_path / "started"
    # It waits before it signals: an edit within 10 ms of quick's end (the timestamps' tolerance) names quick too.
    project.snippet("e/slow", f"import time\nfrom pathlib import Path\n\ntime.sleep(0.1)\nPath({str(started)!r}).touch()\n"
                    "time.sleep(1.5)\nprint('slept')\n", "slept\n")
    project.snippet("e/quick", "print('quick')\n", "quick\n")
    proc = _start(project, "--jobs", "1")
    _wait_for(started)
    project.write("docs/page.md", "# draft, edited\n")
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_CHANGED == 3, stdout + stderr
    assert ("CHANGED during the run, by no snippet the verifier knows of: docs/page.md (while snippets/e/slow.py ran). "
            "The results may be stale: run again (exit status 3)") in stdout, stdout
    assert SUMMARY.match(stdout.rstrip("\n").rsplit("\n", 1)[-1]), "the summary stays the last line"
    assert not (project.root / ".verify" / "cache.json").exists() or \
        json.loads((project.root / ".verify" / "cache.json").read_text()) == {}
    again = project.verify()
    assert again.rc == 0 and again.summary()["passed"] == "2"


def test_update_records_nothing_when_a_source_changed_during_the_run(tmp_path: Path) -> None:
    """The snippet itself may have been edited while it ran: its output may be the old code's."""
    project = Project(tmp_path / "project")
    started = tmp_path / "started"
    project.snippet("e/slow", f"import time\nfrom pathlib import Path\n\nPath({str(started)!r}).touch()\ntime.sleep(1.5)\n"
                    "print('old code')\n")
    proc = _start(project, "--update", "--jobs", "1")
    _wait_for(started)
    project.write("snippets/e/slow.py", "print('new code')\n")
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 3, stdout + stderr
    assert "snippets/e/slow.py (while snippets/e/slow.py ran)" in stdout
    assert not (project.root / "snippets" / "e" / "slow.out").exists()


def test_a_change_no_snippet_reports_is_still_caught(tmp_path: Path) -> None:
    """A snippet that edits a source through another program (invisible to its audit hook): exit 3, naming it."""
    project = Project(tmp_path)
    project.write("docs/page.md", "# page\n")
    project.snippet("e/shell", "import subprocess\nfrom pathlib import Path\n\n"
                    "page = Path(__file__).parents[2] / 'docs' / 'page.md'\n"
                    "subprocess.run(['sh', '-c', f'echo edited >> {page}'], check=True)\nprint('ok')\n", "ok\n")
    run = project.verify()
    assert run.rc == 3, run.stdout
    assert "docs/page.md (while snippets/e/shell.py ran)" in run.stdout


def test_update_does_not_count_its_own_writes(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.snippet("u/new", "print('fresh')\n")
    run = project.verify("--update")
    assert run.rc == 0, run.stdout
    assert "recorded snippets/u/new.out" in run.stdout and "CHANGED" not in run.stdout


def test_help_names_the_exit_statuses() -> None:
    text = build_parser().format_help()
    assert "3  a file under snippets/ or docs/ changed during the run and no snippet wrote it" in text
    assert "4  the run outlived its bound" in text


# --- the cache's key ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A snippet that reads a data file beside it and uses numpy: first run, cached run, data changed."""
    project = Project(tmp_path_factory.mktemp("data"))
    project.write("snippets/d/table.csv", "a,b\n1,2\n")
    project.snippet("d/reads_data", "from pathlib import Path\n\nimport numpy as np\n\n"
                    "rows = (Path(__file__).parent / 'table.csv').read_text().splitlines()\n"
                    "print(rows, np.array([1, 2]).sum())\n", "['a,b', '1,2'] 3\n")
    runs = {"project": project, "first": project.verify(), "second": project.verify()}
    runs["cache"] = json.loads((project.root / ".verify" / "cache.json").read_text())
    project.write("snippets/d/table.csv", "a,b\n1,3\n")
    runs["third"] = project.verify()
    return runs


def test_a_data_file_the_snippet_read_is_part_of_the_key(data_runs: dict) -> None:
    first, second, third = data_runs["first"], data_runs["second"], data_runs["third"]
    rel = "snippets/d/reads_data.py"
    assert first.rc == 0 and second.entry(rel).cached is True
    fingerprint = data_runs["cache"][rel]["fingerprint"]
    assert "snippets/d/table.csv" in fingerprint["files"]
    assert third.entry(rel).cached is False
    assert "ran 1 (snippets/d/table.csv changed): snippets/d/reads_data.py" in third.stdout
    assert third.entry(rel).status == Status.FAILED


def test_the_imported_distributions_versions_are_part_of_the_key(data_runs: dict) -> None:
    fingerprint = data_runs["cache"]["snippets/d/reads_data.py"]["fingerprint"]
    assert fingerprint["distributions"]["numpy"] == NUMPY
    assert fingerprint["distributions"]["torch"]


def test_a_new_version_of_an_imported_distribution_reruns(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.snippet("d/np", "import numpy as np\n\nprint(np.arange(3).sum())\n", "3\n")
    assert project.verify().rc == 0
    cache_file = project.root / ".verify" / "cache.json"
    cache = json.loads(cache_file.read_text())
    cache["snippets/d/np.py"]["fingerprint"]["distributions"]["numpy"] = "1.0.0"
    cache_file.write_text(json.dumps(cache))
    run = project.verify()
    assert f"ran 1 (numpy 1.0.0 → {NUMPY}): snippets/d/np.py" in run.stdout


#: How a snippet may treat the fork server's modules before it imports its own: what it imports is found after
#: ``__main__`` (moved to the end of sys.modules) while none was removed, else by counting what is left of them.
JUGGLES = {
    "none removed": "",
    "some removed, one imported back": "del sys.modules['json'], sys.modules['pathlib']\n",
    "__main__ removed": "del sys.modules['__main__']\n",
    "__main__ moved, one removed": "sys.modules['__main__'] = sys.modules.pop('__main__')\ndel sys.modules['pathlib']\n",
}


@pytest.mark.parametrize("juggle", JUGGLES.values(), ids=JUGGLES.keys())
def test_what_a_snippet_imported_is_part_of_the_key_whatever_it_did_to_sys_modules(tmp_path: Path, juggle: str) -> None:
    project = Project(tmp_path)
    project.write("snippets/_shared/helper.py", "VALUE = 3\n")
    project.snippet("d/juggles", f"import sys\nfrom pathlib import Path\n\nhere = Path(__file__)\n{juggle}"
                    "sys.path.insert(0, str(here.resolve().parents[1]))\n"
                    "import yaml  # noqa: E402\nfrom _shared import helper  # noqa: E402\n\nimport json  # noqa: E402\n\n"
                    "print(helper.VALUE, yaml.safe_load('[1]'), json.dumps(1))\n", "3 [1] 1\n")
    run = project.verify()
    assert run.rc == 0, run.stdout + run.stderr
    fingerprint = json.loads((project.root / ".verify" / "cache.json").read_text())["snippets/d/juggles.py"]["fingerprint"]
    assert "snippets/_shared/helper.py" in fingerprint["files"]
    assert "pyyaml" in fingerprint["distributions"]


def test_distributions_are_found_by_name_top_level_and_record() -> None:
    """numpy by its name; torchgen (torch's) and _distutils_hack (setuptools') by what those distributions install."""
    modules = {}
    for name in ("numpy", "torchgen", "_distutils_hack"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        modules[name] = spec.origin
    assert distributions_of(modules) == ["numpy", "setuptools", "torch"]


def test_a_failure_removes_the_cached_pass(tmp_path: Path) -> None:
    """Passing (cached), then non-deterministic under --twice: the next plain run must run it, not reuse the pass."""
    project = Project(tmp_path)
    project.snippet("h/hash", "print(hash('abc') % 7)\n",
                    subprocess.run([sys.executable, "-c", "print(hash('abc') % 7)"], capture_output=True, text=True,
                                   env={**os.environ, "PYTHONHASHSEED": "0"}).stdout)
    assert project.verify().rc == 0
    assert project.verify("--twice").entry("snippets/h/hash.py").status == Status.NONDETERMINISTIC
    again = project.verify()
    assert again.entry("snippets/h/hash.py").cached is False
    assert "ran 1 (not verified before): snippets/h/hash.py" in again.stdout


# --- two runs at once ----------------------------------------------------------------------------

def test_two_runs_at_once_keep_each_others_cache_entries_and_reports(tmp_path: Path) -> None:
    """A build while `mkdocs serve` runs: each run writes its own report, and the cache keeps both runs' entries."""
    project = Project(tmp_path / "project")
    for name in ("a", "b"):
        project.snippet(f"{name}/slow", f"import time\n\ntime.sleep(1)\nprint({name!r})\n", f"{name}\n")
    reports = {name: tmp_path / f"report-{name}.json" for name in ("a", "b")}
    procs = {name: _start(project, f"snippets/{name}", report=reports[name]) for name in ("a", "b")}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stdout + stderr
        assert [entry.path for entry in load(reports[name]).entries] == [f"snippets/{name}/slow.py"]
    cache = json.loads((project.root / ".verify" / "cache.json").read_text())
    assert set(cache) == {"snippets/a/slow.py", "snippets/b/slow.py"}
    both = project.verify()
    assert both.rc == 0 and both.report is not None
    assert all(entry.cached for entry in both.report.entries)
    assert not list(tmp_path.glob(".report-*.tmp")), "a report's temporary file was left behind"


def test_cache_saves_merge_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / ".verify" / "cache.json"
    entry = Entry(path="snippets/x.py", status=Status.PASSED)
    first, second = Cache(path), Cache(path)
    first.put("snippets/a.py", {"snippet": "1"}, entry)
    second.put("snippets/b.py", {"snippet": "2"}, entry)
    first.save()
    second.save()
    assert set(json.loads(path.read_text())) == {"snippets/a.py", "snippets/b.py"}
    third = Cache(path)
    third.drop("snippets/a.py")
    first.put("snippets/c.py", {"snippet": "3"}, entry)
    third.save()
    first.save()
    assert set(json.loads(path.read_text())) == {"snippets/b.py", "snippets/c.py"}
    assert (tmp_path / ".verify" / "cache.lock").exists()
