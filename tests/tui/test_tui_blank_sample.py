"""A tester's finding: a sample made only of spaces looked empty in the samples pane (as if the
run had predicted nothing); its spaces show as the prompt shows a blank completion's, ·."""

from __future__ import annotations

from helpers import make_app
from screen_text import screen_text


async def test_a_sample_of_only_spaces_shows_its_spaces() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        samples = app.main.samples
        samples.add_sample("#1 scratch", 50, "分开", "分开" + " " * 5)
        samples.add_sample("#1 scratch", 100, "分开", "分开 我 想")  # spaces among words stay
        await pilot.pause()
        assert [line.plain for line in samples._written][-2:] == [
            "#1 scratch e50 分开·····", "#1 scratch e100 分开 我 想"]
        assert "e50 分开·····" in screen_text(app)
