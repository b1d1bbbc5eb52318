"""One prompt, several runs, in the app: m in the runs table marks a run, and the prompt shows
each marked run's completion on a line of its own, in its curve's colour, following each
keystroke (real core, tiny corpus, Pilot)."""

from __future__ import annotations

from helpers import greedy, make_app, wait_for
from screen_text import screen_text
from textual.color import Color
from textual.widgets import Input


async def test_two_marked_runs_complete_the_prompt_on_lines_of_their_own():
    app = make_app(train=True, epochs="6")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="first run")
        app.query_one("#hidden", Input).value = "24"
        app.query_one("#epochs", Input).value = "12"
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.playground.selected == 2, what="second run")
        await wait_for(pilot, lambda: app.state == "finished", what="second run to finish")
        table, prompt = app.main.runs, app.main.prompt
        await wait_for(pilot, lambda: table.row_count == 2, what="table rows")
        table.focus()
        for row in (0, 1):
            table.move_cursor(row=row)
            await pilot.press("m")
        await wait_for(pilot, lambda: app.playground.marked() == [1, 2], what="both marked")
        await wait_for(pilot, lambda: len(prompt.marked.runs) == 2, what="two lines")
        assert [line.run_id for line in prompt.marked.runs] == [2, 1], "the selected run first"
        colors = {r: Color.parse(c).hex for r, c in table.curve_colors.items()}
        assert [line.color for line in prompt.marked.runs] == [colors[2], colors[1]]
        assert colors[1] != colors[2]

        prompt.focus()
        for text in ("分", "分开", "分开我"):
            await pilot.press(text[-1])
            trainers = {run_id: app.playground._runs[run_id].trainer for run_id in (1, 2)}
            want = {run_id: greedy(t, text, prompt.length) for run_id, t in trainers.items()}
            assert want[1] != want[2] or len(set(want.values())) == 1
            await wait_for(
                pilot,
                lambda w=want: all(prompt.line_of(r) == c for r, c in w.items()),
                what=f"both lines follow {text!r}",
            )
        await pilot.pause(0.2)
        shown = screen_text(app)
        rows = [line for line in shown.splitlines() if "#1 scratch  " in line
                or "#2 scratch·hidden 24  " in line]  # fmt: skip
        assert any("✓" in row for row in rows), "a marked run shows a mark in the table"
        lines = [row for row in rows if "✓" not in row]
        assert len(lines) == 2 and "#2" in lines[0] and "#1" in lines[1], lines

        # Unmarked again, the prompt shows the selected run's completion inline, as before.
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("m")
        await wait_for(pilot, lambda: not prompt.marked.runs, what="lines gone")
        assert app.playground.marked() == [2]
