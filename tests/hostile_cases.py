"""The hostile snippets the verifier must survive, and what it must say about each.

One table serves two readers: ``tests/test_hostile.py`` writes every case into one
temporary copy of the project, runs the verifier over all of them at once and checks each
outcome; ``docs/verification.md`` (section ``## 실패 사례``) shows the same table, and a
test fails when the page's rows differ from :func:`markdown_table`. To refresh the page
after changing a case: ``python tests/hostile_cases.py`` prints the table.

Every case runs under ``--twice`` (so non-determinism is visible), then again under
``--update``, which may write only the ``.out`` of cases marked ``records``.

Cases of the last groups prove terminal fidelity (output a terminal shows after the main
code ends, a set's order, the thread count, ``\\r``, a BOM, CRLF) and the run's integrity
against careless snippets (rewriting expectations, processes that outlive their snippet,
stopping the verifier): see the threat model on the same page.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from verifier.report import Status

#: Where the cases live in the temporary project: ``snippets/hostile/<id>.py``.
TOPIC = "hostile"

#: Seconds a run may take beyond its own limit: the runner wakes at the deadline, then
#: kills and reaps the child's process group.
GRACE = 1.0

#: Statuses after which ``--update`` must leave the expectation alone.
NEVER_RECORDED = tuple(status for status in Status if status.untrustworthy_output)


@dataclass(frozen=True)
class Case:
    id: str
    """The snippet's name; also the row's key on the page."""
    titles: dict[str, str]
    """What the snippet does, by edition (``ko``, ``en``), for the verification pages."""
    source: str
    out: str | bytes | None
    """The ``.out`` beside it (bytes: written as is; None: there is none)."""
    status: Status
    """The report status it must get under ``--twice``."""
    message: str
    """Text the verifier must print for it (and put in the report's message or diff)."""
    records: bool
    """Whether ``--update`` may (re)write its ``.out``."""
    max_seconds: float | None = None
    """Bound on the run's duration; default: its ``timeout`` setting plus :data:`GRACE`."""
    files: dict[str, str] = field(default_factory=dict)
    """Other files it needs, relative to the project root."""
    changes: tuple[str, ...] = ()
    """Files it changes on purpose (relative to the project root): the run must notice."""

    @property
    def path(self) -> str:
        return f"snippets/{TOPIC}/{self.id}.py"


def _case(id: str, title: str, source: str, out: str | bytes | None, status: Status, message: str = "",
          records: bool | None = None, **more) -> Case:
    """A case whose ``records`` defaults to what its status implies."""
    if records is None:
        records = status.recordable
    return Case(id, {"ko": title, "en": EN_TITLES[id]}, source, out, status, message, records, **more)


_TRACEBACK = "Traceback (most recent call last):\n  ...\n"
_P = f"snippets/{TOPIC}/"

#: What each case does, in English (the Korean is in each case below).
EN_TITLES: dict[str, str] = {
    'syntax_error': 'Syntax error (unclosed parenthesis)',
    'bad_setting': 'Invalid setting line `# verify: timeout=soon`',
    'import_error': 'Imports a module that does not exist',
    'unexpected_raise': 'Raises an exception that was not expected',
    'missing_raise': 'The expected exception is not raised',
    'wrong_message': 'Same exception, different message',
    'missing_out': 'No `.out` file',
    'out_not_utf8': '`.out` is not UTF-8',
    'out_conflict': '`.out` still has a merge-conflict marker',
    'hang_loop': '`while True: pass`',
    'hang_sleep': '`time.sleep(3600)`',
    'stdin_read': 'Reads standard input (EOF at once)',
    'omp_fork_deadlock': 'A child forked after a parallel operation deadlocks in OpenMP',
    'os_exit': 'Exits midway with `os._exit(3)`',
    'segfault': 'Segmentation fault (`SIGSEGV`)',
    'abort': '`os.abort()`',
    'sys_exit_midway': '`sys.exit(0)` midway: judged by its output (matches)',
    'sys_exit_judged': '`sys.exit(0)` midway: judged by its output (differs)',
    'memory_grow': 'Keeps filling memory (128 MiB at a time, cap 256 MiB)',
    'memory_huge': 'A 64 GiB tensor, larger than the machine',
    'flood_stdout': 'Prints to standard output without end',
    'flood_stderr': '16 MiB to standard error at once (cap 64 KiB)',
    'writes_files': 'Writes files and changes its working folder',
    'imports_helper': 'Imports a helper module next to it (leaves no `__pycache__`)',
    'output_not_utf8': 'Prints bytes that are not UTF-8',
    'output_markup': 'Prints `<script>` and HTML tags',
    'nondet_time': 'Prints `time.time()`',
    'nondet_pid': 'Prints `os.getpid()`',
    'nondet_random': 'Unseeded `random.random()`',
    'nondet_torch': 'Unseeded `torch.rand(3)`',
    'iso_0_polluter': 'Changes global hooks, replaces `register_buffer`, changes the default dtype, seeds and `sys.modules`',
    'iso_hooks': "Does not see another snippet's global parameter registration hook",
    'iso_monkeypatch': 'Does not see `nn.Module.register_buffer` as replaced by another snippet',
    'iso_dtype': 'Does not see the default dtype as changed by another snippet',
    'iso_seeds': 'Does not see seeds set by another snippet',
    'iso_sys_modules': 'Does not see `sys.modules` as changed by another snippet',
    'late_thread': 'A thread prints after the main code ends (not joined)',
    'executor_not_shut_down': 'A `ThreadPoolExecutor` never `shutdown()`',
    'process_not_joined': 'A `multiprocessing.Process` never `join()`ed',
    'atexit_output': 'An `atexit` handler prints after the threads end',
    'set_order': 'Prints a `set` of strings (its order depends on the hash seed)',
    'thread_count_sum': 'A large float32 sum (its rounding depends on the thread count)',
    'carriage_progress': 'Overwrites a progress line with `\\r` (the `.out` keeps the bytes)',
    'bom_header': '`# verify: timeout=1` after a UTF-8 BOM still applies',
    'crlf_out': 'An `.out` checked out with CRLF line endings',
    'rewrites_own_out': 'Rewrites its own `.out` to match its output while it runs',
    'rewrites_other_out': "Rewrites another snippet's `.out` while it runs",
    'rewritten_by_other': 'Judged by the expectation read before the run, though its `.out` changed during it',
    'orphan_in_new_session': 'A `setsid()` grandchild writes a file later (ended with the snippet)',
    'stops_the_verifier': 'Sends `SIGSTOP` to its parent (the verifier)',
}

CASES: tuple[Case, ...] = (
    # --- the snippet or its expectation is broken -------------------------------------------
    _case("syntax_error", "문법 오류 (닫히지 않은 괄호)",
          "print('never runs')\nvalues = [1, 2\nprint(values)\n",
          "never runs\n", Status.ERROR, f"{_P}syntax_error.py:2: SyntaxError"),
    _case("bad_setting", "잘못된 설정 줄 `# verify: timeout=soon`",
          "# verify: timeout=soon\nprint('x')\n",
          "x\n", Status.ERROR, f"{_P}bad_setting.py:1: setting timeout='soon' is not a valid float"),
    _case("import_error", "없는 모듈을 import",
          "import torch\nimport torch_six_compat\nprint('imported')\n",
          "imported\n", Status.FAILED,
          f"output differs from {_P}import_error.out (the snippet raised ModuleNotFoundError at {_P}import_error.py:2)"),
    _case("unexpected_raise", "기대하지 않은 예외가 남",
          "import torch.nn as nn\n\nm = nn.Module()\nm.register_buffer('ok', None)\nprint('registered')\n"
          "m.register_buffer('ok.x', None)\nprint('done')\n",
          "registered\ndone\n", Status.FAILED, f"(the snippet raised KeyError at {_P}unexpected_raise.py:6)"),
    _case("missing_raise", "기대한 예외가 나지 않음",
          "import torch.nn as nn\n\nm = nn.Module()\nm.register_buffer('buf', None)  # None은 허용된다\nprint('no error')\n",
          f"{_TRACEBACK}TypeError: cannot assign 'NoneType' object to buffer 'buf' (torch Tensor or None required)\n",
          Status.FAILED, f"{_P}missing_raise.out:1: first difference"),
    _case("wrong_message", "예외는 같지만 메시지가 다름",
          "import torch.nn as nn\n\nm = nn.Module()\nm.register_buffer('', None)\n",
          f"{_TRACEBACK}KeyError: \"buffer name can't be empty\"\n",
          Status.FAILED, f"{_P}wrong_message.out:3: first difference"),
    _case("missing_out", "`.out` 파일이 없음",
          "print('no expectation yet')\n",
          None, Status.ERROR, f"{_P}missing_out.out: expected output is missing", records=True),
    _case("out_not_utf8", "`.out`이 UTF-8이 아님",
          "print('café')\n",
          "café\n".encode("latin-1"), Status.ERROR, f"{_P}out_not_utf8.out:1: expected output is not valid UTF-8", records=True),
    _case("out_conflict", "`.out`에 병합 충돌 표시가 남음",
          "print('new')\n",
          "<<<<<<< HEAD\nold\n=======\nnew\n>>>>>>> branch\n",
          Status.ERROR, f"{_P}out_conflict.out:1: expected output contains a merge-conflict marker", records=True),
    # --- hangs ---------------------------------------------------------------------------------
    _case("hang_loop", "`while True: pass`",
          "# verify: timeout=2\nprint('spinning', flush=True)\nwhile True:\n    pass\n",
          "spinning\n", Status.TIMEOUT, f"TIMEOUT {_P}hang_loop.py: did not finish within 2 s"),
    _case("hang_sleep", "`time.sleep(3600)`",
          "# verify: timeout=2\nimport time\n\ntime.sleep(3600)\n",
          "", Status.TIMEOUT, f"TIMEOUT {_P}hang_sleep.py: did not finish within 2 s"),
    _case("stdin_read", "표준 입력을 읽음 (곧바로 EOF)",
          "# verify: timeout=3\nimport sys\n\nprint(repr(sys.stdin.read()))\ninput()\n",
          f"''\n{_TRACEBACK}EOFError: EOF when reading a line\n", Status.PASSED, max_seconds=1.0),
    _case("omp_fork_deadlock", "병렬 연산 뒤 fork한 자식이 OpenMP에서 교착",
          "# verify: timeout=2\nimport os\n\nimport torch\n\ntorch.set_num_threads(2)\n"
          "bn = torch.nn.BatchNorm2d(64)\nx = torch.randn(8, 64, 32, 32)\nbn(x)\n"
          "pid = os.fork()\nif pid == 0:\n    bn(x)  # 부모의 OpenMP 스레드 풀을 기다리며 멈춘다\n    os._exit(0)\n"
          "os.waitpid(pid, 0)\nprint('no deadlock')\n",
          "no deadlock\n", Status.TIMEOUT, f"TIMEOUT {_P}omp_fork_deadlock.py: did not finish within 2 s"),
    # --- crashes -------------------------------------------------------------------------------
    _case("os_exit", "`os._exit(3)`로 중간에 종료",
          "import os\n\nprint('before', flush=True)\nos._exit(3)\nprint('after')\n",
          "before\nafter\n", Status.CRASHED, f"CRASHED {_P}os_exit.py: exited with status 3 before the snippet finished"),
    _case("segfault", "세그멘테이션 폴트 (`SIGSEGV`)",
          "import os\nimport signal\n\nprint('before')\nos.kill(os.getpid(), signal.SIGSEGV)\n",
          "before\n", Status.CRASHED, f"CRASHED {_P}segfault.py: killed by signal SIGSEGV"),
    _case("abort", "`os.abort()`",
          "import os\n\nprint('before')\nos.abort()\n",
          "before\n", Status.CRASHED, f"CRASHED {_P}abort.py: killed by signal SIGABRT"),
    _case("sys_exit_midway", "중간에 `sys.exit(0)`: 출력으로 판정 (일치)",
          "import sys\n\nprint('before')\nsys.exit(0)\nprint('after')\n",
          "before\n", Status.PASSED),
    _case("sys_exit_judged", "중간에 `sys.exit(0)`: 출력으로 판정 (불일치)",
          "import sys\n\nprint('before')\nsys.exit(0)\nprint('after')\n",
          "before\nafter\n", Status.FAILED, f"{_P}sys_exit_judged.out:2: first difference"),
    # --- resources -----------------------------------------------------------------------------
    _case("memory_grow", "메모리를 계속 채움 (128 MiB씩, 상한 256 MiB)",
          "# verify: memory=256\nchunks = []\nfor _ in range(32):\n    chunks.append(b'x' * 2**27)\n"
          "print('allocated', len(chunks))\n",
          "allocated 32\n", Status.MEMORY, f"MEMORY {_P}memory_grow.py: ran out of memory under its cap of 256 MiB"),
    _case("memory_huge", "기기보다 큰 64 GiB 텐서",
          "import torch\n\nx = torch.empty(64 * 2**30, dtype=torch.uint8)\nprint(x.shape)\n",
          "torch.Size([68719476736])\n", Status.MEMORY, f"MEMORY {_P}memory_huge.py: ran out of memory under its cap of 2048 MiB"),
    _case("flood_stdout", "표준 출력으로 끝없이 출력",
          "import sys\n\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
          "", Status.FLOOD, f"FLOOD {_P}flood_stdout.py: printed more than 1024 KiB; stopped and cut there"),
    _case("flood_stderr", "표준 오류로 16 MiB를 한 번에 (상한 64 KiB)",
          "# verify: output=64\nimport sys\n\nprint('y' * (16 * 2**20), file=sys.stderr)\n",
          "", Status.FLOOD, f"FLOOD {_P}flood_stderr.py: printed more than 64 KiB; stopped and cut there"),
    # --- the file system -----------------------------------------------------------------------
    _case("writes_files", "파일을 쓰고 작업 폴더를 옮김",
          "import os\nfrom pathlib import Path\n\nPath('result.txt').write_text('written')\nos.makedirs('sub/dir')\n"
          "os.chdir('sub/dir')\nPath('deeper.txt').write_text('written')\nprint(os.getcwd())\nprint(sorted(os.listdir('../..')))\n",
          "<tmp>/sub/dir\n['result.txt', 'sub']\n", Status.PASSED),
    _case("imports_helper", "옆의 도우미 모듈을 import (`__pycache__`를 남기지 않음)",
          "import _helper\n\nprint(_helper.GREETING)\n",
          "hello from a helper\n", Status.PASSED, files={f"{_P}_helper.py": "GREETING = 'hello from a helper'\n"}),
    # --- output that is not plain text --------------------------------------------------------
    _case("output_not_utf8", "UTF-8이 아닌 바이트를 출력",
          "import sys\n\nsys.stdout.buffer.write(b'caf\\xe9 \\xff\\xfe\\n')\n",
          "caf\\xe9 \\xff\\xfe\n", Status.PASSED),
    _case("output_markup", "`<script>`와 HTML 태그를 출력",
          "print(\"<script>alert('x')</script> <b>굵게</b> &amp;\")\n",
          "<script>alert('x')</script> <b>굵게</b> &amp;\n", Status.PASSED),
    # --- non-determinism -----------------------------------------------------------------------
    _case("nondet_time", "`time.time()` 출력",
          "import time\n\nprint(time.time())\n",
          "0\n", Status.NONDETERMINISTIC, f"NONDETERMINISTIC {_P}nondet_time.py: two runs printed different output"),
    _case("nondet_pid", "`os.getpid()` 출력",
          "import os\n\nprint(os.getpid())\n",
          "0\n", Status.NONDETERMINISTIC, f"NONDETERMINISTIC {_P}nondet_pid.py: two runs printed different output"),
    _case("nondet_random", "시드 없는 `random.random()`",
          "import random\n\nprint(random.random())\n",
          "0\n", Status.NONDETERMINISTIC, f"NONDETERMINISTIC {_P}nondet_random.py: two runs printed different output"),
    _case("nondet_torch", "시드 없는 `torch.rand(3)`",
          "import torch\n\nprint(torch.rand(3))\n",
          "0\n", Status.NONDETERMINISTIC, f"NONDETERMINISTIC {_P}nondet_torch.py: two runs printed different output"),
    # --- isolation: iso_0_polluter changes everything it can; each iso_* case after it checks one thing
    _case("iso_0_polluter", "전역 훅·`register_buffer` 교체·기본 dtype·시드·`sys.modules`를 바꿈",
          "import random\nimport sys\nimport types\n\nimport torch\nimport torch.nn as nn\nfrom torch.nn.modules import module\n\n"
          "module.register_module_parameter_registration_hook(lambda m, name, p: print('HOOK', name))\n"
          "nn.Module.register_buffer = lambda self, *args, **kwargs: print('patched register_buffer')\n"
          "torch.set_default_dtype(torch.float64)\ntorch.manual_seed(1234)\nrandom.seed(1234)\n"
          "fake = types.ModuleType('json')\nfake.dumps = lambda obj: 'FAKE'\nsys.modules['json'] = fake\n"
          "nn.Linear(1, 1)\nprint('polluted')\n",
          "HOOK weight\nHOOK bias\npolluted\n", Status.PASSED),
    _case("iso_hooks", "다른 스니펫의 전역 파라미터 등록 훅이 보이지 않음",
          "import torch.nn as nn\nfrom torch.nn.modules import module\n\nlin = nn.Linear(2, 2)\n"
          "print('global parameter hooks:', len(module._global_parameter_registration_hooks))\n"
          "print('parameters:', [name for name, _ in lin.named_parameters()])\n",
          "global parameter hooks: 0\nparameters: ['weight', 'bias']\n", Status.PASSED),
    _case("iso_monkeypatch", "다른 스니펫이 바꾼 `nn.Module.register_buffer`가 보이지 않음",
          "import torch\nimport torch.nn as nn\n\nm = nn.Module()\nm.register_buffer('running_mean', torch.zeros(2))\n"
          "print('register_buffer:', nn.Module.register_buffer.__qualname__)\nprint('buffers:', list(m._buffers))\n",
          "register_buffer: Module.register_buffer\nbuffers: ['running_mean']\n", Status.PASSED),
    _case("iso_dtype", "다른 스니펫이 바꾼 기본 dtype이 보이지 않음",
          "import torch\n\nprint(torch.get_default_dtype(), torch.tensor(1.0).dtype)\n",
          "torch.float32 torch.float32\n", Status.PASSED),
    _case("iso_seeds", "다른 스니펫이 정한 시드가 보이지 않음",
          "import random\n\nimport torch\n\nprint('torch seed is 1234:', torch.initial_seed() == 1234)\n"
          "print('random seeded with 1234:', random.getstate() == random.Random(1234).getstate())\n",
          "torch seed is 1234: False\nrandom seeded with 1234: False\n", Status.PASSED),
    _case("iso_sys_modules", "다른 스니펫이 바꾼 `sys.modules`가 보이지 않음",
          "import json\n\nprint(json.dumps({'a': 1}))\n",
          "{\"a\": 1}\n", Status.PASSED),
    # --- what a terminal shows after the main code ends ------------------------------------------
    _case("late_thread", "메인 코드가 끝난 뒤 스레드가 출력 (join하지 않음)",
          "import threading\nimport time\n\n\ndef later():\n    time.sleep(0.3)\n    print('from the thread')\n\n\n"
          "threading.Thread(target=later).start()\nprint('main done')\n",
          "main done\nfrom the thread\n", Status.PASSED),
    _case("executor_not_shut_down", "`shutdown()`하지 않은 `ThreadPoolExecutor`",
          "import time\nfrom concurrent.futures import ThreadPoolExecutor\n\npool = ThreadPoolExecutor(max_workers=1)\n"
          "pool.submit(lambda: (time.sleep(0.3), print('from the pool')))\nprint('main done')\n",
          "main done\nfrom the pool\n", Status.PASSED),
    _case("process_not_joined", "`join()`하지 않은 `multiprocessing.Process`",
          "import multiprocessing\nimport time\n\n\ndef later():\n    time.sleep(0.3)\n    print('from the process')\n\n\n"
          "multiprocessing.Process(target=later).start()\nprint('main done', flush=True)\n",
          "main done\nfrom the process\n", Status.PASSED),
    _case("atexit_output", "`atexit` 핸들러가 스레드 종료 뒤 출력",
          "import atexit\nimport threading\nimport time\n\natexit.register(print, 'from atexit')\n"
          "threading.Thread(target=lambda: (time.sleep(0.2), print('from the thread'))).start()\nprint('main done')\n",
          "main done\nfrom the thread\nfrom atexit\n", Status.PASSED),
    _case("set_order", "문자열 `set`을 출력 (순서는 해시 시드에 따라 다름)",
          "print({'alpha', 'beta', 'gamma', 'delta'})\n",
          "{'alpha', 'delta', 'beta', 'gamma'}\n", Status.NONDETERMINISTIC,
          f"NONDETERMINISTIC {_P}set_order.py: two runs printed different output"),
    _case("thread_count_sum", "큰 float32 합 (스레드 수에 따라 반올림이 다름)",
          "import torch\n\ntorch.manual_seed(0)\nprint(f'{torch.randn(4_000_000).sum().item():.10f}')\n",
          "-1431.0263671875\n", Status.NONDETERMINISTIC,
          f"NONDETERMINISTIC {_P}thread_count_sum.py: two runs printed different output"),
    _case("carriage_progress", "`\\r`로 진행률을 덮어씀 (`.out`은 바이트 그대로)",
          "for percent in range(0, 101, 25):\n    print(f'\\r{percent:3d}%', end='', flush=True)\nprint()\nprint('done')\n",
          "\r  0%\r 25%\r 50%\r 75%\r100%\ndone\n", Status.PASSED),
    _case("bom_header", "UTF-8 BOM 뒤의 `# verify: timeout=1`도 적용됨",
          "\ufeff# verify: timeout=1\nimport time\n\nprint('started', flush=True)\ntime.sleep(60)\n",
          "started\n", Status.TIMEOUT, f"TIMEOUT {_P}bom_header.py: did not finish within 1 s"),
    _case("crlf_out", "CRLF 줄바꿈으로 체크아웃된 `.out`",
          "print('first')\nprint('second')\n",
          b"first\r\nsecond\r\n", Status.FAILED, "note: the outputs differ only in carriage returns (CR, \\r)"),
    # --- integrity: a careless snippet cannot pass off a wrong result -----------------------------
    _case("rewrites_own_out", "실행 중에 자기 `.out`을 출력에 맞게 고쳐 씀",
          "from pathlib import Path\n\nprint('new output')\nPath(__file__).with_suffix('.out').write_text('new output\\n')\n",
          "old output\n", Status.ERROR,
          f"ERROR {_P}rewrites_own_out.py: changed {_P}rewrites_own_out.out while it ran",
          changes=(f"{_P}rewrites_own_out.out",)),
    _case("rewrites_other_out", "실행 중에 다른 스니펫의 `.out`을 고쳐 씀",
          "from pathlib import Path\n\nPath(__file__).with_name('rewritten_by_other.out').write_text('tampered\\n')\nprint('done')\n",
          "done\n", Status.ERROR, f"ERROR {_P}rewrites_other_out.py: changed {_P}rewritten_by_other.out while it ran",
          changes=(f"{_P}rewritten_by_other.out",)),
    _case("rewritten_by_other", "`.out`이 실행 중에 바뀌어도 실행 전에 읽은 기대 출력으로 판정",
          "print('judged by what was recorded')\n",
          "judged by what was recorded\n", Status.PASSED, changes=(f"{_P}rewritten_by_other.out",)),
    _case("orphan_in_new_session", "`setsid()`한 손자 프로세스가 나중에 파일을 씀 (스니펫과 함께 종료)",
          "import os\nimport time\nfrom pathlib import Path\n\nlater = Path(__file__).parents[2] / '.verify' / 'written-later.txt'\n"
          "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:  # 부모가 곧 끝나 고아가 되는 손자\n        time.sleep(2)\n"
          "        later.parent.mkdir(exist_ok=True)\n        later.write_text('a process outlived its snippet')\n    os._exit(0)\n"
          "os.wait()\nprint('started a daemon')\n",
          "started a daemon\n", Status.PASSED),
    _case("stops_the_verifier", "부모(검증기)에 `SIGSTOP`을 보냄",
          "import os\nimport signal\n\nos.kill(os.getppid(), signal.SIGSTOP)\nprint('sent SIGSTOP to my parent')\n",
          "sent SIGSTOP to my parent\n", Status.PASSED, max_seconds=3.0),
)

#: The tables' header rows on each edition's verification page (the rows follow, one per case).
TABLE_HEADERS = {
    "ko": "| 사례 | 스니펫이 하는 일 | 판정 | 검증기의 메시지 (일부) |\n| --- | --- | --- | --- |\n",
    "en": "| Case | What the snippet does | Verdict | Verifier's message (excerpt) |\n| --- | --- | --- | --- |\n",
}


def markdown_table(language: str = "ko") -> str:
    """The table each edition's ``verification.md`` shows under its hostile-snippets heading."""
    rows = []
    for case in CASES:
        message = f"`{case.message}`" if case.message else "—"
        rows.append(f"| `{case.id}` | {case.titles[language]} | {case.status} | {message} |\n")
    return TABLE_HEADERS[language] + "".join(rows)


if __name__ == "__main__":
    print(markdown_table(*sys.argv[1:2]), end="")
