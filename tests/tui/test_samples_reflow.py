"""The samples pane re-wraps what it holds when its width changes: a line written while the pane
was narrow (hidden behind the full-screen setup form at 80x24) or wide (before the terminal
shrank) is shown whole at the width the pane has now."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.samples import SamplesLog

NOTE = "new run #2 rnn·random: lr 0.001 (Adam), clip 0.01, cpu"
SAMPLE = "分开 我不要再想 我不 我不 我不要再想你 不知不觉 你已经离开我 不知不觉 我跟了这节奏"


class _Pane(App[None]):
    def compose(self) -> ComposeResult:
        yield SamplesLog()


def _rows(log: SamplesLog) -> list[str]:
    return [strip.text.rstrip() for strip in log.lines]


async def test_lines_written_narrow_are_rewrapped_when_the_pane_widens() -> None:
    app = _Pane()
    async with app.run_test(size=(12, 30)) as pilot:
        log = app.query_one(SamplesLog)
        log.add_note(NOTE)
        await pilot.pause()
        narrow = _rows(log)
        assert len(narrow) > 3  # a few cells a row
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        await pilot.pause()
        assert _rows(log) == [NOTE]


async def test_lines_written_wide_lose_nothing_when_the_pane_shrinks() -> None:
    app = _Pane()
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.query_one(SamplesLog)
        log.add_sample("#1", 3, "分开", SAMPLE)
        await pilot.pause()
        await pilot.resize_terminal(40, 30)
        await pilot.pause()
        await pilot.pause()
        rows = _rows(log)
        assert len(rows) > 1
        assert all(log.size.width >= len(r) for r in rows)
        shown = "".join(r.strip() for r in rows).replace(" ", "")
        assert SAMPLE.replace(" ", "") in shown  # every character still there
