"""What the dialogs say is all on screen at 80x24: the F8 dialog's refusal whole, the help's
way out on its border, the load dialog's file names told apart and its border whole whatever
the names hold."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

from helpers import TINY_FILE, make_app, small_trainer, wait_for
from rich.cells import cell_len
from screen_text import screen_text, squeezed
from textual.app import App
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label

from engine.data.corpus import load_corpus
from engine.session import save_session
from tui.screens.help import HelpScreen
from tui.screens.load import LoadScreen

SMALL = (80, 24)
LONG = "100000"


def inside(app: App, widget: Widget) -> str:
    """The screen's text over `widget`'s region, line by line."""
    region = widget.region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)


async def test_the_lr_dialogs_refusal_is_shown_whole_at_80x24() -> None:
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="the dialog")
        app.screen.query_one("#new-lr", Input).value = "1e40"
        await pilot.press("enter")
        error = app.screen.query_one("#error", Label)
        await wait_for(pilot, lambda: str(error.render()).strip() != "", what="the refusal")
        await pilot.pause(0.1)
        message = str(error.render())
        assert "1e+40" in message or "1e40" in message
        dialog = app.screen.query_one(Vertical)
        assert squeezed(message) in squeezed(inside(app, dialog)), inside(app, dialog)
        await pilot.press("escape")
        await pilot.press("f7")


async def test_the_help_says_how_to_close_it_on_its_border() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        await pilot.pause(0.1)
        top = app.screen.query_one(VerticalScroll).region.y
        assert "Esc closes" in screen_text(app).splitlines()[top]
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def tiny_session(path: Path) -> Path:
    """A session file of a tiny run after one epoch, on the tests' corpus."""
    trainer = small_trainer(load_corpus(str(TINY_FILE)), epochs=1)
    trainer.run_epoch()
    save_session(path, trainer)
    return path


# As ctrl+s names them: corpus, model, sampling, date and time; then what a hostile folder holds.
ALIKE = ("tiny_lyrics-scratch-random-20261207-023852", "tiny_lyrics-scratch-random-20261207-024017",
         "tiny_lyrics-scratch-consecutive-20261207-024017")  # fmt: skip
ODD = {"ctl\x1b[31mred\x07bell": "ctl\\x1b[31mred\\x07bell", "new\nline": "new\\nline",
       "[bold]markup": "[bold]markup"}  # fmt: skip
WIDE = "宽字符的名字" * 5


async def test_the_load_dialog_at_80_columns_keeps_names_apart_and_its_border_whole(
    save_dir: Path,
) -> None:
    save_dir.mkdir(parents=True, exist_ok=True)
    first = tiny_session(save_dir / f"{ALIKE[0]}.rnnplay")
    for name in (*ALIKE[1:], *ODD, WIDE, "x" * 200):
        shutil.copy(first, save_dir / f"{name}.rnnplay")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load dialog")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == 8, what="listed")
        await pilot.pause(0.2)
        names = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        text = screen_text(app)
        # Nothing a terminal would act on reaches it; every line is the screen's width.
        assert not any(unicodedata.category(ch) == "Cc" for ch in text.replace("\n", ""))
        assert all(cell_len(line) == SMALL[0] for line in text.splitlines())
        for shown in ODD.values():  # escaped, whole or shortened in the middle
            head, tail = shown[:5], shown[-4:]
            assert any(n.startswith(head) and n.endswith(tail) for n in names), (shown, names)
        # Files named alike stay apart: each keeps its time (the name's end), all on screen.
        alike = [n for n in names if n.endswith(tuple(name[-6:] for name in ALIKE))]
        assert len(alike) == 3 and len(set(alike)) == 3
        for name in ALIKE:
            assert any(n.endswith(name[-6:]) for n in alike), (name, alike)
        assert all(n in text for n in names)
        header = [str(c.label) for c in table.columns.values()]
        assert header[-1] in text and header[-1].startswith("file")
        assert "model" in header and "epoch" in header and "saved" in header
        await pilot.press("escape")
