"""A tester's findings on run names (real core, Pilot): a label too long for the runs table's
column ends in "…" and leaves a gap before the next column; a grid's runs are labelled by what
varies in short ("scratch·random·lr 10"); a loaded run whose number is taken keeps its grid tag;
the core's messages name a run as the table does after F8; a save names its run (its message,
the load dialog, the list printed on quitting)."""

from __future__ import annotations

from pathlib import Path

from helpers import both_train_then_new_lr, make_app, notified, wait_for
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import DataTable

from engine.playground import grid_tags
from tui.app import RnnplayApp
from tui.screens.load import LoadScreen
from tui.widgets.runs_columns import LABEL

LONG = "100000"  # epochs: a run that trains until it is stopped


def test_a_grid_tag_names_a_word_alone_and_a_number_with_its_setting() -> None:
    runs = [{"sampling": s, "lr": lr} for s in ("random", "consecutive") for lr in (1.0, 10.0)]
    assert grid_tags(runs) == ["random·lr 1", "random·lr 10", "consecutive·lr 1",
                               "consecutive·lr 10"]  # fmt: skip


async def test_a_long_label_is_cut_with_an_ellipsis_and_a_gap_before_the_next_column() -> None:
    # Two settings fit in short ("#4 scratch·consec·lr 100"); three may still not.
    app = make_app(sampling="random, consecutive", lr="10, 100", hidden="16, 24", epochs="1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        table = app.main.runs
        await wait_for(pilot, lambda: table.row_count == 8, timeout=60, what="eight rows")
        labels = {s.id: s.label for s in app.playground.summaries()}
        assert len(set(labels.values())) == 8, labels
        cells = {run_id: table.get_row(str(run_id))[0].plain for run_id in labels}
        assert all(cell_len(cell) <= LABEL.width - 1 for cell in cells.values()), cells
        long = [run_id for run_id, label in labels.items() if cell_len(label) > LABEL.width - 3]
        assert long and all(cells[run_id].endswith("…") for run_id in long), cells


async def _grid_of_two_trained(pilot: Pilot, app: RnnplayApp) -> None:
    """F5 on the grid `lr 1, 10`, then both its runs' one epoch trained."""
    await pilot.press("f5")
    await wait_for(pilot, lambda: len(app.playground.summaries()) == 2
                   and all(s.epoch == 1 for s in app.playground.summaries()),
                   timeout=30, what="both trained")  # fmt: skip


async def test_a_loaded_run_whose_number_is_taken_keeps_its_grid_tag(save_dir: Path) -> None:
    app = make_app(lr="1, 10", epochs="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _grid_of_two_trained(pilot, app)
        ten = next(s for s in app.playground.summaries() if s.label.endswith("lr 10"))
        app.playground.select(ten.id)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: list(save_dir.glob("*.rnnplay")), timeout=20, what="saved")
        (path,) = save_dir.glob("*.rnnplay")
        app.playground.load(path)
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 3, timeout=30,
                       what="loaded")  # fmt: skip
        loaded = app.playground.summary(3)
        assert loaded is not None and loaded.label == "#3 scratch·lr 10", loaded.label


async def test_a_refusal_names_the_run_with_its_lr_now() -> None:
    app = make_app(train=True, epochs=LONG, lr="10, 30")
    async with app.run_test(size=(120, 40)) as pilot:
        await both_train_then_new_lr(pilot, app, 20)
        app.removing.remove(2)  # Del on its row
        await wait_for(pilot, lambda: notified(app, "is running"), what="the refusal")
        assert notified(app, "#2 scratch·lr 30→20 is running: stop it first")


async def test_saves_name_their_run_in_the_message_the_load_dialog_and_the_exit_list(
    save_dir: Path,
) -> None:
    app = make_app(lr="1, 10", epochs="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _grid_of_two_trained(pilot, app)
        one, ten = sorted(app.playground.summaries(), key=lambda s: s.config.lr)
        app.playground.select(ten.id)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), timeout=20, what="saved")
        assert notified(app, f"{ten.label} saved to")
        first = app.playground.summary(ten.id).path
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="listed")
        assert str(table.get_row_at(0)[1]) == ten.label
        await pilot.press("escape")
        await pilot.press("ctrl+q")  # the lr 1 run is saved on the way out
        await wait_for(pilot, lambda: not app.is_running, timeout=20, what="gone")
    (autosaved,) = set(save_dir.glob("*.rnnplay")) - {Path(str(first))}
    assert app.exit_notes == [f"rnnplay: {one.label} saved to {autosaved}"], app.exit_notes

