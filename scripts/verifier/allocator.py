"""glibc's allocator on huge pages in the verifier's fork servers, never in what a snippet sees.

Forking a process copies its page table, and ending one tears it down, entry by entry: with
torch imported that is ~150 MB of 4 KiB pages. glibc's ``glibc.malloc.hugetlb=1`` tunable
(glibc 2.35+) has malloc ask for transparent huge pages (``madvise``), so most of that memory
is mapped 2 MiB at a time. Measured here (torch 2.13, Linux 6.18, huge pages in ``madvise``
mode): fork and exit of a child 3.2 ms instead of 4.6, a child that runs a snippet 4.7 ms
instead of 6.3, and ``import torch`` faster too. A write to memory shared with the fork
server still copies 4 KiB (the kernel splits the huge page in the child), so results and
copy-on-write costs are the same; only how memory is mapped changes.

glibc reads its tunables when a process starts, so the supervisor sets the variable for the
fork server it starts (:func:`tuned`), which restores the environment it was given first
thing (:func:`restore`), before any snippet runs: snippets, and whatever they start, see the
user's environment. With an older glibc, another C library, or huge pages off, the variable
changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

VARIABLE = "GLIBC_TUNABLES"
TUNABLE = "glibc.malloc.hugetlb=1"
#: Set beside it: ``=`` and the value the user gave, or empty when the user gave none.
_GIVEN = "VERIFY_GIVEN_GLIBC_TUNABLES"


def tuned(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a fork server: huge pages asked for, with what :func:`restore` needs to undo it."""
    given = env.get(VARIABLE)
    return {**env, VARIABLE: f"{given}:{TUNABLE}" if given else TUNABLE, _GIVEN: "" if given is None else f"={given}"}


def restore(environ: MutableMapping[str, str] = os.environ) -> None:
    """Put ``GLIBC_TUNABLES`` back as the user gave it, if :func:`tuned` changed it."""
    given = environ.pop(_GIVEN, None)
    if given is None:
        return
    if given:
        environ[VARIABLE] = given[1:]
    else:
        environ.pop(VARIABLE, None)
