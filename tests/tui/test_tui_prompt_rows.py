"""The row the user types in stays on screen when the prompt pane is short of rows: with three
or four runs' lines at 80x24 (the views open or not), and after a long paste at 120x40, whose
note on the characters the model lacks stays short (real core, tiny corpus, Pilot)."""

from __future__ import annotations

import pytest
from helpers import TINY_TEXT, make_app, prompt_settled, wait_for
from screen_text import screen_text
from textual import events

from tui.widgets.completion_lines import shown_chars
from tui.widgets.prompt import PromptPane
from tui.widgets.runs_table import RunsTable


def _pane_rows(app) -> list[str]:
    """The focused prompt pane's rows, between its heavy borders."""
    prompt = app.query_one(PromptPane)
    assert prompt.has_focus
    lines = screen_text(app).splitlines()
    return [row.split("┃")[-2] for row in lines[prompt.region.y + 1 : prompt.region.bottom - 1]]


async def _runs(app, pilot, count: int) -> None:
    for n in range(1, count + 1):
        await wait_for(pilot, lambda n=n: len(app.playground.summaries()) == n
                       and app.state == "finished", timeout=60, what=f"run {n}")
        if n < count:
            await pilot.press("f5")


# With the views open and a long prompt, two rows are left: the typed row and the selected
# run's completion (a count of the rows above had taken the second, and no completion showed).
@pytest.mark.parametrize("inside,long", [(False, False), (True, False), (True, True)])
async def test_the_typed_line_stays_in_view_while_marked_runs_lines_give_way_at_80x24(
    inside: bool, long: bool
):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24)) as pilot:
        await _runs(app, pilot, 4)
        table, prompt = app.query_one(RunsTable), app.query_one(PromptPane)
        await wait_for(pilot, lambda: table.row_count == 4, what="table rows")
        selected = app.playground.selected
        # Three runs besides the selected one; with the views open, the selected one too.
        marks = [run.id for run in app.playground.summaries() if inside or run.id != selected]
        table.focus()
        for run_id in marks[-4 if inside else -3 :]:
            table.move_cursor(row=table.get_row_index(str(run_id)))
            await pilot.press("m")
        await wait_for(pilot, lambda: len(prompt.marked.runs) == 4, what="four lines")
        if inside:
            await pilot.press("f10")
        prompt.focus()
        if long:
            prompt.set_text(TINY_TEXT.replace("\n", " ")[:300])
        await pilot.press(*"分开")
        await prompt_settled(pilot, app)
        rows = _pane_rows(app)
        if long:
            assert "分开" in rows[0] and len(rows) == 2, rows
        else:
            assert any(row.strip().startswith("› 分开") for row in rows), rows
        # The selected run's completion (its line comes first) shows, and the count of the
        # lines left off.
        assert prompt.marked.runs[0].label in "\n".join(rows), rows
        assert "marked run" in rows[-1], rows


async def test_a_long_paste_keeps_its_end_the_completion_and_a_short_note_in_view():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="the run")
        prompt = app.query_one(PromptPane)
        prompt.focus()
        # Corpus text with characters the tiny corpus lacks (20 distinct ones) among it.
        foreign = "".join(chr(0x4E00 + 7 * i) for i in range(300))
        unknown = [ch for ch in dict.fromkeys(foreign) if ch not in TINY_TEXT][:20]
        assert len(unknown) == 20
        text = (TINY_TEXT.replace("\n", " ") * 20)[:1980] + "".join(unknown)
        prompt.post_message(events.Paste(text))  # as tmux's paste-buffer sends it
        await wait_for(pilot, lambda: prompt.text == text, what="the paste")
        await wait_for(pilot, lambda: prompt.visible_completion() != "", what="a completion")
        await prompt_settled(pilot, app)
        rows = _pane_rows(app)
        shown = "".join(rows).replace(" ", "")
        note = f"(not in vocabulary: 20 characters: {''.join(unknown[:8])} …and 12 more)"
        assert note.replace(" ", "") in shown, rows
        assert "".join(unknown[-8:]) in shown, rows  # the typed text's end, at the caret
        completion = "".join(shown_chars(prompt.visible_completion()).split())
        assert completion[:8] in shown, (completion, rows)
