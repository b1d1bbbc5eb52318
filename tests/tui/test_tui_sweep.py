"""The app opens a sweep folder (what `rnnplay sweep --out DIR` leaves): ctrl+o lists it beside
the saves, Enter (or `rnnplay --load DIR`) loads every trial as a run, best first, the best one
selected. The folder is made here by the sweep's own writers (engine.sweep.folder and .summary)
from real trainers' sessions, so no Ray is needed (tests/test_sweep.py runs real sweeps)."""

from __future__ import annotations

from pathlib import Path

from helpers import TINY_FILE, make_app, notified, small_trainer, wait_for
from textual.widgets import DataTable

from engine.data.corpus import load_corpus
from engine.session import save_session
from engine.sweep.folder import trial_file, write_plan
from engine.sweep.summary import FINISHED, TrialRow, write_summary
from tui.app import RnnplayApp
from tui.screens.load import LoadScreen

SIZE = (100, 30)


def sweep_folder(folder: Path) -> list[str]:
    """Three trials over lr, saved as a sweep saves them; returns their files best first."""
    corpus = load_corpus(str(TINY_FILE), 0)
    rows = []
    for n, lr in enumerate((0.1, 30.0, 3.0)):
        trainer = small_trainer(corpus, lr=lr, epochs=2, pred_period=0, val_chars=100)
        trainer.run()
        name, label = f"trial-{n:02d}", f"lr {lr:g}"
        save_session(trial_file(folder, name), trainer)
        best = min(e.val_perplexity for e in trainer.history)
        rows.append(TrialRow(name, label, {"lr": lr}, best, 2, FINISHED,
                             file=trial_file(folder, name).name))
    write_plan(folder, {"corpus": {"corpus": str(TINY_FILE)}})
    return [str(folder / row.file) for row in write_summary(folder, rows)]


def run_files(app: RnnplayApp) -> list[str]:
    return [str(s.path) for s in app.playground.summaries()]


async def test_ctrl_o_lists_a_sweep_folder_and_enter_loads_every_trial_best_first(
    save_dir: Path,
) -> None:
    best_first = sweep_folder(save_dir / "sweep-tiny")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the sweep listed")
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[1:3] == ["-", "sweep of 3"] and row[-1] == "sweep-tiny"  # no one run: "-"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(run_files(app)) == 3, timeout=30, what="3 trials")
        assert run_files(app) == best_first
        selected = app.playground.summary(app.playground.selected)
        assert selected is not None and str(selected.path) == best_first[0]
        assert all(s.state == "loaded" for s in app.playground.summaries())


async def test_launch_with_load_of_a_sweep_folder_and_of_a_plain_folder(
    save_dir: Path, tmp_path: Path
) -> None:
    best_first = sweep_folder(tmp_path / "sweep")
    app = make_app(load=str(tmp_path / "sweep"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(run_files(app)) == 3, timeout=30, what="3 trials")
        assert run_files(app) == best_first
        # Each trial's label carries its varied settings, from the summary.
        assert sorted(s.label.split(" ", 1)[1] for s in app.playground.summaries()) == [
            "scratch·lr 0.1", "scratch·lr 3", "scratch·lr 30"]
    plain = tmp_path / "plain"
    plain.mkdir()
    app = make_app(load=str(plain))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: notified(app, "refused"), timeout=20, what="the refusal")
        (note,) = [n for n in app._notifications if n.title == "refused"]
        assert f"{plain} is a folder, not a session file or a sweep folder" in note.message
        assert "\n" not in note.message and run_files(app) == []
        # The toast goes after a few seconds: the samples log keeps the reason.
        assert any(note.message in line.plain for line in app.main.samples._written)
