"""A settings grid: a setup field may hold a list, and one run starts per combination of the
fields' values (engine.playground.grid, read by the setup form)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Label

from engine.config import ConfigError, TrainConfig, spec_of
from engine.playground import MAX_RUNS, Grid, field_values
from tui.widgets.setup import SetupPane, SuggestLast


def test_the_runs_are_the_product_of_the_fields_values_the_last_varying_fastest() -> None:
    grid = Grid({"lr": "1, 10, 100", "sampling": "random, consecutive", "hidden": "16"}, {})
    assert grid.size == 6
    assert grid.runs() == [
        {"lr": lr, "sampling": sampling, "hidden": 16}
        for lr in (1.0, 10.0, 100.0)
        for sampling in ("random", "consecutive")
    ]


def test_each_value_gets_its_settings_check_and_the_error_names_field_and_value() -> None:
    for texts, needle, field in [
        ({"lr": "1, -2"}, "learning rate must be a positive number", "lr"),
        ({"hidden": "16, x"}, "hidden must be a whole number, not 'x'", "hidden"),
        ({"model": "scratch, transformer"}, "not 'transformer'", "model"),
        ({"lr": "1,,10"}, "learning rate has an empty value in '1,,10'", "lr"),
    ]:
        with pytest.raises(ConfigError) as caught:
            Grid(texts, {})
        assert needle in str(caught.value) and caught.value.field == field, texts


def test_past_the_cap_the_message_names_the_runs_and_the_cap() -> None:
    grid = Grid({"lr": "1, 2, 3, 4, 5", "hidden": "8, 16, 32, 64"}, {})
    with pytest.raises(ConfigError, match=f"the grid makes 20 runs, more than the {MAX_RUNS}"):
        grid.runs()
    assert len(Grid({"lr": "1, 2, 3, 4", "hidden": "8, 16, 32, 64"}, {}).runs()) == MAX_RUNS


def test_a_list_setting_stays_one_value_and_a_value_given_twice_counts_once(
    tmp_path: Path,
) -> None:
    prefixes = spec_of(TrainConfig, "prefixes")
    assert field_values(prefixes, "分开,不分开") == (("分开", "不分开"),)
    assert field_values(spec_of(TrainConfig, "lr"), "1, 1.0, 2") == (1.0, 2.0)
    comma_file = tmp_path / "a,b.txt"
    comma_file.write_text("some text", encoding="utf-8")
    assert Grid({"corpus": str(comma_file)}, {}).size == 1
    assert Grid({"corpus": "jaychou, pysrc"}, {}).size == 2


def test_a_grid_over_models_takes_each_familys_lr_unless_lr_is_a_list() -> None:
    # One lr (the one the form shows, for scratch's SGD): each other model takes its own
    # family's, as the form keeps it; the book's when none was typed.
    runs = Grid({"model": "scratch, rnn, gru", "lr": "50"}, {"scratch": "50", "rnn": "0.01"}).runs()
    assert [(r["model"], r["lr"]) for r in runs] == [
        ("scratch", 50.0), ("rnn", 0.01), ("gru", 0.001)
    ]
    # A list of lrs is a sweep asked of every model: the plain product.
    runs = Grid({"model": "scratch, rnn", "lr": "1, 10"}, {"rnn": "0.01"}).runs()
    assert [(r["model"], r["lr"]) for r in runs] == [
        ("scratch", 1.0), ("scratch", 10.0), ("rnn", 1.0), ("rnn", 10.0)
    ]
    with pytest.raises(ConfigError, match="the lr kept for rnn: learning rate must be a number"):
        Grid({"model": "scratch, rnn", "lr": "1"}, {"rnn": "fast"}).runs()


class FormApp(App):
    def __init__(self, **values: str) -> None:
        super().__init__()
        self.values = values

    def compose(self) -> ComposeResult:
        yield SetupPane([("cpu", None)], self.values, id="setup")


async def test_the_form_reads_one_run_per_combination_and_its_border_says_how_many() -> None:
    app = FormApp(corpus="pysrc", max_chars="5000")
    async with app.run_test() as pilot:
        pane = app.query_one(SetupPane)
        runs, error = pane.read_runs()
        assert error is None and len(runs) == 1
        single = runs[0]
        assert "F5 new run" in str(pane.border_title)
        pane.query_one("#lr", Input).value = "1, 10"
        pane.query_one("#sampling", Input).value = "random, consecutive"
        await pilot.pause()
        assert "F5: 4 runs" in str(pane.border_title)
        runs, error = pane.read_runs()
        assert error is None and len(runs) == 4
        # Each shaped as read()'s one run: corpus, max chars and the device included.
        assert all(set(run) == set(single) for run in runs)
        assert {(run["lr"], run["sampling"]) for run in runs} == {
            (1.0, "random"), (1.0, "consecutive"), (10.0, "random"), (10.0, "consecutive")
        }
        assert all(run["corpus"] == "pysrc" and run["max_chars"] == 5000 for run in runs)


async def test_the_form_refuses_a_bad_value_and_a_grid_past_the_cap() -> None:
    app = FormApp()
    async with app.run_test() as pilot:
        pane = app.query_one(SetupPane)
        lr = pane.query_one("#lr", Input)
        lr.value = "1, x"
        await pilot.pause()
        runs, error = pane.read_runs()
        assert runs == [] and error == "learning rate must be a number, not 'x'"
        await pilot.pause()
        assert app.focused is lr
        lr.value = "1, 2, 3, 4, 5"
        pane.query_one("#hidden", Input).value = "8, 16, 32, 64"
        await pilot.pause()
        # Said as soon as the form holds it, and again on F5.
        assert "F5: 20 runs" in str(pane.border_title)
        shown = str(pane.query_one("#setup-error").render())
        assert "the grid makes 20 runs, more than the 16" in shown
        runs, error = pane.read_runs()
        assert runs == [] and error is not None and "20 runs" in error


async def test_a_model_grid_in_the_form_keeps_each_familys_lr() -> None:
    app = FormApp(lr="30")
    async with app.run_test() as pilot:
        pane = app.query_one(SetupPane)
        model, lr = pane.query_one("#model", Input), pane.query_one("#lr", Input)
        model.value = "rnn"  # the field shows Adam's lr, and takes one typed for it
        await pilot.pause()
        assert lr.value == "0.001"
        assert "lr (Adam)" in str(pane.query_one("#lr-label", Label).render())
        lr.value = "0.01"
        model.value = "scratch, rnn"  # the first model's family again: SGD's 30
        await pilot.pause()
        assert lr.value == "30"
        runs, _ = pane.read_runs()
        assert [(r["model"], r["lr"]) for r in runs] == [("scratch", 30.0), ("rnn", 0.01)]


async def test_the_options_complete_the_value_being_typed() -> None:
    suggest = SuggestLast(("scratch", "rnn", "gru", "lstm"))
    assert await suggest.get_suggestion("scratch, r") == "scratch, rnn"
    assert await suggest.get_suggestion("l") == "lstm"
    assert await suggest.get_suggestion("scratch, ") is None
