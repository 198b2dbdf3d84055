"""The verifier records what a reader's terminal shows: thread count and hash seed as ``python <snippet>`` has them,
and ``--twice`` varies both so output that depends on them is never recorded; a module several snippets
need is preloaded for them alone, and ``--jobs`` holds across fork servers.

Output after the main code ends (threads, executors, processes, ``atexit``), ``\\r``, a BOM and CRLF
are hostile cases (``tests/hostile_cases.py``); the page's rendering of ``\\r`` and colours is
``tests/test_terminal.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from projects import Project, Run
from verifier.report import Status


def in_a_terminal(code: str, **env: str) -> str:
    """What ``python -c <code>`` prints in a fresh interpreter, as a reader's terminal would show it."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, **env}).stdout


THREADS = "import torch\n\nprint(torch.get_num_threads())\n"
OURS = "import os\n\nprint(sorted(k for k in os.environ if k.startswith(('OMP_', 'VERIFY_', 'GLIBC_'))))\n"
ENVIRONMENT = OURS.replace("))))", "))), os.environ['PYTHONHASHSEED'])")
GIVEN_TUNABLES = "import os\n\nprint(os.environ['GLIBC_TUNABLES'])\n"
HASH = "print(hash('a string'))\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    project = Project(tmp_path_factory.mktemp("fidelity"))
    project.snippet("f/threads", THREADS, in_a_terminal(THREADS))
    project.snippet("f/hash", HASH, in_a_terminal(HASH, PYTHONHASHSEED="0"))
    project.snippet("f/environment", ENVIRONMENT, in_a_terminal(ENVIRONMENT, PYTHONHASHSEED="0"))
    project.snippet("f/ours", OURS, in_a_terminal(OURS))
    project.snippet("f/seeded", "import torch\n\ntorch.manual_seed(3)\nprint(torch.rand(2))\n",
                    in_a_terminal("import torch\n\ntorch.manual_seed(3)\nprint(torch.rand(2))\n"))
    return {"plain": project.verify("--no-cache"), "twice": project.verify("--twice")}


def test_children_run_with_torchs_default_thread_count(runs: dict) -> None:
    """The fork server runs single-threaded (the OpenMP fork hazard), its children do not."""
    assert runs["plain"].entry("snippets/f/threads.py").status == Status.PASSED


def test_the_second_run_uses_another_thread_count(runs: dict) -> None:
    entry = runs["twice"].entry("snippets/f/threads.py")
    assert entry.status == Status.NONDETERMINISTIC
    assert "(the second with another seed, hash seed and thread count)" in entry.message


def test_snippets_see_the_environment_they_were_given(runs: dict) -> None:
    """Nothing the verifier sets for itself (OpenMP's wait policy while torch loads, the supervisor's pid, glibc's
    huge pages for the fork servers) leaks."""
    assert "OMP_WAIT_POLICY" not in os.environ and "GLIBC_TUNABLES" not in os.environ, "this test needs an environment without them"
    assert runs["plain"].entry("snippets/f/environment.py").status == Status.PASSED
    assert runs["twice"].entry("snippets/f/ours.py").status == Status.PASSED  # the second run's fork server too


def test_snippets_see_the_glibc_tunables_they_were_given(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.snippet("f/tunables", GIVEN_TUNABLES, "glibc.malloc.check=0\n")
    run = project.verify("--twice", env={"GLIBC_TUNABLES": "glibc.malloc.check=0"})
    assert run.rc == 0, run.stdout + run.stderr


def test_the_first_run_has_hash_seed_0_and_the_second_another(runs: dict) -> None:
    assert runs["plain"].entry("snippets/f/hash.py").status == Status.PASSED
    assert runs["twice"].entry("snippets/f/hash.py").status == Status.NONDETERMINISTIC


def test_output_independent_of_seeds_and_threads_passes_twice(runs: dict) -> None:
    assert runs["twice"].entry("snippets/f/seeded.py").status == Status.PASSED


def test_twice_with_one_job_runs_one_snippet_at_a_time(tmp_path: Path) -> None:
    """`--jobs 1 --twice`: the second run's fork server starts its jobs when the first run's are done."""
    log = tmp_path / "log"
    project = Project(tmp_path / "project")
    for name in ("a", "b"):
        project.snippet(f"j/{name}", f"import time\n\nwith open({str(log)!r}, 'a') as log:\n"
                        f"    log.write(f'{{time.time()}} start\\n')\ntime.sleep(0.3)\nwith open({str(log)!r}, 'a') as log:\n"
                        f"    log.write(f'{{time.time()}} end\\n')\nprint({name!r})\n", f"{name}\n")
    run = project.verify("--twice", "--jobs", "1")
    assert run.rc == 0, run.stdout + run.stderr
    events = sorted((float(when), what) for when, what in (line.split() for line in log.read_text().splitlines()))
    assert [what for _, what in events] == ["start", "end"] * 4, events


DYNAMO = "import sys\n\nimport torch\n\nprint('torch._dynamo' in sys.modules)\n"
#: The collector as `python <snippet>` has it: on, its own thresholds, nothing frozen (frozen objects are missing
#: from gc.get_objects()), whatever the fork servers deferred and froze to import and collect faster.
COLLECTOR = "import gc\n\nimport torch\n\nprint(gc.isenabled(), gc.get_threshold(), gc.get_freeze_count())\n"


@pytest.fixture(scope="module")
def preloaded(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Two snippets that need torch._dynamo (their text mentions an optimizer) and one that does not, two at a time."""
    project = Project(tmp_path_factory.mktemp("preloaded"))
    for name in ("a", "b"):
        project.snippet(f"p/{name}", f"# what its first optim step would import\n{DYNAMO}", "True\n")
    project.snippet("p/plain", DYNAMO, in_a_terminal(DYNAMO))
    project.snippet("p/collector_preloaded", f"# beside an optimizer\n{COLLECTOR}", in_a_terminal(COLLECTOR))
    project.snippet("p/collector_plain", COLLECTOR, in_a_terminal(COLLECTOR))
    return project.verify("--jobs", "2", "--no-cache")


def test_a_module_several_snippets_need_is_preloaded_for_them_alone(preloaded: Run) -> None:
    """They fork from a copy of the fork server that imported it; the others start as `python <snippet>` does, without it."""
    assert in_a_terminal(DYNAMO) == "False\n", "this test needs a torch whose import leaves torch._dynamo out"
    assert preloaded.rc == 0, preloaded.stdout + preloaded.stderr
    for name in ("a", "b", "plain"):
        assert preloaded.entry(f"snippets/p/{name}.py").status == Status.PASSED


def test_every_fork_server_hands_its_children_the_collector_as_a_terminal_has_it(preloaded: Run) -> None:
    assert "(700, 10, 10) 0" in in_a_terminal(COLLECTOR)
    for name in ("collector_preloaded", "collector_plain"):
        entry = preloaded.entry(f"snippets/p/{name}.py")
        assert entry.status == Status.PASSED, entry.message


def test_jobs_bound_the_snippets_of_every_fork_server_together(tmp_path: Path) -> None:
    """`--jobs 2` with a preloading fork server beside the verifier: never more than two snippets at once."""
    log = tmp_path / "log"
    project = Project(tmp_path / "project")
    for name in ("a", "b", "c", "d", "e", "f"):
        mention = "# an optimizer would import torch._dynamo: optim\n" if name in "abc" else ""
        project.snippet(f"j/{name}", f"{mention}import time\n\nwith open({str(log)!r}, 'a') as log:\n"
                        f"    log.write(f'{{time.time()}} 1\\n')\ntime.sleep(0.3)\nwith open({str(log)!r}, 'a') as log:\n"
                        f"    log.write(f'{{time.time()}} -1\\n')\nprint({name!r})\n", f"{name}\n")
    run = project.verify("--jobs", "2")
    assert run.rc == 0, run.stdout + run.stderr
    events = sorted((float(when), int(change)) for when, change in (line.split() for line in log.read_text().splitlines()))
    at_once = [sum(change for _, change in events[:i + 1]) for i in range(len(events))]
    assert max(at_once) == 2, events
