"""Loading in the app, on the real engine with a tiny corpus: the load screen (ctrl+o) and what it
lists, --load of a good or bad file, training a loaded run on (F6) and a new run beside it (F5).
Files are written with engine.session itself."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest
from helpers import jaychou_app, listed_saves, make_app, notified, wait_for
from safetensors.torch import save as safetensors_save
from screen_text import screen_text
from textual.widgets import DataTable, Input

from engine.config import TrainConfig
from engine.data.corpus import load_corpus
from engine.session import FORMAT, FORMAT_VERSION, save_session
from engine.session.container import open_container
from engine.training.trainer import Trainer
from tui.screens.load import LoadScreen
from tui.screens.target import TargetScreen
from tui.widgets.curves import CurvesPlot
from tui.widgets.prompt import PromptPane
from tui.widgets.samples import SamplesLog
from tui.widgets.setup import SetupPane
from tui.widgets.status import StatusPane

SIZE = (100, 30)


pytestmark = pytest.mark.usefixtures("one_torch_thread")



def engine_session(path: Path, epochs_done: int, epochs: int, prompt: str) -> list[float]:
    """Save a tiny trainer after `epochs_done` of `epochs` epochs (a sample every epoch);
    returns the perplexities of the same run trained straight through, for comparison."""
    corpus = load_corpus("jaychou", max_chars=2000)
    cfg = TrainConfig(
        hidden=32, batch_size=8, num_steps=10, epochs=epochs, device="cpu",
        pred_period=1, pred_len=8, prefixes=("分开",),
    )  # fmt: skip
    reference = Trainer(corpus, cfg)
    reference.run()
    trainer = Trainer(corpus, cfg)
    for _ in range(epochs_done):
        trainer.run_epoch()
    save_session(path, trainer, prompt=prompt)
    return [e.perplexity for e in reference.history]


def finished_session(path: Path, epochs: int, prompt: str) -> Path:
    """A session file of a tiny run trained to its end."""
    corpus = load_corpus("jaychou", max_chars=2000)
    cfg = TrainConfig(hidden=32, batch_size=8, num_steps=10, epochs=epochs, device="cpu")
    trainer = Trainer(corpus, cfg)
    trainer.run()
    return save_session(path, trainer, prompt=prompt)


def _with_format_version(path: Path, version: str) -> Path:
    """path rewritten with another format version text (every checksum still valid)."""
    with open_container(path, fmt=FORMAT, max_version=FORMAT_VERSION) as c:
        tensors, header = c.tensors(), c.header
    meta = json.dumps(header.meta, ensure_ascii=True, separators=(",", ":"))
    path.write_bytes(safetensors_save(tensors, metadata={
        "format": FORMAT, "format_version": version, "meta": meta,
        "meta_sha256": hashlib.sha256(meta.encode()).hexdigest(),
        "data_sha256": header.data_sha256}))
    return path


async def test_load_screen_restores_history_samples_prompt_and_trains_on_exactly(
    save_dir: Path,
) -> None:
    straight = engine_session(save_dir / "three.rnnplay", 3, 6, prompt="我不")
    app = jaychou_app(model="gru", hidden="64", epochs="99", device="auto")
    async with app.run_test(size=SIZE) as pilot:
        table = await listed_saves(pilot, app, 1)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[2:6] == ["scratch", "3", f"{straight[2]:.2f}", "jaychou"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state == "loaded", timeout=20, what="loaded")
        plot = app.query_one(CurvesPlot)
        assert plot.runs[-1].epochs == [1, 2, 3]
        assert all(
            math.isclose(a, b, rel_tol=1e-6)
            for a, b in zip(plot.runs[-1].perplexity, straight, strict=False)
        )
        prompt = app.query_one(PromptPane)
        assert prompt.text == "我不"
        await wait_for(pilot, lambda: prompt.visible_completion() != "", timeout=10)
        assert len(app.query_one(SamplesLog).lines) >= 4  # a note and a sample per epoch
        # The setup form is the next run's input: a loaded run's settings do not fill it.
        assert app.query_one(SetupPane).value("hidden") == "64"
        await pilot.pause(0.1)
        assert "epoch 3/6" in screen_text(app)
        # F6 trains the loaded run on, exactly as if never saved.
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="trained on")
        assert len(plot.runs) == 1 and plot.runs[0].epochs == [1, 2, 3, 4, 5, 6]
        for got, want in zip(plot.runs[0].perplexity, straight, strict=True):
            assert math.isclose(got, want, rel_tol=1e-5), (got, want)
        assert app.query_one(StatusPane).epoch == 6


async def test_load_screen_at_80x24_shortens_long_file_names_instead_of_cutting_them(
    save_dir: Path,
) -> None:
    long_name = "jaychou-scratch-e34-20261129-222520.rnnplay"  # as ctrl+s names them
    engine_session(save_dir / long_name, 1, 2, prompt="")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await listed_saves(pilot, app, 1)
        await pilot.pause(0.1)
        shown = str(table.get_row_at(0)[-1])
        assert "…" in shown and shown.startswith("jay") and shown.endswith("-222520")
        assert shown in screen_text(app)  # all of it on screen: shortened, not cut


async def test_load_screen_when_empty_says_where_saves_go(save_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        await wait_for(pilot, lambda: "no saves in" in screen_text(app), what="empty note")
        assert str(save_dir) in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LoadScreen)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Load session" in titles
        assert not {"Save session", "Save session as"} & titles, "no run to save yet"


async def test_corrupt_file_on_load_is_one_message_and_the_app_starts_fresh(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "broken.rnnplay"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header")
    app = jaychou_app(load=str(bad))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: notified(app, "refused"), timeout=20, what="message")
        (note,) = [n for n in app._notifications if n.title == "refused"]
        assert str(bad) in note.message and "\n" not in note.message
        assert app.state == "idle"
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="fresh run")


async def test_f6_on_a_finished_load_asks_how_far_and_f5_always_starts_a_new_run(
    save_dir: Path,
) -> None:
    path = finished_session(save_dir / "done.rnnplay", 3, "分")
    app = jaychou_app(load=str(path), epochs="4")
    async with app.run_test(size=SIZE) as pilot:
        # The core knows the run as loaded a moment before the app has shown its report.
        prompt = app.query_one(PromptPane)
        await wait_for(pilot, lambda: app.state == "loaded" and prompt.text == "分",
                       what="loaded, with its prompt")  # fmt: skip
        # Finished at 3/3: F6 asks for a new target (3 + the setup's 4) instead of refusing.
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetScreen), what="question")
        assert app.screen.query_one("#target", Input).value == "7"
        await pilot.press("escape")
        await pilot.pause()
        assert app.state == "loaded" and not isinstance(app.screen, TargetScreen)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetScreen), what="asked again")
        app.screen.query_one("#target", Input).value = "5"
        await pilot.press("enter")
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: app.state == "finished" and len(plot.runs[0].epochs) == 5,
                       timeout=30, what="trained on to 5")  # fmt: skip
        # F5 is a new run whatever the setup holds: the loaded curve stays beside it.
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.state == "finished" and len(plot.runs) == 2,
                       timeout=30, what="new run")  # fmt: skip
        assert plot.runs[0].epochs == [1, 2, 3, 4, 5], "the loaded run is untouched"
        assert not notified(app, "settings changed")


async def test_launch_with_load_train_and_epochs_trains_on(save_dir: Path) -> None:
    # `rnnplay --load FILE --train --epochs 5`; the name would be markup if read as such.
    name = "odd [bold]x.rnnplay"
    path = finished_session(save_dir / name, 3, "")
    app = jaychou_app(train=True, load=str(path), epochs="5")
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="trained on")
        # The plot catches up with the runs twice a second: under load after the run's end.
        await wait_for(pilot, lambda: plot.runs and plot.runs[0].epochs == [1, 2, 3, 4, 5],
                       what="the plot's epochs 1-5")  # fmt: skip
        assert app.query_one(StatusPane).epochs == 5
        table = await listed_saves(pilot, app, 1)
        assert str(table.get_row_at(0)[-1]) == "odd [bold]x"  # the header says .rnnplay
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state == "loaded", what="loaded again")
        # The file as saved (3 epochs), beside the curve trained on from it.
        assert len(plot.runs) == 2 and plot.runs[1].epochs == [1, 2, 3]


async def test_a_hostile_file_in_the_save_folder_is_listed_as_unreadable(save_dir: Path) -> None:
    finished_session(save_dir / "good.rnnplay", 2, "")
    (save_dir / "bad.rnnplay").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2, what="both listed")
        rows = {str(table.get_row_at(i)[-1]): str(table.get_row_at(i)[2]) for i in range(2)}
        assert rows == {"good": "scratch", "bad": "unreadable"}
        bad_row = [i for i in range(2) if str(table.get_row_at(i)[-1]) == "bad"][0]
        table.move_cursor(row=bad_row)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, LoadScreen) and "bad.rnnplay:" in screen_text(app)


async def test_a_load_keeps_the_prompt_being_typed(save_dir: Path) -> None:
    finished_session(save_dir / "done.rnnplay", 2, "分")
    app = jaychou_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptPane)
        prompt.insert("我想")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load dialog")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 1,
                       what="the file listed")  # fmt: skip
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state == "loaded", what="loaded")
        await wait_for(pilot, lambda: "kept the prompt you typed" in screen_text(app),
                       what="the note")  # fmt: skip
        assert prompt.text == "我想"


async def test_ctrl_o_with_a_format_version_in_other_digits_keeps_the_run(
    save_dir: Path,
) -> None:
    # Issue 23 item 1: "²".isdigit() is True, int("²") raised in the listing: ctrl+o crashed
    # the app (exit 0, a traceback) and the run training in it was lost, not autosaved.
    _with_format_version(finished_session(save_dir / "sup.rnnplay", 1, ""), "²")
    _with_format_version(finished_session(save_dir / "arabic.rnnplay", 1, ""), "٣")
    app = jaychou_app(train=True, epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2, what="both listed")
        assert {str(table.get_row_at(i)[2]) for i in range(2)} == {"unreadable"}
        table.move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, LoadScreen) and "format version" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoadScreen), what="closed")
        assert app.state == "running" and app.is_running
