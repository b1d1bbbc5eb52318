"""The prompt's own line (tui/widgets/prompt_line.py): each typed character's look, without an
app."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from tui.widgets.prompt_line import prompt_line

CONSOLE = Console()


def look(line: Text, offset: int) -> Style:
    """The style a cell is drawn with (the caret's tag for the pane's layout aside)."""
    return line.get_style_at_offset(CONSOLE, offset).clear_meta_and_links()


@pytest.mark.parametrize("cursor", [0, 3, 4, 7])
@pytest.mark.parametrize("focused", [True, False])
def test_every_typed_character_has_its_own_look(cursor: int, focused: bool) -> None:
    text, unknown = "ab€c\nd€", frozenset("€")
    line = prompt_line(text, cursor, focused, "xy", (0.5, 1.0), unknown, "")
    assert line.plain.startswith("› ab€c↵d€" + (" " if cursor == len(text) else "") + "xy")
    caret = Style.parse("reverse" if focused else "underline")
    for i, ch in enumerate(text):
        want = Style.parse("bold red underline") if ch in unknown else Style()
        if i == cursor:
            want += caret
        assert look(line, 2 + i) == want, (i, ch)


def test_a_long_prompt_reads_back_whole() -> None:
    text = "分开我想就这样牵着你的手不放开 hello world " * 80
    line = prompt_line(text, 5, True, "", (), frozenset(), "")
    assert line.plain == "› " + text
    assert look(line, 2 + 5) == Style.parse("reverse")
    assert look(line, 2 + 6) == Style()
