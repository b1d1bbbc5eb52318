"""One commands table: the key bindings, the palette and the help all come from it, and the
palette offers only what the runs' states allow now."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import make_app, wait_for
from screen_text import screen_text

from tui.app import RnnplayApp
from tui.commands import COMMANDS
from tui.screens.help import help_text

SIZE = (100, 30)
LONG = "100000"


def palette(app: RnnplayApp) -> set[str]:
    return {c.title for c in app.get_system_commands(app.screen)}


def test_every_bound_key_comes_from_the_table_and_is_in_the_help() -> None:
    bound = {(b.key, b.action) for b in RnnplayApp.BINDINGS}
    table = {(c.key, c.action) for c in COMMANDS if c.key and c.action}
    assert bound == table
    text = help_text()
    for command in COMMANDS:
        if command.key:
            assert f"**{command.keys_text}**: {command.title}" in text, command
    assert "**F5**: New run" in text and "**F6**: Pause/resume/train on" in text
    # The keys the panes bind themselves are documented too.
    for keys in ("PgUp / PgDn", "ctrl+t / ctrl+k / ctrl+r / ctrl+y", "ctrl+u / ctrl+w / ctrl+j",
                 "ctrl+p", "Esc"):
        assert f"**{keys}**" in text


async def test_the_palette_offers_only_what_applies_now() -> None:
    app = make_app(epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        idle = palette(app)
        assert "New run" in idle and "Load session" in idle
        assert not {"Pause training", "Resume training", "Train on", "Stop training",
                    "Save session", "Clear finished runs"} & idle  # fmt: skip
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.state == "running", what="training")
        running = palette(app)
        assert {"Pause training", "Stop training", "Save session"} <= running
        assert not {"Resume training", "Train on"} & running
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        paused = palette(app)
        assert "Resume training" in paused and "Pause training" not in paused
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        stopped = palette(app)
        assert "Train on" in stopped and not {"Pause training", "Resume training"} & stopped
        # The palette's entry runs the same action as the key.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"train on")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state == "running", what="trained on")
        await pilot.press("f7")


async def test_the_help_lists_the_keys_and_esc_closes_it() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: "F5: New run" in screen_text(app), what="help")
        await pilot.press("escape")
        await pilot.pause()
        assert "F5: New run" not in screen_text(app)


def test_readme_key_table_names_every_ctrl_and_function_key() -> None:
    """Help lists every key from COMMANDS; README's key table must too (ctrl+d was missing)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| "))
    keys = [k for c in COMMANDS for k in c.key.split(",") if re.fullmatch(r"ctrl\+\w|f\d+", k)]
    missing = [k for k in keys
               if not re.search(rf"(?<![\w+]){re.escape(k)}(?!\w)", table, re.IGNORECASE)]
    assert missing == []


def test_help_text_says_what_the_keys_do_now() -> None:
    text = help_text()
    for stale in ("is stopped first", "`val` in the runs table", "The marked run (▶)",
                  "Next pane: runs table, plot, prompt, samples"):
        assert stale not in text, stale
    assert "The selected run (▶)" in text and "`held-out` in the runs table" in text
