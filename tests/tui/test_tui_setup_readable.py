"""The setup form reads without colour and without guessing: the chosen device's button is the
only one marked, and a long corpus path shows its file name at 100 to 120 columns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import TINY_FILE, make_app, wait_for
from screen_text import screen_text
from textual.widgets import Input, RadioButton


async def test_only_the_chosen_device_is_marked() -> None:
    app = make_app(device="cpu")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        buttons = list(app.query(RadioButton))
        assert len(buttons) >= 2
        for button in buttons:
            mark = button.render().plain[:3]  # "▐●▌", then the label
            assert ("●" in mark) == button.value, (button.name, mark)
        next(b for b in buttons if b.name == "auto").value = True
        await pilot.pause(0.1)
        marked = [b.name for b in buttons if "●" in b.render().plain[:3]]
        assert marked == ["auto"]


@pytest.mark.parametrize("width", [100, 110, 120])
async def test_a_long_corpus_path_shows_its_file_name(tmp_path: Path, width: int) -> None:
    folder = tmp_path / "a" / "long" / "folder" / "of" / "corpora" / "for" / "the" / "book"
    folder.mkdir(parents=True)
    corpus = folder / "my_lyrics_file.txt"
    shutil.copy(TINY_FILE, corpus)
    app = make_app(corpus=str(corpus))
    async with app.run_test(size=(width, 40)) as pilot:
        field = app.query_one("#corpus", Input)
        await wait_for(pilot, lambda: field.size.width > 0, what="laid out")
        await pilot.pause(0.2)

        def shown() -> str:
            row = screen_text(app).splitlines()[field.region.y]
            return row[field.region.x : field.region.right].rstrip()

        assert str(corpus).endswith(shown()) and len(shown()) > 10, shown()  # its end
        field.focus()
        await pilot.press("home")
        await pilot.pause(0.1)
        app.query_one("#lr", Input).focus()  # away again: the end shows again
        await pilot.pause(0.2)
        assert str(corpus).endswith(shown()) and len(shown()) > 10, shown()  # its end
