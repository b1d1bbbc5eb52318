"""What saving says: a save-as name the load dialog would never list is refused, and a failed
autosave's note does not outlive a successful save elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import make_app, notified, wait_for
from screen_text import screen_text
from textual.widgets import Input

from tui.screens.autosave_failed import AutosaveFailedScreen
from tui.screens.save_as import SaveAsScreen
from tui.widgets.status import StatusPane

SIZE = (100, 30)


async def test_a_save_as_name_starting_with_a_dot_is_refused(save_dir: Path) -> None:
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="tiny run")
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), what="save as")
        app.screen.query_one("#save-path", Input).value = ".hidden"
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SaveAsScreen), "not saved where it would never be listed"
        assert "starting with '.'" in screen_text(app)
        assert not list(save_dir.glob(".*"))


async def test_a_save_elsewhere_clears_the_failed_autosaves_note(
    save_dir: Path, tmp_path: Path
) -> None:
    save_dir.parent.mkdir(parents=True, exist_ok=True)
    save_dir.write_text("a file where the folder should be")  # every autosave fails
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(StatusPane).epoch >= 1, what="training")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, AutosaveFailedScreen), what="ask")
        assert any("autosave failed" in note for note in app.exit_notes)
        await pilot.press("f7")  # stop it, so that the save below is all there is to keep
        await pilot.press("s")  # save elsewhere
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), what="save as")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        elsewhere = tmp_path / "elsewhere.rnnplay"
        app.screen.query_one("#save-path", Input).value = str(elsewhere)
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="saved elsewhere")
        assert elsewhere.is_file()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="gone")
    assert not any("autosave failed" in note for note in app.exit_notes), app.exit_notes


async def test_the_save_toast_never_cuts_the_file_name_mid_word(save_dir: Path) -> None:
    """At 80 columns the toast broke 'saves/…-033249.rnnplay' as '…033249.rnn' / 'play'."""
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="tiny run")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="the save's toast")
        await pilot.pause(0.5)
        (path,) = save_dir.glob("*.rnnplay")
        # The toast's lines, right of its border "▌".
        toast = [line.split("▌ ", 1)[1] for line in screen_text(app).splitlines() if "▌ " in line]
        words = re.findall(r"[^/\-_.]+[/\-_.]?", path.name)
        assert len(words) > 3
        for word in words:
            assert any(word in line for line in toast), (word, toast)
