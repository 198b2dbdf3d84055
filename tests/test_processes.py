"""Nothing a run starts outlives it: signals, the death of the verifier's parent, a bound on the whole run.

Each test starts ``python scripts/verify.py`` (or the supervisor alone) as a separate
process, lets a snippet start processes that try to outlive it (in their own session,
as a daemon would), and checks that every one of them is gone when the verifier is.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from projects import ROOT, Project, alive
from verifier import server
from verifier.options import EXIT_OVERTIME
from verifier.report import Ending, Status
from verifier.runner import Job, Outcome
from verifier.snippets import Settings
from verifier.supervise import PER_RUN_S, SLACK_S, run_bound

#: A snippet that records its pid, starts a grandchild in a new session that records its
#: own pid (and would write ``later`` after 2 s), then waits for a long time.
LINGERING = """\
# verify: timeout=60
import os
import time
from pathlib import Path

pids = Path({pids!r})
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open(pids, "a") as out:
            out.write(f"{{os.getpid()}}\\n")
        time.sleep(2)
        Path({later!r}).write_text("outlived the run")
    os._exit(0)
os.wait()
with open(pids, "a") as out:
    out.write(f"{{os.getpid()}}\\n")
time.sleep(50)
"""


def _lingering(tmp_path: Path) -> tuple[Project, Path, Path]:
    project = Project(tmp_path / "project")
    pids, later = tmp_path / "pids", tmp_path / "later"
    project.snippet("p/lingering", LINGERING.format(pids=str(pids), later=str(later)), "")
    return project, pids, later


def _wait_for_pids(pids: Path, count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while not pids.exists() or len(pids.read_text().split()) < count:
        assert time.monotonic() < deadline, "the snippet never started"
        time.sleep(0.05)
    return [int(pid) for pid in pids.read_text().split()]


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_a_signal_to_the_verifier_ends_every_process_of_the_run(tmp_path: Path, sig: signal.Signals, status: int) -> None:
    project, pids, later = _lingering(tmp_path)
    proc = subprocess.Popen([sys.executable, "scripts/verify.py"], cwd=project.root, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = _wait_for_pids(pids, 2)
    os.kill(proc.pid, sig)
    _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == status, stderr
    assert f"interrupted by {sig.name}: every snippet process was ended" in stderr
    assert not [pid for pid in started if alive(pid)]
    time.sleep(2.5)
    assert not later.exists()


def test_the_death_of_the_verifiers_parent_ends_every_process_of_the_run(tmp_path: Path) -> None:
    """The site build that started the verifier is killed (SIGKILL: no chance to clean up): the run ends anyway."""
    project, pids, later = _lingering(tmp_path)
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time\n"
         "child = subprocess.Popen([sys.executable, 'scripts/verify.py'], stdin=subprocess.DEVNULL,\n"
         "                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
         "print(child.pid, flush=True)\ntime.sleep(300)\n"],
        cwd=project.root, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    verifier = int(parent.stdout.readline())
    started = _wait_for_pids(pids, 2)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in (verifier, *started)):
        assert time.monotonic() < deadline, f"still running: {[p for p in (verifier, *started) if alive(p)]}"
        time.sleep(0.1)
    time.sleep(2.5)
    assert not later.exists()


def test_a_run_past_its_bound_is_ended_with_everything_it_started(tmp_path: Path) -> None:
    """The supervisor's own deadline: whatever hangs the verifier proper, the run ends (exit status 4)."""
    pids, later = tmp_path / "pids", tmp_path / "later"
    hang = LINGERING.format(pids=str(pids), later=str(later))
    script = tmp_path / "hang.py"
    script.write_text(hang)
    supervisor = ("import sys\nsys.path.insert(0, sys.argv[1])\nfrom verifier.supervise import supervise\n"
                  "sys.exit(supervise([sys.executable, sys.argv[2]], {}, 1.5))\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", supervisor, str(ROOT / "scripts"), str(script)],
                            capture_output=True, text=True, timeout=30)
    elapsed = time.monotonic() - started
    assert result.returncode == EXIT_OVERTIME == 4, result.stderr
    assert "error: verification did not finish within 2 s" in result.stderr
    assert 1.5 <= elapsed < 4
    assert not [pid for pid in _wait_for_pids(pids, 2) if alive(pid)]
    time.sleep(2.5)
    assert not later.exists()


def test_a_stopped_verifier_is_continued(tmp_path: Path) -> None:
    """A snippet stops the verifier proper (its parent) with SIGSTOP: the run goes on and ends normally."""
    project = Project(tmp_path)
    project.snippet("s/stop", "import os\nimport signal\n\nos.kill(os.getppid(), signal.SIGSTOP)\nprint('stopped it')\n",
                    "stopped it\n")
    project.snippet("s/after", "import time\n\ntime.sleep(0.5)\nprint('after')\n", "after\n")
    run = project.verify("--jobs", "1", timeout=60)
    assert run.rc == 0, run.stdout + run.stderr
    assert run.wall < 30


def test_processes_left_by_a_timeout_or_a_crash_are_ended(tmp_path: Path) -> None:
    """The fork server's side: a snippet that did not end its own descendants (killed at its deadline, or
    `os._exit`) leaves them to the fork server, which ends them before the result is taken."""
    project = Project(tmp_path / "project")
    later = {name: tmp_path / f"later-{name}" for name in ("timeout", "crash")}
    daemon = ("import os\nimport time\nfrom pathlib import Path\n\nif os.fork() == 0:\n    os.setsid()\n"
              "    if os.fork() == 0:\n        time.sleep(2.5)\n        Path({later!r}).write_text('outlived')\n    os._exit(0)\n"
              "os.wait()\n")
    project.snippet("o/timeout", "# verify: timeout=1\n" + daemon.format(later=str(later["timeout"])) + "time.sleep(60)\n", "")
    project.snippet("o/crash", daemon.format(later=str(later["crash"])) + "os._exit(0)\n", "")
    run = project.verify()
    assert run.entry("snippets/o/timeout.py").status == "timeout"
    assert run.entry("snippets/o/crash.py").status == "crashed"
    time.sleep(3)
    assert not [path for path in later.values() if path.exists()]


def test_the_bound_of_a_run_comes_from_the_snippets_timeouts(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.snippet("b/two", "# verify: timeout=2\nprint(2)\n", "2\n")
    project.snippet("b/three", "# verify: timeout=3\nprint(3)\n", "3\n")
    project.snippet("b/default", "print(10)\n", "10\n")
    project.snippet("other/one", "# verify: timeout=1\nprint(1)\n", "1\n")
    root = project.root
    limits = [2 + PER_RUN_S, 3 + PER_RUN_S, 10 + PER_RUN_S]
    assert run_bound(root, [str(root / "snippets/b")], jobs=1) == pytest.approx(SLACK_S + sum(limits) + max(limits))
    assert run_bound(root, [str(root / "snippets/b")], jobs=2) == pytest.approx(SLACK_S + sum(limits) / 2 + max(limits))
    assert run_bound(root, [str(root / "snippets/b")], jobs=2, twice=True) == \
        pytest.approx(SLACK_S + sum(limits) + max(limits))
    assert run_bound(root, [str(root / "snippets/b")], jobs=1, twice=True) == \
        pytest.approx(SLACK_S + 2 * (sum(limits) + max(limits)))
    assert run_bound(root, pattern="other", jobs=4) == pytest.approx(SLACK_S + (1 + PER_RUN_S) / 4 + 1 + PER_RUN_S)
    assert run_bound(root, [str(root / "snippets/nowhere")]) == SLACK_S


def test_a_snippet_that_kills_the_verifier_fails_the_run_loudly(tmp_path: Path) -> None:
    """SIGKILL to its parent: the run cannot be verified, so it fails at once, saying how (never a pass, never a hang)."""
    project = Project(tmp_path)
    project.snippet("k/kill", "import os\nimport signal\n\nos.kill(os.getppid(), signal.SIGKILL)\n", "")
    run = project.verify(timeout=60)
    assert run.rc == 128 + signal.SIGKILL
    assert "error: the verifier was killed by SIGKILL before it finished; every process it started was ended" in run.stderr
    assert run.report is None


def test_a_snippet_that_kills_the_preloading_fork_server_fails_alone(tmp_path: Path) -> None:
    """Snippets that need torch._dynamo fork from a fork server of their own: one that kills it crashes, saying so."""
    project = Project(tmp_path)
    killed = tmp_path / "b-ran"
    project.snippet("k/a", "# optim: runs where torch._dynamo is preloaded\nprint('a')\n", "a\n")
    project.snippet("k/b", f"import os\nimport signal\n\nopen({str(killed)!r}, 'w').close()\n"
                           "# optim\nos.kill(os.getppid(), signal.SIGKILL)\n", "")
    # It keeps the verifier's worker until b ran: handed over, that worker would let a and b run side by side.
    project.snippet("k/plain", f"# verify: timeout=60\n\nimport os\nimport time\n\nwhile not os.path.exists({str(killed)!r}):\n"
                               "    time.sleep(0.01)\nprint('plain')\n", "plain\n")
    run = project.verify("--jobs", "2", timeout=120)
    assert run.rc == 1, run.stdout + run.stderr
    entry = run.entry("snippets/k/b.py")
    assert entry.status == Status.CRASHED
    assert entry.message == ("the fork server that preloaded torch._dynamo ended (killed by signal SIGKILL) "
                             "before this snippet's run ended")
    assert run.entry("snippets/k/a.py").status == Status.PASSED  # one worker there: a ended before b started
    assert run.entry("snippets/k/plain.py").status == Status.PASSED


def test_a_snippet_that_stops_the_preloading_fork_server_is_continued(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.snippet("s/a", "import os\nimport signal\n\n# optim\nos.kill(os.getppid(), signal.SIGSTOP)\nprint('went on')\n",
                    "went on\n")
    project.snippet("s/b", "# optim\nprint('b')\n", "b\n")
    project.snippet("s/plain", "print('plain')\n", "plain\n")
    run = project.verify("--jobs", "2", timeout=120)
    assert run.rc == 0, run.stdout + run.stderr


def test_a_fork_server_that_ends_right_after_its_last_outcome_loses_no_job() -> None:
    """Its last line and the end of its pipe read at once: that job ended, and is reported once, as it ended."""

    class Ended(server._Server):
        def _wait(self) -> int:
            return 0

        def close(self) -> None:
            self.done = True
            os.close(self.fd)

    def job(key: str) -> Job:
        return Job(key=key, path=Path(key), code=compile("", key, "exec"), settings=Settings())

    remote = Ended(workers=1)
    reported, unreported = job("snippets/a.py"), job("snippets/b.py")
    remote.jobs = {(j.key, j.attempt): j for j in (reported, unreported)}
    read_end, write_end = os.pipe()
    remote.fd = read_end
    os.set_blocking(read_end, False)
    finished = Outcome(job=reported, workdir=Path("/nonexistent"), output=b"a\n")
    os.write(write_end, json.dumps(finished.to_json()).encode() + b"\n")
    os.close(write_end)
    outcomes = remote.read()
    assert [(o.job.key, o.ending) for o in outcomes] == [("snippets/a.py", Ending.FINISHED),
                                                         ("snippets/b.py", Ending.CRASHED)]
    assert outcomes[0].output == b"a\n" and remote.done
