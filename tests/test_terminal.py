"""The ``terminal-screen`` step: recorded output as a terminal's final screen shows it.

Each expectation below is what a VT100-compatible terminal (xterm, VTE, the Linux console)
shows after ``printf`` of the recording, with the screen starting at the output's first line.
"""

from __future__ import annotations

import pytest

from verified_site.terminal import PLAIN, STEP, Screen, Span, Style, render


def test_the_step_has_a_name() -> None:
    assert STEP == "terminal-screen"


@pytest.mark.parametrize("recorded", [
    "",
    "plain\n",
    "no newline at the end",
    "trailing spaces stay \n\n\nblank lines too\n",
    '\tMissing key(s) in state_dict: "bias". \n',  # torch's own tab-indented message
    "한글과 emoji 🙂, combining e\u0301\n",
    "caf\\xe9 \\xff\n",  # undecodable bytes, as the verifier escapes them
    "<script>alert('x')</script> &amp;\n",
])
def test_plain_text_is_its_own_screen(recorded: str) -> None:
    screen = render(recorded)
    assert screen.text == recorded
    assert screen.changed is False
    assert screen.styled is False


@pytest.mark.parametrize(("recorded", "shown"), [
    # carriage return: back to the line start, later characters overwrite
    ("abc\rX", "Xbc"),
    ("abc\rX\n", "Xbc\n"),
    ("10%\r100%\n", "100%\n"),
    ("  0%\r 50%\r100%\rdone\n", "done\n"),
    ("loading...\rdone\n", "doneing...\n"),  # a shorter line leaves the rest, as on a terminal
    ("a\r\n", "a\n"),  # CRLF line endings written by a snippet
    ("first\r\nsecond\r\n", "first\nsecond\n"),
    ("ends on a CR\r", "ends on a CR"),
    ("\r\r\rx", "x"),
    # backspace: one column back
    ("abc\bX", "abX"),
    ("ab\b\b\bX", "Xb"),  # never before the line start
    ("a\b", "a"),
    ("x_\b\b_y", "_y"),
    # erase in line
    ("progress 50%\r\x1b[Kdone\n", "done\n"),
    ("abcdef\r\x1b[0Kxy", "xy"),
    ("abcdef\x1b[3D\x1b[K!", "abc!"),
    ("abcdef\x1b[3D\x1b[1K!", "   !ef"),
    ("abcdef\x1b[2Kxy\n", "      xy\n"),  # the cursor stays where it was
    # cursor movement
    ("ab\x1b[2Dcd\n", "cd\n"),
    ("a\x1b[3Cb", "a   b"),
    ("abcdef\x1b[3Gx", "abxdef"),
    ("line1\nline2\n\x1b[Aover\n", "line1\nover2\n"),
    ("bar 1\nbar 2\n\x1b[2Fbar A\x1b[Ebar B\n", "bar A\nbar B\n"),
    ("top\x1b[5Aup\n", "topup\n"),  # never above the output's first line
    ("a\x1b[2Bb\n", "a\n\n b\n"),
    # other escapes show nothing
    ("\x1b[?25lhidden cursor\x1b[?25h\n", "hidden cursor\n"),
    ("x\x1b]0;window title\x07y", "xy"),
    ("x\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\y", "xlinky"),
    ("\x1b(Bcharset\n", "charset\n"),
    ("bell\a!\n", "bell!\n"),
    ("nul\x00!\n", "nul!\n"),
    ("a\x1b[2Jb\x1b[Hc\n", "abc\n"),  # erase display / cursor position: dropped
    ("lone escape\x1b", "lone escape"),
    # vertical tab and form feed: down a line, same column
    ("ab\x0bc", "ab\n  c"),
])
def test_controls_are_replayed(recorded: str, shown: str) -> None:
    screen = render(recorded)
    assert screen.text == shown
    assert screen.changed is True


@pytest.mark.parametrize(("recorded", "shown"), [
    ("한글\rX\n", "X 글\n"),  # half of a wide character overwritten: the whole character goes
    ("한글\rXY\n", "XY글\n"),
    ("ab\r한\n", "한\n"),
    ("abc\r한\n", "한c\n"),
    ("가나\b\bX\n", "가X\n"),  # the right half left blank; trailing blanks are not text
    ("진행 50%\r진행 100%\n", "진행 100%\n"),
    ("e\u0301\rE", "E"),  # a combining mark belongs to its character
    ("x\r\u0301", "x"),  # nothing before the cursor to join: dropped, as VTE and xterm do
])
def test_wide_and_combining_characters(recorded: str, shown: str) -> None:
    assert render(recorded).text == shown


@pytest.mark.parametrize(("recorded", "shown"), [
    ("a\tb\r\n", "a\tb\n"),  # a tab kept as written
    ("\tindented\rX\n", "X       indented\n"),  # overwriting part of a tab turns it into spaces
    ("ab\rX\tY\n", "Xb      Y\n"),  # over written text a tab only moves the cursor
    ("abcdefghij\r\tX\n", "abcdefghXj\n"),
])
def test_tabs(recorded: str, shown: str) -> None:
    assert render(recorded).text == shown


def test_colours_are_removed_from_the_text_and_reported_per_span() -> None:
    screen = render("\x1b[1;31mError:\x1b[0m failed\n\x1b[32mok\x1b[39m done\n")
    assert screen.text == "Error: failed\nok done\n"
    assert screen.changed and screen.styled
    assert screen.lines == (
        (Span("Error:", Style(bold=True, fg="red")), Span(" failed")),
        (Span("ok", Style(fg="green")), Span(" done")),
        (),
    )


@pytest.mark.parametrize(("codes", "style"), [
    ("0", PLAIN),
    ("", PLAIN),
    ("1", Style(bold=True)),
    ("2", Style(dim=True)),
    ("3", Style(italic=True)),
    ("4", Style(underline=True)),
    ("7", Style(inverse=True)),
    ("8", Style(conceal=True)),
    ("9", Style(strike=True)),
    ("1;22", PLAIN),
    ("3;23", PLAIN),
    ("4;24", PLAIN),
    ("34", Style(fg="blue")),
    ("94", Style(fg="bright-blue")),
    ("44", Style(bg="blue")),
    ("104", Style(bg="bright-blue")),
    ("31;39", PLAIN),
    ("41;49", PLAIN),
    ("38;5;1", Style(fg="red")),
    ("38;5;9", Style(fg="bright-red")),
    ("38;5;208", Style(fg="palette-208")),
    ("48;2;255;136;0", Style(bg="#ff8800")),
    ("38:2:255:136:0", Style(fg="#ff8800")),
    ("1;38;5;208;4", Style(bold=True, underline=True, fg="palette-208")),
    ("5", PLAIN),  # blinking: not rendered
])
def test_sgr_codes(codes: str, style: Style) -> None:
    screen = render(f"\x1b[{codes}mx")
    assert screen.text == "x"
    assert screen.lines == ((Span("x", style),),)


def test_overwritten_text_takes_the_new_style_and_erased_cells_are_plain() -> None:
    screen = render("\x1b[31mred text\r\x1b[32mgreen\x1b[0m\n")
    assert screen.text == "greenext\n"
    assert screen.lines[0] == (Span("green", Style(fg="green")), Span("ext", Style(fg="red")))
    gap = render("\x1b[41mab\x1b[2K\x1b[5Cx\x1b[0m")
    assert gap.text == "       x"
    assert gap.lines == ((Span("       "), Span("x", Style(bg="red"))),)


def test_a_progress_bar_ends_as_its_last_state() -> None:
    frames = "".join(f"\r[{'#' * i}{'.' * (10 - i)}] {i * 10:3d}%" for i in range(11))
    screen = render(f"training\n{frames}\ndone\n")
    assert screen.text == "training\n[##########] 100%\ndone\n"


def test_screen_is_a_value() -> None:
    assert render("a\rb") == Screen("b", ((Span("b"),),), changed=True)


def test_a_large_recording_renders_quickly() -> None:
    """A flood-sized output (1 MiB) with carriage returns renders in well under a second."""
    import time

    recorded = "".join(f"step {i}\r" for i in range(100_000))[: 2**20] + "\n"
    started = time.perf_counter()
    screen = render(recorded)
    assert time.perf_counter() - started < 2.0
    assert screen.text.startswith("step ") and screen.text.count("\n") == 1
