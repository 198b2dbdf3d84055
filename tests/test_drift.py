"""Drift across torch versions: classification, the committed results and page, devices, quotes.

The heavy part (other torch installs) is not needed here: classification and rendering are
pure functions, the committed ``drift/results.json`` and ``docs/drift.md`` are compared
with each other, and one end-to-end run uses only the interpreter running the tests. The
per-version expectation tests need a second torch; they use ``OTHER_TORCH_PYTHON``
(default: the torch 2.14.1 virtual environment the README describes) and are skipped
where it does not exist, as in CI.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import drift  # noqa: E402
import pages  # noqa: E402

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
def test_final_exception_reads_the_traceback_that_ends_the_output(text: str, exception: str | None) -> None:
    assert drift.final_exception(text) == exception


@pytest.mark.parametrize(("verifier", "actual", "expected", "status"), [
    ("passed", "a\n", "a\n", "same"),
    ("failed", "b\n", "a\n", "changed"),
    # the recording raised, the other torch does not: the output changed, nothing new raised
    ("failed", "hasattr: True\n", f"hasattr: False\n{TRACE}ModuleNotFoundError: x\n", "changed"),
    # same exception, another message: changed
    ("failed", f"{TRACE}KeyError: 'b'\n", f"{TRACE}KeyError: 'a'\n", "changed"),
    # a traceback the recording lacks
    ("failed", f"{TRACE}AttributeError: no nn.Buffer\n", "nn.Buffer exists: True\n", "raises"),
    # a different exception
    ("failed", f"{TRACE}TypeError: x\n", f"{TRACE}KeyError: 'x'\n", "raises"),
    # passed against a per-version variant, yet differing from the page's .out: still changed
    ("passed", "b\n", "a\n", "changed"),
    ("skipped", None, "a\n", "skipped"),
    ("skipped", None, None, "skipped"),
    ("error", None, "a\n", "error"),
    ("timeout", "partial\n", "a\n", "error"),
    ("crashed", "", "a\n", "error"),
    ("passed", "gpu\n", None, "recorded"),
])
def test_classify(verifier: str, actual: str | None, expected: str | None, status: str) -> None:
    assert drift.classify(verifier, actual, expected) == status


# --- the committed results and page ------------------------------------------------------

def committed_results() -> dict:
    return json.loads((ROOT / drift.RESULTS).read_text(encoding="utf-8"))


def test_the_drift_page_is_generated_from_the_committed_results() -> None:
    """They cannot disagree: the page is exactly what the JSON renders to."""
    assert (ROOT / drift.PAGE).read_text(encoding="utf-8") == drift.render_page(committed_results()), \
        "docs/drift.md is stale: run `python scripts/drift.py --render-only` (or the full drift command)"


def test_the_committed_results_cover_the_three_torch_versions_from_real_runs() -> None:
    results = committed_results()
    releases = [env["torch"].split("+")[0] for env in results["environments"]]
    assert releases == ["1.13.1", "2.13.0", "2.14.1"]
    for env in results["environments"]:
        assert env["date"] and env["python"] and env["platform"] and "cpu" in env["devices"]
        assert sum(env["counts"].values()) == len(results["snippets"])
    for path, info in results["snippets"].items():
        assert (ROOT / path).exists(), f"{path} is in drift/results.json but no longer exists"
        assert set(info["results"]) == {env["torch"] for env in results["environments"]}
        for result in info["results"].values():
            assert result["status"] in drift.STATUSES
            assert ("diff" in result) == (result["status"] in ("changed", "raises"))
    # On the pinned torch every claim is what the page shows (or skipped for a missing device).
    pinned = next(env["torch"] for env in results["environments"] if env["torch"].startswith(results["pinned_torch"]))
    assert {info["results"][pinned]["status"] for info in results["snippets"].values()} <= {"same", "skipped"}


def test_the_quotation_is_checked_against_real_torch_1_13() -> None:
    """The quoted register_parameter is 1.13.1's own source; the checks there are all `same`."""
    results = committed_results()["snippets"]
    old = next(env for env in committed_results()["environments"] if env["torch"].startswith("1.13."))["torch"]
    assert "+차이 없음" in results["snippets/quotes/register_parameter_diff.py"]["results"][old]["diff"]
    checks = results["snippets/quotes/register_parameter_checks.py"]["results"][old]["diff"]
    assert "+2  TypeError       same       same       not isinstance(name, torch._six.string_classes)" in checks


# --- an end-to-end run with this interpreter only ----------------------------------------

def small_project(tmp_path: Path) -> Path:
    """scripts/, requirements.txt and three snippets: one same, one changed, one that now raises."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "scripts", project / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "requirements.txt", project / "requirements.txt")
    topic = project / "snippets" / "t"
    topic.mkdir(parents=True)
    (topic / "same.py").write_text("print('ok')\n", encoding="utf-8")
    (topic / "same.out").write_text("ok\n", encoding="utf-8")
    (topic / "changed.py").write_text("print('new')\n", encoding="utf-8")
    (topic / "changed.out").write_text("old\n", encoding="utf-8")
    (topic / "raises.py").write_text("print('a')\nraise KeyError('gone')\n", encoding="utf-8")
    (topic / "raises.out").write_text("a\nb\n", encoding="utf-8")
    (topic / "gpu.py").write_text("# verify: device=cuda\nprint('gpu')\n", encoding="utf-8")
    (project / "docs").mkdir()
    (project / "docs" / "p.md").write_text('```python title="같은 출력 | 표"\n--8<-- "snippets/t/same.py"\n```\n',
                                           encoding="utf-8")
    return project


def test_the_drift_command_writes_results_page_and_devices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = small_project(tmp_path)
    assert drift.main(["--python", sys.executable, "--root", str(project)]) == 0
    printed = capsys.readouterr().out
    results = json.loads((project / drift.RESULTS).read_text(encoding="utf-8"))
    (key,) = [env["torch"] for env in results["environments"]]
    statuses = {path: info["results"][key]["status"] for path, info in results["snippets"].items()}
    has_cuda = "cuda" in results["environments"][0]["devices"]
    assert statuses == {"snippets/t/same.py": "same", "snippets/t/changed.py": "changed",
                        "snippets/t/raises.py": "raises",
                        "snippets/t/gpu.py": "recorded" if has_cuda else "skipped"}
    assert results["snippets"]["snippets/t/same.py"]["title"] == "같은 출력 | 표"
    assert "-old\n+new\n" in results["snippets"]["snippets/t/changed.py"]["results"][key]["diff"]
    page = (project / drift.PAGE).read_text(encoding="utf-8")
    assert page == drift.render_page(results)
    assert "[같은 출력 \\| 표](p.md)" in page and "{#t-changed}" in page and "[다름](#t-changed)" in page
    assert "t/changed" in printed and "drift: 4 snippets × 1 torch versions in" in printed
    recordings = json.loads((project / drift.DEVICES).read_text(encoding="utf-8"))["recordings"]
    assert ("snippets/t/gpu.py" in recordings) == has_cuda
    assert not (project / ".verify").exists(), "the drift run must not touch the project's verifier cache"


# --- device recordings ------------------------------------------------------------------

def fake_run(torch: str, devices: list[str], outputs: dict[str, str]) -> drift.Run:
    env = {"torch": torch, "python": "3.11.7", "platform": "Linux-x", "machine": "x86_64",
           "date": "2026-11-27T00:00:00+00:00", "devices": devices}
    entries = {path: {"path": path, "status": "passed", "output": out, "settings": {"device": "cuda"}}
               for path, out in outputs.items()}
    return drift.Run("python", {"environment": env, "snippets": list(entries.values())}, 1.0,
                     {"cuda": ["NVIDIA H100 80GB HBM3"]}, entries)


def test_a_gpu_run_is_recorded_with_provenance_and_never_erased(tmp_path: Path) -> None:
    (tmp_path / "snippets" / "d").mkdir(parents=True)
    run = fake_run("2.13.0+cu130", ["cpu", "meta", "cuda"], {"snippets/d/g.py": "cuda\n"})
    devices, written = drift.merge_device_recordings({}, [run], "2.13.0", tmp_path)
    (record,) = devices["recordings"]["snippets/d/g.py"]
    assert record["device_name"] == "NVIDIA H100 80GB HBM3" and record["torch"] == "2.13.0+cu130"
    assert record["output_sha256"] == hashlib.sha256(b"cuda\n").hexdigest()
    assert written == ["snippets/d/g.out"] and (tmp_path / "snippets/d/g.out").read_text() == "cuda\n"
    # A later run without a GPU keeps it; a run on another torch adds its own record.
    kept, _ = drift.merge_device_recordings(devices, [], "2.13.0", tmp_path)
    assert kept["recordings"] == devices["recordings"]
    other = fake_run("2.14.1+cu130", ["cpu", "meta", "cuda"], {"snippets/d/g.py": "cuda!\n"})
    both, written = drift.merge_device_recordings(devices, [other], "2.13.0", tmp_path)
    assert len(both["recordings"]["snippets/d/g.py"]) == 2 and written == []
    assert (tmp_path / "snippets/d/g.out").read_text() == "cuda\n", "only the pinned torch writes <name>.out"


SKIPPED = {"path": "snippets/d/g.py", "status": "skipped", "settings": {"device": "cuda"},
           "message": "needs device 'cuda', which this machine does not have (available: cpu, meta)",
           "output": "", "recorded": False, "expected_sha256": None}
DRIFT = {"date": "2026-11-27T00:00:00+00:00",
         "environments": [{"torch": v, "devices": ["cpu", "meta"]} for v in ("1.13.1+cu117", "2.13.0+cpu", "2.14.1+cu130")],
         "snippets": {"snippets/d/g.py": {"results": {v: {"status": "skipped"} for v in ("1.13.1+cu117", "2.13.0+cpu", "2.14.1+cu130")}},
                      "snippets/a/b.py": {"expected_sha256": "e1", "results": {
                          "1.13.1+cu117": {"status": "changed"}, "2.13.0+cpu": {"status": "same"},
                          "2.14.1+cu130": {"status": "same"}}}}}


def test_a_skipped_device_snippet_without_a_recording_says_so_plainly() -> None:
    html = pages.render_output(SKIPPED, "../v/", DRIFT, "../drift/", {"recordings": {}})
    assert "<pre>" not in html, "no empty output block pretending to be a recording"
    assert "아직 cuda에서 실행해 기록한 출력이 없습니다" in html
    assert "1.13.1, 2.13.0, 2.14.1" in html and "GPU" in html
    assert 'href="../drift/#d-g"' in html


def test_a_skipped_device_snippet_shows_its_recording_with_provenance() -> None:
    entry = {**SKIPPED, "output": "cuda\n", "recorded": True, "expected_sha256": hashlib.sha256(b"cuda\n").hexdigest()}
    record = {"device": "cuda", "device_name": "NVIDIA H100 80GB HBM3", "torch": "2.13.0+cu130", "python": "3.11.7",
              "date": "2026-11-20T00:00:00+00:00", "output": "cuda\n", "output_sha256": entry["expected_sha256"]}
    html = pages.render_output(entry, "../v/", DRIFT, "../drift/", {"recordings": {"snippets/d/g.py": [record]}})
    assert "<code>cuda\n</code>" in html and "NVIDIA H100 80GB HBM3 · torch 2.13.0+cu130" in html
    assert "2026-11-20 기록" in html
    # A recording whose provenance is unknown (no matching record) says that too.
    html = pages.render_output(entry, "../v/", DRIFT, "../drift/", {"recordings": {}})
    assert "<code>cuda\n</code>" in html and "남아 있지 않습니다" in html


def test_each_verified_output_says_what_other_torch_versions_said() -> None:
    entry = {"path": "snippets/a/b.py", "status": "passed", "message": "", "output": "x\n", "expected_sha256": "e1",
             "verified": {"torch": "2.13.0+cpu", "python": "3.11.7", "device": "cpu", "machine": "x86_64",
                          "date": "2026-11-27T00:00:00+00:00"}}
    html = pages.render_output(entry, "../v/", DRIFT, "../drift/")
    assert "다른 torch: 1.13.1 다름 · 2.14.1 같음" in html and "2026-11-27 drift" in html
    assert "2.13.0 같음" not in html, "the build's own torch is the line above, not a drift result"
    assert "다시 확인해야" in pages.render_output({**entry, "expected_sha256": "e2"}, "../v/", DRIFT, "../drift/")
    new = pages.render_output({**entry, "path": "snippets/a/new.py"}, "../v/", DRIFT, "../drift/")
    assert "아직 확인하지 않았습니다" in new
    assert "drift" not in pages.render_output(entry, "../v/"), "no drift results, no drift line"


# --- per-version expectations (needs a second torch) -------------------------------------

#: A Python with a torch other than the pinned one: $OTHER_TORCH_PYTHON, else the README's venv.
OTHER = os.environ.get("OTHER_TORCH_PYTHON") or str(ROOT / ".venvs" / "torch-2.14.1" / "bin" / "python")


def other_torch() -> str:
    if not Path(OTHER).exists():
        pytest.skip(f"no second torch at {OTHER} (set OTHER_TORCH_PYTHON); see README 'Drift across torch versions'")
    version = subprocess.run([OTHER, "-c", "import torch; print(torch.__version__.split('+')[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version == drift.pinned_torch(ROOT / "requirements.txt"):
        pytest.skip(f"{OTHER} has the pinned torch {version}")
    return ".".join(version.split(".")[:2])


def verify_under(python: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "scripts/verify.py", *args], cwd=project, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


def test_another_torch_reads_its_variant_and_the_pinned_torch_its_out(tmp_path: Path) -> None:
    minor = other_torch()
    project = small_project(tmp_path)
    (project / "snippets/t/changed.torch-{}.out".format(minor)).write_text("new\n", encoding="utf-8")
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
