"""A tester's finding: a label naming two settings ("#4 scratch·consecutive·lr 100", "#1
scratch·random·num_steps 8") was too long for the runs table's label column and was cut with
"…", its second setting lost. Where the whole would not fit, the core names the settings in
short ("consec", "steps 8", as the table's headers do; then a letter each); the labels fit and
stay apart, F8's arrow too ("#4 scratch·cons·lr 30→5")."""

from __future__ import annotations

from helpers import make_app, wait_for
from rich.cells import cell_len

from engine.config import TrainConfig
from engine.playground.labels import label_now, run_tag
from tui.widgets.runs_columns import LABEL


def test_a_label_that_fits_is_kept_whole_and_one_that_does_not_is_said_in_short() -> None:
    book = ("jaychou", TrainConfig())
    assert run_tag("jaychou", TrainConfig(sampling="consecutive"), [book], number=2) == (
        "consecutive")  # "#2 scratch·consecutive" fits
    two = TrainConfig(sampling="consecutive", lr=30.0)
    assert run_tag("jaychou", two, [book], number=3) == "consec·lr 30"  # as the headers say
    assert run_tag("jaychou", two, [book]) == "consecutive·lr 30"  # no run to fit
    assert run_tag("jaychou", TrainConfig(hidden=512, lr=1000.0), [book], number=12) == (
        "h512·lr 1000")  # one letter each, as the book writes them; the lr keeps "lr "
    grid = run_tag("jaychou", TrainConfig(), [], "consecutive·num_steps 35·batch_size 8", number=4)
    assert grid == "cons·T35·B8"
    corpus = run_tag("/data/a_very_long_corpus_name.txt", TrainConfig(batch_size=8), [book],
                     number=2)  # fmt: skip
    assert corpus == "a_very_lo…·B8"
    for label in ("#3 scratch·consec·lr 30", "#12 scratch·h512·lr 1000", "#4 scratch·cons·T35·B8",
                  "#2 scratch·a_very_lo…·B8"):  # fmt: skip
        assert cell_len(label) <= LABEL.width - 3, label  # beside ▶ ✓, a spare cell after


def test_f8s_arrow_shortens_the_other_settings_where_it_would_not_fit() -> None:
    assert label_now("#2 scratch·lr 30", 10.0) == "#2 scratch·lr 30→10"
    assert label_now("#4 scratch·consec·lr 30", 5.0) == "#4 scratch·cons·lr 30→5"
    assert label_now("#4 scratch·consec·lr 30", 30.0) == "#4 scratch·consec·lr 30"  # no arrow
    # A label from a file is shown as it is, long or not, while its lr is its own.
    assert label_now("#3 scratch·consecutive·num_steps 35", 1.0) == (
        "#3 scratch·consecutive·num_steps 35")


async def test_grids_of_two_settings_fit_the_label_column_at_80x24() -> None:
    app = make_app(sampling="random, consecutive", num_steps="8, 35", epochs="1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        table = app.main.runs
        await wait_for(pilot, lambda: table.row_count == 4, timeout=30, what="four rows")
        labels = sorted(s.label.split(" ", 1)[1] for s in app.playground.summaries())
        assert labels == ["scratch·cons·T35", "scratch·cons·T8", "scratch·rand·T35",
                          "scratch·rand·T8"], labels
        cells = [table.get_row(str(run_id))[0].plain for run_id in range(1, 5)]
        assert all(cell_len(cell) <= LABEL.width - 1 for cell in cells), cells
        assert not any(cell.rstrip().endswith("…") for cell in cells), cells


async def test_f8s_arrow_in_a_grids_label_fits_the_column() -> None:
    app = make_app(train=True, epochs="100000", sampling="random, consecutive", lr="10, 30")
    async with app.run_test(size=(80, 24)) as pilot:
        play = app.playground
        await wait_for(pilot, lambda: len(play.training_runs()) == 4, timeout=60,
                       what="four runs train")  # fmt: skip
        four = play.summary(4)
        assert four is not None and four.label == "#4 scratch·consec·lr 30", four
        assert play.select(4) and play.set_lr(5.0, 4)
        table = app.main.runs
        await wait_for(pilot, lambda: "#4 scratch·cons·lr 30→5" in table.get_row("4")[0].plain,
                       what="the arrow, whole")  # fmt: skip
        assert not table.get_row("4")[0].plain.rstrip().endswith("…")
        for run_id in play.training_runs():
            play.stop(run_id)
