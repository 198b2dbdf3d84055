"""Decide a status for each run, and render the differences a reviewer needs to see."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .report import Ending, Status
from .runner import Outcome


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str = ""
    diff: str = ""


def judge(outcome: Outcome, actual: str, expected: str, expected_name: str, snippet_name: str) -> Verdict:
    """Compare one normalized run with its expectation; abnormal endings fail whatever they printed."""
    settings = outcome.job.settings
    if outcome.ending is Ending.TIMEOUT:
        return Verdict(Status.TIMEOUT, f"{outcome.detail} (raise the limit with '# verify: timeout=N')")
    if outcome.ending is Ending.FLOOD:
        return Verdict(Status.FLOOD, f"{outcome.detail} (raise the cap with '# verify: output=KiB')")
    if outcome.ending is Ending.CRASHED:
        return Verdict(Status.CRASHED, outcome.detail)
    if outcome.memory_error:
        return Verdict(Status.MEMORY, f"ran out of memory under its cap of {settings.memory} MiB (raise it with '# verify: memory=MiB')")
    if actual == expected:
        return Verdict(Status.PASSED)
    raised = f" (the snippet raised {outcome.raised_at})" if outcome.raised_at else ""
    return Verdict(Status.FAILED, f"output differs from {expected_name}{raised}",
                   mismatch_diff(expected, actual, expected_name, f"{snippet_name} (actual output)"))


def mismatch_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """:func:`unified_diff` headed by ``<old_name>:<line>: first difference``, so editors and CI
    logs can jump to it. Differences a terminal does not show get a note: carriage returns
    (a ``.out`` checked out with CRLF line endings) and other whitespace (tabs, trailing
    spaces, blank lines)."""
    old_lines, new_lines = _lines(old), _lines(new)
    first = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b), min(len(old_lines), len(new_lines)))
    header = f"{old_name}:{first + 1}: first difference\n"
    note = _invisible_difference(old, new, old_name)
    if note:
        header += f"note: {note}\n"
    return header + unified_diff(old, new, old_name, new_name)


def _invisible_difference(old: str, new: str, old_name: str) -> str:
    """Why two outputs that look the same in a terminal differ, or ``""``."""
    if old.replace("\r", "") == new.replace("\r", ""):
        if old.count("\r\n") > new.count("\r\n"):
            return (f"the outputs differ only in carriage returns (CR, \\r): {old_name} has CRLF line endings "
                    "where the output has LF; it was probably checked out with Git's autocrlf; .gitattributes "
                    f"keeps snippets/ byte-exact: delete it and run `git checkout -- {old_name}`")
        return "the outputs differ only in carriage returns (CR, \\r), shown as \\r in the diff"
    if old.split() == new.split():
        return "the outputs differ only in whitespace (tabs, trailing spaces or blank lines)"
    return ""


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """``diff -u`` of two outputs, with git's ``\\ No newline at end of file`` marker; a carriage
    return is shown as ``\\r`` (a terminal would hide it, or the line before it)."""
    return "".join(difflib.unified_diff(_lines(old), _lines(new), old_name, new_name))


def _lines(text: str) -> list[str]:
    """Lines split at ``\\n`` only (a ``\\r`` inside a line is shown, not a line break)."""
    lines = [line.replace("\r", "\\r") + "\n" for line in text.split("\n")]
    last = lines.pop()  # the text after the last newline: "" when the output ends with one
    if last != "\n":
        lines.append(last + "\\ No newline at end of file\n")
    return lines
