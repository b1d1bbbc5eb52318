"""The book's corpus not downloaded: the app says so at launch (status line, setup form, log),
names the setup form's corpus field (F4) as the way out rather than a command-line flag, and
keeps the folder's path on a line of its own; a failed download says the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_app, notified, wait_for
from screen_text import screen_text
from textual.widgets import Static

from tui.widgets.status import StatusPane


async def test_a_missing_corpus_is_said_at_launch_and_after_a_failed_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "corpora"
    empty.mkdir()
    monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(empty))
    monkeypatch.setenv("RNNPLAY_JAYCHOU_URL", "http://127.0.0.1:9/jaychou_lyrics.txt.zip")
    app = make_app(corpus="jaychou")
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one(StatusPane)
        await wait_for(pilot, lambda: "no jaychou corpus yet" in screen_text(app), what="note")
        line = next(row for row in screen_text(app).splitlines() if "no jaychou corpus" in row)
        assert "F4" in line and "pysrc" in line
        error = str(app.query_one("#setup-error", Static).render())
        assert f"\n  {empty}\n" in error  # the folder on a line of its own
        assert "corpus field (F4)" in error and "--corpus" not in error
        assert app.main.prompt.has_focus  # said, not forced on the user
        await pilot.press("f5")
        await wait_for(pilot, lambda: notified(app, "could not download"), timeout=30,
                       what="the refusal")  # fmt: skip
        (toast,) = [n for n in app._notifications if n.title == "refused"]
        assert "F4" in toast.message and "--corpus" not in toast.message
        await pilot.pause(0.2)
        # The status line no longer offers the download that just failed: it says so, in the
        # log's words.
        failed = "could not download the jaychou corpus: F4, set corpus to pysrc or a text file"
        assert app.state == "idle" and status.reason == failed
        assert failed in [line.plain for line in app.main.samples._written]
