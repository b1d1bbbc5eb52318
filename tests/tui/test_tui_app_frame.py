"""Pilot tests of the app around the panes, on the real playground core and a tiny corpus: help
and the command palette, the footer and ctrl+c, small and narrow terminals, quitting promptly,
late thread messages, garbage collection, and the runs table's columns as the width changes."""

from __future__ import annotations

import gc
import time

from helpers import make_app, prompt_of, wait_for
from screen_text import screen_text
from textual import events

from engine.playground.events import Completion
from engine.training.events import EpochEnd
from tui.app import GC_YOUNG_OBJECTS
from tui.messages import EngineReport
from tui.numbers import perplexity_text
from tui.widgets.runs_columns import LABEL, NUMBERS, SETTINGS

SIZE = (100, 30)
LONG = "100000"  # epochs: a run that goes on until the test stops it



async def test_help_screen_and_command_palette():
    app = make_app(epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: "F5: New run" in screen_text(app), what="help drawn")
        text = screen_text(app)
        assert "Keys" in text and "F6: Pause/resume/train on" in text, "keys come first"
        await pilot.press("escape")
        await pilot.pause()
        assert "F5: New run" not in screen_text(app)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"New run", "Load session", "Help"} <= titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"new run")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state in ("running", "finished"), what="started")


async def test_footer_shows_keys_and_ctrl_c_hints_quit():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # The footer composes its keys once the focus settles: waited for, not read once.
        await wait_for(pilot, lambda: "Quit" in screen_text(app).splitlines()[-1],
                       what="the footer's keys")
        footer = screen_text(app).splitlines()[-1]
        for key in ("Setup", "f5 New run", "f6 Pause/resume/train on", "Stop", "Save", "Load",
                    "Quit"):  # fmt: skip
            assert key in footer, footer
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert any("ctrl+q" in str(n.message).lower() for n in app._notifications)
        assert app.is_running


async def test_tiny_terminal_shows_note():
    app = make_app()
    async with app.run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        assert "terminal too small" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "terminal too small" not in screen_text(app)


async def test_quit_while_training_is_prompt():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused")
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 2.0
    assert app.return_value == 0


async def test_quit_after_pasting_a_long_prompt_while_training_is_prompt():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        prompt_of(app).post_message(events.Paste("分开 我不能再想 " * 500))
        await wait_for(pilot, lambda: len(prompt_of(app).text) > 1000, what="pasted")
        await pilot.pause(0.2)
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 2.0


async def test_thread_messages_after_shutdown_are_dropped():
    # Textual drains queued messages after removing the screens; a late completion or epoch
    # from a thread must not end the app with a traceback (seen once in CI).
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
    app.on_engine_report(EngineReport(1, Completion("分开", "我想", (), 9)))
    app.on_engine_report(EngineReport(1, EpochEnd(9, 9, 2.0, 0.1, 100.0, 0.5, 1.0)))


async def test_narrow_terminal_hides_setup_until_f4():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "model" not in screen_text(app).split("\n")[2], "setup hidden below 100 columns"
        await pilot.press("f4")
        await pilot.pause()
        assert app.main.setup.display and app.focused in list(app.main.setup.query("*"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is prompt_of(app)
        assert not app.main.has_class("-setup-open")


async def test_the_running_app_keeps_its_objects_out_of_garbage_collections():
    # A full collection walked every widget and torch object: ~200 ms with the screen frozen;
    # and the young generation is collected less often (tui/app.py GC_YOUNG_OBJECTS).
    before = gc.get_threshold()
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == GC_YOUNG_OBJECTS
    assert gc.get_freeze_count() == 0  # given back when the app goes
    assert gc.get_threshold() == before


async def test_the_runs_table_fits_its_columns_to_its_room_and_keeps_its_rows():
    # From 100 to ~114 columns the setup form beside the table left it too little room: its
    # last columns were cut off. And a resize after training had ended left it empty.
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="finished")
        await pilot.pause(0.6)
        ppl = perplexity_text(app.playground.summary(1).perplexity)
        names = {c.name for c in (LABEL, *SETTINGS, *NUMBERS)}
        for width in (120, 100, 80, 120):
            await pilot.resize_terminal(width, 30)
            await pilot.pause(0.3)
            lines = screen_text(app).splitlines()
            row = next((line for line in lines if "#1" in line), "(no row)")
            assert "finished" in row and f" {ppl} " in row, (width, row)
            # Where the room is short, columns give way whole: the last one shown is not cut.
            header = next(line for line in lines if " status " in line and " epoch " in line)
            last = header.rstrip(" │")
            assert any(last.endswith(f" {name}") for name in names), (width, header)
