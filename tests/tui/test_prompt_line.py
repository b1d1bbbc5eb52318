"""The prompt's own line (tui/widgets/prompt_line.py): each typed character's look, without an
app."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from tui.widgets.prompt_line import prompt_line, unknown_note

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


def test_a_few_unknown_characters_are_each_named() -> None:
    assert unknown_note("a€b¥€", frozenset("€¥")) == "(not in vocabulary: €¥)"


def test_many_unknown_characters_are_counted_and_the_first_few_named_in_the_order_typed() -> None:
    unknown = "ΩЖ∑ЯДЛπΨФЮ"  # 10 characters, none sorted
    note = unknown_note("ab" + unknown + unknown[::-1], frozenset(unknown))
    assert note == "(not in vocabulary: 10 characters: ΩЖ∑ЯДЛπΨ …and 2 more)"
