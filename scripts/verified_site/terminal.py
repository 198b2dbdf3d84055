"""The ``terminal-screen`` rendering step: recorded output as a terminal's final screen shows it.

The verifier records and compares the bytes a snippet writes (a ``.out`` keeps them
exactly). A reader who runs ``python <snippet>`` in a terminal does not see those bytes:

* ``\\r`` returns the cursor to the start of the line, and later characters overwrite
  earlier ones (``abc\\rX`` shows ``Xbc``; a progress counter shows only its last state);
* ``\\b`` moves the cursor back one column;
* ``ESC[K`` erases to the end of the line (``ESC[1K`` to its start, ``ESC[2K`` all of it);
* ``ESC[<n>A``/``B``/``C``/``D``/``E``/``F``/``G`` move the cursor (multi-line progress bars);
* SGR codes (``ESC[…m``) change colour and weight and are not shown themselves: they are
  reported per span (:class:`Style`) so a page can render them, or ignore them;
* every other escape sequence (``ESC[?25l``, OSC titles and links, charset switches) and
  every other control character (``\\a``, ``\\0``, DEL) shows nothing.

:func:`render` replays the text over a screen model and returns the final screen and
whether it differs from the recording, so a page shows what the terminal shows and notes
the step (named :data:`STEP`) only where it changed something.

The screen is as wide as the longest line (no wrapping) and starts at the output's first
line (the cursor never moves above it). Wide characters (Hangul, CJK) take two columns;
combining marks take none and join the character before the cursor. A tab is kept as a
tab and spans the columns to the next multiple of 8, as a terminal's tab stops do, until
something overwrites part of it. ``\\n`` starts a new line at its first column, as a
terminal's ``onlcr`` setting makes it.

Standard library only; no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

#: The step's name, as a page notes it under an output it changed.
STEP = "terminal-screen"

TAB_WIDTH = 8

_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")

_TOKEN = re.compile(
    r"(?P<csi>\x1b\[(?P<params>[0-?]*)[ -/]*(?P<final>[@-~]))"
    r"|(?P<osc>\x1b\].*?(?:\x07|\x1b\\|\Z))"
    r"|(?P<string>\x1b[PX^_].*?(?:\x1b\\|\Z))"
    r"|(?P<esc>\x1b[ -/]*[0-~]?)"
    r"|(?P<control>[\x00-\x1f\x7f])"
    r"|(?P<text>[^\x00-\x1f\x7f]+)",
    re.S,
)
#: What a plain recording lacks: with none of these, the screen is the text itself.
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Style:
    """The SGR attributes of a span of text; the default style is ``Style()``.

    Colours are ``None`` (the terminal's default), one of the eight names (``"red"``),
    its bright variant (``"bright-red"``), a 256-colour palette index above 15
    (``"palette-208"``) or a 24-bit colour (``"#ff8800"``).
    """

    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    inverse: bool = False
    conceal: bool = False
    strike: bool = False
    fg: str | None = None
    bg: str | None = None

    @property
    def plain(self) -> bool:
        return self == PLAIN


PLAIN = Style()


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = PLAIN


@dataclass(frozen=True)
class Screen:
    """The final screen of one recording."""

    text: str
    """What the screen shows, as plain text: lines joined with ``\\n`` (a trailing ``\\n``
    when the recording ended with the cursor on a fresh line)."""
    lines: tuple[tuple[Span, ...], ...]
    """The same text line by line, as spans of one style each (an empty line has none)."""
    changed: bool
    """Whether :attr:`text` differs from the recording: only then does a page note the step."""

    @property
    def styled(self) -> bool:
        """Whether any span has colour or another SGR attribute to render."""
        return any(not span.style.plain for line in self.lines for span in line)


def render(recorded: str) -> Screen:
    """Replay ``recorded`` (decoded output, as the report holds it) on a terminal screen."""
    if not _SPECIAL.search(recorded):
        # Nothing moves the cursor back or styles anything: the screen is the text itself.
        plain: tuple[tuple[Span, ...], ...] = tuple((Span(line),) if line else () for line in recorded.split("\n"))
        return Screen(recorded, plain, changed=False)
    terminal = _Terminal()
    for match in _TOKEN.finditer(recorded):
        kind = match.lastgroup
        if kind == "text":
            terminal.write(match["text"])
        elif kind == "control":
            terminal.control(match["control"])
        elif kind == "csi":
            terminal.csi(match["params"], match["final"])
        # osc, string and other escapes show nothing
    lines = tuple(terminal.spans(row) for row in terminal.rows)
    text = "\n".join("".join(span.text for span in line) for line in lines)
    return Screen(text, lines, changed=text != recorded)


# A cell is (character, style); the character is one of:
_BLANK = None            # never written, or erased: a space when a later cell is written
_WIDE_TAIL = "\0wide"    # the right half of a two-column character to its left
_TAB_TAIL = "\0tab"      # a column a tab to its left jumped over
Cell = tuple[str | None, Style]
_EMPTY: Cell = (_BLANK, PLAIN)


class _Terminal:
    def __init__(self) -> None:
        self.rows: list[list[Cell]] = [[]]
        self.row = 0
        self.col = 0
        self.style = PLAIN

    # --- controls -------------------------------------------------------------------------

    def control(self, char: str) -> None:
        if char == "\n":
            self._move(self.row + 1, 0)
        elif char == "\r":
            self.col = 0
        elif char == "\b":
            self.col = max(0, self.col - 1)
        elif char == "\t":
            self._tab()
        elif char in "\x0b\x0c":  # vertical tab, form feed: down one line, same column
            self._move(self.row + 1, self.col)
        # every other control character shows nothing

    def csi(self, params: str, final: str) -> None:
        if params.startswith(("?", ">", "<", "=")):
            return  # private modes (hide the cursor, bracketed paste): nothing on screen
        numbers = [int(p) if p.isdigit() else 0 for p in params.replace(":", ";").split(";")] if params else []
        count = max(1, numbers[0]) if numbers else 1
        if final == "m":
            self.style = _sgr(self.style, numbers or [0])
        elif final == "K":
            self._erase_line(numbers[0] if numbers else 0)
        elif final == "A":
            self._move(max(0, self.row - count), self.col)
        elif final == "B":
            self._move(self.row + count, self.col)
        elif final == "C":
            self.col += count
        elif final == "D":
            self.col = max(0, self.col - count)
        elif final == "E":
            self._move(self.row + count, 0)
        elif final == "F":
            self._move(max(0, self.row - count), 0)
        elif final == "G":
            self.col = count - 1
        # any other sequence (cursor position, erase display, scrolling) is dropped

    # --- writing ------------------------------------------------------------------------------

    def write(self, text: str) -> None:
        row = self.rows[self.row]
        if text.isascii():  # every character one column: write the run at once
            end = self.col + len(text)
            self._pad(row, end)
            self._split_unit(row, self.col)
            self._split_unit(row, end - 1)
            row[self.col:end] = [(char, self.style) for char in text]
            self.col = end
            return
        for char in text:
            width = _width(char)
            if width == 0:
                self._combine(row, char)
                continue
            self._pad(row, self.col + width)
            for col in range(self.col, self.col + width):
                self._split_unit(row, col)
            row[self.col] = (char, self.style)
            if width == 2:
                row[self.col + 1] = (_WIDE_TAIL, self.style)
            self.col += width

    def _combine(self, row: list[Cell], char: str) -> None:
        """A zero-width character joins the character before the cursor (at the line start, none: dropped)."""
        col = self.col - 1
        if col >= len(row):
            return  # the column before the cursor is blank
        while col >= 0 and row[col][0] in (_WIDE_TAIL, _TAB_TAIL):
            col -= 1
        before = row[col][0] if col >= 0 else None
        if before is not None and before != "\t":
            row[col] = (before + char, row[col][1])

    def _tab(self) -> None:
        row = self.rows[self.row]
        stop = (self.col // TAB_WIDTH + 1) * TAB_WIDTH
        if self.col >= len(row):
            # At the end of the line a tab is kept as a tab: the text reads as it was written.
            self._pad(row, stop)
            row[self.col] = ("\t", self.style)
            for col in range(self.col + 1, stop):
                row[col] = (_TAB_TAIL, self.style)
        # Over written text the cursor only moves, as a terminal's does.
        self.col = stop

    def _erase_line(self, mode: int) -> None:
        row = self.rows[self.row]
        if mode == 0:
            self._split_unit(row, self.col)
            del row[self.col:]
        elif mode == 1:
            end = min(self.col + 1, len(row))
            if end:
                self._split_unit(row, end - 1)
            row[:end] = [_EMPTY] * end
        elif mode == 2:
            row.clear()

    def _move(self, row: int, col: int) -> None:
        while len(self.rows) <= row:
            self.rows.append([])
        self.row, self.col = row, col

    @staticmethod
    def _pad(row: list[Cell], end: int) -> None:
        if len(row) < end:
            row.extend([_EMPTY] * (end - len(row)))

    @staticmethod
    def _split_unit(row: list[Cell], col: int) -> None:
        """Before column ``col`` changes, blank the whole two-column character or tab it belongs to."""
        if col < 0 or col >= len(row):
            return
        char = row[col][0]
        if char in (_WIDE_TAIL, _TAB_TAIL):
            start = col
            while start > 0 and row[start][0] == char:
                start -= 1
        elif char == "\t" or (isinstance(char, str) and col + 1 < len(row) and row[col + 1][0] == _WIDE_TAIL):
            start = col
        else:
            return
        tail = _WIDE_TAIL if row[start][0] != "\t" else _TAB_TAIL
        end = start + 1
        while end < len(row) and row[end][0] == tail:
            end += 1
        row[start:end] = [_EMPTY] * (end - start)

    # --- reading the screen ---------------------------------------------------------------

    @staticmethod
    def spans(row: list[Cell]) -> tuple[Span, ...]:
        end = len(row)
        while end and row[end - 1][0] is _BLANK:
            end -= 1
        spans: list[Span] = []
        for char, cell_style in row[:end]:
            shown = " " if char is _BLANK else "" if char in (_WIDE_TAIL, _TAB_TAIL) else char
            style = PLAIN if char is _BLANK else cell_style
            if not shown:
                continue
            if spans and spans[-1].style == style:
                spans[-1] = Span(spans[-1].text + shown, style)
            else:
                spans.append(Span(shown, style))
        return tuple(spans)


def _width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _sgr(style: Style, numbers: list[int]) -> Style:
    """Apply one SGR sequence's parameters (``ESC[1;31m`` → ``[1, 31]``)."""
    i = 0
    while i < len(numbers):
        n = numbers[i]
        if n == 0:
            style = PLAIN
        elif n in _SET:
            style = _with(style, {_SET[n]: True})
        elif n in _RESET:
            style = _with(style, dict.fromkeys(_RESET[n], False))
        elif 30 <= n <= 37:
            style = replace(style, fg=_COLOURS[n - 30])
        elif 90 <= n <= 97:
            style = replace(style, fg=f"bright-{_COLOURS[n - 90]}")
        elif 40 <= n <= 47:
            style = replace(style, bg=_COLOURS[n - 40])
        elif 100 <= n <= 107:
            style = replace(style, bg=f"bright-{_COLOURS[n - 100]}")
        elif n == 39:
            style = replace(style, fg=None)
        elif n == 49:
            style = replace(style, bg=None)
        elif n in (38, 48):
            colour, used = _extended_colour(numbers[i + 1:])
            i += used
            if colour is not None:
                style = _with(style, {"fg" if n == 38 else "bg": colour})
        i += 1
    return style


def _with(style: Style, changes: dict[str, Any]) -> Style:
    return replace(style, **changes)


_SET = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 7: "inverse", 8: "conceal", 9: "strike", 21: "underline"}
_RESET = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 27: ("inverse",), 28: ("conceal",), 29: ("strike",)}


def _extended_colour(rest: list[int]) -> tuple[str | None, int]:
    """``5;n`` (palette) or ``2;r;g;b`` (24-bit) after a 38 or 48; returns the colour and the numbers used."""
    if len(rest) >= 2 and rest[0] == 5:
        n = rest[1]
        if n < 8:
            return _COLOURS[n], 2
        if n < 16:
            return f"bright-{_COLOURS[n - 8]}", 2
        return (f"palette-{n}" if n < 256 else None), 2
    if len(rest) >= 4 and rest[0] == 2:
        r, g, b = (min(255, v) for v in rest[1:4])
        return f"#{r:02x}{g:02x}{b:02x}", 4
    return None, len(rest)
