"""The GitHub Actions workflows, checked here because nothing here can run them on GitHub.

What is checked: triggers, least-privilege permissions, that deploying depends on the job
that verifies and can happen only from `main`, that the published build gets its address
from GitHub Pages on `main` only, that the weekly drift job never deploys and
fails loudly while still uploading its report, that CI fails when the tests or the build
changed a tracked file, and that every step which installs, tests or builds runs exactly
the README's commands (one source of truth; `.ci/run` runs the same
test command).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from projects import Project
from verifier import __version__
from verifier.report import Entry, Environment, Report, Status, write

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
CONTAINER = "python:3.11-bookworm"
APT_PACKAGES = {"chromium", "fonts-nanum"}
MAIN_ONLY = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
_PIP_VERBOSITY = {"-q", "-qq", "-qqq", "--quiet", "-v", "--verbose"}


# --------------------------------------------------------------------------- the README


def _readme_commands() -> tuple[str, str]:
    """The two fenced ``sh`` commands of the README's set-up section: (serve, test)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = re.search(r"^## Set-up.*?(?=^## )", readme, re.S | re.M)
    assert setup, "README has no '## Set-up' section"
    blocks = re.findall(r"^```sh\n(.*?)^```", setup.group(0), re.S | re.M)
    assert len(blocks) == 2, f"README's set-up should hold exactly two sh commands, found {blocks}"
    commands = [block.strip() for block in blocks]
    assert all("\n" not in c for c in commands), "each README command must stay one line"
    return commands[0], commands[1]


SERVE, TEST = _readme_commands()
INSTALL = SERVE.split(" && ")[0]          # `pip install -r requirements.txt`
BUILD = "python scripts/build.py"


def _torch_cpu_line() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"`(pip install torch==\S+ --index-url https://download\.pytorch\.org/whl/cpu)`", readme)
    assert len(set(found)) == 1, f"README should name one CPU torch install line, found {found}"
    return found[0]


TORCH_CPU = _torch_cpu_line()


def test_readme_commands_are_the_expected_shape() -> None:
    assert SERVE == "pip install -r requirements.txt && mkdocs serve"
    assert TEST.startswith("pip install -r requirements-test.txt && ") and TEST.endswith("python -m pytest")
    assert f"`{BUILD}`" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_torch_line_installs_the_pinned_torch() -> None:
    pins = re.findall(r"^torch==(\S+)$", (ROOT / "requirements.txt").read_text(encoding="utf-8"), re.M)
    assert pins and f"pip install torch=={pins[0]} --index-url https://download.pytorch.org/whl/cpu" == TORCH_CPU


def test_ci_run_runs_the_readme_test_command_and_installs_the_same_apt_packages() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # Verbatim but for pip's output verbosity (`pip install -q`), which changes no outcome.
    lines = [" ".join(w for w in line.split() if w not in _PIP_VERBOSITY) for line in script.splitlines()]
    assert TEST in lines, f".ci/run must run the README's test command: {TEST!r}"
    assert _apt_packages(script) == APT_PACKAGES


# --------------------------------------------------------------------------- parsing


def _load(name: str) -> dict:
    path = WORKFLOWS / name
    assert path.is_file(), f"missing {path.relative_to(ROOT)}"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(workflow, dict)
    # YAML 1.1 reads the bare key `on` as the boolean True.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


@pytest.fixture(scope="module")
def ci() -> dict:
    return _load("ci.yml")


@pytest.fixture(scope="module")
def drift() -> dict:
    return _load("drift.yml")


def _triggers(workflow: dict) -> dict:
    on = workflow["on"]
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on)


def _runs(job: dict) -> list[str]:
    """Every shell command of a job's steps, one per line (continuations joined)."""
    commands = []
    for step in job.get("steps", []):
        for line in step.get("run", "").replace("\\\n", " ").splitlines():
            if line.strip() and not line.strip().startswith("#"):
                commands.append(line.strip())
    return commands


def _run_step(job: dict, predicate) -> list[dict]:
    return [step for step in job.get("steps", []) if "run" in step and predicate(step["run"])]


def _uses(job: dict, action: str) -> list[dict]:
    return [step for step in job.get("steps", []) if step.get("uses", "").split("@")[0] == action]


def _index(job: dict, step: dict) -> int:
    return next(i for i, s in enumerate(job["steps"]) if s is step)


def _apt_packages(text: str) -> set[str]:
    packages: set[str] = set()
    for line in text.splitlines():
        if "apt-get install" in line:
            words = shlex.split(line.split("apt-get install", 1)[1].split(">")[0])
            packages |= {w for w in words if not w.startswith("-")}
    return packages


def _all_workflows() -> list[str]:
    return sorted(p.name for p in WORKFLOWS.glob("*.y*ml"))


# --------------------------------------------------------------------------- every workflow


def test_the_workflows_are_the_expected_ones() -> None:
    assert _all_workflows() == ["ci.yml", "drift.yml"]


@pytest.mark.parametrize("name", _all_workflows())
def test_workflow_basics(name: str) -> None:
    workflow = _load(name)
    # Least privilege by default: nothing but reading the repository at the top level.
    assert workflow.get("permissions") == {"contents": "read"}, f"{name}: top-level permissions"
    assert workflow.get("defaults", {}).get("run", {}).get("shell") == "bash", \
        f"{name}: `shell: bash` gives run steps -o pipefail"
    for job_id, job in workflow["jobs"].items():
        if any("run" in step for step in job.get("steps", [])):
            assert job.get("container") == CONTAINER, f"{name}:{job_id} runs commands outside Debian"
        for step in job.get("steps", []):
            assert not step.get("continue-on-error"), f"{name}:{job_id}: {step} hides a failure"
            if "uses" in step:
                assert re.fullmatch(r"actions/[\w-]+@v\d+", step["uses"]), f"{name}:{job_id}: {step['uses']}"
        assert not job.get("continue-on-error"), f"{name}:{job_id} hides a failure"
        perms = job.get("permissions", {})
        # A job widens the top level's rights only for Pages: to deploy (write), or to read
        # the site's address with actions/configure-pages (read, and reading the repository).
        if perms == {"contents": "read", "pages": "read"}:
            assert _uses(job, "actions/configure-pages"), f"{name}:{job_id} reads Pages settings without needing them"
        elif perms:
            assert perms == {"pages": "write", "id-token": "write"}, f"{name}:{job_id}: {perms}"
            assert _uses(job, "actions/deploy-pages"), f"{name}:{job_id} asks for Pages rights without deploying"


@pytest.mark.parametrize("name", _all_workflows())
def test_install_and_build_steps_use_the_readme_commands(name: str) -> None:
    workflow = _load(name)
    extra = {"pip install --upgrade torch --index-url https://download.pytorch.org/whl/cpu"} if name == "drift.yml" else set()
    for job_id, job in workflow["jobs"].items():
        for command in _runs(job):
            if command.startswith("pip ") or " pip install" in command:
                assert command in {TORCH_CPU, INSTALL, TEST} | extra, f"{name}:{job_id}: {command!r} is not a README command"
            if "pytest" in command:
                assert command == TEST, f"{name}:{job_id}: {command!r} is not the README's test command"
            if command.startswith("mkdocs") or " mkdocs " in command:
                assert command == BUILD, f"{name}:{job_id}: {command!r}"
            if "apt-get install" in command:
                assert _apt_packages(command) == APT_PACKAGES
        installs = [c for c in _runs(job) if c in (TORCH_CPU, INSTALL, TEST)]
        if installs:
            # The CPU wheel first: otherwise requirements.txt would fetch torch's CUDA build.
            assert installs[0] == TORCH_CPU, f"{name}:{job_id}: CPU torch must be installed first"


@pytest.mark.parametrize("name", _all_workflows())
def test_pip_downloads_are_cached(name: str) -> None:
    workflow = _load(name)
    for job_id, job in workflow["jobs"].items():
        if not any("pip install" in c for c in _runs(job)):
            continue
        caches = [c for c in _uses(job, "actions/cache") if c["with"]["path"] == job["env"].get("PIP_CACHE_DIR")]
        assert len(caches) == 1, f"{name}:{job_id} has no pip cache"
        assert caches[0]["with"]["path"] == job["env"]["PIP_CACHE_DIR"]
        assert "hashFiles('requirements.txt'" in caches[0]["with"]["key"]
        first_pip = next(i for i, s in enumerate(job["steps"]) if "pip install" in s.get("run", ""))
        assert _index(job, caches[0]) < first_pip


# --------------------------------------------------------------------------- ci.yml


def test_ci_runs_on_pull_requests_and_pushes(ci: dict) -> None:
    assert {"pull_request", "push"} <= set(_triggers(ci))
    assert "schedule" not in _triggers(ci)


def test_ci_verification_job_runs_tests_then_strict_build(ci: dict) -> None:
    job = ci["jobs"]["verify"]
    assert job["env"]["CI"] == "true", "so the browser suite fails rather than skips without chromium"
    commands = _runs(job)
    for command in (TORCH_CPU, INSTALL, TEST, BUILD):
        assert command in commands, f"verify job lacks {command!r}"
    assert commands.index(TORCH_CPU) < commands.index(INSTALL) < commands.index(TEST) < commands.index(BUILD)
    assert _apt_packages("\n".join(commands)) == APT_PACKAGES
    for step in job["steps"]:
        assert "if" not in step or step.get("uses", "").split("@")[0] in {
            "actions/upload-artifact", "actions/upload-pages-artifact", "actions/configure-pages"}, f"conditional step {step}"


def test_ci_fails_when_a_tracked_file_changed_during_tests_or_build(ci: dict, tmp_path: Path) -> None:
    """A step after the build runs `git status --porcelain` and fails, printing what changed; run here as written."""
    job = ci["jobs"]["verify"]
    (check,) = _run_step(job, lambda run: "git status --porcelain" in run)
    build = _run_step(job, lambda run: run.strip() == BUILD)[0]
    assert _index(job, build) < _index(job, check)
    assert "if" not in check, "it must run (and fail the job) like any other step"
    (upload,) = _uses(job, "actions/upload-pages-artifact")
    assert _index(job, check) < _index(job, upload), "a changed repository must not be deployed"

    repo = tmp_path / "repo"
    (repo / "snippets").mkdir(parents=True)
    (repo / "snippets" / "x.out").write_text("recorded\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    env = {**os.environ, "HOME": str(tmp_path)}  # `git config --global` writes here, not to this machine's config
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([*git, *command], cwd=repo, env=env, check=True, capture_output=True)

    def run_step() -> subprocess.CompletedProcess[str]:
        # GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]], cwd=repo,
                              env=env, capture_output=True, text=True, timeout=60)

    (repo / "site").mkdir()
    (repo / "site" / "index.html").write_text("built, untracked\n")
    clean = run_step()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (repo / "snippets" / "x.out").write_text("rewritten by a snippet\n")
    dirty = run_step()
    assert dirty.returncode == 1
    assert "::error::tracked files changed" in dirty.stdout and " M snippets/x.out" in dirty.stdout


VERIFY_CACHE = ".verify/cache.json"
#: The cache key's scope: `main` only for pushes to main, the runs that deploy.
SCOPE = "${{ " + MAIN_ONLY + " && 'main' || 'branch' }}"


def _verification_cache(ci: dict) -> dict:
    caches = [c for c in _uses(ci["jobs"]["verify"], "actions/cache") if c["with"]["path"] == VERIFY_CACHE]
    assert len(caches) == 1, f"the verify job should cache {VERIFY_CACHE} once"
    return caches[0]


def test_ci_restores_verification_results_before_anything_verifies(ci: dict) -> None:
    job = ci["jobs"]["verify"]
    cache = _verification_cache(ci)
    first_verify = min(i for i, s in enumerate(job["steps"]) if s.get("run", "").strip() in (TEST, BUILD))
    assert _index(job, cache) < first_verify
    # The key changes with everything that can change a result, so each new state is saved.
    key = cache["with"]["key"]
    for inputs in ("'requirements.txt'", "'scripts/verify.py'", "'scripts/verifier/**'", "'snippets/**'"):
        assert inputs in key, f"the key ignores {inputs}"
    assert "py3.11" in key and CONTAINER.startswith("python:3.11")


def _runs_as_main(event: str, ref: str) -> bool:
    """The workflow's ``MAIN_ONLY`` condition, evaluated for a run of ``event`` on ``ref``."""
    clauses = dict(re.findall(r"github\.(\w+) == '([^']*)'", MAIN_ONLY))
    assert " && ".join(f"github.{name} == '{value}'" for name, value in clauses.items()) == MAIN_ONLY, \
        "MAIN_ONLY is no longer a conjunction of equalities: evaluate it another way"
    return clauses == {"event_name": event, "ref": ref}


@pytest.mark.parametrize(("event", "ref"), [
    ("push", "refs/heads/main"), ("pull_request", "refs/pull/7/merge"), ("push", "refs/heads/feature"),
    ("pull_request", "refs/heads/main"),
])
def test_ci_main_never_restores_what_a_pull_request_saved(ci: dict, event: str, ref: str) -> None:
    """The keys a run writes and may restore, with the workflow's own expressions evaluated."""
    cache = _verification_cache(ci)
    assert cache["with"]["key"].startswith(f"verify-{SCOPE}-")
    scope = "main" if _runs_as_main(event, ref) else "branch"  # SCOPE: MAIN_ONLY && 'main' || 'branch'
    written = f"verify-{scope}-"
    restored = [line.strip().replace(SCOPE, scope) for line in cache["with"]["restore-keys"].splitlines() if line.strip()]
    assert all("${{" not in prefix for prefix in restored), restored
    if event == "push" and ref == "refs/heads/main":
        assert written == "verify-main-" and all(prefix.startswith("verify-main-") for prefix in restored), \
            "main restores only what main saved"
    else:
        assert written == "verify-branch-" and "verify-main-py3.11-" in restored


def test_a_restored_cache_never_makes_a_changed_expectation_pass(tmp_path: Path) -> None:
    """What CI does across runs: a fresh checkout elsewhere gets the cache of a run in which the
    snippet passed; its results are reused while nothing changed, and an edited .out runs again."""
    earlier, later = Project(tmp_path / "earlier"), Project(tmp_path / "later")
    for project in (earlier, later):
        project.snippet("t/claim", 'print("claim")\n', "claim\n")
    assert earlier.verify().rc == 0
    (later.root / ".verify").mkdir()
    shutil.copy(earlier.root / VERIFY_CACHE, later.root / VERIFY_CACHE)
    reused = later.verify()
    assert reused.rc == 0 and reused.entry("snippets/t/claim.py").cached, reused.stdout
    later.write("snippets/t/claim.out", "what the page would claim\n")
    changed = later.verify()
    assert changed.rc == 1, changed.stdout
    assert changed.entry("snippets/t/claim.py").status is Status.FAILED and not changed.entry("snippets/t/claim.py").cached


def test_ci_uploads_screenshots_even_when_tests_fail(ci: dict) -> None:
    uploads = _uses(ci["jobs"]["verify"], "actions/upload-artifact")
    assert len(uploads) == 1
    assert uploads[0]["if"] == "always()"
    assert uploads[0]["with"]["path"].rstrip("/") == "artifacts"


def test_ci_deploys_only_from_main_after_verification(ci: dict) -> None:
    jobs = ci["jobs"]
    verify = jobs["verify"]
    # The Pages artifact is the site this job just built, uploaded only if every step
    # before it succeeded (an `if:` without a status function implies success()).
    (upload,) = _uses(verify, "actions/upload-pages-artifact")
    assert upload["if"] == MAIN_ONLY
    assert not re.search(r"always\(\)|failure\(\)|cancelled\(\)", upload["if"])
    assert upload["with"]["path"].rstrip("/") == "site"
    build = _run_step(verify, lambda run: run.strip() == BUILD)[0]
    test = _run_step(verify, lambda run: run.strip() == TEST)[0]
    assert _index(verify, test) < _index(verify, upload) and _index(verify, build) < _index(verify, upload)

    deployers = [job_id for job_id, job in jobs.items() if _uses(job, "actions/deploy-pages")]
    assert deployers == ["deploy"]
    deploy = jobs["deploy"]
    needs = deploy["needs"] if isinstance(deploy["needs"], list) else [deploy["needs"]]
    assert "verify" in needs
    assert deploy["if"] == MAIN_ONLY
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["group"] and deploy["concurrency"]["cancel-in-progress"] is False
    assert not any("run" in step for step in deploy["steps"])
    # No other job may write anything.
    for job_id, job in jobs.items():
        if job_id != "deploy":
            assert "write" not in job.get("permissions", {}).values(), f"{job_id} may write"


def test_ci_builds_for_the_pages_address_on_main_only(ci: dict) -> None:
    """SITE_URL comes from actions/configure-pages, which runs only on pushes to main."""
    verify = ci["jobs"]["verify"]
    (pages,) = _uses(verify, "actions/configure-pages")
    assert pages["id"] == "pages" and pages["if"] == MAIN_ONLY
    # It fails where Pages is off; enabling Pages from a workflow would need admin rights.
    assert str(pages.get("with", {}).get("enablement", "false")).lower() == "false"
    assert verify["permissions"] == {"contents": "read", "pages": "read"}
    (build,) = _run_step(verify, lambda run: run.strip() == BUILD)
    test = _run_step(verify, lambda run: run.strip() == TEST)[0]
    assert _index(verify, test) < _index(verify, pages) < _index(verify, build)
    assert build["env"] == {"SITE_URL": "${{ steps.pages.outputs.base_url }}",
                            "REPO_URL": "${{ github.server_url }}/${{ github.repository }}"}
    # Only the build sees them: the tests build their own sites, with and without.
    for step in verify["steps"]:
        if step is not build:
            assert not {"SITE_URL", "REPO_URL"} & set(step.get("env", {})), step
    assert not {"SITE_URL", "REPO_URL"} & set(verify.get("env", {})) | set(ci.get("env", {}))
    # mkdocs.yml reads exactly these variables, with no address of its own to fall back on.
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^site_url: !ENV \[SITE_URL, null\]$", config, re.M)
    assert re.search(r"^repo_url: !ENV \[REPO_URL, null\]$", config, re.M)
    # And the README says why the verify job may read Pages settings.
    assert "`pages: read`" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_main_runs_queue_so_an_older_commit_never_deploys_last(ci: dict) -> None:
    concurrency = ci["concurrency"]
    assert "github.ref" in concurrency["group"]
    assert concurrency["cancel-in-progress"] == "${{ github.ref != 'refs/heads/main' }}"


# --------------------------------------------------------------------------- drift.yml


def test_drift_runs_weekly_and_on_demand_only(drift: dict) -> None:
    triggers = _triggers(drift)
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (schedule,) = triggers["schedule"]
    _minute, _hour, day, month, weekday = schedule["cron"].split()
    assert day == "*" and month == "*" and weekday not in ("*", ""), "once a week"


def test_drift_installs_the_newest_torch_over_the_pin_and_never_deploys(drift: dict) -> None:
    (job,) = drift["jobs"].values()
    commands = _runs(job)
    upgrade = "pip install --upgrade torch --index-url https://download.pytorch.org/whl/cpu"
    assert commands.index(TORCH_CPU) < commands.index(INSTALL) < commands.index(upgrade)
    text = (WORKFLOWS / "drift.yml").read_text(encoding="utf-8")
    for forbidden in ("deploy-pages", "upload-pages-artifact", "pages: write", "id-token", "gh-deploy", "mkdocs"):
        assert forbidden not in text, f"drift.yml mentions {forbidden!r}: it must never deploy"


def test_drift_fails_loudly_but_uploads_its_report_first(drift: dict) -> None:
    (job,) = drift["jobs"].values()
    (verify,) = _run_step(job, lambda run: "scripts/verify.py" in run)
    command = verify["run"].strip()
    assert command.startswith("python scripts/verify.py --no-cache --report drift-report.json")
    tee = re.search(r"\|\s*tee\s+(\S+)$", command)
    assert tee, "the verifier's output (the diffs) is kept in a file"
    # Its exit status is the job's: no `if`, no continue-on-error, and pipefail (shell: bash)
    # so `| tee` does not swallow it.
    assert "if" not in verify and "continue-on-error" not in verify
    assert verify.get("shell", drift["defaults"]["run"]["shell"]) == "bash"
    (upload,) = _uses(job, "actions/upload-artifact")
    assert upload["if"] == "always()"
    assert _index(job, verify) < _index(job, upload)
    paths = upload["with"]["path"].split()
    assert "drift-report.json" in paths and tee.group(1) in paths
    # Steps between the verifier and the upload run even after a failure.
    for step in job["steps"][_index(job, verify) + 1:_index(job, upload)]:
        assert step.get("if") == "always()", f"{step.get('name')} would stop the report's upload"


def test_drift_summary_reads_the_report_through_its_contract(drift: dict, tmp_path: Path) -> None:
    """The summary step runs as written: a failed snippet becomes an annotation and a section."""
    (job,) = drift["jobs"].values()
    (step,) = [s for s in job["steps"] if s.get("name") == "Summarize the drift"]
    env = Environment(torch="2.15.0", python="3.11.7", platform="Linux", machine="x86_64",
                      date="2026-11-28T00:00:00+00:00", verifier=__version__, devices=("cpu", "meta"))
    failed = Entry(path="snippets/a/b.py", status=Status.FAILED, message="output differs", diff="-old\n+new\n")
    write(tmp_path / "drift-report.json", Report(environment=env, entries=(failed,), fingerprint="f", pinned_torch="2.13.0"))
    summary = tmp_path / "summary.md"
    result = subprocess.run(["bash", "-c", step["run"]], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 0, result.stderr
    assert "::error file=snippets/a/b.py::failed: output differs" in result.stdout
    text = summary.read_text(encoding="utf-8")
    assert "## Snippets against torch 2.15.0 (pinned: 2.13.0)" in text and "0 passed, 1 failed, 0 skipped" in text
    assert "-old\n+new" in text
