"""The verifier as a command: each test proves one behaviour in a temporary copy of the project.

Isolation between snippets (global hooks, monkeypatched ``nn.Module``, default dtype, seeds,
``sys.modules``) is proven with the hostile cases in ``tests/test_hostile.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from projects import ROOT, Project, Run
from verifier import __version__
from verifier.report import Status

TORCH = metadata.version("torch")
TRACEBACK = "Traceback (most recent call last):\n  ...\n"

#: torch's own multi-line message: tab-indented lines that end in a space.
STATE_DICT_SOURCE = """\
import torch.nn as nn

lin = nn.Linear(2, 2)
lin.load_state_dict({"weight": lin.weight.detach(), "extra": lin.bias.detach()})
"""
STATE_DICT_OUT = (TRACEBACK + "RuntimeError: Error(s) in loading state_dict for Linear:\n"
                  '\tMissing key(s) in state_dict: "bias". \n'
                  '\tUnexpected key(s) in state_dict: "extra". \n')


def sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


# --- one run over a mixed set of snippets ------------------------------------------------------

@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Run]:
    project = Project(tmp_path_factory.mktemp("basic"))
    project.snippet("t/passing", "import torch\nimport torch.nn as nn\n\nm = nn.Module()\n"
                    "m.register_buffer('mean', torch.zeros(2))\nprint('buffers:', list(m._buffers))\n",
                    "buffers: ['mean']\n")
    project.snippet("t/changed", "print('first')\nprint('second')\n", "first\nSECOND\n")
    project.snippet("t/not_raised", "import torch.nn as nn\n\nm = nn.Module()\nm.register_parameter('w', None)\nprint('registered')\n",
                    TRACEBACK + "TypeError: cannot assign 'NoneType' object to parameter 'w' (torch.nn.Parameter or None required)\n")
    project.snippet("t/wrong_message", "import torch\nimport torch.nn as nn\n\nm = nn.Module()\nm.register_buffer('a.b', torch.zeros(1))\n",
                    TRACEBACK + "KeyError: 'buffer name can\\'t contain \"/\"'\n")
    project.snippet("t/timeout", "# verify: timeout=1\nimport time\n\nprint('started', flush=True)\ntime.sleep(60)\n", "started\n")
    project.snippet("t/syntax", "print('a')\nif True\n    print('b')\n", "a\nb\n")
    project.snippet("t/state_dict", STATE_DICT_SOURCE, STATE_DICT_OUT)
    project.snippet("t/state_dict_spaces", STATE_DICT_SOURCE, STATE_DICT_OUT.replace("\t", "    "))
    project.snippet("t/state_dict_trailing", STATE_DICT_SOURCE, STATE_DICT_OUT.replace(". \n", ".\n"))
    project.snippet("t/needs_mps", "# verify: device=mps\nprint('mps')\n", "mps\n")
    project.snippet("sub/other", "print('other')\n", "other\n")
    return project, project.verify()


def test_passing_snippet(basic: tuple[Project, Run]) -> None:
    _, run = basic
    entry = run.entry("snippets/t/passing.py")
    assert entry.status == Status.PASSED
    assert entry.output == "buffers: ['mean']\n"
    assert "snippets/t/passing.py" not in run.stdout  # passing snippets are not listed, only counted


def test_changed_output_fails_with_a_diff_naming_the_file(basic: tuple[Project, Run]) -> None:
    _, run = basic
    assert run.rc == 1
    assert run.entry("snippets/t/changed.py").status == Status.FAILED
    expected = ("FAILED snippets/t/changed.py: output differs from snippets/t/changed.out\n"
                "snippets/t/changed.out:2: first difference\n"
                "--- snippets/t/changed.out\n"
                "+++ snippets/t/changed.py (actual output)\n"
                "@@ -1,2 +1,2 @@\n first\n-SECOND\n+second\n")
    assert expected in run.stdout


def test_expected_exception_not_raised(basic: tuple[Project, Run]) -> None:
    _, run = basic
    entry = run.entry("snippets/t/not_raised.py")
    assert entry.status == Status.FAILED
    assert "snippets/t/not_raised.out:1: first difference" in entry.diff
    assert "-TypeError: cannot assign 'NoneType'" in entry.diff
    assert "+registered" in entry.diff


def test_wrong_message(basic: tuple[Project, Run]) -> None:
    _, run = basic
    entry = run.entry("snippets/t/wrong_message.py")
    assert entry.status == Status.FAILED
    assert entry.message == ("output differs from snippets/t/wrong_message.out "
                                "(the snippet raised KeyError at snippets/t/wrong_message.py:5)")
    assert "snippets/t/wrong_message.out:3: first difference" in entry.diff
    assert "-KeyError: 'buffer name can\\'t contain \"/\"'\n+KeyError: 'buffer name can\\'t contain \".\"'\n" in entry.diff


def test_timeout(basic: tuple[Project, Run]) -> None:
    _, run = basic
    entry = run.entry("snippets/t/timeout.py")
    assert entry.status == Status.TIMEOUT
    assert entry.output == "started\n"
    assert entry.duration_s is not None and 1.0 <= entry.duration_s < 2.0
    assert ("TIMEOUT snippets/t/timeout.py: did not finish within 1 s "
            "(raise the limit with '# verify: timeout=N')") in run.stdout


def test_syntax_error_names_file_and_line(basic: tuple[Project, Run]) -> None:
    _, run = basic
    assert run.entry("snippets/t/syntax.py").status == Status.ERROR
    assert "ERROR snippets/t/syntax.py: snippets/t/syntax.py:2: SyntaxError: expected ':'\n" in run.stdout


def test_multiline_message_with_tabs_and_trailing_spaces_compares_exactly(basic: tuple[Project, Run]) -> None:
    _, run = basic
    assert run.entry("snippets/t/state_dict.py").status == Status.PASSED
    assert run.entry("snippets/t/state_dict.py").output == STATE_DICT_OUT
    for name in ("state_dict_spaces", "state_dict_trailing"):
        entry = run.entry(f"snippets/t/{name}.py")
        assert entry.status == Status.FAILED, name
        assert f"snippets/t/{name}.out:4: first difference\n" in entry.diff
        assert "note: the outputs differ only in whitespace" in entry.diff


def test_missing_device_is_skipped_not_failed(basic: tuple[Project, Run]) -> None:
    _, run = basic
    entry = run.entry("snippets/t/needs_mps.py")
    assert entry.status == Status.SKIPPED
    assert "SKIPPED snippets/t/needs_mps.py: needs device 'mps'" in run.stdout


def test_summary_line(basic: tuple[Project, Run]) -> None:
    _, run = basic
    summary = run.summary()
    assert (summary["passed"], summary["failed"], summary["skipped"]) == ("3", "7", "1")
    assert summary["torch"] == TORCH
    assert summary["python"] == ".".join(map(str, sys.version_info[:3]))


def test_report_fields(basic: tuple[Project, Run]) -> None:
    project, run = basic
    report = run.report
    assert report is not None
    env = report.environment
    assert env.torch == TORCH
    assert env.python == ".".join(map(str, sys.version_info[:3]))
    assert env.platform and env.machine
    assert env.devices is not None and {"cpu", "meta"} <= set(env.devices)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", env.date)
    assert report.version == env.verifier == __version__
    for name, status in (("passing", Status.PASSED), ("changed", Status.FAILED)):
        entry = run.entry(f"snippets/t/{name}.py")
        assert entry.path == f"snippets/t/{name}.py"
        assert entry.status == status
        assert isinstance(entry.duration_s, float) and entry.duration_s > 0
        assert entry.output is not None
        assert entry.expected_sha256 == sha256((project.root / f"snippets/t/{name}.out").read_bytes())
        assert entry.actual_sha256 == sha256(entry.output)
        assert entry.snippet_sha256 == sha256((project.root / f"snippets/t/{name}.py").read_bytes())
        assert entry.verified is not None and entry.verified.torch == TORCH and entry.verified.device == "cpu"
    failed = run.entry("snippets/t/changed.py")
    assert failed.actual_sha256 != failed.expected_sha256


# --- choosing what to run ---------------------------------------------------------------------

def test_select_by_paths(basic: tuple[Project, Run]) -> None:
    """Files, a folder, and an expectation file (which selects its snippet)."""
    project, _ = basic
    run = project.verify("snippets/t/passing.py", "snippets/sub", "snippets/t/state_dict.out")
    assert run.rc == 0, run.stdout
    assert run.paths == [
        "snippets/sub/other.py", "snippets/t/passing.py", "snippets/t/state_dict.py"]
    assert run.summary()["passed"] == "3"


def test_select_by_k(basic: tuple[Project, Run]) -> None:
    project, _ = basic
    run = project.verify("-k", "state_dict")
    assert run.paths == [
        "snippets/t/state_dict.py", "snippets/t/state_dict_spaces.py", "snippets/t/state_dict_trailing.py"]
    assert run.report is not None and (run.report.selection_paths, run.report.selection_pattern) == ((), "state_dict")


def test_a_path_outside_snippets_is_a_usage_error(basic: tuple[Project, Run]) -> None:
    project, _ = basic
    outside = project.write("elsewhere/claim.py", "print('not a snippet')\n")
    for selector in (str(outside), "scripts/verify.py"):
        run = project.verify(selector)
        assert run.rc == 2
        assert run.stderr == f"error: {selector}: not under snippets/\n"
        assert run.report is None


# --- --update -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Run]:
    project = Project(tmp_path_factory.mktemp("update"))
    project.snippet("u/changed", "print('new')\n", "old\n")
    project.snippet("u/new", "print('fresh')\n")
    project.snippet("u/carriage", "print('10%', end='\\r')\nprint('100%')\n")
    project.snippet("u/nondeterministic", "import time\n\nprint(time.time())\n")
    project.snippet("u/timeout", "# verify: timeout=1\nimport time\n\nprint('partial', flush=True)\ntime.sleep(60)\n", "old\n")
    project.snippet("u/crash", "import os\n\nprint('partial', flush=True)\nos._exit(3)\n", "old\n")
    # Both runs print the same; whichever run takes the lock then crashes, after the other finished.
    # (The lock is outside snippets/: a snippet that writes there fails, see test_integrity.py.)
    project.snippet("u/crash_in_one_run", "import os\nimport time\n\nprint('same output', flush=True)\n"
                    "try:\n    os.close(os.open(os.path.join(os.path.dirname(__file__), '..', '..', 'lock'), os.O_CREAT | os.O_EXCL))\n"
                    "except FileExistsError:\n    pass\nelse:\n    time.sleep(1)\n    os._exit(3)\n", "old\n")
    return project, project.verify("--update", "--jobs", "2")


def test_update_records_changed_and_new_expectations(updated: tuple[Project, Run]) -> None:
    project, run = updated
    snippets = project.root / "snippets" / "u"
    assert (snippets / "changed.out").read_text(encoding="utf-8") == "new\n"
    assert (snippets / "new.out").read_text(encoding="utf-8") == "fresh\n"
    assert (snippets / "carriage.out").read_bytes() == b"10%\r100%\n"
    for name in ("changed", "new", "carriage"):
        assert f"recorded snippets/u/{name}.out\n" in run.stdout
        assert run.entry(f"snippets/u/{name}.py").status == Status.PASSED


def test_update_never_records_nondeterministic_output(updated: tuple[Project, Run]) -> None:
    project, run = updated
    assert run.entry("snippets/u/nondeterministic.py").status == Status.NONDETERMINISTIC
    assert not (project.root / "snippets/u/nondeterministic.out").exists()
    assert run.rc == 1


@pytest.mark.parametrize(("name", "status"), [(Status.TIMEOUT, "timeout"), ("crash", "crashed"), ("crash_in_one_run", "crashed")])
def test_update_never_records_a_timeout_or_crash(updated: tuple[Project, Run], name: str, status: str) -> None:
    project, run = updated
    entry = run.entry(f"snippets/u/{name}.py")
    assert entry.status == status, entry.message
    assert (project.root / f"snippets/u/{name}.out").read_bytes() == b"old\n"


def test_update_leaves_an_unchanged_expectation_alone(updated: tuple[Project, Run]) -> None:
    project, _ = updated
    run = project.verify("--update", "snippets/u/changed.py", "snippets/u/new.py", "snippets/u/carriage.py")
    assert run.rc == 0
    assert "recorded" not in run.stdout
    for name in ("changed", "new", "carriage"):
        assert run.entry(f"snippets/u/{name}.py").message == f"snippets/u/{name}.out unchanged"


# --- --twice -------------------------------------------------------------------------------------

def test_twice_flags_a_nondeterministic_snippet(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.snippet("w/steady", "print('same')\n", "same\n")
    project.snippet("w/pid", "import os\n\nprint(os.getpid())\n", "1\n")
    run = project.verify("--twice")
    assert run.rc == 1
    assert run.entry("snippets/w/steady.py").status == Status.PASSED
    entry = run.entry("snippets/w/pid.py")
    assert entry.status == Status.NONDETERMINISTIC
    assert "NONDETERMINISTIC snippets/w/pid.py: two runs printed different output" in run.stdout
    assert "--- snippets/w/pid.py (run 1)\n+++ snippets/w/pid.py (run 2)\n" in entry.diff


RELIES_ON_THE_SAFETY_NET = ("import random\n\nimport torch\n\n"
                            "print(torch.initial_seed(), random.random() == random.Random(0).random())\n")


def test_every_snippet_starts_from_the_same_seeds(tmp_path: Path) -> None:
    project = Project(tmp_path)
    for name in ("s/first", "s/second"):
        project.snippet(name, RELIES_ON_THE_SAFETY_NET, "0 True\n")
    run = project.verify()
    assert run.rc == 0, run.stdout + run.stderr


def test_twice_flags_a_snippet_that_relies_on_the_seed_safety_net(tmp_path: Path) -> None:
    """The second run gets another seed: output that depends on the safety net is not truth."""
    project = Project(tmp_path)
    project.snippet("s/unseeded", RELIES_ON_THE_SAFETY_NET, "0 True\n")
    project.snippet("s/seeded", "import torch\n\ntorch.manual_seed(7)\nprint(torch.initial_seed())\n", "7\n")
    run = project.verify("--twice")
    assert run.entry("snippets/s/seeded.py").status == Status.PASSED
    entry = run.entry("snippets/s/unseeded.py")
    assert entry.status == Status.NONDETERMINISTIC, entry
    assert "+1 False\n" in entry.diff


# --- the cache ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Three runs of a snippet that appends to ``runs.log`` each time it really runs."""
    project = Project(tmp_path_factory.mktemp("cache"))
    project.snippet("c/side_effect", "from pathlib import Path\n\n"
                    "with open(Path(__file__).parents[2] / 'runs.log', 'a') as log:\n    log.write('ran\\n')\nprint('ok')\n",
                    "ok\n")
    log = project.root / "runs.log"
    runs: dict = {"project": project, "first": project.verify()}
    runs["log_first"] = log.read_text()
    # A torch that fails on import, first on the path: a cached run must not import torch at all.
    project.write("no_torch/torch/__init__.py", "raise ImportError('a cached run imported torch')\n")
    runs["second"] = project.verify(env={"PYTHONPATH": str(project.root / "no_torch")})
    runs["log_second"] = log.read_text()
    cache_file = project.root / ".verify" / "cache.json"
    cache = json.loads(cache_file.read_text(encoding="utf-8"))
    cache["snippets/c/side_effect.py"]["fingerprint"]["torch"] = "2.12.0"
    cache_file.write_text(json.dumps(cache), encoding="utf-8")
    runs["third"] = project.verify()
    runs["log_third"] = log.read_text()
    return runs


def test_cache_hit_runs_nothing(cached: dict) -> None:
    first, second = cached["first"], cached["second"]
    assert first.rc == 0 and first.entry("snippets/c/side_effect.py").cached is False
    assert "ran 1 (not verified before): snippets/c/side_effect.py" in first.stdout
    assert cached["log_first"] == "ran\n"
    assert second.rc == 0, second.stdout + second.stderr
    entry = second.entry("snippets/c/side_effect.py")
    assert entry.cached is True and entry.reason == "unchanged" and entry.status == Status.PASSED
    assert cached["log_second"] == "ran\n", "the snippet ran again"
    assert "ran " not in second.stdout
    assert second.summary()["passed"] == "1"


def test_torch_version_change_invalidates_the_cache(cached: dict) -> None:
    third = cached["third"]
    assert third.rc == 0
    assert f"ran 1 (torch 2.12.0 → {TORCH}): snippets/c/side_effect.py" in third.stdout
    assert third.entry("snippets/c/side_effect.py").cached is False
    assert cached["log_third"] == "ran\nran\n"


# --- what a Windows editor or clone leaves behind ---------------------------------------------

def test_a_byte_order_mark_does_not_hide_the_settings_header(tmp_path: Path) -> None:
    """Python skips a UTF-8 BOM at the top of a file; the header must too, or its settings silently vanish."""
    project = Project(tmp_path)
    project.snippet("b/timeout", "\ufeff# verify: timeout=1\nimport time\n\nprint('started', flush=True)\ntime.sleep(60)\n",
                    "started\n")
    project.snippet("b/cuda", "\ufeff# verify: device=mps\nprint('ran on the CPU')\n", "ran on the CPU\n")
    run = project.verify()
    timeout = run.entry("snippets/b/timeout.py")
    assert timeout.status == Status.TIMEOUT and timeout.settings is not None and timeout.settings.timeout == 1
    assert timeout.duration_s is not None and timeout.duration_s < 2
    assert run.entry("snippets/b/cuda.py").status == Status.SKIPPED


def test_a_crlf_expectation_fails_with_a_note_naming_the_carriage_returns(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.snippet("c/crlf", "print('first')\nprint('second')\n", b"first\r\nsecond\r\n")
    entry = project.verify().entry("snippets/c/crlf.py")
    assert entry.status == Status.FAILED
    assert "note: the outputs differ only in carriage returns (CR, \\r): snippets/c/crlf.out has CRLF line endings" in entry.diff
    assert "whitespace" not in entry.diff
    assert "-first\\r\n" in entry.diff and "+first\n" in entry.diff


def test_gitattributes_keep_snippets_byte_exact_in_an_autocrlf_clone(tmp_path: Path) -> None:
    """A Windows clone (`core.autocrlf=true`) checks snippets and expectations out exactly as committed."""
    source = tmp_path / "source"
    (source / "snippets" / "t").mkdir(parents=True)
    (source / ".gitattributes").write_bytes((ROOT / ".gitattributes").read_bytes())
    (source / "snippets" / "t" / "x.py").write_bytes(b"print('a')\n")
    (source / "snippets" / "t" / "x.out").write_bytes(b"a\n10%\r100%\n")
    (source / "notes.txt").write_bytes(b"converted\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([*git, *command], cwd=source, check=True, capture_output=True)
    clone = tmp_path / "clone"
    subprocess.run([*git, "-c", "core.autocrlf=true", "clone", "-q", str(source), str(clone)], check=True, capture_output=True)
    assert (clone / "notes.txt").read_bytes() == b"converted\r\n", "autocrlf did not apply: the test proves nothing"
    assert (clone / "snippets" / "t" / "x.py").read_bytes() == b"print('a')\n"
    assert (clone / "snippets" / "t" / "x.out").read_bytes() == b"a\n10%\r100%\n"
