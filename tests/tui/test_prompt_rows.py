"""Which of the prompt's rows show in a pane too short for them (tui/widgets/prompt_rows.py),
without an app: the caret's row always; the marked runs' lines give way first, and say how many
are left off."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text

from tui.widgets.prompt_line import prompt_line
from tui.widgets.prompt_rows import caret_row, fit_rows

CONSOLE = Console()
WIDTH = 20


def own_rows(text: str, cursor: int, completion: str = "") -> list[Text]:
    line = prompt_line(text, cursor, True, completion, (), frozenset(), "")
    return list(line.wrap(CONSOLE, WIDTH))


def run_rows(count: int) -> list[Text]:
    return [Text(f"#{n} run  completion {n}", no_wrap=True) for n in range(1, count + 1)]


def test_the_caret_row_is_found_wherever_the_caret_wrapped_to() -> None:
    text = "abcdefghij " * 10
    rows = own_rows(text, 45)
    assert len(rows) > 5
    row = caret_row(rows)
    before = sum(len(r.plain) for r in rows[:row])  # no spaces are cut at these row ends
    assert before <= 2 + 45 < before + len(rows[row].plain), (row, [r.plain for r in rows])


@pytest.mark.parametrize("room", [2, 3, 4])
def test_the_marked_runs_lines_give_way_to_the_prompt_line_and_say_how_many(room: int) -> None:
    own, marked = own_rows("abc", 3), run_rows(4)
    shown = [row.plain for row in fit_rows(own, marked, room, WIDTH)]
    assert len(shown) == room
    assert shown[0].startswith("› abc"), shown
    assert shown[1:-1] == [row.plain for row in marked[: room - 2]]
    left_off = 5 - room
    assert shown[-1].startswith("#"), shown
    assert shown[-1].endswith(f"(+{left_off} marked run{'s' * (left_off > 1)})"), shown
    assert all(len(row) <= WIDTH for row in shown), shown


def test_a_long_prompt_shows_the_caret_row_and_the_completion_after_it() -> None:
    text = "abcdefghij " * 20
    own = own_rows(text, len(text), "xyz")
    shown = [row.plain for row in fit_rows(own, [], 4, WIDTH)]
    assert shown[0] == f"… {len(own) - 3} more lines above"
    assert shown[-1].rstrip().endswith("xyz"), shown


def test_a_caret_far_from_the_end_stays_in_view_with_the_rows_after_it() -> None:
    text = "abcdefghij " * 20
    own = own_rows(text, 3)  # the caret on the first row
    shown = fit_rows(own, run_rows(3), 5, WIDTH)
    assert caret_row(shown) == 0, "nothing is left off above it"
    assert [row.plain for row in shown][3] == f"… {len(own) - 3} more lines below"
    assert shown[-1].plain.endswith("(+2 marked runs)")


def test_rows_left_off_on_both_sides_are_told_on_their_own_sides() -> None:
    text = "abcdefghij " * 20
    own = own_rows(text, 100)
    caret = caret_row(own)
    shown = [row.plain for row in fit_rows(own, [], 5, WIDTH)]
    assert shown[0] == f"… {caret} more lines above", shown
    assert shown[-1] == f"… {len(own) - caret - 3} more lines below", shown
    assert caret_row(fit_rows(own, [], 5, WIDTH)) == 1


def test_a_pane_of_two_rows_with_the_caret_on_the_first_says_below_under_it() -> None:
    own = own_rows("abcdefghij " * 20, 3)
    shown = [row.plain for row in fit_rows(own, [], 2, WIDTH)]
    assert shown[1] == f"… {len(own) - 1} more lines below", shown


def test_a_long_prompt_and_marked_runs_in_two_rows_keep_the_caret_row_and_a_completion() -> None:
    text = "abcdefghij " * 20
    own = own_rows(text, len(text))
    fitted = fit_rows(own, run_rows(3), 2, WIDTH)
    shown = [row.plain for row in fitted]
    assert caret_row(fitted) == 0 and shown[0] == own[-1].plain, shown
    assert shown[1].startswith("#") and shown[1].endswith("(+2 marked runs)"), shown
    # One row: the caret's alone.
    assert [row.plain for row in fit_rows(own, run_rows(3), 1, WIDTH)] == [own[-1].plain]


def test_one_row_left_off_above_shows_in_place_of_a_note_on_it() -> None:
    own = [Text(f"row {n}") for n in range(6)]
    own[1] = prompt_line("abc", 3, True, "", (), frozenset(), "")  # the caret's row
    shown = [row.plain for row in fit_rows(own, [], 4, WIDTH)]
    assert shown == ["row 0", "› abc ", "row 2", "… 3 more lines below"], shown
