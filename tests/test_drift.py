"""Drift across torch versions: classification, the committed results and their page, devices, quotes.

The heavy part (other torch installs) is not needed here: classification and rendering are
pure functions, the committed ``drift/results.json`` is checked for shape and rendered, and
one end-to-end run uses only the interpreter running the tests. The per-version expectation
tests need a second torch; they use ``OTHER_TORCH_PYTHON`` (default: the torch 2.14.1
virtual environment the README describes) and are skipped where it does not exist, as in CI.
"""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import drift
from verified_site import drift_page
from verified_site.text import KOREAN
from verifier.drift_results import (
    DeviceRecordings,
    DriftResults,
    DriftStatus,
    load_devices,
    load_results,
)
from verifier.project import copy_project
from verifier.report import Entry, Environment, Report, Status
from verifier.snippets import Settings, pinned_torch

ROOT = Path(__file__).resolve().parent.parent
TRACE = "Traceback (most recent call last):\n  ...\n"


# --- classification --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "exception"), [
    ("a\nb\n", None),
    (f"x\n{TRACE}KeyError: 'a'\n", "KeyError"),
    (f"{TRACE}torch.cuda.OutOfMemoryError: CUDA out of memory\n", "torch.cuda.OutOfMemoryError"),
    (f"{TRACE}ValueError: first line\nsecond line of the message\n", "ValueError"),
    (f"{TRACE}KeyboardInterrupt\n", "KeyboardInterrupt"),
    (f"{TRACE}", None),  # a head and nothing else is not an exception
])
def test_final_exception_reads_the_last_traceback(text: str, exception: str | None) -> None:
    assert drift.final_exception(text) == exception


@pytest.mark.parametrize(("verifier", "actual", "expected", "status"), [
    (Status.PASSED, "a\n", "a\n", DriftStatus.SAME),
    (Status.FAILED, "b\n", "a\n", DriftStatus.CHANGED),
    # the recording raised, the other torch does not: the output changed, nothing new raised
    (Status.FAILED, "hasattr: True\n", f"hasattr: False\n{TRACE}ModuleNotFoundError: x\n", DriftStatus.CHANGED),
    # same exception, another message: changed
    (Status.FAILED, f"{TRACE}KeyError: 'b'\n", f"{TRACE}KeyError: 'a'\n", DriftStatus.CHANGED),
    # a traceback the recording lacks
    (Status.FAILED, f"{TRACE}AttributeError: no nn.Buffer\n", "nn.Buffer exists: True\n", DriftStatus.RAISES),
    # a different exception
    (Status.FAILED, f"{TRACE}TypeError: x\n", f"{TRACE}KeyError: 'x'\n", DriftStatus.RAISES),
    # passed against a per-version variant, yet differing from the page's .out: still changed
    (Status.PASSED, "b\n", "a\n", DriftStatus.CHANGED),
    (Status.SKIPPED, None, "a\n", DriftStatus.SKIPPED),
    (Status.SKIPPED, None, None, DriftStatus.SKIPPED),
    (Status.ERROR, None, "a\n", DriftStatus.ERROR),
    (Status.TIMEOUT, "partial\n", "a\n", DriftStatus.ERROR),
    (Status.CRASHED, "", "a\n", DriftStatus.ERROR),
    (Status.PASSED, "gpu\n", None, DriftStatus.RECORDED),
])
def test_classify(verifier: Status, actual: str | None, expected: str | None, status: DriftStatus) -> None:
    assert drift.classify(verifier, actual, expected) == status


# --- the committed results and their page --------------------------------------------------

def committed_results() -> DriftResults:
    results = load_results(ROOT)
    assert results is not None, "drift/results.json is missing"
    return results


def test_the_drift_page_is_rendered_from_the_committed_results_by_the_site() -> None:
    """docs/drift.md holds only the marker: the table is never a stale copy of the JSON."""
    page = (ROOT / "docs" / "drift.md").read_text(encoding="utf-8")
    assert drift_page.MARKER in page and "| --- |" not in page
    rendered = drift_page.render(committed_results(), {}, KOREAN)
    for snippet in committed_results().snippets:
        assert f"`{snippet.removeprefix('snippets/').removesuffix('.py')}`" in rendered


#: The torches the committed results must cover: the post's (1.13), the pin, and the newest
#: releases (2.15.0 is the newest on PyPI as of 2026-11-28; add the next one when it ships).
DRIFT_TORCHES = ["1.13.1", "2.13.0", "2.14.1", "2.15.0"]


def test_the_committed_results_cover_the_post_the_pin_and_the_newest_torch_from_real_runs() -> None:
    results = committed_results()
    releases = [env.release for env in results.environments]
    assert releases == DRIFT_TORCHES
    for env in results.environments:
        assert env.date and env.python and env.platform and "cpu" in env.devices
        assert sum(env.counts.values()) == len(results.snippets)
    for path, info in results.snippets.items():
        assert (ROOT / path).exists(), f"{path} is in drift/results.json but no longer exists"
        assert set(info.results) == {env.torch for env in results.environments}
        for result in info.results.values():
            assert bool(result.diff) == result.status.has_diff
    # On the pinned torch every claim is what the page shows (or skipped for a missing device).
    pinned = next(env.torch for env in results.environments if env.release == results.pinned_torch)
    assert {info.results[pinned].status for info in results.snippets.values()} <= {DriftStatus.SAME, DriftStatus.SKIPPED}


def test_the_quotation_is_checked_against_real_torch_1_13() -> None:
    """The quoted register_parameter checks all hold on 1.13.1, where the copied source is the one installed."""
    results = committed_results()
    old = next(env.torch for env in results.environments if env.release.startswith("1.13."))
    assert "+no difference" in results.snippets["snippets/quotes/register_parameter_diff.py"].results[old].diff
    checks = results.snippets["snippets/quotes/register_parameter_checks.py"].results[old].diff
    assert "+2  TypeError       same       same       not isinstance(name, torch._six.string_classes)" in checks


# --- an end-to-end run with this interpreter only ----------------------------------------

def small_project(tmp_path: Path) -> Path:
    """The verifier and four snippets: one same, one changed, one that now raises, one on a GPU."""
    project = copy_project(ROOT, tmp_path / "project", ("scripts", "requirements.txt"))
    topic = project / "snippets" / "t"
    topic.mkdir(parents=True)
    (topic / "same.py").write_text("print('ok')\n", encoding="utf-8")
    (topic / "same.out").write_text("ok\n", encoding="utf-8")
    (topic / "changed.py").write_text("print('new')\n", encoding="utf-8")
    (topic / "changed.out").write_text("old\n", encoding="utf-8")
    (topic / "raises.py").write_text("print('a')\nraise KeyError('gone')\n", encoding="utf-8")
    (topic / "raises.out").write_text("a\nb\n", encoding="utf-8")
    (topic / "gpu.py").write_text("# verify: device=cuda\nprint('gpu')\n", encoding="utf-8")
    return project


def test_the_drift_command_writes_results_and_devices_and_renders_nothing(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = small_project(tmp_path)
    assert drift.main(["--python", sys.executable, "--root", str(project)]) == 0
    printed = capsys.readouterr().out
    results = load_results(project)
    assert results is not None
    (key,) = [env.torch for env in results.environments]
    statuses = {path: info.results[key].status for path, info in results.snippets.items()}
    has_cuda = "cuda" in results.environments[0].devices
    assert statuses == {"snippets/t/same.py": DriftStatus.SAME, "snippets/t/changed.py": DriftStatus.CHANGED,
                        "snippets/t/raises.py": DriftStatus.RAISES,
                        "snippets/t/gpu.py": DriftStatus.RECORDED if has_cuda else DriftStatus.SKIPPED}
    assert "-old\n+new\n" in results.snippets["snippets/t/changed.py"].results[key].diff
    assert "t/changed" in printed and "drift: 4 snippets × 1 torch versions in" in printed
    assert ("snippets/t/gpu.py" in load_devices(project).recordings) == has_cuda
    assert not (project / ".verify").exists(), "the drift run must not touch the project's verifier cache"
    assert not (project / "docs").exists(), "drift produces results; the site renders them"
    # The site renders the page from those results, with the claim titled and linked from its page.
    claims = drift_page.claims_from_pages([("p.md", '```python title="같은 출력 | 표"\n--8<-- "snippets/t/same.py"\n```\n')])
    page = drift_page.render(results, claims, KOREAN)
    assert "[같은 출력 \\| 표](p.md)" in page and "{#t-changed-diff}" in page and "[다름](#t-changed-diff)" in page
    assert '<span id="t-same"></span>' in page, "every row is an anchor the output boxes link to"


def test_expectations_are_read_byte_for_byte(tmp_path: Path) -> None:
    """A recorded carriage return stays one: ``same``, never ``changed`` by universal newlines."""
    project = small_project(tmp_path)
    (project / "snippets/t/same.py").write_text("print('10%', end='\\r')\nprint('100%')\n", encoding="utf-8")
    (project / "snippets/t/same.out").write_bytes(b"10%\r100%\n")
    assert drift.shown_expectation(project, "snippets/t/same.py") == "10%\r100%\n"


# --- device recordings ------------------------------------------------------------------

def fake_run(torch: str, devices: tuple[str, ...], outputs: dict[str, str]) -> drift.Run:
    env = Environment(torch=torch, python="3.11.7", platform="Linux-x", machine="x86_64",
                      date="2026-11-27T00:00:00+00:00", verifier="2.0.0", devices=devices)
    entries = {path: Entry(path=path, status=Status.PASSED, output=out,
                           settings=drift_settings("cuda")) for path, out in outputs.items()}
    report = Report(environment=env, entries=tuple(entries.values()), fingerprint="f", pinned_torch="2.13.0")
    return drift.Run("python", report, 1.0, {"cuda": ("NVIDIA H100 80GB HBM3",)}, entries)


def drift_settings(device: str) -> Settings:
    return Settings(device=device)


def test_a_gpu_run_is_recorded_with_provenance_and_never_erased(tmp_path: Path) -> None:
    (tmp_path / "snippets" / "d").mkdir(parents=True)
    run = fake_run("2.13.0+cu130", ("cpu", "meta", "cuda"), {"snippets/d/g.py": "cuda\n"})
    devices, written = drift.merge_device_recordings(DeviceRecordings(), [run], "2.13.0", tmp_path)
    (record,) = devices.recordings["snippets/d/g.py"]
    assert record.device_name == "NVIDIA H100 80GB HBM3" and record.torch == "2.13.0+cu130"
    assert record.output_sha256 == hashlib.sha256(b"cuda\n").hexdigest()
    assert written == ["snippets/d/g.out"] and (tmp_path / "snippets/d/g.out").read_text() == "cuda\n"
    # A later run without a GPU keeps it; a run on another torch adds its own record.
    kept, _ = drift.merge_device_recordings(devices, [], "2.13.0", tmp_path)
    assert kept.recordings == devices.recordings
    other = fake_run("2.14.1+cu130", ("cpu", "meta", "cuda"), {"snippets/d/g.py": "cuda!\n"})
    both, written = drift.merge_device_recordings(devices, [other], "2.13.0", tmp_path)
    assert len(both.recordings["snippets/d/g.py"]) == 2 and written == []
    assert (tmp_path / "snippets/d/g.out").read_text() == "cuda\n", "only the pinned torch writes <name>.out"


# --- per-version expectations (needs a second torch) -------------------------------------

#: A Python with a torch other than the pinned one: $OTHER_TORCH_PYTHON, else the README's venv.
OTHER = os.environ.get("OTHER_TORCH_PYTHON") or str(ROOT / ".venvs" / "torch-2.14.1" / "bin" / "python")


def other_torch() -> str:
    if not Path(OTHER).exists():
        pytest.skip(f"no second torch at {OTHER} (set OTHER_TORCH_PYTHON); see README 'Drift across torch versions'")
    version = subprocess.run([OTHER, "-c", "import torch; print(torch.__version__.split('+')[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version == pinned_torch(ROOT / "requirements.txt"):
        pytest.skip(f"{OTHER} has the pinned torch {version}")
    return ".".join(version.split(".")[:2])


def verify_under(python: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "scripts/verify.py", *args], cwd=project, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


def test_another_torch_reads_its_variant_and_the_pinned_torch_its_out(tmp_path: Path) -> None:
    minor = other_torch()
    project = small_project(tmp_path)
    (project / f"snippets/t/changed.torch-{minor}.out").write_text("new\n", encoding="utf-8")
    other = verify_under(OTHER, project, "snippets/t/changed.py")
    assert other.returncode == 0, other.stdout + other.stderr
    pinned = verify_under(sys.executable, project, "snippets/t/changed.py")
    assert pinned.returncode == 1 and "snippets/t/changed.out" in pinned.stdout


def test_update_under_another_torch_writes_only_the_variant(tmp_path: Path) -> None:
    minor = other_torch()
    project = small_project(tmp_path)
    result = verify_under(OTHER, project, "--update", "snippets/t/changed.py", "snippets/t/same.py")
    assert result.returncode == 0, result.stdout + result.stderr
    variant = project / f"snippets/t/changed.torch-{minor}.out"
    assert variant.read_text(encoding="utf-8") == "new\n"
    assert (project / "snippets/t/changed.out").read_text(encoding="utf-8") == "old\n", "<name>.out is the pinned torch's"
    assert not (project / f"snippets/t/same.torch-{minor}.out").exists(), "an unchanged output needs no variant"


# --- the quotation ----------------------------------------------------------------------

QUOTES = ROOT / "snippets" / "_quotes" / "torch_1_13.py"
POST = ROOT / "docs" / "blog" / "posts" / "register-buffer-parameter.md"
#: Digests of the two quoted sections, taken when they were copied from the original post.
SECTION_SHA256 = {
    "register_module": "693d7c1c4833b851ca25906eb9ba0cc62008a50d3d12b9888ddaec88e7e83f13",
    "register_parameter": "e4c076a4dc54003661a5428aa54de24f7effe0a87614fe894aa349da89a6e7cf",
}


def quoted_section(name: str) -> str:
    lines = QUOTES.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[lines.index(f"# --8<-- [start:{name}]\n") + 1:lines.index(f"# --8<-- [end:{name}]\n")])


@pytest.mark.parametrize("name", SECTION_SHA256)
def test_the_quoted_code_is_still_the_original_byte_for_byte(name: str) -> None:
    section = quoted_section(name)
    assert hashlib.sha256(section.encode()).hexdigest() == SECTION_SHA256[name], \
        f"the quoted {name} changed; a quotation must stay as the 2022 post shows it"
    function = ast.parse(section).body[0]
    assert isinstance(function, ast.FunctionDef) and function.name == name
    assert f'--8<-- "snippets/_quotes/torch_1_13.py:{name}"' in POST.read_text(encoding="utf-8")


def test_the_quoted_register_parameter_keeps_its_telling_details() -> None:
    section = quoted_section("register_parameter")
    lines = section.splitlines()
    assert lines[0] == "def register_parameter(self, name: str, param: Optional[Parameter]) -> None:"
    assert lines[1] == '        r"""Adds a parameter to the module.', "the post's odd indentation is part of the quote"
    assert "        elif not isinstance(name, torch._six.string_classes):" in lines
    assert "module's :attr:`state_dict`." in section and lines[-1] == "            self._parameters[name] = param"
    assert quoted_section("register_module").splitlines() == [
        'def register_module(self, name : str, module : Optional["Module"]) -> None:',
        "    self.add_module(name, module)",
    ]
