"""The help's exercises page: every option it names is a setting (a renamed or missing one
fails here), with values the setting accepts; the form trains on the book it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import make_app, time_machine_copy, wait_for
from screen_text import screen_text
from textual.widgets import Input, Static

from engine.config import CorpusConfig, TrainConfig, specs
from tui.screens.help import help_text

# "--flag value" as the page writes it in backticks; a value in capitals is a placeholder.
OPTION = re.compile(r"(--[a-z][a-z-]*)(?: ([^\s`-][^\s`]*))?")


def exercises() -> str:
    text = help_text()
    return text[text.index("## Exercises") : text.index("## Sessions")]


def test_every_option_the_exercises_page_names_is_a_setting_and_its_value_is_accepted() -> None:
    by_flag = {spec.flag: spec for cls in (CorpusConfig, TrainConfig) for spec in specs(cls)}
    # A yes/no setting is named by its --no- form too (argparse's BooleanOptionalAction).
    by_flag |= {"--no-" + s.flag[2:]: s for s in by_flag.values() if s.kind is bool}
    named = OPTION.findall(exercises())
    assert len(named) >= 12, named  # the page names options, not only prose
    for flag, value in named:
        assert flag in by_flag, f"the exercises page names {flag}, which is no setting"
        if value and not value.isupper():
            by_flag[flag].check(by_flag[flag].parse(value))


def test_the_page_names_each_exercise_of_the_chapter() -> None:
    page = exercises()
    for words in ("Hyper-parameters", "Sampling instead of argmax", "T = 1/α", "ReLU",
                  "No clipping", "detach", "embedding", "timemachine", "Overfitting",
                  "--layers", "held-out perplexity"):
        assert words in page, words


@pytest.mark.usefixtures("one_torch_thread")
async def test_f1_shows_the_exercises_and_the_form_trains_on_the_time_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    time_machine_copy(tmp_path / "corpus", monkeypatch)
    app = make_app(corpus="timemachine", max_chars="2000", epochs="2", pred_period="1")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: "F5: New run" in screen_text(app), what="help")
        markdown = app.screen.query_one("Markdown")
        assert "## Exercises" in markdown.source and "--corpus timemachine" in markdown.source
        await pilot.press("escape")
        await pilot.press("f5")
        await wait_for(pilot, lambda: any(
            s.state == "finished" for s in app.playground.summaries()), timeout=60,
            what="a run on timemachine")
        run = app.playground.summaries()[-1]
        assert run.config.prefixes == ("time traveller", "traveller")


async def test_the_focused_field_says_what_its_setting_means_and_costs():
    # The exercises' settings are one word in the form; what "detach no" costs is in its help.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#detach", Input).focus()
        help_line = app.query_one("#field-help", Static)
        await wait_for(pilot, lambda: help_line.region.height > 0, what="the help shown")
        assert "grow" in str(help_line.render())
        app.query_one("#prompt").focus()
        await wait_for(pilot, lambda: help_line.region.height == 0, what="the help hidden")
