"""A tester's findings on the load dialog: a save of a run that diverged looked like any other
(it loads diverged, to be looked at, never trained on), and at 80x24 the file column was five
cells ("…0…33"), so saves of one run read alike, "#1 scratch" each. A diverged save says so in
its perplexity's place; where every run's name says its model the model column gives its room
to the file's name, which keeps what tells the files apart (their time)."""

from __future__ import annotations

from pathlib import Path

from helpers import INSPECT_TEXT, make_app, small_trainer, wait_for
from screen_text import screen_text
from textual.widgets import DataTable

from engine.data.corpus import load_corpus
from engine.session import save_session
from tui.screens.load import LoadScreen, shortened

# As ctrl+s names them; the third is the diverged run's.
SAVES = (("jaychou-scratch-random-20261207-034224", "#1 scratch", ""),
         ("jaychou-scratch-random-20261207-034301", "#1 scratch", ""),
         ("jaychou-scratch-random-20261207-034302", "#2 scratch·lr 100", "loss blew up"),
         ("jaychou-scratch-random-20261207-052733", "#1 scratch", ""))  # fmt: skip


def _saves(save_dir: Path, tmp_path: Path) -> None:
    text = tmp_path / "tiny.txt"
    text.write_text(INSPECT_TEXT, encoding="utf-8")
    trainer = small_trainer(load_corpus(str(text), max_chars=0), hidden=12, num_steps=5,
                            epochs=9, pred_period=0)  # fmt: skip
    save_dir.mkdir()
    for name, label, diverged in SAVES:
        trainer.run_epoch()
        save_session(save_dir / f"{name}.rnnplay", trainer, label=label, diverged=diverged)


async def _rows(pilot, app) -> dict[str, list[str]]:
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="the load dialog")
    table = app.screen.query_one("#saves", DataTable)
    await wait_for(pilot, lambda: table.row_count == len(SAVES), what="listed")
    await pilot.pause(0.1)
    header = [str(c.label) for c in table.columns.values()]
    return {Path(str(key.value)).stem: dict(zip(header, map(str, table.get_row(key)), strict=True))
            for key in table.rows}  # fmt: skip


async def test_at_80x24_a_diverged_save_says_so_and_the_files_read_apart(
    save_dir: Path, tmp_path: Path
) -> None:
    _saves(save_dir, tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await _rows(pilot, app)
        text = screen_text(app)
        assert "model" not in rows[SAVES[0][0]]  # each run's name says it: "#1 scratch"
        for name, label, diverged in SAVES:
            row = rows[name]
            assert row["run"] == label
            assert (row["ppl"] == "diverged") == bool(diverged), row
            shown = row.get("file") or row["file (.rnnplay)"]
            assert shown.endswith(name[-6:]) and shown in text, (shown, name)  # its time, whole
        assert len({row.get("file") or row["file (.rnnplay)"] for row in rows.values()}) == 4
        diverged_row = next(line for line in text.splitlines() if "#2 scratch·lr 100" in line)
        assert "diverged" in diverged_row and "034302" in diverged_row, diverged_row


def test_a_name_alone_in_its_form_keeps_its_time_and_names_of_one_second_stay_apart() -> None:
    # #1's file has no tag, #2's two do: #1's was cut in its middle ("jay…2519").
    names = ["jaychou-scratch-consec-lr30-20261207-212546", "jaychou-scratch-20261207-212520",
             "jaychou-scratch-consec-lr30-20261207-212519"]  # fmt: skip
    assert shortened(names, 9) == ["…212546", "…212520", "…212519"]
    # Quitting saved both runs in one second: what tells them apart stays.
    names[1] = "jaychou-scratch-20261207-212519"
    shown = shortened(names, 9)
    assert len(set(shown)) == 3 and shown[2] == "…212519", shown


async def test_at_120x40_the_file_names_are_whole(save_dir: Path, tmp_path: Path) -> None:
    _saves(save_dir, tmp_path)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        rows = await _rows(pilot, app)
        text = screen_text(app)
        for name, _, diverged in SAVES:
            assert rows[name]["file (.rnnplay)"] == name and name in text
            assert (rows[name]["ppl"] == "diverged") == bool(diverged)
